package cases

import (
	"fmt"
	"strings"
	"time"
)

// The years a time may fall in. Before 1970 nothing of this law existed;
// after 2199 a deadline, a countdown or a JSON time could leave what Go's
// durations (about 292 years) and RFC 3339 (four-digit years) can hold.
const (
	EarliestYear = 1970
	LatestYear   = 2199
)

// CheckYear refuses a time outside EarliestYear..LatestYear, naming what
// was given.
func CheckYear(t time.Time, given string) error {
	if y := t.Year(); y < EarliestYear || y > LatestYear {
		return fmt.Errorf("time %q is out of range (years %d to %d)", given, EarliestYear, LatestYear)
	}
	return nil
}

// ParseTime reads TIME as CLI.md defines it: RFC 3339, or YYYY-MM-DD
// meaning the start of that day in the legal zone loc.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) == len("2006-01-02") {
		d, err := ParseDate(s)
		if _, exists := time.Parse(time.DateOnly, s); err != nil && exists == nil {
			return time.Time{}, err // a real date, out of range
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("malformed time %q: want YYYY-MM-DD (a date that exists) or RFC 3339", s)
		}
		return d.Start(loc), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("malformed time %q: want RFC 3339 (2025-01-31T09:00:00+01:00) or YYYY-MM-DD", s)
	}
	if err := CheckYear(t, s); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// ParseClockEvent reads a calculator event, NAME@TIME.
func ParseClockEvent(s string, loc *time.Location) (ClockEvent, error) {
	name, at, ok := strings.Cut(s, "@")
	if !ok {
		return ClockEvent{}, fmt.Errorf("malformed event %q: want NAME@YYYY-MM-DD or NAME@RFC3339", s)
	}
	kind, err := parseSlug("event", name, CalculatorEvents)
	if err != nil {
		return ClockEvent{}, err
	}
	t, err := ParseTime(at, loc)
	if err != nil {
		return ClockEvent{}, fmt.Errorf("event %s: %w", name, err)
	}
	return ClockEvent{Kind: kind, At: t}, nil
}
