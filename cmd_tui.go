package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"rightsdesk/cases/register"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/export"
	"rightsdesk/storage"
	"rightsdesk/ui"
)

// tuiFlags are the root's flags: without a command, rightsdesk starts the
// terminal app, on the configured database or with --demo on the demo one.
func (a *app) tuiFlags(root *cobra.Command) {
	f := root.Flags()
	var db, registersDir string
	dbFlag(root, &db)
	registersFlag(root, &registersDir)
	demo := f.Bool("demo", false, "the terminal app on the demo database $XDG_DATA_HOME/rightsdesk/demo.db (made when missing or older than a day)")
	color := f.String("color", "auto", "`MODE` of colour: auto, 256, 16 or none (NO_COLOR is honoured under auto)")
	_ = root.RegisterFlagCompletionFunc("color", completeSlugs([]string{"auto", "256", "16", "none"}))
	root.RunE = a.runs(func([]string) int { return a.runTUI(db, *demo, *color, registersDir) })
}

// runTUI starts the terminal app.
func (a *app) runTUI(db string, demo bool, color, registersDir string) int {
	profile, pin, err := colorProfile(color, a.getenv)
	if err != nil {
		return a.fail(exitUsage, err)
	}
	if !term.IsTerminal(os.Stdout.Fd()) || !term.IsTerminal(os.Stdin.Fd()) {
		return a.fail(exitUsage, errors.New("the terminal app needs a terminal; for scripts use the commands (rightsdesk help)"))
	}
	path, title := a.dbPath(db), ""
	if demo {
		if path, err = a.demoDatabase(); err != nil {
			return a.storeFailure(err)
		}
		title = "demo"
	} else {
		title = filepath.Base(path)
	}
	// In team mode the app's store is the team server's client (the app
	// takes any Store); --demo stays on the user's own demo file.
	src := a.cases(path)
	st, actor, data := readAhead(src, a.clock.Now()), a.actor(), filepath.Join(a.dataHome(), "rightsdesk")
	// The registers, as the app's commands read them, are parsed once the
	// first frame is drawn (the app's keys that need them wait for them),
	// and read again when the DPO edits one from the app (E on the
	// register screen).
	regs := &startRegisters{src: src, flagDir: registersDir, done: make(chan struct{})}
	if a.team != nil {
		title = "team"
	}
	// TERM=vt100 and a locale other than UTF-8 get ASCII; a --color other
	// than auto is the user's word over TERM's.
	terminal := ui.TerminalOf(a.getenv)
	terminal.NoColour = terminal.NoColour && color == "auto"
	// The header's clock is in the user's zone, named when TZ names it.
	var zone *time.Location
	if tz := strings.TrimPrefix(a.getenv("TZ"), ":"); tz != "" {
		zone, _ = cases.LoadZone(tz) // a TZ Go cannot read leaves the local zone
	}
	model := ui.New(ui.Options{Store: st, Clock: a.clock, Actor: actor, AwaitRegisters: regs.await, Title: title, Zone: zone,
		Export: func(id string, kind cases.LetterKind) (*ui.Exported, error) {
			current, err := regs.fresh()
			if err != nil {
				return nil, err
			}
			res, err := exportPacket(st, current, id, kind, filepath.Join(data, "packets"), a.clock.Now(), actor)
			if err != nil {
				return nil, err
			}
			out := &ui.Exported{Path: res.Path, SHA256: res.SHA256, Draft: res.Draft, Controller: res.Controller}
			out.Gaps, out.CaseGaps = ui.GapLists(res.Gaps)
			return out, nil
		},
		Record: func(id string) (string, string, error) {
			return writeRecord(st, id, filepath.Join(data, "records"), a.clock.Now(), actor)
		},
		Report: func(controller string) (string, error) {
			return writeReportFile(st, controller, filepath.Join(data, "reports"), a.clock.Now())
		},
		Letter: func(id string, kind cases.LetterKind) (*ui.Letter, error) {
			current, err := regs.fresh()
			if err != nil {
				return nil, err
			}
			return letterToApprove(st, current, id, kind)
		},
		EditRegister: a.editRegister(path),
		ReloadRegisters: func() (*register.Registers, error) {
			fresh, err := a.loadRegisters(path, registersDir)
			if err == nil {
				regs.current.Store(fresh)
			}
			return fresh, err
		},
		ActorOverridden: a.actorOverridden(), Terminal: terminal})
	a.beginWrite() // the app records actions
	opts := []tea.ProgramOption{}
	if pin {
		opts = append(opts, tea.WithColorProfile(profile))
	}
	if _, err := tea.NewProgram(model, opts...).Run(); err != nil {
		return a.fail(exitStore, fmt.Errorf("the terminal app stopped: %w", err))
	}
	if err := regs.failed(); err != nil {
		return a.registersFailure("", err) // the app quit on it
	}
	return exitOK
}

