package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
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

// flags are the flags every action command takes beside its fields:
// --at, --late, --if-revision, --json and --db; late reads --late.
func (in *actionInput) flags(cmd *cobra.Command) (late func() cases.Values) {
	f := cmd.Flags()
	f.StringVar(&in.at, "at", "", "the `TIME` it really happened, in the case's zone: "+cases.WhenSyntax+" (default now)")
	late = fieldFlags(cmd, []cases.Field{cases.LateField})
	in.ifRevision = storage.NoRevision
	f.Var((*revisionValue)(&in.ifRevision), "if-revision", "apply only if the case is still at revision N (default: whatever it is)")
	jsonFlag(cmd, &in.asJSON, "the case as it is now")
	dbFlag(cmd, &in.db)
	return late
}

// check reads what every action command takes beside its fields: a
// revision that exists, and the syntax of --at. The store reads the time
// in the case's zone on its own clock (cases.ParseWhen, as the app's
// "when" is read), so here only the syntax counts: any zone and day serve.
func (in actionInput) check() error {
	if in.ifRevision != storage.NoRevision && in.ifRevision < 1 {
		return fmt.Errorf("--if-revision %d: revisions start at 1", in.ifRevision)
	}
	if in.at != "" {
		if _, err := cases.ParseWhen(in.at, time.UTC, syntaxDay); err != nil {
			return fmt.Errorf("--at: %w", err)
		}
	}
	return nil
}

// syntaxDay is the day relative times are read from when only their
// syntax is checked.
var syntaxDay = time.Date(2000, 1, 1, 12, 0, 0, 0, time.UTC)

// actionCommands are the commands that record one event on a case, one per
// command of cases.Actions, in the order of the work: their arguments,
// flags, help, example and completion are read from the table. An action
// recorded by another's command (add-system, by work --add-system) is an
// alternative of that command, chosen by its own flag.
func (a *app) actionCommands() []command {
	out := make([]command, 0, len(cases.Actions))
	for i := range cases.Actions {
		act := &cases.Actions[i]
		if act.CommandName() != act.Name {
			continue
		}
		out = append(out, command{group: groupActions, name: act.Name, build: func() *cobra.Command {
			var alternatives []*cases.Action
			for j := range cases.Actions {
				if other := &cases.Actions[j]; other != act && other.CommandName() == act.Name {
					alternatives = append(alternatives, other)
				}
			}
			return a.withProofVerify(a.actionCommand(act, alternatives))
		}})
	}
	return out
}

// actionCommand is one action's command: ID, its positional fields if it
// has any (TAG..., FILE..., ITEM RESULT), a flag per other field (its
// alternatives' too), and the flags every action takes.
func (a *app) actionCommand(act *cases.Action, alternatives []*cases.Action) *cobra.Command {
	cmd := &cobra.Command{Use: act.Name + " ID", Short: act.Summary,
		Long: strings.ToUpper(act.Summary[:1]) + act.Summary[1:] + ".\n\n" +
			"Records the event " + string(act.Kind) + " in the case's timeline, when it really happened\n" +
			"with --at (default now; more than a day back needs --late, why it is recorded late),\n" +
			"read in the case's legal zone as\n" + cases.WhenSyntax + ";\n" +
			"and only if the case is still at the revision shown with --if-revision. An action\n" +
			"not allowed now is refused (exit 1) with the reason.",
		Example: "  " + act.Example}
	if act.Notes != "" {
		cmd.Long += "\n\n" + act.Notes
	}
	for _, alt := range alternatives {
		sel, _ := alt.Field(selector(act, alt))
		cmd.Long += fmt.Sprintf("\n\nWith --%s %s instead: %s\n(records the event %s; no argument but ID).",
			sel.Name, sel.Placeholder, alt.Summary, alt.Kind)
		cmd.Example += "\n  " + alt.Example
	}
	var arguments []string
	for _, f := range positionalFields(act) {
		cmd.Use += " " + f.Placeholder
		if manyValues(f) {
			cmd.Use += "..."
		}
		arguments = append(arguments, fmt.Sprintf("  %-8s %s", f.Placeholder, fieldUsage(*f)))
	}
	if len(arguments) > 0 {
		cmd.Long += "\n\nArguments after ID:\n" + strings.Join(arguments, "\n")
	}
	values := fieldFlags(cmd, act.Fields)
	altValues := make([]func() cases.Values, len(alternatives))
	for i, alt := range alternatives {
		altValues[i] = fieldFlags(cmd, newFields(cmd, alt))
	}
	chosen := func() (*cases.Action, cases.Values) {
		for i, alt := range alternatives {
			if cmd.Flags().Changed(selector(act, alt)) {
				v := values()
				maps.Copy(v, altValues[i]())
				return alt, v
			}
		}
		return act, values()
	}
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		which, _ := chosen()
		_, args = a.fileAfterFlag(cmd, which, args)
		return actionArgs(cmd, which, args)
	}
	var in actionInput
	f := cmd.Flags()
	if act.Register {
		registersFlag(cmd, &in.registers)
	}
	late := in.flags(cmd)
	for _, name := range []string{"recipient", "only"} {
		if f.Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, a.completeRecipients)
		}
	}
	cmd.ValidArgsFunction = a.completeCaseID(a.completePositional(act))
	cmd.RunE = a.runs(func(args []string) int {
		which, v := chosen()
		file, args := a.fileAfterFlag(cmd, which, args)
		if file.name != "" {
			v[file.name] = []string{file.value}
		}
		rest := args[1:]
		for _, p := range positionalFields(which) {
			n := 1
			if manyValues(p) {
				n = len(rest)
			}
			v[p.Name], rest = rest[:n], rest[n:]
		}
		return a.runAction(which, in, args[0], v, late().One(cases.LateField.Name))
	})
	return cmd
}

