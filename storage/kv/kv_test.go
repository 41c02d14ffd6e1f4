package kv_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
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

// TestRecordSaysWhatEachChangeReplaced: a recorded Put or Delete carries
// the length of the value the key held before it (0 when it held none),
// however the key was deleted: by Delete, by a cursor, or with its bucket.
func TestRecordSaysWhatEachChangeReplaced(t *testing.T) {
	db := openDB(t, "f.db")
	if err := kv.Update(db, func(tx kv.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for k, v := range map[string]string{"a": "12345", "c": "123", "d": "1234567"} {
			if err := b.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		_, err = b.CreateBucket([]byte("sub"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := kv.Update(db, func(btx kv.Tx) error {
		tx, log := kv.Record(btx)
		b := tx.Bucket([]byte("b"))
		if err := b.Put([]byte("a"), []byte("xy")); err != nil { // held 5 bytes
			return err
		}
		if err := b.Put([]byte("a"), []byte("z")); err != nil { // now 2
			return err
		}
		if err := b.Put([]byte("new"), []byte("v")); err != nil { // none
			return err
		}
		if err := b.Delete([]byte("missing")); err != nil { // none
			return err
		}
		c := b.Cursor()
		if k, _ := c.Seek([]byte("c")); string(k) != "c" {
			t.Fatalf("cursor on %q", k)
		}
		if err := c.Delete(); err != nil { // 3
			return err
		}
		if err := b.Bucket([]byte("sub")).Put([]byte("s"), []byte("1234")); err != nil { // none
			return err
		}
		if err := tx.DeleteBucket([]byte("b")); err != nil { // a 1, d 7, new 1, sub's s 4
			return err
		}
		for _, op := range log() {
			if op.Kind == kv.Put || op.Kind == kv.Delete {
				got = append(got, fmt.Sprintf("%s %d", op, op.Replaced))
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`put ["b"] "a" 5`, `put ["b"] "a" 2`, `put ["b"] "new" 0`, `delete ["b"] "missing" 0`, `delete ["b"] "c" 3`,
		`put ["b" "sub"] "s" 0`, `delete ["b"] "a" 1`, `delete ["b"] "d" 7`, `delete ["b"] "new" 1`, `delete ["b" "sub"] "s" 4`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("recorded:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
