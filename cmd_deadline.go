package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
)

// deadlineOptions are the calculator's flags.
type deadlineOptions struct {
	regime, calendar, zone, received, right, pause, extendedUntil string
	promise, window, actBy, forward                               int
	holidays, events                                              []string
	asJSON                                                        bool
}

// deadlineCommand is the calculator of DEADLINES.md section 8.
func (a *app) deadlineCommand() *cobra.Command {
	names := cases.Slugs(cases.CalculatorEvents)
	cmd := &cobra.Command{Use: "deadline", Short: "the deadline calculator, no database (DEADLINES.md)", Args: noArgs,
		Long: "Computes the deadlines of one request without a database (DEADLINES.md): the legal\n" +
			"deadline, the extension and its notice, the pauses, with the working.\n" +
			"Events: " + strings.Join(names, ", ") + ".\n" +
			"TIME is RFC 3339 or YYYY-MM-DD (the start of that day in --tz).",
		Example: "  rightsdesk deadline --regime eu-gdpr --calendar DE-BE --tz Europe/Berlin --received 2025-01-31T09:00:00+01:00\n" +
			"  rightsdesk deadline --regime uk-gdpr --calendar GB-EAW --tz Europe/London --received 2026-03-02 --event id-requested@2026-03-03"}
	var o deadlineOptions
	f := cmd.Flags()
	f.StringVar(&o.regime, "regime", "", "the legal regime `R` (eu-gdpr, uk-gdpr, ...)")
	f.StringVar(&o.calendar, "calendar", "", "the holiday calendar `CODE` (FR, DE-BE, GB-EAW, ...)")
	f.StringVar(&o.zone, "tz", "", "the legal time `ZONE` (Europe/Paris)")
	f.StringVar(&o.received, "received", "", "when the request was received (`TIME`)")
	f.StringVar(&o.right, "right", string(cases.RightAccess), "the right `R` asked for")
	f.IntVar(&o.promise, "promise-days", 0, "the organisation's promise, in `N` days (0: none)")
	f.StringVar(&o.pause, "pause", string(cases.PauseAdditive), "how a pause counts: `additive` or none")
	f.IntVar(&o.window, "pause-window-days", cases.DefaultPauseWindowDays, "a pause counts only when asked within `N` days of receipt")
	f.IntVar(&o.actBy, "act-by-days", cases.DefaultActByWorkingDays, "the internal act-by target, `N` working days")
	f.IntVar(&o.forward, "forward-days", cases.DefaultForwardWorkingDays, "a processor forwards within `N` working days")
	f.StringVar(&o.extendedUntil, "extended-until", "", "the extension's own end (`YYYY-MM-DD`)")
	f.StringArrayVar(&o.holidays, "holiday", nil, "an extra holiday `YYYY-MM-DD` (repeatable)")
	f.StringArrayVar(&o.events, "event", nil, "a clock event `NAME@TIME` (repeatable)")
	f.BoolVar(&o.asJSON, "json", false, "print the deadlines as one JSON value on one line")
	for _, name := range []string{"regime", "calendar", "tz", "received"} {
		_ = cmd.MarkFlagRequired(name)
	}
	_ = cmd.RegisterFlagCompletionFunc("regime", completeSlugs(cases.RegimeNames()))
	_ = cmd.RegisterFlagCompletionFunc("right", completeSlugs(cases.Slugs(cases.Rights)))
	_ = cmd.RegisterFlagCompletionFunc("pause", completeSlugs([]string{string(cases.PauseAdditive), string(cases.PauseNone)}))
	_ = cmd.RegisterFlagCompletionFunc("event", completeSlugs(eventPrefixes(names)))
	cmd.RunE = a.runs(func([]string) int { return a.runDeadline(o) })
	return cmd
}

// eventPrefixes are the events as --event starts them: NAME@.
func eventPrefixes(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + "@"
	}
	return out
}

func (a *app) runDeadline(o deadlineOptions) int {
	in, err := calculatorInput(o.regime, o.calendar, o.zone, o.received, o.right, o.pause, o.extendedUntil,
		o.promise, o.window, o.actBy, o.forward, o.holidays, o.events, a.clock)
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
	if o.asJSON {
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
	b, err := cases.JSON(v)
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
			// The last second of the due day, in the zone whose day it ends.
			at := *d.DueAt
			if loc, err := cases.LoadZone(d.Zone); err == nil {
				at = at.In(loc)
			}
			fmt.Fprintf(w, "%-20s %s\n", "due at", at.Format("Mon 2 Jan 2006 15:04:05 MST"))
		}
	}
	fmt.Fprintf(w, "%-20s %s\n", "clock", d.ClockLine(cases.Date.String))
	fmt.Fprintln(w, "\nworking:")
	for _, s := range d.Steps {
		fmt.Fprintf(w, "  - %s\n", cases.Printable(s))
	}
}
