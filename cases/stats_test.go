package cases

import (
	"testing"
	"time"
)

func TestStatisticsByHand(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) // a Tuesday
	d := NewDate
	answered := func(id string, receipt, answer, due Date, paused int) Summary {
		return Summary{ID: id, RequestID: id, Controller: "crisp", Right: RightAccess, Status: StatusClosed,
			Clock: ClockStopped, Outcome: OutcomeFulfilled, ClosedAt: now, ReceiptDate: receipt, AnsweredOn: answer,
			EffectiveDue: due, PausedDays: paused}
	}
	ss := []Summary{
		answered("A", d(2026, 1, 5), d(2026, 1, 20), d(2026, 2, 5), 0),   // 15 days, on time
		answered("B", d(2026, 1, 5), d(2026, 2, 10), d(2026, 2, 5), 0),   // 36 days, late
		answered("C", d(2026, 1, 10), d(2026, 2, 15), d(2026, 2, 16), 6), // 36 - 6 = 30 days, on time
		answered("D", d(2026, 2, 1), d(2026, 3, 2), d(2026, 3, 2), 0),    // 29 days, on the due date: on time
		{ID: "E", RequestID: "E", Controller: "callrix", Right: RightErasure, Status: StatusClosed, Clock: ClockStopped,
			Outcome: OutcomeRefused, Grounds: []Ground{GroundManifestlyUnfounded}, ClosedAt: now, ReceiptDate: d(2026, 3, 2)},
		{ID: "F", RequestID: "F", Controller: "crisp", Right: RightAccess, Status: StatusInProgress, Clock: ClockRunning,
			EffectiveDueAt: now.Add(-time.Hour), ReceiptDate: d(2026, 2, 9), Extension: ExtensionInvalid},
		{ID: "G", RequestID: "G", Controller: "crisp", Right: RightErasure, Status: StatusNew, Clock: ClockRunning,
			EffectiveDueAt: now.Add(72 * time.Hour), ReceiptDate: d(2026, 3, 9), Extension: ExtensionDecided, NoticeBy: d(2026, 3, 13)},
		{ID: "H", RequestID: "G", Controller: "crisp", Right: RightAccess, Status: StatusAwaitingID, Clock: ClockPaused,
			ReceiptDate: d(2026, 3, 9), Extension: ExtensionValid},
		{ID: "I", RequestID: "I", Controller: "closeq", Right: RightAccess, Status: StatusNew, Clock: ClockRunning,
			EffectiveDueAt: now.Add(10 * 24 * time.Hour), ReceiptDate: d(2025, 12, 21)},
	}
	st := Statistics(ss, now)
	checks := []struct {
		name      string
		got, want any
	}{
		{"cases", st.Cases, 9}, {"open", st.Open, 4}, {"open crisp", st.OpenByController["crisp"], 3},
		{"open awaiting-id", st.OpenByStatus[StatusAwaitingID], 1},
		// Due within 7 days counts the overdue F with G, as the queue's w does.
		{"overdue", st.Overdue, 1}, {"due this week", st.DueThisWeek, 2}, {"notices due this week", st.NoticesDueThisWeek, 1},
		{"answered", st.Answered, 4}, {"on time", st.OnTime, 3}, {"on-time rate", st.OnTimeRate, 0.75},
		// Days 15, 29, 30, 36: the median is (29 + 30) / 2; nearest rank ceil(0.9 x 4) = 4th value.
		{"median", st.MedianDays, 29.5}, {"p90", st.P90Days, 36},
		{"closed unanswered", st.ClosedUnanswered, 1},
		{"extensions", st.Extensions, 3}, {"in force", st.ExtensionsInForce, 1}, {"late", st.ExtensionsLate, 1},
		{"refused as manifestly unfounded", st.RefusalsByGround[GroundManifestlyUnfounded], 1},
		{"access", st.ByRight[RightAccess], 7},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}

	weeks := IntakePerWeek(ss, DateOf(now, time.UTC), 12)
	// Twelve weeks ending with the week of Monday 9 March 2026 start on Monday 22 December 2025.
	if len(weeks) != 12 || weeks[0].Start != d(2025, 12, 22) || weeks[11].Start != d(2026, 3, 9) {
		t.Fatalf("weeks: %v", weeks)
	}
	want := map[Date]int{d(2026, 1, 5): 3, d(2026, 2, 9): 1, d(2026, 2, 2): 0, d(2026, 3, 9): 1, d(2026, 3, 2): 1, d(2026, 1, 26): 1}
	// A, B (5 Jan) and C (10 Jan) share the week of 5 January; D (1 Feb, a
	// Sunday) is in the week of 26 January; H is linked to G and counts once;
	// I (21 Dec) is before the first week.
	for _, w := range weeks {
		if w.Count != want[w.Start] {
			t.Errorf("week of %s: %d, want %d", w.Start, w.Count, want[w.Start])
		}
	}
}

