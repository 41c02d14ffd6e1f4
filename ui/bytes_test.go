package ui

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// counted is the terminal: what the program writes, counted.
type counted struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *counted) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *counted) Len() int { c.mu.Lock(); defer c.mu.Unlock(); return c.buf.Len() }

func (c *counted) String() string { c.mu.Lock(); defer c.mu.Unlock(); return c.buf.String() }

// settled waits until the program has written what it will, and returns
// how much that is in all.
func (c *counted) settled(t *testing.T, what func(string) bool) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last, stable := -1, 0
	for {
		n := c.Len()
		if n == last && what(c.String()) {
			if stable++; stable >= 10 { // 200 ms without a byte
				return n
			}
		} else {
			stable = 0
		}
		last = n
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never settled; it shows:\n%s", c.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIdleMinuteBytes is the worst idle minute over a slow link: the
// minute in which every visible countdown's hours change and the header's
// clock turns (twenty rows all due at the end of the same day). Bytes
// written to the terminal, target 1 KB; the renderer writes only the
// cells that changed.
func TestIdleMinuteBytes(t *testing.T) {
	s := initialised(t, filepath.Join(t.TempDir(), "cases.db"), storage.Options{})
	lc := &lockedClock{t: time.Date(2026, 4, 2, 18, 59, 30, 0, time.UTC)}
	for i := range 22 {
		// Received on 2 March (due tonight, 21:59:59 UTC) and on the days
		// after (due on the days after), all in Paris.
		_, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
			Subject:    cases.Subject{Name: fmt.Sprintf("Subject Number%02d", i), Email: fmt.Sprintf("s%02d@example.org", i)},
			ReceivedAt: time.Date(2026, 3, 2+i, 9, 0, 0, 0, time.UTC)}, paris, lc.t, "anna")
		if err != nil {
			t.Fatal(err)
		}
	}
	out := &counted{}
	m := New(Options{Store: s, Clock: lc, Actor: "anna", Title: "idle", Tick: 20 * time.Millisecond, Poll: time.Hour})
	p := tea.NewProgram(m, tea.WithOutput(out), tea.WithInput(strings.NewReader("")), tea.WithWindowSize(80, 24),
		tea.WithColorProfile(colorprofile.ANSI), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	defer func() { p.Quit(); <-done }()

	before := out.settled(t, func(s string) bool { return strings.Contains(s, "case 1 of 22") && strings.Contains(s, "18:59") })
	lc.set(time.Date(2026, 4, 2, 19, 0, 30, 0, time.UTC))
	// Only the changed cells are written: "9:00" of the clock, "2" of each
	// countdown's hours.
	after := out.settled(t, func(s string) bool {
		return strings.Contains(s[before:], "9:00") && strings.Count(s[before:], "2") >= 20
	})
	written := after - before
	t.Logf("the minute in which 20 countdowns and the clock change: %d bytes written", written)
	if written > 1024 {
		t.Errorf("%d bytes written in an idle minute (target 1 KB):\n%q", written, out.String()[before:])
	}
	if written == 0 {
		t.Error("nothing written: the countdowns did not change")
	}
}
