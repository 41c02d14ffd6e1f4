package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// TestTestSeedMakesSaltsDeterministic: two databases marked with the same
// seed and given the same case store the same envelopes (the demo's golden
// files rely on it); unmarked ones draw random salts, so the same case
// gives different digests; a database with real cases cannot be marked.
func TestTestSeedMakesSaltsDeterministic(t *testing.T) {
	timeline := func(seed []byte) []byte {
		s := newStore(t)
		if seed != nil {
			if err := s.MarkTest(seed); err != nil {
				t.Fatal(err)
			}
		}
		id := addCase(t, s, "Anna Example")[0].ID
		var out []byte
		_ = s.view(func(tx kv.Tx) error {
			tl, _ := timelineOf(tx, id)
			return tl.forEach(func(_, v []byte) error {
				out = append(out, v...)
				return nil
			})
		})
		return out
	}
	a, b := timeline([]byte("seed 1")), timeline([]byte("seed 1"))
	if !bytes.Equal(a, b) {
		t.Errorf("the same seed gave different envelopes:\n%s\n%s", a, b)
	}
	if c := timeline([]byte("seed 2")); bytes.Equal(a, c) {
		t.Error("another seed gave the same envelopes")
	}
	if x, y := timeline(nil), timeline(nil); bytes.Equal(x, y) {
		t.Error("a real database's salts are not random")
	}
	s := newStore(t)
	addCase(t, s, "Real Person")
	var refused *TestSeedRefused
	if err := s.MarkTest([]byte("seed 1")); !errors.As(err, &refused) {
		t.Errorf("a database with real cases was marked: %v", err)
	}
}

// TestFactsDeriveFromTheChain: the received event records the intake facts
// (its content carries them, personal ones committed), and what the case
// says is those facts with each later correction applied in order; a
// correction's personal value is committed like any other.
func TestFactsDeriveFromTheChain(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Anna Example")[0].ID
	err := s.update(func(tx kv.Tx) error {
		for _, v := range []string{"first@example.org", "anna.new@example.org"} {
			rec, err := loadRecord(tx, id)
			if err != nil {
				return err
			}
			ev := cases.Event{Kind: cases.EventCorrected, At: testNow, RecordedAt: testNow, Actor: "dpo",
				Field: "email", Value: v, Reason: "typo at intake"}
			if err := appendEvent(tx, rec, ev); err != nil {
				return err
			}
			fresh, err := loadRecord(tx, id)
			if err != nil {
				return err
			}
			fresh.Revision, fresh.Head, fresh.Events = rec.Revision, rec.Head, rec.Events
			st, err := fresh.deriveState(testNow, true)
			if err != nil {
				return err
			}
			if err := putRecord(tx, fresh, st, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if l.Case.Subject.Email != "anna.new@example.org" || l.Case.Subject.Name != "Anna Example" {
		t.Errorf("the case says %+v", l.Case.Subject)
	}
	received := l.Case.Events[0]
	if received.Facts == nil || received.Facts.Subject.Email != "anna@example.org" || received.Facts.RequestID != id || received.Facts.Controller != "crisp" {
		t.Errorf("the received event's facts: %+v", received.Facts)
	}
	if p, err := s.Check(); err != nil || len(p) > 0 {
		t.Fatalf("check: %v %v", p, err)
	}
	// Stored: the received content commits to the e-mail, the correction's
	// value is committed too; neither value is in any content.
	_ = s.view(func(tx kv.Tx) error {
		tl, _ := timelineOf(tx, id)
		for seq, field := range map[uint64]string{1: "facts.subject.email", 3: "value"} {
			var env envelope
			if err := json.Unmarshal(tl.get(seq), &env); err != nil {
				t.Fatal(err)
			}
			if _, ok := env.Personal[field]; !ok || bytes.Contains(env.Content, []byte("example.org")) {
				t.Errorf("event %d: %s not committed apart: %s", seq, field, env.Content)
			}
		}
		return nil
	})
}
