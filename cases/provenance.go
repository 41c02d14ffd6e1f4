package cases

import "slices"

// OverriddenClock is what Event.Overridden holds when the event was
// recorded under RIGHTSDESK_NOW: its recording time is what the
// environment said, not the system clock's.
const OverriddenClock = "clock"

// Provenance is what the environment of a process says about who records
// and when, beyond the actor's name: what it overrode (OverriddenActor,
// OverriddenClock) and the SSH origin its client reported. The store
// stamps it on every event it records (TRUST.md, "Two modes").
type Provenance struct {
	// Overridden lists what the environment overrode, in the order
	// OverriddenActor, OverriddenClock.
	Overridden []string
	// ReportedOrigin is the SSH client address the environment reported
	// (SSH_CONNECTION): recorded as reported, never vouched for.
	ReportedOrigin string
}

// ClockOverridden reports whether the recording time is the environment's,
// not the system clock's.
func (p Provenance) ClockOverridden() bool { return slices.Contains(p.Overridden, OverriddenClock) }

// Stamp marks ev with what p overrode (kept with what ev already says) and
// the origin p reported, where ev names none.
func (p Provenance) Stamp(ev *Event) {
	for _, o := range p.Overridden {
		if !slices.Contains(ev.Overridden, o) {
			ev.Overridden = append(ev.Overridden, o)
		}
	}
	if len(ev.Overridden) > 1 {
		slices.SortFunc(ev.Overridden, func(a, b string) int { return overrideRank(a) - overrideRank(b) })
	}
	if ev.ReportedOrigin == "" {
		ev.ReportedOrigin = p.ReportedOrigin
	}
}

func overrideRank(o string) int {
	switch o {
	case OverriddenActor:
		return 0
	case OverriddenClock:
		return 1
	}
	return 2
}

// OverrideWords say what an event's overrides mean, for the timeline and
// the case record: "actor overridden", "actor and clock overridden"; ""
// when nothing was.
func OverrideWords(overridden []string) string {
	switch len(overridden) {
	case 0:
		return ""
	case 1:
		return overridden[0] + " overridden"
	}
	words := overridden[0]
	for i, o := range overridden[1:] {
		if i == len(overridden)-2 {
			words += " and " + o
		} else {
			words += ", " + o
		}
	}
	return words + " overridden"
}
