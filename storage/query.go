package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// Filter narrows the queue. The zero Filter is every open case.
type Filter struct {
	Statuses   []cases.Status
	Controller string
	Right      cases.Right
	Overdue    bool
	DueWithin  time.Duration // > 0: effective due before now + DueWithin
	Query      string
	All        bool // closed cases too
	// Voided lists the voided cases, and only them (list --voided): a
	// case recorded by mistake is in no other list.
	Voided bool
	// AnswerNotSent lists the cases closed with their answer not sent
	// (list --unanswered).
	AnswerNotSent bool
}

// List calls emit for each case matching f, in the urgency order of CLI.md,
// with its summary and the case as list --json prints it (CLI.md, "A case in
// JSON"), read on demand; view's bytes are valid only during the call. It reads the stored summaries
// and views; overdue and due-within read only the due-date index, which is
// already in urgency order. A case whose clock is paused is derived afresh,
// because its dates move each day the pause lasts.
func (s *Store) List(f Filter, now time.Time, emit func(sum *cases.Summary, view func() []byte) error) error {
	err := s.view(func(tx kv.Tx) error {
		type hit struct {
			sum  cases.Summary
			view func() []byte
		}
		var hits []*hit
		var block []hit // one allocation per 1024 cases
		err := eachCandidate(tx, f, now, true, func(id, row []byte, view func() []byte) error {
			sum, _, err := decodeRow(row)
			if err != nil {
				return &StoreError{Path: s.path, Err: ErrDamaged, Detail: "case " + string(id) + ": " + err.Error(), Advice: restoreAdvice}
			}
			if !f.matches(&sum, now) {
				return nil
			}
			if sum.Clock == cases.ClockPaused {
				// Its dates move each day the pause lasts, so its JSON is
				// derived afresh, only when asked for: its place in the order
				// (by receipt) and its row (paused) do not move.
				caseID := sum.ID
				view = func() []byte {
					rec, st, err := loadState(tx, caseID, now)
					if err != nil {
						b, _ := json.Marshal(map[string]string{"id": caseID, "error": err.Error()})
						return b
					}
					fresh, _ := json.Marshal(cases.NewView(rec.Case, st, rec.Revision, false))
					return fresh
				}
			}
			if len(block) == cap(block) {
				block = make([]hit, 0, 1024)
			}
			block = append(block, hit{sum: sum, view: view})
			hits = append(hits, &block[len(block)-1])
			return nil
		})
		if err != nil {
			return err
		}
		if !f.inOrder() {
			slices.SortFunc(hits, func(a, b *hit) int {
				switch {
				case cases.UrgencyLess(&a.sum, &b.sum):
					return -1
				case cases.UrgencyLess(&b.sum, &a.sum):
					return 1
				}
				return 0
			})
		}
		for _, h := range hits {
			if err := emit(&h.sum, h.view); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil
	}
	return err
}

// usesDueIndex reports whether the filter reads the due-date indexes: the
// due index of open cases and, where closed ones may pass, the unsent index
// of those closed with their answer not sent, the only closed cases that
// can be overdue or due soon. Both are in urgency order.
func (f Filter) usesDueIndex() bool {
	return (f.Overdue || f.DueWithin > 0) && !f.Voided
}

// usesUnsentIndex reports whether the filter lets only the cases closed
// with their answer not sent through, which the unsent index holds in
// urgency order.
func (f Filter) usesUnsentIndex() bool {
	return f.AnswerNotSent && !f.Voided
}

// inOrder reports whether the candidates come in urgency order.
func (f Filter) inOrder() bool { return f.usesDueIndex() || f.usesUnsentIndex() }

// indexDecides reports whether the indexes alone say which cases match:
// overdue or due within a span, or unanswered, and nothing else asked.
func (f Filter) indexDecides() bool {
	return f.inOrder() && len(f.Statuses) == 0 && f.Controller == "" && f.Right == "" && strings.TrimSpace(f.Query) == ""
}

// candidatesRead counts the index entries and rows eachCandidate visits:
// what the tests hold the listings to (they read what they print, not the
// archive).
var candidatesRead atomic.Int64

// ListViews is List for output that needs only each case as list --json
// prints it. Where the due-date index alone decides, the views are passed
// on as the index yields them, in urgency order, without decoding the rows.
func (s *Store) ListViews(f Filter, now time.Time, emit func(view []byte) error) error {
	if !f.indexDecides() {
		return s.List(f, now, func(_ *cases.Summary, view func() []byte) error { return emit(view()) })
	}
	err := s.view(func(tx kv.Tx) error {
		return eachCandidate(tx, f, now, false, func(_, _ []byte, view func() []byte) error { return emit(view()) })
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil
	}
	return err
}

// Queue loads the summary of every case, in the urgency order, with the
// change counter they are current to: what the terminal app shows at start.
func (s *Store) Queue(now time.Time) ([]cases.Summary, uint64, error) {
	var out []cases.Summary
	var changes uint64
	err := s.view(func(tx kv.Tx) error {
		changes = tx.Bucket(bucketChanges).Sequence()
		rows := tx.Bucket(bucketRows)
		out = make([]cases.Summary, 0, rows.Bolt().Stats().KeyN)
		pages, shared := pageRelease{tx: tx}, rowStrings{}
		defer pages.release()
		return rows.ForEach(func(k, v []byte) error {
			pages.visited()
			out = append(out, cases.Summary{})
			if _, err := decodeRowShared(&out[len(out)-1], v, shared); err != nil {
				return &StoreError{Path: s.path, Err: ErrDamaged, Detail: "case " + string(k) + ": " + err.Error(), Advice: restoreAdvice}
			}
			return nil
		})
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, 0, nil
	}
	cases.SortByUrgency(out) // each summary moved once, whatever its size
	return out, changes, err
}

// eachCandidate calls fn with the ID, stored summary and stored view (read on
// demand) of each case worth looking at: from the due and unsent indexes,
// in order, for overdue and due-within; from the unsent index for the
// unanswered; otherwise every case. The bytes live only during the
// transaction. Without withRows, a case from the due index comes without
// its row (nil): the index holds its view alone, and its row is looked up
// only when asked for.
func eachCandidate(tx kv.Tx, f Filter, now time.Time, withRows bool, fn func(id, row []byte, view func() []byte) error) error {
	stored, rows := tx.Bucket(bucketCases), tx.Bucket(bucketRows)
	storedView := func(id, row []byte) func() []byte {
		return func() []byte { return viewOf(tx, stored.Get(id), row) }
	}
	unsent := func(k, v []byte) error {
		candidatesRead.Add(1)
		id := k[bytes.LastIndexByte(k, 0)+1:]
		return fn(id, v, storedView(id, v))
	}
	n := f.narrowing()
	switch {
	case f.usesDueIndex():
		limit := now
		if f.DueWithin > 0 && !f.Overdue {
			limit = now.Add(f.DueWithin)
		}
		var unpacked []byte // one buffer for every view: each is valid until the next is asked for
		due := func(k, v []byte) error {
			candidatesRead.Add(1)
			id := k[bytes.LastIndexByte(k, 0)+1:]
			var row []byte
			if withRows {
				if row = rows.Get(id); row == nil {
					return fmt.Errorf("case %s: %w", id, errBadRow)
				}
			}
			packed := v
			return fn(id, row, func() []byte {
				unpacked = unpackDueView(unpacked[:0], id, packed)
				return unpacked
			})
		}
		switch {
		case f.AnswerNotSent:
			return eachIndexed(tx, bucketUnsent, limit, unsent)
		case n.WantsClosed():
			return eachMerged(tx, limit, due, unsent)
		}
		return eachIndexed(tx, bucketDue, limit, due)
	case f.usesUnsentIndex():
		b := tx.Bucket(bucketUnsent)
		if b == nil {
			return nil
		}
		return b.ForEach(unsent)
	}
	return rows.ForEach(func(id, row []byte) error {
		candidatesRead.Add(1)
		return fn(id, row, storedView(id, row))
	})
}

// viewOf is the list view of a case whose stored value and row are given:
// the value's own, or that of its due index entry, where schema 7 keeps
// the view of a case in the due index (encodeCase).
func viewOf(tx kv.Tx, value, row []byte) []byte {
	_, view, _ := splitCaseValue(value)
	if len(view) > 0 {
		return view
	}
	view, _ = dueView(tx, row)
	return view
}

// dueView is the list view in the due entry of the case whose row is
// given; false when the row names no due entry or the entry is unreadable.
func dueView(tx kv.Tx, row []byte) ([]byte, bool) {
	_, ref, err := decodeRow(row)
	bucket, key, _ := bytes.Cut(ref, []byte{'/'})
	if err != nil || !bytes.Equal(bucket, bucketDue) {
		return nil, false
	}
	packed := tx.Bucket(bucketDue).Get(key)
	if packed == nil {
		return nil, false
	}
	return appendUnpackedView(nil, packed)
}

// unpackDueView appends the view of case id that packed holds, or, where
// it is damaged, the JSON object saying so that List's paused cases give.
func unpackDueView(dst, id, packed []byte) []byte {
	view, ok := appendUnpackedView(dst, packed)
	if !ok {
		b, _ := json.Marshal(map[string]string{"id": string(id), "error": errBadRow.Error()})
		return append(dst[:0], b...)
	}
	return view
}

// eachMerged walks the due and unsent indexes up to limit together, in
// key order: the urgency order of the cases owing their answer.
func eachMerged(tx kv.Tx, limit time.Time, due, unsent func(k, v []byte) error) error {
	end := indexEnd(limit)
	next := func(b []byte) (kv.Cursor, []byte, []byte) {
		if tx.Bucket(b) == nil {
			return nil, nil, nil
		}
		c := tx.Bucket(b).Cursor()
		k, v := c.First()
		return c, k, v
	}
	dc, dk, dv := next(bucketDue)
	uc, uk, uv := next(bucketUnsent)
	for {
		dOK, uOK := dk != nil && bytes.Compare(dk, end) < 0, uk != nil && bytes.Compare(uk, end) < 0
		if !dOK && !uOK {
			return nil
		}
		if dOK && (!uOK || bytes.Compare(dk, uk) < 0) {
			if err := due(dk, dv); err != nil {
				return err
			}
			dk, dv = dc.Next()
			continue
		}
		if err := unsent(uk, uv); err != nil {
			return err
		}
		uk, uv = uc.Next()
	}
}

func (f Filter) matches(s *cases.Summary, now time.Time) bool {
	n := f.narrowing()
	return n.Allows(s, now) && (strings.TrimSpace(f.Query) == "" || cases.QueryMatches(s, f.Query))
}

// narrowing is the filter's part that the app's quick filters share.
func (f Filter) narrowing() cases.Narrowing {
	return cases.Narrowing{Statuses: f.Statuses, Controller: f.Controller, Right: f.Right, Overdue: f.Overdue,
		DueWithin: f.DueWithin, All: f.All, Voided: f.Voided, AnswerNotSent: f.AnswerNotSent}
}

// Rows returns the queue rows of the given cases (those that exist), with
// the change counter they are current to: what a long-running screen
// reloads after Changes named them.
func (s *Store) Rows(ids []string) ([]cases.Summary, uint64, error) {
	var out []cases.Summary
	var changes uint64
	err := s.view(func(tx kv.Tx) error {
		changes = tx.Bucket(bucketChanges).Sequence()
		rows := tx.Bucket(bucketRows)
		for _, id := range ids {
			v := rows.Get([]byte(id))
			if v == nil {
				continue
			}
			sum, _, err := decodeRow(v)
			if err != nil {
				return &StoreError{Path: s.path, Err: ErrDamaged, Detail: "case " + id + ": " + err.Error(), Advice: restoreAdvice}
			}
			out = append(out, sum)
		}
		return nil
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, 0, nil
	}
	return out, changes, err
}
