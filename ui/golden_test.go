package ui

import (
	"path/filepath"
	"strings"
	"sync"
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

// The golden frames are the screens with colour stripped, at the two sizes
// the app is designed for; go test ./ui -update refreshes them for review.
func TestGoldenFrames(t *testing.T) {
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

// lockedClock is a clock the test moves while the program reads it.
type lockedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *lockedClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *lockedClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// TestProgramLiveCountdownAndResize runs the program with no key pressed
// while the clock passes a deadline: the row turns overdue by itself; then
// the overdue quick filter, and a narrow window that keeps the ID and the
// countdown whole.
func TestProgramLiveCountdownAndResize(t *testing.T) {
	s, c, ids := fixture(t)
	lc := &lockedClock{t: c.t}
	m := New(Options{Store: s, Clock: lc, Actor: "anna", Title: "live", Tick: 20 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "today 3h") },
		teatest.WithDuration(5*time.Second))
	lc.set(c.t.Add(4 * time.Hour)) // 22:00 UTC: Thursday has ended in Paris
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "1d OVERDUE") },
		teatest.WithDuration(5*time.Second))
	tm.Send(keyPress("o"))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "1 of 3 cases") },
		teatest.WithDuration(5*time.Second))
	tm.Send(tea.WindowSizeMsg{Width: 50, Height: 12})
	tm.Send(keyPress("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	lines := strings.Split(frame(final), "\n")
	if len(lines) != 12 || !strings.Contains(lines[2], "!!"+ids[0]) || !strings.Contains(lines[2], "1d OVERDUE") || strings.Contains(frame(final), ids[1]) {
		t.Fatalf("final frame at 50x12:\n%s", frame(final))
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > 50 {
			t.Errorf("%q is wider than 50 cells", l)
		}
	}
}

// TestGoldenRichCase: a case with everything the case screen shows (a
// parent asking for a child, the request's words with a control sequence
// that must not reach the terminal, a pause for identity, a note, a data
// copy, the organisation's register), at the top and at the end.
func TestGoldenRichCase(t *testing.T) {
	regs := registers(t)
	s := initialised(t, filepath.Join(t.TempDir(), "cases.db"), storage.Options{})
	now := time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC)
	cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess, cases.RightErasure},
		Subject:   cases.Subject{Name: "Léo Marchand", Email: "leo.marchand@example.org", PostalAddress: "12 rue des Lilas, 75011 Paris"},
		Requester: &cases.Requester{Name: "Claire Marchand", Relation: cases.RelationParent}, Channel: cases.ChannelEmail,
		Text:       "Please send my son's data, then delete his account.\x1b[2J\x1b]0;pwned\x07 He is 14.",
		ReceivedAt: time.Date(2026, 3, 9, 8, 30, 0, 0, time.UTC)}, paris, time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC), "anna")
	if err != nil {
		t.Fatal(err)
	}
	id := cs[0].ID
	for _, a := range []storage.Action{
		{Event: cases.Event{Kind: cases.EventAcknowledged, Actor: "anna"}, At: "2026-03-09T11:00:00+01:00"},
		{Event: cases.Event{Kind: cases.EventIDRequested, Reason: "a parent asks: proof of parental responsibility", Actor: "anna"}, At: "2026-03-10T09:00:00+01:00"},
		{Event: cases.Event{Kind: cases.EventIDReceived, Actor: "marc"}, At: "2026-03-16T14:00:00+01:00"},
		{Event: cases.Event{Kind: cases.EventNoted, Text: "Birth certificate seen; not kept (identity documents are never attached).", Actor: "marc"}, At: "2026-03-16T14:05:00+01:00"},
		{Event: cases.Event{Kind: cases.EventAttached, Actor: "anna", Attachment: &cases.Attachment{Name: "crm-contacts.csv",
			Kind: cases.AttachmentDataCopy, Category: "contact details", System: "CRM"}}, At: "2026-03-20T10:00:00+01:00",
			Content: []byte("name,email\nLéo Marchand,leo.marchand@example.org\n")},
	} {
		// Each recorded as it happened (the case's timeline is not backdated).
		a.IfRevision = storage.NoRevision
		at, err := time.Parse(time.RFC3339, a.At)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Do(id, []storage.Action{a}, at.Add(time.Minute)); err != nil {
			t.Fatalf("%s: %v", a.Event.Kind, err)
		}
	}
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x40", 120, 40}} {
		m := New(Options{Store: s, Clock: &clock{t: now}, Actor: "anna", Title: "test", Registers: regs})
		m = drive(t, m, tea.WindowSizeMsg{Width: size.w, Height: size.h})
		m = drive(t, m, m.loadQueue("")())
		m.moveTo(id)
		m = drive(t, m, keyPress("enter"))
		out := frame(m)
		if strings.ContainsAny(m.View().Content, "\x07") || strings.Contains(out, "\x1b") {
			t.Fatalf("a control sequence from the request reached the terminal: %q", out)
		}
		t.Run("top_"+size.name, func(t *testing.T) { golden.RequireEqual(t, out) })
		m = drive(t, m, keyPress("G"))
		t.Run("end_"+size.name, func(t *testing.T) { golden.RequireEqual(t, frame(m)) })
	}
}
