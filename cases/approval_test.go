package cases

import (
	"strings"
	"testing"
	"time"
)

// as applies an event at day d recorded by actor and appends it, or
// returns the refusal.
func as(t *testing.T, c *Case, d int, actor string, ev Event) ([]string, error) {
	t.Helper()
	ev.At, ev.Actor = day(d), actor
	out, warnings, err := Apply(c, ev, day(d).Add(time.Hour))
	if err == nil {
		c.Events = append(c.Events, out)
	}
	return warnings, err
}

// mustAs is as, failing the test on a refusal.
func mustAs(t *testing.T, c *Case, d int, actor string, ev Event) []string {
	t.Helper()
	w, err := as(t, c, d, actor, ev)
	if err != nil {
		t.Fatalf("%s by %s on day %d refused: %v", ev.Kind, actor, d, err)
	}
	return w
}

// refusedAs expects the event by actor refused with a reason containing
// want, the case unchanged.
func refusedAs(t *testing.T, c *Case, d int, actor string, ev Event, want string) {
	t.Helper()
	before := len(c.Events)
	_, err := as(t, c, d, actor, ev)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("%s by %s: got %v, want a refusal with %q", ev.Kind, actor, err, want)
	}
	if len(c.Events) != before {
		t.Fatalf("%s by %s: the case changed on a refusal", ev.Kind, actor)
	}
}

// refusedCase is an access request refused on day 2 by "dpo", whose final
// letter "dpo" exported, under rules asking approval for any refusal.
func refusedCase(t *testing.T, approval ...ApprovalCondition) *Case {
	t.Helper()
	c := newCase(t, RightAccess, nil)
	c.Rules.Approval = approval
	mustAs(t, c, 2, "dpo", Event{Kind: EventClosed, Outcome: OutcomeRefused, Grounds: []Ground{GroundManifestlyUnfounded},
		Reason: "the fifth identical request this month"})
	mustAs(t, c, 2, "dpo", Event{Kind: EventExported, Letter: LetterFinal, Checksum: strings.Repeat("ab", 32)})
	return c
}

func TestSendWaitsForAFourEyesApproval(t *testing.T) {
	c := refusedCase(t, ApprovalRefusal)
	send := Event{Kind: EventSent, Letter: LetterFinal}
	refusedAs(t, c, 3, "dpo", send, "the final letter needs approval before it leaves (refusal)")

	// The exporter and the decider cannot approve, from another address either.
	refusedAs(t, c, 3, "dpo", Event{Kind: EventApproved, Letter: LetterFinal}, "four eyes")
	refusedAs(t, c, 3, "dpo@192.0.2.7", Event{Kind: EventApproved}, "who exported the packet")
	// The closing was decided by someone else than the exporter: both are excluded.
	c2 := newCase(t, RightAccess, nil)
	c2.Rules.Approval = []ApprovalCondition{ApprovalRefusal}
	mustAs(t, c2, 2, "ana", Event{Kind: EventClosed, Outcome: OutcomeRefused, Grounds: []Ground{GroundManifestlyUnfounded}, Reason: "r"})
	mustAs(t, c2, 2, "dpo", Event{Kind: EventExported, Letter: LetterFinal, Checksum: strings.Repeat("ab", 32)})
	refusedAs(t, c2, 3, "ana", Event{Kind: EventApproved}, "who decided what it answers")

	// An approval under an overridden actor is recorded with a warning, and never counts.
	w := mustAs(t, c, 3, "marc", Event{Kind: EventApproved, Overridden: []string{OverriddenActor}})
	if len(w) != 1 || !strings.Contains(w[0], "never counts") {
		t.Fatalf("overridden approval warnings %q", w)
	}
	refusedAs(t, c, 3, "dpo", send, "does not count: recorded under an overridden actor")

	ws := mustAs(t, c, 3, "marc", Event{Kind: EventApproved})
	if len(ws) != 0 {
		t.Fatalf("warnings %q", ws)
	}
	st := state(t, c, 3)
	a := ApprovalOf(c, st, LetterFinal, 0)
	if a.Approved == nil || a.Approved.Actor != "marc" || a.Waiting() || len(a.Uncounted) != 1 {
		t.Fatalf("approval %+v", a)
	}
	mustAs(t, c, 3, "dpo", send)
	sent := c.Events[len(c.Events)-1]
	// A refusal on manifestly-unfounded is discretionary: both conditions are met, refusal applies.
	if got := ConditionsOf(sent.Approval); got != ConditionsOf([]ApprovalCondition{ApprovalRefusal}) {
		t.Fatalf("sent records the conditions that applied %v, want refusal", got)
	}
}

