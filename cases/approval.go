package cases

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
)

// Four eyes before a letter leaves (WORK.md, "Approval"): a register names
// the conditions under which a letter needs approval; a case freezes them
// with its rules; send refuses a letter that meets one of them until the
// packet being sent is the one a counting approval approved. The rule lives
// here so that the command line and the app agree.

// ApprovalCondition is a kind of letter that needs approval before it
// leaves.
type ApprovalCondition string

// The approval conditions of WORK.md.
const (
	// ApprovalRefusal: any refusal (a refusing outcome, a refusing work
	// result, a withheld file).
	ApprovalRefusal ApprovalCondition = "refusal"
	// ApprovalDiscretionary: a refusal on any ground other than an
	// art17-3-b keeping the register backs with its law.
	ApprovalDiscretionary ApprovalCondition = "discretionary"
	// ApprovalPartial: a partially-fulfilled answer.
	ApprovalPartial ApprovalCondition = "partial"
	// ApprovalDataCopy: a packet that carries a data copy.
	ApprovalDataCopy ApprovalCondition = "data-copy"
	// ApprovalFinal: every final letter.
	ApprovalFinal ApprovalCondition = "final"
	// ApprovalExtensionNotice: every extension notice.
	ApprovalExtensionNotice ApprovalCondition = "extension-notice"
)

// ApprovalConditions lists every approval condition, in the order of
// WORK.md.
var ApprovalConditions = []ApprovalCondition{ApprovalRefusal, ApprovalDiscretionary, ApprovalPartial,
	ApprovalDataCopy, ApprovalFinal, ApprovalExtensionNotice}

// ParseApprovalCondition reads an approval condition slug.
func ParseApprovalCondition(s string) (ApprovalCondition, error) {
	return parseSlug("approval condition", s, ApprovalConditions)
}

// Conditions is a set of approval conditions, compact enough for a queue
// row (one bit each).
type Conditions uint8

// ConditionsOf is the set of the conditions listed; unknown ones are left
// out (registers and rules are validated where they are read).
func ConditionsOf(list []ApprovalCondition) Conditions {
	var s Conditions
	for _, c := range list {
		if i := slices.Index(ApprovalConditions, c); i >= 0 {
			s |= 1 << i
		}
	}
	return s
}

// Has reports whether the set holds c.
func (s Conditions) Has(c ApprovalCondition) bool { return s&ConditionsOf([]ApprovalCondition{c}) != 0 }

// List is the set's conditions in the order of ApprovalConditions.
func (s Conditions) List() []ApprovalCondition {
	var out []ApprovalCondition
	for i, c := range ApprovalConditions {
		if s&(1<<i) != 0 {
			out = append(out, c)
		}
	}
	return out
}

// String is the set as the command line and the screen say it:
// "refusal, discretionary", or "none".
func (s Conditions) String() string {
	if s == 0 {
		return "none"
	}
	return strings.Join(Slugs(s.List()), ", ")
}

// Signoff is the controller's own sign-off of a letter (a DPO advises; the
// controller decides, Art. 24, 39): who signed, in which role, for which
// organisation.
type Signoff struct {
	Name         string `json:"name"`
	Role         string `json:"role"`
	Organisation string `json:"organisation"`
}

// ParseSignoff reads approve --external "NAME, ROLE, ORGANISATION": the
// first two commas separate the parts, so that an organisation's name may
// hold commas of its own ("Acme, Inc.").
func ParseSignoff(s string) (*Signoff, error) {
	parts := strings.SplitN(s, ",", 3)
	if len(parts) < 3 {
		return nil, fmt.Errorf("%q: want \"NAME, ROLE, ORGANISATION\"", s)
	}
	so := &Signoff{Name: strings.TrimSpace(parts[0]), Role: strings.TrimSpace(parts[1]),
		Organisation: strings.TrimSpace(parts[2])}
	if so.Name == "" || so.Role == "" || so.Organisation == "" {
		return nil, fmt.Errorf("%q: the name, the role and the organisation are each required", s)
	}
	return so, nil
}

// String is the sign-off as typed: "NAME, ROLE, ORGANISATION".
func (so *Signoff) String() string { return so.Name + ", " + so.Role + ", " + so.Organisation }

