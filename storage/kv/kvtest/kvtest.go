// Package kvtest is what the tests of a replica share (storage/kv, storage,
// etcdstore): a dump of a store to compare two replicas by, and random
// transactions to make them with. Only tests import it.
package kvtest

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"rightsdesk/storage/kv"
)

// Dump is every bucket, key, value and sequence in tx, in order, but the
// replica's own bucket (kv.ReplicaBucket): two replicas hold the same store
// when their dumps are equal.
func Dump(tx kv.Tx) (string, error) {
	var out bytes.Buffer
	var walk func(prefix string, b kv.Bucket) error
	walk = func(prefix string, b kv.Bucket) error {
		fmt.Fprintf(&out, "%s seq=%d\n", prefix, b.Sequence())
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(fmt.Sprintf("%s/%q", prefix, k), b.Bucket(k))
			}
			fmt.Fprintf(&out, "%s %q=%q\n", prefix, k, v)
			return nil
		})
	}
	err := tx.ForEach(func(name []byte, b kv.Bucket) error {
		if bytes.Equal(name, kv.ReplicaBucket) {
			return nil
		}
		return walk(fmt.Sprintf("%q", name), b)
	})
	return out.String(), err
}

// RandomChanges makes n random changes in tx: puts (values tag-N), deletes,
// sequences, a cursor's delete, nested buckets created and deleted, key
// names holding the byte 0x00 that a cluster's key encoding escapes.
// Bucket names (b0-b2) and key names (k\x00N) never collide.
func RandomChanges(rng *rand.Rand, tx kv.Tx, n int, tag string) error {
	name := func(n int) []byte { return fmt.Appendf(nil, "k\x00%d", rng.IntN(n)) }
	bucket := func() []byte { return fmt.Appendf(nil, "b%d", rng.IntN(3)) }
	for range n {
		top, err := tx.CreateBucketIfNotExists(bucket())
		if err != nil {
			return err
		}
		b := top
		if rng.IntN(2) == 0 {
			if b, err = top.CreateBucketIfNotExists(bucket()); err != nil {
				return err
			}
		}
		switch rng.IntN(8) {
		case 0, 1, 2:
			err = b.Put(name(20), fmt.Appendf(nil, "%s-%d", tag, rng.IntN(1000)))
		case 3:
			err = b.Delete(name(20))
		case 4:
			_, err = b.NextSequence()
		case 5:
			c := b.Cursor()
			if k, v := c.Seek(name(20)); k != nil && v != nil {
				err = c.Delete()
			}
		case 6:
			if k := bucket(); top.Bucket(k) != nil && rng.IntN(3) == 0 {
				err = top.DeleteBucket(k)
			}
		case 7:
			if k := bucket(); tx.Bucket(k) != nil && rng.IntN(4) == 0 {
				err = tx.DeleteBucket(k)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
