package storage

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// toSchema7 lays a file this build wrote out as schema 7 stored its logs:
// every tile of leaves with its hashes, and no sources.
func toSchema7(t testing.TB, path string) { relayout(t, path, 7, unsourceLogs) }

// unsourceLogs stores every log's tiles of leaves whole and drops their
// sources.
func unsourceLogs(tx *bolt.Tx) error {
	logs := tx.Bucket(bucketLogs)
	return logs.ForEach(func(org, _ []byte) error {
		b := logs.Bucket(org)
		var sources [][]byte
		_ = b.ForEach(func(k, _ []byte) error {
			if isSourceKey(k) {
				sources = append(sources, bytes.Clone(k))
			}
			return nil
		})
		for n := int64(0); n<<logTileHeight < logSize(b); n++ {
			if b.Get(tileKey(0, n)) != nil {
				continue
			}
			data, err := sourcedTile(tx, b, string(org), n)
			if err != nil {
				return err
			}
			if err := b.Put(tileKey(0, n), data); err != nil {
				return err
			}
		}
		for _, k := range sources {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestMigrateToSourcedLogs: a schema-7 file of demo cases, its migration
// to schema 8 stopped after its first batch (as a process killed after
// that commit leaves it), checks clean half-way, finishes on the next
// open, checks clean, and every log's root, signed checkpoint and case
// proof is what it was, byte for byte, with the logs in the bytes this
// build writes them in: a third of schema 7's or less, as a leaf's 32-byte
// hash becomes a share of the few case IDs its tile names.
func TestMigrateToSourcedLogs(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "demo.db")
	demoFile(t, path, 800, now)
	newLogs := logBytes(t, path)
	toSchema7(t, path)
	oldLogs := logBytes(t, path)

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	evidence := logEvidence(t, db)
	if err := beginMigration(db, 7, now); err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		last, err := sourceLogsBatch(tx, nil, 300, now)
		if err != nil || last == nil {
			t.Fatalf("first batch: %q %v", last, err)
		}
		return tx.Bucket(bucketMeta).Put(keyMigration, append([]byte("8/"), last...))
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := checkRaw(t, db); len(p) > 0 {
		t.Fatalf("check half-way: %v", p[:min(len(p), 5)])
	}
	assertSameEvidence(t, "half-way", evidence, logEvidence(t, db))
	db.Close()

	db = migratedRaw(t, path, now)
	assertSameEvidence(t, "after", evidence, logEvidence(t, db))
	complete := 0
	_ = db.View(func(tx *bolt.Tx) error {
		logs := tx.Bucket(bucketLogs)
		return logs.ForEach(func(org, _ []byte) error {
			b := logs.Bucket(org)
			for n := int64(0); (n+1)<<logTileHeight <= logSize(b); n++ {
				complete++
				if b.Get(tileKey(0, n)) != nil {
					t.Errorf("the log of %s keeps its complete tile of leaves %d", org, n)
				}
			}
			return nil
		})
	})
	if complete < 100 {
		t.Errorf("%d complete tiles of leaves: the test needs more", complete)
	}
	db.Close()
	migLogs := logBytes(t, path)
	if migLogs != newLogs || migLogs > oldLogs/3 {
		t.Errorf("the logs' leaf bytes: %d migrated, %d as written, %d in schema 7", migLogs, newLogs, oldLogs)
	}
	t.Logf("the logs' leaf bytes: %d in schema 7, %d in schema 8", oldLogs, migLogs)
}
