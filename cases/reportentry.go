package cases

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// ReportEntry is what the register of requests (PACKETS.md; WORK.md,
// "Report") says of one case: its summary and what its timeline adds. It
// is worked out when the case is written and kept beside it, so that a
// register of a million cases reads these entries and never a timeline;
// NewReportEntry is the one place where what a case's timeline gives the
// register is decided.
type ReportEntry struct {
	// Summary holds the fields the register reads: ID, RequestID,
	// Controller, Right, Status, Outcome, ReceivedAt, ReceiptDate,
	// LegalDue, EffectiveDue, PromiseDue, AnsweredOn, PausedDays,
	// Extension, Grounds and Voided; the others are left zero.
	Summary Summary
	// AnsweredWithDraft: the answer that went out was a DRAFT (send
	// --draft-sent); AnswerOutside: it was written and sent another way.
	AnsweredWithDraft, AnswerOutside bool
	// LettersOutside counts every letter sent another way.
	LettersOutside int
	// Refusal is "full" (the whole request refused), "partial" (a partial
	// outcome, a refusing work result or a withheld file) or "".
	Refusal string
	// Refused are the work items whose result refuses, Withheld the
	// data-copy files kept from the subject, by name.
	Refused  []RefusedItem
	Withheld []WithheldFile
	// RefusalLate: the first letter telling a refusal went after
	// refusal_by (Art. 12(4)).
	RefusalLate bool
	// LateEntries counts the events recorded more than the backdate hours
	// after they happened; WorkItems and WorkOpen are the work list's size
	// and its items still open.
	LateEntries, WorkItems, WorkOpen int
	// StoppedLate are the purposes stopped after the act-by date: "item
	// (stopped DATE, act by DATE)".
	StoppedLate []string
	// Approvals are who approved or sent back which letter, and when
	// (WORK.md, "Approval"), in words.
	Approvals []string
	// MovesWithToday: the case's clock is paused and a refusal was told,
	// so whether it was told late depends on the refusal deadline, which
	// an open pause moves each day: a register derives it afresh.
	MovesWithToday bool
}

// RefusedItem is a work item whose result refuses part of the request,
// with the first ground given ("" when none).
type RefusedItem struct{ Item, Result, Ground string }

// WithheldFile is a data-copy file kept from the subject, with the first
// ground given ("" when none).
type WithheldFile struct{ Name, Ground string }

// NewReportEntry is the register's entry of case c: st is its state and
// sum its summary, both derived at the same instant.
func NewReportEntry(c *Case, st *State, sum *Summary) ReportEntry {
	e := ReportEntry{Summary: Summary{ID: sum.ID, RequestID: sum.RequestID, Controller: sum.Controller, Right: sum.Right,
		Status: sum.Status, Outcome: sum.Outcome, ReceivedAt: sum.ReceivedAt, ReceiptDate: sum.ReceiptDate,
		LegalDue: sum.LegalDue, EffectiveDue: sum.EffectiveDue, PromiseDue: sum.PromiseDue, AnsweredOn: sum.AnsweredOn,
		PausedDays: sum.PausedDays, Extension: sum.Extension, Grounds: sum.Grounds, Voided: sum.Voided}}
	e.MovesWithToday = st.Deadlines.Clock == ClockPaused && st.RefusalTold != nil && st.Deadlines.RefusalBy != nil
	e.AddTimeline(c, st)
	return e
}

