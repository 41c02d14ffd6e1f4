package kv_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage/kv"
	"rightsdesk/storage/kv/kvtest"
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

// dump is kvtest.Dump of db.
func dump(t *testing.T, db *bolt.DB) string {
	t.Helper()
	var out string
	if err := db.View(func(tx *bolt.Tx) (err error) {
		out, err = kvtest.Dump(kv.Wrap(tx))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRecordThenApplyMakesTheSameFile: random transactions made through
// Record on one file, their logs applied to another with Apply, leave the two
// files with the same buckets, keys, values and sequences, the replica's
// promise.
func TestRecordThenApplyMakesTheSameFile(t *testing.T) {
	writer, replica := openDB(t, "writer.db"), openDB(t, "replica.db")
	rng := rand.New(rand.NewPCG(7, 21))
	for round := range 60 {
		var ops []kv.Op
		err := writer.Update(func(btx *bolt.Tx) error {
			tx, log := kv.Record(kv.Wrap(btx))
			if err := kvtest.RandomChanges(rng, tx, 1+rng.IntN(30), fmt.Sprint("v", round)); err != nil {
				return err
			}
			ops = log()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := replica.Update(func(btx *bolt.Tx) error {
			tx := kv.Wrap(btx)
			if err := kv.Apply(tx, ops); err != nil {
				return err
			}
			return kv.SetRevision(tx, int64(round+1))
		}); err != nil {
			t.Fatal(err)
		}
		if w, r := dump(t, writer), dump(t, replica); w != r {
			t.Fatalf("round %d: replica differs from writer\nwriter:\n%s\nreplica:\n%s", round, w, r)
		}
	}
	if err := replica.View(func(btx *bolt.Tx) error {
		if got := kv.Revision(kv.Wrap(btx)); got != 60 {
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
		rec, _ := kv.Record(kv.Wrap(btx))
		for _, tx := range []kv.Tx{kv.Wrap(btx), rec} {
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
