package cases

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// Apply checks whether the proposed event may happen to the case now and
// returns it completed (At defaults to now, RecordedAt is now), with warnings
// for late actions the law still records. An action that is not allowed
// returns a *Refused error saying why; the case is not changed either way:
// the caller appends the returned event.
func Apply(c *Case, ev Event, now time.Time) (Event, []string, error) {
	st, err := c.DeriveDates(now)
	if err != nil {
		return Event{}, nil, err
	}
	return applyTo(c, st, ev, now)
}

// applyTo is Apply given st, the case's state as of now (DeriveDates).
func applyTo(c *Case, st *State, event Event, now time.Time) (Event, []string, error) {
	// The event checked comes from a pool: the transition's methods take
	// its address where the compiler cannot follow it, and an event (about
	// 800 bytes) allocated for each one applied was a sixteenth of what the
	// demo allocates. Nothing the checks return holds it.
	ev := checking.Get().(*Event)
	*ev = event
	defer func() { *ev = Event{}; checking.Put(ev) }()
	if ev.At.IsZero() {
		ev.At = now
	}
	ev.RecordedAt = now
	if strings.TrimSpace(ev.Actor) == "" {
		return Event{}, nil, refused("no actor: every event names who recorded it")
	}
	loc, err := LoadZone(st.Deadlines.Zone) // the zone the receipt date below is in
	if err != nil {
		return Event{}, nil, err
	}
	if ev.At.After(now) {
		return Event{}, nil, refuse("at", "%s at %s is in the future", ev.Kind, ev.At.In(loc).Format(time.RFC3339))
	}
	day := DateOf(ev.At, loc)
	receipt := st.Deadlines.ReceiptDate
	if day.Before(receipt) {
		return Event{}, nil, refuse("at", "%s on %s is before the receipt date %s", ev.Kind, day, receipt)
	}
	if late := now.Sub(ev.At); ev.Kind != EventReceived && ev.Kind != EventPurged && late > st.Rules.Backdate() &&
		strings.TrimSpace(ev.Late) == "" {
		return Event{}, nil, refuse("late", "%s at %s is %s before it is recorded, more than the %s the rules allow: "+
			"say why it is recorded late", ev.Kind, ev.At.In(loc).Format("2006-01-02 15:04 MST"),
			lateWords(late), lateWords(st.Rules.Backdate()))
	}
	t := transition{c: c, st: st, ev: ev, day: day, loc: loc}
	if err := t.check(); err != nil {
		return Event{}, nil, err
	}
	return *ev, t.warnings, nil
}

// checking keeps the events applyTo checks.
var checking = sync.Pool{New: func() any { return new(Event) }}

// transition is one proposed event checked against the state before it.
type transition struct {
	c        *Case
	st       *State
	ev       *Event
	day      Date
	loc      *time.Location
	warnings []string
}

func (t *transition) warn(format string, args ...any) {
	t.warnings = append(t.warnings, fmt.Sprintf(format, args...))
}

// allowedWhenClosed are the events that may still be recorded on a closed
// case: the answer and its notifications, bookkeeping, and reopening.
var allowedWhenClosed = []EventKind{EventSent, EventRecipientNotified, EventAssigned, EventTagged,
	EventUntagged, EventNoted, EventAttached, EventWithheld, EventExported, EventReopened, EventForwarded,
	EventApproved, EventRejected, EventCorrected, EventVoided}

// takesWhenVoided says whether a voided case takes the event: a note (why
// it was a mistake, what became of it) and the export of its case record;
// nothing else moves a case recorded by mistake.
func takesWhenVoided(ev *Event) bool {
	return ev.Kind == EventNoted || (ev.Kind == EventExported && ev.Letter == RecordExport)
}

