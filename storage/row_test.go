package storage

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

func TestRowRoundTrip(t *testing.T) {
	s := cases.Summary{ID: "DSR-2026-000042", RequestID: "DSR-2026-000041", Controller: "crisp",
		Right: cases.RightErasure, Status: cases.StatusClosed, Clock: cases.ClockStopped, Outcome: cases.OutcomePartiallyFulfilled,
		SubjectName: "Zoë \x1b[2J\x00Łukasz", Email: "zoe@example.org", Assignee: "anna", Tags: []string{"vip", "press"},
		ClockSince: cases.NewDate(2026, 3, 4), ReceivedAt: time.Date(2026, 3, 2, 8, 0, 0, 1, time.UTC),
		ClosedAt: time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC), EffectiveDueAt: time.Date(2026, 4, 2, 21, 59, 59, 0, time.UTC),
		Revision: 7, UpdatedAt: time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC),
		ReceiptDate: cases.NewDate(2026, 3, 2), EffectiveDue: cases.NewDate(2026, 4, 2), AnsweredOn: cases.NewDate(2026, 3, 20),
		PausedDays: 5, Extension: cases.ExtensionInvalid, NoticeBy: cases.NewDate(2026, 4, 2),
		Grounds: []cases.Ground{cases.GroundRightsOfOthers, "art17-3-b"}, WorkDone: 3, WorkTotal: 5,
		TellRefusalBy: cases.NewDate(2026, 4, 2), Voided: true, Identifiers: []string{"account=A\x00=7", "customer=C-1042"},
		ApprovalPending: 1, ApprovalFrozen: 3}
	row := encodeRow(&s, []byte("due/key"))
	got, ref, err := decodeRow(row)
	if err != nil || string(ref) != "due/key" || !reflect.DeepEqual(got, s) {
		t.Fatalf("round trip:\n got %+v\nwant %+v\n%v", got, s, err)
	}
	// A request ID that is the case's own is stored as a zero length, not
	// again (rowFormat 10); an empty one stays empty.
	for _, req := range []string{s.ID, ""} {
		v := s
		v.RequestID = req
		r := encodeRow(&v, nil)
		got, _, err := decodeRow(r)
		var shared cases.Summary
		_, errShared := decodeRowShared(&shared, r, rowStrings{})
		if err != nil || errShared != nil || !reflect.DeepEqual(got, v) || !reflect.DeepEqual(shared, v) {
			t.Fatalf("request ID %q:\n got %+v\nwant %+v\n%v %v", req, got, v, err, errShared)
		}
		if req == s.ID && len(r) != len(encodeRow(&s, nil))-len(s.RequestID) {
			t.Errorf("a request ID of the case's own takes %d bytes, another %d", len(r), len(encodeRow(&s, nil)))
		}
		if rowController(r) != s.Controller {
			t.Errorf("request ID %q: the row's organisation read as %q", req, rowController(r))
		}
	}
	for cut := 0; cut < len(row); cut++ {
		if _, _, err := decodeRow(row[:cut]); err == nil {
			t.Fatalf("a row cut at %d of %d bytes decoded", cut, len(row))
		}
		if _, err := decodeRowShared(&cases.Summary{}, row[:cut], rowStrings{}); err == nil {
			t.Fatalf("a row cut at %d of %d bytes decoded with shared strings", cut, len(row))
		}
	}
	// The queue's reads share the strings rows hold alike: the same
	// summaries, the organisation's bytes held once.
	shared := rowStrings{}
	var first, second cases.Summary
	for _, into := range []*cases.Summary{&first, &second} {
		if ref, err := decodeRowShared(into, row, shared); err != nil || string(ref) != "due/key" || !reflect.DeepEqual(*into, s) {
			t.Fatalf("shared strings:\n got %+v\nwant %+v\n%v", *into, s, err)
		}
	}
	if unsafe.StringData(first.Controller) != unsafe.StringData(second.Controller) || unsafe.StringData(first.Tags[1]) != unsafe.StringData(second.Tags[1]) {
		t.Error("two rows of one read hold their organisation and tags apart")
	}
	if unsafe.StringData(first.ID) == unsafe.StringData(second.ID) {
		t.Error("two rows share what each holds of its own")
	}
	// More strings of its own than the reader notes in place.
	many := s
	for i := range 20 {
		many.Identifiers = append(many.Identifiers, fmt.Sprintf("ref=%d", i))
	}
	var got2 cases.Summary
	if _, err := decodeRowShared(&got2, encodeRow(&many, nil), shared); err != nil || !reflect.DeepEqual(got2, many) {
		t.Fatalf("a row with 22 identifiers:\n got %+v\nwant %+v\n%v", got2, many, err)
	}
}

