package export

import (
	"encoding/csv"
	"os"
	"path/filepath"
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
			picked, rows := ReportRows(all, tt.controller, tt.from, tt.to)
			var got []string
			for i, r := range rows {
				if picked[i].ID != r.ID {
					t.Fatalf("row %d is %s, its case %s", i, r.ID, picked[i].ID)
				}
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
		if got := csvSafe(c.in); got != c.want {
			t.Errorf("csvSafe(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWriteReportFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	all := []cases.Summary{
		reportCase("DSR-1", "crisp", cases.NewDate(2026, 1, 5), cases.NewDate(2026, 2, 5), cases.Date{}, cases.StatusNew),
		reportCase("DSR-2", "callrix", cases.NewDate(2026, 1, 6), cases.NewDate(2026, 2, 6), cases.Date{}, cases.StatusNew),
	}
	path, err := WriteReportFile(all, "crisp", dir, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
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
