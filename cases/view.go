package cases

import (
	"sort"
	"time"
)

// View is a case as the command line and scripts see it: its facts, the
// deadline fields shared with the calculator, and what the timeline derived
// (CLI.md, "A case in JSON").
type View struct {
	ID         string     `json:"id"`
	RequestID  string     `json:"request_id"`
	Linked     []string   `json:"linked,omitempty"`
	Controller string     `json:"controller"`
	Right      Right      `json:"right"`
	Status     Status     `json:"status"`
	Subject    Subject    `json:"subject"`
	Requester  *Requester `json:"requester"`
	Channel    Channel    `json:"channel"`
	Language   string     `json:"language"`
	Regime     string     `json:"regime"`
	Zone       string     `json:"tz"`
	ReceivedAt time.Time  `json:"received_at"`
	Text       string     `json:"text,omitempty"`
	*Deadlines            // receipt_date, due, due_at, ... clock, steps
	Outcome    Outcome    `json:"outcome"`
	Grounds    []Ground   `json:"grounds"`
	ClosedAt   *time.Time `json:"closed_at"`
	AnsweredAt *time.Time `json:"answered_at"`
	Assignee   string     `json:"assignee"`
	Tags       []string   `json:"tags"`
	Revision   int        `json:"revision"`
	UpdatedAt  time.Time  `json:"updated_at"`
	UpdatedBy  string     `json:"updated_by"`
	Events     []Event    `json:"events,omitempty"`
}

// NewView combines a case, its derived state and its stored revision.
// withTimeline adds the events and keeps the working (show); without it the
// working is dropped (list).
func NewView(c *Case, st *State, revision int, withTimeline bool) *View {
	v := &View{ID: c.ID, RequestID: c.RequestID, Linked: c.Linked, Controller: c.Controller, Right: c.Right,
		Status: st.Status, Subject: c.Subject, Requester: c.Requester, Channel: c.Channel, Language: c.Language,
		Regime: st.Rules.Regime, Zone: st.Rules.Zone, ReceivedAt: c.ReceivedAt, Text: c.Text,
		Outcome: st.Outcome, Grounds: st.Grounds, ClosedAt: st.ClosedAt, AnsweredAt: st.AnsweredAt,
		Assignee: st.Assignee, Tags: st.Tags, Revision: revision, UpdatedAt: st.UpdatedAt, UpdatedBy: st.UpdatedBy}
	d := *st.Deadlines
	if withTimeline {
		v.Events = c.Events
	} else {
		d.Steps = nil
	}
	v.Deadlines = &d
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if v.Grounds == nil {
		v.Grounds = []Ground{}
	}
	return v
}

// Urgent is what the urgency order needs to know of a case.
type Urgent struct {
	ID           string
	Closed       bool
	ClosedAt     time.Time
	Clock        ClockState
	EffectiveDue time.Time // the instant the effective due date ends; zero when none
	ReceivedAt   time.Time
}

// UrgencyLess is the urgency order of CLI.md, the one function the queue
// and list use: open cases with a running clock by effective due (overdue
// first); then open cases whose clock is paused or awaiting a restart, by
// receipt; then closed cases, most recently closed first. Ties break by
// receipt, then by ID.
func UrgencyLess(a, b *Urgent) bool {
	ga, gb := a.group(), b.group()
	if ga != gb {
		return ga < gb
	}
	switch ga {
	case 0:
		if !a.EffectiveDue.Equal(b.EffectiveDue) {
			return a.EffectiveDue.Before(b.EffectiveDue)
		}
	case 2:
		if !a.ClosedAt.Equal(b.ClosedAt) {
			return a.ClosedAt.After(b.ClosedAt)
		}
	}
	if !a.ReceivedAt.Equal(b.ReceivedAt) {
		return a.ReceivedAt.Before(b.ReceivedAt)
	}
	return a.ID < b.ID
}

func (u *Urgent) group() int {
	switch {
	case u.Closed:
		return 2
	case u.Clock == ClockRunning && !u.EffectiveDue.IsZero():
		return 0
	}
	return 1
}

// SortByUrgency sorts in the urgency order.
func SortByUrgency(us []*Urgent) {
	sort.Slice(us, func(i, j int) bool { return UrgencyLess(us[i], us[j]) })
}

// UrgentOf summarises a view for the urgency order.
func UrgentOf(v *View) *Urgent {
	u := &Urgent{ID: v.ID, Closed: v.Status == StatusClosed, Clock: v.Clock, ReceivedAt: v.ReceivedAt}
	if v.ClosedAt != nil {
		u.ClosedAt = *v.ClosedAt
	}
	if v.EffectiveDueAt != nil {
		u.EffectiveDue = *v.EffectiveDueAt
	}
	return u
}
