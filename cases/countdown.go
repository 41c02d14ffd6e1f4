package cases

import (
	"fmt"
	"time"
)

// OwesAnswer reports whether a case closed with this outcome still owes
// the subject a letter: every outcome does except two. A withdrawn request
// asks for nothing any more (the subject took it back; the law asks no
// letter, a courtesy note is the organisation's choice), and a duplicate
// is answered in the case it repeats (a second letter would say the same
// twice). A redirection owes its redirect letter, a lapse its lapse letter
// (PACKETS.md, "Letters by step"), a refusal its Art. 12(4) letter.
func (o Outcome) OwesAnswer() bool {
	return o != OutcomeWithdrawn && o != OutcomeDuplicate
}

// AnswerNotSent reports whether the case was closed without the answer it
// owes having been sent: the law is met by informing the subject, not by
// closing the case, so until the letter goes the case is as urgent as an
// open one, by its due date (Countdown, UrgencyOf, UrgencyLess). A voided
// case owes nothing.
func (s *Summary) AnswerNotSent() bool {
	return s.Closed() && !s.Voided && s.Outcome.OwesAnswer() && s.AnsweredOn.IsZero()
}

// awaitsAnswer reports whether the subject still waits for an answer
// against a due instant: an open case with a running clock, or one closed
// with its answer not sent. These are the cases that can be overdue or due
// soon.
func (s *Summary) awaitsAnswer() bool {
	return s.Running() || (s.AnswerNotSent() && !s.EffectiveDueAt.IsZero())
}

// AnswerNotSentWords is how the queue, list and the case header name the
// state of a case closed with its answer not sent.
const AnswerNotSentWords = "answer not sent"

// Countdown is the time left as the queue and list show it: "12d 4h",
// "today 6h", "3d OVERDUE"; a paused or awaiting clock, a closed case's
// outcome and a voided case in words; a case closed with its answer not
// sent says so before its time left ("answer not sent · 3d 4h"), which
// runs to the due date as an open case's does.
func Countdown(s *Summary, now time.Time) string {
	switch {
	case s.Voided:
		return "voided"
	case s.AnswerNotSent():
		if left := TimeLeft(s.EffectiveDueAt, now); left != "-" {
			return AnswerNotSentWords + " · " + left
		}
		return AnswerNotSentWords
	case s.Closed():
		return string(s.Outcome)
	case s.Clock == ClockPaused:
		return "paused"
	case s.Clock == ClockAwaitingRestart:
		return "awaiting"
	case s.Clock == ClockStopped:
		// An open case's clock stops only when the request is forwarded to
		// the controller whose data they are: it owes no answer by a date.
		return "forwarded"
	}
	return TimeLeft(s.EffectiveDueAt, now)
}

// TimeLeft is the time from now to a due instant as a countdown says it:
// "12d 4h", "today 6h", "3d OVERDUE"; "-" for no due instant or one beyond
// what can be counted.
func TimeLeft(due, now time.Time) string {
	if due.IsZero() || !countable(due) || !countable(now) {
		return "-"
	}
	left := due.Sub(now)
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

// Urgency is how close the deadline of a case still owing its answer is.
type Urgency int

// The urgency levels, by the effective due instant.
const (
	UrgencyNone    Urgency = iota // answered, paused, awaiting, or more than 7 days left
	UrgencyWeek                   // 7 days or less
	UrgencySoon                   // 3 days or less
	UrgencyOverdue                // past due
)

// UrgencyOf says how close a case's deadline is as of now: an open case
// with a running clock, or a closed one whose answer was not sent.
func UrgencyOf(s *Summary, now time.Time) Urgency {
	if !s.awaitsAnswer() || !countable(s.EffectiveDueAt) || !countable(now) {
		return UrgencyNone
	}
	switch left := s.EffectiveDueAt.Sub(now); {
	case left < 0:
		return UrgencyOverdue
	case left <= 3*24*time.Hour:
		return UrgencySoon
	case left <= Week:
		return UrgencyWeek
	}
	return UrgencyNone
}
