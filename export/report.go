package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"rightsdesk/cases"
)

// ReportRow is one case in the register of requests (PACKETS.md): what an
// organisation shows a supervisory authority about each request it had.
type ReportRow struct {
	Controller string   `json:"controller"`
	ID         string   `json:"id"`
	RequestID  string   `json:"request_id"`
	Right      string   `json:"right"`
	Received   string   `json:"received"`
	Due        string   `json:"due"`       // the legal due date in force (the effective one where the law sets none)
	Promised   string   `json:"promised"`  // the organisation's own promise, if it made one
	Extension  string   `json:"extension"` // "", "decided", "in-force", "notice-late"
	Answered   string   `json:"answered"`  // the date the answer was sent
	Status     string   `json:"status"`
	Outcome    string   `json:"outcome"`
	Grounds    []string `json:"grounds"`
	Timeliness string   `json:"timeliness"` // on-time, late, open, closed-unanswered: against Due
	// PromiseKept says whether the answer went by the promise; null while
	// there is no answer or no promise.
	PromiseKept *bool `json:"promise_kept"`

	// What the timeline says beyond the queue's row (AddTimeline).
	Timeline
}

// Timeline is what the register says of a case from its timeline: how the
// answer went, what was refused and on which ground, the work, and what
// was recorded late (WORK.md, "Report").
type Timeline struct {
	// AnsweredWithDraft: the answer that went out was a DRAFT (send
	// --draft-sent); AnswerOutside: it was written and sent another way.
	AnsweredWithDraft bool `json:"answered_with_draft"`
	AnswerOutside     bool `json:"answer_outside"`
	// LettersOutside counts every letter sent another way.
	LettersOutside int `json:"letters_outside"`
	// Refusal is "full" (the whole request refused), "partial" (a
	// partial outcome, a refusing work result or a withheld file) or "".
	Refusal string `json:"refusal"`
	// RefusedItems are the work items whose result refuses: "item:
	// result (ground)".
	RefusedItems []string `json:"refused_items"`
	// WithheldFiles are the data-copy files kept from the subject, each
	// with its ground: "file (ground)".
	WithheldFiles []string `json:"withheld_files"`
	// RefusalLate: the first letter telling a refusal went after
	// refusal_by (Art. 12(4)).
	RefusalLate bool `json:"refusal_late"`
	// LateEntries counts the events recorded more than the backdate hours
	// after they happened.
	LateEntries int `json:"late_entries"`
	// StoppedLate are the purposes stopped after the act-by date (a
	// withdrawal of consent, an objection to direct marketing): "item
	// (stopped DATE, act by DATE)".
	StoppedLate []string `json:"stopped_late"`
	// WorkItems and WorkOpen are the work list's size and its items still
	// open.
	WorkItems int `json:"work_items"`
	WorkOpen  int `json:"work_open"`
	// Approvals are who approved or sent back which letter, and when
	// (WORK.md, "Approval"): "final approved by marc on 2026-03-10",
	// "final signed off by NAME, ROLE, ORGANISATION on DATE (recorded by
	// anna)", "final rejected by lea on DATE: why"; an approval that does
	// not count says so.
	Approvals []string `json:"approvals"`

	// refusedResults and the grounds are for the totals.
	refusedResults []string
	keptGrounds    []string
	withheldGround []string
}

