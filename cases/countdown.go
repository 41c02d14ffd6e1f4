package cases

import (
	"fmt"
	"time"
)

// Countdown is the time left as the queue and list show it: "12d 4h",
// "today 6h", "3d OVERDUE"; a paused or awaiting clock, a closed case's
// outcome and a voided case in words.
func Countdown(s *Summary, now time.Time) string {
	switch {
	case s.Voided:
		return "voided"
	case s.Closed():
		return string(s.Outcome)
	case s.Clock == ClockPaused:
		return "paused"
	case s.Clock == ClockAwaitingRestart:
		return "awaiting"
	case s.EffectiveDueAt.IsZero(), !countable(s.EffectiveDueAt), !countable(now):
		return "-"
	}
	left := s.EffectiveDueAt.Sub(now)
	if left < 0 {
		// Any part of a day late counts as a day.
		return fmt.Sprintf("%dd OVERDUE", int((-left).Hours()/24)+1)
	}
	days, hours := int(left.Hours())/24, int(left.Hours())%24
	if days == 0 {
		return fmt.Sprintf("today %dh", hours)
	}
	return fmt.Sprintf("%dd %dh", days, hours)
}

// countable reports whether t is within what a countdown can count: the
// years times are accepted in (CheckYear) and the year after, where the
// deadlines of the last of them fall. Go's durations end about 292 years
// out, so a time stored beyond them (a file written by hand) would
// otherwise read as "-106750d OVERDUE".
func countable(t time.Time) bool {
	return t.Year() >= EarliestYear && t.Year() <= LatestYear+1
}

// Urgency is how close an open case's deadline is.
type Urgency int

// The urgency levels, by the effective due instant.
const (
	UrgencyNone    Urgency = iota // closed, paused, awaiting, or more than 7 days left
	UrgencyWeek                   // 7 days or less
	UrgencySoon                   // 3 days or less
	UrgencyOverdue                // past due
)

// UrgencyOf says how close a case's deadline is as of now.
func UrgencyOf(s *Summary, now time.Time) Urgency {
	if s.Closed() || s.Voided || s.Clock != ClockRunning || s.EffectiveDueAt.IsZero() || !countable(s.EffectiveDueAt) || !countable(now) {
		return UrgencyNone
	}
	switch left := s.EffectiveDueAt.Sub(now); {
	case left < 0:
		return UrgencyOverdue
	case left <= 3*24*time.Hour:
		return UrgencySoon
	case left <= 7*24*time.Hour:
		return UrgencyWeek
	}
	return UrgencyNone
}
