package storage

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// mustCatch runs check and fails unless it reports a problem naming id.
func mustCatch(t *testing.T, s *Store, id, what string) {
	t.Helper()
	problems, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if p.CaseID == id {
			t.Logf("%s: caught: %s", what, p)
			return
		}
	}
	t.Fatalf("%s: check did not catch it: %v", what, problems)
}

// replaceStored replaces old by new (of the same length, so that the
// binary row still decodes) in a case's stored record, its list view and
// its queue row: a forger who rewrites every copy of a fact.
func replaceStored(t *testing.T, s *Store, id, old, new string) {
	t.Helper()
	withBolt(t, s, func(tx kv.Tx) error {
		for _, b := range []kv.Bucket{tx.Bucket(bucketCases), tx.Bucket(bucketRows)} {
			v := b.Get([]byte(id))
			if !bytes.Contains(v, []byte(old)) && b == tx.Bucket(bucketCases) {
				t.Fatalf("%q is not in the stored case", old)
			}
			if err := b.Put([]byte(id), bytes.ReplaceAll(v, []byte(old), []byte(new))); err != nil {
				return err
			}
		}
		return nil
	})
}

func cleanCheck(t *testing.T, s *Store) {
	t.Helper()
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check before any edit: %v %v", problems, err)
	}
}

// TestTamperCaseFacts: the subject, the request text, the right and the
// organisation rewritten in the stored record, list view and row, with
// bbolt directly: check catches each, and what the case says (show) is
// still what its chain says.
func TestTamperCaseFacts(t *testing.T) {
	for _, tc := range []struct{ what, old, new string }{
		{"subject", `Anna Example`, `Mallo Forger`},
		{"request text", `send me my data`, `delete nothing!`},
		{"right", `"right":"access"`, `"right":"object"`},
		{"organisation", `"controller":"crisp"`, `"controller":"xrisp"`},
	} {
		t.Run(tc.what, func(t *testing.T) {
			s := newStore(t)
			cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
				Subject: cases.Subject{Name: "Anna Example", Email: "anna@example.org"}, Text: "send me my data",
				ReceivedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, testRules, testNow, "dpo")
			if err != nil {
				t.Fatal(err)
			}
			id := cs[0].ID
			cleanCheck(t, s)
			replaceStored(t, s, id, tc.old, tc.new)
			mustCatch(t, s, id, tc.what)
			l, err := s.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			c := l.Case
			if c.Subject.Name != "Anna Example" || c.Text != "send me my data" || c.Right != cases.RightAccess || c.Controller != "crisp" {
				t.Errorf("the case says the forged facts: %+v", c)
			}
		})
	}
}

// editEnvelope rewrites event seq of case id with fn.
func editEnvelope(t *testing.T, s *Store, id string, seq uint64, fn func(env *envelope)) {
	t.Helper()
	withBolt(t, s, func(tx kv.Tx) error {
		tl, _ := timelineOf(tx, id)
		var env envelope
		if err := json.Unmarshal(tl.get(seq), &env); err != nil {
			return err
		}
		fn(&env)
		out, err := json.Marshal(env)
		if err != nil {
			return err
		}
		return tl.put(seq, out)
	})
}

// TestTamperEvents: an event's content deleted with its digest kept, a
// personal value altered, removed or added, and a new envelope rewritten
// in the old format with its chain and head recomputed (a downgrade): each
// caught.
func TestTamperEvents(t *testing.T) {
	setup := func(t *testing.T) (*Store, string) {
		s := newStore(t)
		id := addCase(t, s, "Anna Example")[0].ID
		if _, err := s.Apply(id, cases.Event{Kind: cases.EventNoted, Text: "called Anna at home", Actor: "dpo"}, NoRevision, testNow); err != nil {
			t.Fatal(err)
		}
		cleanCheck(t, s)
		return s, id
	}
	t.Run("content deleted, digest kept", func(t *testing.T) {
		s, id := setup(t)
		editEnvelope(t, s, id, 2, func(env *envelope) { env.Content, env.Personal = nil, nil })
		mustCatch(t, s, id, "content deleted")
	})
	t.Run("personal value altered", func(t *testing.T) {
		s, id := setup(t)
		editEnvelope(t, s, id, 1, func(env *envelope) {
			sv := env.Personal["facts.subject.email"]
			sv.Value = json.RawMessage(`"mallory@example.org"`)
			env.Personal["facts.subject.email"] = sv
		})
		mustCatch(t, s, id, "e-mail altered")
	})
	t.Run("personal value removed without a purge", func(t *testing.T) {
		s, id := setup(t)
		editEnvelope(t, s, id, 2, func(env *envelope) { env.Personal = nil })
		mustCatch(t, s, id, "note removed")
	})
	t.Run("personal value added", func(t *testing.T) {
		s, id := setup(t)
		editEnvelope(t, s, id, 1, func(env *envelope) {
			env.Personal["facts.subject.phone"] = sealedValue{Salt: strings.Repeat("00", saltSize), Value: json.RawMessage(`"+33 1 23"`)}
		})
		mustCatch(t, s, id, "phone added")
	})
	t.Run("downgraded to the old format", func(t *testing.T) {
		s, id := setup(t)
		withBolt(t, s, func(tx kv.Tx) error {
			rec, err := loadRecord(tx, id)
			if err != nil {
				return err
			}
			tl, _ := timelineOf(tx, id)
			hash := chainStart(id)
			for i, ev := range rec.Case.Events {
				ev.Text = strings.ReplaceAll(ev.Text, "Anna", "Eve")
				content, _ := json.Marshal(&ev)
				env := envelope{Seq: uint64(i + 1), Prev: hash, Digest: sha256Hex(content), Content: content}
				hash = chainNext(hash, env.Digest)
				out, _ := json.Marshal(env)
				if err := tl.put(uint64(i+1), out); err != nil {
					return err
				}
			}
			raw := tx.Bucket(bucketCases).Get([]byte(id))
			return tx.Bucket(bucketCases).Put([]byte(id), bytes.Replace(raw, []byte(rec.Head), []byte(hash), 1))
		})
		mustCatch(t, s, id, "downgrade")
	})
}