// editRegister is E on the register screen: it hands the terminal to
// this very binary's controllers ID edit on the database at path (the app
// holds no transaction while it waits), then the app reads the registers
// again.
func (a *app) editRegister(path string) func(id string) *exec.Cmd {
	return func(id string) *exec.Cmd {
		exe, err := os.Executable()
		if err != nil {
			return nil
		}
		if a.team != nil {
			// The child is a client too: the same configuration and
			// environment, and the same socket when it was given here.
			args := []string{"controllers", id, "edit"}
			if a.socketFlag != "" {
				args = append(args, "--socket", a.socketFlag)
			}
			return exec.Command(exe, args...)
		}
		return exec.Command(exe, "controllers", id, "edit", "--db", path)
	}
}

// startRegisters is the registers of the app: read and parsed (registersIn)
// when first asked for, which the app does once its first frame is drawn,
// so that the frame does not wait for them; then the version the app's
// commands read (replaced after an edit from the app).
type startRegisters struct {
	src     storage.Service
	flagDir string
	read    sync.Once
	done    chan struct{} // closed once the first read is over
	err     error         // the first read's, set before done is closed
	current atomic.Pointer[register.Registers]
	// read is the stored versions current was read from (fresh).
	versions atomic.Pointer[string]
}

// fresh is the registers as stored now: read again when one was changed
// since they were read (by a colleague, or controllers import in another
// terminal), so that a packet states the register's facts of today and a
// letter leaves under today's approval conditions.
func (r *startRegisters) fresh() (*register.Registers, error) {
	cur, err := r.await()
	if err != nil {
		return nil, err
	}
	versions, err := r.src.CurrentRegisters()
	if err != nil {
		return cur, nil // what was read stands; the store says what fails
	}
	var b strings.Builder
	for _, v := range versions {
		fmt.Fprintf(&b, "%s %d %s\n", v.Register, v.Number, v.SHA256)
	}
	sig := b.String()
	if was := r.versions.Load(); was != nil && *was == sig {
		return cur, nil
	}
	regs, err := registersIn(r.src, r.flagDir)
	if err != nil {
		return nil, err
	}
	r.current.Store(regs)
	r.versions.Store(&sig)
	return regs, nil
}

// await is the registers as they are now, read first if they were not.
func (r *startRegisters) await() (*register.Registers, error) {
	r.read.Do(func() {
		defer close(r.done)
		regs, err := registersIn(r.src, r.flagDir)
		if err != nil {
			r.err = err
			return
		}
		r.current.Store(regs)
	})
	<-r.done
	if r.err != nil {
		return nil, r.err
	}
	return r.current.Load(), nil
}

// failed is the first read's error, if it is over and failed.
func (r *startRegisters) failed() error {
	select {
	case <-r.done:
		return r.err
	default:
		return nil
	}
}

// startAhead is the local store with the queue's first page read ahead:
// the app's first frame waits for Bubble Tea to take the terminal and for
// the first page (not for the registers, read after it); the page is read
// on a second core meanwhile. The app's
// first Start is answered with it (read a few milliseconds before the
// app asked: as if the read had taken that much longer); any later Start
// reads the store again.
type startAhead struct {
	*storage.Store
	ahead chan firstPage // the one page, then closed
}

type firstPage struct {
	page *storage.Start
	err  error
}

// readAhead starts reading the first page of a local store; the team
// server's client is returned as it is.
func readAhead(st storage.Service, now time.Time) storage.Service {
	local, ok := st.(*storage.Store)
	if !ok {
		return st
	}
	s := &startAhead{Store: local, ahead: make(chan firstPage, 1)}
	go func() {
		page, err := local.Start(now, ui.FirstPage)
		s.ahead <- firstPage{page, err}
		close(s.ahead)
	}()
	return s
}

func (s *startAhead) Start(now time.Time, n int) (*storage.Start, error) {
	if first, ok := <-s.ahead; ok && n == ui.FirstPage {
		return first.page, first.err
	}
	return s.Store.Start(now, n)
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

// writeReportFile writes the register of requests of one organisation (all
// when controller is empty) as CSV into dir, private, and returns its path:
// R on the terminal app's overview.
func writeReportFile(st storage.Service, controller, dir string, now time.Time) (string, error) {
	rows, err := reportRows(st, controller, cases.Date{}, cases.Date{}, now)
	if err != nil {
		return "", err
	}
	return export.WriteReportFile(rows, controller, dir, now)
}
