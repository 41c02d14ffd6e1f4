package storage

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/cases/register"
	"rightsdesk/storage/kv"
)

// toSchema2 rewrites a database into the shape schema 2 wrote: every
// record and event with its frozen rules inline, no registers and no rules
// bucket. Expanding a reference gives the bytes first recorded, so this is
// byte for byte what the code before schema 3 stored.
func toSchema2(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = kv.Update(db, func(tx kv.Tx) error {
		if err := unflatten(tx); err != nil {
			return err
		}
		lookup := rulesLookup(tx)
		cs := tx.Bucket(bucketCases)
		type put struct {
			b          kv.Bucket
			key, value []byte
		}
		var puts []put
		err := cs.ForEach(func(k, v []byte) error {
			recordJSON, view, err := splitCaseValue(v)
			if err != nil {
				return err
			}
			var stored storedRecord
			if err := json.Unmarshal(recordJSON, &stored); err != nil {
				return err
			}
			caseJSON, err := expandRules(stored.Case, lookup)
			if err != nil {
				return err
			}
			stored.Case = caseJSON
			for i, raw := range stored.Retained {
				if stored.Retained[i], err = expandRules(raw, lookup); err != nil {
					return err
				}
			}
			inline, err := json.Marshal(stored)
			if err != nil {
				return err
			}
			puts = append(puts, put{cs, append([]byte(nil), k...), encodeCaseValue(inline, view)})
			tl := tx.Bucket(bucketTimelines).Bucket(k)
			return tl.ForEach(func(ek, ev []byte) error {
				var env envelope
				if err := json.Unmarshal(ev, &env); err != nil {
					return err
				}
				content, err := expandRules(env.Content, lookup)
				if err != nil {
					return err
				}
				env.Content = content
				out, err := json.Marshal(env)
				puts = append(puts, put{tl, append([]byte(nil), ek...), out})
				return err
			})
		})
		if err != nil {
			return err
		}
		for _, p := range puts {
			if err := p.b.Put(p.key, p.value); err != nil {
				return err
			}
		}
		for _, n := range bucketsV3 {
			if err := tx.DeleteBucket(n); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte("2"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// stories reads every case of the file as a reader sees what happened:
// its facts and its events, without the migrated event and the unattested
// marks the migration to schema 4 adds (nor the revision and head it
// moves), so that a case reads the same before and after it.
func stories(t *testing.T, db *bolt.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := kv.View(db, func(tx kv.Tx) error {
		return tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
			rec, err := loadRecord(tx, string(k))
			if err != nil {
				return err
			}
			c := *rec.Case
			c.Events = nil
			for _, e := range rec.Case.Events {
				if e.Kind != cases.EventMigrated {
					e.Unattested = false
					c.Events = append(c.Events, e)
				}
			}
			b, err := json.Marshal(&c)
			out[string(k)] = string(b)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// migratedRaw opens path through the store, which finishes any migration,
// fails the test unless check then finds the file clean, and returns the
// file opened raw (the caller closes it), failing the test unless it is at
// the current schema with no migration marker left.
func migratedRaw(t *testing.T, path string, now time.Time) *bolt.DB {
	t.Helper()
	s := Open(path, Options{Clock: cases.FixedClock(now)})
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after the migration: %v %v", problems[:min(len(problems), 5)], err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = kv.View(db, func(tx kv.Tx) error {
		if v, _ := schemaOf(tx); v != SchemaVersion || tx.Bucket(bucketMeta).Get(keyMigration) != nil {
			t.Errorf("schema %d, marker %q", v, tx.Bucket(bucketMeta).Get(keyMigration))
		}
		return nil
	})
	return db
}

// checkRaw runs check's chain verification on a file of any schema,
// without opening it through the store (which would migrate it).
func checkRaw(t *testing.T, db *bolt.DB) []Problem {
	t.Helper()
	var problems []Problem
	_ = kv.View(db, func(tx kv.Tx) error {
		problems = append(problems, checkRules(tx)...)
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			problems = append(problems, checkChain(tx, string(k), v)...)
			return nil
		})
	})
	return problems
}

// TestMigrateDemoToSchema3 migrates a 20,000-case demo database in the
// shape schema 2 stored: check passes before and after, every case reads
// the same, the rules are stored once, the registers are seeded, and a
// migration stopped after its first batch finishes on the next open.
func TestMigrateDemoToSchema3(t *testing.T) {
	atScale(t, "20,000 cases")
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cases.db")
	s := created(t, path, Options{Clock: cases.FixedClock(now)})
	err = demo.Batches(demo.Options{Cases: 20_000, Seed: 1, Now: now, Registers: regs.All()}, 5000,
		func(requests [][]*cases.Case) error { return s.AddRequests(requests, now, 5000) })
	if err != nil {
		t.Fatal(err)
	}
	toSchema3(t, path)
	toSchema2(t, path)
	oldSize := compactedSize(t, path)

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := stories(t, db)
	if len(before) < 20_000 {
		t.Fatalf("%d cases", len(before))
	}
	if p := checkRaw(t, db); len(p) > 0 {
		t.Fatalf("check before: %v", p[:min(len(p), 5)])
	}
	// A migration killed after its first batch: schema 3 with the marker,
	// part of the cases moved.
	if err := beginMigration(db, 2, now); err != nil {
		t.Fatal(err)
	}
	if err := kv.Update(db, func(tx kv.Tx) error { _, err := moveRulesBatch(tx, nil, migrateBatch, now); return err }); err != nil {
		t.Fatal(err)
	}
	if p := checkRaw(t, db); len(p) > 0 {
		t.Fatalf("check half-way: %v", p[:min(len(p), 5)])
	}
	db.Close()

	// The next open finishes it.
	s = Open(path, Options{Clock: cases.FixedClock(now)})
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after: %v %v", problems, err)
	}
	var blobs int
	err = s.view(func(tx kv.Tx) error {
		if v, _ := schemaOf(tx); v != SchemaVersion || tx.Bucket(bucketMeta).Get(keyMigration) != nil {
			t.Errorf("schema %d, marker %q", v, tx.Bucket(bucketMeta).Get(keyMigration))
		}
		blobs = tx.Bucket(bucketRules).Bolt().Stats().KeyN
		// No record or event is left with its rules inline.
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			if _, blobs, _ := compactCaseValue(v); blobs != nil {
				t.Fatalf("%s: rules left inline", k)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	// Five registers, each with a regime or two: a handful of rule sets.
	if blobs == 0 || blobs > 20 {
		t.Errorf("%d rule sets stored for 5 registers", blobs)
	}
	versions, err := s.CurrentRegisters()
	if err != nil || len(versions) != 5 || versions[0].Number != 1 || versions[0].Actor != SeedActor {
		t.Errorf("registers after migration: %+v %v", versions, err)
	}
	db, err = bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	after := stories(t, db)
	db.Close()
	for id, b := range before {
		if after[id] != b {
			t.Fatalf("%s reads differently after the migration:\nbefore %.300s\nafter  %.300s", id, b, after[id])
		}
	}
	if len(after) != len(before) {
		t.Fatalf("%d cases after, %d before", len(after), len(before))
	}
	// What the file holds, compacted (a bbolt file keeps its freed pages).
	if newSize := compactedSize(t, path); newSize >= oldSize {
		t.Errorf("%d bytes after, %d before", newSize, oldSize)
	} else {
		t.Logf("%d cases, compacted: %s bytes per case in schema 2, %s in schema 4 (rules stored once, a migrated event added)", len(before),
			strconv.FormatInt(oldSize/int64(len(before)), 10), strconv.FormatInt(newSize/int64(len(before)), 10))
	}
}

// compacted is a compacted copy of the file at path, open (the caller
// closes it).
func compacted(t *testing.T, path string) *bolt.DB {
	t.Helper()
	src, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := bolt.Open(filepath.Join(t.TempDir(), "compact.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bolt.Compact(dst, src, 64<<20); err != nil {
		dst.Close()
		t.Fatal(err)
	}
	return dst
}

// compactedSize is the size of the file at path once compacted: its
// high-water mark.
func compactedSize(t *testing.T, path string) int64 {
	t.Helper()
	dst := compacted(t, path)
	defer dst.Close()
	// The pages it uses (the file itself grows in steps of its map).
	var size int64
	_ = kv.View(dst, func(tx kv.Tx) error { size = tx.Bolt().Size(); return nil })
	return size
}

// TestMigratePurgedRecord: a minimal record (purged for retention) keeps
// the events that stand in for its timeline, rules included; the migration
// refers to those rules too, and the case reads the same.
func TestMigratePurgedRecord(t *testing.T) {
	fileOnly(t, "a migration")
	s := newStore(t)
	id := addCase(t, s, "Anna A")[0].ID
	other := testRules
	other.Zone = "Europe/Berlin"
	other.Calendar = "DE"
	if _, err := s.Apply(id, cases.Event{Kind: cases.EventRebaselined, Reason: "zone corrected", Rules: &other, Actor: "dpo"},
		NoRevision, testNow); err != nil {
		t.Fatal(err)
	}
	toSchema3(t, s.Path(), id)
	toSchema2(t, s.Path())
	db, err := bolt.Open(s.Path(), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := stories(t, db)
	db.Close()
	if !strings.Contains(before[id], "Europe/Berlin") {
		t.Fatalf("the minimal record lost its rebaselined rules: %.400s", before[id])
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 { // migrates it
		t.Fatalf("check: %v %v", problems, err)
	}
	db, err = bolt.Open(s.Path(), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after := stories(t, db); after[id] != before[id] {
		t.Fatalf("reads differently:\nbefore %s\nafter  %s", before[id], after[id])
	}
	_ = kv.View(db, func(tx kv.Tx) error {
		recordJSON, _, _ := splitCaseValue(tx.Bucket(bucketCases).Get([]byte(id)))
		if strings.Contains(string(recordJSON), `"pause_window_days"`) { // a field of the rules alone
			t.Errorf("rules left inline in the minimal record: %s", recordJSON)
		}
		return nil
	})
	db.Close()
	// The minimal record is now the migrated event's, verified with it.
	l, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if last := l.Case.Events[len(l.Case.Events)-1]; last.Kind != cases.EventMigrated || len(last.Retained) != 2 || !l.Case.Events[0].Unattested {
		t.Fatalf("migrated event %+v", last)
	}
}
