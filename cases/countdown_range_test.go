package cases

import (
	"testing"
	"time"
)

func TestCountdownBeyondWhatDurationsHold(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	due := func(t time.Time) *Summary {
		return &Summary{Clock: ClockRunning, Status: StatusNew, EffectiveDueAt: t}
	}
	// The last accepted year: its deadline in the year after still counts.
	// 10 March 2026 to 31 January 2200 is 63,514 calendar days (Python's
	// date arithmetic), and 12:00 to 22:59:59 ten whole hours.
	last := time.Date(2200, 1, 31, 22, 59, 59, 0, time.UTC)
	if got, want := Countdown(due(last), now), "63514d 10h"; got != want {
		t.Errorf("due in 2200: %q, want %q", got, want)
	}
	// Stored beyond (a file written by hand): no overflow into
	// "-106750d OVERDUE", no urgency.
	for _, far := range []time.Time{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if got := Countdown(due(far), now); got != "-" {
			t.Errorf("due %s: %q, want -", far, got)
		}
		if got := UrgencyOf(due(far), now); got != UrgencyNone {
			t.Errorf("due %s: urgency %v", far, got)
		}
		if got := Countdown(due(now), far); got != "-" {
			t.Errorf("now %s: %q, want -", far, got)
		}
	}
}

// TestAForwardedCaseIsNotOverdue: an open case whose clock stopped when
// the request was forwarded owes no answer by its old due date: its
// countdown says forwarded, never OVERDUE, and it is not overdue.
func TestAForwardedCaseIsNotOverdue(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s := &Summary{Clock: ClockStopped, Status: StatusInProgress, EffectiveDueAt: now.Add(-72 * time.Hour)}
	if got := Countdown(s, now); got != "forwarded" {
		t.Errorf("countdown %q, want forwarded", got)
	}
	if s.Overdue(now) {
		t.Error("a forwarded case is overdue")
	}
}