// OverriddenActor is what Event.Overridden holds when the event was
// recorded under RIGHTSDESK_ACTOR naming someone other than the OS user.
const OverriddenActor = "actor"

// LetterConditions are the approval conditions a letter of the kind meets
// for the case as it stands: the refusal conditions for a final letter
// carrying a refusal, partial for a partially-fulfilled one, data-copy
// for a final access or portability letter with a data-copy file not
// withheld, and the letter's own kind.
func LetterConditions(c *Case, st *State, letter LetterKind) Conditions {
	var s []ApprovalCondition
	switch letter {
	case LetterExtensionNotice:
		s = append(s, ApprovalExtensionNotice)
	case LetterFinal:
		s = append(s, ApprovalFinal)
		if st.refuses() {
			s = append(s, ApprovalRefusal)
			if discretionaryRefusal(st) {
				s = append(s, ApprovalDiscretionary)
			}
		}
		if st.Status == StatusClosed && st.Outcome == OutcomePartiallyFulfilled {
			s = append(s, ApprovalPartial)
		}
		if c.Right == RightAccess || c.Right == RightPortability {
			for _, a := range st.Attachments {
				if _, withheld := st.Withheld[a.Name]; a.Kind == AttachmentDataCopy && !withheld {
					s = append(s, ApprovalDataCopy)
					break
				}
			}
		}
	}
	return ConditionsOf(s)
}

// discretionaryRefusal reports whether a refusal rests on anything but a
// keeping the law requires and the register backs (art17-3-b with the law
// of the system's retention rule): a refusing outcome's ground, a withheld
// file, a refusing result other than such a keeping.
func discretionaryRefusal(st *State) bool {
	if st.Status == StatusClosed && st.Outcome.RefusesSomething() {
		for _, g := range st.Grounds {
			if g != GroundArt17_3b {
				return true
			}
		}
	}
	if len(st.Withheld) > 0 {
		return true
	}
	for _, w := range st.WorkRefusals() {
		r := w.Result
		backed := r.Result == ResultKept && slices.Equal(r.Grounds, []Ground{GroundArt17_3b}) && w.System != nil &&
			w.System.Retention != nil && w.System.Retention.Ground == GroundArt17_3b && w.System.Retention.Law != ""
		if !backed {
			return true
		}
	}
	return false
}

// Approval is where the approval of a letter's last export stands.
type Approval struct {
	Letter LetterKind
	// Export is the letter's last export (nil: never exported), Sent the
	// letter's last sending of that packet (nil: not sent since).
	Export *Event
	Sent   *Event
	// Meets are the conditions the letter meets; Needs those of them
	// that apply (the case's frozen list and the register's current one).
	Meets, Needs Conditions
	// Approved is the counting approval of the exported packet, nil when
	// there is none; Rejected the rejection that stands, if any.
	Approved *Event
	Rejected *Event
	// Uncounted are the approvals of this letter that do not count, each
	// with why.
	Uncounted []Uncounted
}

// Uncounted is an approval recorded that does not count, and why.
type Uncounted struct {
	Event *Event
	Why   string
}

// Waiting reports whether the letter was exported, needs approval, and is
// neither approved nor sent yet: the queue's quick filter a.
func (a *Approval) Waiting() bool {
	return a.Export != nil && !a.Export.Draft && a.Needs != 0 && a.Approved == nil && a.Sent == nil
}

// ApprovalOf judges the approval of the letter's last export: current are
// the approval conditions of the organisation's register as it is now.
func ApprovalOf(c *Case, st *State, letter LetterKind, current Conditions) Approval {
	a := Approval{Letter: letter}
	at := -1
	for i := range c.Events {
		if e := &c.Events[i]; e.Kind == EventExported && e.Letter == letter {
			a.Export, at = e, i
		}
	}
	a.Meets = LetterConditions(c, st, letter)
	a.Needs = a.Meets & (ConditionsOf(st.Rules.Approval) | current)
	if a.Export == nil {
		return a
	}
	deciders := decidersOf(st)
	for i := range c.Events {
		e := &c.Events[i]
		if e.Letter != letter {
			continue
		}
		switch e.Kind {
		case EventRejected:
			a.Approved, a.Rejected = nil, e
		case EventApproved:
			if why := approvalProblem(e, a.Export, deciders); why != "" {
				a.Uncounted = append(a.Uncounted, Uncounted{Event: e, Why: why})
				continue
			}
			a.Approved, a.Rejected = e, nil
		case EventSent:
			if i > at && !e.Outside && e.Checksum == a.Export.Checksum {
				a.Sent = e
			}
		}
	}
	return a
}

