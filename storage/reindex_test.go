package storage

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// derivedContent is every key and value of the derived buckets.
func derivedContent(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.view(func(tx kv.Tx) error {
		for _, n := range append(append([][]byte{}, bucketsV2...), bucketsDerived...) {
			b := tx.Bucket(n)
			if b == nil {
				continue
			}
			if err := b.ForEach(func(k, v []byte) error {
				out[string(n)+"\x00"+string(k)] = string(v)
				return nil
			}); err != nil {
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

// TestIndexRebuiltInBatchesResumes: a stale index is rebuilt a batch of
// cases per transaction, so that a million cases never sit in one
// transaction; a rebuild killed after a batch resumes after it on the next
// open and ends with the same entries and counts as a rebuild in one go.
func TestIndexRebuiltInBatchesResumes(t *testing.T) {
	fileOnly(t, "a rebuild of derived data")
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "reindex.db")
	s := demoFile(t, path, 60, now)
	if err := s.update(func(tx kv.Tx) error { return rebuildIndex(tx, now) }); err != nil {
		t.Fatal(err)
	}
	want := derivedContent(t, s)

	defer func(n int) { reindexBatch = n }(reindexBatch)
	reindexBatch = 7
	// What a rebuild killed after its first batch leaves.
	err := s.update(func(tx kv.Tx) error {
		if err := emptyDerived(tx); err != nil {
			return err
		}
		ids := casesAfter(tx, nil, reindexBatch)
		if err := reindexCases(tx, ids, now); err != nil {
			return err
		}
		m := tx.Bucket(bucketMeta)
		if err := m.Put(keyIndexEngine, []byte("reindexing")); err != nil {
			return err
		}
		return m.Put(keyReindexing, ids[len(ids)-1])
	})
	if err != nil {
		t.Fatal(err)
	}
	s = Open(path, Options{Clock: cases.FixedClock(now)})
	if _, _, err := s.Queue(now); err != nil {
		t.Fatal(err)
	}
	got := derivedContent(t, s)
	if len(got) != len(want) {
		t.Fatalf("%d derived entries after the resumed rebuild, %d after one in one go", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("entry %q differs after the resumed rebuild", k)
		}
	}
	err = s.view(func(tx kv.Tx) error {
		m := tx.Bucket(bucketMeta)
		if m.Get(keyReindexing) != nil || !bytes.Equal(m.Get(keyIndexEngine), indexStamp()) {
			t.Errorf("after the rebuild: marker %q, stamp %q", m.Get(keyReindexing), m.Get(keyIndexEngine))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