func TestANewPacketNeedsANewApproval(t *testing.T) {
	c := refusedCase(t, ApprovalRefusal)
	mustAs(t, c, 3, "marc", Event{Kind: EventApproved})
	// The same bytes exported again keep the approval; other bytes do not.
	mustAs(t, c, 3, "dpo", Event{Kind: EventExported, Letter: LetterFinal, Checksum: strings.Repeat("ab", 32)})
	if a := ApprovalOf(c, state(t, c, 3), LetterFinal, 0); a.Approved == nil {
		t.Fatal("a re-export with the same bytes lost its approval")
	}
	mustAs(t, c, 3, "dpo", Event{Kind: EventExported, Letter: LetterFinal, Checksum: strings.Repeat("cd", 32)})
	refusedAs(t, c, 3, "dpo", Event{Kind: EventSent}, "does not count: for another packet")
	if a := ApprovalOf(c, state(t, c, 3), LetterFinal, 0); !a.Waiting() {
		t.Fatalf("a new packet is waiting for approval: %+v", a)
	}
	// An approval names the packet shown; a stale one is refused.
	refusedAs(t, c, 3, "marc", Event{Kind: EventApproved, Checksum: strings.Repeat("ab", 32)}, "not the final letter last exported")
	mustAs(t, c, 3, "marc", Event{Kind: EventApproved, Checksum: strings.Repeat("cd", 32)})
	mustAs(t, c, 3, "dpo", Event{Kind: EventSent})
}

func TestARejectionSendsTheLetterBack(t *testing.T) {
	c := refusedCase(t, ApprovalRefusal)
	refusedAs(t, c, 3, "marc", Event{Kind: EventRejected}, "says why")
	mustAs(t, c, 3, "marc", Event{Kind: EventApproved})
	mustAs(t, c, 3, "lea", Event{Kind: EventRejected, Reason: "name the earlier requests"})
	refusedAs(t, c, 3, "dpo", Event{Kind: EventSent}, "rejected by lea on 2025-03-06: name the earlier requests")
	st := state(t, c, 3)
	if st.Status != StatusClosed || st.Outcome != OutcomeRefused {
		t.Fatalf("a rejection changes nothing else: %s %s", st.Status, st.Outcome)
	}
	// Rejecting changes nothing in the packet: approving it again is enough.
	mustAs(t, c, 3, "marc", Event{Kind: EventApproved})
	mustAs(t, c, 3, "dpo", Event{Kind: EventSent})
}

func TestTheControllersSignoff(t *testing.T) {
	c := refusedCase(t, ApprovalRefusal)
	so := &Signoff{Name: "Eva Lind", Role: "CEO", Organisation: "KCraft Studio LTD"}
	refusedAs(t, c, 3, "dpo", Event{Kind: EventApproved, External: so}, "needs its evidence")
	evidence := &Attachment{Name: "/tmp/signed.pdf", SHA256: strings.Repeat("ef", 32), Size: 10}
	refusedAs(t, c, 3, "dpo", Event{Kind: EventApproved, Attachment: evidence}, "goes with the controller's sign-off")
	// The DPO who exported the letter records the controller's sign-off.
	mustAs(t, c, 3, "dpo", Event{Kind: EventApproved, External: so, Attachment: evidence})
	ev := c.Events[len(c.Events)-1]
	if ev.Attachment.Name != "approval-1/signed.pdf" || ev.Attachment.Kind != AttachmentInternal {
		t.Fatalf("evidence stored as %+v", ev.Attachment)
	}
	if st := state(t, c, 3); len(st.Attachments) != 0 {
		t.Fatalf("evidence is not a file of the case: %+v", st.Attachments)
	}
	mustAs(t, c, 3, "dpo", Event{Kind: EventSent})
}

