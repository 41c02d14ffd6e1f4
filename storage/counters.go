package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
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
//   - owing: the rows of the cases owing an answer (the open ones, not
//     voided, and those closed with their answer not sent), by ID: the
//     queue the app holds, read without touching the archive's rows or the
//     views the due index carries.
//   - counts: per organisation, the figures the queue's header and the
//     overview show before the queue is loaded (Counts), kept current in
//     each write transaction; and, per organisation and UTC day, how many
//     cases owing an answer fall due that day, so that overdue and due
//     this week are sums of days, plus the few cases due today.
var (
	bucketUnsent  = []byte("unsent")
	bucketOwing   = []byte("owing")
	bucketCounts  = []byte("counts")
	bucketDueDays = []byte("due-days")
)

// bucketsDerived are the derived buckets a write keeps current beside the
// case (the due, waiting, rows and reports buckets are bucketsV2): laid out
// with the schema (createSchema) and by each rebuild (rebuildIndex), so
// that a write looks them up instead of creating them (derivedBucket).
var bucketsDerived = [][]byte{bucketUnsent, bucketOwing, bucketCounts, bucketDueDays}

// derivedBucket is the derived bucket name of a write transaction. Only a
// file laid out before the schema held it (one made by init and not yet
// written to) lacks it: it is made then, once.
func derivedBucket(tx kv.Tx, name []byte) (kv.Bucket, error) {
	if b := tx.Bucket(name); b != nil {
		return b, nil
	}
	return tx.CreateBucket(name)
}

// owes reports whether a case belongs in the owing bucket.
func owes(s *cases.Summary) bool { return !s.Voided && (!s.Closed() || s.AnswerNotSent()) }

// dueDay is the key of the case's due day in the due-days bucket
// (organisation, NUL, UTC date), or "" when it owes no answer by a due
// instant (cases.Summary.Overdue's cases).
func dueDay(s *cases.Summary) string {
	if s.EffectiveDueAt.IsZero() || !(s.Running() || s.AnswerNotSent()) {
		return ""
	}
	return s.Controller + "\x00" + s.EffectiveDueAt.UTC().Format(time.DateOnly)
}

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

// countsDelta is what a write changes in the counts of each organisation
// and in its due days, added to the stored counts once, at the end
// (flush).
type countsDelta struct {
	orgs map[string]*tally
	days map[string]int64
}

func newCountsDelta() *countsDelta {
	return &countsDelta{orgs: map[string]*tally{}, days: map[string]int64{}}
}

func (d *countsDelta) move(old, new *cases.Summary) {
	if old != nil {
		t := tallyOf(old)
		d.at(old.Controller).add(&t, -1)
		if k := dueDay(old); k != "" {
			d.days[k]--
		}
	}
	if new != nil {
		t := tallyOf(new)
		d.at(new.Controller).add(&t, 1)
		if k := dueDay(new); k != "" {
			d.days[k]++
		}
	}
}

func (d *countsDelta) at(org string) *tally {
	t := d.orgs[org]
	if t == nil {
		t = &tally{}
		d.orgs[org] = t
	}
	return t
}

// flush adds the delta to the stored counts.
func (d *countsDelta) flush(tx kv.Tx) error {
	if d == nil {
		return nil
	}
	b, err := derivedBucket(tx, bucketCounts)
	if err != nil {
		return err
	}
	for _, org := range slices.Sorted(maps.Keys(d.orgs)) {
		t, err := decodeTally(b.Get([]byte(org)))
		if err != nil && b.Get([]byte(org)) != nil {
			return err
		}
		t.add(d.orgs[org], 1)
		if t == (tally{}) {
			if err := b.Delete([]byte(org)); err != nil {
				return err
			}
			continue
		}
		if err := putChanged(b, []byte(org), t.encode()); err != nil { // record.go
			return err
		}
	}
	days, err := derivedBucket(tx, bucketDueDays)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(d.days)) {
		n := int64(0)
		if v := days.Get([]byte(k)); v != nil {
			u, _ := binary.Uvarint(v)
			n = int64(u)
		}
		n += d.days[k]
		if n <= 0 {
			err = days.Delete([]byte(k))
		} else {
			err = putChanged(days, []byte(k), binary.AppendUvarint(nil, uint64(n)))
		}
		if err != nil {
			return err
		}
	}
	clear(d.orgs)
	clear(d.days)
	return nil
}

