package ui

import (
	"cmp"
	"slices"
	"sort"
	"sync"

	"rightsdesk/cases"
)

// The queue's snapshot: every case that stands, in urgency order, as one
// version that does not change once made, so that a filter run or the
// overview's figures may read it on another goroutine while the update
// loop goes on. A colleague's change makes the next version at the cost of
// the rows it changed: the new rows go into new slots (the summaries and
// the filter's index are kept by slot, in chunks that versions share), and
// the order, a list of slots, is copied with the rows moved; no summary is
// copied or folded again.

// rowStore is the summaries by slot, shared by the versions of a
// snapshot like the filter index's rows (cases.FilterIndex), slot for slot.
type rowStore struct {
	n      int // this version's slots: 0 to n-1
	chunks [][]cases.Summary
	shared *rowArena
}

// rowArena is what the versions of a rowStore share: how many slots the
// newest has written; a version behind it copies the chunk it writes into.
type rowArena struct {
	mu  sync.Mutex
	tip int
}

// rowChunk is the number of summaries in a chunk (a power of two).
const (
	rowChunkBits = 10
	rowChunk     = 1 << rowChunkBits
)

// newRowStore keeps all, slot i its row i, without copying it: all must
// not change afterwards.
func newRowStore(all []cases.Summary) rowStore {
	r := rowStore{n: len(all), shared: &rowArena{tip: len(all)}}
	for at := 0; at < len(all); at += rowChunk {
		end := min(at+rowChunk, len(all))
		r.chunks = append(r.chunks, all[at:end:end])
	}
	return r
}

// at is the summary in slot.
func (r rowStore) at(slot int) *cases.Summary {
	return &r.chunks[slot>>rowChunkBits][slot&(rowChunk-1)]
}

// with is the next version: r's rows, then rows in the slots from r.n on.
func (r rowStore) with(rows []cases.Summary) rowStore {
	if len(rows) == 0 {
		return r
	}
	a := r.shared
	a.mu.Lock()
	defer a.mu.Unlock()
	next := rowStore{n: r.n, chunks: slices.Clone(r.chunks), shared: a}
	forked := a.tip != r.n
	if forked {
		next.shared = &rowArena{} // a newer version has written past r
	}
	for _, row := range rows {
		k, j := next.n>>rowChunkBits, next.n&(rowChunk-1)
		switch {
		case k == len(next.chunks):
			next.chunks, forked = append(next.chunks, make([]cases.Summary, 0, rowChunk)), false
		case cap(next.chunks[k]) < rowChunk || (forked && j == len(next.chunks[k])):
			// A chunk of the first load, cut at its last row, or one the
			// newer version also writes into.
			grown := make([]cases.Summary, j, rowChunk)
			copy(grown, next.chunks[k])
			next.chunks[k], forked = grown, false
		}
		next.chunks[k] = append(next.chunks[k], row)
		next.n++
	}
	next.shared.tip = next.n
	return next
}

// snapshot is one version of the queue.
type snapshot struct {
	rows rowStore
	// order is the slots of the cases that stand, in urgency order.
	order slotList
	// voided are the cases recorded by mistake: out of the queue, the
	// overview counts them apart.
	voided []cases.Summary
	// index is the filter's index of rows, slot for slot; nil until it is
	// built (buildIndex), then always as long as rows.
	index *cases.FilterIndex
}

// newSnapshot is the snapshot of a queue read whole, all in urgency order
// (kept, not copied) and voided apart.
func newSnapshot(all, voided []cases.Summary) snapshot {
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	return snapshot{rows: newRowStore(all), order: newSlotList(order), voided: voided}
}

// len is the number of cases in the queue.
func (s *snapshot) len() int { return s.order.len() }

// summaries is the queue's cases in urgency order, copied: for work over
// all of them (the overview's figures) and tests.
func (s *snapshot) summaries() []cases.Summary {
	out := make([]cases.Summary, 0, s.order.len())
	for _, chunk := range s.order.chunks {
		for _, slot := range chunk {
			out = append(out, *s.rows.at(slot))
		}
	}
	return out
}

// find is the queue's or the voided cases' summary of the case with that
// ID, nil if neither has it.
func (s *snapshot) find(id string) *cases.Summary {
	for i := range s.voided {
		if s.voided[i].ID == id {
			return &s.voided[i]
		}
	}
	if slot := s.slotOf(id); slot >= 0 {
		return s.rows.at(slot)
	}
	return nil
}

// slotOf is the slot of the case with that ID in the queue, -1 if it is
// not in it.
func (s *snapshot) slotOf(id string) int {
	if s.index == nil {
		// Before the index is built: the first seconds of a large queue.
		for _, chunk := range s.order.chunks {
			for _, slot := range chunk {
				if s.rows.at(slot).ID == id {
					return slot
				}
			}
		}
		return -1
	}
	slot := s.index.Slot(id)
	if slot < 0 {
		return -1
	}
	// The newest slot of a case voided since is not in the order.
	if k := s.position(slot); k < s.order.len() && s.order.at(k) == slot {
		return slot
	}
	return -1
}

