package cases

import (
	"math"
	"slices"
	"time"
)

// Stats are the figures the overview screen and the register of requests
// share, computed from the queue's summaries.
//
// Definitions (documented in the README):
//   - A case is answered when a letter that answers it was sent (final,
//     redirect, lapse); it is on time when that letter's civil date is on or
//     before the legal due date in force (Summary.Timeliness): the law is
//     met by informing the subject, not by closing the case. Whether the
//     organisation's own promise was kept is counted beside it. Withdrawn
//     and duplicate requests leave these figures.
//   - Days to answer count calendar days from the receipt date to the answer
//     date, minus the days the clock was paused.
//   - The median of an even count is the mean of the two middle values; the
//     90th percentile is the nearest-rank value (the smallest value with at
//     least 90% of the answers at or below it).
type Stats struct {
	// Voided are the cases recorded by mistake, counted apart and left
	// out of every other figure.
	Voided           int
	Cases            int
	Open             int
	OpenByStatus     map[Status]int
	OpenByController map[string]int
	ByRight          map[Right]int
	// Overdue are the cases still owing their answer past their effective
	// due (Summary.Overdue): open with a running clock, or closed with the
	// answer not sent. What the queue's o shows.
	Overdue int
	// DueThisWeek are the cases still owing their answer due within 7
	// days, overdue ones included (Summary.DueWithin): what the queue's w
	// shows.
	DueThisWeek int
	// AnswerNotSent are the cases closed with the answer they owe not sent
	// (Summary.AnswerNotSent): what the queue's u shows. ClosedUnanswered
	// counts withdrawn and duplicate requests besides, which owe none.
	AnswerNotSent int
	// NoticesDueThisWeek are extensions decided whose notice must be sent
	// within the next 7 days.
	NoticesDueThisWeek int

	Answered   int     // withdrawn and duplicate requests left out
	OnTime     int     // against the legal due date (Summary.Timeliness)
	OnTimeRate float64 // OnTime / Answered, 0 when nothing was answered
	// PromisesJudged are the answered cases that had a promise of the
	// organisation's own; PromisesKept those answered by it.
	PromisesJudged, PromisesKept int
	MedianDays                   float64 // days to answer, paused days excluded
	P90Days                      int
	// ClosedUnanswered are closed cases with no answer sent on record.
	ClosedUnanswered int

	Extensions        int // extensions decided
	ExtensionsInForce int // their notice was sent in time
	ExtensionsLate    int // their notice was sent too late
	RefusalsByGround  map[Ground]int
}

// Statistics counts over summaries as of now. "This week" compares civil
// dates in UTC, which can differ from the case's zone by a day around
// midnight; the due instants used for overdue are exact.
func Statistics(ss []Summary, now time.Time) Stats {
	t := NewTally(now)
	for i := range ss {
		t.Add(&ss[i])
	}
	return t.Stats()
}

// Tally is Statistics one summary at a time, for figures over more cases
// than are worth holding at once (the register of requests reads a
// million, each once, in order).
type Tally struct {
	st    Stats
	now   time.Time
	today Date
	// days counts the answered cases by their days to answer (days[d] is
	// how many took d days): a register of a million cases adds up a
	// million answers, which a list would hold, grow, copy into the total
	// of all organisations and sort; the days are a few hundred values.
	days []int
}

// NewTally is an empty tally as of now.
func NewTally(now time.Time) *Tally {
	return &Tally{now: now, today: DateOf(now, time.UTC), st: Stats{OpenByStatus: map[Status]int{}, OpenByController: map[string]int{},
		ByRight: map[Right]int{}, RefusalsByGround: map[Ground]int{}}}
}

// Add counts one more case.
func (t *Tally) Add(s *Summary) {
	st, now, today := &t.st, t.now, t.today
	if s.Voided {
		st.Voided++
		return
	}
	st.Cases++
	st.ByRight[s.Right]++
	if s.Overdue(now) {
		st.Overdue++
	}
	if s.DueWithin(now, Week) {
		st.DueThisWeek++
	}
	if s.AnswerNotSent() {
		st.AnswerNotSent++
	}
	if !s.Closed() {
		st.Open++
		st.OpenByStatus[s.Status]++
		st.OpenByController[s.Controller]++
		if s.Extension == ExtensionDecided && !s.NoticeBy.IsZero() &&
			!s.NoticeBy.Before(today) && s.NoticeBy.Before(today.AddDays(7)) {
			st.NoticesDueThisWeek++
		}
	}
	if !s.AnsweredOn.IsZero() && s.CountsForTimeliness() {
		st.Answered++
		if s.Timeliness() == TimelinessOnTime {
			st.OnTime++
		}
		if kept, judged := s.PromiseKept(); judged {
			st.PromisesJudged++
			if kept {
				st.PromisesKept++
			}
		}
		t.days = countDay(t.days, max(0, s.ReceiptDate.DaysUntil(s.AnsweredOn)-s.PausedDays), 1)
	} else if s.Closed() && s.AnsweredOn.IsZero() {
		st.ClosedUnanswered++
	}
	switch s.Extension {
	case ExtensionDecided:
		st.Extensions++
	case ExtensionValid:
		st.Extensions++
		st.ExtensionsInForce++
	case ExtensionInvalid:
		st.Extensions++
		st.ExtensionsLate++
	}
	for _, g := range s.Grounds {
		st.RefusalsByGround[g]++
	}
}

