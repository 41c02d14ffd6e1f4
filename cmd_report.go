package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/export"
	"rightsdesk/storage"
)

// reportOptions are report's flags.
type reportOptions struct {
	db, from, to, controller string
	asJSON, asCSV            bool
}

// reportCommand prints the register of requests: the cases received in the
// period (by receipt date, both ends included), judged on time or late by
// the date the answer was sent.
func (a *app) reportCommand() *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{Use: "report", Short: "the register of requests: one row per case and the totals", Args: noArgs,
		Long: `The register of requests (PACKETS.md): one row per case received in the period
(by receipt date, both ends included), on time or late by the date the answer
was sent, and the totals per organisation and for all. --csv writes the rows
for a spreadsheet (a cell that would read as a formula is quoted as text).`,
		Example: "  rightsdesk report --from 2026-01-01 --to 2026-03-31\n  rightsdesk report --controller crisp --csv > register.csv"}
	f := cmd.Flags()
	dbFlag(cmd, &o.db)
	f.StringVar(&o.from, "from", "", "the first receipt `DATE` included")
	f.StringVar(&o.to, "to", "", "the last receipt `DATE` included")
	f.StringVar(&o.controller, "controller", "", "only one organisation `ID`")
	jsonFlag(cmd, &o.asJSON, "the rows and the totals")
	f.BoolVar(&o.asCSV, "csv", false, "print the rows as CSV")
	_ = cmd.RegisterFlagCompletionFunc("controller", a.completeController)
	cmd.RunE = a.runs(func([]string) int { return a.runReport(o) })
	return cmd
}

func (a *app) runReport(o reportOptions) int {
	bad := func(err error) int { return a.fail(exitUsage, fmt.Errorf("report: %w", err)) }
	if o.asCSV && o.asJSON {
		return bad(fmt.Errorf("choose --json or --csv"))
	}
	var fromDate, toDate cases.Date
	var err error
	if o.from != "" {
		if fromDate, err = cases.ParseDate(o.from); err != nil {
			return bad(fmt.Errorf("--from: %w", err))
		}
	}
	if o.to != "" {
		if toDate, err = cases.ParseDate(o.to); err != nil {
			return bad(fmt.Errorf("--to: %w", err))
		}
	}
	if !fromDate.IsZero() && !toDate.IsZero() && toDate.Before(fromDate) {
		return bad(fmt.Errorf("--to %s is before --from %s", toDate, fromDate))
	}
	if o.controller != "" {
		regs, err := a.loadRegisters(o.db, "")
		if err != nil {
			return bad(err)
		}
		if _, err := regs.Get(o.controller); err != nil {
			return bad(err)
		}
	}
	now := a.clock.Now()
	picked, rows, err := reportRows(a.cases(a.dbPath(o.db)), o.controller, fromDate, toDate, now)
	if err != nil {
		return a.storeFailure(err)
	}
	byController := map[string][]cases.Summary{}
	rowsOf := map[string][]export.ReportRow{}
	for i := range picked {
		id := picked[i].Controller
		byController[id] = append(byController[id], picked[i])
		rowsOf[id] = append(rowsOf[id], rows[i])
	}
	totals := func(ss []cases.Summary, rows []export.ReportRow) export.ReportTotals {
		t := export.NewReportTotals(ss, now)
		t.AddTimelines(rows)
		return t
	}
	switch {
	case o.asCSV:
		if err := export.WriteReportCSV(a.stdout, rows); err != nil {
			return a.fail(exitStore, fmt.Errorf("report: %w", err))
		}
		return exitOK
	case o.asJSON:
		per := map[string]export.ReportTotals{}
		for id, ss := range byController {
			per[id] = totals(ss, rowsOf[id])
		}
		return a.printJSON(struct {
			From         string                         `json:"from"`
			To           string                         `json:"to"`
			Rows         []export.ReportRow             `json:"rows"`
			Totals       export.ReportTotals            `json:"totals"`
			ByController map[string]export.ReportTotals `json:"by_controller"`
		}{dateOrEmpty(fromDate), dateOrEmpty(toDate), rows, totals(picked, rows), per})
	}
	w := a.stdout
	fmt.Fprintf(w, "%-16s %-12s %-18s %-10s %-10s %-10s %-11s %-19s %-17s %s\n", "ID", "ORGANISATION", "RIGHT", "RECEIVED", "DUE", "ANSWERED", "EXTENSION", "OUTCOME", "TIMELINESS", "NOTES")
	for _, r := range rows {
		fmt.Fprintf(w, "%-16s %-12s %-18s %-10s %-10s %-10s %-11s %-19s %-17s %s\n", r.ID, cases.Printable(r.Controller), r.Right,
			r.Received, r.Due, r.Answered, r.Extension, r.Outcome, r.Timeliness, reportNotes(&r.Timeline))
	}
	for _, id := range slices.Sorted(maps.Keys(byController)) {
		printTotals(w, id, totals(byController[id], rowsOf[id]))
	}
	if len(byController) != 1 {
		printTotals(w, "all organisations", totals(picked, rows))
	}
	return exitOK
}

