package cases

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestDeadlineProperties checks, over many generated receipt dates and
// calendars, what must hold for any date: a rolling regime never ends on a
// weekend or holiday, no deadline precedes receipt, and a later receipt never
// gives an earlier deadline.
func TestDeadlineProperties(t *testing.T) {
	setups := []struct{ regime, calendar, zone string }{
		{"eu-gdpr", "DE-BE", "Europe/Berlin"},
		{"eu-gdpr", "CY", "Asia/Nicosia"},
		{"eu-gdpr", "FR", "Europe/Paris"},
		{"uk-gdpr", "GB-SCT", "Europe/London"},
		{"uk-gdpr", "GB-EAW", "Europe/London"},
		{"br-lgpd", "BR", "America/Sao_Paulo"},
		{"us-ca", "US", "America/Los_Angeles"},
		{"processor-forward", "PL", "Europe/Warsaw"},
	}
	rng := rand.New(rand.NewPCG(2, 42))
	start := NewDate(2000, time.January, 1)
	const span = 40 * 366
	for _, s := range setups {
		loc, _ := LoadZone(s.zone)
		cal, _ := LookupCalendar(s.calendar)
		regime, _ := LookupRegime(s.regime)
		due := func(d Date) Date {
			// A random time of day: the receipt instant must not matter
			// within the receipt date.
			// (Built from the wall clock: a daylight-saving day has 23 or 25 hours.)
			at := time.Date(d.Year, d.Month, d.Day, rng.IntN(24), rng.IntN(60), rng.IntN(60), 0, loc)
			out, err := Compute(Input{Rules: Rules{Regime: s.regime, Zone: s.zone, Calendar: s.calendar},
				Right: RightAccess, ReceivedAt: at})
			if err != nil {
				t.Fatalf("%s %s: %v", s.regime, d, err)
			}
			if out.ReceiptDate != d {
				t.Fatalf("%s: receipt date %s for an instant on %s", s.regime, out.ReceiptDate, d)
			}
			return *out.Due
		}
		for i := 0; i < 600; i++ {
			r := start.AddDays(rng.IntN(span))
			d := due(r)
			if !d.After(r) {
				t.Errorf("%s/%s: received %s, due %s is not after receipt", s.regime, s.calendar, r, d)
			}
			if (regime.Roll || regime.Unit == UnitWorkingDays) && !cal.IsWorkingDay(d) {
				t.Errorf("%s/%s: received %s, due %s is not a working day", s.regime, s.calendar, r, d)
			}
			if next := due(r.AddDays(1)); next.Before(d) {
				t.Errorf("%s/%s: received %s due %s, but a day later due %s", s.regime, s.calendar, r, d, next)
			}
		}
	}
}

// TestAddMonthsAgainstCivilCalendar checks the month arithmetic over every
// day of 2023-2025 against its definition: same day number, or the last day
// of the target month.
func TestAddMonthsAgainstCivilCalendar(t *testing.T) {
	for d := NewDate(2023, 1, 1); d.Year < 2026; d = d.AddDays(1) {
		for _, n := range []int{1, 3, 12, -1} {
			got, clamped := d.AddMonths(n)
			wantMonth := (int(d.Month)-1+n+120)%12 + 1
			if int(got.Month) != wantMonth {
				t.Fatalf("%s + %d months = %s: month %d", d, n, got, wantMonth)
			}
			last := daysIn(got.Year, got.Month)
			if clamped != (d.Day > last) || (!clamped && got.Day != d.Day) || (clamped && got.Day != last) {
				t.Fatalf("%s + %d months = %s (clamped %v)", d, n, got, clamped)
			}
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2025-01-31", "2025-01-31T09:00:00+01:00", "2025-02-30", "", "2025-1-1",
		"9999-12-31T23:59:59Z", "0001-01-01", "2025-01-31T25:00:00Z", "\x1b[31m"} {
		f.Add(s)
	}
	loc, _ := LoadZone("Europe/Berlin")
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s, loc)
		if err != nil {
			return
		}
		if len(s) == 10 {
			// A date alone is the start of that day in the zone.
			if DateOf(tm, loc).String() != s {
				t.Errorf("%q parsed as %v (date %s)", s, tm, DateOf(tm, loc))
			}
		}
	})
}

func FuzzParseClockEvent(f *testing.F) {
	for _, s := range []string{"id-requested@2025-03-05", "extension-notified@2025-02-20T10:00:00Z", "@", "x@y",
		"id-received@", "fee-paid@2025-13-01"} {
		f.Add(s)
	}
	loc, _ := LoadZone("Europe/London")
	f.Fuzz(func(t *testing.T, s string) {
		ev, err := ParseClockEvent(s, loc)
		if err != nil {
			return
		}
		received := ev.At.Add(-48 * time.Hour)
		// Whatever parses must be computable without a crash.
		_, _ = Compute(Input{Rules: Rules{Regime: "uk-gdpr", Zone: "Europe/London", Calendar: "GB-EAW"},
			Right: RightAccess, ReceivedAt: received, Events: []ClockEvent{ev}})
	})
}

// TestEarliestClockProperties checks, over generated receipt instants, that
// with an assumed seat the base deadline used ends no later than either
// clock's alone, is a working day of the clock it came from, and that the
// other dates come from that same clock.
func TestEarliestClockProperties(t *testing.T) {
	seats := []Rules{
		{Regime: "eu-gdpr", Zone: "America/Los_Angeles", Calendar: "US"},
		{Regime: "eu-gdpr", Zone: "Asia/Nicosia", Calendar: "CY"},
		{Regime: "processor-forward", Zone: "Europe/Warsaw", Calendar: "PL"},
	}
	rng := rand.New(rand.NewPCG(7, 15))
	for _, seat := range seats {
		alt := seat
		alt.Zone, alt.Calendar = EarliestZone, WeekendsOnly
		earliest := seat
		earliest.EarliestClock = true
		for i := 0; i < 400; i++ {
			at := time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(10*366*24*60)) * time.Minute)
			compute := func(r Rules) *Deadlines {
				d, err := Compute(Input{Rules: r, Right: RightAccess, ReceivedAt: at})
				if err != nil {
					t.Fatalf("%s %v: %v", r.Zone, at, err)
				}
				return d
			}
			a, b, got := compute(seat), compute(alt), compute(earliest)
			end := func(d *Deadlines) time.Time { return endOf(*d.BaseDue, d.Zone) }
			if end(got).After(end(a)) || end(got).After(end(b)) {
				t.Errorf("%s received %v: base %s in %s ends after one of %s (%s), %s (%s)",
					seat.Calendar, at, got.BaseDue, got.Zone, a.BaseDue, a.Zone, b.BaseDue, b.Zone)
			}
			from := a
			if got.Zone == EarliestZone {
				from = b
			}
			if cal, _ := LookupCalendar(got.Calendar); !cal.IsWorkingDay(*got.BaseDue) {
				t.Errorf("%s received %v: base %s is not a working day of %s", seat.Calendar, at, got.BaseDue, got.Calendar)
			}
			if got.ReceiptDate != from.ReceiptDate || str(got.Due) != str(from.Due) ||
				str(got.ExtendedDue) != str(from.ExtendedDue) || str(got.RefusalBy) != str(from.RefusalBy) {
				t.Errorf("%s received %v: the dates are not all from %s", seat.Calendar, at, got.Zone)
			}
		}
	}
}
