package ui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// addCase records one access request (by e-mail, in Paris) and returns its ID.
func addCase(t *testing.T, s *storage.Store, c *clock, org, name string, received time.Time) string {
	t.Helper()
	cs, err := s.Add(cases.Intake{Controller: org, Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: name, Email: strings.ToLower(strings.Fields(name)[0]) + "@example.org"}, ReceivedAt: received},
		paris, c.t, "anna")
	if err != nil {
		t.Fatal(err)
	}
	return cs[0].ID
}

// apply records an event on a case, as anna.
func apply(t *testing.T, s *storage.Store, c *clock, id string, ev cases.Event) {
	t.Helper()
	ev.Actor = "anna"
	if _, err := s.Apply(id, ev, storage.NoRevision, c.t); err != nil {
		t.Fatal(err)
	}
}

// queueModel is the app on a store, at a size, its queue loaded.
func queueModel(t *testing.T, s *storage.Store, c *clock, w, h int) Model {
	t.Helper()
	m := New(Options{Store: s, Clock: c, Actor: "anna", Title: "test", Tick: time.Millisecond, Poll: time.Millisecond})
	m = drive(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return drive(t, m, m.loadQueue("")())
}

// rowIDs are the case IDs of the queue's rows, top to bottom.
func rowIDs(m Model) []string {
	var out []string
	for _, l := range strings.Split(frame(m), "\n")[2:] {
		if f := strings.Fields(strings.TrimLeft(l, "!· ")); len(f) > 0 && strings.HasPrefix(f[0], "DSR-") {
			out = append(out, f[0])
		}
	}
	return out
}

// footerLine is the line above the keys: the filter, the count, the order.
func footerLine(m Model) string {
	lines := strings.Split(frame(m), "\n")
	return lines[len(lines)-2]
}

// withUnsent is the fixture and a fourth case, received 3 March (due at the
// end of Friday 3 April in Paris, a day on), closed as fulfilled with no
// letter sent.
func withUnsent(t *testing.T) (*storage.Store, *clock, []string) {
	s, c, ids := fixture(t)
	id := addCase(t, s, c, "crisp", "Fryderyk Unsent", time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	apply(t, s, c, id, cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	return s, c, append(ids, id)
}

// TestAnswerNotSentInTheQueue (issue 19, item 3): a case closed without
// its answer is urgent by its due date, in the queue's order and marker;
// u shows it alone; the overview counts it and u there opens the queue on
// it.
func TestAnswerNotSentInTheQueue(t *testing.T) {
	s, c, ids := withUnsent(t)
	m := queueModel(t, s, c, 80, 24)
	if got := rowIDs(m); !slices.Equal(got, []string{ids[0], ids[3], ids[1], ids[2]}) {
		t.Fatalf("urgency order %v:\n%s", got, frame(m))
	}
	row := strings.Split(frame(m), "\n")[3]
	if !strings.HasPrefix(row, "! "+ids[3]) || !strings.Contains(row, "not sent") || !strings.Contains(row, "1d 3h") {
		t.Errorf("the row of the answer not sent: %q", row)
	}
	m = press(t, m, "u")
	if got := rowIDs(m); !slices.Equal(got, []string{ids[3]}) || !strings.Contains(footerLine(m), "filter: answer not sent — 1 of 4 cases") {
		t.Errorf("u shows %v:\n%s", got, frame(m))
	}
	m = press(t, m, "u", "v")
	out := frame(m)
	if !strings.Contains(out, "answer not sent 1 (u shows them)") {
		t.Fatalf("the overview counts it:\n%s", out)
	}
	m = press(t, m, "u")
	if m.screen != screenQueue || !slices.Equal(rowIDs(m), []string{ids[3]}) {
		t.Fatalf("u on the overview opens the queue on it:\n%s", frame(m))
	}
}

// TestDueWithinSevenDaysCountsTheSame (issue 19, item 11): the overview's
// "due within 7 days" and the rows the queue's w shows are one count, the
// answer not sent due tomorrow included; and the header's overdue
// is the overview's.
func TestDueWithinSevenDaysCountsTheSame(t *testing.T) {
	s, c, _ := withUnsent(t)
	m := queueModel(t, s, c, 80, 24)
	ov := frame(press(t, m, "v"))
	if !strings.Contains(ov, "due within 7 days (overdue included) 2") {
		t.Fatalf("the overview's count:\n%s", ov)
	}
	w := press(t, m, "w")
	if got := footerLine(w); !strings.Contains(got, "due within 7 days — 2 of 4 cases") || len(rowIDs(w)) != 2 {
		t.Fatalf("w shows: %q\n%s", got, frame(w))
	}
	// A day on, the unsent case is overdue in both.
	c.t = c.t.Add(4 * 24 * time.Hour)
	m = queueModel(t, s, c, 80, 24)
	if head := strings.Split(frame(m), "\n")[0]; !strings.Contains(head, "2 overdue") {
		t.Errorf("the header: %q", head)
	}
	if ov := frame(press(t, m, "v")); !strings.Contains(ov, "overdue 2") {
		t.Errorf("the overview:\n%s", ov)
	}
	if o := press(t, m, "o"); len(rowIDs(o)) != 2 {
		t.Errorf("o shows %v", rowIDs(o))
	}
}

// TestOverviewShowsTheCurrentWeek (issue 19, item 11): however many
// organisations the figures list, the intake chart's current week (the
// week of 2 April 2026 starts on Monday 30 March) is on screen at 80x24,
// and in a window of 14 lines.
func TestOverviewShowsTheCurrentWeek(t *testing.T) {
	s := initialised(t, filepath.Join(t.TempDir(), "cases.db"), storage.Options{GivenTimes: true})
	c := &clock{t: time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC)}
	for i := range 64 {
		addCase(t, s, c, fmt.Sprintf("organisation-%02d", i), "Subject Number", time.Date(2026, 3, 31-i%20, 9, 0, 0, 0, time.UTC))
	}
	for _, h := range []int{24, 14} {
		m := press(t, queueModel(t, s, c, 80, h), "v")
		out := frame(m)
		if !strings.Contains(out, "Requests received per week") || !strings.Contains(out, "2026-03-30") {
			t.Errorf("80x%d: the current week is not shown:\n%s", h, out)
		}
		if n := len(strings.Split(out, "\n")); n != h {
			t.Errorf("80x%d: %d lines", h, n)
		}
	}
}

// TestSortOrders (issue 19, item 10): S cycles urgency, received (newest
// first), organisation and assignee, each said on the filter line; ties
// keep the urgency order; a quick filter narrows the sorted rows.
func TestSortOrders(t *testing.T) {
	s, c, ids := fixture(t)
	dora := addCase(t, s, c, "acme", "Dora Acme", time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC))
	emil := addCase(t, s, c, "crisp", "Emil Late", time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC))
	apply(t, s, c, ids[0], cases.Event{Kind: cases.EventAssigned, Assignee: "marc"})
	apply(t, s, c, dora, cases.Event{Kind: cases.EventAssigned, Assignee: "zofia"})
	apply(t, s, c, emil, cases.Event{Kind: cases.EventAssigned, Assignee: "anna"})
	m := queueModel(t, s, c, 80, 24)
	urgency := []string{ids[0], dora, ids[1], emil, ids[2]}
	for _, step := range []struct {
		said string
		want []string
	}{
		{"", urgency},
		{"sorted by received, newest first", []string{emil, ids[1], dora, ids[2], ids[0]}},
		{"sorted by organisation", []string{dora, ids[0], ids[1], emil, ids[2]}},
		{"sorted by assignee", []string{emil, ids[0], dora, ids[1], ids[2]}},
		{"", urgency},
	} {
		if step.said != "" || !slices.Equal(rowIDs(m), urgency) {
			m = press(t, m, "S")
		}
		if got := rowIDs(m); !slices.Equal(got, step.want) {
			t.Errorf("%q: rows %v, want %v", step.said, got, step.want)
		}
		if line := footerLine(m); step.said != "" && !strings.Contains(line, step.said) || step.said == "" && strings.Contains(line, "sorted") {
			t.Errorf("%q: the filter line says %q", step.said, line)
		}
		if m.queue.cursor != 0 {
			t.Errorf("%q: a new order is read from its top; the cursor is on row %d", step.said, m.queue.cursor)
		}
	}
	m = press(t, m, "S", "S", "S", "w") // by assignee, due within 7 days
	if got := rowIDs(m); !slices.Equal(got, []string{ids[0]}) || !strings.Contains(footerLine(m), "due within 7 days — 1 of 5 cases · sorted by assignee") {
		t.Errorf("a filter with a sort: %v, %q", got, footerLine(m))
	}
}