// Merge adds to t the cases added to o (a tally as of the same instant):
// the figures of several organisations from theirs, each case added once.
func (t *Tally) Merge(o *Tally) {
	st, os := &t.st, &o.st
	for _, n := range []struct{ to, from *int }{{&st.Voided, &os.Voided}, {&st.Cases, &os.Cases}, {&st.Open, &os.Open},
		{&st.Overdue, &os.Overdue}, {&st.DueThisWeek, &os.DueThisWeek}, {&st.AnswerNotSent, &os.AnswerNotSent},
		{&st.NoticesDueThisWeek, &os.NoticesDueThisWeek}, {&st.Answered, &os.Answered}, {&st.OnTime, &os.OnTime},
		{&st.PromisesJudged, &os.PromisesJudged}, {&st.PromisesKept, &os.PromisesKept}, {&st.ClosedUnanswered, &os.ClosedUnanswered},
		{&st.Extensions, &os.Extensions}, {&st.ExtensionsInForce, &os.ExtensionsInForce}, {&st.ExtensionsLate, &os.ExtensionsLate}} {
		*n.to += *n.from
	}
	addCounts(st.OpenByStatus, os.OpenByStatus)
	addCounts(st.OpenByController, os.OpenByController)
	addCounts(st.ByRight, os.ByRight)
	addCounts(st.RefusalsByGround, os.RefusalsByGround)
	for d, n := range o.days {
		if n > 0 {
			t.days = countDay(t.days, d, n)
		}
	}
}

// countDay adds n answers of d days to the counts per day.
func countDay(days []int, d, n int) []int {
	if d >= len(days) {
		days = append(days, make([]int, d+1-len(days))...)
	}
	days[d] += n
	return days
}

// nthDay is the k-th smallest days to answer (from 0) of the counts per
// day, which hold more than k answers.
func nthDay(days []int, k int) int {
	for d, n := range days {
		if k < n {
			return d
		}
		k -= n
	}
	return 0
}

func addCounts[K comparable](to, from map[K]int) {
	for k, n := range from {
		to[k] += n
	}
}

// Stats are the figures of the cases added so far.
func (t *Tally) Stats() Stats {
	st := t.st
	if st.Answered > 0 {
		st.OnTimeRate = float64(st.OnTime) / float64(st.Answered)
	}
	// Median and Percentile of the answers in order, read from the counts.
	if n := st.Answered; n > 0 {
		if n%2 == 1 {
			st.MedianDays = float64(nthDay(t.days, n/2))
		} else {
			st.MedianDays = float64(nthDay(t.days, n/2-1)+nthDay(t.days, n/2)) / 2
		}
		st.P90Days = nthDay(t.days, min(max(percentileRank(90, n), 1), n)-1)
	}
	return st
}

// Median is the middle value, the mean of the two middle ones for an even
// count, 0 for none.
func Median(values []int) float64 {
	if len(values) == 0 {
		return 0
	}
	v := sorted(values)
	n := len(v)
	if n%2 == 1 {
		return float64(v[n/2])
	}
	return float64(v[n/2-1]+v[n/2]) / 2
}

// Percentile is the nearest-rank p-th percentile: the smallest value with at
// least p% of the values at or below it; 0 for none.
func Percentile(values []int, p int) int {
	if len(values) == 0 {
		return 0
	}
	v := sorted(values)
	return v[min(max(percentileRank(p, len(v)), 1), len(v))-1]
}

// percentileRank is the nearest rank (from 1) of the p-th percentile of n
// values.
func percentileRank(p, n int) int { return int(math.Ceil(float64(p) / 100 * float64(n))) }

// sorted is values in order: values themselves when they are (a tally
// sorts its own once), else a sorted copy.
func sorted(values []int) []int {
	if slices.IsSorted(values) {
		return values
	}
	v := slices.Clone(values)
	slices.Sort(v)
	return v
}

// WeekCount is the number of requests received in the week (Monday to
// Sunday) starting on Start.
type WeekCount struct {
	Start Date
	Count int
}

// IntakePerWeek counts cases by the week of their receipt date, for the
// given number of weeks ending with the week that holds today, oldest first.
// Linked cases of one request count once.
func IntakePerWeek(ss []Summary, today Date, weeks int) []WeekCount {
	monday := today.AddDays(-((int(today.Weekday()) + 6) % 7))
	first := monday.AddDays(-7 * (weeks - 1))
	out := make([]WeekCount, weeks)
	for i := range out {
		out[i].Start = first.AddDays(7 * i)
	}
	// A request is counted once, by its first case; where that one was
	// voided, by another of its cases that was not: a request whose every
	// case was recorded by mistake is not one. Voided cases are few, so
	// only their requests are looked up.
	var voidedFirst, counted map[string]bool
	for i := range ss {
		if s := &ss[i]; s.Voided && (s.RequestID == "" || s.RequestID == s.ID) {
			if voidedFirst == nil {
				voidedFirst, counted = map[string]bool{}, map[string]bool{}
			}
			voidedFirst[s.ID] = true
		}
	}
	for i := range ss {
		s := &ss[i]
		if s.Voided || s.ReceiptDate.Before(first) || s.ReceiptDate.After(monday.AddDays(6)) {
			continue
		}
		if s.RequestID != "" && s.RequestID != s.ID {
			if !voidedFirst[s.RequestID] || counted[s.RequestID] {
				continue
			}
			counted[s.RequestID] = true
		}
		out[first.DaysUntil(s.ReceiptDate)/7].Count++
	}
	return out
}
