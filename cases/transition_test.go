package cases

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	paris, _   = LoadZone("Europe/Paris")
	intakeTime = time.Date(2025, 3, 3, 10, 0, 0, 0, paris) // Monday
	euRules    = Rules{Regime: "eu-gdpr", Zone: "Europe/Paris", Calendar: "FR"}
)

// day is a moment d days after intake, at 11:00 local.
func day(d int) time.Time { return time.Date(2025, 3, 3+d, 11, 0, 0, 0, paris) }

func newCase(t *testing.T, right Right, requester *Requester) *Case {
	t.Helper()
	cs, err := NewCases(Intake{Controller: "crisp", Rights: []Right{right},
		Subject: Subject{Name: "Zoé Lefèvre", Email: "zoe@example.org"}, Requester: requester,
		ReceivedAt: intakeTime}, euRules, intakeTime, "dpo")
	if err != nil {
		t.Fatal(err)
	}
	return cs[0]
}

// do applies an event at day d (now is an hour later) and appends it.
func do(t *testing.T, c *Case, d int, ev Event) []string {
	t.Helper()
	ev.At, ev.Actor = day(d), "dpo"
	out, warnings, err := Apply(c, ev, day(d).Add(time.Hour))
	if err != nil {
		t.Fatalf("%s on day %d refused: %v", ev.Kind, d, err)
	}
	c.Events = append(c.Events, out)
	return warnings
}

// exported records an export of a final (not draft) letter on day d, as
// export does before a letter may be sent.
func exported(t *testing.T, c *Case, d int, kind LetterKind) {
	t.Helper()
	do(t, c, d, Event{Kind: EventExported, Letter: kind, Checksum: strings.Repeat("ab", 32)})
}

// refusedWith applies an event and expects it refused with a reason
// containing want, leaving the case unchanged. A want of "--NAME" expects
// the refusal to name the field NAME, in its Field and never in its words.
func refusedWith(t *testing.T, c *Case, d int, ev Event, want string) {
	t.Helper()
	if ev.At.IsZero() {
		ev.At = day(d)
	}
	ev.Actor = "dpo"
	before := len(c.Events)
	_, _, err := Apply(c, ev, day(d).Add(time.Hour))
	var r *Refused
	if field, ok := strings.CutPrefix(want, "--"); ok {
		if !errors.As(err, &r) || r.Field != field || strings.Contains(err.Error(), "--") {
			t.Fatalf("%s: got %#v, want a refusal about the field %q without a flag in its words", ev.Kind, err, field)
		}
	} else if !errors.As(err, &r) || !strings.Contains(err.Error(), want) {
		t.Fatalf("%s: got %v, want refusal containing %q", ev.Kind, err, want)
	}
	if len(c.Events) != before {
		t.Fatalf("a refused action changed the case")
	}
}

