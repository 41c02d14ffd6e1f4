package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage"
)

// TestErrorsCrossTheWire: every error type the command line tells apart
// comes back as the same type, with the same fields and the same words,
// also when the store wrapped it in words of its own.
func TestErrorsCrossTheWire(t *testing.T) {
	at := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	errs := []error{
		&Forbidden{Reason: "carol is a viewer: this needs the handler role"},
		&BadRequest{Reason: "bad"},
		&storage.NotFound{ID: "DSR-2026-000001"},
		&storage.Conflict{ID: "DSR-2026-000001", Expected: 3, Revision: 4, UpdatedBy: "bob", UpdatedAt: at, What: []cases.EventKind{cases.EventNoted}},
		&cases.Refused{Field: "email", Reason: "one contact route is required"},
		&cases.Refused{Reason: "the case is closed"},
		&storage.TooLarge{Name: "big.pdf", Size: 100 << 20, Limit: 64 << 20},
		&storage.RegisterChanged{Base: 2, Current: storage.RegisterVersion{Register: "crisp", Number: 3, SHA256: "ab", Actor: "dave", At: at, Reason: "r", TOML: []byte("x")}},
		&register.RegisterError{File: "crisp.toml", Line: 3, Field: "clock.zone", Reason: "unknown zone"},
		&storage.RowError{File: "in.csv", Line: 7, Reason: "no subject"},
		&storage.NoDatabaseError{Path: "/srv/rightsdesk/cases.db"},
		&storage.EmptyFileError{Path: "/srv/rightsdesk/cases.db"},
		&storage.TestSeedRefused{Path: "/srv/cases.db", Why: "not a test database"},
		&storage.StoreError{Path: "/srv/cases.db", Err: storage.ErrBusy, Detail: "d", Advice: "a"},
		&storage.StoreError{Path: "/srv/cases.db", Err: storage.ErrDamaged},
		&storage.StoreError{Path: "/srv/cases.db", Err: storage.ErrReadOnly, Detail: "a fault"},
		storage.ErrSameFile,
		fmt.Errorf("case X: %w", &storage.NotFound{ID: "X"}),
		fmt.Errorf("register crisp version 2: %w", &register.RegisterError{File: "f", Line: 1, Field: "a", Reason: "b"}),
		errors.New("something else entirely"),
	}
	for _, sent := range errs {
		w, status := encodeError(sent)
		b, err := json.Marshal(errorBody{Error: w})
		if err != nil {
			t.Fatal(err)
		}
		var back errorBody
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		got := decodeError(back.Error)
		if got.Error() != sent.Error() {
			t.Errorf("%T: the words changed:\n got %q\nwant %q", sent, got.Error(), sent.Error())
		}
		if status < 400 {
			t.Errorf("%T: status %d", sent, status)
		}
		// The innermost typed error is the same type with the same value.
		inner := innermost(sent)
		target := reflect.New(reflect.TypeOf(inner))
		if reflect.TypeOf(inner).Kind() == reflect.Pointer && reflect.TypeOf(inner).Elem().Kind() == reflect.Struct &&
			reflect.TypeOf(inner).Elem().PkgPath() != "errors" {
			if !errors.As(got, target.Interface()) {
				t.Errorf("%T: errors.As fails on %T", inner, got)
				continue
			}
			if !reflect.DeepEqual(target.Elem().Interface(), inner) {
				t.Errorf("%T: fields changed:\n got %+v\nwant %+v", inner, target.Elem().Interface(), inner)
			}
		}
		for _, s := range []error{storage.ErrBusy, storage.ErrDamaged, storage.ErrReadOnly, storage.ErrSameFile, storage.ErrNoDatabase} {
			if errors.Is(sent, s) != errors.Is(got, s) {
				t.Errorf("%T: errors.Is(%v) changed", sent, s)
			}
		}
	}
}

func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		if _, ok := err.(interface{ Unwrap() error }); ok && fmt.Sprintf("%T", err) == "*fmt.wrapError" {
			err = next
			continue
		}
		return err
	}
}

