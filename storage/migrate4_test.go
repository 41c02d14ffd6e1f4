package storage

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/cases/register"
	"rightsdesk/storage/kv"
)

// childMigrate opens the database for writing, which migrates it, and
// exits: the child the kill loop below kills.
func childMigrate(path string) {
	s := Open(path, Options{LockTimeout: 10 * time.Second})
	if err := s.update(func(kv.Tx) error { return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}

// TestMigrationToTheChainKilledAndResumed migrates a copy of a 20,000-case
// database in the shape schema 3 stored, in a child process killed
// (SIGKILL) at random points and started again until it finishes: check
// is clean at the end, every case has exactly one migrated event, after
// which its events are verified and before which they are unattested, and
// every case reads as it did.
func TestMigrationToTheChainKilledAndResumed(t *testing.T) {
	atScale(t, "20,000 cases, migrated under SIGKILL")
	began := time.Now()
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	original := filepath.Join(dir, "schema3.db")
	s := created(t, original, Options{Clock: cases.FixedClock(now)})
	err = demo.Batches(demo.Options{Cases: 20_000, Seed: 3, Now: now, Registers: regs.All()}, 5000,
		func(requests [][]*cases.Case) error { return s.AddRequests(requests, now, 5000) })
	if err != nil {
		t.Fatal(err)
	}
	toSchema3(t, original)
	db, err := bolt.Open(original, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := stories(t, db)
	db.Close()
	if len(before) < 20_000 {
		t.Fatalf("%d cases", len(before))
	}
	path := filepath.Join(dir, "copy.db")
	copyFile(t, original, path)
	built := time.Since(began)

	rng := rand.New(rand.NewPCG(17, 4))
	kills, midway, migrating := 0, 0, time.Now()
	for attempt := 0; ; attempt++ {
		if attempt == 300 {
			t.Fatalf("not finished after %d attempts", attempt)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "RIGHTSDESK_TEST_CHILD=migrate", "RIGHTSDESK_TEST_DB="+path)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Anywhere from the opening of the file to a few batches in; the
		// range grows with each attempt, so that a slow machine finishes.
		delay := time.Duration(50+rng.IntN(1000+250*attempt)) * time.Millisecond
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("the migration failed: %v", err)
			}
		case <-time.After(delay):
			_ = cmd.Process.Kill()
			<-done
			kills++
			if marker := migrationMarker(t, path); bytes.Contains(marker, []byte("/DSR-")) {
				midway++ // killed with some cases of a step done, others not
			}
			continue
		}
		break
	}
	migrated := time.Since(migrating)
	if midway < 2 {
		t.Errorf("%d kills, %d of them part way through a step: the loop does not test resumption", kills, midway)
	}

	db = migratedRaw(t, path, now)
	defer db.Close()
	err = kv.View(db, func(tx kv.Tx) error {
		return tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
			rec, err := loadRecord(tx, string(k))
			if err != nil {
				return err
			}
			n, at := 0, -1
			for i, e := range rec.Case.Events {
				if e.Kind == cases.EventMigrated {
					n, at = n+1, i
				}
			}
			if n != 1 {
				return fmt.Errorf("%s has %d migrated events", k, n)
			}
			for i, e := range rec.Case.Events {
				if e.Unattested != (i < at) {
					return fmt.Errorf("%s event %d: unattested %v, migrated event at %d", k, i+1, e.Unattested, at+1)
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	after := stories(t, db)
	for id, b := range before {
		if after[id] != b {
			t.Fatalf("%s reads differently after the migration:\nbefore %.300s\nafter  %.300s", id, b, after[id])
		}
	}
	t.Logf("%d cases: built and downgraded in %s; migrated in %s with %d SIGKILLs (%d part way through a step); whole test %s",
		len(before), built.Round(time.Millisecond), migrated.Round(time.Millisecond), kills, midway, time.Since(began).Round(time.Millisecond))
}

// migrationMarker reads the migration's marker from the file at path.
func migrationMarker(t *testing.T, path string) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var marker []byte
	_ = kv.View(db, func(tx kv.Tx) error {
		if m := tx.Bucket(bucketMeta); m != nil {
			marker = append([]byte(nil), m.Get(keyMigration)...)
		}
		return nil
	})
	return marker
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