func TestPercentileAndMedianEdges(t *testing.T) {
	if Median(nil) != 0 || Percentile(nil, 90) != 0 || Median([]int{7}) != 7 || Percentile([]int{7}, 90) != 7 {
		t.Fatal("empty and single")
	}
	// Ten values 1..10: nearest rank of the 90th is the 9th value.
	ten := []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	if Percentile(ten, 90) != 9 || Median(ten) != 5.5 || ten[0] != 10 {
		t.Fatalf("p90 %d median %v (input must stay unsorted: %v)", Percentile(ten, 90), Median(ten), ten)
	}
}

// TestOnTimeIsTheLawsDatePromiseApart: an answer after the organisation's
// promise but within the legal due date is on time and the promise broken;
// withdrawn and duplicate requests leave the figures; a case without a
// promise is no verdict on one.
func TestOnTimeIsTheLawsDatePromiseApart(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	d := NewDate
	closed := func(id string, outcome Outcome, answer, legal, promise Date) Summary {
		effective := legal
		if !promise.IsZero() && promise.Before(legal) {
			effective = promise
		}
		return Summary{ID: id, Status: StatusClosed, Clock: ClockStopped, Outcome: outcome, ClosedAt: now,
			ReceiptDate: d(2026, 1, 5), AnsweredOn: answer, LegalDue: legal, PromiseDue: promise, EffectiveDue: effective}
	}
	ss := []Summary{
		closed("A", OutcomeFulfilled, d(2026, 1, 30), d(2026, 2, 5), d(2026, 1, 20)), // promise broken, on time
		closed("B", OutcomeFulfilled, d(2026, 1, 15), d(2026, 2, 5), d(2026, 1, 20)), // both kept
		closed("C", OutcomeFulfilled, d(2026, 2, 6), d(2026, 2, 5), Date{}),          // late, no promise
		closed("D", OutcomeWithdrawn, d(2026, 3, 1), d(2026, 2, 5), d(2026, 1, 20)),  // left out
		closed("E", OutcomeDuplicate, d(2026, 3, 1), d(2026, 2, 5), Date{}),          // left out
	}
	if ss[0].Timeliness() != TimelinessOnTime {
		t.Errorf("A: %s, want on time against the legal date", ss[0].Timeliness())
	}
	if kept, judged := ss[0].PromiseKept(); kept || !judged {
		t.Errorf("A: promise kept %v judged %v, want broken", kept, judged)
	}
	if _, judged := ss[2].PromiseKept(); judged {
		t.Error("C had no promise to keep")
	}
	st := Statistics(ss, now)
	if st.Answered != 3 || st.OnTime != 2 || st.PromisesJudged != 2 || st.PromisesKept != 1 || st.ClosedUnanswered != 0 {
		t.Errorf("answered %d, on time %d, promises %d/%d, closed unanswered %d; want 3, 2, 1/2, 0",
			st.Answered, st.OnTime, st.PromisesKept, st.PromisesJudged, st.ClosedUnanswered)
	}
}

// TestTallyDaysAreTheListsFigures: the median and the 90th percentile a
// tally reads from its counts per day are Median and Percentile of the
// days themselves, for odd and even counts, one answer, repeated values
// and a tally merged from others.
func TestTallyDaysAreTheListsFigures(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	receipt := NewDate(2025, 1, 1)
	answered := func(days int) Summary {
		return Summary{ID: "A", RequestID: "A", Controller: "crisp", Right: RightAccess, Status: StatusClosed,
			Clock: ClockStopped, Outcome: OutcomeFulfilled, ClosedAt: now, ReceiptDate: receipt, AnsweredOn: receipt.AddDays(days)}
	}
	for _, days := range [][]int{{7}, {3, 3}, {40, 2, 9}, {5, 0, 0, 31, 12, 12, 90, 1}, {400, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}} {
		one, merged := NewTally(now), NewTally(now)
		parts := []*Tally{NewTally(now), NewTally(now)}
		for i, d := range days {
			s := answered(d)
			one.Add(&s)
			parts[i%2].Add(&s)
		}
		merged.Merge(parts[0])
		merged.Merge(parts[1])
		for name, tally := range map[string]*Tally{"one": one, "merged": merged} {
			st := tally.Stats()
			if want := Median(days); st.MedianDays != want {
				t.Errorf("%v %s: median %v, want %v", days, name, st.MedianDays, want)
			}
			if want := Percentile(days, 90); st.P90Days != want {
				t.Errorf("%v %s: p90 %d, want %d", days, name, st.P90Days, want)
			}
		}
	}
}