// TestWriteAnswersRoundtrip: what Do, DoEach, Add, Import and Purge return
// reads back from its JSON as the same value, zero dates included.
func TestWriteAnswersRoundtrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	if err := storage.Init(path, false, ""); err != nil {
		t.Fatal(err)
	}
	st := storage.Open(path, storage.Options{})
	if err := st.MarkTest([]byte("wire test")); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	rs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	_, rules, err := rs.RulesFor("crisp", "")
	if err != nil {
		t.Fatal(err)
	}
	v := st.As(storage.Caller{Actor: "dave"})
	created, err := v.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess, cases.RightErasure},
		Subject: cases.Subject{Name: "Wire W", Email: "w@example.org"}, ReceivedAt: now.Add(-time.Hour)}, rules, now, "dave")
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Do(created[0].ID, []storage.Action{
		{Event: cases.Event{Kind: cases.EventNoted, Text: "n"}, IfRevision: storage.NoRevision},
		{Event: cases.Event{Kind: cases.EventAttached, Attachment: &cases.Attachment{Name: "a.csv", Kind: cases.AttachmentDataCopy, Category: "orders"}},
			IfRevision: storage.NoRevision, Content: []byte("a,b\n")},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	bulk, err := v.DoEach([]string{created[0].ID, created[1].ID}, storage.Action{Event: cases.Event{Kind: cases.EventTagged, Tags: []string{"x"}}},
		map[string]int{created[0].ID: 1}, now)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := st.Purge(func(string) (storage.Retention, bool) {
		return storage.Retention{CopiesMonths: 1, RecordYears: 1}, true
	}, now, "dave", true)
	if err != nil {
		t.Fatal(err)
	}
	roundtrip := func(name string, in, out any) {
		t.Helper()
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(nullZeroDates(b), out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := reflect.ValueOf(out).Elem().Interface(); !reflect.DeepEqual(got, in) {
			gb, _ := json.Marshal(got)
			t.Errorf("%s does not roundtrip:\n got %s\nwant %s", name, gb, b)
		}
	}
	var results []*wireResult
	b, _ := json.Marshal(toWireResults(res))
	if err := json.Unmarshal(nullZeroDates(b), &results); err != nil {
		t.Fatal(err)
	}
	if got := fromWireResults(results); !reflect.DeepEqual(got, res) {
		t.Errorf("Do's results do not roundtrip")
	}
	roundtrip("Add's cases", created, new([]*cases.Case))
	roundtrip("a purge plan", plan, new(*storage.PurgePlan))
	// A bulk answer: its refusals travel as error objects.
	wire := bulkBody{Applied: map[string]*wireResult{}, Refused: map[string]wireError{}}
	for id, r := range bulk.Applied {
		wire.Applied[id] = toWireResult(r)
	}
	for id, e := range bulk.Refused {
		wire.Refused[id], _ = encodeError(e)
	}
	var back bulkBody
	b, _ = json.Marshal(wire)
	if err := json.Unmarshal(nullZeroDates(b), &back); err != nil {
		t.Fatal(err)
	}
	applied := map[string]*storage.Result{}
	for id, w := range back.Applied {
		applied[id] = w.result()
	}
	if !reflect.DeepEqual(applied, bulk.Applied) || len(back.Refused) != len(bulk.Refused) {
		t.Errorf("the bulk answer does not roundtrip")
	}
	for id, e := range bulk.Refused {
		if got := decodeError(back.Refused[id]); got.Error() != e.Error() || reflect.TypeOf(got) != reflect.TypeOf(e) {
			t.Errorf("refusal of %s: %T %v, want %T %v", id, got, got, e, e)
		}
	}
	if len(bulk.Refused) == 0 {
		t.Error("the bulk test refused nothing: it tests no refusal")
	}
}

// TestZeroDatesOnlyWhereDatesAre: a string that reads "0000-00-00" is
// left alone; a Date field's zero becomes null.
func TestZeroDatesOnlyWhereDatesAre(t *testing.T) {
	in := cases.Summary{SubjectName: "0000-00-00", Assignee: `"LegalDue":"0000-00-00"`, Tags: []string{"0000-00-00"}}
	b, _ := json.Marshal(in)
	var out cases.Summary
	if err := json.Unmarshal(nullZeroDates(b), &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("got %+v\nwant %+v", out, in)
	}
}
