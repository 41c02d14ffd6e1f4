package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

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

func init() {
	for _, spec := range actionSpecs {
		addCommand(spec.name, spec.run, spec.summary)
	}
}

func (spec actionSpec) usage() string {
	u := "usage: rightsdesk " + spec.name + " ID"
	if spec.args != "" {
		u += " " + spec.args
	}
	for _, f := range spec.flags {
		if spec.name == "send" && f == "to" {
			u += " [--to ADDR]"
			continue
		}
		u += fmt.Sprintf(" [--%s %s]", f, actionFlagHelp[f])
	}
	return u + " [--at TIME] [--if-revision N] [--json] [--db PATH]"
}

// run parses an action command, builds its event and sends it to the
// store's action service.
func (spec actionSpec) run(a *app, args []string) int {
	fs, c := commonFlags(spec.name)
	at := fs.String("at", "", "")
	ifRevision := fs.Int("if-revision", storage.NoRevision, "")
	values := map[string]*string{}
	lists := map[string]*stringList{}
	for _, f := range spec.flags {
		if f == "ground" || f == "only" {
			lists[f] = new(stringList)
			fs.Var(lists[f], f, "")
		} else {
			values[f] = fs.String(f, "", "")
		}
	}
	pos, err := parseAnywhere(fs, args)
	wantArgs := len(pos) == 1 || (spec.args != "" && len(pos) >= 2 && (strings.HasSuffix(spec.args, "...") || len(pos) == 2))
	if err != nil || !wantArgs {
		if err == nil && len(pos) == 0 {
			err = errors.New("which case? (" + spec.usage() + ")")
		}
		return a.usageError(spec.name, err, pos, spec.usage())
	}
	bad := func(err error) int { return a.fail(exitUsage, fmt.Errorf("%s: %w", spec.name, err)) }
	if *ifRevision != storage.NoRevision && *ifRevision < 1 {
		return bad(fmt.Errorf("--if-revision %d: revisions start at 1", *ifRevision))
	}
	if *at != "" {
		// The syntax is checked here; the store reads the time in the case's zone.
		if _, err := cases.ParseTime(*at, time.UTC); err != nil {
			return bad(fmt.Errorf("--at: %w", err))
		}
	}
	id, rest := pos[0], pos[1:]
	if spec.args != "" && len(rest) == 0 {
		return bad(fmt.Errorf("%s is required (%s)", strings.TrimSuffix(spec.args, "..."), spec.usage()))
	}
	val := func(name string) string {
		if p := values[name]; p != nil {
			return *p
		}
		return ""
	}
	ev := cases.Event{Kind: spec.kind, Actor: a.actor()}
	for name, p := range ev.TextFields() {
		*p = val(name)
	}
	st := a.store(a.dbPath(*c.db))
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
		if ev, err = a.fromRegister(st, id, ev, val("registers"), lists["only"]); err != nil {
			var notFound *storage.NotFound
			if errors.As(err, &notFound) || errors.As(err, new(*storage.StoreError)) {
				return a.storeFailure(err)
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
	if l := lists["ground"]; l != nil {
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

	actions := []storage.Action{{Event: ev, At: *at, IfRevision: *ifRevision}}
	if spec.kind == cases.EventAttached {
		actions = actions[:0]
		for i, path := range rest {
			e := ev
			att := *ev.Attachment
			att.Name = filepath.Base(path)
			e.Attachment = &att
			rev := storage.NoRevision
			if i == 0 {
				rev = *ifRevision // the revision shown guards the whole call
			}
			actions = append(actions, storage.Action{Event: e, At: *at, IfRevision: rev, Content: content[i]})
		}
	}
	now := a.clock.Now()
	results, err := st.Do(id, actions, now)
	if err != nil {
		var tooLarge *storage.TooLarge
		if errors.As(err, &tooLarge) {
			return bad(err)
		}
		return a.storeFailure(err)
	}
	for _, r := range results {
		for _, w := range r.Warnings {
			fmt.Fprintf(a.stderr, "rightsdesk: warning: %s\n", oneLine(w))
		}
	}
	last := results[len(results)-1]
	if *c.asJSON {
		return a.printJSON(last.View)
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

// fromRegister completes a recipients or rebaseline event from the case's
// organisation's current register.
func (a *app) fromRegister(st *storage.Store, id string, ev cases.Event, dir string, only *stringList) (cases.Event, error) {
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
	if only == nil || len(*only) == 0 {
		ev.Recipients = names
		return ev, nil
	}
	for _, want := range *only {
		i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, strings.TrimSpace(want)) })
		if i < 0 {
			return ev, fmt.Errorf("%q is not a recipient in the register of %s (it names: %s)", want, reg.ID, strings.Join(names, "; "))
		}
		ev.Recipients = append(ev.Recipients, names[i])
	}
	return ev, nil
}
