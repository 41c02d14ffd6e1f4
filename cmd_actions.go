package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// actionInput is what every action command takes besides its fields.
type actionInput struct {
	db, at, registers string
	ifRevision        int
	asJSON            bool
}

// actionCommands are the commands that record one event on a case, one per
// action of cases.Actions, in the order of the work: their arguments,
// flags, help, example and completion are read from the table.
func (a *app) actionCommands() []*cobra.Command {
	out := make([]*cobra.Command, 0, len(cases.Actions))
	for i := range cases.Actions {
		out = append(out, a.actionCommand(&cases.Actions[i]))
	}
	return out
}

// actionCommand is one action's command: ID, its positional field if it
// has one (TAG..., FILE...), a flag per other field, and the flags every
// action takes.
func (a *app) actionCommand(act *cases.Action) *cobra.Command {
	cmd := &cobra.Command{Use: act.Name + " ID", Short: act.Summary, Args: argsBetween(1, 1, "which case?"),
		Long: strings.ToUpper(act.Summary[:1]) + act.Summary[1:] + ".\n\n" +
			"Records the event " + string(act.Kind) + " in the case's timeline, when it really happened\n" +
			"with --at (default now), and only if the case is still at the revision shown with\n" +
			"--if-revision. An action not allowed now is refused (exit 1) with the reason.",
		Example: "  " + act.Example}
	var next cobra.CompletionFunc
	positional := positionalField(act)
	if positional != nil {
		use, many := positional.Placeholder, positional.Type == cases.FieldFiles || positional.Type == cases.FieldNames
		hi := 2
		if many {
			use, hi = use+"...", -1
		}
		cmd.Use += " " + use
		cmd.Args = argsBetween(2, hi, positional.Placeholder+" is required")
		switch {
		case positional.Type == cases.FieldFiles:
			next = completeFiles
		case act.Kind == cases.EventWithheld:
			next = a.completeAttachment
		}
	}
	values := fieldFlags(cmd, act.Fields)
	var in actionInput
	f := cmd.Flags()
	if act.Register {
		registersFlag(cmd, &in.registers)
	}
	f.StringVar(&in.at, "at", "", "the `TIME` it really happened (RFC 3339 or YYYY-MM-DD; default now)")
	in.ifRevision = storage.NoRevision
	f.Var((*revisionValue)(&in.ifRevision), "if-revision", "apply only if the case is still at revision N (default: whatever it is)")
	jsonFlag(cmd, &in.asJSON, "the case as it is now")
	dbFlag(cmd, &in.db)
	for _, name := range []string{"recipient", "only"} {
		if f.Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, a.completeRecipients)
		}
	}
	cmd.ValidArgsFunction = a.completeCaseID(next)
	cmd.RunE = a.runs(func(args []string) int {
		v := values()
		if positional != nil {
			v[positional.Name] = args[1:]
		}
		return a.runAction(act, in, args[0], v)
	})
	return cmd
}

// revisionValue is --if-revision: a revision number, storage.NoRevision
// (shown as nothing) until one is given.
type revisionValue int

func (r *revisionValue) String() string {
	if *r == storage.NoRevision {
		return ""
	}
	return strconv.Itoa(int(*r))
}

func (r *revisionValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want a whole number")
	}
	*r = revisionValue(n)
	return nil
}

func (r *revisionValue) Type() string { return "N" }

// positionalField is the action's field given after the case ID, if any.
func positionalField(act *cases.Action) *cases.Field {
	for i := range act.Fields {
		if act.Fields[i].Positional {
			return &act.Fields[i]
		}
	}
	return nil
}

