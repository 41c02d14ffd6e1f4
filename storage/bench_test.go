package storage

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// BenchmarkDurableChange is one action through the action service: open,
// read the case, check its revision and the transition, append the event,
// write, fsync, close.
func BenchmarkDurableChange(b *testing.B) {
	s := created(b, filepath.Join(b.TempDir(), "cases.db"), Options{})
	// A pool of cases, so that timelines stay the length of real ones (a few
	// dozen events) however many iterations run.
	var ids []string
	for i := 0; i < 300; i++ {
		cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
			Subject: cases.Subject{Name: "Anna", Email: "a@example.org"}, ReceivedAt: testNow}, testRules, testNow, "dpo")
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, cs[0].ID)
	}
	revs := make([]int, len(ids))
	for i := range revs {
		revs[i] = 1
	}
	for i := 0; b.Loop(); i++ {
		k := i % len(ids)
		res, err := s.Apply(ids[k], cases.Event{Kind: cases.EventNoted, Text: "called the subject", Actor: "dpo"}, revs[k], testNow)
		if err != nil {
			b.Fatal(err)
		}
		revs[k] = res.Revision
	}
}

// BenchmarkBarePut is the floor: a bare bbolt put committed with fsync on an
// open file, measured in the same run for comparison.
func BenchmarkBarePut(b *testing.B) {
	benchBarePut(b, filepath.Join(b.TempDir(), "bare.db"))
}

// benchBarePut puts 400 bytes per transaction, committed with fsync, into
// the bbolt file at path, kept open.
func benchBarePut(b *testing.B, path string) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 400)
	for i := 0; b.Loop(); i++ {
		err := kv.Update(db, func(tx kv.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("bench"))
			if err != nil {
				return err
			}
			return bk.Put(u64(uint64(i)), val)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
