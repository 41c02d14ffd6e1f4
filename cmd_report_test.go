package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

func TestReportByHand(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	// Everything is entered on 10 March from the paper file, and the
	// answers went out from the DPO's mailbox: what is tested is the day
	// each thing happened.
	step := func(args ...string) {
		t.Helper()
		args = append(args, "--late", "entered from the paper file")
		if args[0] == "send" {
			args = append(args, "--outside", "--reason", "sent from the DPO's mailbox")
		}
		if status, _, errOut := d.run(args...); status != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	a := d.add("--controller", "crisp", "--right", "access", "--received", "2026-01-05")
	step("send", a, "--letter", "final", "--at", "2026-01-20") // 15 days, on time (due 5 February)
	step("close", a, "--outcome", "fulfilled", "--at", "2026-01-20")
	b := d.add("--controller", "crisp", "--right", "erasure", "--received", "2026-01-05")
	step("send", b, "--letter", "final", "--at", "2026-02-10") // 36 days, late
	step("close", b, "--outcome", "fulfilled", "--at", "2026-02-10")
	c := d.add("--controller", "callrix", "--right", "access", "--received", "2026-02-02")
	step("request-id", c, "--reason", "two accounts", "--at", "2026-02-03")
	step("verify", c, "--method", "video call", "--at", "2026-02-09") // paused 3..9 February, both included: 7 days
	step("send", c, "--letter", "final", "--at", "2026-03-01")        // 27 - 7 = 20 days, on time
	dd := d.add("--controller", "crisp", "--right", "access", "--received", "2026-02-10")
	step("close", dd, "--outcome", "no-data", "--at", "2026-02-11") // closed, no answer on record
	e := d.add("--controller", "crisp", "--right", "objection", "--received", "2026-02-16")
	step("close", e, "--outcome", "refused", "--ground", "compelling-legitimate-grounds", "--reason", "fraud prevention", "--at", "2026-02-20")
	step("send", e, "--at", "2026-02-20") // the default letter of a closed case is the final one: 4 days
	d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-09")

	status, out, errOut := d.run("report", "--json")
	if status != 0 {
		t.Fatal(errOut)
	}
	var rep struct {
		Rows []struct {
			ID, Timeliness, Answered, Extension string
		}
		Totals       map[string]any
		ByController map[string]map[string]any `json:"by_controller"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{a: "on-time", b: "late", c: "on-time", dd: "closed-unanswered", e: "on-time"}
	if len(rep.Rows) != 6 {
		t.Fatalf("%d rows, want 6", len(rep.Rows))
	}
	for _, r := range rep.Rows {
		if w, ok := want[r.ID]; ok && r.Timeliness != w {
			t.Errorf("%s: %s, want %s", r.ID, r.Timeliness, w)
		}
	}
	// Days to answer 15, 36, 20, 4: median (15 + 20) / 2 = 17.5; p90 is the
	// 4th of 4 (nearest rank ceil(0.9 x 4)); on time 3 of 4.
	tot := rep.Totals
	if tot["answered"] != 4.0 || tot["on_time"] != 3.0 || tot["on_time_rate"] != 0.75 ||
		tot["median_days_to_answer"] != 17.5 || tot["p90_days_to_answer"] != 36.0 || tot["closed_without_answer_sent"] != 1.0 {
		t.Fatalf("totals %v", tot)
	}
	if g := tot["refusals_by_ground"].(map[string]any); g["compelling-legitimate-grounds"] != 1.0 {
		t.Fatalf("refusals by ground %v", g)
	}
	if cr := rep.ByController["crisp"]; cr["cases"] != 5.0 || cr["answered"] != 3.0 || cr["median_days_to_answer"] != 15.0 {
		t.Fatalf("crisp totals %v", cr)
	}

	// CSV: one header row, one row per case, ISO dates; the period and the
	// organisation narrow it.
	status, out, _ = d.run("report", "--csv", "--from", "2026-02-01", "--to", "2026-02-28", "--controller", "crisp")
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if status != 0 || err != nil || len(records) != 3 || records[0][0] != "controller" || records[1][4] != "2026-02-10" {
		t.Fatalf("csv: %d %v %q", status, err, out)
	}
	if status, _, errOut := d.run("report", "--controller", "acme"); status != 2 || !strings.Contains(errOut, "acme") {
		t.Fatalf("unknown organisation: %d %q", status, errOut)
	}
	if status, _, _ := d.run("report", "--from", "2026-03-01", "--to", "2026-02-01"); status != 2 {
		t.Fatal("a period that ends before it starts")
	}
	if status, out, _ := d.run("report"); status != 0 || !strings.Contains(out, "median 17.5, 90th percentile 36") {
		t.Fatalf("text report: %q", out)
	}
}

// TestReportJudgesTheLawAndThePromiseApart: Callrix promises an answer
// within 30 days, counted in calendar days from the receipt date and never
// rolled (2 January 2026 + 30 = Sunday 1 February); the law gives one month
// (Art. 12(3): 2 February 2026, a Monday). An answer sent on 2 February is
// on time in law, and the promise was not kept.
func TestReportJudgesTheLawAndThePromiseApart(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "callrix", "--right", "access", "--received", "2026-01-02")
	status, _, errOut := d.run("send", id, "--letter", "final", "--at", "2026-02-02", "--outside", "--reason", "sent from the DPO's mailbox",
		"--late", "entered from the sent folder")
	if status != 0 || !strings.Contains(errOut, "the promise not kept") || strings.Contains(errOut, "recorded as late") {
		t.Fatalf("send: %d %q, want a warning that the promise was not kept, not that the answer is late", status, errOut)
	}
	status, out, errOut := d.run("report", "--json")
	if status != 0 {
		t.Fatal(errOut)
	}
	var rep struct {
		Rows []struct {
			Due, Promised, Timeliness string
			PromiseKept               *bool `json:"promise_kept"`
		}
		Totals map[string]any
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Rows) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	r := rep.Rows[0]
	if r.Due != "2026-02-02" || r.Promised != "2026-02-01" || r.Timeliness != "on-time" || r.PromiseKept == nil || *r.PromiseKept {
		t.Errorf("row %+v (promise kept %v): want due 2026-02-02, promised 2026-02-01, on time, promise not kept", r, r.PromiseKept)
	}
	if rep.Totals["on_time"] != 1.0 || rep.Totals["promises_judged"] != 1.0 || rep.Totals["promises_kept"] != 0.0 {
		t.Errorf("totals %v", rep.Totals)
	}
}

// everyTimeline is a store whose register is worked out from the queue and
// every case's timeline (the path the team server's client takes), not
// from the stored report entries: Report is hidden.
type everyTimeline struct{ storage.Service }

// TestReportFromEntriesIsReportFromTimelines: on a demo database, then
// after changes that move a case's entry (a corrected receipt, a voided
// case, a refusal told, a new case), and a month later, the register read
// from the stored entries is byte for byte the register worked out from
// every case's timeline, in every format and with every filter.
func TestReportFromEntriesIsReportFromTimelines(t *testing.T) {
	personalOnly(t, "reads the local database both ways")
	db, env := reportDemo(t, "400", "5")
	every := [][]string{{}, {"--json"}, {"--csv"}, {"--controller", "crisp"}, {"--json", "--controller", "callrix"},
		{"--from", "2026-09-01", "--to", "2026-10-15"}, {"--json", "--from", "2026-10-01"}, {"--csv", "--to", "2026-10-31", "--controller", "crisp"}}
	compare := func(now string, variants [][]string) {
		t.Helper()
		env := map[string]string{"RIGHTSDESK_NOW": now}
		at, _ := time.Parse(time.RFC3339, now)
		for _, args := range variants {
			status, got, errOut := runCLI(t, env, append([]string{"report", "--db", db}, args...)...)
			if status != 0 {
				t.Fatalf("report %v: %s", args, errOut)
			}
			var o reportOptions
			var from, to cases.Date
			for i := 0; i < len(args); i++ {
				switch args[i] {
				case "--json":
					o.asJSON = true
				case "--csv":
					o.asCSV = true
				case "--controller":
					o.controller, i = args[i+1], i+1
				case "--from", "--to":
					d, err := cases.ParseDate(args[i+1])
					if err != nil {
						t.Fatal(err)
					}
					if args[i] == "--from" {
						from = d
					} else {
						to = d
					}
					i++
				}
			}
			var want bytes.Buffer
			r := newReportWriter(&want, o, from, to, at)
			st := storage.Open(db, storage.Options{})
			if err := reportEntries(everyTimeline{st}, o.controller, from, to, at, r.add); err != nil {
				t.Fatal(err)
			}
			if err := r.finish(); err != nil {
				t.Fatal(err)
			}
			if r.rows < 10 {
				t.Fatalf("report %v: %d rows, too few to tell", args, r.rows)
			}
			if got != want.String() {
				t.Fatalf("report %v as of %s: from the entries (%d bytes) differs from the timelines (%d bytes) at byte %d",
					args, now, len(got), want.Len(), firstDiff(got, want.String()))
			}
		}
	}
	compare("2026-11-30T12:00:00Z", every)
	_, out, _ := runCLI(t, env, "list", "--db", db, "--json")
	var open []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &open); err != nil {
		t.Fatal(err)
	}
	if len(open) < 3 {
		t.Fatalf("%d open cases", len(open))
	}
	for _, args := range [][]string{
		{"correct", open[0].ID, "--field", "received", "--value", "2026-08-20T10:00:00+02:00", "--reason", "the letter was misdated"},
		{"void", open[1].ID, "--reason", "recorded twice"},
		{"close", open[2].ID, "--outcome", "refused", "--ground", "manifestly-unfounded", "--reason", "the same request again"},
		{"send", open[2].ID, "--outside", "--reason", "sent from the DPO's mailbox"},
		{"add", "--controller", "crisp", "--right", "access", "--received", "2026-09-02", "--subject", "Ada Example", "--email", "ada@example.org"},
	} {
		if status, _, errOut := runCLI(t, env, append(args, "--db", db)...); status != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	compare("2026-11-30T12:00:00Z", every)
	compare("2027-01-04T09:00:00Z", every[:3])
}

// reportDemo is a demo database of that many cases from that seed, made
// as of 30 November 2026, and the environment that made it.
func reportDemo(t *testing.T, cases, seed string) (string, map[string]string) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "d.db")
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-30T12:00:00Z"}
	if status, _, errOut := runCLI(t, env, "demo", "--db", db, "--cases", cases, "--seed", seed); status != 0 {
		t.Fatal(errOut)
	}
	return db, env
}

func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// TestReportPipelineIsSequential: the register goes out through batches
// and several formatters (reportWriter); whatever the batch size and the
// number of formatters, each format's bytes are those of one batch
// written by one formatter: the rows in the order read, the JSON's commas
// between rows only, the CSV header once, and the totals of every row.
// A writer that fails part way stops the reading with its error.
func TestReportPipelineIsSequential(t *testing.T) {
	personalOnly(t, "reads the local database")
	db, _ := reportDemo(t, "300", "3")
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	st := storage.Open(db, storage.Options{})
	write := func(w io.Writer, o reportOptions, batch, formatters int) (*reportWriter, error) {
		t.Helper()
		r := newReportWriter(w, o, cases.Date{}, cases.Date{}, at)
		r.batchSize, r.formatters = batch, formatters
		if err := reportEntries(st, "", cases.Date{}, cases.Date{}, at, r.add); err != nil {
			_ = r.drain()
			return r, err
		}
		return r, r.finish()
	}
	for _, o := range []reportOptions{{}, {asJSON: true}, {asCSV: true}} {
		var one bytes.Buffer
		r, err := write(&one, o, 1<<30, 1)
		if err != nil {
			t.Fatal(err)
		}
		if r.rows < 300 {
			t.Fatalf("%d rows", r.rows)
		}
		for _, p := range [][2]int{{7, 3}, {1, 2}, {64, 4}, {299, 2}} {
			var got bytes.Buffer
			if _, err := write(&got, o, p[0], p[1]); err != nil {
				t.Fatal(err)
			}
			if got.String() != one.String() {
				t.Fatalf("%+v, batches of %d, %d formatters: differs from one batch at byte %d of %d", o, p[0], p[1],
					firstDiff(got.String(), one.String()), one.Len())
			}
		}
		if o.asJSON && !json.Valid(one.Bytes()) {
			t.Fatal("the JSON register does not read")
		}
	}
	full := errors.New("disk full")
	r, err := write(&failingWriter{left: 20_000, err: full}, reportOptions{asJSON: true}, 5, 2)
	if !errors.Is(err, full) {
		t.Fatalf("a writer that fails: %v", err)
	}
	if r.rows >= 300 {
		t.Fatalf("%d rows written after the writer failed", r.rows)
	}
}

// failingWriter takes left bytes, then fails with err.
type failingWriter struct {
	left int
	err  error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		return 0, w.err
	}
	w.left -= len(p)
	return len(p), nil
}
