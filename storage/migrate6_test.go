package storage

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"golang.org/x/mod/sumdb/tlog"
	"rightsdesk/storage/kv"
)

// untile lays every log of a file this build wrote out as schema 5 stored
// it: every stored hash of the tree under its tlog.StoredHashIndex, schema
// 5 in meta.
func untile(t testing.TB, path string) { relayout(t, path, 5, untileLogs) }

// untileLogs writes every log of tx in schema 5's stored hashes.
func untileLogs(tx kv.Tx) error {
	logs := tx.Bucket(bucketLogs)
	return logs.ForEach(func(org, _ []byte) error {
		b := logs.Bucket(org)
		var leaves []tlog.Hash
		var tiles [][]byte
		for n := int64(0); n<<logTileHeight < logSize(b); n++ {
			v := b.Get(tileKey(0, n))
			if v == nil { // sourced (schema 8)
				var err error
				if v, err = sourcedTile(tx, b, string(org), n); err != nil {
					return err
				}
			}
			for i := 0; i < len(v); i += tlog.HashSize {
				leaves = append(leaves, tlog.Hash(v[i:i+tlog.HashSize]))
			}
		}
		_ = b.ForEach(func(k, v []byte) error {
			if len(k) == 9 {
				tiles = append(tiles, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range append(tiles, keyLogFormat) {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		hashes, err := treeOf(leaves)
		if err != nil {
			return err
		}
		for i, h := range hashes {
			if err := b.Put(u64(uint64(i)), h[:]); err != nil {
				return err
			}
		}
		return nil
	})
}

// logEvidence is what a file's logs prove, as a reader outside takes it:
// each log's root at its size, its signed checkpoints, and the proof of
// every case (its inclusion proofs and the checkpoint signed for it).
func logEvidence(t *testing.T, db *bolt.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := kv.View(db, func(tx kv.Tx) error {
		logs := tx.Bucket(bucketLogs)
		err := logs.ForEach(func(org, _ []byte) error {
			b := logs.Bucket(org)
			root, err := tlog.TreeHash(logSize(b), logHashes(tx, string(org), b))
			out["root "+string(org)] = strconv.FormatInt(logSize(b), 10) + " " + root.String()
			return err
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketCheckpoints).ForEach(func(org, _ []byte) error {
			return tx.Bucket(bucketCheckpoints).Bucket(org).ForEach(func(k, v []byte) error {
				out["checkpoint "+string(org)+" "+string(k)] = string(v)
				return nil
			})
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
			p, err := caseProof(tx, string(k), 0, "")
			if err != nil {
				return err
			}
			b, err := json.Marshal(p)
			out["proof "+string(k)] = string(b)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrateToTiledLogs: a schema-5 file of demo cases, its migration to
// schema 6 stopped after its first organisation's log (as a process killed
// after that commit leaves it), checks clean half-way, finishes on the next
// open, checks clean, and every log's root, every signed checkpoint and
// every case's proof is what it was, byte for byte, in far fewer bytes.
func TestMigrateToTiledLogs(t *testing.T) {
	fileOnly(t, "a migration")
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "demo.db")
	demoFile(t, path, 600, now)
	tiledLogs := logBytes(t, path)
	untile(t, path)
	oldLogs := logBytes(t, path)

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := logEvidence(t, db)
	orgs := 0
	for k := range before {
		if len(k) > 5 && k[:5] == "root " {
			orgs++
		}
	}
	if orgs < 2 {
		t.Fatalf("%d logs: the test needs two to stop between them", orgs)
	}
	if err := beginMigration(db, 5, now); err != nil {
		t.Fatal(err)
	}
	err = kv.Update(db, func(tx kv.Tx) error {
		last, err := tileLogsBatch(tx, nil, migrateBatch, now)
		if err != nil || last == nil {
			t.Fatalf("first batch: %q %v", last, err)
		}
		return tx.Bucket(bucketMeta).Put(keyMigration, append([]byte("6/"), last...))
	})
	if err != nil {
		t.Fatal(err)
	}
	var half []Problem
	_ = kv.View(db, func(tx kv.Tx) error { half = checkLogs(tx); return nil })
	if len(half) > 0 {
		t.Fatalf("check half-way: %v", half[:min(len(half), 5)])
	}
	assertSameEvidence(t, "half-way", before, logEvidence(t, db))
	db.Close()

	db = migratedRaw(t, path, now)
	defer db.Close()
	_ = kv.View(db, func(tx kv.Tx) error {
		return tx.Bucket(bucketLogs).ForEach(func(org, _ []byte) error {
			if !isTiled(tx.Bucket(bucketLogs).Bucket(org)) {
				t.Errorf("the log of %s is not tiled", org)
			}
			return nil
		})
	})
	assertSameEvidence(t, "after", before, logEvidence(t, db))
	db.Close()
	newLogs := logBytes(t, path)
	// A tile of 16 leaves and the hashes of every fourth level above take
	// 34 bytes and a sixteenth of a key a leaf, where every hash of every
	// level took two hashes and two keys: less than half.
	if newLogs > oldLogs/2 || newLogs != tiledLogs {
		t.Errorf("the logs take %d leaf bytes tiled by the migration, %d as written tiled, %d before", newLogs, tiledLogs, oldLogs)
	}
	t.Logf("the logs' leaf bytes: %d in schema 5, %d tiled", oldLogs, newLogs)
}

func assertSameEvidence(t *testing.T, when string, want, got map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d items of evidence, %d before", when, len(got), len(want))
	}
	bad := 0
	for k, v := range want {
		if got[k] != v && bad < 3 {
			bad++
			t.Errorf("%s: %s differs:\n%s\nwas\n%s", when, k, got[k], v)
		}
	}
}

// logBytes is the bytes of the logs' leaves in the file at path, once
// compacted (bbolt's Bucket.Stats).
func logBytes(t *testing.T, path string) int {
	t.Helper()
	dst := compacted(t, path)
	defer dst.Close()
	var n int
	_ = kv.View(dst, func(tx kv.Tx) error {
		n = tx.Bucket(bucketLogs).Bolt().Stats().LeafInuse
		return nil
	})
	if n == 0 {
		t.Fatal("no log bytes")
	}
	return n
}

// BenchmarkCaseProof is what the proof of a closed demo case of a dozen
// events costs (an inclusion proof per event, the checkpoint signed at its
// size), with its log as this build writes it (complete tiles of leaves
// recomputed from their events), with every tile of leaves stored (schema
// 7) and in schema 5's stored hashes, the same file otherwise.
func BenchmarkCaseProof(b *testing.B) {
	sourced := filepath.Join(b.TempDir(), "demo.db")
	demoFile(b, sourced, 2000, testNow)
	raw, err := os.ReadFile(sourced)
	if err != nil {
		b.Fatal(err)
	}
	schema7 := filepath.Join(b.TempDir(), "schema7.db")
	schema5 := filepath.Join(b.TempDir(), "schema5.db")
	for _, p := range []string{schema7, schema5} {
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	toSchema7(b, schema7)
	untile(b, schema5)
	for _, path := range []string{sourced, schema7, schema5} {
		b.Run(filepath.Base(path), func(b *testing.B) {
			db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			for b.Loop() {
				err := kv.View(db, func(tx kv.Tx) error {
					_, err := caseProof(tx, "DSR-2026-000500", 0, "")
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