// allowedNow refuses what the case takes in no case now: a purge by
// hand, anything but a note on a voided case, most things on a closed one
// (a processor's confirmation of an instructed erasure excepted).
func (t *transition) allowedNow() error {
	ev, st := t.ev, t.st
	if ev.Kind == EventPurged {
		return refused("purging is done by retention (rightsdesk purge), not by an action")
	}
	if v := st.Voided; v != nil && !takesWhenVoided(ev) {
		if ev.Kind == EventVoided {
			return refused("the case was already voided on %s by %s", DateOf(v.At, t.loc), v.Actor)
		}
		return refused("the case was voided on %s (%s): it takes only a note", DateOf(v.At, t.loc), Printable(v.Reason))
	}
	closed := st.Status == StatusClosed
	if closed && ev.Kind == EventWorked && t.confirmsErasure() {
		return nil // checked as any result is (worked)
	}
	if closed && !slices.Contains(allowedWhenClosed, ev.Kind) {
		if ev.Kind == EventClosed {
			return refused("the case is already closed (%s on %s)", st.Outcome, DateOf(*st.ClosedAt, t.loc))
		}
		return refused("the case is closed (%s); reopen it first", st.Outcome)
	}
	return nil
}

func (t *transition) check() error {
	if err := t.allowedNow(); err != nil {
		return err
	}
	ev, st := t.ev, t.st
	closed := st.Status == StatusClosed
	switch ev.Kind {
	case EventReceived:
		return refused("a case is received once, when it is added")
	case EventAcknowledged:
		if st.Acknowledged != nil {
			return refused("already acknowledged on %s", DateOf(*st.Acknowledged, t.loc))
		}
	case EventIDRequested:
		if st.IdentityVerified != nil {
			return refused("identity was already verified on %s", DateOf(st.IdentityVerified.At, t.loc))
		}
		return t.request("the reason for the doubt about identity")
	case EventClarificationRequested:
		return t.request("what the subject should clarify")
	case EventAuthorityRequested:
		if t.c.Requester == nil {
			return refused("proof of authority is asked of an agent or parent; this request is from the subject")
		}
		return t.request("")
	case EventFeeRequested:
		if strings.TrimSpace(ev.Amount) == "" {
			return refuse("amount", "the fee's amount is required")
		}
		return t.request("")
	case EventIDReceived, EventClarificationReceived, EventAuthorityReceived, EventFeePaid:
		return t.answer()
	case EventIdentityVerified:
		return t.verify()
	case EventExtensionDecided:
		return t.extend()
	case EventSent:
		return t.sent()
	case EventRecipientNotified:
		if strings.TrimSpace(ev.Recipient) == "" {
			return refuse("recipient", "the recipient notified is required")
		}
	case EventRecipientsChosen:
		ev.Recipients = CleanList(ev.Recipients)
	case EventAssigned:
		ev.Assignee = strings.TrimSpace(ev.Assignee)
		if ev.Assignee == "" {
			return refuse("to", "whom to assign the case to is required")
		}
	case EventTagged, EventUntagged:
		return t.tags()
	case EventNoted:
		if strings.TrimSpace(ev.Text) == "" {
			return refuse("text", "a note needs text")
		}
	case EventAttached:
		return t.attach()
	case EventWithheld:
		return t.withhold()
	case EventClosed:
		return t.close()
	case EventReopened:
		if !closed {
			return refused("the case is not closed")
		}
		if _, err := ParseReopenReason(string(ev.ReopenReason)); err != nil {
			return refused("%v", err)
		}
	case EventExported:
		return t.exported()
	case EventRebaselined:
		return t.rebaseline()
	case EventWorked:
		return t.worked()
	case EventWorkAdded:
		return t.addSystem()
	case EventApproved:
		return t.approve()
	case EventRejected:
		return t.reject()
	case EventCorrected:
		return t.correct()
	case EventVoided:
		return t.void()
	case EventForwarded:
		ev.Customer = strings.TrimSpace(ev.Customer)
		if ev.Customer == "" {
			return refuse("to", "to whom the request was forwarded is required")
		}
	default:
		return refused("unknown event %q", ev.Kind)
	}
	return nil
}