// putOwing moves the case's row in the owing bucket.
func putOwing(tx kv.Tx, old, new *cases.Summary, id, row []byte) error {
	b, err := derivedBucket(tx, bucketOwing)
	if err != nil {
		return err
	}
	switch {
	case owes(new):
		return b.Put(id, row)
	case old != nil && owes(old):
		return b.Delete(id)
	}
	return nil
}

// putUnsent moves the case's entry in the unsent index (old is the row it
// had, nil for a new case), into the batch when there is one.
func putUnsent(tx kv.Tx, old, new *cases.Summary, row []byte, batch *indexBatch) error {
	b, err := derivedBucket(tx, bucketUnsent)
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
	err := s.view(func(tx kv.Tx) error {
		var err error
		c, err = countsIn(tx, organisation(org), now)
		return err
	})
	if errors.Is(err, ErrNoDatabase) {
		return Counts{OpenByStatus: map[cases.Status]int{}}, nil
	}
	return c, err
}

// organisation is the scope of one organisation, or of all (nil) when org
// is empty.
func organisation(org string) func(string) bool {
	if org == "" {
		return nil
	}
	return func(o string) bool { return o == org }
}

// countsIn sums the counts of the organisations covers lets through (all
// when nil).
func countsIn(tx kv.Tx, covers func(org string) bool, now time.Time) (Counts, error) {
	var sum tally
	if b := tx.Bucket(bucketCounts); b != nil {
		err := b.ForEach(func(k, v []byte) error {
			if covers != nil && !covers(string(k)) {
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
	var err error
	c.Overdue, err = owingBefore(tx, covers, now)
	if err != nil {
		return c, err
	}
	c.DueThisWeek, err = owingBefore(tx, covers, now.Add(cases.Week))
	return c, err
}

// owingBefore counts the cases of the organisations covers lets through owing
// their answer past a due instant before t: the due days before t's (UTC)
// day, summed, then the cases due on t's day read from the due and unsent
// indexes, from the day's start to t.
func owingBefore(tx kv.Tx, covers func(org string) bool, t time.Time) (int, error) {
	n := 0
	day := t.UTC().Format(time.DateOnly)
	if b := tx.Bucket(bucketDueDays); b != nil {
		err := b.ForEach(func(k, v []byte) error {
			o, d, ok := bytes.Cut(k, []byte{0})
			if !ok || (covers != nil && !covers(string(o))) || string(d) >= day {
				return nil
			}
			u, _ := binary.Uvarint(v)
			n += int(u)
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	from := []byte(day)
	for _, name := range [][]byte{bucketDue, bucketUnsent} {
		b := tx.Bucket(name)
		if b == nil {
			continue
		}
		c := b.Cursor()
		end := indexEnd(t.Add(time.Second))
		for k, v := c.Seek(from); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
			due, _, _ := bytes.Cut(k, []byte{0})
			if !dueBefore(string(due), t) {
				continue
			}
			if covers == nil {
				n++
				continue
			}
			row := v
			if bytes.Equal(name, bucketDue) { // the due entry holds the view alone
				row = tx.Bucket(bucketRows).Get(k[bytes.LastIndexByte(k, 0)+1:])
			}
			if covers(rowController(row)) {
				n++
			}
		}
	}
	return n, nil
}

// dueBefore reports whether a due instant as an index key gives it
// (RFC 3339, whole seconds) is before t.
func dueBefore(due string, t time.Time) bool {
	at := t.UTC().Format(time.RFC3339)
	return due < at || (due == at && t.Nanosecond() > 0)
}

// eachIndexed calls fn with each entry of a due-keyed index whose due
// instant is before limit (to the second), in order.
func eachIndexed(tx kv.Tx, bucket []byte, limit time.Time, fn func(k, v []byte) error) error {
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
	r.field()
	r.requestField()
	n := r.uvarint()
	if r.err != nil || uint64(len(r.b)) < n {
		return ""
	}
	return string(r.b[:n])
}