// AddTimeline sets what the timeline of case c says (st its state),
// leaving the summary as it is: a register derives afresh only this part
// of an entry that moves with today.
func (e *ReportEntry) AddTimeline(c *Case, st *State) {
	e.AnsweredWithDraft, e.AnswerOutside, e.LettersOutside = false, false, 0
	e.RefusalLate, e.LateEntries, e.WorkItems, e.WorkOpen = st.RefusalLate(), len(st.Late), len(st.Work), st.WorkOpen()
	var answer *Event
	for i := range c.Events {
		ev := &c.Events[i]
		switch {
		case ev.Kind == EventSent && ev.Outside:
			e.LettersOutside++
		case ev.Kind == EventReopened && ev.ReopenReason == ReopenNewInformation:
			answer = nil // the answer date starts again, as in Derive
		}
		if ev.Kind == EventSent && ev.Letter.Answers() && answer == nil {
			answer = ev
		}
	}
	if answer != nil {
		e.AnsweredWithDraft, e.AnswerOutside = answer.DraftSent, answer.Outside
	}
	e.Refused = nil
	for _, w := range st.WorkRefusals() {
		ground := ""
		if len(w.Result.Grounds) > 0 {
			ground = string(w.Result.Grounds[0])
		}
		e.Refused = append(e.Refused, RefusedItem{Item: w.ID, Result: string(w.Result.Result), Ground: ground})
	}
	e.StoppedLate = nil
	loc, zoneErr := LoadZone(st.Deadlines.Zone)
	if zoneErr == nil {
		for _, w := range st.StoppedLate() {
			e.StoppedLate = append(e.StoppedLate, fmt.Sprintf("%s (stopped %s, act by %s)", w.ID,
				DateOf(w.Result.At, loc), st.Deadlines.ActBy))
		}
	}
	e.Withheld = nil
	for _, name := range slices.Sorted(maps.Keys(st.Withheld)) {
		ground := ""
		if g := st.Withheld[name].Grounds; len(g) > 0 {
			ground = string(g[0])
		}
		e.Withheld = append(e.Withheld, WithheldFile{Name: name, Ground: ground})
	}
	switch {
	case st.Status == StatusClosed && st.Outcome == OutcomeRefused:
		e.Refusal = "full"
	case st.Status == StatusClosed && st.Outcome == OutcomePartiallyFulfilled, len(e.Refused) > 0, len(e.Withheld) > 0:
		e.Refusal = "partial"
	default:
		e.Refusal = ""
	}
	e.Approvals = nil
	if zoneErr == nil {
		e.Approvals = approvalLines(c, loc)
	}
}

// approvalLines are the case's approvals and rejections in words, their
// dates in the case's zone (loc): "final approved by marc on 2026-03-10",
// "final signed off by NAME, ROLE, ORGANISATION on DATE (recorded by
// anna)", "final rejected by lea on DATE: why"; an approval that does not
// count says so.
func approvalLines(c *Case, loc *time.Location) []string {
	var out []string
	for i := range c.Events {
		ev := &c.Events[i]
		if ev.Kind != EventApproved && ev.Kind != EventRejected {
			continue
		}
		on := DateOf(ev.At, loc)
		line := fmt.Sprintf("%s %s by %s on %s", ev.Letter, ev.Kind, ev.Actor, on)
		switch {
		case ev.External != nil:
			line = fmt.Sprintf("%s signed off by %s on %s (recorded by %s)", ev.Letter, ev.External.String(), on, ev.Actor)
		case ev.Reason != "":
			line += ": " + ev.Reason
		}
		if ev.Kind == EventApproved {
			if problem := OverriddenProblem(ev); problem != "" {
				line += " (does not count: " + problem + ")"
			}
		}
		out = append(out, line)
	}
	return out
}

// InReport reports whether the case of s is in a register of requests of
// one organisation (all when controller is empty) for the period from-to
// (by receipt date, both ends included, a zero date leaving that end
// open). A voided case (recorded by mistake) is not a request: it is in
// none.
func InReport(s *Summary, controller string, from, to Date) bool {
	return !s.Voided && (controller == "" || s.Controller == controller) &&
		(from.IsZero() || !s.ReceiptDate.Before(from)) && (to.IsZero() || !s.ReceiptDate.After(to))
}

// ReportOrder is the order of a register's rows: as the cases came in,
// then by ID.
func ReportOrder(x, y *Summary) int {
	if c := x.ReceivedAt.Compare(y.ReceivedAt); c != 0 {
		return c
	}
	return strings.Compare(x.ID, y.ID)
}

// ReportCases are the cases of all in the register (InReport), in its
// order (ReportOrder).
func ReportCases(all []Summary, controller string, from, to Date) []Summary {
	var picked []Summary
	for i := range all {
		if InReport(&all[i], controller, from, to) {
			picked = append(picked, all[i])
		}
	}
	slices.SortFunc(picked, func(x, y Summary) int { return ReportOrder(&x, &y) })
	return picked
}
