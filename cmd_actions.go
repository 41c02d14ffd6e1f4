package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// actionSpec is one action command of CLI.md: the event it records, the
// flags it takes and what its positional arguments after the ID are.
type actionSpec struct {
	name    string
	kind    cases.EventKind
	flags   []string // of actionFlagNames
	args    string   // "": none; "TAG...", "FILE...", "FILE": positional arguments after ID
	summary string
}

var actionSpecs = []actionSpec{
	{"acknowledge", cases.EventAcknowledged, nil, "", "the receipt was acknowledged to the requester"},
	{"request-id", cases.EventIDRequested, []string{"reason"}, "", "identity asked for (why there is doubt)"},
	{"id-received", cases.EventIDReceived, nil, "", "the identity information arrived"},
	{"verify", cases.EventIdentityVerified, []string{"method"}, "", "identity verified (how; documents are never stored)"},
	{"request-info", cases.EventClarificationRequested, []string{"reason"}, "", "clarification asked of the requester"},
	{"info-received", cases.EventClarificationReceived, nil, "", "the clarification arrived"},
	{"request-authority", cases.EventAuthorityRequested, []string{"reason"}, "", "proof of an agent's or parent's authority asked for"},
	{"authority-received", cases.EventAuthorityReceived, nil, "", "the proof of authority arrived"},
	{"request-fee", cases.EventFeeRequested, []string{"amount", "reason"}, "", "an Art. 12(5) fee asked for"},
	{"fee-paid", cases.EventFeePaid, nil, "", "the fee was paid"},
	{"extend", cases.EventExtensionDecided, []string{"reason", "until"}, "", "decide to extend; in force once its notice is sent in time"},
	{"send", cases.EventSent, []string{"letter", "channel", "to"}, "", "a letter went to the requester (the current step's letter unless --letter)"},
	{"notify", cases.EventRecipientNotified, []string{"recipient", "impossible"}, "", "an Art. 19 notification to a recipient, or why it was impossible"},
	{"recipients", cases.EventRecipientsChosen, []string{"only", "registers"}, "", "the register's recipients this subject's data went to"},
	{"assign", cases.EventAssigned, []string{"to"}, "", "give the case to a colleague"},
	{"tag", cases.EventTagged, nil, "TAG...", "add tags"},
	{"untag", cases.EventUntagged, nil, "TAG...", "remove tags"},
	{"note", cases.EventNoted, []string{"text"}, "", "an internal note"},
	{"attach", cases.EventAttached, []string{"kind", "category", "system"}, "FILE...", "files gathered for the case, stored in the database"},
	{"withhold", cases.EventWithheld, []string{"ground", "reason", "law"}, "FILE", "keep a data-copy file from the subject (a partial refusal)"},
	{"close", cases.EventClosed, []string{"outcome", "ground", "reason", "law", "redirect-to"}, "", "record the outcome"},
	{"reopen", cases.EventReopened, []string{"reason"}, "", "reopen a closed case"},
	{"rebaseline", cases.EventRebaselined, []string{"reason", "registers"}, "", "re-apply the organisation's current register rules to an open case"},
}

// actionFlagHelp is each flag's value in the usage line.
var actionFlagHelp = map[string]string{
	"reason": "TEXT", "method": "TEXT", "amount": "TEXT", "until": "DATE", "letter": "KIND", "channel": "CH",
	"to": "NAME", "recipient": "NAME", "impossible": "REASON", "only": "NAME ...", "text": "TEXT",
	"kind": "K", "category": "NAME", "system": "NAME", "ground": "G ...", "law": "TEXT", "outcome": "O",
	"redirect-to": "TEXT", "registers": "DIR",
}

// actionInput is what an action command was given.
type actionInput struct {
	db, at     string
	ifRevision int
	asJSON     bool
	values     map[string]*string
	lists      map[string]*[]string
}

// actionCommands are the commands that record one event on a case.
func (a *app) actionCommands() []*cobra.Command {
	out := make([]*cobra.Command, 0, len(actionSpecs))
	for _, spec := range actionSpecs {
		out = append(out, a.actionCommand(spec))
	}
	return out
}

