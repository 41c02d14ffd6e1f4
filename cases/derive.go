package cases

import (
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

	UpdatedAt time.Time // when the last event was recorded
	UpdatedBy string
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
func (c *Case) Derive(now time.Time) (*State, error) {
	st := &State{Rules: c.Rules, Awaiting: map[EventKind]time.Time{}, Withheld: map[string]Event{}}
	var clock []ClockEvent
	var extendedUntil Date
	worked := false // anything beyond bookkeeping happened
	for _, ev := range c.Events {
		st.UpdatedAt, st.UpdatedBy = ev.RecordedAt, ev.Actor
		if k, ok := ev.clockKind(); ok {
			clock = append(clock, ClockEvent{Kind: k, At: ev.At})
		}
		switch ev.Kind {
		case EventIDRequested, EventClarificationRequested, EventAuthorityRequested, EventFeeRequested:
			if _, open := st.Awaiting[ev.Kind]; !open {
				st.Awaiting[ev.Kind] = ev.At
			}
		case EventIDReceived, EventClarificationReceived, EventAuthorityReceived, EventFeePaid:
			delete(st.Awaiting, answerFor[ev.Kind])
			worked = true
		case EventIdentityVerified:
			if _, open := st.Awaiting[EventIDRequested]; open {
				// Verifying implies the awaited identity information arrived.
				delete(st.Awaiting, EventIDRequested)
				clock = append(clock, ClockEvent{Kind: ClockIDReceived, At: ev.At})
			}
			e := ev
			st.IdentityVerified = &e
			worked = true
		case EventAcknowledged:
			at := ev.At
			st.Acknowledged = &at
			worked = true
		case EventExtensionDecided:
			e := ev
			st.ExtensionDecided = &e
			if ev.ExtendedTo != nil {
				extendedUntil = *ev.ExtendedTo
			}
			worked = true
		case EventSent:
			if ev.Letter.Answers() && st.AnsweredAt == nil {
				at := ev.At
				st.AnsweredAt = &at
			}
			worked = true
		case EventRecipientNotified:
			st.Notified = append(st.Notified, ev)
			worked = true
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
			worked = true
		case EventWithheld:
			st.Withheld[ev.File] = ev
		case EventClosed:
			at := ev.At
			st.ClosedAt = &at
			st.Outcome, st.Grounds, st.Reason, st.RedirectTo = ev.Outcome, ev.Grounds, ev.Reason, ev.RedirectTo
		case EventReopened:
			st.ClosedAt = nil
			st.Outcome, st.Grounds, st.Reason, st.RedirectTo = "", nil, "", ""
			if ev.ReopenReason == ReopenNewInformation {
				st.AnsweredAt = nil
			}
			worked = true
		case EventRebaselined:
			if ev.Rules != nil {
				st.Rules = *ev.Rules
			}
		}
	}
	switch {
	case st.ClosedAt != nil:
		st.Status = StatusClosed
	case hasKey(st.Awaiting, EventIDRequested) || hasKey(st.Awaiting, EventAuthorityRequested):
		st.Status = StatusAwaitingID
	case hasKey(st.Awaiting, EventClarificationRequested) || hasKey(st.Awaiting, EventFeeRequested):
		st.Status = StatusAwaitingInfo
	case worked:
		st.Status = StatusInProgress
	default:
		st.Status = StatusNew
	}
	loc, err := LoadZone(st.Rules.Zone)
	if err != nil {
		return nil, err
	}
	d, err := Compute(Input{Rules: st.Rules, Right: c.Right, ReceivedAt: c.ReceivedAt, Events: clock,
		Today: DateOf(now, loc), ExtendedUntil: extendedUntil})
	if err != nil {
		return nil, err
	}
	st.Deadlines = d
	return st, nil
}

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}