// correct checks a correction of an intake fact: a fact a correction
// changes, a value the case can take (ApplyCorrection, tried on a copy),
// a change at all, and why. A received time corrected must stay before
// every event that followed the receipt.
func (t *transition) correct() error {
	ev := t.ev
	if ev.Field == "" {
		return refuse("field", "which fact to correct is required (one of: %s)", strings.Join(CorrectableFields, ", "))
	}
	if hasPurge(t.c) && t.c.Subject.Name == "" {
		return refused("the case's personal content was purged (retention): there is nothing left to correct")
	}
	probe := *t.c
	if err := probe.ApplyCorrection(*ev); err != nil {
		return err
	}
	if strings.TrimSpace(ev.Reason) == "" {
		return refuse("reason", "a correction needs why the intake was wrong")
	}
	if sameFacts(t.c, &probe) {
		return refuse("value", "the case's %s is already that: nothing to correct", ev.Field)
	}
	if ev.Field != "received" {
		return nil
	}
	receipt := DateOf(probe.ReceivedAt, t.loc)
	for _, e := range t.c.Events {
		if e.Kind != EventReceived && e.Kind != EventMigrated && e.Kind != EventCorrected && e.Kind != EventNoted &&
			DateOf(e.At, t.loc).Before(receipt) {
			return refuse("value", "the timeline has %s on %s, before the corrected receipt date %s",
				e.Kind, DateOf(e.At, t.loc), receipt)
		}
	}
	return nil
}

// void checks a voiding: it says why (allowedNow refuses a second one).
func (t *transition) void() error {
	if strings.TrimSpace(t.ev.Reason) == "" {
		return refuse("reason", "voiding a case needs why it was recorded by mistake")
	}
	return nil
}

// sameFacts reports whether two cases say the same intake facts.
func sameFacts(a, b *Case) bool {
	return reflect.DeepEqual(a.Subject, b.Subject) && reflect.DeepEqual(a.Requester, b.Requester) &&
		a.Channel == b.Channel && a.Language == b.Language && a.Text == b.Text && a.ReceivedAt.Equal(b.ReceivedAt)
}

// hasPurge reports whether retention purged anything of the case.
func hasPurge(c *Case) bool {
	return slices.ContainsFunc(c.Events, func(e Event) bool { return e.Kind == EventPurged })
}

// verify checks that identity is verified once, saying how, and not
// before it was asked for.
func (t *transition) verify() error {
	ev, st := t.ev, t.st
	if strings.TrimSpace(ev.Method) == "" {
		return refuse("method", "how identity was verified is required; identity documents are never stored")
	}
	if st.IdentityVerified != nil {
		return refused("identity was already verified on %s by %s", DateOf(st.IdentityVerified.At, t.loc), st.IdentityVerified.Method)
	}
	if asked, ok := st.Awaiting[EventIDRequested]; ok && t.day.Before(DateOf(asked, t.loc)) {
		return refused("verified on %s, before identity was asked for on %s", t.day, DateOf(asked, t.loc))
	}
	return nil
}

// exported checks an export: of a letter kind (or the case record), with
// the SHA-256 of what was written.
func (t *transition) exported() error {
	if _, err := ParseLetterKind(string(t.ev.Letter)); err != nil && t.ev.Letter != RecordExport {
		return refused("%v", err)
	}
	if len(t.ev.Checksum) != 64 {
		return refused("an export records the SHA-256 of what was written")
	}
	return nil
}

// rebaseline checks a re-baseline's reason and the rules it brings.
func (t *transition) rebaseline() error {
	ev := t.ev
	if strings.TrimSpace(ev.Reason) == "" {
		return refuse("reason", "a re-baseline needs a reason")
	}
	if ev.Rules == nil {
		return refused("a re-baseline needs the register's current rules")
	}
	r := ev.Rules.WithDefaults()
	if err := r.Validate(); err != nil {
		return err
	}
	ev.Rules = &r
	return nil
}

// request checks a request for identity, clarification, authority or fee.
func (t *transition) request(reasonNeeded string) error {
	if asked, ok := t.st.Awaiting[t.ev.Kind]; ok {
		return refused("already waiting since %s for an answer to the %s", DateOf(asked, t.loc), t.ev.Kind)
	}
	if reasonNeeded != "" && strings.TrimSpace(t.ev.Reason) == "" {
		return refuse("reason", "%s is required", reasonNeeded)
	}
	regime, err := LookupRegime(t.st.Rules.Regime)
	if err != nil {
		return err
	}
	rules := t.st.Rules.WithDefaults()
	if regime.Pause == PauseEUSuspension &&
		(t.ev.Kind == EventIDRequested || t.ev.Kind == EventClarificationRequested) {
		if after := t.st.Deadlines.ReceiptDate.DaysUntil(t.day); after > rules.PauseWindowDays {
			t.warn("asked %s after receipt, beyond the %d-day window: the clock does not pause", Plural(after, "day"), rules.PauseWindowDays)
		}
	}
	return nil
}