// actionCommand is one action's command: ID, its positional arguments, its
// flags and those every action takes.
func (a *app) actionCommand(spec actionSpec) *cobra.Command {
	use := spec.name + " ID"
	args := argsBetween(1, 1, "which case?")
	switch spec.args {
	case "":
	case "FILE":
		use += " " + spec.args
		args = argsBetween(2, 2, "FILE is required")
	default:
		use += " " + spec.args
		args = argsBetween(2, -1, strings.TrimSuffix(spec.args, "...")+" is required")
	}
	cmd := &cobra.Command{Use: use, Short: spec.summary, Args: args,
		Example: "  rightsdesk " + spec.name + " DSR-2026-000042"}
	in := actionInput{values: map[string]*string{}, lists: map[string]*[]string{}}
	f := cmd.Flags()
	for _, name := range spec.flags {
		help := "`" + strings.TrimSuffix(actionFlagHelp[name], " ...") + "`"
		if name == "ground" || name == "only" {
			in.lists[name] = f.StringArray(name, nil, help+" (repeatable)")
		} else {
			in.values[name] = f.String(name, "", help)
		}
	}
	dbFlag(cmd, &in.db)
	f.StringVar(&in.at, "at", "", "when it really happened, `TIME` (default now)")
	f.IntVar(&in.ifRevision, "if-revision", storage.NoRevision, "apply only if the case is still at revision `N`")
	jsonFlag(cmd, &in.asJSON, "the case as it is now")
	for name, words := range map[string][]string{"letter": slugs(cases.LetterKinds), "channel": slugs(cases.Channels),
		"outcome": slugs(cases.Outcomes), "ground": slugs(cases.Grounds), "kind": slugs(cases.AttachmentKinds)} {
		if f.Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, completeSlugs(words))
		}
	}
	if spec.kind == cases.EventReopened {
		_ = cmd.RegisterFlagCompletionFunc("reason", completeSlugs(slugs(cases.ReopenReasons)))
	}
	for _, name := range []string{"recipient", "only"} {
		if f.Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, a.completeRecipients)
		}
	}
	var next cobra.CompletionFunc
	switch spec.args {
	case "FILE...":
		next = completeFiles
	case "FILE":
		next = a.completeAttachment
	}
	cmd.ValidArgsFunction = a.completeCaseID(next)
	cmd.RunE = a.runs(func(args []string) int { return a.runAction(spec, in, args[0], args[1:]) })
	return cmd
}

// runAction builds the action's event and sends it to the store's action
// service.
func (a *app) runAction(spec actionSpec, in actionInput, id string, rest []string) int {
	bad := func(err error) int { return a.fail(exitUsage, fmt.Errorf("%s: %w", spec.name, err)) }
	if in.ifRevision != storage.NoRevision && in.ifRevision < 1 {
		return bad(fmt.Errorf("--if-revision %d: revisions start at 1", in.ifRevision))
	}
	if in.at != "" {
		// The syntax is checked here; the store reads the time in the case's zone.
		if _, err := cases.ParseTime(in.at, time.UTC); err != nil {
			return bad(fmt.Errorf("--at: %w", err))
		}
	}
	st := a.store(a.dbPath(in.db))
	ev, content, status := a.actionEvent(spec, in, st, id, rest)
	if status != exitOK {
		return status
	}
	actions := []storage.Action{{Event: ev, At: in.at, IfRevision: in.ifRevision}}
	if spec.kind == cases.EventAttached {
		actions = actions[:0]
		for i, path := range rest {
			e := ev
			att := *ev.Attachment
			att.Name = filepath.Base(path)
			e.Attachment = &att
			rev := storage.NoRevision
			if i == 0 {
				rev = in.ifRevision // the revision shown guards the whole call
			}
			actions = append(actions, storage.Action{Event: e, At: in.at, IfRevision: rev, Content: content[i]})
		}
	}
	return a.record(spec.name, st, id, actions, in.asJSON)
}

