// Command rightsdesk is a terminal application with which a Data Protection
// Officer browses, triages and closes data-subject rights requests, watches
// the countdown to each legal deadline and exports the response packet.
//
// main wires the pieces together (which clock, which register folders, which
// database) and dispatches subcommands; the business logic is in cases/.
package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// Exit statuses of CLI.md.
const (
	exitOK      = 0
	exitRefused = 1
	exitUsage   = 2
	exitStore   = 3
)

// app is one invocation: its streams, environment and clock.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	clock          cases.Clock
	db             *storage.Store // the process's one store owner
}

// command runs one subcommand with its arguments and returns the exit status.
type command struct {
	run     func(a *app, args []string) int
	summary string
}

// commands holds every subcommand; each cmd_*.go file registers its own in
// an init function, so that adding a command touches one file.
var commands = map[string]command{}

func addCommand(name string, run func(a *app, args []string) int, summary string) {
	commands[name] = command{run, summary}
}

func init() {
	addCommand("deadline", runDeadline, "the deadline calculator, no database (DEADLINES.md)")
	addCommand("init", runInit, "create the database with the right modes")
	addCommand("add", runAdd, "record a new request (one case per right)")
	addCommand("list", runList, "the queue in urgency order")
	addCommand("show", runShow, "one case: facts, deadlines with their working, timeline")
	addCommand("check", runCheck, "verify the file and every timeline chain")
	addCommand("backup", runBackup, "a verified hot copy of the database")
	addCommand("controllers", runControllers, "the organisations' registers, or one in full with provenance and gaps")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run is main without the process: it never panics outward, so that no
// input can produce a stack trace.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) (status int) {
	a := &app{stdout: stdout, stderr: stderr, getenv: getenv}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "rightsdesk: internal error: %v (please report it; nothing was written)\n", r)
			status = exitUsage
		}
	}()
	clock, err := clockFrom(getenv)
	if err != nil {
		return a.fail(exitUsage, err)
	}
	a.clock = clock

	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help") {
		return runTUI(a, args) // flags only: the terminal app
	}
	name := args[0]
	switch name {
	case "help", "--help", "-h":
		a.usage(stdout)
		return exitOK
	}
	cmd, ok := commands[name]
	if !ok {
		return a.fail(exitUsage, fmt.Errorf("unknown command %q (see 'rightsdesk help')", name))
	}
	return cmd.run(a, args[1:])
}

// clockFrom returns the fixed clock of RIGHTSDESK_NOW, or the system clock.
func clockFrom(getenv func(string) string) (cases.Clock, error) {
	v := getenv("RIGHTSDESK_NOW")
	if v == "" {
		return cases.SystemClock{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Errorf("RIGHTSDESK_NOW %q is not an RFC 3339 time", v)
	}
	return cases.FixedClock(t), nil
}

// fail prints one line on stderr and returns the status.
func (a *app) fail(status int, err error) int {
	fmt.Fprintf(a.stderr, "rightsdesk: %s\n", oneLine(err.Error()))
	return status
}

// oneLine keeps an error message to one line with no control characters.
func oneLine(s string) string {
	return strings.Join(strings.Fields(cases.Printable(s)), " ")
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: rightsdesk COMMAND [ARGS] [FLAGS]")
	fmt.Fprintln(w, "\ncommands:")
	fmt.Fprintf(w, "  %-18s %s\n", "(no command)", "the terminal app: [--db PATH] [--color auto|256|16|none]")
	fmt.Fprintf(w, "  %-18s %s\n", "--demo", "the terminal app on the demo database")
	for _, name := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-18s %s\n", name, commands[name].summary)
	}
}
