package storage

import (
	"bytes"
	"errors"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// Changes returns the change counter and the IDs of the cases changed after
// the change numbered since, so that a long-running session reloads only
// what changed.
func (s *Store) Changes(since uint64) (uint64, []string, error) {
	var last uint64
	var ids []string
	err := s.view(func(tx kv.Tx) error {
		b := tx.Bucket(bucketChanges)
		last = b.Sequence()
		seen := map[string]bool{}
		c := b.Cursor()
		for k, v := c.Seek(u64(since + 1)); k != nil; k, v = c.Next() {
			if id := string(v); !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return nil
	})
	if errors.Is(err, ErrNoDatabase) {
		return 0, nil, nil
	}
	return last, ids, err
}

// fixedNano is RFC 3339 with nanoseconds that keeps its width, so that keys
// sort as times do.
const fixedNano = "2006-01-02T15:04:05.000000000Z"

// encodeDueValue is a due entry's value: the case's view, packed
// (dueview.go); its row is in the rows bucket alone. The view is not
// compressed: with caseDict (1.2 KB to about 400 bytes) it saved 147
// bytes a case at 100,000 but made list --overdue --json spend 30 ms more
// CPU inflating what it prints (97 vs 67 ms); packing its keys saves
// about 600 bytes for a copy.
func encodeDueValue(view []byte) []byte {
	return appendPackedView(make([]byte, 0, len(view)*5/8), view)
}

// indexKey is the case's key in the due or waiting index, or nil when it is
// closed or voided (a case recorded by mistake has no running clock and
// waits for nothing).
func indexKey(c *cases.Case, st *cases.State) ([]byte, []byte) {
	d := st.Deadlines
	switch {
	case st.Status == cases.StatusClosed || st.Voided != nil:
		return nil, nil
	case d.Clock == cases.ClockRunning && d.EffectiveDueAt != nil:
		// Due instant, then receipt, then ID: the urgency order of open
		// cases with a running clock, so the index is read in order.
		return bucketDue, []byte(d.EffectiveDueAt.UTC().Format(time.RFC3339) + "\x00" +
			c.ReceivedAt.UTC().Format(fixedNano) + "\x00" + c.ID)
	}
	return bucketWaiting, []byte(st.Deadlines.ReceiptDate.String() + "\x00" + c.ID)
}

// putDerived puts the case's row, its index entries (into the batch when
// there is one) and its report entry, and moves the case in its
// organisation's counts: its row before (still stored) is what it is
// counted as until now.
func (enc *encodedCase) putDerived(tx kv.Tx, batch *indexBatch) error {
	rows, sum := tx.Bucket(bucketRows), &enc.sum
	var old *cases.Summary
	if v := rows.Get(enc.id); v != nil {
		if was, _, err := decodeRow(v); err == nil {
			old = &was
		}
	}
	if err := enc.putReportEntry(tx, old, batch); err != nil { // reportrow.go; the old row says where the old entry is
		return err
	}
	if err := rows.Put(enc.id, enc.row); err != nil {
		return err
	}
	if err := putUnsent(tx, old, sum, enc.row, batch); err != nil {
		return err
	}
	if err := putOwing(tx, old, sum, enc.id, enc.row); err != nil {
		return err
	}
	if batch != nil {
		if batch.counts == nil {
			batch.counts = newCountsDelta()
		}
		batch.counts.move(old, sum)
	} else {
		d := newCountsDelta()
		d.move(old, sum)
		if err := d.flush(tx); err != nil {
			return err
		}
	}
	switch {
	case enc.index.bucket == nil:
		return nil
	case batch != nil:
		batch.entries = append(batch.entries, enc.index)
		return nil
	}
	return tx.Bucket(enc.index.bucket).Put(enc.index.key, enc.index.value)
}

// indexBatch holds the due and waiting index entries of a bulk write, to be
// put in key order at the end of the transaction: keys put in random order
// make each insert shift a page that grows in memory until commit, which is
// quadratic over a large import. Only new cases go through a batch (they
// have no older entry to remove).
type indexBatch struct {
	entries []indexEntry
	counts  *countsDelta // what the cases written change in the counts
}

type indexEntry struct{ bucket, key, value []byte }

func (b *indexBatch) flush(tx kv.Tx) error {
	slices.SortFunc(b.entries, func(x, y indexEntry) int {
		if c := bytes.Compare(x.bucket, y.bucket); c != 0 {
			return c
		}
		return bytes.Compare(x.key, y.key)
	})
	var bucket kv.Bucket
	for i, e := range b.entries {
		if i == 0 || !bytes.Equal(e.bucket, b.entries[i-1].bucket) {
			bucket = tx.Bucket(e.bucket)
			bucket.SetFillPercent(batchFill(bucket, e.key))
		}
		if err := bucket.Put(e.key, e.value); err != nil {
			return err
		}
	}
	b.entries = b.entries[:0]
	return b.counts.flush(tx)
}

// batchFill is how full a bulk load packs the pages of a bucket whose
// first new key is first: almost full where the batch's keys all come
// after the bucket's last (as an archive loaded in order of receipt
// writes its report entries), else bbolt's default half, which leaves
// room for the next batch's keys among them. The due, unsent and report
// entries of a demo's last weeks come out of order; packed full, the
// page each batch put a key in split at once into a full one and a nearly
// empty one, and the file's high-water mark grew by their slack (2.5% of
// a 20,000-case demo's), which PackDerived's rewrite frees but cannot
// give back.
func batchFill(b kv.Bucket, first []byte) float64 {
	if last, _ := b.Cursor().Last(); last == nil || bytes.Compare(first, last) > 0 {
		return 0.95
	}
	return 0.5
}

// rebuildIndex recomputes what is derived from every case: its view, row
// and due-date index entry (after a migration, or when the engine that
// computed them changed), as of now: a paused case's dates count the pause
// up to that day.
func rebuildIndex(tx kv.Tx, now time.Time) error {
	if err := emptyDerived(tx); err != nil {
		return err
	}
	var ids [][]byte
	_ = tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error { ids = append(ids, slices.Clone(k)); return nil })
	if err := reindexCases(tx, ids, now); err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keyIndexEngine, indexStamp())
}

