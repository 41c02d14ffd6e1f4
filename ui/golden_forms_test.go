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
)

// TestGoldenForms: the forms, the action list, the bulk question, the
// overview and the case screen's help, as a user sees them at 80x24 and
// 120x40 (go test ./ui -update refreshes them for review).
func TestGoldenForms(t *testing.T) {
	for _, scene := range []struct {
		name string
		late bool // the clock after the extension notice window
		keys []string
	}{
		{"actions", false, []string{"enter"}},
		{"close", false, []string{"c", "right", "right", "down", "right", "right", "space", "down", "=The identity could not be established."}},
		{"close_question", false, []string{"c", "enter"}},
		{"extend_late", true, []string{"x", "=records in twelve systems"}},
		{"send", false, []string{"s"}},
		{"attach", false, []string{"+"}},
		{"withhold_none", false, []string{"w"}},
		{"export", false, []string{"e"}},
		{"new_request", false, []string{"esc", "n", "right", "right", "tab", "space", "tab", "=Jan Nowak"}},
		{"bulk_question", false, []string{"esc", "A", "=marc", "enter"}},
		{"overview", false, []string{"esc", "v"}},
		{"help_case", false, []string{"?"}},
	} {
		for _, size := range []struct {
			name string
			w, h int
		}{{"80x24", 80, 24}, {"120x40", 120, 40}} {
			t.Run(scene.name+"_"+size.name, func(t *testing.T) {
				m, _, clk, _ := formFixture(t)
				m.opt.Export = func(string, cases.LetterKind) (*Exported, error) { return nil, nil }
				if scene.late {
					clk.t = time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)
					m = drive(t, m, m.openCase(m.kase.detail.loaded.Case.ID, false)())
				}
				m = drive(t, m, tea.WindowSizeMsg{Width: size.w, Height: size.h})
				m = press(t, m, scene.keys...)
				golden.RequireEqual(t, frame(m))
			})
		}
	}
}

// TestProgramFormFlow runs the real program through a form: open the case
// due tonight, list its actions, close it refused with a ground and reasons
// after the question, and see the row change on the queue.
func TestProgramFormFlow(t *testing.T) {
	s, c, ids := fixture(t)
	m := New(Options{Store: s, Clock: c, Actor: "anna", Title: "flow", Registers: registers(t)})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(ansi.Strip(string(b)), what) },
			teatest.WithDuration(5*time.Second))
	}
	wait(ids[0])
	tm.Send(keyPress("enter"))
	wait("effective due")
	tm.Send(keyPress("enter"))
	wait("Actions on " + ids[0])
	tm.Send(keyPress("c"))
	wait("Close the case with its outcome")
	for _, k := range []tea.KeyPressMsg{{Code: tea.KeyRight}, {Code: tea.KeyRight}, {Code: tea.KeyDown},
		{Code: tea.KeySpace, Text: " "}, {Code: tea.KeyDown}} {
		tm.Send(k)
	}
	tm.Type("The fifth identical request this month.")
	tm.Send(keyPress("enter"))
	wait("as refused (manifestly-unfounded)?")
	tm.Send(keyPress("y"))
	wait("closed recorded")
	tm.Send(keyPress("esc"))
	tm.Send(keyPress("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	// Refused and closed, the letter not sent yet: urgent until it goes.
	if out := frame(final); final.screen != screenQueue || !strings.Contains(out, "not sent") {
		t.Fatalf("final frame:\n%s", out)
	}
	l, err := s.Get(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	e := l.Case.Events[len(l.Case.Events)-1]
	if e.Kind != cases.EventClosed || e.Outcome != cases.OutcomeRefused || e.Reason != "The fifth identical request this month." ||
		len(e.Grounds) != 1 || e.Grounds[0] != cases.GroundManifestlyUnfounded {
		t.Fatalf("stored %+v", e)
	}
}
