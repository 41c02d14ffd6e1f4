package storage

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage/kv"
)

// toSchema7 lays a file this build wrote out as schema 7 stored its logs:
// every tile of leaves with its hashes, and no sources.
func toSchema7(t testing.TB, path string) { relayout(t, path, 7, unsourceLogs) }

// schema7LogLeaves is a log entry as schema 7 stored it: the
// organisation, a 0 byte and every leaf index whole.
func schema7LogLeaves(org string, indexes []int64) []byte {
	out := append([]byte(org), 0)
	for _, x := range indexes {
		out = binary.AppendUvarint(out, uint64(x))
	}
	return out
}

// unsourceLogs stores every log's tiles of leaves whole and drops their
// sources, and every case's log entry as schema 7 did.
func unsourceLogs(tx kv.Tx) error {
	leaves := tx.Bucket(bucketLogLeaves)
	entries := map[string][]byte{}
	_ = leaves.ForEach(func(k, v []byte) error {
		org, indexes, err := logLeaves(v)
		entries[string(k)] = schema7LogLeaves(org, indexes)
		return err
	})
	for k, v := range entries {
		if err := leaves.Put([]byte(k), v); err != nil {
			return err
		}
	}
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
	fileOnly(t, "a migration")
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
	err = kv.Update(db, func(tx kv.Tx) error {
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
	_ = kv.View(db, func(tx kv.Tx) error {
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
	_ = kv.View(db, func(tx kv.Tx) error {
		return tx.Bucket(bucketLogLeaves).ForEach(func(k, v []byte) error {
			if org, _, _ := logLeaves(v); v[len(org)] != logLeavesDeltas {
				t.Errorf("%s: its log entry is as schema 7 stored it", k)
			}
			return nil
		})
	})
	db.Close()
	migLogs := logBytes(t, path)
	if migLogs != newLogs || migLogs > oldLogs/3 {
		t.Errorf("the logs' leaf bytes: %d migrated, %d as written, %d in schema 7", migLogs, newLogs, oldLogs)
	}
	t.Logf("the logs' leaf bytes: %d in schema 7, %d in schema 8", oldLogs, migLogs)
}

// TestLogEntriesOfBothFormatsRead: a case's log entry reads the same in
// schema 7's form (every index whole) and schema 8's (distances), which is
// smaller when the case's events are leaves in a row, and no larger when
// they are far apart.
func TestLogEntriesOfBothFormatsRead(t *testing.T) {
	for _, indexes := range [][]int64{{0}, {7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, {3, 200, 70000, 70001, 1 << 40}, {}} {
		for _, v := range [][]byte{schema7LogLeaves("callrix", indexes), encodeLogLeaves("callrix", indexes)} {
			org, got, err := logLeaves(v)
			if err != nil || org != "callrix" || !slices.Equal(got, indexes) {
				t.Errorf("%v from %q: %q %v %v", indexes, v, org, got, err)
			}
		}
		if now, before := len(encodeLogLeaves("callrix", indexes)), len(schema7LogLeaves("callrix", indexes)); now > before {
			t.Errorf("%v: %d bytes, %d in schema 7", indexes, now, before)
		}
	}
	if n := len(encodeLogLeaves("callrix", []int64{70000, 70001, 70002, 70003})); n != len("callrix")+1+3+3 {
		t.Errorf("four leaves in a row from 70000: %d bytes", n)
	}
	for _, bad := range []string{"", "\x00\x01", "callrix", "callrix\x01\xff"} {
		if _, _, err := logLeaves([]byte(bad)); err == nil {
			t.Errorf("%q read as a log entry", bad)
		}
	}
}
