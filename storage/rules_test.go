package storage

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage/kv"
)

// TestRulesStoredOnce: cases opened under the same rules store them once;
// each reads back with its rules; the stored event expands to the bytes
// its digest was taken of; check finds a rules blob altered, or missing.
func TestRulesStoredOnce(t *testing.T) {
	s := newStore(t)
	a := addCase(t, s, "Anna A")[0]
	b := addCase(t, s, "Bruno B")[0]
	var storedEvent []byte
	err := s.view(func(tx kv.Tx) error {
		if n := tx.Bucket(bucketRules).Bolt().Stats().KeyN; n != 1 {
			t.Errorf("%d rule sets stored for two cases under the same rules, want 1", n)
		}
		tl, _ := timelineOf(tx, a.ID)
		v := tl.get(1)
		storedEvent = append([]byte(nil), v...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(storedEvent, rulesRefKey) || bytes.Contains(storedEvent, []byte(`"regime"`)) {
		t.Errorf("the received event still carries its rules: %.300s", storedEvent)
	}
	for _, id := range []string{a.ID, b.ID} {
		l, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if l.Case.Rules.Zone != "Europe/Paris" || l.Case.Events[0].Rules == nil || l.Case.Events[0].Rules.Calendar != "FR" {
			t.Errorf("%s reads without its rules: %+v", id, l.Case.Rules)
		}
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
	for _, tc := range []struct {
		name, want string
		harm       func(b kv.Bucket, k []byte) error
	}{
		{"altered", "do not match their SHA-256", func(b kv.Bucket, k []byte) error {
			return b.Put(k, bytes.Replace(b.Get(k), []byte("Europe/Paris"), []byte("Europe/Berlin"), 1))
		}},
		{"missing", "are missing", func(b kv.Bucket, k []byte) error { return b.Delete(k) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			addCase(t, s, "Anna A")
			db, err := bolt.Open(s.Path(), 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			err = kv.Update(db, func(tx kv.Tx) error {
				b := tx.Bucket(bucketRules)
				k, _ := b.Cursor().First()
				return tc.harm(b, append([]byte(nil), k...))
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			problems, err := s.Check()
			if err != nil || len(problems) == 0 || !strings.Contains(problems[0].String(), tc.want) {
				t.Fatalf("check: %v %v", problems, err)
			}
		})
	}
}

// TestCompactRulesRoundTrip: compacting and expanding give back the bytes
// recorded, whether the rules are given or found, and leave content
// without rules alone.
func TestCompactRulesRoundTrip(t *testing.T) {
	rules := testRules.WithDefaults()
	// A subject may have an identifier of any name, even one of these keys.
	c := cases.Case{ID: "DSR-2026-000001", Subject: cases.Subject{Name: "Zoé",
		Identifiers: map[string]string{"rules": "x", "rules_ref": "y"}}, Rules: rules}
	stored, blob := compactRules(mustJSON(t, c), true)
	back, err := expandRules(stored, func(string) []byte { return blob.value })
	if blob == nil || err != nil || !bytes.Equal(back, mustJSON(t, c)) || bytes.Contains(stored, []byte(`"regime"`)) {
		t.Errorf("a case with such identifiers: %v %s", err, stored)
	}
	for _, ev := range []cases.Event{
		{Kind: cases.EventReceived, Actor: "dpo", Rules: &rules, Text: `a note with "rules":{"x":1} inside`},
		{Kind: cases.EventNoted, Actor: "dpo", Text: `"rules":{}`},
	} {
		content := mustJSON(t, ev)
		for _, marshalled := range []bool{false, ev.Rules != nil} {
			stored, blob := compactRules(content, marshalled)
			if (blob == nil) != (ev.Rules == nil) {
				t.Fatalf("%s: blob %v", ev.Kind, blob)
			}
			back, err := expandRules(stored, func(key string) []byte {
				if blob != nil && key == blob.key {
					return blob.value
				}
				return nil
			})
			if err != nil || !bytes.Equal(back, content) {
				t.Errorf("%s: %v\n%s\n%s", ev.Kind, err, back, content)
			}
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKnownRulesGiveTheSameReference: a rules JSON compactRules met before
// is referenced as a first meeting references it, and one that only
// begins like a known one (a longer list) is not taken for it.
func TestKnownRulesGiveTheSameReference(t *testing.T) {
	lookup := func(blob *rulesBlob) func(string) []byte {
		return func(key string) []byte {
			if key == blob.key {
				return blob.value
			}
			return nil
		}
	}
	for _, obj := range []string{
		`{"kind":"received","rules":{"regime":"eu-gdpr","holidays":["2026-01-01"]},"actor":"anna"}`,
		`{"kind":"received","rules":{"regime":"eu-gdpr","holidays":["2026-01-01"]}}`,
		`{"kind":"received","rules":{"regime":"eu-gdpr","holidays":["2026-01-01"]},"x":1}`,
	} {
		first, blob := compactRules([]byte(obj), true)
		again, known := compactRules([]byte(obj), true)
		if !bytes.Equal(first, again) || known == nil || known.key != blob.key || !bytes.Equal(known.value, blob.value) {
			t.Errorf("%s: met again it is %s (%v), first %s", obj, again, known, first)
		}
		if back, err := expandRules(again, lookup(known)); err != nil || string(back) != obj {
			t.Errorf("%s: expands to %s, %v", obj, back, err)
		}
	}
	longer := `{"kind":"received","rules":{"regime":"eu-gdpr","holidays":["2026-01-01"],"zone":"Europe/Paris"}}`
	out, blob := compactRules([]byte(longer), true)
	if back, err := expandRules(out, lookup(blob)); err != nil || string(back) != longer {
		t.Errorf("rules longer than a known set: expand to %s, %v", back, err)
	}
}

// BenchmarkCompactRules is compactRules on a case record as encodeRecord
// writes it (its rules near the end), a rule set met before: what a bulk
// write does twice a case (the record and the received event).
func BenchmarkCompactRules(b *testing.B) {
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		b.Fatal(err)
	}
	rules, err := regs.All()[0].Rules(regs.All()[0].Regimes()[0])
	if err != nil {
		b.Fatal(err)
	}
	c := cases.Case{ID: "DSR-2026-000001", Subject: cases.Subject{Name: "Zoé"}, Rules: rules}
	obj, err := json.Marshal(c)
	if err != nil {
		b.Fatal(err)
	}
	if _, blob := compactRules(obj, true); blob == nil {
		b.Fatal("no rules found")
	}
	b.SetBytes(int64(len(obj)))
	for b.Loop() {
		compactRules(obj, true)
	}
}
