package server

import (
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
			Grounds: []cases.Ground{"a", "b"}, ApprovalPending: 3, WorkDone: -1},
		{Tags: []string{"vip", ""}, UpdatedAt: time.Unix(0, 0).UTC()},
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
