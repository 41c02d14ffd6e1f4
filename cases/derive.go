package cases

import (
	"fmt"
	"slices"
	"time"
)

// State is everything derived from a case's timeline at a given moment.
type State struct {
	Status    Status
	Deadlines *Deadlines
	Rules     Rules // the rules in force: frozen at intake or re-baselined

	Outcome    Outcome
	Grounds    []Ground
	Reason     string // the reasons given with the outcome
	RedirectTo string
	ClosedAt   *time.Time
	// AnsweredAt is when the answer (final, redirect or lapse letter) was
	// sent: the date "on time" is judged by.
	AnsweredAt *time.Time

	Acknowledged     *time.Time
	IdentityVerified *Event
	ExtensionDecided *Event
	// Awaiting names what the case waits for (identity, clarification,
	// authority, fee), with when it was asked.
	Awaiting map[EventKind]time.Time

	Assignee    string
	Tags        []string
	Attachments []Attachment
	Withheld    map[string]Event // attachment name -> the withheld event
	Recipients  []string         // chosen recipients; nil means all of the register's
	Notified    []Event          // Art. 19 notifications
	Notes       []Event

	// Work is the case's work list with each item's result (WORK.md).
	Work []WorkItem
	// Forwarded is the last forwarding of the request to the controller or
	// customer whose data they are.
	Forwarded *Event
	// RefusalTold is when a sent letter first told the subject of a
	// refusal; RefusalPending is a refusal recorded and not yet told.
	RefusalTold    *time.Time
	RefusalPending bool
	// Late are the events recorded more than the backdate hours after
	// they happened, each with why (allowed, never hidden).
	Late []Event

	// Voided is the event that voided the case: recorded by mistake, kept,
	// left out of queues, lists and statistics; nil for a case that stands.
	Voided *Event

	UpdatedAt time.Time // when the last event was recorded
	UpdatedBy string

	closedBy string // who recorded the closing in force: a decider, who may not approve its letter
}

// answerFor pairs each answer event with the request it answers.
var answerFor = map[EventKind]EventKind{
	EventIDReceived:            EventIDRequested,
	EventClarificationReceived: EventClarificationRequested,
	EventAuthorityReceived:     EventAuthorityRequested,
	EventFeePaid:               EventFeeRequested,
}

// Derive replays the timeline and computes the case's state and deadlines as
// of now. It fails only when the stored rules are unusable (an engine error).
func (c *Case) Derive(now time.Time) (*State, error) { return c.derive(now, false) }

// DeriveDates is Derive without the deadlines' working (Deadlines.Steps
// empty), for callers that judge dates only: checking an action, the
// queue's rows, the report. The dates are the same.
func (c *Case) DeriveDates(now time.Time) (*State, error) { return c.derive(now, true) }

func (c *Case) derive(now time.Time, brief bool) (*State, error) {
	r := newReplay(c)
	for i := range c.Events {
		r.fold(c.Right, &c.Events[i])
	}
	st := r.st
	r.finish(c, st)
	d, err := r.deadlines(c, st, now, brief)
	if err != nil {
		return nil, err
	}
	st.Deadlines = d
	return st, nil
}

// newReplay is the replay of a case before its first event.
func newReplay(c *Case) *replay {
	r := &replay{st: &State{Rules: c.Rules, Awaiting: map[EventKind]time.Time{}, Withheld: map[string]Event{}}}
	r.st.Work = WorkList(c.Right, &c.Rules)
	return r
}

// fold moves the replay on by one event of a case of right.
func (r *replay) fold(right Right, ev *Event) {
	r.apply(*ev)
	r.st.applyWork(right, ev)
}

// finish completes st, the replayed state of c's events: the refusal
// told, the status. The deadlines are r.deadlines.
func (r *replay) finish(c *Case, st *State) {
	st.RefusalTold = st.refusalTold(c)
	st.RefusalPending = st.RefusalTold == nil && st.refuses()
	st.Status = r.status()
}

// deadlines are the deadlines of the replayed case c as of now, with
// their working unless brief.
func (r *replay) deadlines(c *Case, st *State, now time.Time, brief bool) (*Deadlines, error) {
	loc, err := LoadZone(st.Rules.Zone)
	if err != nil {
		return nil, err
	}
	d, err := Compute(Input{Rules: st.Rules, Right: c.Right, ReceivedAt: c.ReceivedAt, Events: r.clock[:len(r.clock):len(r.clock)],
		Today: DateOf(now, loc), Now: now, ExtendedUntil: r.extendedUntil, Brief: brief})
	if err != nil {
		return nil, err
	}
	if !brief {
		for _, ev := range r.overridden {
			d.Steps = append(d.Steps, fmt.Sprintf("the extension notice of %s was recorded under an overridden clock "+
				"(RIGHTSDESK_NOW): it is counted as dated, but when it was recorded is the environment's word, "+
				"not the system's", DateOf(ev.At, loc)))
		}
	}
	return d, nil
}

