package storage

import (
	"bytes"
	"reflect"
	"strconv"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// TestReportEntryRoundTrip: every field of an entry comes back as it was
// written, lists empty and full, a request ID of its own or the case's.
func TestReportEntryRoundTrip(t *testing.T) {
	received := time.Date(2026, 3, 2, 9, 4, 5, 123456789, time.UTC)
	full := cases.ReportEntry{
		Summary: cases.Summary{ID: "DSR-2026-000042", RequestID: "DSR-2026-000041", Controller: "crisp", Right: cases.RightErasure,
			Status: cases.StatusClosed, Outcome: cases.OutcomePartiallyFulfilled, ReceivedAt: received, ReceiptDate: cases.NewDate(2026, 3, 2),
			LegalDue: cases.NewDate(2026, 4, 2), EffectiveDue: cases.NewDate(2026, 4, 1), PromiseDue: cases.NewDate(2026, 3, 20),
			AnsweredOn: cases.NewDate(2026, 3, 25), PausedDays: 4, Extension: cases.ExtensionValid,
			Grounds: []cases.Ground{cases.GroundArt17_3b, cases.GroundExcessive}},
		AnsweredWithDraft: true, AnswerOutside: false, LettersOutside: 2, Refusal: "partial",
		Refused:     []cases.RefusedItem{{Item: "the-2019-archive", Result: "kept", Ground: "art17-3-b"}, {Item: "crm", Result: "not-rectified"}},
		Withheld:    []cases.WithheldFile{{Name: "orders.csv", Ground: "rights-of-others"}},
		RefusalLate: true, LateEntries: 3, WorkItems: 9, WorkOpen: 1,
		StoppedLate:    []string{"marketing (stopped 2026-03-06, act by 2026-03-04)"},
		Approvals:      []string{"final approved by marc on 2026-03-10", "final rejected by lea on 2026-03-09: \x00odd\ntext"},
		MovesWithToday: true,
	}
	bare := cases.ReportEntry{Summary: cases.Summary{ID: "DSR-1", RequestID: "DSR-1", Controller: "callrix", Right: cases.RightAccess,
		Status: cases.StatusNew, ReceivedAt: time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), ReceiptDate: cases.NewDate(2000, 1, 1)}}
	for _, e := range []cases.ReportEntry{full, bare} {
		k, v := reportKey(e.Summary.ReceivedAt, e.Summary.ID), appendReportEntry(nil, &e)
		var got cases.ReportEntry
		if _, err := decodeReportEntry(&got, k, v, nil); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("read back\n %+v\nwant\n %+v", got, e)
		}
		for cut := 1; cut < len(v); cut += 7 {
			var short cases.ReportEntry
			if _, err := decodeReportEntry(&short, k, v[:len(v)-cut], nil); err == nil {
				t.Errorf("%d bytes cut off: read without an error", cut)
			}
		}
	}
}

// TestReportKeysSortAsTheirInstants: the reports bucket's keys, 8 bytes
// of instant, sort as the instants they begin with, before 1970 and after,
// and a case received at the start of a day (UTC) is at or after that
// day's key, one received the nanosecond before is before it.
func TestReportKeysSortAsTheirInstants(t *testing.T) {
	ats := []time.Time{time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(2026, 2, 28, 23, 59, 59, 999999999, time.UTC),
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 12, 0, 0, 0, time.FixedZone("+14", 14*3600))}
	for i := 1; i < len(ats); i++ {
		if a, b := reportKey(ats[i-1], "DSR-2026-999999"), reportKey(ats[i], "DSR-2026-000001"); bytes.Compare(a, b) >= 0 {
			t.Errorf("%v sorts at or after %v", ats[i-1], ats[i])
		}
	}
	day := reportDateKey(cases.NewDate(2026, 3, 1))
	if bytes.Compare(reportKey(ats[4], "A"), day) < 0 || bytes.Compare(reportKey(ats[3], "A"), day) >= 0 {
		t.Error("a day's key is not where its first instant begins")
	}
}