// position is where the row in slot is or would be in the order.
func (s *snapshot) position(slot int) int {
	row := s.rows.at(slot)
	return sort.Search(s.order.len(), func(k int) bool { return !cases.UrgencyLess(s.rows.at(s.order.at(k)), row) })
}

// change is a case moved by a merge, from its slot in the old version (-1:
// new to the queue) to its slot in the new one (-1: out of it, voided).
type change struct{ from, to int }

// merged is the next version with rows (others' changes) in place of
// theirs: each case changed goes to a new slot at its place in the urgency
// order, and a case voided leaves the order for the voided cases (a voided
// case stays voided). What it costs is the rows changed, their folding and
// a copy of the order; s is left as it was.
func (s snapshot) merged(rows []cases.Summary) (snapshot, []change) {
	next := s
	var standing []cases.Summary
	var changes []change
	last := make(map[string]int, len(rows))
	for i := range rows {
		last[rows[i].ID] = i
	}
	for i := range rows {
		r := &rows[i]
		if last[r.ID] != i {
			continue // read twice: the later row is the case as it is
		}
		from := s.slotOf(r.ID)
		k := slices.IndexFunc(next.voided, func(v cases.Summary) bool { return v.ID == r.ID })
		switch {
		case k >= 0: // still voided
			next.voided = slices.Clone(next.voided)
			next.voided[k] = *r
			continue
		case r.Voided:
			next.voided = append(slices.Clip(next.voided), *r)
			if from >= 0 {
				changes = append(changes, change{from: from, to: -1})
			}
			continue
		}
		changes = append(changes, change{from: from, to: s.rows.n + len(standing)})
		standing = append(standing, *r)
	}
	if len(changes) == 0 {
		return next, nil
	}
	next.rows = s.rows.with(standing)
	if s.index != nil {
		next.index = s.index.With(standing)
	}
	for _, c := range changes {
		if c.from >= 0 {
			if k := next.position(c.from); k < next.order.len() && next.order.at(k) == c.from {
				next.order = next.order.deleted(k)
			}
		}
		if c.to >= 0 {
			next.order = next.order.inserted(next.position(c.to), c.to)
		}
	}
	return next, changes
}

// placing is the filter shown and the order chosen as a test and a
// comparison of single rows, to put a changed row where a new run of the
// filter would put it (matcher), without running it.
type placing struct {
	snap  snapshot
	query *cases.Query
	keep  func(s *cases.Summary) bool   // the quick filters; nil: every case
	by    func(a, b *cases.Summary) int // the sort chosen; nil: urgency
}

func (m Model) placing() *placing {
	q := m.queue
	p := &placing{snap: q.snap, query: cases.ParseQuery(q.query()), by: q.filter.sort.compare()}
	if quick := q.filter.quick; quick.active() {
		n, now := quick.narrowing(m.opt.Actor, m.opt.Registers), m.now
		p.keep = func(s *cases.Summary) bool { return n.Allows(s, now) }
	}
	return p
}

// compare orders two slots as a result shows them: by the sort chosen,
// then by how well they match, best first, then in urgency order.
func (p *placing) compare(a, b int) int {
	ra, rb := p.snap.rows.at(a), p.snap.rows.at(b)
	if p.by != nil {
		if c := p.by(ra, rb); c != 0 {
			return c
		}
	}
	if ix := p.snap.index; ix != nil {
		if c := cmp.Compare(ix.Rank(p.query, b), ix.Rank(p.query, a)); c != 0 {
			return c
		}
	}
	switch {
	case cases.UrgencyLess(ra, rb):
		return -1
	case cases.UrgencyLess(rb, ra):
		return 1
	}
	return 0
}

// search is where slot is or would be in shown.
func (p *placing) search(shown slotList, slot int) int {
	return sort.Search(shown.len(), func(k int) bool { return p.compare(shown.at(k), slot) >= 0 })
}

// locate is where slot is in shown, -1 if it is not shown.
func (p *placing) locate(shown slotList, slot int) int {
	if k := p.search(shown, slot); k < shown.len() && shown.at(k) == slot {
		return k
	}
	return -1
}

// place is shown (the result of the filter on the version before the
// changes) with each case changed out of its old place and in its new
// one if the filter lets it through, and exact (the case whose ID the
// query is) kept current; shown is left as it was.
func (p *placing) place(shown slotList, exact int, changes []change) (slotList, int) {
	out := shown
	for _, c := range changes {
		if c.from >= 0 {
			if k := p.locate(out, c.from); k >= 0 {
				out = out.deleted(k)
			}
			if exact == c.from {
				exact = -1
			}
		}
		if c.to < 0 || (p.keep != nil && !p.keep(p.snap.rows.at(c.to))) {
			continue
		}
		if p.snap.index.Exact(p.query, c.to) {
			exact = c.to
		}
		if p.snap.index.Rank(p.query, c.to) > 0 {
			out = out.inserted(p.search(out, c.to), c.to)
		}
	}
	return out, exact
}
