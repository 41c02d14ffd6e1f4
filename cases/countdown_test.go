package cases

import (
	"slices"
	"testing"
	"time"
)

// TestAnswerNotSent: a case closed with an outcome that owes a letter, and
// none sent, is urgent by its due date as an open case is: its countdown,
// urgency, place in the urgency order and the figures of the overview.
func TestAnswerNotSent(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	running := func(id string, left time.Duration) Summary {
		return Summary{ID: id, Status: StatusInProgress, Clock: ClockRunning, EffectiveDueAt: now.Add(left)}
	}
	closed := func(id string, o Outcome, left time.Duration, answered bool) Summary {
		s := Summary{ID: id, Status: StatusClosed, Clock: ClockStopped, Outcome: o, EffectiveDueAt: now.Add(left),
			ClosedAt: now.Add(-day)}
		if answered {
			s.AnsweredOn = DateOf(now.Add(-day), time.UTC)
		}
		return s
	}
	for _, o := range Outcomes {
		if want := o != OutcomeWithdrawn && o != OutcomeDuplicate; o.OwesAnswer() != want {
			t.Errorf("%s owes an answer: %v", o, !want)
		}
	}
	unsent := closed("A-unsent", OutcomeFulfilled, 2*day+time.Hour, false)
	late := closed("A-late", OutcomeRefused, -3*day+time.Hour, false)
	answered := closed("A-answered", OutcomeFulfilled, 2*day, true)
	withdrawn := closed("A-withdrawn", OutcomeWithdrawn, 2*day, false)
	voided := closed("A-voided", OutcomeFulfilled, 2*day, false)
	voided.Voided = true
	for _, c := range []struct {
		s         Summary
		unsent    bool
		countdown string
		urgency   Urgency
	}{
		{unsent, true, "answer not sent · 2d 1h", UrgencySoon},
		{late, true, "answer not sent · 3d OVERDUE", UrgencyOverdue},
		{answered, false, "fulfilled", UrgencyNone},
		{withdrawn, false, "withdrawn", UrgencyNone},
		{voided, false, "voided", UrgencyNone},
		{running("A-open", 2*day), false, "2d 0h", UrgencySoon},
	} {
		if got := c.s.AnswerNotSent(); got != c.unsent {
			t.Errorf("%s: answer not sent %v", c.s.ID, got)
		}
		if got := Countdown(&c.s, now); got != c.countdown {
			t.Errorf("%s: countdown %q, want %q", c.s.ID, got, c.countdown)
		}
		if got := UrgencyOf(&c.s, now); got != c.urgency {
			t.Errorf("%s: urgency %v, want %v", c.s.ID, got, c.urgency)
		}
	}
	// No due instant (closed while awaiting a restart): the words alone,
	// and it waits ahead of the closed cases.
	noDue := closed("A-nodue", OutcomeLapsed, 0, false)
	noDue.EffectiveDueAt = time.Time{}
	if got := Countdown(&noDue, now); got != "answer not sent" {
		t.Errorf("without a due instant: %q", got)
	}
	ss := []Summary{answered, withdrawn, noDue, running("A-open-10d", 10*day), unsent, running("A-open-1d", day), late}
	SortByUrgency(ss)
	var order []string
	for _, s := range ss {
		order = append(order, s.ID)
	}
	want := []string{"A-late", "A-open-1d", "A-unsent", "A-open-10d", "A-nodue", "A-answered", "A-withdrawn"}
	if !slices.Equal(order, want) {
		t.Errorf("urgency order %v, want %v", order, want)
	}
	st := Statistics(ss, now)
	if st.AnswerNotSent != 3 || st.Overdue != 1 || st.DueThisWeek != 3 || st.ClosedUnanswered != 4 || st.Open != 2 {
		t.Errorf("figures: answer not sent %d (want 3), overdue %d (1), due this week %d (3), closed unanswered %d (4), open %d (2)",
			st.AnswerNotSent, st.Overdue, st.DueThisWeek, st.ClosedUnanswered, st.Open)
	}
	n := Narrowing{AnswerNotSent: true}
	var through []string
	for i := range ss {
		if n.Allows(&ss[i], now) {
			through = append(through, ss[i].ID)
		}
	}
	if !slices.Equal(through, []string{"A-late", "A-unsent", "A-nodue"}) || n.IsZero() {
		t.Errorf("the answer-not-sent narrowing lets through %v", through)
	}
}
