package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"slices"
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
// rows.
func ReportRows(all []cases.Summary, controller string, from, to cases.Date) ([]cases.Summary, []ReportRow) {
	var picked []cases.Summary
	for _, s := range all {
		if (controller != "" && s.Controller != controller) ||
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
		"outcome", "grounds", "timeliness", "promised", "promise_kept"})
	for _, r := range rows {
		kept := ""
		if r.PromiseKept != nil {
			kept = map[bool]string{true: "yes", false: "no"}[*r.PromiseKept]
		}
		_ = cw.Write([]string{csvSafe(r.Controller), r.ID, r.RequestID, r.Right, r.Received, r.Due, r.Extension, r.Answered,
			r.Status, r.Outcome, strings.Join(r.Grounds, ";"), r.Timeliness, r.Promised, kept})
	}
	cw.Flush()
	return cw.Error()
}

// WriteReportFile writes the register of requests of one organisation (all
// when controller is empty) as CSV into dir, private, named for the
// organisation and the time, and returns its path.
func WriteReportFile(all []cases.Summary, controller, dir string, now time.Time) (string, error) {
	_, rows := ReportRows(all, controller, cases.Date{}, cases.Date{})
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

// csvSafe keeps a cell from being read as a formula by a spreadsheet
// (CSV injection): a leading =, +, -, @, tab or carriage return makes it
// text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