// TestQueueRowBytes: what the queue's load keeps for each open case is
// the summary (unsafe.Sizeof) and the bytes of the strings it holds of its
// own (IDs, name, e-mail, identifiers) with its lists' slices, not a copy of
// the whole stored row nor a copy per row of its organisation, right or
// status; at most 16 bytes a row more, for the allocator's size classes
// (16 bytes apart up to 256).
func TestQueueRowBytes(t *testing.T) {
	overClusterLimits(t, "1,000 requests, 8,224 operations")
	s, _ := mixedStore(t, 3000, 0, 1)
	var before, after runtime.MemStats
	live := func(m *runtime.MemStats) {
		runtime.GC() // twice: what finalizers let go of is freed by the second
		runtime.GC()
		runtime.ReadMemStats(m)
	}
	live(&before)
	open, _, err := s.OpenQueue(scaleNow)
	live(&after)
	if err != nil || len(open) < 1000 {
		t.Fatalf("%d open cases, %v", len(open), err)
	}
	own := 0
	for i := range open {
		sum := &open[i]
		own += len(sum.ID) + len(sum.RequestID) + len(sum.SubjectName) + len(sum.Email)
		for _, id := range sum.Identifiers {
			own += len(id) + int(unsafe.Sizeof(id))
		}
		own += len(sum.Tags)*int(unsafe.Sizeof("")) + len(sum.Grounds)*int(unsafe.Sizeof(cases.Ground("")))
	}
	perRow := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(len(open))
	bound := float64(unsafe.Sizeof(cases.Summary{})) + float64(own)/float64(len(open)) + 16
	t.Logf("%.0f bytes kept per open case, bound %.0f (a %d-byte summary)", perRow, bound, unsafe.Sizeof(cases.Summary{}))
	if perRow > bound {
		t.Errorf("the open queue keeps %.0f bytes a case, more than %.0f", perRow, bound)
	}
	runtime.KeepAlive(open)
}

// TestRowsOfAnOlderFormatAreRebuilt: a file whose rows were written by an
// older build (another index stamp) gets them recomputed when it is next
// opened, even for reading, and lists the same cases.
func TestRowsOfAnOlderFormatAreRebuilt(t *testing.T) {
	fileOnly(t, "a rebuild of derived data")
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	err := s.update(func(tx kv.Tx) error {
		if err := tx.Bucket(bucketRows).Put([]byte(id), []byte{1, 0xff}); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyIndexEngine, []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(s, Filter{}, testNow)
	if err != nil || len(got) != 1 || got[0].Summary.ID != id || got[0].Summary.ReceiptDate != cases.NewDate(2026, 3, 2) {
		t.Fatalf("after rebuild: %+v %v", got, err)
	}
}

// TestRowsGetIdentifiersOnOpen: a database whose rows were written before
// rows carried the subject's identifiers (row format 7, and its index
// stamp) gets them on its next open, so that the queue, Rows and
// list --query find the case by its customer number.
func TestRowsGetIdentifiersOnOpen(t *testing.T) {
	fileOnly(t, "a rebuild of derived data")
	path := filepath.Join(t.TempDir(), "cases.db")
	s := created(t, path, Options{Clock: cases.FixedClock(testNow)})
	cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject:    cases.Subject{Name: "Zofia Nowak", Email: "zofia@example.org", Identifiers: map[string]string{"customer": "C-1042"}},
		ReceivedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, testRules, testNow, "dpo")
	if err != nil {
		t.Fatal(err)
	}
	id := []byte(cs[0].ID)
	err = s.update(func(tx kv.Tx) error {
		rows := tx.Bucket(bucketRows)
		sum, ref, err := decodeRow(rows.Get(id))
		if err != nil {
			return err
		}
		sum.Identifiers = nil
		old := encodeRow(&sum, bytes.Clone(ref))
		old[0] = 7
		if err := rows.Put(id, old); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyIndexEngine, fmt.Appendf(nil, "%d.7", cases.EngineVersion))
	})
	if err != nil {
		t.Fatal(err)
	}

	s = Open(path, Options{Clock: cases.FixedClock(testNow)})
	queue, _, err := s.Queue(testNow)
	if err != nil || len(queue) != 1 || fmt.Sprint(queue[0].Identifiers) != "[customer=C-1042]" {
		t.Fatalf("the queue after the open: %+v %v", queue, err)
	}
	rows, _, err := s.Rows([]string{string(id)})
	if err != nil || len(rows) != 1 || fmt.Sprint(rows[0].Identifiers) != "[customer=C-1042]" {
		t.Fatalf("Rows after the open: %+v %v", rows, err)
	}
	got, err := collect(s, Filter{Query: "c-1042", All: true}, testNow)
	if err != nil || len(got) != 1 {
		t.Fatalf("list --query c-1042: %+v %v", got, err)
	}
}