// selector is the flag that chooses an alternative of act's command: the
// alternative's first field act does not have (work --add-system).
func selector(act, alt *cases.Action) string {
	for _, f := range alt.Fields {
		if _, shared := act.Field(f.Name); !shared {
			return f.Name
		}
	}
	return alt.Name
}

// newFields are the fields of an alternative that are not yet flags of
// cmd, each marked as the alternative's (required only with it).
func newFields(cmd *cobra.Command, alt *cases.Action) []cases.Field {
	var out []cases.Field
	for _, f := range alt.Fields {
		if !f.Positional && cmd.Flags().Lookup(f.Name) == nil {
			f.Hint = alt.Summary + ": " + f.Hint
			f.Required = false
			out = append(out, f)
		}
	}
	return out
}

// manyValues reports whether a positional field takes every argument
// left (TAG..., FILE...).
func manyValues(f *cases.Field) bool {
	return f.Type == cases.FieldFiles || f.Type == cases.FieldNames
}

// actionArgs checks the arguments of an action: the case ID, then one per
// positional field (any number for the last of TAG..., FILE...).
func actionArgs(cmd *cobra.Command, act *cases.Action, args []string) error {
	fields := positionalFields(act)
	lo, hi := 1+len(fields), 1+len(fields)
	if n := len(fields); n > 0 && manyValues(fields[n-1]) {
		hi = -1
	}
	if len(args) == 0 {
		return argsBetween(1, hi, "which case?")(cmd, args)
	}
	var missing []string
	for _, f := range fields[min(len(args)-1, len(fields)):] {
		missing = append(missing, f.Placeholder)
	}
	what := strings.Join(missing, " and ") + " is required"
	if len(missing) > 1 {
		what = strings.Join(missing, " and ") + " are required"
	}
	return argsBetween(lo, hi, what)(cmd, args)
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

// positionalFields are the action's fields given after the case ID, in
// their order.
func positionalFields(act *cases.Action) []*cases.Field {
	var out []*cases.Field
	for i := range act.Fields {
		if act.Fields[i].Positional {
			out = append(out, &act.Fields[i])
		}
	}
	return out
}

// flagFile is a file given to an optional-valued flag: send --outside FILE.
type flagFile struct{ name, value string }

// fileAfterFlag finds the value of an optional-valued file flag given as
// the next word (--outside letter.pdf): pflag takes only --outside=FILE as
// its value and leaves the next word among the arguments. That word is the
// flag's when it follows the flag on the command line and the command has
// an argument to spare; args are returned without it.
func (a *app) fileAfterFlag(cmd *cobra.Command, act *cases.Action, args []string) (flagFile, []string) {
	need := 1 + len(positionalFields(act))
	for _, f := range act.Fields {
		fv, ok := flagValue(cmd, f.Name)
		if f.Positional || f.Type != cases.FieldFiles || !ok || !cmd.Flags().Changed(f.Name) || len(fv.values) > 0 || len(args) <= need {
			continue
		}
		for i, word := range a.args[:max(len(a.args)-1, 0)] {
			if word == "--" {
				break
			}
			if word != "--"+f.Name {
				continue
			}
			next := a.args[i+1]
			if j := slices.Index(args, next); j >= 0 {
				return flagFile{f.Name, next}, slices.Delete(slices.Clone(args), j, j+1)
			}
		}
	}
	return flagFile{}, args
}

// flagValue is the value of one of cmd's field flags.
func flagValue(cmd *cobra.Command, name string) (*fieldValue, bool) {
	fl := cmd.Flags().Lookup(name)
	if fl == nil {
		return nil, false
	}
	fv, ok := fl.Value.(*fieldValue)
	return fv, ok
}

// runAction builds the action's events from the values given, completes
// them from the register when the action says so, and sends them to the
// store's action service in one call. late is why an event over a day old
// is recorded only now.
func (a *app) runAction(act *cases.Action, in actionInput, id string, values cases.Values, late string) int {
	bad := func(err error) int { return a.fail(exitUsage, fmt.Errorf("%s: %w", act.CommandName(), err)) }
	if err := in.check(); err != nil {
		return bad(err)
	}
	events, err := act.Events(values, a.actor())
	if err != nil {
		return a.refusal(act.CommandName(), act.Fields, refusalStatus(err, values), err)
	}
	for i := range events {
		events[i].Late = late
	}
	if err := checksumFlagFile(act, values, &events[0]); err != nil {
		return bad(err)
	}
	st := a.cases(a.dbPath(in.db))
	if act.Register {
		if status := a.completeFromRegister(act, st, id, in.db, in.registers, &events[0], values); status != exitOK {
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

// checksumFlagFile records the SHA-256 of a file given to a file flag of
// an action that keeps no files (send --outside FILE: the letter that went
// out another way), so that the timeline says which letter it was without
// holding it.
func checksumFlagFile(act *cases.Action, values cases.Values, ev *cases.Event) error {
	if act.Kind == cases.EventAttached {
		return nil
	}
	for _, f := range act.Fields {
		if f.Type != cases.FieldFiles || f.Positional || values.One(f.Name) == "" {
			continue
		}
		file, err := os.Open(values.One(f.Name))
		if err != nil {
			return fmt.Errorf("--%s: %w", f.Name, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, file)
		file.Close()
		if err != nil {
			return fmt.Errorf("--%s: read %s: %w", f.Name, values.One(f.Name), err)
		}
		ev.Checksum = hex.EncodeToString(h.Sum(nil))
	}
	return nil
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
func (a *app) completeFromRegister(act *cases.Action, st storage.Service, id, db, dir string, ev *cases.Event, values cases.Values) int {
	l, err := st.Get(id)
	if err != nil {
		return a.storeFailure(err)
	}
	if err = a.registerComplete(l.Case, db, dir, ev); err != nil {
		return a.refusal(act.CommandName(), act.Fields, refusalStatus(err, values), err)
	}
	return exitOK
}

// registerComplete completes ev from the current register of the case's
// organisation, for the regime the case is judged by now.
func (a *app) registerComplete(c *cases.Case, db, dir string, ev *cases.Event) error {
	regs, err := a.loadRegisters(db, dir)
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
			return a.fail(exitUsage, fmt.Errorf("%s: %w", act.CommandName(), err))
		case errors.As(err, &refused):
			return a.refusal(act.CommandName(), act.Fields, exitRefused, err)
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
	if v.Voided != nil {
		fmt.Fprintf(w, "%s: %s recorded (revision %d); voided: kept, out of the queue, lists and statistics\n", v.ID, what, r.Revision)
		return
	}
	fmt.Fprintf(w, "%s: %s recorded (revision %d); %s, clock %s, %s\n", v.ID, what, r.Revision, v.Status, v.Clock, due)
}