// reportOf is the register of every case of s as of testNow.
func reportOf(t *testing.T, s *Store) []cases.ReportEntry {
	t.Helper()
	var out []cases.ReportEntry
	if err := s.Report("", cases.Date{}, cases.Date{}, testNow, func(e *cases.ReportEntry) error {
		out = append(out, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReportEntriesAreCheckedAndRebuilt: an entry altered, or one no case
// derives, is caught by check; a file whose entries were written by an
// older build gets them again on its next open.
func TestReportEntriesAreCheckedAndRebuilt(t *testing.T) {
	fileOnly(t, "a rebuild of derived data")
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	cleanCheck(t, s)
	entries := reportOf(t, s)
	if len(entries) != 1 || entries[0].Summary.ID != id || entries[0].Summary.Controller != "crisp" {
		t.Fatalf("entries %+v", entries)
	}
	key := reportKey(entries[0].Summary.ReceivedAt, id)
	withBolt(t, s, func(tx kv.Tx) error {
		b := tx.Bucket(bucketReports)
		v := append([]byte(nil), b.Get(key)...)
		v[len(v)-1]++ // a count of approvals raised
		return b.Put(key, v)
	})
	mustCatch(t, s, id, "an altered report entry")
	withBolt(t, s, func(tx kv.Tx) error {
		b := tx.Bucket(bucketReports)
		v := append([]byte(nil), b.Get(key)...)
		if err := b.Delete(key); err != nil {
			return err
		}
		if err := b.Put(reportKey(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "DSR-2026-999999"), v); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyIndexEngine, []byte("1"))
	})
	if entries := reportOf(t, s); len(entries) != 1 || entries[0].Summary.ID != id {
		t.Fatalf("after the rebuild: %+v", entries)
	}
	cleanCheck(t, s)
}

// TestReportAfterMigratingAFileWithoutEntries: a schema 3 file written
// before the report entries, migrated on open, gives its register in that
// same open: the migration writes every case, each its entry.
func TestReportAfterMigratingAFileWithoutEntries(t *testing.T) {
	fileOnly(t, "a migration")
	s := newStore(t)
	want := map[string]bool{}
	for _, name := range []string{"Zoé Lefèvre", "Anna Example", "Marc Dupont"} {
		want[addCase(t, s, name)[0].ID] = true
	}
	toSchema3(t, s.Path())
	withBolt(t, s, func(tx kv.Tx) error {
		if err := tx.DeleteBucket(bucketReports); err != nil {
			return err
		}
		// The stamp of the build before the entries.
		return tx.Bucket(bucketMeta).Put(keyIndexEngine, []byte(strconv.Itoa(cases.EngineVersion)+"."+strconv.Itoa(rowFormat)))
	})
	entries := reportOf(t, Open(s.Path(), Options{Clock: cases.FixedClock(testNow)}))
	if len(entries) != len(want) {
		t.Fatalf("%d entries after the migration, want %d", len(entries), len(want))
	}
	for _, e := range entries {
		if !want[e.Summary.ID] {
			t.Errorf("entry of %s", e.Summary.ID)
		}
	}
}

// TestANoteLeavesTheReportEntriesPagesAlone: a note changes nothing a
// register shows of its case, so the transaction that records it copies
// no page of the reports bucket (a put of the same bytes would copy the
// entry's leaf and every branch page above it), while the rows bucket,
// whose row carries the new revision, is written.
func TestANoteLeavesTheReportEntriesPagesAlone(t *testing.T) {
	s := newStore(t)
	var ids []string
	for i := range 40 {
		ids = append(ids, addCase(t, s, "Zoé Lefèvre "+strconv.Itoa(i))[0].ID)
	}
	roots := func() (reports, rows uint64, entry []byte) {
		err := s.view(func(tx kv.Tx) error {
			r := tx.Bucket(bucketReports)
			reports, rows = uint64(r.Bolt().Root()), uint64(tx.Bucket(bucketRows).Bolt().Root())
			_, entry = r.Cursor().First()
			entry = bytes.Clone(entry)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return reports, rows, entry
	}
	reports, rows, entry := roots()
	if reports == 0 || rows == 0 {
		t.Fatalf("buckets inline (roots %d, %d): too few cases to tell", reports, rows)
	}
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventNoted, Text: "called", Actor: "dpo"}, 1, testNow); err != nil {
		t.Fatal(err)
	}
	reports2, rows2, entry2 := roots()
	if reports2 != reports || !bytes.Equal(entry2, entry) {
		t.Errorf("the note rewrote the reports bucket: root page %d, was %d", reports2, reports)
	}
	if rows2 == rows {
		t.Errorf("the note left the rows bucket's root page %d: its row was not written", rows)
	}
}