// answer checks that an answer arrives to a request that was made.
func (t *transition) answer() error {
	req := answerFor[t.ev.Kind]
	asked, ok := t.st.Awaiting[req]
	if !ok {
		return refused("%s, but nothing was asked: no open %s", t.ev.Kind, req)
	}
	if t.day.Before(DateOf(asked, t.loc)) {
		return refused("%s on %s is before the request on %s", t.ev.Kind, t.day, DateOf(asked, t.loc))
	}
	return nil
}

// extend checks a decision to extend, warning when its notice can no
// longer be sent in time.
func (t *transition) extend() error {
	regime, err := LookupRegime(t.st.Rules.Regime)
	if err != nil {
		return err
	}
	if !regime.HasExtension() {
		return refused("%s allows no extension", regime.Name)
	}
	if strings.TrimSpace(t.ev.Reason) == "" {
		return refuse("reason", "an extension needs its reasons (complexity, number of requests)")
	}
	if t.st.ExtensionDecided != nil {
		return refused("an extension was already decided on %s", DateOf(t.st.ExtensionDecided.At, t.loc))
	}
	if regime.ExtensionNamesDate && t.ev.ExtendedTo == nil {
		return refuse("until", "%s: the extension must name the new date", regime.Name)
	}
	d := t.st.Deadlines
	if to := t.ev.ExtendedTo; to != nil {
		if !regime.ExtensionNamesDate {
			return refuse("until", "%s fixes the extended deadline (%s); a date of your own is for regimes whose notice names it",
				regime.Name, dateOr(d.ExtendedDue))
		}
		if d.BaseDue != nil && !to.After(*d.BaseDue) {
			return refuse("until", "the extended date %s must be after the deadline %s", *to, *d.BaseDue)
		}
	}
	if d.ExtensionNoticeBy != nil && t.day.After(*d.ExtensionNoticeBy) {
		t.warn("the notice window closed on %s: an extension notified now is not in force and the deadline stays %s",
			*d.ExtensionNoticeBy, dateOr(d.BaseDue))
	}
	return nil
}

// sent checks a letter sent to the requester.
func (t *transition) sent() error {
	ev, st := t.ev, t.st
	if ev.Letter == "" {
		ev.Letter = DefaultLetter(t.c, st)
	}
	if _, err := ParseLetterKind(string(ev.Letter)); err != nil {
		return refused("%v", err)
	}
	if ev.Channel != "" {
		if _, err := ParseChannel(string(ev.Channel)); err != nil {
			return refused("%v", err)
		}
	}
	d := st.Deadlines
	switch ev.Letter {
	case LetterExtensionNotice:
		if st.ExtensionDecided == nil {
			return refuse("letter", "no extension was decided: decide it first (extend)")
		}
		if d.ExtensionNoticeBy != nil && t.day.After(*d.ExtensionNoticeBy) {
			t.warn("extension notice sent %s, after the notice deadline %s: the extension is not in force and the deadline stays %s",
				t.day, *d.ExtensionNoticeBy, dateOr(d.BaseDue))
		}
	case LetterFinal, LetterRedirect, LetterLapse:
		legal := d.Due
		if legal == nil {
			legal = d.EffectiveDue // no date in law: the promise or the internal target
		}
		switch {
		case legal != nil && t.day.After(*legal):
			t.warn("answer sent %s, after the deadline %s: recorded as late", t.day, *legal)
		case d.PromiseDue != nil && t.day.After(*d.PromiseDue):
			t.warn("answer sent %s, after the date promised, %s: on time in law (due %s), the promise not kept",
				t.day, *d.PromiseDue, dateOr(legal))
		}
	}
	return t.sendable()
}

// unchanging reports whether an event after an export leaves the packet
// as it was for send: none that shapes a packet (ShapesPacket), and
// letters sent (another letter going out changes none already built).
func unchanging(k EventKind) bool { return !ShapesPacket(k) || k == EventSent }

