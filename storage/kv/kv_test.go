package kv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func openDB(t *testing.T, name string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), name), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dump is every bucket, key, value and sequence of db, in order.
func dump(t *testing.T, db *bolt.DB) string {
	t.Helper()
	var out bytes.Buffer
	var walk func(prefix string, b *bolt.Bucket)
	walk = func(prefix string, b *bolt.Bucket) {
		fmt.Fprintf(&out, "%s seq=%d\n", prefix, b.Sequence())
		_ = b.ForEach(func(k, v []byte) error {
			if v == nil {
				walk(prefix+"/"+string(k), b.Bucket(k))
			} else {
				fmt.Fprintf(&out, "%s %q=%q\n", prefix, k, v)
			}
			return nil
		})
	}
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if !bytes.Equal(name, ReplicaBucket) {
				walk(string(name), b)
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestRecordThenApplyMakesTheSameFile: random transactions made through
// Record on one file, their logs applied to another with Apply, leave the two
// files with the same buckets, keys, values and sequences, the replica's
// promise.
func TestRecordThenApplyMakesTheSameFile(t *testing.T) {
	writer, replica := openDB(t, "writer.db"), openDB(t, "replica.db")
	rng := rand.New(rand.NewPCG(7, 21))
	name := func(n int) []byte { return fmt.Appendf(nil, "k%d", rng.IntN(n)) }
	bucket := func() []byte { return fmt.Appendf(nil, "b%d", rng.IntN(3)) }
	for round := range 60 {
		var ops []Op
		err := writer.Update(func(btx *bolt.Tx) error {
			tx, log := Record(Wrap(btx))
			for range 1 + rng.IntN(30) {
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
				switch rng.IntN(9) {
				case 0, 1, 2, 3:
					err = b.Put(name(20), fmt.Appendf(nil, "v%d-%d", round, rng.IntN(1000)))
				case 4:
					err = b.Delete(name(20))
				case 5:
					_, err = b.NextSequence()
				case 6:
					c := b.Cursor()
					if k, v := c.Seek(name(20)); k != nil && v != nil {
						err = c.Delete()
					}
				case 7:
					if k := bucket(); top.Bucket(k) != nil && rng.IntN(3) == 0 {
						err = top.DeleteBucket(k)
					}
				case 8:
					if k := bucket(); tx.Bucket(k) != nil && rng.IntN(4) == 0 {
						err = tx.DeleteBucket(k)
					}
				}
				if err != nil {
					return err
				}
			}
			ops = log()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := replica.Update(func(btx *bolt.Tx) error {
			tx := Wrap(btx)
			if err := Apply(tx, ops); err != nil {
				return err
			}
			return SetRevision(tx, int64(round+1))
		}); err != nil {
			t.Fatal(err)
		}
		if w, r := dump(t, writer), dump(t, replica); w != r {
			t.Fatalf("round %d: replica differs from writer\nwriter:\n%s\nreplica:\n%s", round, w, r)
		}
	}
	if err := replica.View(func(btx *bolt.Tx) error {
		if got := Revision(Wrap(btx)); got != 60 {
			t.Errorf("revision %d, want 60 (the last round applied)", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestMissingBucketIsUntypedNil: code that tests b == nil must see a
// missing bucket as nil through Wrap and through Record.
func TestMissingBucketIsUntypedNil(t *testing.T) {
	db := openDB(t, "f.db")
	_ = db.Update(func(btx *bolt.Tx) error {
		rec, _ := Record(Wrap(btx))
		for _, tx := range []Tx{Wrap(btx), rec} {
			if b := tx.Bucket([]byte("none")); b != nil {
				t.Errorf("%T: missing bucket is %#v, want nil", tx, b)
			}
			top, err := tx.CreateBucketIfNotExists([]byte("top"))
			if err != nil {
				t.Fatal(err)
			}
			if b := top.Bucket([]byte("none")); b != nil {
				t.Errorf("%T: missing nested bucket is %#v, want nil", tx, b)
			}
		}
		return nil
	})
}
