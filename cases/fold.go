package cases

import (
	"maps"
	"slices"
	"time"
)

// Folding is a case's timeline folded as it grows: the state of its events so
// far kept between events, so that checking the next event (Apply) costs
// that event, not a replay of the whole timeline. A generator that builds
// long timelines event by event (the demo) would otherwise replay each
// timeline once per event. Folding.Dates gives what c.DeriveDates gives.
//
// The fold owns nothing of the case: it reads the events appended to it
// since the last call (Case.Record appends), and it starts again from the
// first event when the timeline is shorter than what it folded. Events
// already folded must not be changed in place.
type Folding struct {
	c *Case
	r *replay
	n int // c.Events[:n] are folded into r
	// last is the deadlines computed last, with what they were computed
	// from: the deadline engine's input changes only with a clock event,
	// a rebaseline or, while a wait is open, a new day; not with most
	// events.
	last     *Deadlines
	lastFrom foldInput
	// shown and shownDeadlines hold the view Apply checks an event
	// against, made again for each event: a state and its deadlines are
	// about 2 KB, which a view per event allocated anew made a tenth of
	// what the demo's generator allocates.
	shown          State
	shownDeadlines Deadlines
}

// foldInput is what the deadlines of a folded case depend on beyond its
// fixed right.
type foldInput struct {
	clock, rebaselines int
	extendedUntil      Date
	receivedAt         time.Time
	today, todayEU     Date // now's date in the rules' zone and in EarliestZone
}

// NewFolding is the folding of c's timeline.
func NewFolding(c *Case) *Folding { return &Folding{c: c} }

// Dates is c.DeriveDates(now): the case's state and dates as of now. The
// state is the caller's: later events do not change it.
func (f *Folding) Dates(now time.Time) (*State, error) { return f.dates(now, true) }

// dates is Dates; the state is a copy later events leave as it is when own,
// else a view that shares the replay's maps and slices, held in f and
// valid until the next call, for a caller that only reads it (Apply).
func (f *Folding) dates(now time.Time, own bool) (*State, error) {
	c := f.c
	if f.r == nil || len(c.Events) < f.n {
		f.r, f.n, f.last = newReplay(c), 0, nil
	}
	for ; f.n < len(c.Events); f.n++ {
		f.r.fold(c.Right, &c.Events[f.n])
	}
	var st *State
	if own {
		st = f.r.snapshot()
	} else {
		f.shown = *f.r.st // its fields copied, its maps and slices shared
		st = &f.shown
	}
	f.r.finish(c, st)
	loc, err := LoadZone(st.Rules.Zone)
	if err != nil {
		return nil, err
	}
	eu, err := LoadZone(EarliestZone)
	if err != nil {
		return nil, err
	}
	from := foldInput{clock: len(f.r.clock), rebaselines: f.r.rebaselines, extendedUntil: f.r.extendedUntil,
		receivedAt: c.ReceivedAt, today: DateOf(now, loc), todayEU: DateOf(now, eu)}
	same := from
	if f.last != nil && !f.last.countsToday && !from.today.Before(f.lastFrom.today) && !from.todayEU.Before(f.lastFrom.todayEU) {
		// No wait counts up to today: the dates are the same on any
		// later day.
		same.today, same.todayEU = f.lastFrom.today, f.lastFrom.todayEU
	}
	if f.last == nil || same != f.lastFrom {
		d, err := f.r.deadlines(c, st, now, true)
		if err != nil {
			return nil, err
		}
		f.last, f.lastFrom = d, from
	}
	if !own {
		f.shownDeadlines = *f.last
		st.Deadlines = &f.shownDeadlines
		return st, nil
	}
	d := *f.last // the caller's to change
	st.Deadlines = &d
	return st, nil
}

// Apply is cases.Apply(c, ev, now) from the folded state. The state it
// checks the event against is a view of the replay's, not a copy: the
// checks of an action (applyTo) only read the state, and copying its work
// list, maps and lists for each event cost the demo more than the checks.
func (f *Folding) Apply(ev Event, now time.Time) (Event, []string, error) {
	st, err := f.dates(now, false)
	if err != nil {
		return Event{}, nil, err
	}
	return applyTo(f.c, st, ev, now)
}

// snapshot is a copy of the replayed state that later events leave as it
// is: what replay.apply and applyWork change in place (maps, the tags, the
// work items) is copied; what they only append to is cut to its length.
func (r *replay) snapshot() *State {
	st := *r.st
	st.Awaiting = maps.Clone(r.st.Awaiting)
	st.Withheld = maps.Clone(r.st.Withheld)
	st.Tags = slices.Clone(r.st.Tags)
	st.Work = slices.Clone(r.st.Work)
	for i := range st.Work {
		st.Work[i].History = slices.Clip(st.Work[i].History)
	}
	st.Attachments = slices.Clip(st.Attachments)
	st.Notified = slices.Clip(st.Notified)
	st.Notes = slices.Clip(st.Notes)
	st.Late = slices.Clip(st.Late)
	return &st
}
