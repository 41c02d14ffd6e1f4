package storage

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// TestDamageFoundIsRememberedUntilRestored: damage that check found (here a
// timeline event's content changed behind the store's back, which only
// check sees) refuses every later write, naming what was found, until the
// file is replaced by a restored copy; reads go on.
func TestDamageFoundIsRememberedUntilRestored(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	if _, err := s.Apply(id, cases.Event{Kind: cases.EventNoted, Text: "called back", Actor: "dpo"}, NoRevision, testNow); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(s.Path(), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = kv.Update(db, func(tx kv.Tx) error {
		tl, _ := timelineOf(tx, id)
		return tl.put(2, []byte(strings.Replace(string(tl.get(2)), "called back", "never called", 1)))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := s.Check()
	if err != nil || len(problems) == 0 {
		t.Fatalf("check of a tampered file: %v %v", problems, err)
	}
	if _, err := os.Stat(s.Path() + ".damaged"); err != nil {
		t.Fatalf("the finding was not remembered: %v", err)
	}
	_, err = s.Apply(id, cases.Event{Kind: cases.EventNoted, Text: "again", Actor: "dpo"}, NoRevision, testNow)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "found earlier") || !strings.Contains(err.Error(), "restore") {
		t.Fatalf("a write after check found damage: %v", err)
	}
	if _, err := s.Get(id); err != nil {
		t.Errorf("a read of the damaged file: %v", err)
	}
	// Restored: a copy written over the file (a new modification time).
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(s.Path(), good, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(id, cases.Event{Kind: cases.EventNoted, Text: "again", Actor: "dpo"}, NoRevision, testNow); err != nil {
		t.Fatalf("a write after the restore: %v", err)
	}
	if _, err := os.Stat(s.Path() + ".damaged"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale note stayed: %v", err)
	}
}
