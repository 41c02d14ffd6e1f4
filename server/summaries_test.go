package server

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"rightsdesk/cases"
)

// TestSummariesCompactForm: the compact form gives back the same summaries
// (nil and empty lists apart, zero times and dates, any bytes in strings),
// and a cut or foreign answer is an error, never a misread.
func TestSummariesCompactForm(t *testing.T) {
	at := time.Date(2025, 3, 10, 12, 0, 0, 5, time.UTC)
	sums := []cases.Summary{
		{},
		{ID: "DSR-2025-000001", Controller: "crisp", Right: cases.RightAccess, SubjectName: "Zoé \x1b[31m\"quoted\"\n",
			Tags: []string{}, ReceivedAt: at, EffectiveDue: cases.NewDate(2025, 4, 9), Revision: 7, Voided: true,
			Grounds: []cases.Ground{"a", "b"}, ApprovalPending: 3, WorkDone: -1, Identifiers: []string{"customer=C-1042", "x=\x00"}},
		{Tags: []string{"vip", ""}, UpdatedAt: time.Unix(0, 0).UTC(), Identifiers: []string{}},
	}
	for _, in := range [][]cases.Summary{sums, nil, {}} {
		b := encodeSummaries(in, 42)
		out, counter, err := decodeSummaries(b)
		if err != nil || counter != 42 || !reflect.DeepEqual(out, in) {
			t.Errorf("roundtrip: %v %d\n got %#v\nwant %#v", err, counter, out, in)
		}
		for cut := range len(b) {
			if _, _, err := decodeSummaries(b[:cut]); err == nil {
				t.Fatalf("cut at %d of %d: no error", cut, len(b))
			}
		}
	}
	b := encodeSummaries(sums, 1)
	b[0] ^= 0xff
	if _, _, err := decodeSummaries(b); err == nil {
		t.Error("another version's answer is read")
	}
}

// BenchmarkSummariesCompactForm: 100,000 summaries encoded and decoded in
// the compact form, against JSON (what the queue costs on the wire at the
// scale of the first-frame target, apart from the store's read).
func BenchmarkSummariesCompactForm(b *testing.B) {
	at := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	sums := make([]cases.Summary, 100000)
	for i := range sums {
		sums[i] = cases.Summary{ID: "DSR-CRISP-2025-000001", RequestID: "DSR-CRISP-2025-000001", Controller: "crisp",
			Right: cases.RightAccess, Status: "in-progress", SubjectName: "Subject Name", Email: "someone@example.org",
			Tags: []string{"vip"}, ReceivedAt: at, UpdatedAt: at, EffectiveDueAt: at, Revision: 3,
			ReceiptDate: cases.NewDate(2025, 3, 10), EffectiveDue: cases.NewDate(2025, 4, 10), LegalDue: cases.NewDate(2025, 4, 10)}
	}
	b.Run("compact", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := decodeSummaries(encodeSummaries(sums, 1)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			data, _ := json.Marshal(summariesBody{Summaries: sums})
			var out summariesBody
			if err := json.Unmarshal(nullZeroDates(data), &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSummariesCompactFormHasEveryField: a summary with every field set,
// each to a value of its own, comes back whole, so a field added to
// cases.Summary and not to the compact form fails here.
func TestSummariesCompactFormHasEveryField(t *testing.T) {
	var in cases.Summary
	n := 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		n++
		switch {
		case v.Type() == reflect.TypeFor[time.Time]():
			v.Set(reflect.ValueOf(time.Date(2025, 1, n, 0, 0, 0, n, time.UTC)))
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		case v.Kind() == reflect.String:
			v.SetString(fmt.Sprintf("s%d", n))
		case v.Kind() == reflect.Bool:
			v.SetBool(true)
		case v.CanInt():
			v.SetInt(int64(n))
		case v.CanUint():
			v.SetUint(uint64(n))
		case v.Kind() == reflect.Slice:
			s := reflect.MakeSlice(v.Type(), 2, 2)
			fill(s.Index(0))
			fill(s.Index(1))
			v.Set(s)
		default:
			t.Fatalf("cases.Summary has a field of type %s, which this test does not fill", v.Type())
		}
	}
	fill(reflect.ValueOf(&in).Elem())
	out, _, err := decodeSummaries(encodeSummaries([]cases.Summary{in}, 1))
	if err != nil || len(out) != 1 || !reflect.DeepEqual(out[0], in) {
		t.Fatalf("a summary with every field set: %v\n got %#v\nwant %#v", err, out, in)
	}
}