// TestQueueAtNarrowWidths (issue 19, item 13): at 60 columns the
// organisation is abbreviated, not gone, beside the ID, the subject, the
// status and the countdown; at 40 the ID, a part of the subject and the
// countdown are left; no line is wider than the window.
func TestQueueAtNarrowWidths(t *testing.T) {
	s, c, _ := fixture(t)
	id := addCase(t, s, c, "crystalqore", "Hannah Köhler", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		width       int
		title, want []string
		not         []string
	}{
		{60, []string{"ID", "ORG", "SUBJECT", "STATUS", "DUE"}, []string{"!! " + id, "crys…", "Hannah Kö", "new", "d OVERDUE"}, []string{"access", "WHO"}},
		{40, []string{"ID", "SUBJECT", "DUE"}, []string{"!! " + id, "Hannah", "d OVERDUE"}, []string{"crys", "new", "ORG"}},
	} {
		c.t = time.Date(2026, 4, 3, 18, 0, 0, 0, time.UTC) // a day after the due date
		m := queueModel(t, s, c, tc.width, 12)
		lines := strings.Split(frame(m), "\n")
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > tc.width {
				t.Errorf("%d columns: line %d is %d cells", tc.width, i, w)
			}
		}
		row := lines[2]
		if f := strings.Fields(lines[1]); !slices.Equal(f, tc.title) {
			t.Errorf("%d columns: titles %v, want %v", tc.width, f, tc.title)
		}
		for _, w := range tc.want {
			if !strings.Contains(strings.ReplaceAll(row, "!!", "!! "), w) {
				t.Errorf("%d columns: the row lacks %q: %q", tc.width, w, row)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(lines[1]+row, w) {
				t.Errorf("%d columns: %q should have given way: %q", tc.width, w, row)
			}
		}
	}
}

// TestReadableShortForms (issue 19, item 16): where the right and the
// status are shortened, they read as words, never the old clipped forms.
func TestReadableShortForms(t *testing.T) {
	for _, key := range abbreviations() {
		short, _, _ := strings.Cut(key, " = ")
		if slices.Contains([]string{"in-pr", "aw-inf", "aw-id", "wdraw", "acc", "objec", "compl", "restr", "rect", "adm"}, short) {
			t.Errorf("short form %q", short)
		}
	}
	s, c, _ := fixture(t)
	m := queueModel(t, s, c, 80, 24)
	if row := strings.Split(frame(m), "\n")[2]; !strings.Contains(row, " access ") || !strings.Contains(row, " new ") {
		t.Errorf("at 80 columns: %q", row)
	}
}
