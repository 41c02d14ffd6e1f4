package cases

import (
	"slices"
	"time"
)

// Week is the span of "due within 7 days": the queue's w, the overview's
// figure and list --due-within 7d count the same cases.
const Week = 7 * 24 * time.Hour

// Running reports whether the case is open with its clock running toward
// a due instant: the only cases that can be overdue or due soon (a voided
// case has no running clock).
func (s *Summary) Running() bool {
	return !s.Closed() && !s.Voided && s.Clock == ClockRunning && !s.EffectiveDueAt.IsZero()
}

// Overdue reports whether a case still owing its answer (a running case,
// or one closed with its answer not sent: AnswerNotSent) is past its
// effective due instant.
func (s *Summary) Overdue(now time.Time) bool {
	return s.awaitsAnswer() && s.EffectiveDueAt.Before(now)
}

// DueWithin reports whether a case still owing its answer (as Overdue)
// falls due before now+span, overdue ones included: they are due sooner
// still. The overview's "due within 7 days", the queue's w and list
// --due-within all count with it.
func (s *Summary) DueWithin(now time.Time, span time.Duration) bool {
	return s.awaitsAnswer() && s.EffectiveDueAt.Before(now.Add(span))
}

// Timeliness is how an answer stands against its deadline.
type Timeliness string

// The timeliness of a case in the register of requests.
const (
	TimelinessOnTime           Timeliness = "on-time"
	TimelinessLate             Timeliness = "late"
	TimelinessOpen             Timeliness = "open"
	TimelinessClosedUnanswered Timeliness = "closed-unanswered"
)

// Timeliness judges the case: answered on time when the answering letter's
// civil date is on or before the legal due date in force (extended where
// the extension is valid; the law is met by informing the subject, not by
// closing the case), late otherwise; open, or closed without an answer on
// record, when nothing answered it. Where the law sets no date (a
// complaint), the effective due date (the promise or the internal target)
// is the measure. The organisation's own promise is judged apart
// (PromiseKept).
func (s *Summary) Timeliness() Timeliness {
	due := s.LegalDue
	if due.IsZero() {
		due = s.EffectiveDue
	}
	switch {
	case !s.AnsweredOn.IsZero() && !due.IsZero() && !s.AnsweredOn.After(due):
		return TimelinessOnTime
	case !s.AnsweredOn.IsZero():
		return TimelinessLate
	case s.Closed():
		return TimelinessClosedUnanswered
	}
	return TimelinessOpen
}

// PromiseKept reports whether the answer went by the organisation's own
// promise, and whether there is a verdict at all: a case without a
// promise, or not answered yet, is neither kept nor broken.
func (s *Summary) PromiseKept() (kept, judged bool) {
	if s.PromiseDue.IsZero() || s.AnsweredOn.IsZero() {
		return false, false
	}
	return !s.AnsweredOn.After(s.PromiseDue), true
}

// CountsForTimeliness reports whether the case is in the on-time
// figures: a withdrawn or duplicate request leaves them, whatever was
// sent.
func (s *Summary) CountsForTimeliness() bool {
	return s.Outcome != OutcomeWithdrawn && s.Outcome != OutcomeDuplicate
}

// Narrowing is what narrows the queue besides the typed query: the app's
// quick filters and list's flags are this one description. The zero
// Narrowing is every open case.
type Narrowing struct {
	Statuses   []Status
	Controller string
	Right      Right
	Assignee   string // the app's "mine" is the actor
	Overdue    bool
	DueWithin  time.Duration // > 0: see Summary.DueWithin
	All        bool          // closed cases too
	// AwaitingApproval lets through the cases with a letter exported that
	// waits for approval, judged with the register's current conditions
	// by organisation (RegisterApproval).
	AwaitingApproval bool
	RegisterApproval map[string]Conditions
	// Voided asks for the voided cases, open or closed, and only them: a
	// case recorded by mistake is out of every other narrowing.
	Voided bool
	// AnswerNotSent lets through only the cases closed with their answer
	// not sent (Summary.AnswerNotSent): the queue's u, list --unanswered.
	AnswerNotSent bool
}

// IsZero reports whether nothing narrows.
func (n *Narrowing) IsZero() bool {
	return len(n.Statuses) == 0 && n.Controller == "" && n.Right == "" && n.Assignee == "" &&
		!n.Overdue && n.DueWithin == 0 && !n.All && !n.AwaitingApproval && !n.Voided && !n.AnswerNotSent
}

// WantsClosed reports whether closed cases can pass.
func (n *Narrowing) WantsClosed() bool {
	return n.All || n.AnswerNotSent || slices.Contains(n.Statuses, StatusClosed)
}

// Allows reports whether the case passes, as of now.
func (n *Narrowing) Allows(s *Summary, now time.Time) bool {
	switch {
	case s.Voided != n.Voided:
		return false
	case s.Closed() && !n.WantsClosed() && !n.Voided:
		return false
	case len(n.Statuses) > 0 && !slices.Contains(n.Statuses, s.Status):
		return false
	case n.Controller != "" && s.Controller != n.Controller:
		return false
	case n.Right != "" && s.Right != n.Right:
		return false
	case n.Assignee != "" && s.Assignee != n.Assignee:
		return false
	case n.Overdue && !s.Overdue(now):
		return false
	case n.DueWithin > 0 && !s.DueWithin(now, n.DueWithin):
		return false
	case n.AwaitingApproval && !s.WaitsForApproval(n.RegisterApproval[s.Controller]):
		return false
	case n.AnswerNotSent && !s.AnswerNotSent():
		return false
	}
	return true
}
