package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
)

// Two derived buckets, written with each case's row (putDerived) and
// rebuilt with it (rebuildIndex), so that what the app shows first and
// what list --overdue prints cost what they show, not the archive:
//
//   - unsent: the cases closed with their answer not sent
//     (Summary.AnswerNotSent), which still owe the subject a letter and
//     so count as overdue or due soon. The due index holds only open
//     cases; with this one beside it, overdue, due-within and unanswered
//     read index entries only. Keyed as the due index is (due instant,
//     receipt, ID: the urgency order), or, for one without a due instant,
//     after all of those by receipt and ID; the value is the case's row.
//   - counts: per organisation, the figures the queue's header and the
//     overview show before the queue is loaded (Counts), kept current in
//     each write transaction.
var (
	bucketUnsent = []byte("unsent")
	bucketCounts = []byte("counts")
)

// noDue begins the unsent key of a case without a due instant: after every
// due instant (digits), so that those sort last, as the urgency order puts
// them (with the paused cases).
const noDue = "~\x00"

// unsentKey is the case's key in the unsent index, nil when its answer is
// not owed (open, answered, voided, or closed owing none).
func unsentKey(s *cases.Summary) []byte {
	if !s.AnswerNotSent() {
		return nil
	}
	received := s.ReceivedAt.UTC().Format(fixedNano) + "\x00" + s.ID
	if s.EffectiveDueAt.IsZero() {
		return []byte(noDue + received)
	}
	return []byte(s.EffectiveDueAt.UTC().Format(time.RFC3339) + "\x00" + received)
}

// tally is one case's contribution to its organisation's counts, or the
// sum of many: the fields below, then the open cases by status in the
// order of cases.Statuses.
type tally [tallyStatus + 8]int64

const (
	tallyCases = iota // standing cases: all but the voided
	tallyOpen
	tallyUnsent
	tallyVoided
	tallyStatus
)

func tallyOf(s *cases.Summary) tally {
	var t tally
	if s.Voided {
		t[tallyVoided] = 1
		return t
	}
	t[tallyCases] = 1
	if !s.Closed() {
		t[tallyOpen] = 1
		if i := slices.Index(cases.Statuses, s.Status); i >= 0 && tallyStatus+i < len(t) {
			t[tallyStatus+i] = 1
		}
	}
	if s.AnswerNotSent() {
		t[tallyUnsent] = 1
	}
	return t
}

func (t *tally) add(o *tally, sign int64) {
	for i := range t {
		t[i] += sign * o[i]
	}
}

func (t *tally) encode() []byte {
	b := make([]byte, 0, len(t)+1)
	b = append(b, byte(len(t)))
	for _, v := range t {
		b = binary.AppendUvarint(b, uint64(max(v, 0)))
	}
	return b
}

func decodeTally(b []byte) (tally, error) {
	var t tally
	if len(b) == 0 || int(b[0]) != len(t) {
		return t, errBadCounts
	}
	b = b[1:]
	for i := range t {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return t, errBadCounts
		}
		t[i], b = int64(v), b[n:]
	}
	return t, nil
}

var errBadCounts = errors.New("unreadable counters")

// countsDelta is what a write changes in the counts of each organisation,
// added to the stored counts once, at the end (flush).
type countsDelta map[string]*tally

func (d countsDelta) move(old, new *cases.Summary) {
	if old != nil {
		t := tallyOf(old)
		d.at(old.Controller).add(&t, -1)
	}
	if new != nil {
		t := tallyOf(new)
		d.at(new.Controller).add(&t, 1)
	}
}

func (d countsDelta) at(org string) *tally {
	t := d[org]
	if t == nil {
		t = &tally{}
		d[org] = t
	}
	return t
}

// flush adds the delta to the stored counts.
func (d countsDelta) flush(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(bucketCounts)
	if err != nil {
		return err
	}
	for _, org := range slices.Sorted(maps.Keys(d)) {
		t, err := decodeTally(b.Get([]byte(org)))
		if err != nil && b.Get([]byte(org)) != nil {
			return err
		}
		t.add(d[org], 1)
		if t == (tally{}) {
			if err := b.Delete([]byte(org)); err != nil {
				return err
			}
			continue
		}
		if err := b.Put([]byte(org), t.encode()); err != nil {
			return err
		}
	}
	clear(d)
	return nil
}

