package cases

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"testing"
	"time"
)

// randomSummary is a summary in any urgency group, with times drawn from
// a few values so that ties (same due, same receipt) are common.
func randomSummary(rng *rand.Rand, id string) Summary {
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	at := func() time.Time {
		if rng.IntN(8) == 0 {
			return time.Time{}
		}
		return base.Add(time.Duration(rng.IntN(6))*time.Hour + time.Duration(rng.IntN(3))*time.Nanosecond)
	}
	names := []string{"Grażyna Woźniak", "Jan Kowalski", "Anna Wozniakowska", "Zoé Lefèvre", "Marie Dupont", "Ana Gómez"}
	s := Summary{ID: id, Controller: []string{"crisp", "closeq", "callrix"}[rng.IntN(3)], Right: RightAccess,
		Status: []Status{StatusNew, StatusInProgress, StatusClosed}[rng.IntN(3)],
		Clock:  []ClockState{ClockRunning, ClockPaused, ClockStopped}[rng.IntN(3)], SubjectName: names[rng.IntN(len(names))],
		Email: fmt.Sprintf("s%d@example.org", rng.IntN(50)), ReceivedAt: at(), EffectiveDueAt: at()}
	if s.Status == StatusClosed {
		s.ClosedAt = at()
		s.Outcome = []Outcome{OutcomeFulfilled, OutcomeLapsed}[rng.IntN(2)]
	}
	if rng.IntN(3) == 0 {
		s.Assignee = []string{"marc", "anna"}[rng.IntN(2)]
	}
	if rng.IntN(3) == 0 {
		s.Tags = []string{[]string{"audit", "vip", "wozniak-family"}[rng.IntN(3)]}
	}
	if rng.IntN(4) == 0 {
		s.Identifiers = []string{fmt.Sprintf("customer=C-%d", rng.IntN(100))}
	}
	return s
}

// TestSortByUrgencyIsUrgencyLess: sorting positions by the compact key
// and moving each summary once gives the order UrgencyLess gives.
func TestSortByUrgencyIsUrgencyLess(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 1))
	for _, n := range []int{0, 1, 2, 7, 100, 3000} {
		ss := make([]Summary, n)
		for i := range ss {
			ss[i] = randomSummary(rng, fmt.Sprintf("DSR-2026-%06d", rng.IntN(1_000_000)))
		}
		want := slices.Clone(ss)
		sort.SliceStable(want, func(i, j int) bool { return UrgencyLess(&want[i], &want[j]) })
		SortByUrgency(ss)
		for i := range ss {
			if ss[i].ID != want[i].ID || !ss[i].EffectiveDueAt.Equal(want[i].EffectiveDueAt) || !ss[i].ClosedAt.Equal(want[i].ClosedAt) {
				t.Fatalf("%d summaries: at %d %s, want %s", n, i, ss[i].ID, want[i].ID)
			}
		}
	}
}

// TestFilterIndexVersions: an index grown version by version (a case
// changed goes into a new slot, the queue being the slots in an order)
// ranks as a fresh index of the same rows does, for every version, old
// ones included, whichever of them grows next.
func TestFilterIndexVersions(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 2))
	// Shared out between goroutines however few the rows.
	defer func(rows, procs int) { parallelRows, _ = rows, runtime.GOMAXPROCS(procs) }(parallelRows, runtime.GOMAXPROCS(3))
	parallelRows = 100
	queries := []string{"wo", "woz", "wozniak", "kowlski", "an", "crisp", "crisp acc", "@marc", "#audit", "id:c-1", "dsr-2026-000007", "erasure", "new", "xq", ""}
	var rows []Summary // by slot
	for i := range 1500 {
		rows = append(rows, randomSummary(rng, fmt.Sprintf("DSR-2026-%06d", i)))
	}
	type version struct {
		ix    *FilterIndex
		rows  []Summary // by slot, of this version
		queue []int     // the slots that are the queue, in order
	}
	first := version{ix: NewFilterIndex(rows), rows: rows}
	for slot := range rows {
		first.queue = append(first.queue, slot)
	}
	versions := []version{first}
	for step := range 30 {
		// Grow the newest version mostly, an older one at times (a fork).
		v := versions[len(versions)-1]
		if step%4 == 3 {
			v = versions[rng.IntN(len(versions))]
		}
		next := version{rows: slices.Clone(v.rows), queue: slices.Clone(v.queue)}
		var added []Summary
		for range 1 + rng.IntN(300) {
			k := rng.IntN(len(next.queue))
			switch rng.IntN(3) {
			case 0: // a change: the case in a new slot, in place of its old one
				s := randomSummary(rng, next.rows[next.queue[k]].ID)
				next.queue[k] = len(next.rows)
				next.rows, added = append(next.rows, s), append(added, s)
			case 1: // a new case
				s := randomSummary(rng, fmt.Sprintf("DSR-2026-%06d", 10_000+len(next.rows)))
				next.queue = slices.Insert(next.queue, k, len(next.rows))
				next.rows, added = append(next.rows, s), append(added, s)
			default: // a case out of the queue
				next.queue = slices.Delete(next.queue, k, k+1)
			}
		}
		next.ix = v.ix.With(added)
		versions = append(versions, next)
	}
	everyID := map[string]bool{}
	for _, v := range versions {
		for _, s := range v.rows {
			everyID[s.ID] = true
		}
	}
	for n, v := range versions {
		if v.ix.Len() != len(v.rows) {
			t.Fatalf("version %d: %d slots, want %d", n, v.ix.Len(), len(v.rows))
		}
		// Each case's newest slot of this version, those out of its queue
		// included; none for a case only another version has.
		newest := map[string]int{}
		for slot, s := range v.rows {
			newest[s.ID] = slot
		}
		for id := range everyID {
			want, ok := newest[id]
			if !ok {
				want = -1
			}
			if got := v.ix.Slot(id); got != want {
				t.Fatalf("version %d: Slot(%s) = %d, want %d", n, id, got, want)
			}
		}
		queued := make([]Summary, len(v.queue))
		for k, slot := range v.queue {
			queued[k] = v.rows[slot]
			if got := v.ix.Slot(v.rows[slot].ID); got != slot {
				t.Fatalf("version %d: Slot(%s) = %d, the queue has it in %d", n, v.rows[slot].ID, got, slot)
			}
		}
		fresh := NewFilterIndex(queued)
		for _, q := range queries {
			keep := func(slot int) bool { return v.rows[slot].Clock != ClockPaused }
			got, exact := v.ix.MatchIn([][]int{v.queue[:len(v.queue)/3], v.queue[len(v.queue)/3:]}, q, keep, nil)
			want, wantExact := fresh.Match(q, func(k int) bool { return keep(v.queue[k]) })
			for k := range want {
				want[k] = v.queue[want[k]]
			}
			if wantExact >= 0 {
				wantExact = v.queue[wantExact]
			}
			if !slices.Equal(got, want) || exact != wantExact {
				t.Fatalf("version %d, %q: %v (exact %d), a fresh index %v (exact %d)", n, q, got, exact, want, wantExact)
			}
			parsed := ParseQuery(q)
			for k, slot := range got {
				if v.ix.Rank(parsed, slot) == 0 || (k > 0 && v.ix.Rank(parsed, got[k-1]) < v.ix.Rank(parsed, slot)) {
					t.Fatalf("version %d, %q: Rank does not follow Match at %d", n, q, k)
				}
			}
		}
	}
}