// ShapesPacket reports whether an event can change what a packet holds:
// notes, tags, assignments, exports, approvals and rejections never do
// (WORK.md), so a packet's proof stops at the last event that can, and
// the same case state gives the same bytes after any of them.
func ShapesPacket(k EventKind) bool {
	switch k {
	case EventNoted, EventTagged, EventUntagged, EventAssigned, EventExported, EventApproved, EventRejected:
		return false
	}
	return true
}

// sendable checks what may leave (WORK.md): a letter sent another way
// says why; otherwise the letter's last export must exist, be final (not a
// draft, unless the draft is recorded as sent with why) and be the case
// as it stands (nothing but notes, tags, assignments and exports since).
func (t *transition) sendable() error {
	ev := t.ev
	if ev.Outside {
		if ev.DraftSent {
			return refuse("draft-sent", "a letter is either sent another way or an exported draft that went out, not both")
		}
		if strings.TrimSpace(ev.Reason) == "" {
			return refuse("reason", "a letter sent another way needs why it was")
		}
		t.unapprovedSent()
		return nil
	}
	var last *Event
	since := -1
	for i := range t.c.Events {
		if e := &t.c.Events[i]; e.Kind == EventExported && e.Letter == ev.Letter {
			last, since = e, i
		}
	}
	if last == nil {
		return refuse("letter", "no %s letter was exported: export it first, or record a letter sent another way "+
			"(outside, with why)", ev.Letter)
	}
	if ev.Checksum != "" && ev.Checksum != last.Checksum {
		return refuse("letter", "the packet sent is not the %s letter last exported (SHA-256 %.12s): export again", ev.Letter, last.Checksum)
	}
	ev.Checksum = last.Checksum
	for _, e := range t.c.Events[since+1:] {
		if !unchanging(e.Kind) {
			return refuse("letter", "the case changed after the %s letter was exported (%s on %s): export it again, "+
				"then send", ev.Letter, e.Kind, DateOf(e.At, t.loc))
		}
	}
	switch {
	case last.Draft && !ev.DraftSent:
		gaps := ""
		if len(last.Gaps) > 0 {
			gaps = " (" + strings.Join(last.Gaps, "; ") + ")"
		}
		return refuse("letter", "the %s letter exported is a DRAFT%s: fill the gaps and export again; if the draft "+
			"already went out, record it as a draft that was sent, with why", ev.Letter, Printable(gaps))
	case ev.DraftSent && !last.Draft:
		return refuse("draft-sent", "the %s letter exported is not a draft", ev.Letter)
	case ev.DraftSent && strings.TrimSpace(ev.Reason) == "":
		return refuse("reason", "a draft that went out needs why it did")
	case ev.DraftSent:
		t.unapprovedSent()
		return nil
	}
	return t.approved()
}

// tags checks a tagging, normalising tags to trimmed words.
func (t *transition) tags() error {
	t.ev.Tags = CleanList(t.ev.Tags)
	if len(t.ev.Tags) == 0 {
		return refuse("tags", "at least one tag is required")
	}
	for _, tag := range t.ev.Tags {
		if strings.ContainsAny(tag, " \t\n,") {
			return refuse("tags", "tag %q: tags are single words (no spaces or commas)", tag)
		}
		if t.ev.Kind == EventUntagged && !slices.Contains(t.st.Tags, tag) {
			return refuse("tags", "the case has no tag %q", tag)
		}
	}
	return nil
}

// attach checks an attached file's description.
func (t *transition) attach() error {
	a := t.ev.Attachment
	if a == nil || strings.TrimSpace(a.Name) == "" {
		return refuse("file", "an attachment needs a file")
	}
	if a.Kind == "" {
		a.Kind = AttachmentDataCopy
	}
	if _, err := ParseAttachmentKind(string(a.Kind)); err != nil {
		return refused("%v", err)
	}
	for _, existing := range t.st.Attachments {
		if existing.Name == a.Name {
			return refuse("file", "a file named %q is already attached", a.Name)
		}
	}
	return nil
}

