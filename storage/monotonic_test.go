package storage

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// newTimeMachine is a store whose writes are recorded at the times the
// test gives, years apart and in any order (Options.GivenTimes).
func newTimeMachine(t *testing.T) *Store {
	t.Helper()
	return created(t, filepath.Join(t.TempDir(), "db", "cases.db"), Options{LockTimeout: 300 * time.Millisecond, GivenTimes: true})
}

// editMeta changes the meta bucket directly, as someone with write access
// to the file could.
func editMeta(t *testing.T, path string, edit func(m kv.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := kv.Update(db, func(tx kv.Tx) error { return edit(tx.Bucket(bucketMeta)) }); err != nil {
		t.Fatal(err)
	}
}

func addNote(s *Store, id string, now time.Time) (*Result, error) {
	return s.Apply(id, cases.Event{Kind: cases.EventNoted, Text: "called", Actor: "dpo"}, NoRevision, now)
}

// settable is a clock a test moves.
type settable struct{ t time.Time }

func (c *settable) Now() time.Time { return c.t }

// at sets the clock and returns its time.
func (c *settable) at(t time.Time) time.Time { c.t = t; return t }

func TestRecordingTimesNeverGoBack(t *testing.T) {
	clock := &settable{t: testNow}
	s := created(t, filepath.Join(t.TempDir(), "cases.db"), Options{Clock: clock})
	id := addCase(t, s, "Zoé Lefèvre")[0].ID // recorded at testNow
	later := testNow.Add(time.Hour)
	if _, err := addNote(s, id, clock.at(later)); err != nil {
		t.Fatal(err)
	}
	// The clock steps back two seconds: refused, nothing written.
	var behind *ClockBehind
	if _, err := addNote(s, id, clock.at(later.Add(-2*time.Second))); !errors.As(err, &behind) ||
		!strings.Contains(err.Error(), "the clock is behind the last recorded change") {
		t.Fatalf("a clock 2 s behind: %v", err)
	}
	if _, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject:    cases.Subject{Name: "Other", Email: "o@example.org"},
		ReceivedAt: testNow}, testRules, clock.at(later.Add(-time.Minute)), "dpo"); !errors.As(err, &behind) {
		t.Fatalf("add under a clock a minute behind: %v", err)
	}
	if l, err := s.Get(id); err != nil || l.Revision != 2 {
		t.Fatalf("the refused write changed the case: %v %v", l, err)
	}
	// Half a second behind (two processes that took the time before
	// waiting for each other's lock): recorded at the latest time.
	res, err := addNote(s, id, clock.at(later.Add(-500*time.Millisecond)))
	if err != nil || !res.Event.RecordedAt.Equal(later) {
		t.Fatalf("a clock within the tolerance: %v recorded at %v, want %v", err, res.Event.RecordedAt, later)
	}
	// A time taken five seconds before the lock was had, by a clock that
	// is right: recorded at the clock's time, after the latest change.
	clock.at(later.Add(3 * time.Second))
	res, err = addNote(s, id, later.Add(-5*time.Second))
	if err != nil || !res.Event.RecordedAt.Equal(clock.t) {
		t.Fatalf("a time taken before a wait: %v recorded at %v, want %v", err, res.Event.RecordedAt, clock.t)
	}
	// Caught up: writes again.
	if _, err := addNote(s, id, clock.at(later.Add(4*time.Second))); err != nil {
		t.Fatal(err)
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}

func TestAnOverriddenClockIsOutsideTheOrder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cases.db")
	s := created(t, path, Options{})
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	if _, err := addNote(s, id, testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Under RIGHTSDESK_NOW a day back: written, marked, and it moves
	// nothing (the next write by the system clock is not held back by it).
	machine := Open(path, Options{Provenance: cases.Provenance{Overridden: []string{cases.OverriddenClock}}})
	res, err := addNote(machine, id, testNow.Add(-24*time.Hour+time.Hour))
	if err != nil || len(res.Event.Overridden) != 1 || res.Event.Overridden[0] != cases.OverriddenClock {
		t.Fatalf("under an overridden clock: %v %v", err, res)
	}
	if _, err := addNote(machine, id, testNow.Add(1000*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := addNote(s, id, testNow.Add(2*time.Hour)); err != nil {
		t.Fatalf("the system clock after an overridden one: %v", err)
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}

func TestCheckFindsRecordingTimesOutOfOrder(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	if _, err := addNote(s, id, testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// The latest recorded change wound back by hand: every later event
	// is after it.
	editMeta(t, s.Path(), func(m kv.Bucket) error {
		return m.Put(keyLastRecorded, []byte(testNow.Add(-time.Hour).Format(time.RFC3339Nano)))
	})
	problems, err := s.Check()
	if err != nil || len(problems) != 2 || !strings.Contains(problems[1].Detail, "after the latest recorded change") {
		t.Fatalf("a wound-back mark: %v %v", problems, err)
	}
	// Removed, then a write half an hour back is taken (nothing to
	// compare with), and check sees the case's times go back (the event
	// before it is also after the new mark).
	editMeta(t, s.Path(), func(m kv.Bucket) error { return m.Delete(keyLastRecorded) })
	if _, err := addNote(s, id, testNow.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	problems, err = s.Check()
	if err != nil || len(problems) != 2 || problems[1].CaseID != id || !strings.Contains(problems[1].Detail, "recording times went back") {
		t.Fatalf("times going back in a case: %v %v", problems, err)
	}
}

func TestQuickFactsReadWhatTheContentSays(t *testing.T) {
	at := time.Date(2026, 3, 10, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	for _, ev := range []cases.Event{
		{Kind: cases.EventNoted, At: at, RecordedAt: at.Add(time.Second), Actor: "anna", Text: `"overridden":["clock"] in a note`},
		{Kind: cases.EventApproved, At: at, RecordedAt: at, Actor: "bob", Overridden: []string{cases.OverriddenActor, cases.OverriddenClock},
			ReportedOrigin: "203.0.113.7"},
		{Kind: cases.EventReceived, At: at.Add(-time.Hour), RecordedAt: at, Actor: "anna", Rules: &testRules},
	} {
		content, _ := json.Marshal(ev)
		env, _ := json.Marshal(envelope{Seq: 1, Prev: "p", Digest: "d", Content: content})
		got, ok := quickFacts(env)
		if !ok || got.Kind != ev.Kind || !got.RecordedAt.Equal(ev.RecordedAt) || !slices.Equal(got.Overridden, ev.Overridden) {
			t.Errorf("%s: %+v %v, want %s %s %v", ev.Kind, got, ok, ev.Kind, ev.RecordedAt, ev.Overridden)
		}
	}
	// A purged event keeps no content: the caller reads its stand-in.
	env, _ := json.Marshal(envelope{Seq: 2, Prev: "p", Digest: "d"})
	if _, ok := quickFacts(env); ok {
		t.Error("an envelope without content read as facts")
	}
}
