package storage

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"rightsdesk/cases"
)

// TestSortByUrgencyIsCasesOrder: the queue's sort of positions gives
// exactly the order cases.SortByUrgency gives, on summaries of every
// urgency group with many equal times (so that the tie-breaks decide)
// and some zero ones.
func TestSortByUrgencyIsCasesOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 2, 3, 17, 1000} {
		sums := make([]cases.Summary, n)
		for i := range sums {
			s := &sums[i]
			s.ID = fmt.Sprintf("DSR-2025-%06d", rng.IntN(1_000_000)*1000+i)
			s.ReceivedAt = at.Add(time.Duration(rng.IntN(5)) * time.Hour)
			switch rng.IntN(3) {
			case 0:
				s.Status, s.Clock = cases.StatusInProgress, cases.ClockRunning
				if rng.IntN(5) != 0 {
					s.EffectiveDueAt = at.Add(time.Duration(rng.IntN(4)) * 24 * time.Hour)
				}
			case 1:
				s.Status, s.Clock = cases.StatusInProgress, cases.ClockPaused
			default:
				s.Status = cases.StatusClosed
				s.ClosedAt = at.Add(time.Duration(rng.IntN(3)) * time.Hour)
				if rng.IntN(5) == 0 {
					s.ClosedAt = time.Time{}
				}
			}
			if rng.IntN(10) == 0 {
				s.ReceivedAt = time.Time{}
			}
		}
		want := slices.Clone(sums)
		cases.SortByUrgency(want)
		sortByUrgency(sums)
		if !reflect.DeepEqual(sums, want) {
			t.Fatalf("%d summaries: the order differs from cases.SortByUrgency", n)
		}
	}
}