// approvalProblem says why an approval does not count for the export, ""
// when it does.
func approvalProblem(e, export *Event, deciders []string) string {
	if why := OverriddenProblem(e); why != "" {
		return why
	}
	return fourEyesProblem(e, export, deciders)
}

// OverriddenProblem says why an event recorded under an override cannot
// count as an approval, "" when nothing was overridden: who or when it was
// recorded is the environment's word, not the system's (TRUST.md).
func OverriddenProblem(e *Event) string {
	switch {
	case slices.Contains(e.Overridden, OverriddenActor):
		return "recorded under an overridden actor (RIGHTSDESK_ACTOR)"
	case len(e.Overridden) > 0:
		return "recorded under an overridden " + strings.Join(e.Overridden, " and ") + " (RIGHTSDESK_NOW)"
	}
	return ""
}

// fourEyesProblem says why an approval is not of the exported packet by
// a second person, "" when it is.
func fourEyesProblem(e, export *Event, deciders []string) string {
	switch {
	case e.Checksum != export.Checksum:
		return fmt.Sprintf("for another packet (SHA-256 %.12s, not %.12s)", e.Checksum, export.Checksum)
	case e.External != nil:
		return ""
	case samePerson(e.Actor, export.Actor):
		return "by " + Printable(e.Actor) + ", who exported the packet"
	case slices.ContainsFunc(deciders, func(d string) bool { return samePerson(d, e.Actor) }):
		return "by " + Printable(e.Actor) + ", who decided what it answers"
	}
	return ""
}

// decidersOf are the actors of the decisions a letter carries: the closing
// in force, the refusing results and the files withheld.
func decidersOf(st *State) []string {
	var out []string
	if st.Status == StatusClosed && st.closedBy != "" {
		out = append(out, st.closedBy)
	}
	for _, w := range st.WorkRefusals() {
		out = append(out, w.Result.Actor)
	}
	for _, e := range st.Withheld {
		out = append(out, e.Actor)
	}
	return out
}

// samePerson compares two actors as people: the SSH client address the
// command line adds to the user's name ("ana@192.0.2.7") does not make
// another person.
func samePerson(a, b string) bool { return person(a) == person(b) }

func person(actor string) string {
	if i := strings.LastIndexByte(actor, '@'); i > 0 && net.ParseIP(actor[i+1:]) != nil {
		return actor[:i]
	}
	return actor
}