func TestRegisterConditionsApplyWhenSent(t *testing.T) {
	// Frozen with none; the register asks for refusals when the letter leaves.
	c := refusedCase(t)
	refusedAs(t, c, 3, "dpo", Event{Kind: EventSent, Approval: []ApprovalCondition{ApprovalRefusal}}, "needs approval")
	// A condition the letter does not meet asks nothing.
	mustAs(t, c, 3, "dpo", Event{Kind: EventSent, Approval: []ApprovalCondition{ApprovalExtensionNotice, ApprovalDataCopy}})
	if got := c.Events[len(c.Events)-1].Approval; len(got) != 0 {
		t.Fatalf("sent records %v", got)
	}
}

func TestALetterSentAnotherWayIsRecordedWithAWarning(t *testing.T) {
	c := refusedCase(t, ApprovalFinal)
	w := mustAs(t, c, 3, "dpo", Event{Kind: EventSent, Outside: true, Reason: "posted by the controller"})
	if len(w) != 1 || !strings.Contains(w[0], "left without one") {
		t.Fatalf("warnings %q", w)
	}
}

func TestLetterConditions(t *testing.T) {
	erasure := func(kept Event) *State {
		c := workCase(t, RightErasure)
		mustAs(t, c, 1, "dpo", kept)
		return state(t, c, 1)
	}
	backed := Event{Kind: EventWorked, Item: "app-db", Result: ResultKept, Grounds: []Ground{GroundArt17_3b},
		What: "invoices", Law: "Code de commerce, art. L123-22", TriggerDate: &Date{2024, 12, 31}}
	legalClaims := Event{Kind: EventWorked, Item: "app-db", Result: ResultKept, Grounds: []Ground{GroundArt17_3e},
		What: "the contract", Until: &Date{2030, 1, 1}}
	access := newCase(t, RightAccess, nil)
	mustAs(t, access, 1, "dpo", Event{Kind: EventAttached, Attachment: &Attachment{Name: "orders.csv", Kind: AttachmentDataCopy}})
	for _, tc := range []struct {
		name   string
		c      *Case
		st     *State
		letter LetterKind
		want   string
	}{
		// Keeping what the law requires and the register backs is a refusal, not a discretionary one.
		{"kept on art17-3-b", workCase(t, RightErasure), erasure(backed), LetterFinal, "refusal, final"},
		{"kept on art17-3-e", workCase(t, RightErasure), erasure(legalClaims), LetterFinal, "refusal, discretionary, final"},
		{"data copy", access, state(t, access, 1), LetterFinal, "data-copy, final"},
		{"extension notice", access, state(t, access, 1), LetterExtensionNotice, "extension-notice"},
		{"acknowledgement", access, state(t, access, 1), LetterAcknowledgement, "none"},
	} {
		if got := LetterConditions(tc.c, tc.st, tc.letter).String(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestParseSignoff(t *testing.T) {
	so, err := ParseSignoff(" Eva Lind , CEO, Acme, Inc. ")
	if err != nil || *so != (Signoff{"Eva Lind", "CEO", "Acme, Inc."}) {
		t.Fatalf("%+v %v", so, err)
	}
	for _, bad := range []string{"Eva Lind, CEO", "Eva Lind, , Acme", ""} {
		if _, err := ParseSignoff(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
