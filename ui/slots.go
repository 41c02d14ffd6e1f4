package ui

import (
	"slices"
	"sort"
)

// slotList is a sequence of slots (the queue's urgency order, a filter's
// result) kept in chunks, so that the next version with a slot inserted or
// removed copies one chunk and the list of chunks, not a million slots: a
// fresh 8 MB a change would cost the app more in page faults and garbage
// collection than the change itself. A version never changes once made.
type slotList struct {
	chunks [][]int // none empty
	ends   []int   // ends[c]: the slots in chunks 0 to c
}

// listChunk is the length of a chunk as made; one grows to twice that
// before it is split.
const listChunk = 4096

// newSlotList keeps slots, without copying them: they must not change
// afterwards.
func newSlotList(slots []int) slotList {
	var l slotList
	for at := 0; at < len(slots); at += listChunk {
		end := min(at+listChunk, len(slots))
		l.chunks = append(l.chunks, slots[at:end:end])
		l.ends = append(l.ends, end)
	}
	return l
}

func (l slotList) len() int {
	if len(l.ends) == 0 {
		return 0
	}
	return l.ends[len(l.ends)-1]
}

// find is the chunk of position k and k's place in it.
func (l slotList) find(k int) (c, j int) {
	c = sort.SearchInts(l.ends, k+1)
	if c > 0 {
		j = k - l.ends[c-1]
	} else {
		j = k
	}
	return c, j
}

// at is the slot at position k.
func (l slotList) at(k int) int {
	c, j := l.find(k)
	return l.chunks[c][j]
}

// index is the position of slot, -1 if it is not in the list: a search
// through every slot, for when the list's order cannot be searched.
func (l slotList) index(slot int) int {
	for c, chunk := range l.chunks {
		if j := slices.Index(chunk, slot); j >= 0 {
			return l.ends[c] - len(chunk) + j
		}
	}
	return -1
}

// flat is the slots in one slice, copied.
func (l slotList) flat() []int {
	out := make([]int, 0, l.len())
	for _, chunk := range l.chunks {
		out = append(out, chunk...)
	}
	return out
}

// inserted is the list with slot at position k (0 to len).
func (l slotList) inserted(k, slot int) slotList {
	if len(l.chunks) == 0 {
		return slotList{chunks: [][]int{{slot}}, ends: []int{1}}
	}
	c, j := len(l.chunks)-1, len(l.chunks[len(l.chunks)-1])
	if k < l.len() {
		c, j = l.find(k)
	}
	old := l.chunks[c]
	chunk := make([]int, 0, len(old)+1)
	chunk = append(append(append(chunk, old[:j]...), slot), old[j:]...)
	next := slotList{chunks: slices.Clone(l.chunks)}
	next.chunks[c] = chunk
	if len(chunk) > 2*listChunk {
		half := len(chunk) / 2
		next.chunks[c] = chunk[:half:half]
		next.chunks = slices.Insert(next.chunks, c+1, chunk[half:])
	}
	next.count()
	return next
}

// deleted is the list without the slot at position k.
func (l slotList) deleted(k int) slotList {
	c, j := l.find(k)
	old := l.chunks[c]
	next := slotList{chunks: slices.Clone(l.chunks)}
	if len(old) == 1 {
		next.chunks = slices.Delete(next.chunks, c, c+1)
	} else {
		chunk := make([]int, 0, len(old)-1)
		next.chunks[c] = append(append(chunk, old[:j]...), old[j+1:]...)
	}
	next.count()
	return next
}

// count works out ends from the chunks.
func (l *slotList) count() {
	l.ends = make([]int, len(l.chunks))
	n := 0
	for c, chunk := range l.chunks {
		n += len(chunk)
		l.ends[c] = n
	}
}
