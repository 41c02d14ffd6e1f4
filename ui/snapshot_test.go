package ui

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases"
)

// someSummary is a case of the queue, its due hour and receipt drawn from
// a few values so that ties are common.
func someSummary(rng *rand.Rand, id string, now time.Time) cases.Summary {
	names := []string{"Grażyna Woźniak", "Jan Kowalski", "Anna Nowak", "Zoé Lefèvre", "Marie Dupont"}
	s := cases.Summary{ID: id, Controller: []string{"crisp", "closeq"}[rng.IntN(2)], Right: cases.RightAccess,
		Status: cases.StatusInProgress, Clock: cases.ClockRunning, SubjectName: names[rng.IntN(len(names))],
		Email: fmt.Sprintf("s%d@example.org", rng.IntN(40)), ReceivedAt: now.Add(-time.Duration(rng.IntN(5)) * 24 * time.Hour),
		EffectiveDueAt: now.Add(time.Duration(rng.IntN(40)-10) * time.Hour), Revision: 1}
	switch rng.IntN(5) {
	case 0:
		s.Status, s.Clock, s.Outcome, s.ClosedAt = cases.StatusClosed, cases.ClockStopped, cases.OutcomeFulfilled, now.Add(-time.Duration(rng.IntN(9))*time.Hour)
	case 1:
		s.Clock = cases.ClockPaused
	}
	if rng.IntN(2) == 0 {
		s.Assignee = []string{"marc", "anna"}[rng.IntN(2)]
	}
	return s
}

// TestMergedIsTheSortedQueue: after random changes, new cases and cases
// voided, merged one batch at a time, the snapshot is the urgency sort
// of the cases as they now are, the voided ones apart; its index ranks as
// a fresh one; a filter's result kept current change by change (placing)
// is what a new run of the filter gives; and the versions before are
// unchanged.
func TestMergedIsTheSortedQueue(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 3))
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	current := map[string]cases.Summary{}
	var all []cases.Summary
	for i := range 3000 {
		s := someSummary(rng, fmt.Sprintf("DSR-2026-%06d", i), now)
		current[s.ID] = s
		all = append(all, s)
	}
	cases.SortByUrgency(all)
	snap := newSnapshot(slices.Clone(all), nil)
	snap.index = indexed(nil, snap.rows)
	m := New(Options{Clock: &clock{t: now}, Actor: "anna"})
	m.queue.snap, m.queue.loaded = snap, true
	m.queue.count(now)
	m = settleQueue(m, func() tea.Msg { return keyPress("/") })
	for _, r := range "an" {
		m = settleQueue(m, func() tea.Msg { return keyPress(string(r)) })
	}
	m.queue.filter.sort = byAssignee
	m.queue.filter.quick.overdue = true
	m.queue.filter.seq++
	m = settleQueue(m, m.runFilter())
	type kept struct {
		snap  snapshot
		queue []cases.Summary
	}
	var before []kept
	for step := range 40 {
		var batch []cases.Summary
		for range 1 + rng.IntN(40) {
			var id string
			switch rng.IntN(4) {
			case 0: // a new case
				id = fmt.Sprintf("DSR-2026-%06d", 100_000+step*100+len(batch))
			default:
				id = fmt.Sprintf("DSR-2026-%06d", rng.IntN(3000))
			}
			s := someSummary(rng, id, now)
			s.Voided = rng.IntN(10) == 0 || current[id].Voided // a voided case stays voided
			current[id], batch = s, append(batch, s)
		}
		was := m.queue.snap
		before = append(before, kept{was, was.summaries()})
		next, _ := m.Update(queueMsg{rows: batch, counter: uint64(step + 1), partial: true})
		m = next.(Model)

		var want, voided []cases.Summary
		for _, s := range current {
			if s.Voided {
				voided = append(voided, s)
			} else {
				want = append(want, s)
			}
		}
		cases.SortByUrgency(want)
		got := m.queue.snap.summaries()
		if len(got) != len(want) || len(m.queue.snap.voided) != len(voided) {
			t.Fatalf("step %d: %d cases and %d voided, want %d and %d", step, len(got), len(m.queue.snap.voided), len(want), len(voided))
		}
		for k := range want {
			if got[k].ID != want[k].ID || got[k].EffectiveDueAt != want[k].EffectiveDueAt || got[k].Assignee != want[k].Assignee {
				t.Fatalf("step %d: row %d is %s, the sort has %s", step, k, got[k].ID, want[k].ID)
			}
		}
		// The result shown, kept current, is a new run's.
		shown := m.queue.shown.flat()
		run := m.matcher(nil)
		freshList, _ := run(&m.queue.snap)
		fresh := freshList.flat()
		if len(shown) == 0 || len(shown) == len(got) {
			t.Fatalf("step %d: the filter shows %d of %d", step, len(shown), len(got))
		}
		if !slices.Equal(shown, fresh) {
			t.Fatalf("step %d: the filter's result kept current (%d rows) is not a new run's (%d rows)", step, len(shown), len(fresh))
		}
		if m.queue.openCount+m.queue.overdueCount == 0 {
			t.Fatalf("step %d: no counts", step)
		}
		counted := m.queue
		counted.count(m.queue.countedAt)
		if counted.openCount != m.queue.openCount || counted.overdueCount != m.queue.overdueCount || counted.unsentCount != m.queue.unsentCount {
			t.Fatalf("step %d: counts kept %d/%d/%d, counted %d/%d/%d", step, m.queue.openCount, m.queue.overdueCount,
				m.queue.unsentCount, counted.openCount, counted.overdueCount, counted.unsentCount)
		}
	}
	// Every version before is as it was when it was shown.
	for k, b := range before {
		if got := b.snap.summaries(); !slices.EqualFunc(got, b.queue, func(a, b cases.Summary) bool {
			return a.ID == b.ID && a.Revision == b.Revision && a.EffectiveDueAt == b.EffectiveDueAt
		}) {
			t.Fatalf("version %d changed after the next one was made", k)
		}
	}
	// An old version merged again (a copy of an old model) goes its own
	// way and leaves the newer ones alone.
	newest := m.queue.snap.summaries()
	old, _ := before[3].snap.merged([]cases.Summary{someSummary(rng, "DSR-2026-000001", now)})
	if len(old.summaries()) < len(before[3].queue) || !slices.EqualFunc(m.queue.snap.summaries(), newest, func(a, b cases.Summary) bool { return a.ID == b.ID && a.Assignee == b.Assignee }) {
		t.Fatal("merging an old version changed the newest")
	}
}

