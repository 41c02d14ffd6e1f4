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

// WhenSyntax says what ParseWhen reads, for a form's hint and a command's help.
const WhenSyntax = "HH:MM (today), today or yesterday [HH:MM], YYYY-MM-DD [HH:MM] or RFC 3339"

// ParseWhen reads when something really happened, as a DPO types it: a
// time alone (17:00, today at that time), a date (its start), a date and a
// time, "today" or "yesterday" with or without a time, "now", or RFC 3339.
// Everything but RFC 3339 is read in the legal zone loc, and the days are
// those of the calendar in loc on the day of now: "yesterday 17:00" the
// day after a change of summer time is 17:00 by the clocks of that day,
// not 24 hours before 17:00 today. It says nothing of whether the time is
// allowed (in the future, too far back): the transition rules say that.
func ParseWhen(s string, loc *time.Location, now time.Time) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	lower := strings.ToLower(s)
	if lower == "now" {
		return now, nil
	}
	day, clock, _ := strings.Cut(lower, " ")
	var date Date
	switch {
	case day == "today":
		date = DateOf(now, loc)
	case day == "yesterday":
		date = DateOf(now, loc).AddDays(-1)
	case len(day) <= len("15:04") && strings.Contains(day, ":") && clock == "":
		date, clock = DateOf(now, loc), day
	case len(day) == len("2006-01-02") && clock != "":
		d, err := ParseDate(day)
		if err != nil {
			return time.Time{}, fmt.Errorf("malformed time %q: want %s", s, WhenSyntax)
		}
		date = d
	case len(s) == len("2006-01-02"):
		return ParseTime(s, loc) // a date alone: its start, or why not (out of range)
	default:
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("malformed time %q: want %s", s, WhenSyntax)
		}
		if err := CheckYear(t, s); err != nil {
			return time.Time{}, err
		}
		return t, nil
	}
	if clock == "" {
		if err := CheckYear(date.Start(loc), s); err != nil {
			return time.Time{}, err
		}
		return date.Start(loc), nil
	}
	hm, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, fmt.Errorf("malformed time of day %q in %q: want HH:MM, 00:00 to 23:59", clock, s)
	}
	t := time.Date(date.Year, date.Month, date.Day, hm.Hour(), hm.Minute(), 0, 0, loc)
	if err := CheckYear(t, s); err != nil {
		return time.Time{}, err
	}
	return t, nil
}