// emptyDerived empties the buckets derived from the cases.
func emptyDerived(tx kv.Tx) error {
	for _, n := range append(slices.Clone(bucketsV2), bucketsDerived...) {
		if err := tx.DeleteBucket(n); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return err
		}
		if _, err := tx.CreateBucket(n); err != nil {
			return err
		}
	}
	return nil
}

// reindexCases writes the view, row and index entries of the cases named,
// into derived buckets that hold none of theirs.
func reindexCases(tx kv.Tx, ids [][]byte, now time.Time) error {
	batch := &indexBatch{}
	for _, id := range ids {
		rec, st, err := loadState(tx, string(id), now)
		if err != nil {
			return err
		}
		if err := writeCase(tx, rec, st, batch); err != nil {
			return err
		}
	}
	return batch.flush(tx)
}

// keyReindexing marks a rebuild of the index under way (rebuildIndexInBatches):
// the last case whose entries are written, empty before the first.
var keyReindexing = []byte("reindexing")

// reindexBatch is how many cases one transaction of an index rebuild
// writes: a file of a million cases is rebuilt in bounded memory, not in
// one transaction holding every page it dirties.
var reindexBatch = 2000

// rebuildIndexInBatches is rebuildIndex a batch of cases per transaction.
// The first empties the derived buckets and leaves the index stamp stale,
// so that until the last one (which writes the stamp) every open sees the
// index as stale: a read-only one refuses with "needs a schema upgrade",
// a writing one resumes after the last batch committed (keyReindexing).
func rebuildIndexInBatches(db *bolt.DB, now time.Time) error {
	var after []byte
	err := kv.Update(db, func(tx kv.Tx) error {
		m := tx.Bucket(bucketMeta)
		if v := m.Get(keyReindexing); v != nil {
			after = slices.Clone(v)
			return nil
		}
		if err := emptyDerived(tx); err != nil {
			return err
		}
		if err := m.Put(keyIndexEngine, []byte("reindexing")); err != nil {
			return err
		}
		return m.Put(keyReindexing, []byte{})
	})
	for done := false; err == nil && !done; {
		err = kv.Update(db, func(tx kv.Tx) error {
			ids := casesAfter(tx, after, reindexBatch)
			if err := reindexCases(tx, ids, now); err != nil {
				return err
			}
			m := tx.Bucket(bucketMeta)
			if len(ids) < reindexBatch {
				done = true
				if err := m.Delete(keyReindexing); err != nil {
					return err
				}
				return m.Put(keyIndexEngine, indexStamp())
			}
			after = ids[len(ids)-1]
			return m.Put(keyReindexing, after)
		})
	}
	return err
}
