package storage

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/cases/register"
	"rightsdesk/storage/kv"
)

// batchesOf feeds requests to AddBatches size at a time.
func batchesOf(requests [][]*cases.Case, size int) <-chan [][]*cases.Case {
	ch := make(chan [][]*cases.Case)
	go func() {
		defer close(ch)
		for from := 0; from < len(requests); from += size {
			ch <- requests[from:min(from+size, len(requests))]
		}
	}()
	return ch
}

// bucketsOf is every key and value of the named buckets of the file at
// path, with the sequences of the ID buckets.
func bucketsOf(t *testing.T, path string, names ...[]byte) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out bytes.Buffer
	err = kv.View(db, func(tx kv.Tx) error {
		for _, name := range names {
			out.WriteString(string(name) + "\n")
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				if v == nil {
					out.WriteString(string(k) + " " + string(u64(tx.Bucket(name).Bucket(k).Sequence())) + "\n")
					return nil
				}
				out.Write(k)
				out.WriteByte(0)
				out.Write(v)
				out.WriteByte('\n')
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
	return out.Bytes()
}

// TestAddBatchesWritesWhatAddRequestsWrites: requests numbered and
// encoded ahead of their transactions get the IDs AddRequests gives them,
// and the file the same cases, timelines, logs and derived entries, byte
// for byte; done is told each batch once it is written.
func TestAddBatchesWritesWhatAddRequestsWrites(t *testing.T) {
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	opts := demo.Options{Cases: 1500, Seed: 5, Now: now, Registers: regs.All()}
	var paths []string
	var ids [][]string
	for _, ahead := range []bool{false, true} {
		reqs, err := demo.Generate(opts)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "cases.db")
		s := created(t, path, Options{})
		if err := s.MarkTest([]byte("rightsdesk demo 5")); err != nil {
			t.Fatal(err)
		}
		if ahead {
			written := 0
			err = s.AddBatches(batchesOf(reqs, 150), now, func(batch [][]*cases.Case) error {
				for _, r := range batch {
					for _, c := range r {
						if _, err := s.Get(c.ID); err != nil {
							t.Errorf("%s: told written, not found: %v", c.ID, err)
						}
						written++
					}
				}
				return nil
			})
			if written != len(flatten(reqs)) {
				t.Errorf("done was told of %d cases, want %d", written, len(flatten(reqs)))
			}
		} else {
			err = s.AddRequests(reqs, now, 150)
		}
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range flatten(reqs) {
			got = append(got, c.ID+" "+c.RequestID)
		}
		paths, ids = append(paths, path), append(ids, got)
	}
	if len(ids[0]) < 1500 || !slices.Equal(ids[0], ids[1]) {
		t.Fatalf("numbered ahead, the IDs differ: %v... against %v...", ids[1][:3], ids[0][:3])
	}
	names := [][]byte{bucketCases, bucketEvents, bucketAttached, bucketRows, bucketChanges, bucketIDs, bucketLogs, bucketLogLeaves, bucketRules}
	if !bytes.Equal(bucketsOf(t, paths[0], names...), bucketsOf(t, paths[1], names...)) {
		t.Fatal("numbered and encoded ahead, the file holds other bytes than AddRequests writes")
	}
	problems, err := Open(paths[1], Options{}).Check()
	if err != nil || len(problems) != 0 {
		t.Fatalf("check: %v %v", err, problems)
	}
}

// TestAddBatchesRefusesIDsTakenMeanwhile: a case another writer adds
// between two batches takes the number the next batch was numbered with
// ahead; that batch is refused whole, and the cases written stay as they
// were, each ID once.
func TestAddBatchesRefusesIDsTakenMeanwhile(t *testing.T) {
	reqs, now := demoRequests(t, 400, 2)
	var err error
	s := created(t, filepath.Join(t.TempDir(), "cases.db"), Options{})
	var other []*cases.Case
	batches := 0
	err = s.AddBatches(batchesOf(reqs, 50), now, func([][]*cases.Case) error {
		if batches++; batches == 1 {
			other, err = s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess}, Subject: cases.Subject{Name: "Anna", Email: "a@example.org"}, ReceivedAt: now},
				testRules, now, "dpo")
			return err
		}
		return nil
	})
	if !errors.Is(err, errWrittenMeanwhile) {
		t.Fatalf("a batch numbered ahead after another writer took its IDs: %v", err)
	}
	q, _, err := s.Queue(now)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, sum := range q {
		if seen[sum.ID] {
			t.Fatalf("%s twice", sum.ID)
		}
		seen[sum.ID] = true
	}
	firstBatch := len(flatten(reqs[:50]))
	if len(q) != firstBatch+1 || !seen[other[0].ID] {
		t.Fatalf("%d cases in the queue, want the first batch's %d and the other writer's", len(q), firstBatch)
	}
}

func flatten(requests [][]*cases.Case) []*cases.Case {
	var out []*cases.Case
	for _, r := range requests {
		out = append(out, r...)
	}
	return out
}