func state(t *testing.T, c *Case, d int) *State {
	t.Helper()
	st, err := c.Derive(day(d).Add(2 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestIntake(t *testing.T) {
	base := Intake{Controller: "crisp", Rights: []Right{RightAccess, RightErasure},
		Subject: Subject{Name: "Jan Kowalski", Phone: "+48 600 000 000"}, ReceivedAt: intakeTime}
	cs, err := NewCases(base, euRules, intakeTime, "dpo")
	if err != nil || len(cs) != 2 || cs[0].Right != RightAccess || cs[1].Right != RightErasure {
		t.Fatalf("two rights make two cases: %v %v", cs, err)
	}
	if cs[0].Events[0].Kind != EventReceived || cs[0].Events[0].Rules == nil || cs[0].Events[0].Rules.Regime != "eu-gdpr" {
		t.Errorf("the received event carries the frozen rules: %+v", cs[0].Events[0])
	}
	tests := []struct {
		name   string
		mutate func(*Intake)
		want   string
	}{
		{"no contact", func(in *Intake) { in.Subject.Phone = "" }, "contact route"},
		{"no name", func(in *Intake) { in.Subject.Name = " " }, "name"},
		{"no right", func(in *Intake) { in.Rights = nil }, "right"},
		{"future receipt", func(in *Intake) { in.ReceivedAt = intakeTime.Add(time.Hour) }, "future"},
		{"requester without a name", func(in *Intake) { in.Requester = &Requester{Relation: RelationParent} }, "requester's name"},
	}
	for _, tt := range tests {
		in := base
		tt.mutate(&in)
		if _, err := NewCases(in, euRules, intakeTime, "dpo"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestIdentityFlow(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	if st := state(t, c, 0); st.Status != StatusNew || st.Deadlines.Clock != ClockRunning {
		t.Fatalf("new case: %s %s", st.Status, st.Deadlines.Clock)
	}
	refusedWith(t, c, 1, Event{Kind: EventIDReceived}, "nothing was asked")
	refusedWith(t, c, 1, Event{Kind: EventIDRequested}, "reason")
	do(t, c, 2, Event{Kind: EventIDRequested, Reason: "the e-mail address differs from the account's"})
	st := state(t, c, 4)
	if st.Status != StatusAwaitingID || st.Deadlines.Clock != ClockPaused || DefaultLetter(c, st) != LetterIdentityRequest {
		t.Fatalf("after request: %s %s %s", st.Status, st.Deadlines.Clock, DefaultLetter(c, st))
	}
	refusedWith(t, c, 3, Event{Kind: EventIDRequested, Reason: "again"}, "already waiting")
	refusedWith(t, c, 3, Event{Kind: EventIdentityVerified}, "--method")
	// Verifying implies the identity information arrived: the pause ends.
	do(t, c, 6, Event{Kind: EventIdentityVerified, Method: "account login confirmed"})
	st = state(t, c, 7)
	if st.Status != StatusInProgress || st.Deadlines.Clock != ClockRunning || st.Deadlines.PausedDays != 5 {
		t.Fatalf("after verify: %s %s paused %d", st.Status, st.Deadlines.Clock, st.Deadlines.PausedDays)
	}
	// 3 April + 5 paused days (5..9 March) = 8 April.
	if str(st.Deadlines.Due) != "2025-04-08" {
		t.Errorf("due %s, want 2025-04-08", str(st.Deadlines.Due))
	}
	refusedWith(t, c, 8, Event{Kind: EventIdentityVerified, Method: "again"}, "already verified")
	refusedWith(t, c, 8, Event{Kind: EventIDRequested, Reason: "doubt"}, "already verified")
}

func TestTimeRules(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	refusedWith(t, c, 1, Event{Kind: EventAcknowledged, At: intakeTime.Add(-24 * time.Hour)}, "before the receipt date")
	_, _, err := Apply(c, Event{Kind: EventAcknowledged, Actor: "dpo", At: day(5)}, day(1))
	if err == nil || !strings.Contains(err.Error(), "in the future") {
		t.Fatalf("future event: %v", err)
	}
	// Earlier the same day as receipt is the receipt date: allowed.
	do(t, c, 0, Event{Kind: EventAcknowledged})
	refusedWith(t, c, 1, Event{Kind: EventAcknowledged}, "already acknowledged")
	refusedWith(t, c, 1, Event{Kind: EventReceived}, "received once")
	_, _, err = Apply(c, Event{Kind: EventNoted, Text: "x"}, day(1))
	if err == nil || !strings.Contains(err.Error(), "actor") {
		t.Fatalf("no actor: %v", err)
	}
}

func TestClarificationAuthorityFee(t *testing.T) {
	c := newCase(t, RightErasure, nil)
	refusedWith(t, c, 1, Event{Kind: EventAuthorityRequested}, "this request is from the subject")
	refusedWith(t, c, 1, Event{Kind: EventFeeRequested}, "amount")
	refusedWith(t, c, 1, Event{Kind: EventClarificationReceived}, "nothing was asked")
	do(t, c, 1, Event{Kind: EventClarificationRequested, Reason: "which accounts?"})
	if st := state(t, c, 1); st.Status != StatusAwaitingInfo || DefaultLetter(c, st) != LetterClarificationRequest {
		t.Fatalf("awaiting info: %s", st.Status)
	}
	do(t, c, 3, Event{Kind: EventClarificationReceived})
	do(t, c, 3, Event{Kind: EventFeeRequested, Amount: "EUR 20 (third copy, Art. 15(3))"})
	if st := state(t, c, 3); st.Status != StatusAwaitingInfo || DefaultLetter(c, st) != LetterFeeRequest {
		t.Fatalf("awaiting fee: %s", st.Status)
	}
	do(t, c, 5, Event{Kind: EventFeePaid})

	agent := newCase(t, RightAccess, &Requester{Name: "Maître Dupont", Relation: RelationAgent})
	do(t, agent, 1, Event{Kind: EventAuthorityRequested})
	if st := state(t, agent, 1); st.Status != StatusAwaitingID {
		t.Fatalf("awaiting authority: %s", st.Status)
	}
	refusedWith(t, agent, 1, Event{Kind: EventAuthorityRequested}, "already waiting")
	do(t, agent, 2, Event{Kind: EventAuthorityReceived})
	if st := state(t, agent, 2); st.Status != StatusInProgress {
		t.Fatalf("after authority: %s", st.Status)
	}
}

func TestExtensionRules(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	refusedWith(t, c, 1, Event{Kind: EventSent, Letter: LetterExtensionNotice}, "no extension was decided")
	refusedWith(t, c, 1, Event{Kind: EventExtensionDecided}, "reasons")
	// The GDPR fixes the extended deadline (three months from receipt): a
	// date of one's own is refused rather than silently ignored.
	mine, _ := ParseDate("2025-05-01")
	refusedWith(t, c, 1, Event{Kind: EventExtensionDecided, Reason: "complex", ExtendedTo: &mine}, "fixes the extended deadline")
	// Under the Swiss FADP the notice names the date, which must be after the 30 days.
	ch, err := NewCases(Intake{Controller: "crisp", Rights: []Right{RightAccess}, Subject: Subject{Name: "Zoé", Email: "zoe@example.org"},
		ReceivedAt: intakeTime}, Rules{Regime: "ch-fadp", Zone: "Europe/Zurich", Calendar: "CH"}, intakeTime, "dpo")
	if err != nil {
		t.Fatal(err)
	}
	early, _ := ParseDate("2025-03-20")
	refusedWith(t, ch[0], 1, Event{Kind: EventExtensionDecided, Reason: "complex", ExtendedTo: &early}, "must be after the deadline")
	do(t, c, 10, Event{Kind: EventExtensionDecided, Reason: "complex: data in 6 systems"})
	st := state(t, c, 10)
	if DefaultLetter(c, st) != LetterExtensionNotice || st.Deadlines.ExtensionValid != nil || str(st.Deadlines.Due) != "2025-04-03" {
		t.Fatalf("decided, not notified: letter %s valid %v due %s", DefaultLetter(c, st), st.Deadlines.ExtensionValid, str(st.Deadlines.Due))
	}
	refusedWith(t, c, 11, Event{Kind: EventExtensionDecided, Reason: "again"}, "already decided")
	exported(t, c, 12, LetterExtensionNotice)
	if w := do(t, c, 12, Event{Kind: EventSent, Letter: LetterExtensionNotice}); len(w) != 0 {
		t.Errorf("a notice in time warns: %v", w)
	}
	st = state(t, c, 12)
	if str(st.Deadlines.Due) != "2025-06-03" || !*st.Deadlines.ExtensionValid {
		t.Errorf("extended: due %s", str(st.Deadlines.Due))
	}

	// A late notice is recorded, with a warning, and changes nothing.
	late := newCase(t, RightAccess, nil)
	w := do(t, late, 40, Event{Kind: EventExtensionDecided, Reason: "complex"})
	if len(w) == 0 || !strings.Contains(w[0], "notice window closed on 2025-04-03") {
		t.Errorf("late decision warning: %v", w)
	}
	// Its export is refused after the window; a notice written by hand
	// and e-mailed is recorded as sent another way.
	w = do(t, late, 41, Event{Kind: EventSent, Letter: LetterExtensionNotice, Outside: true, Reason: "e-mailed from the DPO's mailbox"})
	if len(w) == 0 || !strings.Contains(w[0], "not in force") {
		t.Errorf("late notice warning: %v", w)
	}
	st = state(t, late, 41)
	if *st.Deadlines.ExtensionValid || str(st.Deadlines.Due) != "2025-04-03" {
		t.Errorf("late notice: valid %v due %s", *st.Deadlines.ExtensionValid, str(st.Deadlines.Due))
	}
}

func TestCloseRules(t *testing.T) {
	c := newCase(t, RightErasure, nil)
	refusedWith(t, c, 5, Event{Kind: EventClosed}, "needs an outcome")
	refusedWith(t, c, 5, Event{Kind: EventClosed, Outcome: "maybe"}, "unknown outcome")
	refusedWith(t, c, 5, Event{Kind: EventClosed, Outcome: OutcomeRefused, Reason: "x"}, "legal ground")
	refusedWith(t, c, 5, Event{Kind: EventClosed, Outcome: OutcomeRefused, Grounds: []Ground{GroundExcessive}}, "reasons")
	refusedWith(t, c, 5, Event{Kind: EventClosed, Outcome: OutcomePartiallyFulfilled, Grounds: []Ground{GroundNotPortable}, Reason: "x"}, "does not apply to erasure")
	refusedWith(t, c, 5, Event{Kind: EventClosed, Outcome: OutcomeRefused, Grounds: []Ground{GroundNationalRestriction}, Reason: "x"}, "--law")
	refusedWith(t, c, 5, Event{Kind: EventClosed, Outcome: OutcomeFulfilled, Grounds: []Ground{GroundExcessive}}, "grounds go with")
	refusedWith(t, c, 5, Event{Kind: EventClosed, Outcome: OutcomeRedirected}, "--redirect-to")
	refusedWith(t, c, 5, Event{Kind: EventClosed, Outcome: OutcomeLapsed}, "nothing is awaited")

	do(t, c, 5, Event{Kind: EventClosed, Outcome: OutcomePartiallyFulfilled,
		Grounds: []Ground{GroundArt17_3b}, Reason: "invoices kept 10 years under the Commercial Code"})
	st := state(t, c, 5)
	if st.Status != StatusClosed || st.Deadlines.Clock != ClockStopped || DefaultLetter(c, st) != LetterFinal {
		t.Fatalf("closed: %s %s", st.Status, st.Deadlines.Clock)
	}
	refusedWith(t, c, 6, Event{Kind: EventClosed, Outcome: OutcomeFulfilled}, "already closed")
	refusedWith(t, c, 6, Event{Kind: EventIDRequested, Reason: "x"}, "reopen it first")
	// The answer is still sent, and notes still taken, after closing.
	exported(t, c, 6, LetterFinal)
	do(t, c, 6, Event{Kind: EventSent, Letter: LetterFinal})
	do(t, c, 6, Event{Kind: EventNoted, Text: "sent by post too"})
	if st = state(t, c, 6); st.AnsweredAt == nil || !st.AnsweredAt.Equal(day(6)) {
		t.Errorf("answer date %v", st.AnsweredAt)
	}
	refusedWith(t, c, 7, Event{Kind: EventReopened, ReopenReason: "boredom"}, "unknown reopen reason")
	do(t, c, 7, Event{Kind: EventReopened, ReopenReason: ReopenIncompleteResponse})
	st = state(t, c, 7)
	if st.Status != StatusInProgress || st.Deadlines.Clock != ClockRunning || str(st.Deadlines.Due) != "2025-04-03" {
		t.Errorf("reopened: %s %s due %s (keeps the original receipt)", st.Status, st.Deadlines.Clock, str(st.Deadlines.Due))
	}
	refusedWith(t, c, 8, Event{Kind: EventReopened, ReopenReason: ReopenError}, "not closed")

	// Lapsed: only when the requester never answered.
	l := newCase(t, RightAccess, nil)
	do(t, l, 1, Event{Kind: EventIDRequested, Reason: "doubt"})
	do(t, l, 30, Event{Kind: EventClosed, Outcome: OutcomeLapsed})
	if st := state(t, l, 40); DefaultLetter(l, st) != LetterLapse || st.Deadlines.PausedDays != 30 {
		t.Errorf("lapsed: letter %s paused %d (the wait ends at the close)", DefaultLetter(l, st), st.Deadlines.PausedDays)
	}
	// no-data makes no sense for a complaint.
	comp := newCase(t, RightComplaint, nil)
	refusedWith(t, comp, 2, Event{Kind: EventClosed, Outcome: OutcomeNoData}, "complaint")
	// A late refusal is recorded and flagged.
	r := newCase(t, RightAccess, nil)
	w := do(t, r, 40, Event{Kind: EventClosed, Outcome: OutcomeRefused, Grounds: []Ground{GroundManifestlyUnfounded}, Reason: "r"})
	if len(w) == 0 || !strings.Contains(w[0], "refusal deadline 2025-04-03") {
		t.Errorf("late refusal warning: %v", w)
	}
}

func TestSentAnswerDate(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	do(t, c, 0, Event{Kind: EventAcknowledged})
	refusedWith(t, c, 1, Event{Kind: EventSent, Letter: LetterAcknowledgement}, "export it first")
	exported(t, c, 1, LetterAcknowledgement)
	do(t, c, 1, Event{Kind: EventSent, Letter: LetterAcknowledgement})
	if st := state(t, c, 1); st.AnsweredAt != nil {
		t.Fatalf("an acknowledgement is not the answer")
	}
	exported(t, c, 35, LetterFinal)
	w := do(t, c, 35, Event{Kind: EventSent, Letter: LetterFinal})
	if len(w) == 0 || !strings.Contains(w[0], "late") {
		t.Errorf("late answer warning: %v", w)
	}
	refusedWith(t, c, 35, Event{Kind: EventSent, Letter: "postcard"}, "unknown letter")
}

func TestTriageEvents(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	refusedWith(t, c, 1, Event{Kind: EventAssigned, Assignee: " "}, "--to")
	do(t, c, 1, Event{Kind: EventAssigned, Assignee: "marie"})
	refusedWith(t, c, 1, Event{Kind: EventTagged}, "tag")
	refusedWith(t, c, 1, Event{Kind: EventTagged, Tags: []string{"two words"}}, "single words")
	do(t, c, 1, Event{Kind: EventTagged, Tags: []string{"vip", "press"}})
	refusedWith(t, c, 1, Event{Kind: EventUntagged, Tags: []string{"absent"}}, "no tag")
	do(t, c, 1, Event{Kind: EventUntagged, Tags: []string{"press"}})
	refusedWith(t, c, 1, Event{Kind: EventNoted}, "text")
	do(t, c, 1, Event{Kind: EventNoted, Text: "called the subject"})
	st := state(t, c, 1)
	if st.Assignee != "marie" || len(st.Tags) != 1 || st.Tags[0] != "vip" || len(st.Notes) != 1 {
		t.Errorf("triage state: %+v", st)
	}
	if st.Status != StatusNew {
		t.Errorf("bookkeeping alone leaves the case new, got %s", st.Status)
	}
	refusedWith(t, c, 1, Event{Kind: EventRecipientNotified}, "--recipient")
	refusedWith(t, c, 1, Event{Kind: EventAttached}, "needs a file")
	do(t, c, 2, Event{Kind: EventAttached, Attachment: &Attachment{Name: "crm.csv", Category: "contact", System: "CRM"}})
	do(t, c, 2, Event{Kind: EventAttached, Attachment: &Attachment{Name: "memo.txt", Kind: AttachmentInternal}})
	refusedWith(t, c, 2, Event{Kind: EventAttached, Attachment: &Attachment{Name: "crm.csv"}}, "already attached")
	refusedWith(t, c, 2, Event{Kind: EventWithheld, File: "nope.csv", Grounds: []Ground{GroundRightsOfOthers}, Reason: "r"}, "no attached file")
	refusedWith(t, c, 2, Event{Kind: EventWithheld, File: "memo.txt", Grounds: []Ground{GroundRightsOfOthers}, Reason: "r"}, "not a data copy")
	refusedWith(t, c, 2, Event{Kind: EventWithheld, File: "crm.csv", Reason: "r"}, "one ground")
	do(t, c, 2, Event{Kind: EventWithheld, File: "crm.csv", Grounds: []Ground{GroundRightsOfOthers}, Reason: "colleagues' data"})
	refusedWith(t, c, 2, Event{Kind: EventWithheld, File: "crm.csv", Grounds: []Ground{GroundRightsOfOthers}, Reason: "r"}, "already withheld")
	st = state(t, c, 2)
	if st.Attachments[0].Kind != AttachmentDataCopy || !hasKey(st.Withheld, "crm.csv") || st.Status != StatusInProgress {
		t.Errorf("attachments: %+v withheld %v status %s", st.Attachments, st.Withheld, st.Status)
	}
	refusedWith(t, c, 3, Event{Kind: EventRebaselined, Reason: "register fixed"}, "current rules")
	newRules := Rules{Regime: "eu-gdpr", Zone: "Europe/Berlin", Calendar: "DE-BE"}
	do(t, c, 3, Event{Kind: EventRebaselined, Reason: "establishment confirmed in Berlin", Rules: &newRules})
	if st = state(t, c, 3); st.Deadlines.Calendar != "DE-BE" {
		t.Errorf("rebaselined calendar %s", st.Deadlines.Calendar)
	}
	refusedWith(t, c, 3, Event{Kind: EventExported, Letter: LetterFinal}, "SHA-256")
	// A file kept from the subject makes the answer partial: fulfilled is
	// refused, naming the outcome; partially-fulfilled with its ground closes.
	refusedWith(t, c, 4, Event{Kind: EventClosed, Outcome: OutcomeFulfilled}, "--outcome")
	refusedWith(t, c, 4, Event{Kind: EventClosed, Outcome: OutcomeFulfilled}, "crm.csv withheld")
	do(t, c, 4, Event{Kind: EventClosed, Outcome: OutcomePartiallyFulfilled, Grounds: []Ground{GroundRightsOfOthers},
		Reason: "one file names colleagues"})
}

// TestIdentityRefusalNeedsTheSubjectsChance: a refusal on
// identity-not-established needs identity to have been asked for, and
// either an answer that left the doubt or the identity wait (30 days by
// default) passed without one.
func TestIdentityRefusalNeedsTheSubjectsChance(t *testing.T) {
	refuse := func(c *Case, d int, want string) {
		t.Helper()
		refusedWith(t, c, d, Event{Kind: EventClosed, Outcome: OutcomeRefused,
			Grounds: []Ground{GroundIdentityNotEstablished}, Reason: "we could not confirm who you are"}, want)
	}
	closes := Event{Kind: EventClosed, Outcome: OutcomeRefused, Grounds: []Ground{GroundIdentityNotEstablished},
		Reason: "we could not confirm who you are"}

	never := newCase(t, RightAccess, nil)
	refuse(never, 5, "never asked for")

	waiting := newCase(t, RightAccess, nil)
	do(t, waiting, 1, Event{Kind: EventIDRequested, Reason: "the address differs"}) // asked 4 March
	refuse(waiting, 30, "has until 2025-04-03")                                     // 2 April: the wait not over
	do(t, waiting, 31, closes)                                                      // 4 April

	answered := newCase(t, RightAccess, nil)
	do(t, answered, 1, Event{Kind: EventIDRequested, Reason: "the address differs"})
	do(t, answered, 3, Event{Kind: EventIDReceived})
	do(t, answered, 4, closes) // the answer left the doubt standing

	verified := newCase(t, RightAccess, nil)
	do(t, verified, 1, Event{Kind: EventIDRequested, Reason: "the address differs"})
	do(t, verified, 3, Event{Kind: EventIdentityVerified, Method: "video call"})
	refuse(verified, 4, "was verified")
}
