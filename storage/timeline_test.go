package storage

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// delete removes event seq (a purge never does: tests use it to tamper).
func (t timeline) delete(seq uint64) error {
	if t.nested != nil {
		return t.nested.Delete(u64(seq))
	}
	return t.flat.Delete(eventKey(t.prefix, seq))
}

// unflatten lays out the timelines of a file as schema 4 stored them: a
// bucket per case in bucketTimelines, the flat events bucket gone (the
// old-format fixtures start from a file this build wrote).
func unflatten(tx *bolt.Tx) error {
	flat := tx.Bucket(bucketEvents)
	if flat == nil {
		return nil
	}
	old, err := tx.CreateBucketIfNotExists(bucketTimelines)
	if err != nil {
		return err
	}
	err = flat.ForEach(func(k, v []byte) error {
		tl, err := old.CreateBucketIfNotExists([]byte(caseOfEventKey(k)))
		if err != nil {
			return err
		}
		return tl.Put(u64(binary.BigEndian.Uint64(k[len(k)-8:])), v)
	})
	if err != nil {
		return err
	}
	return tx.DeleteBucket(bucketEvents)
}