// putUnsent moves the case's entry in the unsent index (old is the row it
// had, nil for a new case), into the batch when there is one.
func putUnsent(tx *bolt.Tx, old, new *cases.Summary, row []byte, batch *indexBatch) error {
	b, err := tx.CreateBucketIfNotExists(bucketUnsent)
	if err != nil {
		return err
	}
	if old != nil {
		if k := unsentKey(old); k != nil {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	k := unsentKey(new)
	switch {
	case k == nil:
		return nil
	case batch != nil:
		batch.entries = append(batch.entries, indexEntry{bucket: bucketUnsent, key: k, value: row})
		return nil
	}
	return b.Put(k, row)
}

// Counts are the figures of the cases of one organisation, or of all, that
// the queue's header and the overview show first (cases.Stats counts the
// same from the summaries): kept in the file, read without loading a case.
type Counts struct {
	Cases         int // every case but the voided
	Open          int
	OpenByStatus  map[cases.Status]int
	AnswerNotSent int // closed with the answer they owe not sent
	Voided        int
	// Overdue and DueThisWeek are as of the time asked, read from the due
	// and unsent indexes up to it: the cases still owing their answer
	// past their due instant, or due within 7 days (overdue included).
	Overdue, DueThisWeek int
}

// Counts returns the counts of one organisation's cases (all when org is
// empty) as of now.
func (s *Store) Counts(org string, now time.Time) (Counts, error) {
	var c Counts
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		c, err = countsIn(tx, org, now)
		return err
	})
	if errors.Is(err, ErrNoDatabase) {
		return Counts{OpenByStatus: map[cases.Status]int{}}, nil
	}
	return c, err
}

func countsIn(tx *bolt.Tx, org string, now time.Time) (Counts, error) {
	var sum tally
	if b := tx.Bucket(bucketCounts); b != nil {
		err := b.ForEach(func(k, v []byte) error {
			if org != "" && string(k) != org {
				return nil
			}
			t, err := decodeTally(v)
			if err != nil {
				return err
			}
			sum.add(&t, 1)
			return nil
		})
		if err != nil {
			return Counts{}, err
		}
	}
	c := Counts{Cases: int(sum[tallyCases]), Open: int(sum[tallyOpen]), AnswerNotSent: int(sum[tallyUnsent]),
		Voided: int(sum[tallyVoided]), OpenByStatus: map[cases.Status]int{}}
	for i, st := range cases.Statuses {
		if n := sum[tallyStatus+i]; n > 0 {
			c.OpenByStatus[st] = int(n)
		}
	}
	week := now.Add(cases.Week)
	err := eachOwing(tx, week, func(due string, row []byte) error {
		if org != "" && rowController(row) != org {
			return nil
		}
		c.DueThisWeek++
		if dueBefore(due, now) {
			c.Overdue++
		}
		return nil
	})
	return c, err
}

// dueBefore reports whether a due instant as an index key gives it
// (RFC 3339, whole seconds) is before t.
func dueBefore(due string, t time.Time) bool {
	at := t.UTC().Format(time.RFC3339)
	return due < at || (due == at && t.Nanosecond() > 0)
}

// eachOwing calls fn with the due instant (as its key gives it) and the row
// of each case owing its answer with a due instant before limit: the open
// ones with a running clock (due) and those closed with their answer not
// sent (unsent), each index read up to limit only.
func eachOwing(tx *bolt.Tx, limit time.Time, fn func(due string, row []byte) error) error {
	if err := eachIndexed(tx, bucketDue, limit, func(k, v []byte) error {
		row, _, ok := splitDueValue(v)
		if !ok {
			return errBadRow
		}
		return fn(string(k[:bytes.IndexByte(k, 0)]), row)
	}); err != nil {
		return err
	}
	return eachIndexed(tx, bucketUnsent, limit, func(k, v []byte) error { return fn(string(k[:bytes.IndexByte(k, 0)]), v) })
}

// eachIndexed calls fn with each entry of a due-keyed index whose due
// instant is before limit (to the second), in order.
func eachIndexed(tx *bolt.Tx, bucket []byte, limit time.Time, fn func(k, v []byte) error) error {
	b := tx.Bucket(bucket)
	if b == nil {
		return nil
	}
	end := indexEnd(limit)
	c := b.Cursor()
	for k, v := c.First(); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
		if bytes.IndexByte(k, 0) < 0 {
			return errBadRow
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// indexEnd is the first key of a due-keyed index not before limit.
func indexEnd(limit time.Time) []byte {
	return []byte(limit.UTC().Format(time.RFC3339))
}

// rowController is the organisation a row names, without decoding the rest
// (its third string: encodeRow).
func rowController(row []byte) string {
	if len(row) == 0 || row[0] != rowFormat {
		return ""
	}
	r := &rowReader{b: row[1:]}
	for range 2 {
		n := r.uvarint()
		if uint64(len(r.b)) < n {
			return ""
		}
		r.b = r.b[n:]
	}
	n := r.uvarint()
	if r.err != nil || uint64(len(r.b)) < n {
		return ""
	}
	return string(r.b[:n])
}
