package cases

import (
	"fmt"
	"time"
)

// Date is a civil (calendar) date with no time of day and no zone. Month
// arithmetic on deadlines is done on Dates, never on time.Time, because
// time.AddDate normalises 31 January + 1 month to 3 March.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d; it does not normalise out-of-range values.
func NewDate(y int, m time.Month, d int) Date { return Date{y, m, d} }

// DateOf returns the calendar date of the instant t in the zone loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD and rejects dates that do not exist.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("malformed date %q: want YYYY-MM-DD", s)
	}
	if t.Year() < EarliestYear || t.Year() > LatestYear {
		return Date{}, fmt.Errorf("date %q is out of range (years %d to %d)", s, EarliestYear, LatestYear)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	if d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Month > 99 || d.Day < 0 || d.Day > 99 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	// Without fmt: a register of a million cases writes five million dates.
	m := int(d.Month)
	b := [10]byte{byte('0' + d.Year/1000), byte('0' + d.Year/100%10), byte('0' + d.Year/10%10), byte('0' + d.Year%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d.Day/10), byte('0' + d.Day%10)}
	return string(b[:])
}

// Human formats d as "Fri 31 Jan 2025", the form used in the working.
func (d Date) Human() string { return d.utc().Format("Mon 2 Jan 2006") }

// utc is d at midnight UTC, used only for calendar computations that do not
// depend on a zone (weekday, day counts).
func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// AddDays returns the date n calendar days after d (before, when n < 0).
func (d Date) AddDays(n int) Date {
	y, m, dd := d.utc().AddDate(0, 0, n).Date()
	return Date{y, m, dd}
}

// AddMonths returns the date with the same day number n months later; when
// that day does not exist in the target month it clamps to the month's last
// day (Regulation 1182/71 Art. 3(2)(c)). The second result says whether it
// clamped.
func (d Date) AddMonths(n int) (Date, bool) {
	total := int(d.Month) - 1 + n
	y := d.Year + floorDiv(total, 12)
	m := time.Month(total - floorDiv(total, 12)*12 + 1)
	last := daysIn(y, m)
	if d.Day > last {
		return Date{y, m, last}, true
	}
	return Date{y, m, d.Day}, false
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Before reports whether d is strictly earlier than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is strictly later than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	default:
		return cmpInt(d.Day, o.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DaysUntil returns the number of calendar days from d to o (o - d).
func (d Date) DaysUntil(o Date) int {
	// Both are UTC midnights, so the difference is an exact number of days.
	return int(o.utc().Sub(d.utc()) / (24 * time.Hour))
}

// Start is the first instant of d in loc.
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// End is the last second of d in loc (23:59:59 local), the instant a
// deadline date expires. It is built from the civil date in the zone, so a
// daylight-saving change between receipt and deadline cannot shift it.
func (d Date) End(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, loc)
}

// MarshalText writes YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