// replay is a timeline read so far: the state it built, and what the
// deadline engine needs of it.
type replay struct {
	st            *State
	clock         []ClockEvent
	extendedUntil Date
	rebaselines   int  // rebaselined events so far: each changes the rules
	worked        bool // anything beyond bookkeeping happened
	// overridden are the extension notices recorded under an overridden
	// clock, which the working names.
	overridden []Event
}

// apply moves the state on by one event.
func (r *replay) apply(ev Event) {
	st := r.st
	st.UpdatedAt, st.UpdatedBy = ev.RecordedAt, ev.Actor
	if ev.Late != "" {
		st.Late = append(st.Late, ev)
	}
	if k, ok := ev.clockKind(); ok {
		r.clock = append(r.clock, ClockEvent{Kind: k, At: ev.At})
		if k == ClockExtensionNotified && slices.Contains(ev.Overridden, OverriddenClock) {
			// Recorded under RIGHTSDESK_NOW (tests and demos): counted
			// as dated, as a late entry is, and said in the working.
			r.overridden = append(r.overridden, ev)
		}
	}
	switch ev.Kind {
	case EventIDRequested, EventClarificationRequested, EventAuthorityRequested, EventFeeRequested:
		if _, open := st.Awaiting[ev.Kind]; !open {
			st.Awaiting[ev.Kind] = ev.At
		}
	case EventIDReceived, EventClarificationReceived, EventAuthorityReceived, EventFeePaid:
		delete(st.Awaiting, answerFor[ev.Kind])
		r.worked = true
	case EventIdentityVerified:
		if _, open := st.Awaiting[EventIDRequested]; open {
			// Verifying implies the awaited identity information arrived.
			delete(st.Awaiting, EventIDRequested)
			r.clock = append(r.clock, ClockEvent{Kind: ClockIDReceived, At: ev.At})
		}
		e := ev
		st.IdentityVerified = &e
		r.worked = true
	case EventAcknowledged:
		at := ev.At
		st.Acknowledged = &at
		r.worked = true
	case EventExtensionDecided:
		e := ev
		st.ExtensionDecided = &e
		if ev.ExtendedTo != nil {
			r.extendedUntil = *ev.ExtendedTo
		}
		r.worked = true
	case EventSent:
		if ev.Letter.Answers() && st.AnsweredAt == nil {
			at := ev.At
			st.AnsweredAt = &at
		}
		r.worked = true
	case EventRecipientNotified:
		st.Notified = append(st.Notified, ev)
		r.worked = true
	case EventRecipientsChosen:
		st.Recipients = slices.Clone(ev.Recipients)
	case EventAssigned:
		st.Assignee = ev.Assignee
	case EventTagged:
		for _, t := range ev.Tags {
			if !slices.Contains(st.Tags, t) {
				st.Tags = append(st.Tags, t)
			}
		}
	case EventUntagged:
		st.Tags = slices.DeleteFunc(st.Tags, func(t string) bool { return slices.Contains(ev.Tags, t) })
	case EventNoted:
		st.Notes = append(st.Notes, ev)
	case EventAttached:
		if ev.Attachment != nil {
			st.Attachments = append(st.Attachments, *ev.Attachment)
		}
		r.worked = true
	case EventWithheld:
		st.Withheld[ev.File] = ev
	case EventClosed:
		at := ev.At
		st.ClosedAt, st.closedBy = &at, ev.Actor
		st.Outcome, st.Grounds, st.Reason, st.RedirectTo = ev.Outcome, ev.Grounds, ev.Reason, ev.RedirectTo
	case EventReopened:
		st.ClosedAt, st.closedBy = nil, ""
		st.Outcome, st.Grounds, st.Reason, st.RedirectTo = "", nil, "", ""
		if ev.ReopenReason == ReopenNewInformation {
			st.AnsweredAt = nil
		}
		r.worked = true
	case EventVoided:
		e := ev
		st.Voided = &e
	case EventRebaselined:
		if ev.Rules != nil {
			st.Rules = *ev.Rules
		}
		r.rebaselines++
	case EventWorked:
		r.worked = true
	case EventForwarded:
		e := ev
		st.Forwarded = &e
		r.worked = true
	}
}

// status is where the replayed case stands: closed, waiting for the
// subject, being worked on, or new.
func (r *replay) status() Status {
	st := r.st
	switch {
	case st.ClosedAt != nil:
		return StatusClosed
	case hasKey(st.Awaiting, EventIDRequested) || hasKey(st.Awaiting, EventAuthorityRequested):
		return StatusAwaitingID
	case hasKey(st.Awaiting, EventClarificationRequested) || hasKey(st.Awaiting, EventFeeRequested):
		return StatusAwaitingInfo
	case r.worked:
		return StatusInProgress
	}
	return StatusNew
}

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}
