package storage

import (
	"encoding/binary"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage/kv"
)

// toSchema4 lays a file this build wrote out as schema 4 stored it: a
// bucket per case's timeline, schema 4 in meta.
func toSchema4(t testing.TB, path string) { relayout(t, path, 4, unflatten) }

// relayout rewrites a file this build wrote with lay, in one transaction,
// and stamps it with schema: a fixture of an older layout.
func relayout(t testing.TB, path string, schema int, lay func(tx kv.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = kv.Update(db, func(tx kv.Tx) error {
		if err := lay(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(schema)))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateToFlatTimelines: a schema-4 file of demo cases, its
// migration to schema 5 stopped after its first batch (as a process killed
// after that commit leaves it), is checked clean half-way, finishes on the
// next open, and then holds every timeline in the flat bucket, byte for
// byte, checks clean, and reads every case as before, in a smaller file.
func TestMigrateToFlatTimelines(t *testing.T) {
	fileOnly(t, "a migration")
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "demo.db")
	demoFile(t, path, 800, now)
	toSchema4(t, path)
	oldSize := compactedSize(t, path)

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := stories(t, db)
	envelopes := map[string]string{}
	_ = kv.View(db, func(tx kv.Tx) error {
		return tx.Bucket(bucketTimelines).ForEach(func(k, _ []byte) error {
			return tx.Bucket(bucketTimelines).Bucket(k).ForEach(func(seq, v []byte) error {
				envelopes[string(k)+"/"+string(seq)] = string(v)
				return nil
			})
		})
	})
	if p := checkRaw(t, db); len(p) > 0 {
		t.Fatalf("check before: %v", p[:min(len(p), 5)])
	}
	if err := beginMigration(db, 4, now); err != nil {
		t.Fatal(err)
	}
	err = kv.Update(db, func(tx kv.Tx) error {
		last, err := flattenBatch(tx, nil, 300, now)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyMigration, append([]byte("5/"), last...))
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := checkRaw(t, db); len(p) > 0 {
		t.Fatalf("check half-way: %v", p[:min(len(p), 5)])
	}
	if half := stories(t, db); len(half) != len(before) {
		t.Fatalf("half-way: %d cases, %d before", len(half), len(before))
	}
	db.Close()

	db = migratedRaw(t, path, now)
	after := stories(t, db)
	moved := 0
	_ = kv.View(db, func(tx kv.Tx) error {
		if tx.Bucket(bucketTimelines) != nil {
			t.Error("the timelines bucket is left after the migration")
		}
		return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			moved++
			// Stored in its parts by schema 7's step, it reads as it was.
			env, err := eventText(binary.BigEndian.Uint64(k[len(k)-8:]), v)
			if err != nil || envelopes[caseOfEventKey(k)+"/"+string(k[len(k)-8:])] != string(env) {
				t.Errorf("%q: the envelope changed in the move", k)
			}
			return nil
		})
	})
	db.Close()
	if moved != len(envelopes) {
		t.Errorf("%d events in the flat bucket, %d before", moved, len(envelopes))
	}
	if len(after) != len(before) {
		t.Fatalf("%d cases after, %d before", len(after), len(before))
	}
	for id, b := range before {
		if after[id] != b {
			t.Fatalf("%s reads differently after the migration:\nbefore %.300s\nafter  %.300s", id, b, after[id])
		}
	}
	if newSize := compactedSize(t, path); newSize >= oldSize {
		t.Errorf("compacted: %d bytes after, %d before", newSize, oldSize)
	} else {
		t.Logf("%d cases, compacted: %d bytes per case in schema 4, %d in schema 5", len(before), oldSize/int64(len(before)), newSize/int64(len(before)))
	}
}
