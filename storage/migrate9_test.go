package storage

import (
	"bytes"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage/kv"
)

// toSchema8 lays a file this build wrote out as schema 8 stored its
// attached files: a bucket per case in bucketFiles, name -> content.
func toSchema8(t testing.TB, path string) { relayout(t, path, 8, nestFiles) }

func nestFiles(tx kv.Tx) error {
	files, err := tx.CreateBucketIfNotExists(bucketFiles)
	if err != nil {
		return err
	}
	var ids []string
	_ = tx.Bucket(bucketAttached).ForEach(func(k, _ []byte) error {
		if id := caseOfFileKey(k); len(ids) == 0 || ids[len(ids)-1] != id {
			ids = append(ids, id)
		}
		return nil
	})
	for _, id := range ids {
		var names []string
		var contents [][]byte
		err := eachFile(tx, id, func(name string, content []byte) error {
			names, contents = append(names, name), append(contents, slices.Clone(content))
			return nil
		})
		if err != nil {
			return err
		}
		b, err := files.CreateBucket([]byte(id))
		if err != nil {
			return err
		}
		for i, name := range names {
			if err := b.Put([]byte(name), contents[i]); err != nil {
				return err
			}
		}
	}
	return tx.DeleteBucket(bucketAttached)
}

// allFiles is every attached file of a file, by case and name, as the
// store reads them.
func allFiles(t *testing.T, db *bolt.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := kv.View(db, func(tx kv.Tx) error {
		return tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
			return eachFile(tx, string(k), func(name string, content []byte) error {
				got, err := fileOf(tx, string(k), name)
				if err != nil || !bytes.Equal(got, content) {
					t.Errorf("%s %s: read by name %q %v, listed %q", k, name, got, err, content)
				}
				out[string(k)+"/"+name] = string(content)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrateToAttachedFiles: a schema-8 file of demo cases, its migration
// to schema 9 stopped after its first batch (as a process killed after
// that commit leaves it), reads every file and checks clean half-way,
// finishes on the next open, checks clean, and reads every file as
// before, byte for byte, from the flat bucket alone, in at most two thirds
// of schema 8's leaf bytes.
func TestMigrateToAttachedFiles(t *testing.T) {
	fileOnly(t, "a migration")
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "demo.db")
	demoFile(t, path, 800, now).Close()
	toSchema8(t, path)

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := allFiles(t, db)
	var oldBytes int
	_ = kv.View(db, func(tx kv.Tx) error {
		st := tx.Bucket(bucketFiles).Bolt().Stats()
		oldBytes = st.LeafInuse + st.InlineBucketInuse
		return nil
	})
	if len(before) < 200 {
		t.Fatalf("%d attached files: the test needs more", len(before))
	}
	if err := beginMigration(db, 8, now); err != nil {
		t.Fatal(err)
	}
	err = kv.Update(db, func(tx kv.Tx) error {
		last, err := attachFilesBatch(tx, nil, 50, now)
		if err != nil || last == nil {
			t.Fatalf("first batch: %q %v", last, err)
		}
		return tx.Bucket(bucketMeta).Put(keyMigration, append([]byte("9/"), last...))
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := checkRaw(t, db); len(p) > 0 {
		t.Fatalf("check half-way: %v", p[:min(len(p), 5)])
	}
	if half := allFiles(t, db); !maps.Equal(half, before) {
		t.Fatalf("half-way: %d files read, %d before", len(half), len(before))
	}
	_ = kv.View(db, func(tx kv.Tx) error {
		if tx.Bucket(bucketAttached).Bolt().Stats().KeyN == 0 || tx.Bucket(bucketFiles).Bolt().Stats().BucketN < 2 {
			t.Error("half-way, the files are not in both buckets")
		}
		return nil
	})
	db.Close()

	db = migratedRaw(t, path, now)
	defer db.Close()
	if after := allFiles(t, db); !maps.Equal(after, before) {
		t.Fatalf("after: %d files read, %d before", len(after), len(before))
	}
	_ = kv.View(db, func(tx kv.Tx) error {
		if tx.Bucket(bucketFiles) != nil {
			t.Error("the bucket of schema 8 is left")
		}
		newBytes := tx.Bucket(bucketAttached).Bolt().Stats().LeafInuse
		if 3*newBytes > 2*oldBytes {
			t.Errorf("the files' bytes: %d in schema 8, %d in schema 9", oldBytes, newBytes)
		}
		t.Logf("the files' bytes: %d in schema 8, %d in schema 9", oldBytes, newBytes)
		return nil
	})
}
