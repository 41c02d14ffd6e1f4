package storage

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// toSchema6 lays a file this build wrote out as schema 6 stored it: frozen
// timelines in format 2 and events stored alone in parts, both with their
// at and recorded_at as text, and each due index entry carrying the case's
// row and list view.
func toSchema6(t testing.TB, path string) {
	relayout(t, path, 6, func(tx *bolt.Tx) error {
		var ids [][]byte
		_ = tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error { ids = append(ids, bytes.Clone(k)); return nil })
		for _, id := range ids {
			tl, _ := timelineOf(tx, string(id))
			var envs [][]byte
			if err := tl.forEach(func(_, env []byte) error { envs = append(envs, bytes.Clone(env)); return nil }); err != nil {
				return err
			}
			if tl.frozen != nil {
				old, err := freezeAs(frozenFormat2, string(id), envs)
				if err != nil {
					return err
				}
				for i := range frozenChunks(len(tl.frozen)) {
					if err := tl.flat.Delete(chunkKey(tl.prefix, i)); err != nil {
						return err
					}
				}
				if err := tl.putChunks(old); err != nil {
					return err
				}
				continue
			}
			for i, env := range envs {
				seq := uint64(i + 1)
				v, ok := encodeParts([]byte{envParts}, env, seq, "", nil)
				if !ok {
					v = env
				}
				if err := tl.flat.Put(eventKey(tl.prefix, seq), v); err != nil {
					return err
				}
			}
		}
		due := tx.Bucket(bucketDue)
		var keys [][]byte
		_ = due.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil })
		for _, k := range keys {
			id := indexedID(k)
			row := tx.Bucket(bucketRows).Get(id)
			_, view, err := splitCaseValue(tx.Bucket(bucketCases).Get(id))
			if err != nil {
				return err
			}
			v := append(binary.AppendUvarint(nil, uint64(len(row))), row...)
			if err := due.Put(k, append(v, view...)); err != nil {
				return err
			}
		}
		return nil
	})
}

// envelopesOf is the text of every event of every case, by case.
func envelopesOf(t *testing.T, db *bolt.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
			tl, _ := timelineOf(tx, string(k))
			var all []byte
			err := tl.forEach(func(seq, env []byte) error {
				all = append(append(append(all, seq...), env...), '\n')
				return nil
			})
			out[string(k)] = string(all)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// eventsBytes is the leaf bytes in use of the events and due buckets of
// the file at path, once compacted.
func eventsBytes(t *testing.T, path string) (events, due int) {
	t.Helper()
	dst := compacted(t, path)
	defer dst.Close()
	_ = dst.View(func(tx *bolt.Tx) error {
		events, due = tx.Bucket(bucketEvents).Stats().LeafInuse, tx.Bucket(bucketDue).Stats().LeafInuse
		return nil
	})
	return events, due
}

// TestMigrateToCompactEvents: a schema-6 file of demo cases, its
// migration to schema 7 stopped after its first batch (as a process killed
// after that commit leaves it), checks clean half-way, finishes on the next
// open, checks clean, and every envelope, every case as read, every list
// view, every log's root, checkpoint and proof is what it was, byte for
// byte, in fewer bytes: the events as this build writes them, the due
// index its keys alone.
func TestMigrateToCompactEvents(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "demo.db")
	demoFile(t, path, 800, now)
	newEvents, newDue := eventsBytes(t, path)
	toSchema6(t, path)
	oldEvents, oldDue := eventsBytes(t, path)

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	envelopes, story, evidence := envelopesOf(t, db), stories(t, db), logEvidence(t, db)
	var formats [4]int
	_ = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
			if tl, _ := timelineOf(tx, string(k)); tl.frozen != nil {
				formats[tl.frozen[0]]++
			}
			return nil
		})
	})
	if formats[frozenFormat2] < 100 || formats[frozenFormat] > 0 {
		t.Fatalf("the schema-6 fixture has frozen timelines of formats %v", formats)
	}
	if err := beginMigration(db, 6, now); err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		last, err := compactEventsBatch(tx, nil, 300, now)
		if err != nil || last == nil {
			t.Fatalf("first batch: %q %v", last, err)
		}
		return tx.Bucket(bucketMeta).Put(keyMigration, append([]byte("7/"), last...))
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := checkRaw(t, db); len(p) > 0 {
		t.Fatalf("check half-way: %v", p[:min(len(p), 5)])
	}
	assertSameEvidence(t, "half-way envelopes", envelopes, envelopesOf(t, db))
	db.Close()

	db = migratedRaw(t, path, now)
	assertSameEvidence(t, "envelopes", envelopes, envelopesOf(t, db))
	assertSameEvidence(t, "cases", story, stories(t, db))
	assertSameEvidence(t, "logs", evidence, logEvidence(t, db))
	_ = db.View(func(tx *bolt.Tx) error {
		_ = tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
			if tl, _ := timelineOf(tx, string(k)); tl.frozen != nil && tl.frozen[0] != frozenFormat {
				t.Errorf("%s: frozen in format %d after the migration", k, tl.frozen[0])
			}
			return nil
		})
		return tx.Bucket(bucketDue).ForEach(func(k, v []byte) error {
			if len(v) > 0 {
				t.Errorf("due entry %q keeps a value of %d bytes", k, len(v))
			}
			return nil
		})
	})
	db.Close()
	migEvents, migDue := eventsBytes(t, path)
	if migEvents != newEvents || migDue != newDue || migEvents >= oldEvents || migDue*5 > oldDue {
		t.Errorf("events and due leaf bytes: %d and %d migrated, %d and %d as written, %d and %d before",
			migEvents, migDue, newEvents, newDue, oldEvents, oldDue)
	}
	t.Logf("events and due leaf bytes: %d and %d in schema 6, %d and %d in schema 7", oldEvents, oldDue, migEvents, migDue)
}
