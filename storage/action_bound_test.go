package storage

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// noteCost is what one note costs, from bbolt's own counters (the keys
// looked up or written, the pages read into nodes to be changed, the pages
// written at commit) and from the kernel (how much of the file the process
// mapped in memory to do it, /proc/self/smaps).
type noteCost struct {
	cursors, nodes, written int64
	mappedKB                int
}

// costOfNote records a note on the case id of the store s through the
// action service's transaction (Do's: sealed, signed) in a file opened
// afresh, as a note command does, and returns what it cost.
func costOfNote(t *testing.T, s *Store, id string, now time.Time) noteCost {
	t.Helper()
	db, err := bolt.Open(s.Path(), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := db.Stats()
	err = kv.Update(db, s.sealed(func(tx kv.Tx) error {
		_, err := doTx(tx, id, Action{Event: cases.Event{Kind: cases.EventNoted, Text: "called the subject", Actor: "dpo"},
			IfRevision: NoRevision}, now)
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	after := db.Stats()
	d := after.TxStats.Sub(&before.TxStats)
	return noteCost{cursors: d.GetCursorCount(), nodes: d.GetNodeCount(), written: d.GetWrite(), mappedKB: mappedKB(t, s.Path())}
}

// TestNoteCostsWhatItsCaseCosts: a note reads and writes its own case, the
// derived entries of that case and its organisation's log, so what it
// costs does not grow with the cases recorded beside it (issue 20: a
// durable change as a whole process within twice a bare put). Among 4,000
// cases as among 40: the same keys looked up but for the log's proof,
// which grows by a level for each sixteen-fold more events; a page more
// changed and written per level the deeper trees add; and it maps in
// memory a small part of the file (a read of every case would map all of
// it).
func TestNoteCostsWhatItsCaseCosts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 4,000-case file")
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	cost, depth, size := map[int]noteCost{}, map[int]int{}, map[int]int64{}
	for _, n := range []int{40, 4000} {
		s := created(t, filepath.Join(t.TempDir(), "cases.db"), Options{})
		reqs, err := scaleRequests(n, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddRequests(reqs, now, 1000); err != nil {
			t.Fatal(err)
		}
		id := reqs[1][0].ID       // an open case (scaleEvents closes only some)
		costOfNote(t, s, id, now) // the first note of the day starts the day's checkpoint
		cost[n] = costOfNote(t, s, id, now)
		err = s.view(func(tx kv.Tx) error {
			depth[n] = tx.Bucket(bucketCases).Bolt().Stats().Depth
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		size[n] = info.Size()
	}
	small, large := cost[40], cost[4000]
	t.Logf("a note among 40 cases: %+v; among 4,000: %+v (cases tree depth %d, %d; file %d KB)", small, large, depth[40], depth[4000], size[4000]>>10)
	// 100 times the events: two levels more of the log's tiles (16^2 > 100),
	// each read at most once per organisation's log (4).
	if large.cursors > small.cursors+2*4 {
		t.Errorf("a note looks up %d keys among 4,000 cases, %d among 40: it reads beyond its case", large.cursors, small.cursors)
	}
	// Every bucket it writes (at most one written page each among 40 cases)
	// may be as deep as the cases tree, one page more per level.
	extra := int64(depth[4000]-depth[40]) * small.written
	if large.written > small.written+extra || large.nodes > small.nodes+extra {
		t.Errorf("a note among 4,000 cases changes %d pages and writes %d, among 40 %d and %d (allowed %d more for %d more levels)",
			large.nodes, large.written, small.nodes, small.written, extra, depth[4000]-depth[40])
	}
	if runtime.GOOS == "linux" && int64(large.mappedKB) > size[4000]>>10/10 {
		t.Errorf("a note among 4,000 cases mapped %d KB of the %d KB file in memory: more than a tenth of it", large.mappedKB, size[4000]>>10)
	}
}
