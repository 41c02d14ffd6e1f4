// Command rightsdesk is a terminal application with which a Data Protection
// Officer browses, triages and closes data-subject rights requests, watches
// the countdown to each legal deadline and exports the response packet.
//
// main wires the pieces together (which clock, which register folders, which
// database) and describes the command line (cli.go and cmd_*.go, on cobra);
// the business logic is in cases/, storage/ and export/.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"rightsdesk/cases"
	"rightsdesk/server"
	"rightsdesk/storage"
)

// Exit statuses of CLI.md.
const (
	exitOK      = 0
	exitRefused = 1
	exitUsage   = 2
	exitStore   = 3
	// exitInternal is a fault of the program, not of the input: it is not
	// a usage error (2), so a script does not retry with other arguments.
	exitInternal = 3
)

// app is one invocation: its streams, environment and clock.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	clock          cases.Clock
	db             *storage.Store // the process's one store owner
	args           []string       // the command line, without the program's name
	status         int            // the exit status the command ran to
	// clockOverridden is set when the clock is $RIGHTSDESK_NOW's; osName
	// is the OS user's name once found.
	clockOverridden bool
	osName          string
	// writing is set once a command may have changed something (the
	// database, or a file it writes), so that an internal error says
	// truthfully whether anything was written.
	writing bool
	// socketFlag is --socket; team is set when the command is a client of
	// a team server, client once it is connected, whoami the name the
	// server knows this user by.
	socketFlag string
	team       *teamMode
	client     *server.Client
	whoami     string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run is main without the process: it never panics outward, so that no
// input can produce a stack trace.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return runWith(args, stdout, stderr, getenv, nil)
}

// runWith is run on a clock the caller injects (nil: the system clock, or
// $RIGHTSDESK_NOW's). An injected clock is the caller's, as the team
// server's tests inject theirs; $RIGHTSDESK_NOW is the environment's, and
// every event recorded under it says its clock was overridden.
func runWith(args []string, stdout, stderr io.Writer, getenv func(string) string, clock cases.Clock) (status int) {
	a := &app{stdout: stdout, stderr: stderr, getenv: getenv}
	defer func() {
		if r := recover(); r != nil {
			status = a.internalError(r)
		}
	}()
	if clock == nil {
		var err error
		if clock, err = clockFrom(getenv); err != nil {
			return a.fail(exitUsage, err)
		}
		a.clockOverridden = getenv("RIGHTSDESK_NOW") != ""
	}
	a.clock = clock
	return a.execute(args)
}

// internalError reports a fault of the program on one line. Once a command
// has begun to write, a commit may already have happened (the fault can
// come after it, while printing), so the message says so and points at
// what shows it.
func (a *app) internalError(r any) int {
	outcome := "nothing was written"
	if a.writing {
		outcome = "the change may have been recorded: run 'rightsdesk check', and 'rightsdesk show ID' for the case"
	}
	fmt.Fprintf(a.stderr, "rightsdesk: internal error: %s (please report it; %s)\n", oneLine(fmt.Sprint(r)), outcome)
	return exitInternal
}

// beginWrite marks the point after which the command may have changed the
// database or written a file.
func (a *app) beginWrite() { a.writing = true }

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
	if err := cases.CheckYear(t, v); err != nil {
		return nil, fmt.Errorf("RIGHTSDESK_NOW: %w", err)
	}
	return cases.FixedClock(t), nil
}

// fail prints one line on stderr and returns the status.
func (a *app) fail(status int, err error) int {
	fmt.Fprintf(a.stderr, "rightsdesk: %s\n", oneLine(samePathOnce(err.Error())))
	return status
}

// samePathOnce names a file once where an error wrapped the system's error
// about the same file: "open X: open X: permission denied" and "create X:
// mkdir X: not a directory" say the outer operation and the reason.
func samePathOnce(msg string) string {
	parts := strings.Split(msg, ": ")
	out := parts[:1]
	for _, p := range parts[1:] {
		prev := strings.Fields(out[len(out)-1])
		this := strings.Fields(p)
		if len(prev) >= 2 && len(this) == 2 && prev[len(prev)-1] == this[1] {
			continue // "mkdir X" after "create X"
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}

// oneLine keeps an error message to one line with no control characters.
func oneLine(s string) string {
	return strings.Join(strings.Fields(cases.Printable(s)), " ")
}
