package server

import (
	"encoding/json"
	"errors"
	"fmt"
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
