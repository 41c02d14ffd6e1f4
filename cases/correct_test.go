package cases

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// record applies an event at day d and records it as the store does
// (Case.Record: a correction changes the case's facts).
func record(t *testing.T, c *Case, d int, ev Event) *Event {
	t.Helper()
	ev.At, ev.Actor = day(d), "dpo"
	out, _, err := Apply(c, ev, day(d).Add(time.Hour))
	if err != nil {
		t.Fatalf("%s %s on day %d refused: %v", ev.Kind, ev.Field, d, err)
	}
	if err := c.Record(out); err != nil {
		t.Fatal(err)
	}
	return &c.Events[len(c.Events)-1]
}

func TestCorrectEachField(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	c.Subject.Identifiers = map[string]string{"customer": "C-1"}
	tests := []struct {
		field, value string
		holds        func(*Case) bool
	}{
		{"subject", "Zoé Lefebvre", func(c *Case) bool { return c.Subject.Name == "Zoé Lefebvre" }},
		{"phone", "+33 6 00 00 00 00", func(c *Case) bool { return c.Subject.Phone == "+33 6 00 00 00 00" }},
		{"email", "", func(c *Case) bool { return c.Subject.Email == "" }}, // the phone remains
		{"email", "zoe@example.com", func(c *Case) bool { return c.Subject.Email == "zoe@example.com" }},
		{"postal-address", "1 rue X\n75001 Paris", func(c *Case) bool { return c.Subject.PostalAddress == "1 rue X\n75001 Paris" }},
		{"identifier", "account=A-9", func(c *Case) bool { return c.Subject.Identifiers["account"] == "A-9" }},
		{"identifier", "customer=", func(c *Case) bool { _, has := c.Subject.Identifiers["customer"]; return !has }},
		{"requester", "Maître Martin", func(c *Case) bool { return c.Requester != nil && c.Requester.Name == "Maître Martin" }},
		{"relation", "parent", func(c *Case) bool { return c.Requester.Relation == RelationParent }},
		{"channel", "post", func(c *Case) bool { return c.Channel == ChannelPost }},
		{"language", "fr", func(c *Case) bool { return c.Language == "fr" }},
		{"text", "Je demande une copie.", func(c *Case) bool { return c.Text == "Je demande une copie." }},
		{"requester", "", func(c *Case) bool { return c.Requester == nil }},
	}
	for _, tt := range tests {
		ev := record(t, c, 1, Event{Kind: EventCorrected, Field: tt.field, Value: tt.value, Reason: "typed wrong at intake"})
		if !tt.holds(c) {
			t.Errorf("correct %s to %q: the case says %+v %+v", tt.field, tt.value, c.Subject, c.Requester)
		}
		if ev.Field != tt.field || ev.Value != tt.value || ev.Reason == "" {
			t.Errorf("the corrected event keeps field, value and reason: %+v", ev)
		}
	}
	// Each correction is its own event after the received one, whose facts
	// stay as they were received.
	if n := len(c.Events); n != 1+len(tests) || c.Events[0].Kind != EventReceived {
		t.Errorf("%d events", n)
	}
}

func TestCorrectRefusals(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	corr := func(field, value, reason string) Event {
		return Event{Kind: EventCorrected, Field: field, Value: value, Reason: reason}
	}
	refusedWith(t, c, 1, corr("subject", "Zoé Lefebvre", " "), "--reason")
	refusedWith(t, c, 1, corr("subject", " ", "typo"), "--value")
	refusedWith(t, c, 1, corr("email", "", "typo"), "one contact route must remain")
	refusedWith(t, c, 1, corr("relation", "parent", "typo"), "no requester")
	refusedWith(t, c, 1, corr("subject", "Zoé Lefèvre", "typo"), "nothing to correct")
	refusedWith(t, c, 1, corr("received", "2025-03-10", "typo"), "future")
	refusedWith(t, c, 1, corr("subject", strings.Repeat("x", MaxNameBytes+1), "typo"), "is 1025 bytes (1 KB and 1 byte) long: at most 1 KB")
	for _, frozen := range []string{"controller", "right", "regime"} {
		refusedWith(t, c, 1, corr(frozen, "acme", "typo"), "void the case")
	}
	refusedWith(t, c, 1, corr("colour", "blue", "typo"), "one of: subject, email")

	// Received moved after something that followed the receipt.
	do(t, c, 2, Event{Kind: EventAcknowledged})
	refusedWith(t, c, 3, corr("received", "2025-03-06", "typo"), "acknowledged on 2025-03-05, before the corrected receipt date 2025-03-06")
}

// TestCorrectReceivedMovesTheDeadline: DEADLINES.md section 2, rules 1
// and 2: received 3 March, due 3 April; received 31 January, due 28
// February (the clamp), extended to 30 April (rule 5).
func TestCorrectReceivedMovesTheDeadline(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	if st := state(t, c, 1); st.Deadlines.BaseDue.String() != "2025-04-03" {
		t.Fatalf("received 3 March: due %s", st.Deadlines.BaseDue)
	}
	record(t, c, 1, Event{Kind: EventCorrected, Field: "received", Value: "2025-01-31", Reason: "the letter was dated and received on 31 January"})
	st := state(t, c, 1)
	if got := st.Deadlines.BaseDue.String(); got != "2025-02-28" {
		t.Errorf("received 31 January: due %s, want 2025-02-28", got)
	}
	if got := st.Deadlines.ExtendedDue.String(); got != "2025-04-30" {
		t.Errorf("received 31 January: extended %s, want 2025-04-30", got)
	}
	if got := c.ReceivedAt.In(paris).Format(time.RFC3339); got != "2025-01-31T00:00:00+01:00" {
		t.Errorf("a date is the start of that day in the case's zone: %s", got)
	}
}

