package storage

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage/kv"
)

// toSchema6 lays a file this build wrote out as schema 6 stored it: frozen
// timelines in format 2 and events stored alone in parts, both with their
// at and recorded_at as text, and each due index entry carrying the case's
// row and list view, the view in the case's stored value too.
func toSchema6(t testing.TB, path string) {
	relayout(t, path, 6, func(tx kv.Tx) error {
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
				if err := tl.dropChunks(); err != nil {
					return err
				}
				if err := tl.putChunks(old); err != nil {
					return err
				}
				continue
			}
			for i, env := range envs {
				seq := uint64(i + 1)
				v, ok := encodeParts([]byte{envParts}, env, seq, "", nil, nil)
				if !ok {
					v = env
				}
				if err := tl.flat.Put(eventKey(tl.prefix, seq), v); err != nil {
					return err
				}
			}
		}
		// The view of a case in the due index in its stored value too.
		return tx.Bucket(bucketDue).ForEach(func(k, v []byte) error {
			id := k[bytes.LastIndexByte(k, 0)+1:]
			view, _ := appendUnpackedView(nil, v)
			recordJSON, _, err := splitCaseValue(tx.Bucket(bucketCases).Get(id))
			if err != nil {
				return err
			}
			return tx.Bucket(bucketCases).Put(id, encodeCaseValue(bytes.Clone(recordJSON), view))
		})
	})
}

// envelopesOf is the text of every event of every case, by case.
func envelopesOf(t *testing.T, db *bolt.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := kv.View(db, func(tx kv.Tx) error {
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

// listViews is each case's list view as list --json reads it, by filter
// (every case, the overdue, those due within a week) and case.
func listViews(t *testing.T, db *bolt.DB, now time.Time) map[string]string {
	t.Helper()
	out := map[string]string{}
	filters := map[string]Filter{"all ": {All: true}, "overdue ": {Overdue: true}, "week ": {DueWithin: 7 * 24 * time.Hour}}
	err := kv.View(db, func(tx kv.Tx) error {
		for name, f := range filters {
			err := eachCandidate(tx, f, now, false, func(id, _ []byte, view func() []byte) error {
				out[name+string(id)] = string(view())
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// eventsBytes is the leaf bytes in use of the events and cases buckets of
// the file at path, once compacted.
func eventsBytes(t *testing.T, path string) (events, stored int) {
	t.Helper()
	dst := compacted(t, path)
	defer dst.Close()
	_ = kv.View(dst, func(tx kv.Tx) error {
		events, stored = tx.Bucket(bucketEvents).Bolt().Stats().LeafInuse, tx.Bucket(bucketCases).Bolt().Stats().LeafInuse
		return nil
	})
	return events, stored
}

// TestMigrateToCompactEvents: a schema-6 file of demo cases, its
// migration to schema 7 stopped after its first batch (as a process killed
// after that commit leaves it), checks clean half-way, finishes on the next
// open, checks clean, and every envelope, every case as read, every list
// view, every log's root, checkpoint and proof is what it was, byte for
// byte, in fewer bytes: the events as this build writes them, the due
// index its keys alone.
func TestMigrateToCompactEvents(t *testing.T) {
	fileOnly(t, "a migration")
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "demo.db")
	demoFile(t, path, 800, now)
	newEvents, newCases := eventsBytes(t, path)
	toSchema6(t, path)
	oldEvents, oldCases := eventsBytes(t, path)

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	envelopes, story, evidence, views := envelopesOf(t, db), stories(t, db), logEvidence(t, db), listViews(t, db, now)
	var formats [frozenFormat + 1]int
	_ = kv.View(db, func(tx kv.Tx) error {
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
	err = kv.Update(db, func(tx kv.Tx) error {
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
	_ = kv.View(db, func(tx kv.Tx) error {
		_ = tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
			if tl, _ := timelineOf(tx, string(k)); tl.frozen != nil && tl.frozen[0] != frozenFormat {
				t.Errorf("%s: frozen in format %d after the migration", k, tl.frozen[0])
			}
			return nil
		})
		inDue := 0
		err := tx.Bucket(bucketDue).ForEach(func(k, v []byte) error {
			inDue++
			id := k[bytes.LastIndexByte(k, 0)+1:]
			if len(v) == 0 {
				t.Errorf("%s: its due entry has no view", id)
			}
			if _, view, _ := splitCaseValue(tx.Bucket(bucketCases).Get(id)); len(view) > 0 {
				t.Errorf("%s keeps its list view in its stored value and its due entry", id)
			}
			return nil
		})
		if inDue < 20 {
			t.Errorf("%d cases in the due index: the test needs some", inDue)
		}
		return err
	})
	assertSameEvidence(t, "list views", views, listViews(t, db, now))
	db.Close()
	migEvents, migCases := eventsBytes(t, path)
	if migEvents != newEvents || migCases != newCases || migEvents >= oldEvents || migCases >= oldCases {
		t.Errorf("events and cases leaf bytes: %d and %d migrated, %d and %d as written, %d and %d before",
			migEvents, migCases, newEvents, newCases, oldEvents, oldCases)
	}
	t.Logf("events and cases leaf bytes: %d and %d in schema 6, %d and %d in schema 7", oldEvents, oldCases, migEvents, migCases)
}