// TestColleagueChangeMovesTheRow: a case a colleague changes moves to its
// new place in the queue, filtered or not, and the cursor stays on it.
func TestColleagueChangeMovesTheRow(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var all []cases.Summary
	for i := range 40 {
		all = append(all, cases.Summary{ID: fmt.Sprintf("DSR-2026-%06d", i+1), Controller: "crisp", Right: cases.RightAccess,
			Status: cases.StatusInProgress, Clock: cases.ClockRunning, SubjectName: []string{"Anna Nowak", "Jan Kowalski"}[i%2],
			Email: "s@example.org", ReceivedAt: now.Add(-48 * time.Hour), EffectiveDueAt: now.Add(time.Duration(i) * time.Hour), Revision: 1})
	}
	for _, filtered := range []bool{false, true} {
		m := New(Options{Clock: &clock{t: now}, Actor: "anna"})
		m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
		m = settleQueue(m, func() tea.Msg { return queueMsg{all: slices.Clone(all)} })
		if filtered {
			m = typeText(t, m, "/nowak")
			m = drive(t, m, keyPress("enter"))
		}
		st := &colleagueStore{counter: m.queue.counter}
		m.opt.Store = st
		// The cursor on the third case shown, which a colleague then
		// extends past every other.
		m = drive(t, m, keyPress("j"))
		m = drive(t, m, keyPress("j"))
		id := m.currentID()
		k := slices.IndexFunc(all, func(s cases.Summary) bool { return s.ID == id })
		row := all[k]
		row.EffectiveDueAt, row.Assignee, row.Revision = now.Add(100*time.Hour), "marc", 2
		st.counter, st.row = st.counter+1, row
		m = settleQueue(m, m.refresh())
		if m.currentID() != id || m.queue.cursor != m.queue.shown.len()-1 {
			t.Fatalf("filtered %v: the cursor is on %s (row %d of %d), want %s on the last row", filtered, m.currentID(), m.queue.cursor, m.queue.shown.len(), id)
		}
		if filtered != (m.queue.shown.len() == 20) {
			t.Fatalf("filtered %v: %d rows shown", filtered, m.queue.shown.len())
		}
		if got := m.queue.current(); got.Assignee != "marc" || got.Revision != 2 {
			t.Fatalf("filtered %v: the row shown is %+v", filtered, got)
		}
		// A case the filter did not show comes in when a colleague's
		// change makes it match.
		other := all[1]
		other.SubjectName, other.Revision = "Ewa Nowak", 2
		st.counter, st.row = st.counter+1, other
		m = settleQueue(m, m.refresh())
		if m.currentID() != id || (filtered && m.queue.shown.len() != 21) || frame(m) == "" {
			t.Fatalf("filtered %v: after a second change, %d rows and the cursor on %s", filtered, m.queue.shown.len(), m.currentID())
		}
	}
}

