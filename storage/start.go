package storage

import (
	"bytes"
	"errors"
	"slices"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// What the terminal app reads at start, in three steps whose cost grows
// with what is on screen, then with the open cases, and only on demand
// with the archive: the first screen of the queue with the counts (Start),
// the open cases (OpenQueue), the closed ones (ClosedQueue).

// Paged is what answers the app's start in three reads (Store, and a
// caller's scoped view of it, which the team server answers with).
type Paged interface {
	Start(now time.Time, n int) (*Start, error)
	OpenQueue(now time.Time) ([]cases.Summary, uint64, error)
	ClosedQueue(now time.Time) ([]cases.Summary, uint64, error)
}

// Start is the first screen of the queue: its first rows in the urgency
// order and the counts the header shows, with the change counter they are
// current to.
type Start struct {
	Rows    []cases.Summary
	Counts  Counts
	Changes uint64
}

// Start reads the first n rows of the queue in the urgency order (of the
// cases that owe an answer and are not voided: the open ones and those
// closed with their answer not sent) and the counts of all organisations
// as of now. The due and unsent indexes are read from their first entry,
// so that this reads about n entries whatever the file holds; only when
// they hold fewer than n are the paused cases read too.
func (s *Store) Start(now time.Time, n int) (*Start, error) { return s.start(now, n, nil) }

// start is Start of the organisations covers lets through (all when nil):
// the rows and the counts of the others are left out.
func (s *Store) start(now time.Time, n int, covers func(org string) bool) (*Start, error) {
	out := &Start{}
	err := s.view(func(tx kv.Tx) error {
		out.Changes = tx.Bucket(bucketChanges).Sequence()
		var err error
		if out.Counts, err = countsIn(tx, covers, now); err != nil {
			return s.damaged("the counts", err)
		}
		out.Rows = make([]cases.Summary, 0, n)
		full := errors.New("full")
		err = eachMerged(tx, farFuture, func(k, v []byte) error {
			id := k[bytes.LastIndexByte(k, 0)+1:]
			row := tx.Bucket(bucketRows).Get(id) // the due entry holds the view alone
			if row == nil {
				return s.damaged(string(id), errBadRow)
			}
			if covers != nil && !covers(rowController(row)) {
				return nil
			}
			return s.appendRow(&out.Rows, k, row, n, full)
		}, func(k, v []byte) error {
			if bytes.HasPrefix(k, []byte(noDue)) {
				return full // the cases without a due instant sort with the paused ones
			}
			if covers != nil && !covers(rowController(v)) {
				return nil
			}
			return s.appendRow(&out.Rows, k, v, n, full)
		})
		if err != nil && err != full {
			return err
		}
		if len(out.Rows) >= n {
			return nil
		}
		rest, err := s.waitingRows(tx)
		if err != nil {
			return err
		}
		if covers != nil {
			rest = slices.DeleteFunc(rest, func(r cases.Summary) bool { return !covers(r.Controller) })
		}
		cases.SortByUrgency(rest)
		out.Rows = append(out.Rows, rest[:min(len(rest), n-len(out.Rows))]...)
		return nil
	})
	if errors.Is(err, ErrNoDatabase) {
		return &Start{Counts: Counts{OpenByStatus: map[cases.Status]int{}}}, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// farFuture is after every due instant: the due-keyed indexes read up to
// it are read whole ("~", after every digit).
var farFuture = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

func (s *Store) appendRow(rows *[]cases.Summary, k, row []byte, n int, full error) error {
	if len(*rows) >= n {
		return full
	}
	candidatesRead.Add(1)
	*rows = append(*rows, cases.Summary{})
	if _, err := decodeRowInto(&(*rows)[len(*rows)-1], row); err != nil {
		return s.damaged(string(k[bytes.LastIndexByte(k, 0)+1:]), err)
	}
	return nil
}

func (s *Store) damaged(what string, err error) error {
	return &StoreError{Path: s.path, Err: ErrDamaged, Detail: "case " + what + ": " + err.Error(), Advice: restoreAdvice}
}

// waitingRows are the rows of the cases owing an answer without a due
// instant: open and paused or awaiting a restart (the waiting index), and
// closed with their answer not sent and no due instant.
func (s *Store) waitingRows(tx kv.Tx) ([]cases.Summary, error) {
	var out []cases.Summary
	rows := tx.Bucket(bucketRows)
	err := tx.Bucket(bucketWaiting).ForEach(func(k, _ []byte) error {
		id := k[bytes.LastIndexByte(k, 0)+1:]
		row := rows.Get(id)
		if row == nil {
			return s.damaged(string(id), errors.New("indexed as waiting, and no row"))
		}
		out = append(out, cases.Summary{})
		if _, err := decodeRowInto(&out[len(out)-1], row); err != nil {
			return s.damaged(string(id), err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if b := tx.Bucket(bucketUnsent); b != nil {
		c := b.Cursor()
		for k, v := c.Seek([]byte(noDue)); k != nil; k, v = c.Next() {
			out = append(out, cases.Summary{})
			if _, err := decodeRowInto(&out[len(out)-1], v); err != nil {
				return nil, s.damaged(string(k[bytes.LastIndexByte(k, 0)+1:]), err)
			}
		}
	}
	return out, nil
}

// OpenQueue loads the summaries of the cases that owe an answer and are
// not voided (the open ones and those closed with their answer not sent),
// in the urgency order, with the change counter they are current to: the
// queue the terminal app keeps, read from the owing bucket, which holds
// those cases' rows alone.
func (s *Store) OpenQueue(now time.Time) ([]cases.Summary, uint64, error) {
	var out []cases.Summary
	var changes uint64
	err := s.view(func(tx kv.Tx) error {
		changes = tx.Bucket(bucketChanges).Sequence()
		owing := tx.Bucket(bucketOwing)
		if owing == nil {
			return nil
		}
		c, err := countsIn(tx, nil, now)
		if err != nil {
			return s.damaged("the counts", err)
		}
		out = make([]cases.Summary, 0, c.Open+c.AnswerNotSent)
		pages, shared := pageRelease{tx: tx}, rowStrings{}
		defer pages.release()
		return owing.ForEach(func(k, v []byte) error {
			pages.visited()
			out = append(out, cases.Summary{})
			if _, err := decodeRowShared(&out[len(out)-1], v, shared); err != nil {
				return s.damaged(string(k), err)
			}
			return nil
		})
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, 0, nil
	}
	cases.SortByUrgency(out)
	return out, changes, err
}

// ClosedQueue loads the summaries OpenQueue leaves out: the cases closed
// owing no answer, answered, or voided (which the queue leaves out and the
// overview counts apart), in the urgency order, with the change counter
// they are current to. It reads every row: what the app asks for only
// when a filter or a view needs the closed cases.
func (s *Store) ClosedQueue(now time.Time) ([]cases.Summary, uint64, error) {
	var out []cases.Summary
	var changes uint64
	err := s.view(func(tx kv.Tx) error {
		changes = tx.Bucket(bucketChanges).Sequence()
		c, err := countsIn(tx, nil, time.Time{})
		if err != nil {
			return s.damaged("the counts", err)
		}
		out = make([]cases.Summary, 0, max(0, c.Cases-c.Open-c.AnswerNotSent)+c.Voided)
		pages, shared := pageRelease{tx: tx}, rowStrings{}
		defer pages.release()
		return tx.Bucket(bucketRows).ForEach(func(k, v []byte) error {
			pages.visited()
			out = append(out, cases.Summary{})
			sum := &out[len(out)-1]
			if _, err := decodeRowShared(sum, v, shared); err != nil {
				return s.damaged(string(k), err)
			}
			if !sum.Voided && (!sum.Closed() || sum.AnswerNotSent()) {
				out = out[:len(out)-1]
			}
			return nil
		})
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, 0, nil
	}
	cases.SortByUrgency(out)
	return out, changes, err
}