func TestVoid(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	refusedWith(t, c, 1, Event{Kind: EventVoided}, "--reason")
	record(t, c, 1, Event{Kind: EventVoided, Reason: "recorded twice"})
	st := state(t, c, 1)
	if st.Voided == nil || st.Voided.Reason != "recorded twice" {
		t.Fatalf("voided: %+v", st.Voided)
	}
	if v := NewView(c, st, 2, false); v.Voided == nil || v.Voided.By != "dpo" || v.Voided.Reason != "recorded twice" {
		t.Errorf("the view carries voided: %+v", v.Voided)
	}
	sum := Summarize(c, st, 2)
	if !sum.Voided || sum.Running() || Countdown(&sum, day(1)) != "voided" {
		t.Errorf("a voided case has no running clock: %+v", sum)
	}
	refusedWith(t, c, 2, Event{Kind: EventVoided, Reason: "again"}, "already voided on 2025-03-04 by dpo")
	refusedWith(t, c, 2, Event{Kind: EventAcknowledged}, "voided on 2025-03-04 (recorded twice): it takes only a note")
	refusedWith(t, c, 2, Event{Kind: EventCorrected, Field: "subject", Value: "X", Reason: "r"}, "takes only a note")
	refusedWith(t, c, 2, Event{Kind: EventExported, Letter: LetterFinal, Checksum: strings.Repeat("ab", 32)}, "takes only a note")
	record(t, c, 2, Event{Kind: EventNoted, Text: "the real case is DSR-2025-000001"})
	record(t, c, 2, Event{Kind: EventExported, Letter: RecordExport, Checksum: strings.Repeat("ab", 32)})

	// A closed case is voided too; its refusal stays out of the figures.
	closed := newCase(t, RightAccess, nil)
	record(t, closed, 1, Event{Kind: EventClosed, Outcome: OutcomeRefused, Grounds: []Ground{GroundManifestlyUnfounded}, Reason: "r"})
	record(t, closed, 2, Event{Kind: EventVoided, Reason: "the wrong organisation"})
	open := newCase(t, RightAccess, nil)
	var sums []Summary
	for _, x := range []*Case{c, closed, open} {
		sums = append(sums, Summarize(x, state(t, x, 3), 1))
	}
	stats := Statistics(sums, day(3))
	if stats.Voided != 2 || stats.Cases != 1 || stats.Open != 1 || len(stats.RefusalsByGround) != 0 {
		t.Errorf("voided cases are counted apart and nowhere else: %+v", stats)
	}
	var everyOpen, all, voided Narrowing
	all.All, voided.Voided = true, true
	for i, want := range [][3]bool{{false, false, true}, {false, false, true}, {true, true, false}} {
		s := &sums[i]
		if got := [3]bool{everyOpen.Allows(s, day(3)), all.Allows(s, day(3)), voided.Allows(s, day(3))}; got != want {
			t.Errorf("case %d: open/all/voided narrowing %v", i, got)
		}
	}
}

func TestFrozenFactExplained(t *testing.T) {
	a, _ := ActionNamed("correct")
	_, err := a.Events(Values{"field": {"controller"}, "value": {"acme"}, "reason": {"typo"}}, "dpo")
	var r *Refused
	if !errors.As(err, &r) || r.Field != "field" || !strings.Contains(err.Error(), "void the case") ||
		!strings.Contains(err.Error(), "one of: subject, email") {
		t.Fatalf("got %v", err)
	}
	evs, err := a.Events(Values{"field": {"email"}, "value": {"z@example.org"}, "reason": {"typo"}}, "dpo")
	if err != nil || evs[0].Field != "email" || evs[0].Value != "z@example.org" || evs[0].Reason != "typo" {
		t.Fatalf("%+v %v", evs, err)
	}
}

// TestIntakeCountsRequestsThatStand: a request counts once in the intake
// chart; one whose first case was voided counts by another of its cases,
// one whose every case was voided not at all.
func TestIntakeCountsRequestsThatStand(t *testing.T) {
	today := NewDate(2026, 3, 12) // a Thursday; its week starts on Monday 9 March
	in := NewDate(2026, 3, 10)
	ss := []Summary{
		{ID: "R1", RequestID: "R1", ReceiptDate: in, Voided: true},
		{ID: "R1-b", RequestID: "R1", ReceiptDate: in},
		{ID: "R1-c", RequestID: "R1", ReceiptDate: in},
		{ID: "R2", RequestID: "R2", ReceiptDate: in, Voided: true},
		{ID: "R3", RequestID: "R3", ReceiptDate: in},
		{ID: "R3-b", RequestID: "R3", ReceiptDate: in},
	}
	weeks := IntakePerWeek(ss, today, 2)
	if weeks[1].Start != NewDate(2026, 3, 9) || weeks[1].Count != 2 || weeks[0].Count != 0 {
		t.Errorf("intake per week: %+v, want 2 requests in the week of 9 March", weeks)
	}
}
