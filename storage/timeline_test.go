package storage

import (
	"rightsdesk/storage/kv"
)

// delete removes event seq (a purge never does: tests use it to tamper).
func (t *timeline) delete(seq uint64) error {
	if t.frozen != nil {
		if err := t.thaw(); err != nil {
			return err
		}
	}
	if t.nested != nil {
		return t.nested.Delete(u64(seq))
	}
	return t.flat.Delete(eventKey(t.prefix, seq))
}

// unflatten lays out the timelines of a file as schema 4 stored them: a
// bucket per case in bucketTimelines, the flat events bucket gone (the
// old-format fixtures start from a file this build wrote).
func unflatten(tx kv.Tx) error {
	flat := tx.Bucket(bucketEvents)
	if flat == nil {
		return nil
	}
	old, err := tx.CreateBucketIfNotExists(bucketTimelines)
	if err != nil {
		return err
	}
	var ids []string
	_ = flat.ForEach(func(k, _ []byte) error {
		if id := caseOfEventKey(k); len(ids) == 0 || ids[len(ids)-1] != id {
			ids = append(ids, id)
		}
		return nil
	})
	for _, id := range ids {
		tl, _ := timelineOf(tx, id) // before its bucket, which it would read
		nested, err := old.CreateBucketIfNotExists([]byte(id))
		if err != nil {
			return err
		}
		err = tl.forEach(func(k, v []byte) error { return nested.Put(append([]byte(nil), k...), append([]byte(nil), v...)) })
		if err != nil {
			return err
		}
	}
	return tx.DeleteBucket(bucketEvents)
}
