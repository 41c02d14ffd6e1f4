package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// The golden frames are the screens with colour stripped, at the two sizes
// the app is designed for; go test ./ui -update refreshes them for review.
func TestGoldenFrames(t *testing.T) {
	time.Local = time.UTC // the header's clock
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x40", 120, 40}} {
		t.Run("queue_"+size.name, func(t *testing.T) {
			m, _, _, _ := start(t, size.w, size.h)
			golden.RequireEqual(t, frame(m))
		})
		t.Run("case_"+size.name, func(t *testing.T) {
			m, _, _, _ := start(t, size.w, size.h)
			m = drive(t, m, keyPress("enter"))
			golden.RequireEqual(t, frame(m))
		})
	}
}

// TestProgramFlow runs the real Bubble Tea program on the model with a
// pinned size, clock and colour profile: filter, open, back, quit.
func TestProgramFlow(t *testing.T) {
	s, c, ids := fixture(t)
	m := New(Options{Store: s, Clock: c, Actor: "anna", Title: "flow"})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), ids[2]) },
		teatest.WithDuration(5*time.Second))
	tm.Send(keyPress("/"))
	tm.Type("holm")
	tm.Send(keyPress("enter"))
	tm.Send(keyPress("enter"))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "Deadline") },
		teatest.WithDuration(5*time.Second))
	tm.Send(keyPress("esc"))
	tm.Send(keyPress("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	out := frame(final)
	if final.screen != screenQueue || !strings.Contains(out, "filter: /holm") || !strings.Contains(out, ids[2]) || strings.Contains(out, ids[0]) {
		t.Fatalf("final frame:\n%s", out)
	}
}
