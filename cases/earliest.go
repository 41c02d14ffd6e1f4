package cases

import (
	"fmt"
	"time"
)

// EarliestZone is the zone of the clock compared with an assumed seat's:
// the EU's, with weekends only (WeekendsOnly), so that no supervisory
// authority in the EU would count a later date than the one used.
const EarliestZone = "Europe/Brussels"

// computeEarliest computes the deadlines under the seat's clock (the
// rules' zone and calendar, an assumption) and under Europe/Brussels with
// weekends only, and keeps the whole result of the one whose deciding date
// ends first: every date of a case comes from one clock, never one date
// from each. A tie keeps the seat's clock.
func computeEarliest(in Input, rules Rules) (*Deadlines, error) {
	rules.EarliestClock = false
	seat, err := computeUnder(in, rules)
	if err != nil {
		return nil, err
	}
	alt := rules
	alt.Zone, alt.Calendar, alt.ExtraHolidays = EarliestZone, WeekendsOnly, nil
	eu, err := computeUnder(asDates(in, seat.Zone), alt)
	if err == nil {
		// Whichever clock is kept, the choice itself moves with the day
		// if either clock's dates do.
		counts := seat.countsToday || eu.countsToday
		seat.countsToday, eu.countsToday = counts, counts
	}
	if in.Brief {
		// The same choice of clock as below, without the words that say
		// why (a queue's rows and the checks of an action ask for dates
		// only, often).
		if err != nil {
			return seat, nil
		}
		if _, a, b := decidingDates(seat, eu); a != nil && b != nil && endOf(*b, eu.Zone).Before(endOf(*a, seat.Zone)) {
			return eu, nil
		}
		return seat, nil
	}
	seatWords := fmt.Sprintf("the seat's clock (%s, %s)", seat.Zone, calendarWords(seat.Calendar))
	altWords := EarliestZone + " with " + calendarWords(WeekendsOnly)
	intro := fmt.Sprintf("the seat's zone and calendar rest on an assumption: the earliest of %s and %s is used", seatWords, altWords)
	if err != nil {
		// Only events dated on the day of receipt in one zone and the day
		// before in the other can fail here; the seat's clock stands.
		return withSteps(seat, in.Brief, intro,
			fmt.Sprintf("%s cannot be used (%v): %s gives every date below", altWords, err, seatWords)), nil
	}
	label, a, b := decidingDates(seat, eu)
	if a == nil || b == nil {
		return withSteps(seat, in.Brief, intro,
			"no deadline to compare yet: "+seatWords+" gives every date below until one runs"), nil
	}
	compared := fmt.Sprintf("%s: under %s end of %s, %s; under %s end of %s, %s", label, seatWords, a.Human(),
		endUTC(*a, seat.Zone), altWords, b.Human(), endUTC(*b, eu.Zone))
	if endOf(*b, eu.Zone).Before(endOf(*a, seat.Zone)) {
		steps := []string{intro, compared}
		// The seat's calendar decided the comparison: its readings stay visible.
		for _, n := range calendarInterpretations[seat.Calendar] {
			steps = append(steps, fmt.Sprintf("calendar %s, compared: %s", seat.Calendar, n))
		}
		steps = append(steps, altWords+" ends first: every date below is computed under it (the DPO may set the seat's zone and calendar in the register)")
		return withSteps(eu, in.Brief, steps...), nil
	}
	return withSteps(seat, in.Brief, intro, compared,
		seatWords+" ends no later: every date below is computed under it"), nil
}

// decidingDates are the first dates both clocks give, in the order that
// decides which clock is used: the base deadline (the statutory period
// itself), else the effective due date (a complaint's target), else the
// acknowledgement and act-by dates.
func decidingDates(a, b *Deadlines) (string, *Date, *Date) {
	for _, f := range []struct {
		label string
		get   func(*Deadlines) *Date
	}{
		{"base deadline", func(d *Deadlines) *Date { return d.BaseDue }},
		{"effective due", func(d *Deadlines) *Date { return d.EffectiveDue }},
		{"acknowledge by", func(d *Deadlines) *Date { return d.AcknowledgeBy }},
		{"act by", func(d *Deadlines) *Date { return d.ActBy }},
	} {
		if x, y := f.get(a), f.get(b); x != nil && y != nil {
			return f.label, x, y
		}
	}
	return "", nil, nil
}

// withSteps puts the choice of clock before the working of the clock
// chosen.
func withSteps(d *Deadlines, brief bool, steps ...string) *Deadlines {
	if !brief {
		d.Steps = append(steps, d.Steps...)
	}
	return d
}

// calendarWords names a calendar in the working: "US holidays",
// "weekends only".
func calendarWords(code string) string {
	if code == WeekendsOnly {
		return "weekends only"
	}
	return code + " holidays"
}

// endOf is the instant date d ends in the named zone (validated before).
func endOf(d Date, zone string) time.Time {
	loc, _ := LoadZone(zone)
	return d.End(loc)
}

// endUTC is that instant in UTC, for the working.
func endUTC(d Date, zone string) string {
	return endOf(d, zone).UTC().Format("15:04:05 UTC on Mon 2 Jan 2006")
}

// asDates keeps, under the compared clock, the day of what was entered as
// a date: a time at the very start of a day in the seat's zone is a date
// typed without a time (YYYY-MM-DD), not a moment just after midnight, so
// it stays that day in Brussels too instead of becoming the evening
// before (a request typed as received on 2 March is not told it was
// received on 1 March).
func asDates(in Input, seatZone string) Input {
	seat, err := LoadZone(seatZone)
	if err != nil {
		return in
	}
	alt, err := LoadZone(EarliestZone)
	if err != nil {
		return in
	}
	shift := func(t time.Time) time.Time {
		if d := DateOf(t, seat); d.Start(seat).Equal(t) {
			return d.Start(alt)
		}
		return t
	}
	in.ReceivedAt = shift(in.ReceivedAt)
	events := make([]ClockEvent, len(in.Events))
	for i, e := range in.Events {
		events[i] = ClockEvent{Kind: e.Kind, At: shift(e.At)}
	}
	in.Events = events
	return in
}
