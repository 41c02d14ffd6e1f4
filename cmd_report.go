package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	r := newReportWriter(a.stdout, o, fromDate, toDate, now)
	// The rows go out as the entries are read, the totals after them: a
	// register of a million cases is never held whole. A store that fails
	// part way has printed the rows before it.
	if err := reportEntries(a.cases(a.dbPath(o.db)), o.controller, fromDate, toDate, now, r.add); err != nil {
		if werr := r.drain(); werr == nil && r.rows > 0 {
			_ = r.w.Flush()
		}
		return a.storeFailure(err)
	}
	if err := r.finish(); err != nil {
		return a.fail(exitStore, fmt.Errorf("report: %w", err))
	}
	return exitOK
}

// newReportWriter is the writer of a register in the format o asks for.
// Nothing is written before the first row, or the end: a store that
// cannot be read leaves one line, its error.
func newReportWriter(w io.Writer, o reportOptions, from, to cases.Date, now time.Time) *reportWriter {
	return &reportWriter{w: bufio.NewWriterSize(w, 1<<16), o: o, from: from, to: to, now: now, all: export.NewReportTally(now),
		per: map[string]*export.ReportTally{}, batchSize: reportBatchSize, formatters: min(max(runtime.GOMAXPROCS(0), 1), 4)}
}

// A register goes out through a pipeline, so that a million rows take the
// machine's cores, not one: the store's reader hands the entries on in
// batches, in order; formatters (one a core, up to 4) each write the rows
// of a batch into bytes of its own; the writer takes the batches in the
// order read, adds their entries up and writes their bytes. What goes out
// is byte for byte what one goroutine writing row after row would write
// (TestReportPipelineIsSequential). At most reportBatches batches are on
// their way at once: the reader waits for one to come back.
const (
	reportBatchSize = 512
	reportBatches   = 8
)

// reportBatch is a run of entries on its way through the pipeline.
type reportBatch struct {
	entries []cases.ReportEntry
	out     []byte        // their rows, formatted
	done    chan struct{} // closed when out is written
}

// reportWriter writes the register in one of its formats as the entries
// come, in its order, and adds them up for the totals at the end.
type reportWriter struct {
	w        *bufio.Writer
	o        reportOptions
	from, to cases.Date
	now      time.Time
	begun    bool
	buf      []byte // the JSON header, then the end
	rows     int    // rows written (the writer's, until it is done)
	all      *export.ReportTally
	per      map[string]*export.ReportTally

	batchSize, formatters int
	cur                   *reportBatch
	started               bool
	work, order, free     chan *reportBatch
	written               chan struct{} // closed when the writer is done
	failed                atomic.Pointer[error]
}

// add hands a copy of e on to the pipeline; an error is the writer's, which
// stops the reading.
func (r *reportWriter) add(e *cases.ReportEntry) error {
	if err := r.failed.Load(); err != nil {
		return *err
	}
	if !r.started {
		r.start()
	}
	if r.cur == nil {
		r.cur = <-r.free
		r.cur.entries, r.cur.out, r.cur.done = r.cur.entries[:0], r.cur.out[:0], make(chan struct{})
	}
	r.cur.entries = append(r.cur.entries, *e)
	if len(r.cur.entries) >= r.batchSize {
		r.send()
	}
	return nil
}

// start starts the formatters and the writer.
func (r *reportWriter) start() {
	r.started = true
	r.work, r.order, r.free = make(chan *reportBatch, reportBatches), make(chan *reportBatch, reportBatches), make(chan *reportBatch, reportBatches)
	for range reportBatches {
		r.free <- &reportBatch{}
	}
	r.written = make(chan struct{})
	var formatting sync.WaitGroup
	for range r.formatters {
		formatting.Go(func() {
			f := r.newFormatter()
			for b := range r.work {
				b.out = f.format(b.out, b.entries)
				close(b.done)
			}
		})
	}
	go func() {
		defer close(r.written)
		for b := range r.order {
			<-b.done
			if r.failed.Load() == nil {
				if err := r.write(b); err != nil {
					r.failed.Store(&err)
				}
			}
			r.free <- b
		}
		formatting.Wait()
	}()
}

// send puts the batch being filled on its way.
func (r *reportWriter) send() {
	r.order <- r.cur
	r.work <- r.cur
	r.cur = nil
}

// drain sends the last batch and waits until every batch is written; it
// is the writer's error, if any.
func (r *reportWriter) drain() error {
	if r.started {
		if r.cur != nil && len(r.cur.entries) > 0 {
			r.send()
		}
		close(r.work)
		close(r.order)
		<-r.written
		r.started = false
	}
	if err := r.failed.Load(); err != nil {
		return *err
	}
	return nil
}

// write adds a formatted batch's entries up and writes its rows (the
// header first, before the first row).
func (r *reportWriter) write(b *reportBatch) error {
	if !r.begun {
		r.begin()
	}
	out := b.out
	if r.rows == 0 && r.o.asJSON {
		// The header, kept by begin; the first row has no comma before it.
		if _, err := r.w.Write(r.buf); err != nil {
			return err
		}
		r.buf, out = r.buf[:0], out[1:]
	}
	for i := range b.entries {
		e := &b.entries[i]
		t := r.per[e.Summary.Controller]
		if t == nil {
			t = export.NewReportTally(r.now)
			r.per[e.Summary.Controller] = t
		}
		t.Add(e)
	}
	r.rows += len(b.entries)
	_, err := r.w.Write(out)
	return err
}

