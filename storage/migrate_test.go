package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

var updateFixture = flag.Bool("update-fixture", false, "rewrite testdata/v1.db, the schema-1 fixture")

const v1Fixture = "testdata/v1.db"

// writeV1Fixture builds a schema-1 file the way version 1 wrote it: cases,
// timelines and the change log, no due-date index.
func writeV1Fixture(t *testing.T, path string) {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	received := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	err = kv.Update(db, func(tx kv.Tx) error {
		if err := createSchema(tx, 1, testNow); err != nil {
			return err
		}
		for i, name := range []string{"Zoé Lefèvre", "Jan Kowalski", "Sofia Papadopoulou"} {
			cs, err := cases.NewCases(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
				Subject:    cases.Subject{Name: name, Email: "subject" + string(rune('a'+i)) + "@example.org"},
				ReceivedAt: received.Add(time.Duration(i) * 24 * time.Hour)}, testRules, testNow, "dpo")
			if err != nil {
				return err
			}
			c := cs[0]
			if c.ID, err = nextID(tx, 2026); err != nil {
				return err
			}
			c.RequestID = c.ID
			// Version 1 stored the record as bare JSON, next to the chained
			// timeline, and logged the change.
			rec := &record{Case: c}
			if err := appendInline(tx, rec, c.Events[0]); err != nil {
				return err
			}
			facts := *c
			facts.Events = nil
			stored := *rec
			stored.Case = &facts
			b, err := json.Marshal(stored)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketCases).Put([]byte(c.ID), b); err != nil {
				return err
			}
			n, _ := tx.Bucket(bucketChanges).NextSequence()
			if err := tx.Bucket(bucketChanges).Put(u64(n), []byte(c.ID)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// appendInline chains an event as schemas 1 and 2 stored it: its rules
// inline in its content.
func appendInline(tx kv.Tx, rec *record, ev cases.Event) error {
	raw, err := rec.chain(ev)
	if err != nil {
		return err
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return err
	}
	env.Content, err = expandRules(env.Content, func(key string) []byte {
		for _, b := range rec.blobs {
			if b.key == key {
				return b.value
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if raw, err = json.Marshal(env); err != nil {
		return err
	}
	tl, err := tx.Bucket(bucketTimelines).CreateBucketIfNotExists([]byte(rec.Case.ID))
	if err != nil {
		return err
	}
	return tl.Put(u64(rec.Events), raw)
}

// TestV1FixtureWriter: the fixture's writer still writes what version 1
// did (the committed fixture is rewritten only with -update-fixture).
func TestV1FixtureWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	writeV1Fixture(t, path)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if p := checkRaw(t, db); len(p) > 0 {
		t.Fatalf("check: %v", p)
	}
	_ = kv.View(db, func(tx kv.Tx) error {
		return tx.Bucket(bucketTimelines).ForEach(func(k, _ []byte) error {
			if v := tx.Bucket(bucketTimelines).Bucket(k).Get(u64(1)); !bytes.Contains(v, []byte(`"rules":{`)) {
				t.Errorf("%s: the received event has no inline rules: %s", k, v)
			}
			return nil
		})
	})
}

func TestMigrateFromVersion1(t *testing.T) {
	fileOnly(t, "a migration")
	if *updateFixture {
		os.Remove(v1Fixture)
		writeV1Fixture(t, v1Fixture)
	}
	raw, err := os.ReadFile(v1Fixture)
	if err != nil {
		t.Fatalf("the committed fixture is missing: %v", err)
	}
	path := filepath.Join(t.TempDir(), "cases.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	// The fixture really is version 1, without the index.
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_ = kv.View(db, func(tx kv.Tx) error {
		if v, _ := schemaOf(tx); v != 1 || tx.Bucket(bucketDue) != nil {
			t.Fatalf("fixture schema %d, due bucket %v", v, tx.Bucket(bucketDue) != nil)
		}
		return nil
	})
	db.Close()

	s := Open(path, Options{})
	// A read migrates it; the overdue list needs the new index.
	views, err := collect(s, Filter{Overdue: true}, time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC))
	if err != nil || len(views) != 3 {
		t.Fatalf("after migration, overdue: %v %v", ids(views), err)
	}
	err = s.view(func(tx kv.Tx) error {
		if v, _ := schemaOf(tx); v != SchemaVersion {
			return errors.New("schema not upgraded")
		}
		if n := tx.Bucket(bucketDue).Bolt().Stats().KeyN; n != 3 {
			t.Errorf("due index has %d entries, want 3", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after migration: %v %v", problems, err)
	}
	// New cases continue the numbering.
	if cs := addCase(t, s, "Nora N"); cs[0].ID != "DSR-2026-000004" {
		t.Fatalf("next ID %s", cs[0].ID)
	}
}

func TestLockTimeout(t *testing.T) {
	s := newStore(t)
	addCase(t, s, "Anna A")
	// Another holder of the file (bbolt's flock is per open file, so this
	// blocks exactly as another process would).
	holder, err := bolt.Open(s.Path(), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	start := time.Now()
	_, err = collect(s, Filter{}, testNow)
	waited := time.Since(start)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("list while held: %v", err)
	}
	if waited > 2*time.Second {
		t.Fatalf("waited %s, the bound is 300ms", waited)
	}
}

// TestRebuildDerivesAsOfTheStoreClock: a rebuild (here after an engine
// change) derives each case as of the store's clock, not the wall clock. A
// paused case shows it: its pause, and so its due date, counts up to that day.
func TestRebuildDerivesAsOfTheStoreClock(t *testing.T) {
	fileOnly(t, "a rebuild of derived data")
	received := time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)
	asked := time.Date(2024, 3, 6, 10, 0, 0, 0, time.UTC)
	rebuiltAt := time.Date(2024, 4, 15, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "cases.db")
	s := created(t, path, Options{Clock: cases.FixedClock(asked)})
	cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Paula P", Email: "paula@example.org"}, ReceivedAt: received}, testRules, received, "dpo")
	if err != nil {
		t.Fatal(err)
	}
	id := cs[0].ID
	if _, err := s.Apply(id, cases.Event{Kind: cases.EventIDRequested, Reason: "doubt", Actor: "dpo"}, NoRevision, asked); err != nil {
		t.Fatal(err)
	}
	before, _, err := s.Queue(asked)
	if err != nil || len(before) != 1 || before[0].Clock != cases.ClockPaused {
		t.Fatalf("queue before: %+v %v", before, err)
	}

	// Another engine computed the index: the next open rebuilds it.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = kv.Update(db, func(tx kv.Tx) error { return tx.Bucket(bucketMeta).Put(keyIndexEngine, []byte("0.0")) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = Open(path, Options{Clock: cases.FixedClock(rebuiltAt)})
	after, _, err := s.Queue(rebuiltAt) // the stored rows, as the rebuild wrote them
	if err != nil || len(after) != 1 {
		t.Fatalf("queue after: %+v %v", after, err)
	}
	l, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	want, err := l.Case.Derive(rebuiltAt)
	if err != nil {
		t.Fatal(err)
	}
	got := after[0]
	if got.PausedDays != want.Deadlines.PausedDays || want.Deadlines.EffectiveDueAt == nil ||
		!got.EffectiveDueAt.Equal(*want.Deadlines.EffectiveDueAt) {
		t.Fatalf("rebuilt row: paused %d days, due %s; derived as of %s: paused %d days, due %v",
			got.PausedDays, got.EffectiveDueAt, rebuiltAt, want.Deadlines.PausedDays, want.Deadlines.EffectiveDueAt)
	}
	if got.PausedDays == before[0].PausedDays {
		t.Fatalf("the rebuild did not move the pause on: %d days before and after", got.PausedDays)
	}
	err = s.view(func(tx kv.Tx) error {
		if stamp := tx.Bucket(bucketMeta).Get(keyIndexEngine); string(stamp) != string(indexStamp()) {
			t.Errorf("index stamp %q after the rebuild, want %q", stamp, indexStamp())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
