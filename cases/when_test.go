package cases

import (
	"strings"
	"testing"
	"time"
)

// TestParseWhen reads the times a DPO types in a form's "when" and in
// --at, in the legal zone of a named rule, across the end of summer time
// in Paris (Sunday 25 October 2026, 03:00 CEST -> 02:00 CET).
func TestParseWhen(t *testing.T) {
	paris, err := LoadZone("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	mondayAfter := at("2026-10-26T08:00:00+01:00") // the first working day on CET
	sunday := at("2026-10-25T09:00:00+01:00")
	for _, tc := range []struct {
		in   string
		now  time.Time
		want string // RFC 3339 with the offset the zone has then
	}{
		{"yesterday 17:00", mondayAfter, "2026-10-25T17:00:00+01:00"}, // the day of the change: CET by 17:00
		{"yesterday 17:00", sunday, "2026-10-24T17:00:00+02:00"},      // the day before: still CEST
		{"yesterday", mondayAfter, "2026-10-25T00:00:00+02:00"},       // the day's start was still summer time
		{"Yesterday  9:30", mondayAfter, "2026-10-25T09:30:00+01:00"},
		{"today 9:30", mondayAfter, "2026-10-26T09:30:00+01:00"},
		{"today", mondayAfter, "2026-10-26T00:00:00+01:00"},
		{"17:00", sunday, "2026-10-25T17:00:00+01:00"},
		{"07:05", mondayAfter, "2026-10-26T07:05:00+01:00"},
		{"2026-10-24", mondayAfter, "2026-10-24T00:00:00+02:00"},
		{"2026-10-24 23:15", mondayAfter, "2026-10-24T23:15:00+02:00"},
		{"2026-10-24T21:15:00Z", mondayAfter, "2026-10-24T23:15:00+02:00"},
		{"now", mondayAfter, "2026-10-26T08:00:00+01:00"},
	} {
		got, err := ParseWhen(tc.in, paris, tc.now)
		if err != nil {
			t.Errorf("ParseWhen(%q): %v", tc.in, err)
			continue
		}
		if want := at(tc.want); !got.Equal(want) || got.In(paris).Format(time.RFC3339) != tc.want {
			t.Errorf("ParseWhen(%q) at %s = %s, want %s", tc.in, tc.now.In(paris).Format(time.RFC3339), got.In(paris).Format(time.RFC3339), tc.want)
		}
	}
	for _, bad := range []string{"", "tomorrow", "yesterday 25:00", "17h", "2026-13-01", "2026-02-30 10:00", "1900-01-01", "last week"} {
		if got, err := ParseWhen(bad, paris, mondayAfter); err == nil {
			t.Errorf("ParseWhen(%q) = %s, want an error", bad, got)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseWhen(%q): error of several lines: %v", bad, err)
		}
	}
}