// record sends the actions to the store and prints what was recorded.
func (a *app) record(name string, st *storage.Store, id string, actions []storage.Action, asJSON bool) int {
	a.beginWrite()
	results, err := st.Do(id, actions, a.clock.Now())
	if err != nil {
		var tooLarge *storage.TooLarge
		if errors.As(err, &tooLarge) {
			return a.fail(exitUsage, fmt.Errorf("%s: %w", name, err))
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

// actionEvent builds the event of an action from its input; a bad value
// is reported and its status returned.
func (a *app) actionEvent(spec actionSpec, in actionInput, st *storage.Store, id string, rest []string) (cases.Event, [][]byte, int) {
	var err error
	bad := func(err error) (cases.Event, [][]byte, int) {
		return cases.Event{}, nil, a.fail(exitUsage, fmt.Errorf("%s: %w", spec.name, err))
	}
	val := func(name string) string {
		if p := in.values[name]; p != nil {
			return *p
		}
		return ""
	}
	ev := cases.Event{Kind: spec.kind, Actor: a.actor()}
	for name, p := range ev.TextFields() {
		*p = val(name)
	}
	var content [][]byte
	switch spec.kind {
	case cases.EventExtensionDecided:
		if u := val("until"); u != "" {
			d, err := cases.ParseDate(u)
			if err != nil {
				return bad(fmt.Errorf("--until: %w", err))
			}
			ev.ExtendedTo = &d
		}
	case cases.EventSent:
		ev.To = val("to")
		if l := val("letter"); l != "" {
			if ev.Letter, err = cases.ParseLetterKind(l); err != nil {
				return bad(err)
			}
		}
		if ch := val("channel"); ch != "" {
			if ev.Channel, err = cases.ParseChannel(ch); err != nil {
				return bad(err)
			}
		}
	case cases.EventAssigned:
		ev.Assignee = val("to")
	case cases.EventTagged, cases.EventUntagged:
		ev.Tags = rest
	case cases.EventWithheld:
		ev.File = rest[0]
	case cases.EventClosed:
		if o := val("outcome"); o != "" {
			if ev.Outcome, err = cases.ParseOutcome(o); err != nil {
				return bad(err)
			}
		}
	case cases.EventReopened:
		if ev.Reason == "" {
			return bad(errors.New("--reason is required: incomplete-response, complaint, new-information or error"))
		}
		if ev.ReopenReason, err = cases.ParseReopenReason(ev.Reason); err != nil {
			return bad(err)
		}
		ev.Reason = ""
	case cases.EventRecipientsChosen, cases.EventRebaselined:
		var only []string
		if l := in.lists["only"]; l != nil {
			only = *l
		}
		if ev, err = a.fromRegister(st, id, ev, val("registers"), only); err != nil {
			var notFound *storage.NotFound
			if errors.As(err, &notFound) || errors.As(err, new(*storage.StoreError)) {
				return cases.Event{}, nil, a.storeFailure(err)
			}
			return bad(err)
		}
	case cases.EventAttached:
		kind := cases.AttachmentDataCopy
		if k := val("kind"); k != "" {
			if kind, err = cases.ParseAttachmentKind(k); err != nil {
				return bad(err)
			}
		}
		for _, path := range rest {
			data, err := storage.ReadAttachment(path, st.MaxFileSize())
			if err != nil {
				return bad(err)
			}
			content = append(content, data)
		}
		ev.Attachment = &cases.Attachment{Kind: kind, Category: val("category"), System: val("system")}
	}
	if l := in.lists["ground"]; l != nil {
		for _, g := range *l {
			for _, one := range strings.Split(g, ",") {
				gr, err := cases.ParseGround(strings.TrimSpace(one))
				if err != nil {
					return bad(err)
				}
				ev.Grounds = append(ev.Grounds, gr)
			}
		}
	}
	return ev, content, exitOK
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

// fromRegister completes a recipients or rebaseline event from the case's
// organisation's current register.
func (a *app) fromRegister(st *storage.Store, id string, ev cases.Event, dir string, only []string) (cases.Event, error) {
	l, err := st.Get(id)
	if err != nil {
		return ev, err
	}
	regs, err := loadRegisters(a.getenv, dir)
	if err != nil {
		return ev, err
	}
	reg, err := regs.Get(l.Case.Controller)
	if err != nil {
		return ev, err
	}
	if ev.Kind == cases.EventRebaselined {
		now := a.clock.Now()
		state, err := l.Case.Derive(now)
		if err != nil {
			return ev, err
		}
		rules, err := reg.Rules(state.Rules.Regime)
		if err != nil {
			return ev, err
		}
		ev.Rules = &rules
		return ev, nil
	}
	names := reg.RecipientNames()
	if len(names) == 0 {
		return ev, fmt.Errorf("the register of %s names no recipients; complete it (rightsdesk controllers %s)", reg.ID, reg.ID)
	}
	if len(only) == 0 {
		ev.Recipients = names
		return ev, nil
	}
	for _, want := range only {
		i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, strings.TrimSpace(want)) })
		if i < 0 {
			return ev, fmt.Errorf("%q is not a recipient in the register of %s (it names: %s)", want, reg.ID, strings.Join(names, "; "))
		}
		ev.Recipients = append(ev.Recipients, names[i])
	}
	return ev, nil
}