// TestSnapshotReadWhileMerged: a filter run and the overview's figures
// read a version on another goroutine while the update loop merges the
// next ones (go test -race finds any write to what they read).
func TestSnapshotReadWhileMerged(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 4))
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var all []cases.Summary
	for i := range 3000 {
		all = append(all, someSummary(rng, fmt.Sprintf("DSR-2026-%06d", i), now))
	}
	cases.SortByUrgency(all)
	snap := newSnapshot(all, nil)
	snap.index = indexed(nil, snap.rows)
	m := New(Options{Clock: &clock{t: now}})
	m.queue.snap, m.queue.loaded = snap, true
	m = typeText(t, m, "/nowak")
	done := make(chan int)
	for range 2 {
		run, read := m.runFilter(), m.queue.snap
		go func() {
			n := len(read.summaries())
			if msg, ok := run().(filterMsg); ok {
				n += msg.ranked.len()
			}
			done <- n
		}()
		for range 50 {
			s := someSummary(rng, fmt.Sprintf("DSR-2026-%06d", rng.IntN(4000)), now)
			next, _ := m.Update(queueMsg{rows: []cases.Summary{s}, counter: m.queue.counter + 1, partial: true})
			m = next.(Model)
		}
		if n := <-done; n < len(all) {
			t.Fatalf("the version read has %d rows", n)
		}
	}
}

// TestSlotList: a slotList edited at random holds what a slice edited the
// same way holds, and each version stays as it was made.
func TestSlotList(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 5))
	start := make([]int, 3*listChunk+17)
	for i := range start {
		start[i] = i
	}
	want, l := slices.Clone(start), newSlotList(start)
	type version struct {
		list  slotList
		slots []int
	}
	var versions []version
	for step := range 3000 {
		if k := rng.IntN(len(want) + 1); rng.IntN(3) > 0 || len(want) == 0 {
			// Inserts bunched at a few places, so that chunks split.
			k = min(len(want), []int{k, 5, len(want) / 2, len(want)}[rng.IntN(4)])
			want, l = slices.Insert(want, k, 100_000+step), l.inserted(k, 100_000+step)
		} else {
			k = min(k, len(want)-1)
			want, l = slices.Delete(want, k, k+1), l.deleted(k)
		}
		if step%100 == 0 {
			versions = append(versions, version{l, slices.Clone(want)})
		}
	}
	versions = append(versions, version{l, want})
	for n, v := range versions {
		if got := v.list.flat(); !slices.Equal(got, v.slots) {
			t.Fatalf("version %d: %d slots, want %d", n, len(got), len(v.slots))
		}
		for k := 0; k < len(v.slots); k += 97 {
			if v.list.at(k) != v.slots[k] || v.list.index(v.slots[k]) != k {
				t.Fatalf("version %d: at(%d) = %d, want %d", n, k, v.list.at(k), v.slots[k])
			}
		}
		for _, chunk := range v.list.chunks {
			if len(chunk) == 0 || len(chunk) > 2*listChunk {
				t.Fatalf("version %d: a chunk of %d", n, len(chunk))
			}
		}
	}
}