// withhold checks that a data-copy file is kept from the subject on a ground.
func (t *transition) withhold() error {
	ev := t.ev
	var found *Attachment
	for i := range t.st.Attachments {
		if t.st.Attachments[i].Name == ev.File {
			found = &t.st.Attachments[i]
		}
	}
	switch {
	case found == nil:
		return refuse("file", "no attached file named %q", ev.File)
	case found.Kind != AttachmentDataCopy:
		return refuse("file", "%q is %s, not a data copy: it never goes to the subject", ev.File, found.Kind)
	case hasKey(t.st.Withheld, ev.File):
		return refuse("file", "%q is already withheld", ev.File)
	case len(ev.Grounds) != 1:
		return refuse("ground", "withholding a file needs one ground")
	case strings.TrimSpace(ev.Reason) == "":
		return refuse("reason", "withholding a file needs a reason")
	}
	return checkGrounds(t.c.Right, ev.Grounds, ev.Law)
}

// close checks an outcome: refusals need grounds and reasons (Art. 12(4)).
func (t *transition) close() error {
	ev, st := t.ev, t.st
	if ev.Outcome == "" {
		return refuse("outcome", "closing needs an outcome")
	}
	if _, err := ParseOutcome(string(ev.Outcome)); err != nil {
		return refused("%v", err)
	}
	if ev.Outcome == OutcomeFulfilled && len(st.Withheld) > 0 {
		files := slices.Sorted(maps.Keys(st.Withheld))
		return refuse("outcome", "%s withheld from the subject: part of the answer is refused, so the outcome is "+
			"partially-fulfilled, with its grounds and reasons", Printable(strings.Join(files, ", ")))
	}
	if err := t.closeAgainstWork(); err != nil {
		return err
	}
	if ev.Outcome.RefusesSomething() {
		if len(ev.Grounds) == 0 {
			return refuse("ground", "%s needs at least one legal ground", ev.Outcome)
		}
		if strings.TrimSpace(ev.Reason) == "" {
			return refuse("reason", "%s needs the reasons given to the subject", ev.Outcome)
		}
		if err := checkGrounds(t.c.Right, ev.Grounds, ev.Law); err != nil {
			return err
		}
		if slices.Contains(ev.Grounds, GroundIdentityNotEstablished) {
			if err := t.identityDoubtStands(); err != nil {
				return err
			}
		}
		if d := st.Deadlines; d.RefusalBy != nil && t.day.After(*d.RefusalBy) {
			t.warn("refusal decided %s, after the refusal deadline %s (Art. 12(4)): flagged as late", t.day, *d.RefusalBy)
		}
	} else if len(ev.Grounds) > 0 {
		return refuse("ground", "grounds go with refused or partially-fulfilled, not %s", ev.Outcome)
	}
	switch ev.Outcome {
	case OutcomeNoData:
		if t.c.Right == RightComplaint {
			return refuse("outcome", "no-data is not an outcome for a complaint")
		}
	case OutcomeRedirected:
		if strings.TrimSpace(ev.RedirectTo) == "" {
			return refuse("redirect-to", "redirected needs the controller to contact")
		}
	case OutcomeLapsed:
		if len(st.Awaiting) == 0 {
			return refuse("outcome", "lapsed is for a request whose requester never answered: nothing is awaited")
		}
	}
	if ev.Outcome != OutcomeRedirected && ev.RedirectTo != "" {
		return refuse("redirect-to", "a redirect target goes with the outcome redirected")
	}
	return nil
}

// closeAgainstWork refuses an outcome the work list contradicts (WORK.md,
// "Closing").
func (t *transition) closeAgainstWork() error {
	st, o := t.st, t.ev.Outcome
	var holding, refusing, own []string
	for i := range st.Work {
		w := &st.Work[i]
		r := w.ResultName()
		if r.Holds() {
			holding = append(holding, w.ID+" "+string(r))
		}
		if r.Refuses() {
			refusing = append(refusing, w.ID+" "+string(r))
		}
		if r != ResultForCustomer {
			own = append(own, w.ID)
		}
	}
	switch {
	case o == OutcomeNoData && len(holding) > 0:
		return refuse("outcome", "no-data, but the work list holds data: %s", strings.Join(holding, ", "))
	case o == OutcomeFulfilled && len(refusing) > 0:
		return refuse("outcome", "fulfilled, but the work list refuses part: %s; the outcome is partially-fulfilled",
			strings.Join(refusing, ", "))
	case o == OutcomeRedirected && len(st.Work) > 0 && len(own) > 0:
		return refuse("outcome", "redirected is for a request whose every item is for-customer; these are the "+
			"organisation's own: %s (answer for them, and say which data were passed to which customer)", strings.Join(own, ", "))
	}
	return nil
}