// AddTimeline completes the row of case c (st its state now) with what its
// timeline says.
func (r *ReportRow) AddTimeline(c *cases.Case, st *cases.State) {
	t := Timeline{RefusedItems: []string{}, WithheldFiles: []string{}, RefusalLate: st.RefusalLate(),
		LateEntries: len(st.Late), WorkItems: len(st.Work), WorkOpen: st.WorkOpen()}
	var answer *cases.Event
	for i := range c.Events {
		e := &c.Events[i]
		switch {
		case e.Kind == cases.EventSent && e.Outside:
			t.LettersOutside++
		case e.Kind == cases.EventReopened && e.ReopenReason == cases.ReopenNewInformation:
			answer = nil // the answer date starts again, as in cases.Derive
		}
		if e.Kind == cases.EventSent && e.Letter.Answers() && answer == nil {
			answer = e
		}
	}
	if answer != nil {
		t.AnsweredWithDraft, t.AnswerOutside = answer.DraftSent, answer.Outside
	}
	for _, w := range st.WorkRefusals() {
		ground := ""
		if len(w.Result.Grounds) > 0 {
			ground = string(w.Result.Grounds[0])
		}
		item := w.ID + ": " + string(w.Result.Result)
		if ground != "" {
			item += " (" + ground + ")"
		}
		t.RefusedItems = append(t.RefusedItems, item)
		t.refusedResults = append(t.refusedResults, string(w.Result.Result))
		if w.Result.Result == cases.ResultKept {
			t.keptGrounds = append(t.keptGrounds, ground)
		}
	}
	t.StoppedLate = []string{}
	if loc, err := cases.LoadZone(st.Deadlines.Zone); err == nil {
		for _, w := range st.StoppedLate() {
			t.StoppedLate = append(t.StoppedLate, fmt.Sprintf("%s (stopped %s, act by %s)", w.ID,
				cases.DateOf(w.Result.At, loc), st.Deadlines.ActBy))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(st.Withheld)) {
		ground := ""
		if g := st.Withheld[name].Grounds; len(g) > 0 {
			ground = string(g[0])
		}
		t.WithheldFiles = append(t.WithheldFiles, name+" ("+ground+")")
		t.withheldGround = append(t.withheldGround, ground)
	}
	switch {
	case st.Status == cases.StatusClosed && st.Outcome == cases.OutcomeRefused:
		t.Refusal = "full"
	case st.Status == cases.StatusClosed && st.Outcome == cases.OutcomePartiallyFulfilled,
		len(t.RefusedItems) > 0, len(t.WithheldFiles) > 0:
		t.Refusal = "partial"
	}
	t.Approvals = approvalLines(c, st)
	r.Timeline = t
}

// approvalLines are the case's approvals and rejections in words, for
// the register of requests.
func approvalLines(c *cases.Case, st *cases.State) []string {
	out := []string{}
	loc, err := cases.LoadZone(st.Deadlines.Zone)
	if err != nil {
		return out
	}
	for _, e := range c.Events {
		if e.Kind != cases.EventApproved && e.Kind != cases.EventRejected {
			continue
		}
		a := newRecordApproval(e)
		line := fmt.Sprintf("%s %s by %s on %s", a.Letter, a.Decision, a.Actor, cases.DateOf(e.At, loc))
		switch {
		case a.SignedOffBy != "":
			line = fmt.Sprintf("%s signed off by %s on %s (recorded by %s)", a.Letter, a.SignedOffBy, cases.DateOf(e.At, loc), a.Actor)
		case a.Reason != "":
			line += ": " + a.Reason
		}
		if a.NotCounted != "" {
			line += " (does not count: " + a.NotCounted + ")"
		}
		out = append(out, line)
	}
	return out
}

// ReportTotals are the figures of the register for one organisation or
// all: the statistics the overview shows, with slugs as keys.
type ReportTotals struct {
	Cases             int            `json:"cases"`
	ByRight           map[string]int `json:"by_right"`
	Answered          int            `json:"answered"`
	OnTime            int            `json:"on_time"`
	OnTimeRate        float64        `json:"on_time_rate"`
	PromisesJudged    int            `json:"promises_judged"`
	PromisesKept      int            `json:"promises_kept"`
	MedianDays        float64        `json:"median_days_to_answer"`
	P90Days           int            `json:"p90_days_to_answer"`
	ClosedUnanswered  int            `json:"closed_without_answer_sent"`
	Extensions        int            `json:"extensions"`
	ExtensionsInForce int            `json:"extension_notices_in_time"`
	ExtensionsLate    int            `json:"extension_notices_late"`
	RefusalsByGround  map[string]int `json:"refusals_by_ground"`

	// From the timelines (AddTimelines).
	AnsweredWithDraft int           `json:"answered_with_draft"`
	AnswersOutside    int           `json:"answers_outside"`
	LettersOutside    int           `json:"letters_outside"`
	Refusals          RefusalTotals `json:"refusals"`
	LateEntries       int           `json:"late_entries"`
	CasesWithLate     int           `json:"cases_with_late_entries"`
	// StoppedLate counts the purposes stopped after the act-by date.
	StoppedLate int `json:"stopped_late"`
}

// RefusalTotals count refusals per case and per ground (WORK.md,
// "Report"): whole requests refused, partial refusals, the refusing work
// results, kept items by ground, withheld files by ground, and refusals
// told late.
type RefusalTotals struct {
	Full             int            `json:"full"`
	Partial          int            `json:"partial"`
	ItemsByResult    map[string]int `json:"items_by_result"`
	KeptByGround     map[string]int `json:"kept_by_ground"`
	WithheldFiles    int            `json:"withheld_files"`
	WithheldByGround map[string]int `json:"withheld_by_ground"`
	ToldLate         int            `json:"told_late"`
}

// AddTimelines adds to the totals what the rows' timelines say; rows are
// those of the cases the totals were made from.
func (t *ReportTotals) AddTimelines(rows []ReportRow) {
	t.Refusals = RefusalTotals{ItemsByResult: map[string]int{}, KeptByGround: map[string]int{}, WithheldByGround: map[string]int{}}
	for i := range rows {
		r := &rows[i].Timeline
		if rows[i].Answered != "" && rows[i].Outcome != string(cases.OutcomeWithdrawn) && rows[i].Outcome != string(cases.OutcomeDuplicate) {
			t.AnsweredWithDraft += b2i(r.AnsweredWithDraft)
			t.AnswersOutside += b2i(r.AnswerOutside)
		}
		t.LettersOutside += r.LettersOutside
		switch r.Refusal {
		case "full":
			t.Refusals.Full++
		case "partial":
			t.Refusals.Partial++
		}
		for _, res := range r.refusedResults {
			t.Refusals.ItemsByResult[res]++
		}
		for _, g := range r.keptGrounds {
			t.Refusals.KeptByGround[g]++
		}
		t.Refusals.WithheldFiles += len(r.withheldGround)
		for _, g := range r.withheldGround {
			t.Refusals.WithheldByGround[g]++
		}
		t.Refusals.ToldLate += b2i(r.RefusalLate)
		t.LateEntries += r.LateEntries
		t.CasesWithLate += b2i(r.LateEntries > 0)
		t.StoppedLate += len(r.StoppedLate)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

var extensionWords = map[cases.ExtensionState]string{cases.ExtensionDecided: "decided",
	cases.ExtensionValid: "in-force", cases.ExtensionInvalid: "notice-late"}

// NewReportRow is the register's row of one case: on time or late by the
// date the answer was sent, against the deadline in force.
func NewReportRow(s *cases.Summary) ReportRow {
	r := ReportRow{Controller: s.Controller, ID: s.ID, RequestID: s.RequestID, Right: string(s.Right),
		Received: s.ReceiptDate.String(), Extension: extensionWords[s.Extension], Status: string(s.Status),
		Outcome: string(s.Outcome), Grounds: []string{}}
	switch {
	case !s.LegalDue.IsZero():
		r.Due = s.LegalDue.String()
	case !s.EffectiveDue.IsZero():
		r.Due = s.EffectiveDue.String()
	}
	if !s.PromiseDue.IsZero() {
		r.Promised = s.PromiseDue.String()
	}
	if kept, judged := s.PromiseKept(); judged {
		r.PromiseKept = &kept
	}
	for _, g := range s.Grounds {
		r.Grounds = append(r.Grounds, string(g))
	}
	if !s.AnsweredOn.IsZero() {
		r.Answered = s.AnsweredOn.String()
	}
	r.Timeliness = string(s.Timeliness())
	return r
}

// NewReportTotals are the register's figures for the cases ss, as of now.
func NewReportTotals(ss []cases.Summary, now time.Time) ReportTotals {
	st := cases.Statistics(ss, now)
	t := ReportTotals{Cases: st.Cases, ByRight: map[string]int{}, Answered: st.Answered, OnTime: st.OnTime,
		OnTimeRate: st.OnTimeRate, PromisesJudged: st.PromisesJudged, PromisesKept: st.PromisesKept, MedianDays: st.MedianDays, P90Days: st.P90Days, ClosedUnanswered: st.ClosedUnanswered,
		Extensions: st.Extensions, ExtensionsInForce: st.ExtensionsInForce, ExtensionsLate: st.ExtensionsLate,
		RefusalsByGround: map[string]int{}}
	for r, n := range st.ByRight {
		t.ByRight[string(r)] = n
	}
	for g, n := range st.RefusalsByGround {
		t.RefusalsByGround[string(g)] = n
	}
	return t
}

// ReportRows picks the cases of the register (one organisation, or all
// when controller is empty; received in the period, both ends included, a
// zero date leaving that end open) in the order they came in, with their
// rows. A voided case (recorded by mistake) is not a request: it is left
// out.
func ReportRows(all []cases.Summary, controller string, from, to cases.Date) ([]cases.Summary, []ReportRow) {
	var picked []cases.Summary
	for _, s := range all {
		if s.Voided || (controller != "" && s.Controller != controller) ||
			(!from.IsZero() && s.ReceiptDate.Before(from)) || (!to.IsZero() && s.ReceiptDate.After(to)) {
			continue
		}
		picked = append(picked, s)
	}
	slices.SortFunc(picked, func(x, y cases.Summary) int {
		if c := x.ReceivedAt.Compare(y.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	rows := make([]ReportRow, len(picked))
	for i := range picked {
		rows[i] = NewReportRow(&picked[i])
	}
	return picked, rows
}

// WriteReportCSV writes one header row and one row per case: UTF-8, ISO
// dates, nothing else, so that a spreadsheet opens it cleanly. A cell that
// a spreadsheet would read as a formula is quoted as text.
func WriteReportCSV(w io.Writer, rows []ReportRow) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"controller", "id", "request_id", "right", "received", "due", "extension", "answered", "status",
		"outcome", "grounds", "timeliness", "promised", "promise_kept",
		"answered_with_draft", "answer_outside", "letters_outside", "refusal", "refused_items", "withheld_files",
		"refusal_late", "late_entries", "work_items", "work_open", "stopped_late", "approvals"})
	yes := map[bool]string{true: "yes", false: "no"}
	for _, r := range rows {
		kept := ""
		if r.PromiseKept != nil {
			kept = yes[*r.PromiseKept]
		}
		t := &r.Timeline
		rec := []string{r.Controller, r.ID, r.RequestID, r.Right, r.Received, r.Due, r.Extension, r.Answered,
			r.Status, r.Outcome, strings.Join(r.Grounds, ";"), r.Timeliness, r.Promised, kept,
			yes[t.AnsweredWithDraft], yes[t.AnswerOutside], strconv.Itoa(t.LettersOutside), t.Refusal,
			strings.Join(t.RefusedItems, ";"), strings.Join(t.WithheldFiles, ";"), yes[t.RefusalLate],
			strconv.Itoa(t.LateEntries), strconv.Itoa(t.WorkItems), strconv.Itoa(t.WorkOpen), strings.Join(t.StoppedLate, "; "),
			strings.Join(t.Approvals, "; ")}
		for i := range rec {
			rec[i] = safeCell(rec[i]) // every cell: a register's or a case's text can reach any of them
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// WriteReportFile writes the register of requests of one organisation (all
// when controller is empty: rows are its rows, AddTimeline done) as CSV
// into dir, private, named for the organisation and the time, and returns
// its path.
func WriteReportFile(rows []ReportRow, controller, dir string, now time.Time) (string, error) {
	name := "all"
	if controller != "" {
		name = controller
	}
	var b bytes.Buffer
	if err := WriteReportCSV(&b, rows); err != nil {
		return "", err
	}
	return WritePrivate(dir, fmt.Sprintf("register-%s-%s.csv", filepath.Base(name), now.UTC().Format("2006-01-02T150405Z")), b.Bytes())
}