// runAction builds the action's events from the values given, completes
// them from the register when the action says so, and sends them to the
// store's action service in one call.
func (a *app) runAction(act *cases.Action, in actionInput, id string, values cases.Values) int {
	bad := func(err error) int { return a.fail(exitUsage, fmt.Errorf("%s: %w", act.Name, err)) }
	if in.ifRevision != storage.NoRevision && in.ifRevision < 1 {
		return bad(fmt.Errorf("--if-revision %d: revisions start at 1", in.ifRevision))
	}
	if in.at != "" {
		// The syntax is checked here; the store reads the time in the case's zone.
		if _, err := cases.ParseTime(in.at, time.UTC); err != nil {
			return bad(fmt.Errorf("--at: %w", err))
		}
	}
	events, err := act.Events(values, a.actor())
	if err != nil {
		return a.refusal(act.Name, act.Fields, refusalStatus(err, values), err)
	}
	st := a.cases(a.dbPath(in.db))
	if act.Register {
		if status := a.completeFromRegister(act, st, id, in.registers, &events[0], values); status != exitOK {
			return status
		}
	}
	actions := make([]storage.Action, len(events))
	for i, ev := range events {
		actions[i] = storage.Action{Event: ev, At: in.at, IfRevision: storage.NoRevision}
		if i == 0 {
			actions[i].IfRevision = in.ifRevision // the revision shown guards the whole call
		}
	}
	if act.Kind == cases.EventAttached {
		for i, path := range values["file"] {
			if actions[i].Content, err = storage.ReadAttachment(path, st.MaxFileSize()); err != nil {
				return bad(err)
			}
		}
	}
	return a.record(act, st, id, actions, in.asJSON)
}

// refusalStatus is the exit status of a refusal by the action table: a
// value that cannot be read is bad input (2); a required value missing is
// a refusal of the action as it stands (1), as when the domain refuses it
// (CLI.md: closing without an outcome exits 1).
func refusalStatus(err error, values cases.Values) int {
	var r *cases.Refused
	if errors.As(err, &r) && r.Field != "" && len(values[r.Field]) == 0 {
		return exitRefused
	}
	return exitUsage
}

// completeFromRegister fills what a register action takes from the case's
// organisation's current register: the recipients, or the rules of the
// case's regime (cases/register.Complete).
func (a *app) completeFromRegister(act *cases.Action, st storage.Service, id, dir string, ev *cases.Event, values cases.Values) int {
	l, err := st.Get(id)
	if err != nil {
		return a.storeFailure(err)
	}
	if err = a.registerComplete(l.Case, dir, ev); err != nil {
		return a.refusal(act.Name, act.Fields, refusalStatus(err, values), err)
	}
	return exitOK
}

// registerComplete completes ev from the current register of the case's
// organisation, for the regime the case is judged by now.
func (a *app) registerComplete(c *cases.Case, dir string, ev *cases.Event) error {
	regs, err := loadRegisters(a.getenv, dir)
	if err != nil {
		return err
	}
	reg, err := regs.Get(c.Controller)
	if err != nil {
		return err
	}
	state, err := c.Derive(a.clock.Now())
	if err != nil {
		return err
	}
	return reg.Complete(ev, state.Rules.Regime)
}

// record sends the actions to the store and prints what was recorded:
// one line each, or the case as it is now with --json; warnings (a late
// notice, a late answer) go to stderr.
func (a *app) record(act *cases.Action, st storage.Service, id string, actions []storage.Action, asJSON bool) int {
	a.beginWrite()
	results, err := st.Do(id, actions, a.clock.Now())
	if err != nil {
		var tooLarge *storage.TooLarge
		var refused *cases.Refused
		switch {
		case errors.As(err, &tooLarge):
			return a.fail(exitUsage, fmt.Errorf("%s: %w", act.Name, err))
		case errors.As(err, &refused):
			return a.refusal(act.Name, act.Fields, exitRefused, err)
		}
		return a.storeFailure(err)
	}
	for _, r := range results {
		for _, w := range r.Warnings {
			fmt.Fprintf(a.stderr, "rightsdesk: warning: %s\n", oneLine(w))
		}
	}
	if asJSON {
		return a.printJSON(results[len(results)-1].View)
	}
	for _, r := range results {
		printActionResult(a.stdout, r)
	}
	return exitOK
}

// printActionResult is one line per recorded event: what, the revision,
// and where the case stands now.
func printActionResult(w io.Writer, r *storage.Result) {
	v := r.View
	what := string(r.Event.Kind)
	switch {
	case r.Event.Attachment != nil:
		what += " " + cases.Printable(r.Event.Attachment.Name) + fmt.Sprintf(" (%d bytes, sha256 %s)", r.Event.Attachment.Size, r.Event.Attachment.SHA256[:12])
	case r.Event.File != "":
		what += " " + cases.Printable(r.Event.File)
	case r.Event.Letter != "":
		what += " " + string(r.Event.Letter)
	}
	due := "no deadline running"
	if v.EffectiveDue != nil {
		due = "due " + v.EffectiveDue.String()
	}
	fmt.Fprintf(w, "%s: %s recorded (revision %d); %s, clock %s, %s\n", v.ID, what, r.Revision, v.Status, v.Clock, due)
}