// confirmsErasure reports whether a result recorded on a closed case is
// the hosting processor's confirmation of an instructed erasure.
func (t *transition) confirmsErasure() bool {
	w := t.st.workItem(t.ev.Item)
	return t.ev.Result == ResultErased && w != nil && w.Result != nil && w.Result.Result == ResultErasureInstructed
}

func lateWords(d time.Duration) string {
	if h := int(d.Hours()); h < 48 {
		return Plural(h, "hour")
	}
	return Plural(int(d.Hours()/24), "day")
}

// identityDoubtStands checks that a refusal may rest on identity not being
// established (WORK.md): identity was asked for, and the subject either
// answered without resolving the doubt or had the rules' identity wait to
// answer and did not.
func (t *transition) identityDoubtStands() error {
	if v := t.st.IdentityVerified; v != nil {
		return refuse("ground", "identity was verified on %s: a refusal cannot rest on identity-not-established",
			DateOf(v.At, t.loc))
	}
	var asked *Event
	answered := false
	for i := range t.c.Events {
		switch e := &t.c.Events[i]; e.Kind {
		case EventIDRequested:
			asked, answered = e, false
		case EventIDReceived:
			answered = true
		}
	}
	if asked == nil {
		return refuse("ground", "identity was never asked for: the subject must have been told what is needed "+
			"before a refusal can rest on identity-not-established")
	}
	if answered {
		return nil // an answer that left the doubt standing
	}
	on, wait := DateOf(asked.At, t.loc), t.st.Rules.IdentityWait()
	if by := on.AddDays(wait); t.day.Before(by) {
		return refuse("ground", "identity was asked for on %s and the subject has until %s to answer (%s, the rules' "+
			"identity wait): refuse on identity-not-established after that, or once an answer leaves the doubt",
			on, by, Plural(wait, "day"))
	}
	return nil
}

// checkGrounds checks each ground exists and applies to the right.
func checkGrounds(r Right, grounds []Ground, law string) error {
	seen := map[Ground]bool{}
	for _, g := range grounds {
		if _, err := ParseGround(string(g)); err != nil {
			return refused("%v", err)
		}
		if seen[g] {
			return refuse("ground", "ground %s named twice", g)
		}
		seen[g] = true
		if !g.AppliesTo(r) {
			return refuse("ground", "ground %s does not apply to %s requests", g, r)
		}
		if g == GroundNationalRestriction && strings.TrimSpace(law) == "" {
			return refuse("law", "national-restriction needs the law relied on")
		}
	}
	return nil
}

// RecordExport is the Letter of an exported event that wrote the case record
// rather than a letter to the subject.
const RecordExport LetterKind = "record"

// DefaultLetter is the letter for the case's current step (PACKETS.md).
func DefaultLetter(c *Case, st *State) LetterKind {
	switch {
	case st.Status == StatusClosed && st.Outcome == OutcomeRedirected:
		return LetterRedirect
	case st.Status == StatusClosed && st.Outcome == OutcomeLapsed:
		return LetterLapse
	case st.Status == StatusClosed:
		return LetterFinal
	case hasKey(st.Awaiting, EventIDRequested) || hasKey(st.Awaiting, EventAuthorityRequested):
		return LetterIdentityRequest
	case hasKey(st.Awaiting, EventFeeRequested):
		return LetterFeeRequest
	case hasKey(st.Awaiting, EventClarificationRequested):
		return LetterClarificationRequest
	case st.ExtensionDecided != nil && st.Deadlines.ExtensionValid == nil:
		return LetterExtensionNotice
	case st.Acknowledged == nil:
		return LetterAcknowledgement
	}
	return LetterFinal
}

// CleanList trims each item and drops empty and repeated ones, keeping the
// first order: tags, recipients and team names as typed.
func CleanList(in []string) []string {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func dateOr(d *Date) string {
	if d == nil {
		return "unchanged"
	}
	return d.String()
}
