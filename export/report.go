package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
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
}

// NewReportRowOf is the register's row of a case from its entry (cases.ReportEntry).
func NewReportRowOf(e *cases.ReportEntry) ReportRow {
	var r ReportRow
	r.Fill(e)
	return r
}

// Fill makes r the row of entry e: NewReportRowOf without copying a row,
// for a register written a row at a time.
func (r *ReportRow) Fill(e *cases.ReportEntry) {
	r.setSummary(&e.Summary)
	r.Timeline = Timeline{AnsweredWithDraft: e.AnsweredWithDraft, AnswerOutside: e.AnswerOutside, LettersOutside: e.LettersOutside,
		Refusal: e.Refusal, RefusedItems: make([]string, 0, len(e.Refused)), WithheldFiles: make([]string, 0, len(e.Withheld)),
		RefusalLate: e.RefusalLate, LateEntries: e.LateEntries, StoppedLate: nonNil(e.StoppedLate), WorkItems: e.WorkItems,
		WorkOpen: e.WorkOpen, Approvals: nonNil(e.Approvals)}
	t := &r.Timeline
	for _, w := range e.Refused {
		item := w.Item + ": " + w.Result
		if w.Ground != "" {
			item += " (" + w.Ground + ")"
		}
		t.RefusedItems = append(t.RefusedItems, item)
	}
	for _, f := range e.Withheld {
		t.WithheldFiles = append(t.WithheldFiles, f.Name+" ("+f.Ground+")")
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
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

// ReportTally adds up the register's figures one entry at a time, in one
// pass over the entries, without holding them.
type ReportTally struct {
	stats *cases.Tally
	t     ReportTotals
}

// NewReportTally is an empty tally as of now.
func NewReportTally(now time.Time) *ReportTally {
	return &ReportTally{stats: cases.NewTally(now), t: ReportTotals{Refusals: RefusalTotals{ItemsByResult: map[string]int{},
		KeptByGround: map[string]int{}, WithheldByGround: map[string]int{}}}}
}

// Add counts one more case of the register.
func (rt *ReportTally) Add(e *cases.ReportEntry) {
	rt.stats.Add(&e.Summary)
	t := &rt.t
	if s := &e.Summary; !s.AnsweredOn.IsZero() && s.Outcome != cases.OutcomeWithdrawn && s.Outcome != cases.OutcomeDuplicate {
		t.AnsweredWithDraft += b2i(e.AnsweredWithDraft)
		t.AnswersOutside += b2i(e.AnswerOutside)
	}
	t.LettersOutside += e.LettersOutside
	switch e.Refusal {
	case "full":
		t.Refusals.Full++
	case "partial":
		t.Refusals.Partial++
	}
	for _, w := range e.Refused {
		t.Refusals.ItemsByResult[w.Result]++
		if w.Result == string(cases.ResultKept) {
			t.Refusals.KeptByGround[w.Ground]++
		}
	}
	t.Refusals.WithheldFiles += len(e.Withheld)
	for _, f := range e.Withheld {
		t.Refusals.WithheldByGround[f.Ground]++
	}
	t.Refusals.ToldLate += b2i(e.RefusalLate)
	t.LateEntries += e.LateEntries
	t.CasesWithLate += b2i(e.LateEntries > 0)
	t.StoppedLate += len(e.StoppedLate)
}

// Merge adds to rt the entries added to o (a tally as of the same
// instant): the figures of all organisations from each one's.
func (rt *ReportTally) Merge(o *ReportTally) {
	rt.stats.Merge(o.stats)
	t, ot := &rt.t, &o.t
	for _, n := range []struct{ to, from *int }{{&t.AnsweredWithDraft, &ot.AnsweredWithDraft}, {&t.AnswersOutside, &ot.AnswersOutside},
		{&t.LettersOutside, &ot.LettersOutside}, {&t.Refusals.Full, &ot.Refusals.Full}, {&t.Refusals.Partial, &ot.Refusals.Partial},
		{&t.Refusals.WithheldFiles, &ot.Refusals.WithheldFiles}, {&t.Refusals.ToldLate, &ot.Refusals.ToldLate},
		{&t.LateEntries, &ot.LateEntries}, {&t.CasesWithLate, &ot.CasesWithLate}, {&t.StoppedLate, &ot.StoppedLate}} {
		*n.to += *n.from
	}
	for _, m := range []struct{ to, from map[string]int }{{t.Refusals.ItemsByResult, ot.Refusals.ItemsByResult},
		{t.Refusals.KeptByGround, ot.Refusals.KeptByGround}, {t.Refusals.WithheldByGround, ot.Refusals.WithheldByGround}} {
		for k, n := range m.from {
			m.to[k] += n
		}
	}
}

// Totals are the figures of the entries added so far.
func (rt *ReportTally) Totals() ReportTotals {
	st := rt.stats.Stats()
	t := rt.t
	t.Cases, t.ByRight, t.Answered, t.OnTime, t.OnTimeRate = st.Cases, map[string]int{}, st.Answered, st.OnTime, st.OnTimeRate
	t.PromisesJudged, t.PromisesKept, t.MedianDays, t.P90Days = st.PromisesJudged, st.PromisesKept, st.MedianDays, st.P90Days
	t.ClosedUnanswered, t.Extensions, t.ExtensionsInForce, t.ExtensionsLate = st.ClosedUnanswered, st.Extensions, st.ExtensionsInForce, st.ExtensionsLate
	t.RefusalsByGround = map[string]int{}
	for r, n := range st.ByRight {
		t.ByRight[string(r)] = n
	}
	for g, n := range st.RefusalsByGround {
		t.RefusalsByGround[string(g)] = n
	}
	return t
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
	var r ReportRow
	r.setSummary(s)
	return r
}

func (r *ReportRow) setSummary(s *cases.Summary) {
	*r = ReportRow{Controller: s.Controller, ID: s.ID, RequestID: s.RequestID, Right: string(s.Right),
		Received: s.ReceiptDate.String(), Extension: extensionWords[s.Extension], Status: string(s.Status),
		Outcome: string(s.Outcome), Grounds: make([]string, 0, len(s.Grounds))}
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
}

// WriteReportCSV writes one header row and one row per case (ReportCSV).
func WriteReportCSV(w io.Writer, rows []ReportRow) error {
	c := NewReportCSV(w)
	for i := range rows {
		c.Write(&rows[i])
	}
	return c.Flush()
}

// ReportCSV writes the register as CSV, a row at a time as the cases are
// read: UTF-8, ISO dates, nothing else, so that a spreadsheet opens it
// cleanly. A cell that a spreadsheet would read as a formula is quoted as
// text.
type ReportCSV struct {
	cw  *csv.Writer
	rec []string
}

// NewReportCSV writes the header row to w and returns the writer of the rows.
func NewReportCSV(w io.Writer) *ReportCSV {
	c := NewReportCSVRows(w)
	_ = c.cw.Write([]string{"controller", "id", "request_id", "right", "received", "due", "extension", "answered", "status",
		"outcome", "grounds", "timeliness", "promised", "promise_kept",
		"answered_with_draft", "answer_outside", "letters_outside", "refusal", "refused_items", "withheld_files",
		"refusal_late", "late_entries", "work_items", "work_open", "stopped_late", "approvals"})
	return c
}

// NewReportCSVRows is the writer of rows to w without the header: of a
// run of rows that goes after others.
func NewReportCSVRows(w io.Writer) *ReportCSV { return &ReportCSV{cw: csv.NewWriter(w)} }

var yesNo = map[bool]string{true: "yes", false: "no"}

// Write writes one case's row; an error shows at Flush.
func (c *ReportCSV) Write(r *ReportRow) {
	kept := ""
	if r.PromiseKept != nil {
		kept = yesNo[*r.PromiseKept]
	}
	t := &r.Timeline
	c.rec = append(c.rec[:0], r.Controller, r.ID, r.RequestID, r.Right, r.Received, r.Due, r.Extension, r.Answered,
		r.Status, r.Outcome, strings.Join(r.Grounds, ";"), r.Timeliness, r.Promised, kept,
		yesNo[t.AnsweredWithDraft], yesNo[t.AnswerOutside], strconv.Itoa(t.LettersOutside), t.Refusal,
		strings.Join(t.RefusedItems, ";"), strings.Join(t.WithheldFiles, ";"), yesNo[t.RefusalLate],
		strconv.Itoa(t.LateEntries), strconv.Itoa(t.WorkItems), strconv.Itoa(t.WorkOpen), strings.Join(t.StoppedLate, "; "),
		strings.Join(t.Approvals, "; "))
	for i := range c.rec {
		c.rec[i] = safeCell(c.rec[i]) // every cell: a register's or a case's text can reach any of them
	}
	_ = c.cw.Write(c.rec)
}

// Flush writes what is buffered and returns the first error met.
func (c *ReportCSV) Flush() error {
	c.cw.Flush()
	return c.cw.Error()
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