// approve checks an approval: of the letter's last export, final and
// unchanged since, by someone who neither exported it nor decided what it
// answers (unless it is the controller's own sign-off, with its evidence).
func (t *transition) approve() error {
	ev := t.ev
	export, err := t.exportToJudge("approve")
	if err != nil {
		return err
	}
	if export.Draft {
		return refuse("letter", "the %s letter exported is a DRAFT (%s): fill the gaps and export again before it is approved",
			ev.Letter, Printable(strings.Join(export.Gaps, "; ")))
	}
	if ev.External != nil {
		so, err := ParseSignoff(ev.External.String())
		if err != nil {
			return refuse("external", "%v", err)
		}
		ev.External = so
		a := ev.Attachment
		if a == nil || strings.TrimSpace(a.Name) == "" {
			return refuse("evidence", "the controller's sign-off needs its evidence (--evidence FILE: the signed letter, the e-mail)")
		}
		if len(a.SHA256) != 64 {
			return refuse("evidence", "the evidence's SHA-256 is recorded with it")
		}
		// Evidence is stored beside the case's files under a name no
		// attached file can take (attached names have no slash), one
		// folder per approval.
		n := 1
		for _, e := range t.c.Events {
			if e.Kind == EventApproved {
				n++
			}
		}
		a.Name = fmt.Sprintf("approval-%d/%s", n, filepath.Base(a.Name))
		a.Kind = AttachmentInternal
	} else if ev.Attachment != nil {
		return refuse("evidence", "evidence goes with the controller's sign-off (--external \"NAME, ROLE, ORGANISATION\")")
	}
	if why := fourEyesProblem(ev, export, decidersOf(t.st)); why != "" {
		return refused("%s cannot approve the %s letter: four eyes means someone who neither exported the packet "+
			"nor decided what it answers (%s); or record the controller's sign-off (approve --external)",
			Printable(ev.Actor), ev.Letter, strings.TrimPrefix(why, "by "+Printable(ev.Actor)+", "))
	}
	if slices.Contains(ev.Overridden, OverriddenActor) {
		t.warn("recorded under RIGHTSDESK_ACTOR (%s), not as the OS user: this approval is shown but never counts",
			Printable(ev.Actor))
	} else if slices.Contains(ev.Overridden, OverriddenClock) {
		t.warn("recorded under RIGHTSDESK_NOW, not at the system clock's time: this approval is shown but never counts")
	}
	return nil
}

// reject checks a rejection: of the letter's last export, with why.
func (t *transition) reject() error {
	if _, err := t.exportToJudge("reject"); err != nil {
		return err
	}
	if strings.TrimSpace(t.ev.Reason) == "" {
		return refuse("reason", "a rejection says why (--reason): what must change before the letter may leave")
	}
	return nil
}

// exportToJudge is the last export of the event's letter (the current
// step's letter when none is named), which an approval or a rejection is
// about: it must exist, be the packet shown (Checksum, when given), and
// be the case as it stands.
func (t *transition) exportToJudge(verb string) (*Event, error) {
	ev := t.ev
	if ev.Letter == "" {
		ev.Letter = DefaultLetter(t.c, t.st)
	}
	if _, err := ParseLetterKind(string(ev.Letter)); err != nil {
		return nil, refuse("letter", "%v", err)
	}
	export, at := lastExport(t.c, ev.Letter)
	if export == nil {
		return nil, refuse("letter", "no %s letter was exported: export it, then %s it", ev.Letter, verb)
	}
	if ev.Checksum != "" && ev.Checksum != export.Checksum {
		return nil, refuse("letter", "the packet shown is not the %s letter last exported (SHA-256 %.12s): look at it again",
			ev.Letter, export.Checksum)
	}
	ev.Checksum = export.Checksum
	if e := changedSince(t.c, at); e != nil {
		return nil, refuse("letter", "the case changed after the %s letter was exported (%s on %s): export it again, then %s it",
			ev.Letter, e.Kind, DateOf(e.At, t.loc), verb)
	}
	return export, nil
}

// lastExport is the letter's last exported event and its index (-1: none).
func lastExport(c *Case, letter LetterKind) (*Event, int) {
	for i := len(c.Events) - 1; i >= 0; i-- {
		if e := &c.Events[i]; e.Kind == EventExported && e.Letter == letter {
			return e, i
		}
	}
	return nil, -1
}

// changedSince is the first event after index at that changes what a
// packet says, nil when there is none.
func changedSince(c *Case, at int) *Event {
	for i := at + 1; i < len(c.Events); i++ {
		if !unchanging(c.Events[i].Kind) {
			return &c.Events[i]
		}
	}
	return nil
}

// approved checks, on sending, that a letter needing approval is the
// packet a counting approval approved, and records on the sent event the
// conditions that applied (Event.Approval read the register's list).
func (t *transition) approved() error {
	ev := t.ev
	a := ApprovalOf(t.c, t.st, ev.Letter, ConditionsOf(ev.Approval))
	ev.Approval = a.Needs.List()
	if a.Needs == 0 || a.Approved != nil {
		return nil
	}
	why := ""
	switch {
	case a.Rejected != nil:
		why = fmt.Sprintf("; it was rejected by %s on %s: %s", Printable(a.Rejected.Actor), DateOf(a.Rejected.At, t.loc),
			Printable(a.Rejected.Reason))
	case len(a.Uncounted) > 0:
		u := a.Uncounted[len(a.Uncounted)-1]
		why = fmt.Sprintf("; the approval recorded by %s does not count: %s", Printable(u.Event.Actor), u.Why)
	}
	return refuse("letter", "the %s letter needs approval before it leaves (%s)%s: approve it by someone who neither "+
		"exported it nor decided what it answers, or record the controller's sign-off "+
		"(approve ID --external \"NAME, ROLE, ORGANISATION\" --evidence FILE)", ev.Letter, a.Needs, why)
}

