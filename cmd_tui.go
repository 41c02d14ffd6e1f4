package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"rightsdesk/ui"
)

const tuiUsage = "usage: rightsdesk [--demo] [--db PATH] [--color auto|256|16|none]"

// runTUI starts the terminal app on the configured database, or with
// --demo on the demo database.
func runTUI(a *app, args []string) int {
	fs := newFlags("rightsdesk")
	db := fs.String("db", "", "")
	demo := fs.Bool("demo", false, "")
	color := fs.String("color", "auto", "")
	registersDir := fs.String("registers", "", "")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) > 0 {
		return a.usageError("rightsdesk", err, pos, tuiUsage)
	}
	profile, pin, err := colorProfile(*color, a.getenv)
	if err != nil {
		return a.fail(exitUsage, err)
	}
	if !term.IsTerminal(os.Stdout.Fd()) || !term.IsTerminal(os.Stdin.Fd()) {
		return a.fail(exitUsage, errors.New("the terminal app needs a terminal; for scripts use the commands (rightsdesk help)"))
	}
	path, title := a.dbPath(*db), ""
	if *demo {
		if path, err = a.demoDatabase(); err != nil {
			return a.storeFailure(err)
		}
		title = "demo"
	} else {
		title = filepath.Base(path)
	}
	regs, err := loadRegisters(a.getenv, *registersDir)
	if err != nil {
		return a.fail(exitUsage, err)
	}
	model := ui.New(ui.Options{Store: a.store(path), Clock: a.clock, Actor: a.actor(), Registers: regs, Title: title})
	opts := []tea.ProgramOption{}
	if pin {
		opts = append(opts, tea.WithColorProfile(profile))
	}
	if _, err := tea.NewProgram(model, opts...).Run(); err != nil {
		return a.fail(exitStore, fmt.Errorf("the terminal app stopped: %w", err))
	}
	return exitOK
}

// colorProfile is the colour profile --color asks for; pin is false when
// the terminal's own profile is to be detected. NO_COLOR set to anything
// (no-color.org) means no colour under auto, while bold, underline and
// reverse still mark the header and the cursor.
func colorProfile(flag string, getenv func(string) string) (profile colorprofile.Profile, pin bool, err error) {
	switch flag {
	case "auto":
		return colorprofile.Ascii, getenv("NO_COLOR") != "", nil
	case "256":
		return colorprofile.ANSI256, true, nil
	case "16":
		return colorprofile.ANSI, true, nil
	case "none":
		return colorprofile.Ascii, true, nil
	}
	return 0, false, fmt.Errorf("--color %q: want auto, 256, 16 or none", flag)
}
