package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// approvalSum is the SHA-256 recorded by the fixture's export.
var approvalSum = strings.Repeat("5e", 32)

// approvalFixture is the three-case fixture plus an access request under
// rules asking approval for every final letter, closed as refused by marc
// on 1 April, its final letter exported by marc: it waits for approval.
func approvalFixture(t *testing.T) (*storage.Store, *clock, []string) {
	t.Helper()
	s, clk, ids := fixture(t)
	rules := paris
	rules.Approval = []cases.ApprovalCondition{cases.ApprovalFinal}
	received := time.Date(2026, 3, 23, 9, 0, 0, 0, time.UTC)
	cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Inès Duval", Email: "ines@example.org"}, ReceivedAt: received}, rules, received, "marc")
	if err != nil {
		t.Fatal(err)
	}
	id := cs[0].ID
	at := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
	for _, ev := range []cases.Event{
		{Kind: cases.EventClosed, Outcome: cases.OutcomeRefused, Grounds: []cases.Ground{cases.GroundManifestlyUnfounded},
			Reason: "the fifth identical request this month"},
		{Kind: cases.EventExported, Letter: cases.LetterFinal, Checksum: approvalSum},
	} {
		ev.Actor, ev.At = "marc", at
		if _, err := s.Apply(id, ev, storage.NoRevision, at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	return s, clk, append(ids, id)
}

// approvalLetter is the letter the fixture's export rebuilds into.
func approvalLetterOf(id string, kind cases.LetterKind) (*Letter, error) {
	md := "# Your request of 23 March 2026\n\nDear Inès Duval,\n\nWe refuse your request: it is the **fifth identical " +
		"request this month** (Art. 12(5) GDPR).\n\n- You may complain to the CNIL.\n- You may go to court.\n"
	return &Letter{Kind: kind, Markdown: []byte(md), SHA256: approvalSum}, nil
}

func approvalModel(t *testing.T, s *storage.Store, clk *clock, w, h int) Model {
	t.Helper()
	m := New(Options{Store: s, Clock: clk, Actor: "anna", Title: "test", Registers: registers(t), Letter: approvalLetterOf})
	m = drive(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return drive(t, m, m.loadQueue("")())
}

// TestQuickFilterWaitingForApproval: a shows only the case whose exported
// letter waits for approval, and says so; once approved it leaves.
func TestQuickFilterWaitingForApproval(t *testing.T) {
	s, clk, ids := approvalFixture(t)
	m := approvalModel(t, s, clk, 80, 24)
	m = press(t, m, "a")
	f := frame(m)
	if !strings.Contains(f, ids[3]) || strings.Contains(f, ids[0]) || !strings.Contains(f, "waiting for approval") {
		t.Fatalf("quick filter a:\n%s", f)
	}
	ev := cases.Event{Kind: cases.EventApproved, Letter: cases.LetterFinal, Actor: "anna"}
	if _, err := s.Apply(ids[3], ev, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = approvalModel(t, s, clk, 80, 24)
	if f := frame(press(t, m, "a")); strings.Contains(f, ids[3]) {
		t.Fatalf("an approved letter still waits:\n%s", f)
	}
}

// TestGoldenApproval: the approval screen at 80x24, its top and its end
// (go test ./ui -update refreshes them).
func TestGoldenApproval(t *testing.T) {
	s, clk, ids := approvalFixture(t)
	m := approvalModel(t, s, clk, 80, 24)
	m.moveTo(ids[3])
	m = press(t, m, "enter", "L")
	if m.kase.approval == nil {
		t.Fatalf("L opens no approval screen:\n%s", frame(m))
	}
	t.Run("top_80x24", func(t *testing.T) { golden.RequireEqual(t, frame(m)) })
	t.Run("end_80x24", func(t *testing.T) { golden.RequireEqual(t, frame(press(t, m, "G"))) })
	for _, want := range []string{"the final letter before it leaves", "exported by marc", "needs approval", "final",
		"fifth identical request this month", "Work list", "Withheld from the subject", "Gaps"} {
		if !strings.Contains(ansi.Strip(m.kase.approval.view.GetContent()), want) {
			t.Errorf("the approval screen lacks %q", want)
		}
	}
}

// TestTheApprovalScreenHelpsAndAsks: ? lists the approval screen's keys;
// y opens the form whose question is about approving, not sending; the
// letter's reading is in the access log.
func TestTheApprovalScreenHelpsAndAsks(t *testing.T) {
	s, clk, ids := approvalFixture(t)
	m := approvalModel(t, s, clk, 80, 24)
	m.moveTo(ids[3])
	m = press(t, m, "enter", "L")
	if f := frame(press(t, m, "?")); !strings.Contains(f, "keys on a letter before it leaves") || !strings.Contains(f, "send back") {
		t.Fatalf("? on the approval screen:\n%s", f)
	}
	if f := frame(press(t, m, "y", "enter")); !strings.Contains(f, "Record the approval of the final letter of "+ids[3]) || strings.Contains(f, "Send?") {
		t.Fatalf("the approval's question:\n%s", f)
	}
	// The letter shows the contact details in full: its reading is logged.
	if log, err := s.AccessLog(ids[3]); err != nil || len(log) == 0 || log[len(log)-1].What != "read the final letter, contact details included" || log[len(log)-1].Actor != "anna" {
		t.Fatalf("the access log after the letter was read: %+v %v", log, err)
	}
}

// TestApproveFromTheScreen: y asks, then records anna's approval of the
// packet shown; the exporter would be refused.
func TestApproveFromTheScreen(t *testing.T) {
	s, clk, ids := approvalFixture(t)
	m := approvalModel(t, s, clk, 80, 24)
	m.moveTo(ids[3])
	m = press(t, m, "enter", "L", "y", "enter", "y")
	e := lastEvent(t, s, ids[3])
	if e.Kind != cases.EventApproved || e.Actor != "anna" || e.Checksum != approvalSum || e.Letter != cases.LetterFinal ||
		len(e.Overridden) != 0 {
		t.Fatalf("stored %+v\n%s", e, frame(m))
	}
}

// TestProgramRejects runs the real program: L on the case, x, the reason,
// and the letter is sent back; under an overridden actor an approval is
// marked so.
func TestProgramRejects(t *testing.T) {
	s, clk, ids := approvalFixture(t)
	m := New(Options{Store: s, Clock: clk, Actor: "anna", Title: "flow", Registers: registers(t), Letter: approvalLetterOf,
		ActorOverridden: true})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(ansi.Strip(string(b)), what) },
			teatest.WithDuration(5*time.Second))
	}
	wait(ids[3])
	tm.Send(keyPress("/"))
	tm.Type(ids[3])
	tm.Send(keyPress("enter"))
	wait("refusal by") // the case screen: the queue row names Inès Duval too
	tm.Send(keyPress("L"))
	wait("the final letter before it leaves")
	tm.Send(keyPress("x"))
	wait("Send the letter back")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Type("name the earlier requests")
	tm.Send(keyPress("enter"))
	tm.Send(keyPress("y"))
	wait("rejected recorded")
	tm.Send(keyPress("L"))
	wait("sent back by anna")
	tm.Send(keyPress("y"))
	tm.Send(keyPress("enter"))
	tm.Send(keyPress("y"))
	wait("RIGHTSDESK_ACTOR (anna)") // the warning under "approved recorded", which the renderer writes over "rejected recorded"
	tm.Send(keyPress("esc"))        // the notice
	tm.Send(keyPress("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	e := lastEvent(t, s, ids[3])
	if e.Kind != cases.EventApproved || len(e.Overridden) != 1 {
		t.Fatalf("stored %+v\n%s", e, frame(final))
	}
	l, _ := s.Get(ids[3])
	rejected := l.Case.Events[len(l.Case.Events)-2]
	if rejected.Kind != cases.EventRejected || rejected.Reason != "name the earlier requests" {
		t.Fatalf("rejection %+v", rejected)
	}
}