// reportRows are the register's cases (one organisation, or all when
// controller is empty; received in the period) and their rows, each
// completed from its timeline: one read of the queue, one of the cases.
func reportRows(st storage.Service, controller string, from, to cases.Date, now time.Time) ([]cases.Summary, []export.ReportRow, error) {
	all, _, err := st.Queue(now)
	if err != nil {
		return nil, nil, err
	}
	picked, rows := export.ReportRows(all, controller, from, to)
	ids := make([]string, len(picked))
	for i := range picked {
		ids[i] = picked[i].ID
	}
	i := 0
	err = st.Each(ids, func(l *storage.Loaded) error {
		state, err := l.Case.DeriveDates(now)
		if err != nil {
			return fmt.Errorf("case %s: %w", l.Case.ID, err)
		}
		rows[i].AddTimeline(l.Case, state)
		i++
		return nil
	})
	return picked, rows, err
}

func dateOrEmpty(d cases.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func printTotals(w io.Writer, name string, t export.ReportTotals) {
	fmt.Fprintf(w, "\n%s: %s", cases.Printable(name), cases.Plural(t.Cases, "case"))
	for _, r := range slices.Sorted(maps.Keys(t.ByRight)) {
		fmt.Fprintf(w, ", %s %d", r, t.ByRight[r])
	}
	fmt.Fprintf(w, "\n  answered %d, on time %d (%.1f%%); days to answer (paused days excluded): median %.1f, 90th percentile %d\n",
		t.Answered, t.OnTime, 100*t.OnTimeRate, t.MedianDays, t.P90Days)
	fmt.Fprintf(w, "  the organisation's own promise kept in %d of %d answered cases that had one\n", t.PromisesKept, t.PromisesJudged)
	fmt.Fprintf(w, "  closed without an answer sent on record: %d\n", t.ClosedUnanswered)
	fmt.Fprintf(w, "  extensions %d: notice in time %d, notice late %d\n", t.Extensions, t.ExtensionsInForce, t.ExtensionsLate)
	fmt.Fprintf(w, "  answered with a draft %d; answers sent another way %d (letters sent another way %d)\n",
		t.AnsweredWithDraft, t.AnswersOutside, t.LettersOutside)
	rf := t.Refusals
	parts := []string{fmt.Sprintf("full %d, partial %d, told late %d", rf.Full, rf.Partial, rf.ToldLate),
		fmt.Sprintf("withheld files %d", rf.WithheldFiles)}
	for _, c := range []struct {
		what string
		m    map[string]int
	}{{"withheld by ground", rf.WithheldByGround}, {"refusing work results", rf.ItemsByResult}, {"kept by ground", rf.KeptByGround}} {
		if len(c.m) > 0 {
			parts = append(parts, c.what+": "+counts(c.m))
		}
	}
	fmt.Fprintf(w, "  refusals: %s\n", strings.Join(parts, "; "))
	fmt.Fprintf(w, "  entries recorded late %d, in %s\n", t.LateEntries, cases.Plural(t.CasesWithLate, "case"))
	if t.StoppedLate > 0 {
		fmt.Fprintf(w, "  processing stopped after the act-by date %d\n", t.StoppedLate)
	}
	if len(t.RefusalsByGround) > 0 {
		fmt.Fprint(w, "  refusals by ground:")
		for _, g := range slices.Sorted(maps.Keys(t.RefusalsByGround)) {
			fmt.Fprintf(w, " %s %d", g, t.RefusalsByGround[g])
		}
		fmt.Fprintln(w)
	}
}

// reportNotes are what a row of the text report says beside its
// timeliness: how the answer went, a refusal, what was recorded late.
func reportNotes(t *export.Timeline) string {
	var notes []string
	if t.AnsweredWithDraft {
		notes = append(notes, "answered with a draft")
	}
	if t.AnswerOutside {
		notes = append(notes, "sent another way")
	}
	if t.Refusal != "" {
		notes = append(notes, t.Refusal+" refusal")
	}
	if t.RefusalLate {
		notes = append(notes, "refusal told late")
	}
	if t.LateEntries > 0 {
		notes = append(notes, fmt.Sprintf("recorded late: %d", t.LateEntries))
	}
	return strings.Join(notes, "; ")
}

// counts writes a count per slug, sorted: "art17-3-b 2, art17-3-e 1".
func counts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", cases.Printable(k), m[k]))
	}
	return strings.Join(parts, ", ")
}