// unapprovedSent records, for a letter that went out another way or as a
// draft (a fact, recorded as found), the conditions that applied, and
// warns when it left without the approval they ask for.
func (t *transition) unapprovedSent() {
	ev := t.ev
	a := ApprovalOf(t.c, t.st, ev.Letter, ConditionsOf(ev.Approval))
	ev.Approval = a.Needs.List()
	if a.Needs != 0 && (ev.Outside || a.Approved == nil) {
		t.warn("the %s letter needed approval (%s) and left without one: recorded, and shown in the case record",
			ev.Letter, a.Needs)
	}
}

// letterField is the letter an approval or a rejection is about.
func letterField() Field {
	return choiceField("letter", "letter", "KIND", LetterKinds, false, "the current step's letter",
		func(ev *Event, v []string) error { ev.Letter = LetterKind(one(v)); return nil })
}

// ApproveAction is approve: four eyes on a letter's exported packet, or
// the controller's own sign-off with its evidence. It is not in Actions:
// the app approves from its approval screen, after the letter was shown,
// and the command line reads the evidence file (cmd_approve.go).
var ApproveAction = Action{Name: "approve", Kind: EventApproved, Title: "Approve the letter before it leaves", Confirm: true,
	Summary: "approve a letter's exported packet (four eyes), or record the controller's sign-off",
	Example: `rightsdesk approve DSR-2026-000042 --letter final --external "Eva Lind, CEO, KCraft Studio LTD" --evidence signed.pdf`,
	Fields: []Field{letterField(),
		textField("external", "signed off by", "the controller's sign-off: NAME, ROLE, ORGANISATION", false,
			func(ev *Event, v []string) error {
				so, err := ParseSignoff(one(v))
				ev.External = so
				return err
			}),
		// A path the caller reads (the evidence is stored with the case);
		// one value, so a text field rather than a list of files.
		{Name: "evidence", Label: "evidence", Type: FieldText, Placeholder: "FILE",
			Hint: "with the sign-off: the file that shows it (stored with the case)",
			set: func(ev *Event, v []string) error {
				ev.Attachment = &Attachment{Name: filepath.Base(one(v)), Kind: AttachmentInternal}
				return nil
			}}}}

// RejectAction is reject: a letter's exported packet sent back with why;
// it cannot leave until exported again and approved.
var RejectAction = Action{Name: "reject", Kind: EventRejected, Title: "Send the letter back (rejected)", Confirm: true,
	Summary: "send a letter's exported packet back, with why; it leaves only once exported again and approved",
	Example: `rightsdesk reject DSR-2026-000042 --letter final --reason "the kept invoices need the law named"`,
	Fields:  []Field{letterField(), textField("reason", "reason", "what must change before it may leave", true, setReason)}}

// pendingApproval are the conditions met by the case's exported letters
// that could leave as they are (final, the case unchanged since) and are
// neither approved nor sent: what the queue's row keeps for quick filter a.
func pendingApproval(c *Case, st *State) Conditions {
	var out Conditions
	var seen []LetterKind
	for i := len(c.Events) - 1; i >= 0; i-- {
		e := &c.Events[i]
		if e.Kind != EventExported || e.Letter == RecordExport || slices.Contains(seen, e.Letter) {
			continue
		}
		seen = append(seen, e.Letter)
		if e.Draft || changedSince(c, i) != nil {
			continue
		}
		if a := ApprovalOf(c, st, e.Letter, 0); a.Approved == nil && a.Sent == nil {
			out |= a.Meets
		}
	}
	return out
}