// TestTamperDerived: a queue row, a due-index entry removed, and an index
// entry no case derives: each caught.
func TestTamperDerived(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Anna Example")[0].ID
	cleanCheck(t, s)
	withBolt(t, s, func(tx kv.Tx) error {
		c := tx.Bucket(bucketDue).Cursor()
		k, _ := c.First()
		if k == nil {
			t.Fatal("no due entry")
		}
		if err := tx.Bucket(bucketDue).Delete(append([]byte(nil), k...)); err != nil {
			return err
		}
		return tx.Bucket(bucketWaiting).Put([]byte("2026-01-01\x00DSR-2026-999999"), nil)
	})
	mustCatch(t, s, id, "due entry removed")
	mustCatch(t, s, "DSR-2026-999999", "index entry added")
}

// TestPurgeKeepsAVerifiableMinimalRecord: after a purge, check is clean;
// the removed e-mail address is neither in the file's bytes nor
// confirmable from what remains (its commitment is kept, its salt is not);
// and a date moved in what remains (the sent event, two months earlier) is
// caught.
func TestPurgeKeepsAVerifiableMinimalRecord(t *testing.T) {
	s := newStore(t)
	received := time.Date(2020, 2, 1, 9, 0, 0, 0, time.UTC)
	id := oldCase(t, s, "Guessable Person", received, "guess.me")
	email := "guess.me@example.org"
	// Before the purge the commitment can be confirmed with its salt: the
	// control that makes the check below meaningful.
	sealedEmail := func() (digest string, salt *sealedValue) {
		_ = s.view(func(tx kv.Tx) error {
			var env envelope
			tl, _ := timelineOf(tx, id)
			_ = json.Unmarshal(tl.get(1), &env)
			content, _ := expandRules(env.Content, rulesLookup(tx))
			sealed, _ := sealedOf(content)
			digest = sealed["facts.subject.email"]
			if sv, ok := env.Personal["facts.subject.email"]; ok {
				salt = &sv
			}
			return nil
		})
		return digest, salt
	}
	digest, sv := sealedEmail()
	guess, _ := json.Marshal(email)
	if fs := mustHex(t, sv.Salt); digest == "" || fieldDigest(fs, "facts.subject.email", guess) != digest {
		t.Fatal("the e-mail's commitment does not verify before the purge")
	}
	plan, err := s.Purge(func(string) (Retention, bool) { return Retention{CopiesMonths: 6, RecordYears: 3}, true },
		testNow, "retention", false)
	if err != nil || len(plan.Items) != 1 || plan.Items[0].Stage != PurgeRecord {
		t.Fatalf("purge: %+v %v", plan, err)
	}
	if p, err := s.Check(); err != nil || len(p) > 0 {
		t.Fatalf("check after purge: %v %v", p, err)
	}
	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{email, "guess.me", "Guessable Person", "posted by hand"} {
		if bytes.Contains(raw, []byte(gone)) {
			t.Errorf("%q is still in the file after the purge", gone)
		}
	}
	if d, sv := sealedEmail(); d != digest || sv != nil {
		t.Fatalf("after the purge: commitment %q, salt kept %v", d, sv)
	}
	// What remains still says what the minimal record needs.
	l, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if l.Case.Controller != "crisp" || l.Case.Right != cases.RightAccess || l.Case.Subject.Email != "" || !l.Case.ReceivedAt.Equal(received) {
		t.Fatalf("minimal record: %+v", l.Case)
	}
	var sent uint64
	for i, e := range l.Case.Events {
		if e.Kind == cases.EventSent {
			sent = uint64(i + 1)
		}
	}
	closed := received.Add(14 * 24 * time.Hour).UTC().Format(time.RFC3339)
	earlier := received.Add(14*24*time.Hour).AddDate(0, -2, 0).UTC().Format(time.RFC3339)
	editEnvelope(t, s, id, sent, func(env *envelope) {
		env.Content = bytes.Replace(env.Content, []byte(`"at":"`+closed), []byte(`"at":"`+earlier), 1)
	})
	mustCatch(t, s, id, "sent date moved two months earlier")
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
