package cases

import (
	"cmp"
	"maps"
	"slices"
	"strings"
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
	// WorkOpen and WorkTotal count the work list's items without a result
	// and in all (list --json carries them; show adds each item).
	WorkOpen  int `json:"work_open"`
	WorkTotal int `json:"work_total"`
	// Voided is present on a case recorded by mistake (TRUST.md: "a case
	// carries voided when it is"): when, by whom and why.
	Voided *Voided `json:"voided,omitempty"`
	Events []Event `json:"events,omitempty"`
}

// Voided is what a View says of a voided case.
type Voided struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

// VoidedOf is what the void event says, nil for a case that stands.
func VoidedOf(st *State) *Voided {
	if st.Voided == nil {
		return nil
	}
	return &Voided{At: st.Voided.At, By: st.Voided.Actor, Reason: st.Voided.Reason}
}

// NewView combines a case, its derived state and its stored revision.
// withTimeline adds the events and keeps the working (show); without it the
// working is dropped (list).
func NewView(c *Case, st *State, revision int, withTimeline bool) *View {
	v := &View{ID: c.ID, RequestID: c.RequestID, Linked: c.Linked, Controller: c.Controller, Right: c.Right,
		Status: st.Status, Subject: c.Subject, Requester: c.Requester, Channel: c.Channel, Language: c.Language,
		Regime: st.Rules.Regime, Zone: st.Deadlines.Zone, ReceivedAt: c.ReceivedAt, Text: c.Text,
		Outcome: st.Outcome, Grounds: st.Grounds, ClosedAt: st.ClosedAt, AnsweredAt: st.AnsweredAt,
		Assignee: st.Assignee, Tags: st.Tags, Revision: revision, UpdatedAt: st.UpdatedAt, UpdatedBy: st.UpdatedBy,
		WorkOpen: st.WorkOpen(), WorkTotal: len(st.Work), Voided: VoidedOf(st)}
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

// Summary is what the queue needs of a case: enough to show its row, filter
// it and sort it, small enough to load 100,000 of them at once.
type Summary struct {
	ID          string
	RequestID   string
	Controller  string
	Right       Right
	Status      Status
	Clock       ClockState
	ClockSince  Date // paused or awaiting since; zero otherwise
	Outcome     Outcome
	SubjectName string
	Email       string
	Assignee    string
	Tags        []string
	// Identifiers are the subject's identifiers given at intake (or
	// corrected since) as TYPE=VALUE, in the order of their types: the
	// filter finds a case by their values. They are personal data.
	Identifiers []string
	ReceivedAt  time.Time
	ClosedAt    time.Time // zero while open
	// EffectiveDueAt is the instant the effective due date ends; zero when
	// there is none (awaiting a restart).
	EffectiveDueAt time.Time
	Revision       int
	UpdatedAt      time.Time

	// What the overview and the report count.
	ReceiptDate  Date // the civil receipt date in the case's zone
	EffectiveDue Date // zero when there is none
	AnsweredOn   Date // the civil date the answer was sent (under a forwarding regime, the request forwarded); zero if not
	LegalDue     Date // the legal deadline in force (extended where valid); zero when the law sets none
	PromiseDue   Date // the organisation's own promise; zero when it makes none
	PausedDays   int  // days the clock was paused
	Extension    ExtensionState
	NoticeBy     Date     // an extension decided, not yet notified: its notice must go by then
	Grounds      []Ground // of a refusal

	// WorkDone and WorkTotal are the items of the work list with a
	// result, and all of them: the queue's "work 3/5".
	WorkDone, WorkTotal int
	// TellRefusalBy is, while a refusal is recorded and no letter has told
	// the subject of it, the day it must be told by (zero otherwise).
	TellRefusalBy Date

	// Voided is a case recorded by mistake: out of the queue, list,
	// counts and statistics unless they ask for voided cases.
	Voided bool

	// ApprovalPending are the approval conditions met by the letters
	// exported (final, the case unchanged since) that are neither approved
	// nor sent; ApprovalFrozen the case's own list. Whether the case waits
	// for approval also depends on the register's current list
	// (WaitsForApproval), which a row does not hold.
	ApprovalPending, ApprovalFrozen Conditions
}

// WaitsForApproval reports whether a letter of the case was exported and
// waits for an approval, under the register's current conditions: the
// queue's quick filter a.
func (s *Summary) WaitsForApproval(current Conditions) bool {
	return s.ApprovalPending&(s.ApprovalFrozen|current) != 0
}

// ExtensionState is where a case's extension stands.
type ExtensionState uint8

// The extension states.
const (
	ExtensionNone    ExtensionState = iota
	ExtensionDecided                // decided, notice not yet sent
	ExtensionValid                  // notice sent in time: in force
	ExtensionInvalid                // notice sent late: not in force
)

// Summarize is the queue's view of a case.
func Summarize(c *Case, st *State, revision int) Summary {
	s := Summary{ID: c.ID, RequestID: c.RequestID, Controller: c.Controller, Right: c.Right, Status: st.Status,
		Clock: st.Deadlines.Clock, Outcome: st.Outcome, SubjectName: c.Subject.Name, Email: c.Subject.Email,
		Assignee: st.Assignee, Tags: st.Tags, ReceivedAt: c.ReceivedAt, Revision: revision, UpdatedAt: st.UpdatedAt,
		Voided: st.Voided != nil, Identifiers: identifierPairs(c.Subject.Identifiers)}
	if st.Deadlines.ClockSince != nil && st.Deadlines.Clock != ClockStopped {
		s.ClockSince = *st.Deadlines.ClockSince
	}
	if st.ClosedAt != nil {
		s.ClosedAt = *st.ClosedAt
	}
	d := st.Deadlines
	if d.EffectiveDueAt != nil {
		s.EffectiveDueAt = *d.EffectiveDueAt
	}
	s.ReceiptDate, s.PausedDays, s.Grounds = d.ReceiptDate, d.PausedDays, st.Grounds
	if d.EffectiveDue != nil {
		s.EffectiveDue = *d.EffectiveDue
	}
	if d.Due != nil {
		s.LegalDue = *d.Due
	}
	if d.PromiseDue != nil {
		s.PromiseDue = *d.PromiseDue
	}
	switch {
	case d.Forwards():
		// A forwarding deadline is met by forwarding the request, not by a
		// letter to the requester.
		if d.ForwardedOn != nil {
			s.AnsweredOn = *d.ForwardedOn
		}
	case st.AnsweredAt != nil:
		// The zone the deadlines were computed in (the earliest clock may
		// not be the rules' own).
		if loc, err := LoadZone(d.Zone); err == nil {
			s.AnsweredOn = DateOf(*st.AnsweredAt, loc)
		}
	}
	s.WorkTotal = len(st.Work)
	for i := range st.Work {
		if st.Work[i].Result != nil {
			s.WorkDone++
		}
	}
	if st.RefusalPending && d.RefusalBy != nil {
		s.TellRefusalBy = *d.RefusalBy
	}
	s.ApprovalPending, s.ApprovalFrozen = pendingApproval(c, st), ConditionsOf(st.Rules.Approval)
	switch {
	case d.ExtensionValid != nil && *d.ExtensionValid:
		s.Extension = ExtensionValid
	case d.ExtensionValid != nil:
		s.Extension = ExtensionInvalid
	case st.ExtensionDecided != nil:
		s.Extension = ExtensionDecided
		if d.ExtensionNoticeBy != nil {
			s.NoticeBy = *d.ExtensionNoticeBy
		}
	}
	return s
}

// identifierPairs is a subject's identifiers as TYPE=VALUE, in the order
// of their types; nil when there are none.
func identifierPairs(ids map[string]string) []string {
	if len(ids) == 0 {
		return nil
	}
	pairs := make([]string, 0, len(ids))
	for _, kind := range slices.Sorted(maps.Keys(ids)) {
		pairs = append(pairs, kind+"="+ids[kind])
	}
	return pairs
}

// Closed reports whether the case is closed.
func (s *Summary) Closed() bool { return s.Status == StatusClosed }

// UrgencyLess is the urgency order of CLI.md, the one function the queue
// and list use: open cases with a running clock by effective due (overdue
// first); then open cases whose clock is paused or awaiting a restart, by
// receipt; then closed cases, most recently closed first. Ties break by
// receipt, then by ID. A case closed with its answer not sent
// (AnswerNotSent) still owes the subject a letter by its due date: it
// sorts with the running cases by that date, or, without one, with the
// paused ones.
func UrgencyLess(a, b *Summary) bool {
	ga, gb := a.UrgencyGroup(), b.UrgencyGroup()
	if ga != gb {
		return ga < gb
	}
	switch ga {
	case 0:
		if !a.EffectiveDueAt.Equal(b.EffectiveDueAt) {
			return a.EffectiveDueAt.Before(b.EffectiveDueAt)
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

// UrgencyGroup is the part of the urgency order (UrgencyLess) a case is
// in: 0 a case owing its answer by a due instant (by that instant), 1 one
// waiting without a due instant (by receipt), 2 a closed case answered or
// owing nothing (most recently closed first). The store's own sort of
// 100,000 rows keys on it.
func (s *Summary) UrgencyGroup() int {
	switch {
	case s.AnswerNotSent() && !s.EffectiveDueAt.IsZero():
		return 0
	case s.AnswerNotSent():
		return 1
	case s.Closed():
		return 2
	case s.Clock == ClockRunning && !s.EffectiveDueAt.IsZero():
		return 0
	}
	return 1
}

// SortByUrgency sorts summaries in the urgency order. It sorts their
// positions by a compact key (UrgencyOrder) and then moves each summary
// once, not hundreds of bytes at every swap of a sort.
func SortByUrgency(ss []Summary) {
	order := UrgencyOrder(ss)
	// order[i] is the position of the summary that belongs at i: each
	// cycle of the permutation is followed once, holding one summary.
	for i := range order {
		if order[i] < 0 || order[i] == i {
			continue
		}
		held := ss[i]
		j := i
		for {
			from := order[j]
			order[j] = -1
			if from == i {
				ss[j] = held
				break
			}
			ss[j] = ss[from]
			j = from
		}
	}
}

// UrgencyOrder is the positions of ss in the urgency order (UrgencyLess),
// ss itself unchanged.
func UrgencyOrder(ss []Summary) []int {
	keys := make([]urgencyKey, len(ss))
	for i := range ss {
		keys[i] = newUrgencyKey(&ss[i], i)
	}
	slices.SortFunc(keys, compareUrgency)
	order := make([]int, len(keys))
	for i := range keys {
		order[i] = keys[i].at
	}
	return order
}

// urgencyKey is what UrgencyLess compares of a summary, in a few words:
// its group, then the instant the group orders by (the due instant, or
// the closing instant negated: most recent first), then the receipt and
// the ID. Instants are whole seconds and nanoseconds, exact for any time.
type urgencyKey struct {
	firstSec, receivedSec   int64
	firstNsec, receivedNsec int32
	group                   int8
	id                      string
	at                      int // the summary's position
}

func newUrgencyKey(s *Summary, at int) urgencyKey {
	k := urgencyKey{receivedSec: s.ReceivedAt.Unix(), receivedNsec: int32(s.ReceivedAt.Nanosecond()), id: s.ID, at: at}
	switch g := s.UrgencyGroup(); g {
	case 0:
		k.firstSec, k.firstNsec = s.EffectiveDueAt.Unix(), int32(s.EffectiveDueAt.Nanosecond())
	case 2:
		k.group, k.firstSec, k.firstNsec = 2, -s.ClosedAt.Unix(), -int32(s.ClosedAt.Nanosecond())
	default:
		k.group = int8(g)
	}
	return k
}

func compareUrgency(a, b urgencyKey) int {
	switch {
	case a.group != b.group:
		return cmp.Compare(a.group, b.group)
	case a.firstSec != b.firstSec:
		return cmp.Compare(a.firstSec, b.firstSec)
	case a.firstNsec != b.firstNsec:
		return cmp.Compare(a.firstNsec, b.firstNsec)
	case a.receivedSec != b.receivedSec:
		return cmp.Compare(a.receivedSec, b.receivedSec)
	case a.receivedNsec != b.receivedNsec:
		return cmp.Compare(a.receivedNsec, b.receivedNsec)
	}
	return strings.Compare(a.id, b.id)
}
