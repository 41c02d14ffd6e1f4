package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"rightsdesk/cases"
	"rightsdesk/export"
	"rightsdesk/storage"
)

const reportUsage = "usage: rightsdesk report [--from DATE] [--to DATE] [--controller ID] [--json|--csv] [--db PATH]"

func init() {
	addCommand("report", runReport, "the register of requests: one row per case and the totals")
}

// reportRow is one case in the register of requests (PACKETS.md).
type reportRow struct {
	Controller string   `json:"controller"`
	ID         string   `json:"id"`
	RequestID  string   `json:"request_id"`
	Right      string   `json:"right"`
	Received   string   `json:"received"`
	Due        string   `json:"due"`
	Extension  string   `json:"extension"` // "", "decided", "in-force", "notice-late"
	Answered   string   `json:"answered"`  // the date the answer was sent
	Status     string   `json:"status"`
	Outcome    string   `json:"outcome"`
	Grounds    []string `json:"grounds"`
	Timeliness string   `json:"timeliness"` // on-time, late, open, closed-unanswered
}

// reportTotals are the figures of the register for one organisation or all.
type reportTotals struct {
	Cases             int            `json:"cases"`
	ByRight           map[string]int `json:"by_right"`
	Answered          int            `json:"answered"`
	OnTime            int            `json:"on_time"`
	OnTimeRate        float64        `json:"on_time_rate"`
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

func newReportRow(s *cases.Summary) reportRow {
	r := reportRow{Controller: s.Controller, ID: s.ID, RequestID: s.RequestID, Right: string(s.Right),
		Received: s.ReceiptDate.String(), Extension: extensionWords[s.Extension], Status: string(s.Status),
		Outcome: string(s.Outcome), Grounds: []string{}}
	if !s.EffectiveDue.IsZero() {
		r.Due = s.EffectiveDue.String()
	}
	for _, g := range s.Grounds {
		r.Grounds = append(r.Grounds, string(g))
	}
	switch {
	case !s.AnsweredOn.IsZero():
		r.Answered = s.AnsweredOn.String()
		r.Timeliness = "on-time"
		if s.EffectiveDue.IsZero() || s.AnsweredOn.After(s.EffectiveDue) {
			r.Timeliness = "late"
		}
	case s.Closed():
		r.Timeliness = "closed-unanswered"
	default:
		r.Timeliness = "open"
	}
	return r
}

func newReportTotals(ss []cases.Summary, a *app) reportTotals {
	st := cases.Statistics(ss, a.clock.Now())
	t := reportTotals{Cases: st.Cases, ByRight: map[string]int{}, Answered: st.Answered, OnTime: st.OnTime,
		OnTimeRate: st.OnTimeRate, MedianDays: st.MedianDays, P90Days: st.P90Days, ClosedUnanswered: st.ClosedUnanswered,
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

// runReport prints the register of requests: the cases received in the
// period (by receipt date, both ends included), judged on time or late by
// the date the answer was sent.
func runReport(a *app, args []string) int {
	fs, c := commonFlags("report")
	from := fs.String("from", "", "")
	to := fs.String("to", "", "")
	controller := fs.String("controller", "", "")
	asCSV := fs.Bool("csv", false, "")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) > 0 {
		return a.usageError("report", err, pos, reportUsage)
	}
	bad := func(err error) int { return a.fail(exitUsage, fmt.Errorf("report: %w", err)) }
	if *asCSV && *c.asJSON {
		return bad(fmt.Errorf("choose --json or --csv"))
	}
	var fromDate, toDate cases.Date
	if *from != "" {
		if fromDate, err = cases.ParseDate(*from); err != nil {
			return bad(fmt.Errorf("--from: %w", err))
		}
	}
	if *to != "" {
		if toDate, err = cases.ParseDate(*to); err != nil {
			return bad(fmt.Errorf("--to: %w", err))
		}
	}
	if !fromDate.IsZero() && !toDate.IsZero() && toDate.Before(fromDate) {
		return bad(fmt.Errorf("--to %s is before --from %s", toDate, fromDate))
	}
	if *controller != "" {
		regs, err := loadRegisters(a.getenv, "")
		if err != nil {
			return bad(err)
		}
		if _, err := regs.Get(*controller); err != nil {
			return bad(err)
		}
	}
	all, _, err := a.store(a.dbPath(*c.db)).Queue(a.clock.Now())
	if err != nil {
		return a.storeFailure(err)
	}
	picked, rows := reportRows(all, *controller, fromDate, toDate)
	byController := map[string][]cases.Summary{}
	for i := range picked {
		byController[picked[i].Controller] = append(byController[picked[i].Controller], picked[i])
	}
	switch {
	case *asCSV:
		if err := writeReportCSV(a.stdout, rows); err != nil {
			return a.fail(exitStore, fmt.Errorf("report: %w", err))
		}
		return exitOK
	case *c.asJSON:
		per := map[string]reportTotals{}
		for id, ss := range byController {
			per[id] = newReportTotals(ss, a)
		}
		return a.printJSON(struct {
			From         string                  `json:"from"`
			To           string                  `json:"to"`
			Rows         []reportRow             `json:"rows"`
			Totals       reportTotals            `json:"totals"`
			ByController map[string]reportTotals `json:"by_controller"`
		}{dateOrEmpty(fromDate), dateOrEmpty(toDate), rows, newReportTotals(picked, a), per})
	}
	w := a.stdout
	fmt.Fprintf(w, "%-16s %-12s %-18s %-10s %-10s %-10s %-11s %-19s %s\n", "ID", "ORGANISATION", "RIGHT", "RECEIVED", "DUE", "ANSWERED", "EXTENSION", "OUTCOME", "TIMELINESS")
	for _, r := range rows {
		fmt.Fprintf(w, "%-16s %-12s %-18s %-10s %-10s %-10s %-11s %-19s %s\n", r.ID, cases.Printable(r.Controller), r.Right,
			r.Received, r.Due, r.Answered, r.Extension, r.Outcome, r.Timeliness)
	}
	for _, id := range slices.Sorted(maps.Keys(byController)) {
		printTotals(w, id, newReportTotals(byController[id], a))
	}
	if len(byController) != 1 {
		printTotals(w, "all organisations", newReportTotals(picked, a))
	}
	return exitOK
}

func dateOrEmpty(d cases.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func printTotals(w io.Writer, name string, t reportTotals) {
	fmt.Fprintf(w, "\n%s: %d cases", cases.Printable(name), t.Cases)
	for _, r := range slices.Sorted(maps.Keys(t.ByRight)) {
		fmt.Fprintf(w, ", %s %d", r, t.ByRight[r])
	}
	fmt.Fprintf(w, "\n  answered %d, on time %d (%.1f%%); days to answer (paused days excluded): median %.1f, 90th percentile %d\n",
		t.Answered, t.OnTime, 100*t.OnTimeRate, t.MedianDays, t.P90Days)
	fmt.Fprintf(w, "  closed without an answer sent on record: %d\n", t.ClosedUnanswered)
	fmt.Fprintf(w, "  extensions %d: notice in time %d, notice late %d\n", t.Extensions, t.ExtensionsInForce, t.ExtensionsLate)
	if len(t.RefusalsByGround) > 0 {
		fmt.Fprint(w, "  refusals by ground:")
		for _, g := range slices.Sorted(maps.Keys(t.RefusalsByGround)) {
			fmt.Fprintf(w, " %s %d", g, t.RefusalsByGround[g])
		}
		fmt.Fprintln(w)
	}
}

// writeReportCSV writes one header row and one row per case: UTF-8, ISO
// dates, nothing else, so that a spreadsheet opens it cleanly.
func writeReportCSV(w io.Writer, rows []reportRow) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"controller", "id", "request_id", "right", "received", "due", "extension", "answered", "status", "outcome", "grounds", "timeliness"})
	for _, r := range rows {
		cw.Write([]string{csvSafe(r.Controller), r.ID, r.RequestID, r.Right, r.Received, r.Due, r.Extension, r.Answered,
			r.Status, r.Outcome, strings.Join(r.Grounds, ";"), r.Timeliness})
	}
	cw.Flush()
	return cw.Error()
}

// reportRows picks the cases of the register (one organisation or all,
// received in the period, both ends included) in the order they came in,
// with their rows.
func reportRows(all []cases.Summary, controller string, from, to cases.Date) ([]cases.Summary, []reportRow) {
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
	rows := make([]reportRow, len(picked))
	for i := range picked {
		rows[i] = newReportRow(&picked[i])
	}
	return picked, rows
}

// writeReportFile writes the register of requests of one organisation (all
// when controller is empty) as CSV into dir, private, and returns its path:
// R on the terminal app's overview.
func writeReportFile(st *storage.Store, controller, dir string, now time.Time) (string, error) {
	all, _, err := st.Queue(now)
	if err != nil {
		return "", err
	}
	_, rows := reportRows(all, controller, cases.Date{}, cases.Date{})
	name := "all"
	if controller != "" {
		name = controller
	}
	var b bytes.Buffer
	if err := writeReportCSV(&b, rows); err != nil {
		return "", err
	}
	return export.WritePrivate(dir, fmt.Sprintf("register-%s-%s.csv", filepath.Base(name), now.UTC().Format("2006-01-02T150405Z")), b.Bytes())
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
