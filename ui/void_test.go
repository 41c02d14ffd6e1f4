package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// TestVoidedCasesLeaveTheQueue: a case voided before the app starts is
// not among the queue's rows, its count or its filters; one voided by a
// colleague while the app runs leaves at the next poll; the overview
// counts both apart and in no other figure.
func TestVoidedCasesLeaveTheQueue(t *testing.T) {
	s, c, ids := fixture(t)
	void := func(id string) {
		t.Helper()
		if _, err := s.Apply(id, cases.Event{Kind: cases.EventVoided, Reason: "recorded by mistake", Actor: "marc"}, storage.NoRevision, c.t); err != nil {
			t.Fatal(err)
		}
	}
	void(ids[0]) // the most urgent one (the third is closed)
	m := New(Options{Store: s, Clock: c, Actor: "anna", Title: "test", Tick: time.Millisecond, Poll: time.Millisecond})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	screen := frame(m)
	if strings.Contains(screen, ids[0]) || !strings.Contains(screen, ids[1]) || !strings.Contains(screen, "case 1 of 2") ||
		!strings.Contains(screen, "1 open") {
		t.Fatalf("a case voided before the start is in the queue:\n%s", screen)
	}
	m = drive(t, m, keyPress("w")) // due within 7 days: the voided one was
	if strings.Contains(frame(m), ids[0]) {
		t.Errorf("the week's filter shows a voided case:\n%s", frame(m))
	}
	m = drive(t, m, keyPress("x"))

	void(ids[1])
	m = drive(t, m, m.refresh()())
	if screen := frame(m); strings.Contains(screen, ids[1]) || !strings.Contains(screen, "case 1 of 1") {
		t.Fatalf("a case voided meanwhile stays in the queue:\n%s", screen)
	}
	if len(m.queue.snap.voided) != 2 {
		t.Errorf("voided kept apart: %d", len(m.queue.snap.voided))
	}
	ov := overviewFigures(m.queue.snap.summaries(), m.queue.snap.voided, "", m.now)
	if ov.stats.Voided != 2 || ov.stats.Cases != 1 || ov.stats.Open != 0 {
		t.Errorf("overview figures: %+v", ov.stats)
	}
	m = drive(t, m, keyPress("v"))
	if screen := frame(m); !strings.Contains(screen, "voided, in no figure 2") || !strings.Contains(screen, "1 case,") {
		t.Errorf("the overview:\n%s", screen)
	}
	// Out of the queue, not out of reach: its exact ID opens it.
	m = drive(t, m, keyPress("esc"))
	m = press(t, m, "/")
	m = typeText(t, m, ids[0])
	m = press(t, m, "enter")
	if m.screen != screenCase || m.kase.detail == nil || m.kase.detail.loaded.Case.ID != ids[0] || !strings.Contains(ansi.Strip(caseText(m)), "VOIDED") {
		t.Fatalf("the voided case's ID typed in the filter:\n%s", frame(m))
	}
}

// TestVoidedCaseOffersOnlyANote: on a voided case the forms the service
// would refuse say why instead of opening; the note's opens.
func TestVoidedCaseOffersOnlyANote(t *testing.T) {
	m, s, c, ids := formFixture(t)
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventVoided, Reason: "recorded twice", Actor: "anna"}, storage.NoRevision, c.t); err != nil {
		t.Fatal(err)
	}
	m = drive(t, m, m.openCase(ids[0], false)())
	if text := ansi.Strip(caseText(m)); !strings.Contains(text, "VOIDED Thu 2 Apr 2026 20:00 CEST by anna: recorded twice") || strings.Contains(text, "Draft:") {
		t.Fatalf("the case screen says VOIDED, and no draft of a letter:\n%s", text)
	}
	m = drive(t, m, keyPress("A"))
	if m.form != nil || !strings.Contains(frame(m), "acknowledge: the case was voided on 2026-04-02: it takes only a note") {
		t.Errorf("acknowledge on a voided case:\n%s", frame(m))
	}
	m = drive(t, m, keyPress("n"))
	if m.form == nil || m.form.name != "note" {
		t.Errorf("a note on a voided case: %v", m.err)
	}
}

// TestCorrectionFormSaysWhatTheCaseHolds: each fact of the correction
// form says the case's value now (the e-mail masked), and the form sends
// a corrected event the case screen then shows.
func TestCorrectionFormSaysWhatTheCaseHolds(t *testing.T) {
	m, s, _, ids := formFixture(t)
	m = drive(t, m, keyPress("C"))
	if m.form == nil || !strings.Contains(frame(m), "‹ subject (now Grażyna Woźniak) ›") {
		t.Fatalf("the correction form:\n%s", frame(m))
	}
	m = drive(t, m, keyPress("right"))
	if !strings.Contains(frame(m), "‹ email (now g***@example.org) ›") {
		t.Fatalf("the next fact:\n%s", frame(m))
	}
	m = drive(t, m, keyPress("tab"))
	m = typeText(t, m, "grazyna.w@example.org")
	m = drive(t, m, keyPress("tab"))
	m = typeText(t, m, "a typo at intake")
	m = drive(t, m, keyPress("enter"))
	ev := lastEvent(t, s, ids[0])
	if ev.Kind != cases.EventCorrected || ev.Field != "email" || ev.Value != "grazyna.w@example.org" || ev.Reason != "a typo at intake" {
		t.Fatalf("recorded %+v\n%s", ev, frame(m))
	}
	if l, _ := s.Get(ids[0]); l.Case.Subject.Email != "grazyna.w@example.org" {
		t.Errorf("the case's e-mail: %q", l.Case.Subject.Email)
	}
}

// TestCorrectionFormMasksTheContactDetails: the correction form names
// what the case holds with the contact details masked, as the case
// screen does until r reveals them (a reveal is logged; this is not one).
func TestCorrectionFormMasksTheContactDetails(t *testing.T) {
	d := &caseDetail{loaded: &storage.Loaded{Case: &cases.Case{Subject: cases.Subject{Name: "Ana",
		Email: "ana@example.org", Phone: "+33 6 12 34 56 78", PostalAddress: "12 rue de la Paix, 75002 Paris"}}}}
	for name, clear := range map[string]string{"email": "ana@", "phone": "12 34 56", "postal-address": "rue de la Paix"} {
		if got := currentFact(d, name); got == "" || strings.Contains(got, clear) {
			t.Errorf("%s: %q shows %q", name, got, clear)
		}
	}
}
