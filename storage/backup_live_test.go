package storage

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"rightsdesk/storage/kv"
)

// TestBackupsWhileTwoWritersRunLoseNothing takes backups one after another
// while two other processes add cases: every case a writer acknowledged is
// in the live file afterwards, and every backup checks clean and holds only
// cases the live file has (the review lost 87 of 600 acknowledged writes to
// a backup renamed over the live file).
func TestBackupsWhileTwoWritersRunLoseNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cases.db")
	if err := Init(path, false, ""); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acknowledged := map[string]bool{}
	var stops []func()
	for w := 0; w < 2; w++ {
		a := startAdder(t, path, func(ids []string) {
			mu.Lock()
			for _, id := range ids {
				acknowledged[id] = true
			}
			mu.Unlock()
		}, "RIGHTSDESK_TEST_PAUSE=10ms")
		select {
		case <-a.writing:
		case <-time.After(20 * time.Second):
			t.Fatal("a writer never acknowledged a case")
		}
		stops = append(stops, a.stop)
	}
	s := Open(path, Options{LockTimeout: 20 * time.Second})
	backups := 6
	if testing.Short() {
		backups = 3
	}
	var dests []string
	for i := 0; i < backups; i++ {
		dest := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if _, err := s.Backup(dest, ""); err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		dests = append(dests, dest)
		time.Sleep(50 * time.Millisecond)
	}
	for _, stop := range stops {
		stop()
	}
	if len(acknowledged) < 10 {
		t.Fatalf("the writers acknowledged only %d cases", len(acknowledged))
	}
	live := map[string]bool{}
	err := s.view(func(tx kv.Tx) error {
		return tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error { live[string(k)] = true; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	for id := range acknowledged {
		if !live[id] {
			t.Fatalf("acknowledged case %s lost", id)
		}
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check of the live file: %v %v", problems, err)
	}
	for _, dest := range dests {
		b := Open(dest, Options{})
		if problems, err := b.Check(); err != nil || len(problems) > 0 {
			t.Fatalf("check of %s: %v %v", dest, problems, err)
		}
		err := b.view(func(tx kv.Tx) error {
			return tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
				if !live[string(k)] {
					return fmt.Errorf("%s holds case %s, which the live file does not", dest, k)
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d backups while two writers acknowledged %d cases: none lost", backups, len(acknowledged))
}
