package storage

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/cases/register"
	"rightsdesk/storage/kv"
)

// fileLayout is what a database file spends on its cases: the file's
// high-water mark (the pages bbolt has ever used, what the file needs)
// per case, and the share of the bytes of its leaf pages in use, summed
// over its buckets (Bucket.Stats), with each bucket's figures.
type fileLayout struct {
	cases        int
	bytesPerCase float64
	leafUse      float64
	buckets      map[string]bolt.BucketStats
}

func measureLayout(t testing.TB, path string) fileLayout {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := fileLayout{buckets: map[string]bolt.BucketStats{}}
	var inuse, alloc int
	err = kv.View(db, func(tx kv.Tx) error {
		out.cases = tx.Bucket(bucketCases).Bolt().Stats().KeyN
		if out.cases == 0 {
			return nil
		}
		out.bytesPerCase = float64(tx.Bolt().Size()) / float64(out.cases)
		return tx.ForEach(func(name []byte, b kv.Bucket) error {
			st := b.Bolt().Stats()
			out.buckets[string(name)] = st
			inuse += st.LeafInuse
			alloc += st.LeafAlloc
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if alloc > 0 {
		out.leafUse = float64(inuse) / float64(alloc)
	}
	return out
}

func (l fileLayout) log(t testing.TB) {
	t.Helper()
	t.Logf("%d cases: %.0f bytes per case, %.1f%% of leaf bytes in use", l.cases, l.bytesPerCase, 100*l.leafUse)
	names := make([]string, 0, len(l.buckets))
	for n := range l.buckets {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return l.buckets[names[i]].LeafAlloc > l.buckets[names[j]].LeafAlloc })
	for _, n := range names {
		st := l.buckets[n]
		use := 0.0
		if st.LeafAlloc > 0 {
			use = 100 * float64(st.LeafInuse) / float64(st.LeafAlloc)
		}
		t.Logf("  %-12s leaf %8d bytes (%.0f%% in use), branch %7d bytes, %d nested buckets", n, st.LeafAlloc, use, st.BranchAlloc, st.BucketN-1)
	}
}

// demoFile writes n demo cases into a new file at path as the demo
// command does (demo.Batches, AddRequests a batch at a time).
func demoFile(t testing.TB, path string, n int, now time.Time) *Store {
	t.Helper()
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	s := created(t, path, Options{Clock: cases.FixedClock(now)})
	if err := s.MarkTest([]byte("layout test")); err != nil {
		t.Fatal(err)
	}
	err = demo.Batches(demo.Options{Cases: n, Seed: 7, Now: now, Registers: regs.All()}, 500,
		func(requests [][]*cases.Case) error { return s.AddRequests(requests, now, 5000) })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFileBytesPerCase: a demo file of a few thousand cases costs what its
// cases say, not a page's slack: the flat timelines and the buckets packed
// as they are written keep most leaf bytes in use and the file small.
func TestFileBytesPerCase(t *testing.T) {
	fileOnly(t, "packing the derived buckets")
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "demo.db")
	s := demoFile(t, path, 3000, now)
	// As the demo command does after its load (cmd_demo.go).
	if err := s.PackDerived(PackFrom{}); err != nil {
		t.Fatal(err)
	}
	l := measureLayout(t, path)
	l.log(t)
	// Schema 4 spent 20.3 KB a case here, 63% of its leaf bytes in
	// use; the flat timelines and packed writes 13.7 KB and 82%; with
	// the closed cases' timelines and stored values frozen, 8.3 KB and 81%;
	// schema 6 (the logs in tiles, events stored in their parts, the bulk
	// writers' buckets packed full) 6.3 KB and 82%; schema 7 (events' at
	// and recorded_at in binary, an open case's list view in its due
	// entry alone) 5.5 KB and 85%; schema 8 (a complete tile of a log's
	// leaves stored as the cases whose events they are, log entries as
	// distances, report keys and rows slimmer, packed as the demo packs
	// them) 4,992 bytes and 87%; schema 9 (due entries a packed view
	// without the row, the attached files one flat bucket, a bulk load's
	// index entries put at half fill where they land among older ones)
	// 4,073 bytes and 90%. The bound is that figure and 5% for the demo's
	// shape to move without failing.
	if l.bytesPerCase > 4_280 || l.leafUse < 0.75 {
		t.Errorf("%.0f bytes per case, %.1f%% of leaf bytes in use: want at most 4,280 and at least 75%%", l.bytesPerCase, 100*l.leafUse)
	}
}

// TestLayoutOfFile prints the layout of the database file named by
// RIGHTSDESK_LAYOUT_DB (read only): how the figures of a large demo file
// are taken. It is skipped without it.
func TestLayoutOfFile(t *testing.T) {
	path := os.Getenv("RIGHTSDESK_LAYOUT_DB")
	if path == "" {
		t.Skip("RIGHTSDESK_LAYOUT_DB names no file")
	}
	measureLayout(t, path).log(t)
}