// begin writes the header of the format (CSV) or keeps it for the first
// row (JSON).
func (r *reportWriter) begin() {
	r.begun = true
	switch {
	case r.o.asCSV:
		_ = export.NewReportCSV(r.w).Flush() // an error shows when w is written again
	case r.o.asJSON:
		r.buf = fmt.Appendf(r.buf, `{"from":%s,"to":%s,"rows":[`, jsonString(dateOrEmpty(r.from)), jsonString(dateOrEmpty(r.to)))
	default:
		fmt.Fprintf(r.w, reportTextRow, "ID", "ORGANISATION", "RIGHT", "RECEIVED", "DUE", "ANSWERED", "EXTENSION", "OUTCOME", "TIMELINESS", "NOTES")
	}
}

// reportTextRow lays out a row of the register as text, the header's too.
const reportTextRow = "%-16s %-12s %-18s %-10s %-10s %-10s %-11s %-19s %-17s %s\n"

// reportFormatter writes rows in the register's format; each formatter
// has its own.
type reportFormatter struct {
	o   reportOptions
	row export.ReportRow // the row being written, reused
	csv *export.ReportCSV
	to  *[]byte // where csv writes
}

func (r *reportWriter) newFormatter() *reportFormatter {
	f := &reportFormatter{o: r.o, to: new([]byte)}
	if r.o.asCSV {
		f.csv = export.NewReportCSVRows(byteAppender{f.to})
	}
	return f
}

// format appends the rows of entries to out: in JSON each after a comma.
func (f *reportFormatter) format(out []byte, entries []cases.ReportEntry) []byte {
	row := &f.row
	if f.csv != nil {
		*f.to = out
	}
	for i := range entries {
		row.Fill(&entries[i])
		switch {
		case f.csv != nil:
			f.csv.Write(row)
		case f.o.asJSON:
			out = export.AppendReportRowJSON(append(out, ','), row)
		default:
			out = fmt.Appendf(out, reportTextRow, row.ID, cases.Printable(row.Controller), row.Right,
				row.Received, row.Due, row.Answered, row.Extension, row.Outcome, row.Timeliness, reportNotes(&row.Timeline))
		}
	}
	if f.csv != nil {
		_ = f.csv.Flush() // appending to bytes does not fail
		out = *f.to
	}
	return out
}

// byteAppender is an io.Writer that appends to a byte slice.
type byteAppender struct{ b *[]byte }

func (a byteAppender) Write(p []byte) (int, error) {
	*a.b = append(*a.b, p...)
	return len(p), nil
}

// finish writes the totals (JSON and text) and flushes.
func (r *reportWriter) finish() error {
	if err := r.drain(); err != nil {
		return err
	}
	if !r.begun {
		r.begin()
	}
	for _, id := range slices.Sorted(maps.Keys(r.per)) {
		r.all.Merge(r.per[id]) // each case was added to its organisation's tally only
	}
	switch {
	case r.o.asCSV:
	case r.o.asJSON:
		per := map[string]export.ReportTotals{}
		for id, t := range r.per {
			per[id] = t.Totals()
		}
		totals, err := cases.JSON(r.all.Totals())
		if err != nil {
			return err
		}
		byController, err := cases.JSON(per)
		if err != nil {
			return err
		}
		r.buf = append(append(append(append(r.buf, `],"totals":`...), totals...), `,"by_controller":`...), byController...)
		if _, err := r.w.Write(append(r.buf, "}\n"...)); err != nil {
			return err
		}
	default:
		for _, id := range slices.Sorted(maps.Keys(r.per)) {
			printTotals(r.w, id, r.per[id].Totals())
		}
		if len(r.per) != 1 {
			printTotals(r.w, "all organisations", r.all.Totals())
		}
	}
	return r.w.Flush()
}

// jsonString is s as a JSON string, as cases.JSON writes it.
func jsonString(s string) []byte {
	b, _ := cases.JSON(s)
	return b
}

// reportEntries calls emit with the report entry of each case in the
// register (cases.InReport), in its order: from the stored entries, read
// by the local store (storage.Store.Report) or by the team server for the
// caller's organisations (server.Client.Report); else from the queue and
// each case's timeline, the entry worked out by the same function the
// store uses when it writes one (the check that the two agree).
func reportEntries(st storage.Service, controller string, from, to cases.Date, now time.Time, emit func(*cases.ReportEntry) error) error {
	if s, ok := st.(interface {
		Report(controller string, from, to cases.Date, now time.Time, emit func(*cases.ReportEntry) error) error
	}); ok {
		return s.Report(controller, from, to, now, emit)
	}
	all, _, err := st.Queue(now)
	if err != nil {
		return err
	}
	picked := cases.ReportCases(all, controller, from, to)
	ids := make([]string, len(picked))
	for i := range picked {
		ids[i] = picked[i].ID
	}
	i := 0
	return st.Each(ids, func(l *storage.Loaded) error {
		state, err := l.Case.DeriveDates(now)
		if err != nil {
			return fmt.Errorf("case %s: %w", l.Case.ID, err)
		}
		e := cases.NewReportEntry(l.Case, state, &picked[i])
		i++
		return emit(&e)
	})
}

// reportRows are the register's rows (one organisation, or all when
// controller is empty; received in the period), for a file.
func reportRows(st storage.Service, controller string, from, to cases.Date, now time.Time) ([]export.ReportRow, error) {
	var rows []export.ReportRow
	err := reportEntries(st, controller, from, to, now, func(e *cases.ReportEntry) error {
		rows = append(rows, export.NewReportRowOf(e))
		return nil
	})
	return rows, err
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
