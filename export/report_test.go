package export

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
)

func reportCase(id, controller string, received cases.Date, due, answered cases.Date, status cases.Status) cases.Summary {
	return cases.Summary{ID: id, RequestID: id, Controller: controller, Right: cases.RightAccess, Status: status,
		ReceivedAt:  time.Date(received.Year, received.Month, received.Day, 9, 0, 0, 0, time.UTC),
		ReceiptDate: received, EffectiveDue: due, AnsweredOn: answered}
}

func TestReportRows(t *testing.T) {
	d := cases.NewDate
	all := []cases.Summary{
		reportCase("DSR-3", "crisp", d(2026, 2, 10), d(2026, 3, 10), cases.Date{}, cases.StatusInProgress),
		reportCase("DSR-1", "crisp", d(2026, 1, 5), d(2026, 2, 5), d(2026, 1, 20), cases.StatusClosed),
		reportCase("DSR-2", "crisp", d(2026, 1, 5), d(2026, 2, 5), d(2026, 2, 10), cases.StatusClosed),
		reportCase("DSR-4", "callrix", d(2026, 2, 2), d(2026, 3, 9), cases.Date{}, cases.StatusClosed),
		reportCase("DSR-5", "crisp", d(2026, 3, 1), d(2026, 4, 1), cases.Date{}, cases.StatusNew),
	}
	all[3].ClosedAt = time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		controller string
		from, to   cases.Date
		want       []string // ID:timeliness in the order they came in
	}{
		{"everything", "", cases.Date{}, cases.Date{}, []string{"DSR-1:on-time", "DSR-2:late", "DSR-4:closed-unanswered", "DSR-3:open", "DSR-5:open"}},
		{"one organisation", "crisp", cases.Date{}, cases.Date{}, []string{"DSR-1:on-time", "DSR-2:late", "DSR-3:open", "DSR-5:open"}},
		{"a period, both ends included", "", d(2026, 1, 5), d(2026, 2, 10), []string{"DSR-1:on-time", "DSR-2:late", "DSR-4:closed-unanswered", "DSR-3:open"}},
		{"nothing", "nobody", cases.Date{}, cases.Date{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range cases.ReportCases(all, tt.controller, tt.from, tt.to) {
				r := NewReportRow(&s)
				got = append(got, r.ID+":"+r.Timeliness)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReportCSVKeepsFormulasOut(t *testing.T) {
	s := reportCase("DSR-1", "=HYPERLINK(\"http://x\")", cases.NewDate(2026, 1, 5), cases.NewDate(2026, 2, 5), cases.Date{}, cases.StatusNew)
	s.Grounds = []cases.Ground{cases.GroundExcessive, cases.GroundManifestlyUnfounded}
	var b strings.Builder
	if err := WriteReportCSV(&b, []ReportRow{NewReportRow(&s)}); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil || len(records) != 2 {
		t.Fatalf("%v: %q", err, b.String())
	}
	if records[0][0] != "controller" || records[1][0] != `'=HYPERLINK("http://x")` || records[1][10] != "excessive;manifestly-unfounded" {
		t.Errorf("rows %q", records)
	}
	for _, c := range []struct{ in, want string }{{"+1", "'+1"}, {"-1", "'-1"}, {"@x", "'@x"}, {"\tx", "'\tx"}, {"crisp", "crisp"}, {"", ""}} {
		if got := safeCell(c.in); got != c.want {
			t.Errorf("safeCell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWriteReportFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	all := []cases.Summary{
		reportCase("DSR-1", "crisp", cases.NewDate(2026, 1, 5), cases.NewDate(2026, 2, 5), cases.Date{}, cases.StatusNew),
		reportCase("DSR-2", "callrix", cases.NewDate(2026, 1, 6), cases.NewDate(2026, 2, 6), cases.Date{}, cases.StatusNew),
	}
	var rows []ReportRow
	for _, s := range cases.ReportCases(all, "crisp", cases.Date{}, cases.Date{}) {
		rows = append(rows, NewReportRow(&s))
	}
	path, err := WriteReportFile(rows, "crisp", dir, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "register-crisp-2026-03-10T120000Z.csv" {
		t.Errorf("named %s", path)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "crisp,DSR-1,") || strings.Contains(string(data), "DSR-2") {
		t.Errorf("the register of crisp:\n%s", data)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the file must be private: %v %v", info.Mode(), err)
	}
}

// timelineCase is a Crisp case of right built through the domain's rules
// (cases.Apply), each event an hour after the one before, and its row with
// what its timeline says.
type timelineCase struct {
	t   *testing.T
	c   *cases.Case
	now time.Time
}

func newTimelineCase(t *testing.T, right cases.Right) *timelineCase {
	t.Helper()
	reg, err := registers(t).Get("crisp")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := reg.Rules("")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cs, err := cases.NewCases(cases.Intake{Controller: "crisp", Rights: []cases.Right{right},
		Subject: cases.Subject{Name: "Zoé Lefèvre", Email: "zoe@example.org"}, ReceivedAt: at}, rules, at, "anna")
	if err != nil {
		t.Fatal(err)
	}
	cs[0].ID = "DSR-2026-000001"
	return &timelineCase{t: t, c: cs[0], now: at}
}

func (tc *timelineCase) do(evs ...cases.Event) *timelineCase {
	tc.t.Helper()
	for _, ev := range evs {
		tc.now = tc.now.Add(time.Hour)
		ev.Actor = "anna"
		done, _, err := cases.Apply(tc.c, ev, tc.now)
		if err != nil {
			tc.t.Fatalf("%s: %v", ev.Kind, err)
		}
		tc.c.Events = append(tc.c.Events, done)
	}
	return tc
}

func (tc *timelineCase) entry() cases.ReportEntry {
	tc.t.Helper()
	st, err := tc.c.Derive(tc.now)
	if err != nil {
		tc.t.Fatal(err)
	}
	sum := cases.Summarize(tc.c, st, len(tc.c.Events))
	return cases.NewReportEntry(tc.c, st, &sum)
}

func (tc *timelineCase) row() ReportRow {
	e := tc.entry()
	return NewReportRowOf(&e)
}

// tally adds up the entries of tcs.
func tally(tcs ...*timelineCase) ReportTotals {
	t := NewReportTally(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	for _, tc := range tcs {
		e := tc.entry()
		t.Add(&e)
	}
	return t.Totals()
}

// TestReportCountsTheTimeline: a draft that went out, a letter sent
// another way, full and partial refusals with their grounds (a kept item,
// a withheld file) and an entry recorded late are in the rows and the
// totals (WORK.md, "Report").
func TestReportCountsTheTimeline(t *testing.T) {
	until := cases.NewDate(2036, 3, 2)
	partialCase := newTimelineCase(t, cases.RightErasure).do(
		cases.Event{Kind: cases.EventWorkAdded, System: &cases.System{Name: "our customer database"}},
		cases.Event{Kind: cases.EventWorkAdded, System: &cases.System{Name: "the 2019 archive"}},
		cases.Event{Kind: cases.EventAttached, Attachment: &cases.Attachment{Name: "orders.csv", Kind: cases.AttachmentDataCopy, Size: 3,
			SHA256: strings.Repeat("ab", 32)}},
		cases.Event{Kind: cases.EventWithheld, File: "orders.csv", Grounds: []cases.Ground{cases.GroundRightsOfOthers}, Reason: "names another customer"},
		cases.Event{Kind: cases.EventWorked, Item: "our-customer-database", Result: cases.ResultErased},
		cases.Event{Kind: cases.EventWorked, Item: "the-2019-archive", Result: cases.ResultKept, Grounds: []cases.Ground{cases.GroundArt17_3b},
			What: "invoices", Law: "Code de commerce, art. L123-22", Until: &until},
		cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomePartiallyFulfilled, Grounds: []cases.Ground{cases.GroundArt17_3b},
			Reason: "invoices are kept for ten years"},
		cases.Event{Kind: cases.EventExported, Letter: cases.LetterFinal, Draft: true, Checksum: strings.Repeat("cd", 32)},
		cases.Event{Kind: cases.EventSent, Letter: cases.LetterFinal, DraftSent: true, Reason: "posted before the register was complete"},
	)
	partial := partialCase.row()
	full := newTimelineCase(t, cases.RightAccess)
	full.now = full.now.Add(72 * time.Hour) // the closing is entered three days on
	full.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeRefused, Grounds: []cases.Ground{cases.GroundManifestlyUnfounded},
		Reason: "the fifth identical request this month", At: time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC), Late: "decided at the desk, entered later"},
		cases.Event{Kind: cases.EventSent, Letter: cases.LetterFinal, Outside: true, Reason: "written by the lawyer"})
	fullRow := full.row()

	p, f := partial.Timeline, fullRow.Timeline
	if !p.AnsweredWithDraft || p.AnswerOutside || p.Refusal != "partial" || p.LateEntries != 0 ||
		strings.Join(p.RefusedItems, ";") != "the-2019-archive: kept (art17-3-b)" || strings.Join(p.WithheldFiles, ";") != "orders.csv (rights-of-others)" ||
		p.WorkItems != 8 || p.WorkOpen != 6 { // Crisp's six systems are left open: the answer went as a draft
		t.Errorf("the partial refusal: %+v", p)
	}
	if f.AnsweredWithDraft || !f.AnswerOutside || f.LettersOutside != 1 || f.Refusal != "full" || f.LateEntries != 1 || len(f.RefusedItems) != 0 {
		t.Errorf("the full refusal: %+v", f)
	}
	rows := []ReportRow{partial, fullRow}
	tot := tally(partialCase, full)
	r := tot.Refusals
	if tot.AnsweredWithDraft != 1 || tot.AnswersOutside != 1 || tot.LateEntries != 1 || tot.CasesWithLate != 1 ||
		r.Full != 1 || r.Partial != 1 || r.ItemsByResult["kept"] != 1 || r.KeptByGround["art17-3-b"] != 1 ||
		r.WithheldFiles != 1 || r.WithheldByGround["rights-of-others"] != 1 {
		t.Errorf("totals %+v", tot)
	}
	// New columns come after the old ones, which keep their places.
	var b strings.Builder
	if err := WriteReportCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil || len(records) != 3 {
		t.Fatalf("%v %q", err, b.String())
	}
	if records[0][13] != "promise_kept" || records[0][14] != "answered_with_draft" || records[1][14] != "yes" || records[2][15] != "yes" ||
		records[1][17] != "partial" || records[2][17] != "full" || records[2][21] != "1" {
		t.Errorf("csv %q", records)
	}
}

// TestReportStoppedAfterActBy: an objection to direct marketing takes
// effect when received: Crisp's act-by date is 2 working days after Monday
// 2 March 2026 (Wednesday 4 March, French calendar); marketing stopped on
// 6 March is late, and the report says so.
func TestReportStoppedAfterActBy(t *testing.T) {
	late := newTimelineCase(t, cases.RightObjection)
	late.now = time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC)
	row := late.do(cases.Event{Kind: cases.EventWorked, Item: "marketing", Result: cases.ResultStopped}).row()
	if got := strings.Join(row.StoppedLate, ";"); got != "marketing (stopped 2026-03-06, act by 2026-03-04)" {
		t.Errorf("stopped late: %q", got)
	}
	inTimeCase := newTimelineCase(t, cases.RightObjection).do(cases.Event{Kind: cases.EventWorked, Item: "marketing",
		Result: cases.ResultStopped})
	if inTime := inTimeCase.row(); len(inTime.StoppedLate) != 0 {
		t.Errorf("stopped on the day of receipt: %v", inTime.StoppedLate)
	}
	totals := tally(late, inTimeCase)
	if totals.StoppedLate != 1 {
		t.Errorf("totals: %d stopped late", totals.StoppedLate)
	}
}

// TestReportRowJSONIsCasesJSON: the row writer without reflection writes
// the bytes cases.JSON writes, whatever the text: quotes, controls, HTML,
// invalid UTF-8, line separators, the characters EscapeJSON hides.
func TestReportRowJSONIsCasesJSON(t *testing.T) {
	texts := []string{"", "crisp", `a "quoted" \ back`, "tab\tnew\nline\r\b\f\x00\x1f\x7f", "<script>&amp;</script>",
		"bad \xff\xfe utf-8", "line\u2028para\u2029", "bidi \u202e\u2066\u200f\u061c c1 \u0085\u009b", "Zoé Lefèvre 日本 🙂"}
	kept := true
	for i, text := range texts {
		row := ReportRow{Controller: text, ID: "DSR-" + text, RequestID: text, Right: "access", Received: "2026-01-05",
			Grounds: []string{text, "x"}, Timeliness: text, Timeline: Timeline{Refusal: text, RefusedItems: []string{},
				WithheldFiles: []string{text}, StoppedLate: []string{}, Approvals: []string{text, text}, LettersOutside: i, LateEntries: i * 3}}
		switch i % 3 {
		case 1:
			row.PromiseKept = &kept
		case 2:
			row.Grounds, row.Approvals = nil, nil // null, as encoding/json writes a nil list
		}
		want, err := cases.JSON(row)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendReportRowJSON([]byte("x"), &row); string(got) != "x"+string(want) {
			t.Errorf("%q:\n got %s\nwant %s", text, got[1:], want)
		}
	}
}

// TestReportTallyMerged: the totals of all organisations merged from each
// one's are the totals of every entry added to one tally.
func TestReportTallyMerged(t *testing.T) {
	now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	d := cases.NewDate
	var entries []cases.ReportEntry
	for i := range 60 {
		s := reportCase(fmt.Sprintf("DSR-%d", i), []string{"crisp", "callrix", "closeq"}[i%3], d(2026, 1, 1+i%28), d(2026, 2, 1+i%28),
			cases.Date{}, []cases.Status{cases.StatusClosed, cases.StatusInProgress, cases.StatusNew, cases.StatusClosed}[i%4])
		if i%2 == 0 {
			s.AnsweredOn = d(2026, 1, 10+i%19)
		}
		s.Right = []cases.Right{cases.RightAccess, cases.RightErasure, cases.RightObjection}[i%3]
		s.Extension = cases.ExtensionState(i % 4)
		s.PausedDays, s.PromiseDue = i%5, d(2026, 1, 20)
		if i%7 == 0 {
			s.Grounds, s.Outcome = []cases.Ground{cases.GroundExcessive}, cases.OutcomeRefused
		}
		e := cases.ReportEntry{Summary: s, AnsweredWithDraft: i%6 == 0, AnswerOutside: i%4 == 1, LettersOutside: i % 3,
			RefusalLate: i%9 == 0, LateEntries: i % 2, StoppedLate: make([]string, i%3)}
		if i%5 == 0 {
			e.Refusal, e.Refused = "partial", []cases.RefusedItem{{Item: "crm", Result: "kept", Ground: "art17-3-b"}}
			e.Withheld = []cases.WithheldFile{{Name: "a.csv", Ground: "rights-of-others"}}
		}
		entries = append(entries, e)
	}
	one := NewReportTally(now)
	per := map[string]*ReportTally{}
	for i := range entries {
		one.Add(&entries[i])
		c := entries[i].Summary.Controller
		if per[c] == nil {
			per[c] = NewReportTally(now)
		}
		per[c].Add(&entries[i])
	}
	merged := NewReportTally(now)
	for _, c := range []string{"closeq", "crisp", "callrix"} {
		per[c].Totals() // a tally's totals taken before it is merged change nothing
		merged.Merge(per[c])
	}
	want, got := one.Totals(), merged.Totals()
	if !reflect.DeepEqual(got, want) || want.Cases != 60 || want.Answered == 0 || want.Refusals.Partial == 0 {
		t.Errorf("merged\n %+v\nwant\n %+v", got, want)
	}
}
