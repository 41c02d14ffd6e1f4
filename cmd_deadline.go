package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"rightsdesk/cases"
)

const deadlineUsage = `usage: rightsdesk deadline --regime R --calendar CODE --tz ZONE --received TIME
          [--right RIGHT] [--holiday YYYY-MM-DD ...] [--promise-days N]
          [--pause additive|none] [--pause-window-days N] [--act-by-days N]
          [--forward-days N] [--extended-until YYYY-MM-DD] [--event NAME@TIME ...] [--json]

Computes the deadlines of one request without a database (DEADLINES.md).
Events: %s.
TIME is RFC 3339 or YYYY-MM-DD (the start of that day in --tz).
`

// runDeadline is the calculator of DEADLINES.md section 8.
func runDeadline(a *app, args []string) int {
	fs := newFlags("deadline")
	regime := fs.String("regime", "", "")
	calendar := fs.String("calendar", "", "")
	zone := fs.String("tz", "", "")
	received := fs.String("received", "", "")
	right := fs.String("right", string(cases.RightAccess), "")
	promise := fs.Int("promise-days", 0, "")
	pause := fs.String("pause", string(cases.PauseAdditive), "")
	window := fs.Int("pause-window-days", cases.DefaultPauseWindowDays, "")
	actBy := fs.Int("act-by-days", cases.DefaultActByWorkingDays, "")
	forward := fs.Int("forward-days", cases.DefaultForwardWorkingDays, "")
	extendedUntil := fs.String("extended-until", "", "")
	asJSON := fs.Bool("json", false, "")
	var holidays, events stringList
	fs.Var(&holidays, "holiday", "")
	fs.Var(&events, "event", "")
	positional, err := parseAnywhere(fs, args)
	if errors.Is(err, errHelp) {
		names := make([]string, len(cases.CalculatorEvents))
		for i, e := range cases.CalculatorEvents {
			names[i] = string(e)
		}
		fmt.Fprintf(a.stdout, deadlineUsage, strings.Join(names, ", "))
		return exitOK
	}
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("deadline: %w", err))
	}
	if len(positional) > 0 {
		return a.fail(exitUsage, fmt.Errorf("deadline: unexpected argument %q", positional[0]))
	}
	for flagName, v := range map[string]string{"--regime": *regime, "--calendar": *calendar, "--tz": *zone, "--received": *received} {
		if v == "" {
			return a.fail(exitUsage, fmt.Errorf("deadline: %s is required (see 'rightsdesk deadline --help')", flagName))
		}
	}
	in, err := calculatorInput(*regime, *calendar, *zone, *received, *right, *pause, *extendedUntil,
		*promise, *window, *actBy, *forward, holidays, events, a.clock)
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("deadline: %w", err))
	}
	d, err := cases.Compute(in)
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("deadline: %w", err))
	}
	for _, w := range d.Warnings {
		fmt.Fprintf(a.stderr, "rightsdesk: warning: %s\n", w)
	}
	if *asJSON {
		return a.printJSON(d)
	}
	printDeadlines(a.stdout, d)
	return exitOK
}

// calculatorInput validates the calculator's flags into an engine input.
func calculatorInput(regime, calendar, zone, received, right, pause, extendedUntil string,
	promise, window, actBy, forward int, holidays, events []string, clock cases.Clock) (cases.Input, error) {
	var in cases.Input
	rules := cases.Rules{Regime: regime, Zone: zone, Calendar: calendar, PromiseDays: promise,
		Pause: cases.PauseSetting(pause), PauseWindowDays: window, ActByWorkingDays: actBy,
		ForwardWorkingDays: forward}
	if promise < 0 || window < 0 || actBy < 1 || forward < 1 {
		return in, fmt.Errorf("--promise-days and --pause-window-days must not be negative; --act-by-days and --forward-days must be at least 1")
	}
	if err := rules.Validate(); err != nil {
		return in, err
	}
	loc, _ := cases.LoadZone(zone)
	for _, h := range holidays {
		d, err := cases.ParseDate(h)
		if err != nil {
			return in, fmt.Errorf("--holiday: %w", err)
		}
		rules.ExtraHolidays = append(rules.ExtraHolidays, d)
	}
	r, err := cases.ParseRight(right)
	if err != nil {
		return in, err
	}
	at, err := cases.ParseTime(received, loc)
	if err != nil {
		return in, fmt.Errorf("--received: %w", err)
	}
	in = cases.Input{Rules: rules, Right: r, ReceivedAt: at, Today: cases.DateOf(clock.Now(), loc)}
	if extendedUntil != "" {
		if in.ExtendedUntil, err = cases.ParseDate(extendedUntil); err != nil {
			return in, fmt.Errorf("--extended-until: %w", err)
		}
	}
	for _, spec := range events {
		ev, err := cases.ParseClockEvent(spec, loc)
		if err != nil {
			return in, err
		}
		in.Events = append(in.Events, ev)
	}
	return in, nil
}

// printJSON writes exactly one JSON value on one line.
func (a *app) printJSON(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return a.fail(exitUsage, err)
	}
	fmt.Fprintf(a.stdout, "%s\n", b)
	return exitOK
}

// printDeadlines writes the deadlines and their working for a person.
func printDeadlines(w io.Writer, d *cases.Deadlines) {
	fmt.Fprintf(w, "%-20s %s, %s, calendar %s\n", "rules", d.Regime, d.Zone, d.Calendar)
	for _, r := range d.Rows() {
		note := ""
		if r.Note != "" {
			note = "; " + r.Note
		}
		fmt.Fprintf(w, "%-20s %s (%s%s)\n", r.Label, r.Date, r.Date.Human(), note)
		if r.Label == "legal due" && d.DueAt != nil {
			fmt.Fprintf(w, "%-20s %s\n", "due at", d.DueAt.Format("2006-01-02T15:04:05Z07:00"))
		}
	}
	fmt.Fprintf(w, "%-20s %s\n", "clock", d.ClockLine(cases.Date.String))
	fmt.Fprintln(w, "\nworking:")
	for _, s := range d.Steps {
		fmt.Fprintf(w, "  - %s\n", cases.Printable(s))
	}
}
