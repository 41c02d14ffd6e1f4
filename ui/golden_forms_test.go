package ui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

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
					m = drive(t, m, m.openCase(m.detail.loaded.Case.ID, false)())
				}
				m = drive(t, m, tea.WindowSizeMsg{Width: size.w, Height: size.h})
				m = press(t, m, scene.keys...)
				golden.RequireEqual(t, frame(m))
			})
		}
	}
}
