package cases

import (
	"strings"
	"testing"
	"time"
)

// TestTimesStayInRange: a time or date past LatestYear (2199) is refused
// with the range named, so that no deadline, countdown or JSON time can
// overflow (Go's durations end about 292 years after 1970's neighbours;
// RFC 3339 has four-digit years), and a malformed one is still called so.
func TestTimesStayInRange(t *testing.T) {
	for _, s := range []string{"2200-01-01", "9999-12-31", "2250-01-05T10:00:00Z", "1969-12-31"} {
		_, err := ParseTime(s, time.UTC)
		if err == nil || !strings.Contains(err.Error(), "out of range (years 1970 to 2199)") {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := ParseTime("2026-02-30", time.UTC); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("a date that does not exist: %v", err)
	}
	if _, err := ParseTime("2199-12-31", time.UTC); err != nil {
		t.Errorf("the last day in range: %v", err)
	}
	if _, err := ParseDate("2200-01-01"); err == nil {
		t.Error("ParseDate accepted 2200")
	}
}
