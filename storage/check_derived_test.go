package storage

import (
	"strings"
	"testing"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// mustCatchDetail runs check and fails unless it reports a problem whose
// line holds every one of words.
func mustCatchDetail(t *testing.T, s *Store, what string, words ...string) {
	t.Helper()
	problems, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		line, all := p.String(), true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all {
			t.Logf("%s: caught: %s", what, line)
			return
		}
	}
	t.Fatalf("%s: check did not report %q: %v", what, words, problems)
}

// deleteEntryOf deletes the entry of case id from a bucket keyed by
// something, then the ID.
func deleteEntryOf(t *testing.T, tx kv.Tx, bucket []byte, id string) error {
	t.Helper()
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if lastField(k) == id {
			return tx.Bucket(bucket).Delete(append([]byte(nil), k...))
		}
	}
	t.Fatalf("no %s entry of %s", bucket, id)
	return nil
}

// TestCheckDerivedBuckets: each derived bucket a write keeps beside the
// cases (counts, due-days, owing, unsent, reports), altered in a copy of a
// checked file, is reported by check in one line naming the bucket and the
// case or the organisation; the untouched file checks clean.
func TestCheckDerivedBuckets(t *testing.T) {
	type alteration struct {
		what  string
		alter func(tx kv.Tx, open, unsent string) error
		words func(open, unsent string) []string
	}
	for _, a := range []alteration{
		{"an open case's figure raised in counts", func(tx kv.Tx, _, _ string) error {
			b := tx.Bucket(bucketCounts)
			got, err := decodeTally(b.Get([]byte("crisp")))
			if err != nil {
				return err
			}
			got[tallyOpen]++
			return b.Put([]byte("crisp"), got.encode())
		}, func(_, _ string) []string { return []string{"organisation crisp", "counts", "open cases"} }},
		{"an organisation no case is of, in counts", func(tx kv.Tx, _, _ string) error {
			t := tally{tallyCases: 1, tallyOpen: 1}
			return tx.Bucket(bucketCounts).Put([]byte("ghost"), t.encode())
		}, func(_, _ string) []string { return []string{"organisation ghost", "counts"} }},
		{"a due day removed", func(tx kv.Tx, _, _ string) error {
			k, _ := tx.Bucket(bucketDueDays).Cursor().First()
			if k == nil {
				t.Fatal("no due day")
			}
			return tx.Bucket(bucketDueDays).Delete(append([]byte(nil), k...))
		}, func(_, _ string) []string { return []string{"organisation crisp", "due-days", "says 0 cases due on"} }},
		{"an open case's owing row removed", func(tx kv.Tx, open, _ string) error {
			return tx.Bucket(bucketOwing).Delete([]byte(open))
		}, func(open, _ string) []string { return []string{open + ": ", "owing"} }},
		{"an owing row no case owes", func(tx kv.Tx, _, _ string) error {
			return tx.Bucket(bucketOwing).Put([]byte("DSR-2026-999999"), []byte{rowFormat})
		}, func(_, _ string) []string { return []string{"DSR-2026-999999: ", "owing"} }},
		{"a closed case's unsent entry removed", func(tx kv.Tx, _, unsent string) error {
			return deleteEntryOf(t, tx, bucketUnsent, unsent)
		}, func(_, unsent string) []string { return []string{unsent + ": ", "unsent"} }},
		{"an unsent entry no case derives", func(tx kv.Tx, _, _ string) error {
			return tx.Bucket(bucketUnsent).Put([]byte("2026-04-01T09:00:00Z\x002026-03-02T09:00:00.000000000Z\x00DSR-2026-999999"), []byte{rowFormat})
		}, func(_, _ string) []string { return []string{"DSR-2026-999999: ", "unsent"} }},
		{"a case's report entry removed", func(tx kv.Tx, open, _ string) error {
			return deleteEntryOf(t, tx, bucketReports, open)
		}, func(open, _ string) []string { return []string{open + ": ", "report entry"} }},
	} {
		t.Run(a.what, func(t *testing.T) {
			s := newStore(t)
			open := addCase(t, s, "Anna Example")[0].ID
			unsent := addCase(t, s, "Ben Example")[0].ID
			if _, err := s.Apply(unsent, cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled, Actor: "dpo"}, 1, testNow); err != nil {
				t.Fatal(err)
			}
			cleanCheck(t, s)
			withBolt(t, s, func(tx kv.Tx) error { return a.alter(tx, open, unsent) })
			mustCatchDetail(t, s, a.what, a.words(open, unsent)...)
		})
	}
}

// TestDerivedBucketsMadeOnFirstWrite: a file laid out before the schema
// held the derived buckets (init by an earlier build, no case yet) gets
// them with its first case, whose counts and entries then check clean.
func TestDerivedBucketsMadeOnFirstWrite(t *testing.T) {
	s := newStore(t)
	withBolt(t, s, func(tx kv.Tx) error {
		for _, name := range bucketsDerived {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	id := addCase(t, s, "Anna Example")[0].ID
	c, err := s.Counts("crisp", testNow)
	if err != nil || c.Cases != 1 || c.Open != 1 {
		t.Fatalf("counts after the first case: %+v %v", c, err)
	}
	rows, _, err := s.Rows([]string{id})
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows: %v %v", rows, err)
	}
	cleanCheck(t, s)
}
