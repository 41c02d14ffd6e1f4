package ui

import (
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

func TestWrapHangsUnderTheText(t *testing.T) {
	got := wrap("  - base deadline: one month from Mon 2 Mar 2026 -> Thu 2 Apr 2026, a working day in FR", 40)
	want := []string{
		"  - base deadline: one month from", // a date is not broken
		"    Mon 2 Mar 2026 -> Thu 2 Apr 2026, a",
		"    working day in FR",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	label := wrapHang(DefaultStyles().Label.Render("clock               ")+" paused since Tue 20 Oct 2026 (identity information requested)", 50, 21)
	want = []string{
		"clock                paused since Tue 20 Oct 2026",
		"                     (identity information",
		"                     requested)",
	}
	for i, l := range label {
		if ansi.StringWidth(l) > 50 || i >= len(want) || ansi.Strip(l) != want[i] {
			t.Errorf("line %d: %q", i, ansi.Strip(l))
		}
	}
	if got := wrap("short", 40); len(got) != 1 || got[0] != "short" {
		t.Errorf("a short line is kept: %q", got)
	}
}

// TestColumnsGiveWay: the ID and the countdown are always whole; the other
// columns give way as the window narrows, and no row is wider than the window.
func TestColumnsGiveWay(t *testing.T) {
	for w := 40; w <= 140; w++ {
		m, _, _, ids := start(t, w, 12)
		for i, l := range strings.Split(frame(m), "\n") {
			if cw := ansi.StringWidth(l); cw > w {
				t.Fatalf("width %d: line %d is %d cells: %q", w, i, cw, l)
			}
		}
		rows := strings.Split(frame(m), "\n")
		if !strings.Contains(rows[2], ids[0]) || !strings.Contains(rows[2], "today 3h") {
			t.Fatalf("width %d: the first row lacks its ID or countdown: %q", w, rows[2])
		}
		if w >= 74 != (strings.Contains(rows[1], "ASSIGNEE") || strings.Contains(rows[1], " WHO ")) {
			t.Errorf("width %d: the assignee column is shown from 74 columns: %q", w, rows[1])
		}
		if w >= 46 != strings.Contains(rows[1], "ORG") {
			t.Errorf("width %d: the organisation column is shown from 46 columns: %q", w, rows[1])
		}
		w += 6
	}
}

// flaky is a store whose next calls fail as busy.
type flaky struct {
	*storage.Store
	busy int
}

func (f *flaky) Changes(since uint64) (uint64, []string, error) {
	if f.busy > 0 {
		f.busy--
		return 0, nil, &storage.StoreError{Path: "/srv/privacy/cases.db", Err: storage.ErrBusy}
	}
	return f.Store.Changes(since)
}

func (f *flaky) Queue(now time.Time) ([]cases.Summary, uint64, error) {
	if f.busy > 0 {
		f.busy--
		return nil, 0, &storage.StoreError{Path: "/srv/privacy/cases.db", Err: storage.ErrBusy}
	}
	return f.Store.Queue(now)
}

// Start is the first page the app reads from a store that pages (start.go).
func (f *flaky) Start(now time.Time, n int) (*storage.Start, error) {
	if f.busy > 0 {
		f.busy--
		return nil, &storage.StoreError{Path: "/srv/privacy/cases.db", Err: storage.ErrBusy}
	}
	return f.Store.Start(now, n)
}

// TestUnreadableDatabaseIsAMessage: a file that is not a database is said
// in full in place of the queue; a busy database while the queue is shown
// is a status line that the next good poll clears; a first load that failed
// is tried again.
func TestUnreadableDatabaseIsAMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	m := New(Options{Store: storage.Open(path, storage.Options{}), Clock: &clock{t: time.Now()}, Title: "cases.db"})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	out := frame(m)
	if !strings.Contains(out, "The queue cannot be read") || !strings.Contains(out, "not a rightsdesk database") || !strings.Contains(out, filepath.Base(path)) {
		t.Fatalf("a foreign file:\n%s", out)
	}
	if head := strings.Split(out, "\n")[0]; strings.Contains(head, "open") || strings.Contains(head, "overdue") {
		t.Errorf("the header of a queue never read states counts: %q", head)
	}

	s, c, ids := fixture(t)
	f := &flaky{Store: s, busy: 1}
	m = New(Options{Store: f, Clock: c, Title: "cases.db"})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	if out := frame(m); !strings.Contains(out, "the database is busy") || strings.Contains(out, ids[0]) {
		t.Fatalf("a busy first load:\n%s", out)
	}
	m = drive(t, m, m.refresh()()) // the poll tries the load again
	if out := frame(m); strings.Contains(out, "busy") || !strings.Contains(out, ids[0]) {
		t.Fatalf("the load tried again:\n%s", out)
	}
	f.busy = 1
	m = drive(t, m, m.refresh()())
	lines := strings.Split(frame(m), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "the database is busy: another rightsdesk process holds it") {
		t.Fatalf("a busy poll is a whole status line: %q", last)
	}
	m = drive(t, m, m.refresh()())
	if out := frame(m); strings.Contains(out, "busy") || !strings.Contains(out, ids[0]) {
		t.Fatalf("a good poll clears the error:\n%s", out)
	}
}

// TestHelpIsPerScreen: each screen's help comes from the key map, fits 80x24
// whole (nothing cut short), and lists that screen's keys.
func TestHelpIsPerScreen(t *testing.T) {
	m, _, _, _ := start(t, 80, 24)
	for _, c := range []struct {
		open  []string
		wants []string
		not   string
	}{
		{nil, []string{"keys on the queue", "filter as you type", "only overdue", "cycle right", "reveal or mask e-mail", "overview of all cases", "new request", "assign the shown cases"}, "rebaseline"},
		{[]string{"enter"}, []string{"keys on a case", "acknowledge", "verify", "extend", "close", "reopen", "attach", "export the packet", "export the case record", "back to the queue", "end of the case"}, "cycle right"},
		{[]string{"v"}, []string{"keys on the overview", "back to the queue", "write the register of requests"}, "filter as you type"},
	} {
		s := m
		for _, k := range c.open {
			s = drive(t, s, keyPress(k))
		}
		s = drive(t, s, keyPress("?"))
		out := frame(s)
		if n := len(strings.Split(out, "\n")); n > 24 || strings.Contains(out, "…") {
			t.Errorf("help is %d lines or cut short:\n%s", n, out)
		}
		for _, w := range c.wants {
			if !strings.Contains(out, w) {
				t.Errorf("help lacks %q:\n%s", w, out)
			}
		}
		if strings.Contains(out, c.not) {
			t.Errorf("help shows %q of another screen:\n%s", c.not, out)
		}
		if s = drive(t, s, keyPress("j")); s.showHelp {
			t.Error("any key closes help")
		}
	}
}

func TestCaseScreenScrolls(t *testing.T) {
	m, _, _, _ := start(t, 80, 24)
	m = drive(t, m, keyPress("enter"))
	m = drive(t, m, keyPress("G"))
	out := frame(m)
	if !strings.Contains(out, "Timeline") || strings.Contains(out, "↓") {
		t.Fatalf("G shows the end of the case:\n%s", out)
	}
	m = drive(t, m, keyPress("g"))
	if out = frame(m); !strings.HasPrefix(out, "DSR-2026-000001") || !strings.Contains(out, "↓") {
		t.Fatalf("g shows the top:\n%s", out)
	}
}

func TestTicksAtTheTurnOfTheMinute(t *testing.T) {
	c := &clock{t: time.Date(2026, 4, 2, 21, 59, 59, 500_000_000, time.UTC)}
	m := New(Options{Clock: c})
	if d := m.nextTick(); d != 500*time.Millisecond {
		t.Fatalf("next tick in %v, want 500ms", d)
	}
	c.t = time.Date(2026, 4, 2, 22, 0, 0, 0, time.UTC)
	if d := m.nextTick(); d != time.Minute {
		t.Fatalf("next tick in %v, want a minute", d)
	}
	if d := New(Options{Clock: c, Tick: time.Second}).nextTick(); d != time.Second {
		t.Fatalf("a set tick: %v", d)
	}
}

// TestRevealOneAddress: r in the queue reveals the address of the case
// under the cursor only, and logs that case; r again masks it.
func TestRevealOneAddress(t *testing.T) {
	m, s, _, ids := start(t, 100, 24)
	m = drive(t, m, keyPress("j"))
	m = drive(t, m, keyPress("r"))
	out := frame(m)
	if !strings.Contains(out, "zoe@example.org") || strings.Contains(out, "grazyna@") || strings.Contains(out, "soren@") {
		t.Fatalf("only the cursor's address is revealed:\n%s", out)
	}
	if log, _ := s.AccessLog(ids[1]); len(log) != 1 || log[0].What != "revealed e-mail addresses" {
		t.Fatalf("the reveal is logged for %s: %+v", ids[1], log)
	}
	if log, _ := s.AccessLog(ids[0]); len(log) != 0 {
		t.Fatalf("nothing logged for a masked case: %+v", log)
	}
	m = drive(t, m, keyPress("k"))
	m = drive(t, m, keyPress("enter"))
	if out = frame(m); strings.Contains(out, "grazyna@") {
		t.Fatalf("another case's address stays masked:\n%s", out)
	}
	m = drive(t, m, keyPress("esc"))
	m = drive(t, m, keyPress("j"))
	m = drive(t, m, keyPress("r"))
	if out = frame(m); strings.Contains(out, "zoe@example.org") {
		t.Fatalf("r again masks it:\n%s", out)
	}
}

// TestOthersChangesUnderAFilter: a colleague's change arrives while the
// queue is filtered: the screen goes straight to the new filtered result
// (never the whole queue in between) and the cursor stays where it is when
// the change arrives, not where it was when the poll began.
func TestOthersChangesUnderAFilter(t *testing.T) {
	m, s, c, ids := start(t, 80, 24)
	m = drive(t, m, keyPress("/"))
	m = typeText(t, m, "example.org")
	m = drive(t, m, keyPress("enter"))
	m = drive(t, m, keyPress("j"))
	poll := m.refresh() // the poll begins with the cursor on the second row
	m = drive(t, m, keyPress("k"))
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventAssigned, Assignee: "marc", Actor: "marc"}, storage.NoRevision, c.t); err != nil {
		t.Fatal(err)
	}
	next, _ := m.Update(poll())
	m = next.(Model)
	out := frame(m)
	if strings.Contains(out, ids[2]) || strings.Contains(out, "searching") || !strings.Contains(out, "2 of 3 cases") {
		t.Fatalf("the filtered queue after the change:\n%s", out)
	}
	if m.currentID() != ids[0] {
		t.Fatalf("the cursor moved to %s", m.currentID())
	}
	if row := m.queue.snap.rows.at(m.queue.shown.at(0)); row.Assignee != "marc" {
		t.Fatalf("the change is not shown: %+v", row)
	}
}

func TestOverdueFilterFollowsTheClock(t *testing.T) {
	m, _, c, ids := start(t, 80, 24)
	m = drive(t, m, keyPress("o"))
	if out := frame(m); !strings.Contains(out, "0 of 3 cases") {
		t.Fatalf("nothing is overdue yet:\n%s", out)
	}
	c.t = c.t.Add(5 * time.Hour)
	m = drive(t, m, tickMsg(c.t))
	if out := frame(m); !strings.Contains(out, "1 of 3 cases") || !strings.Contains(out, ids[0]) {
		t.Fatalf("the case overdue by the clock joins the filter:\n%s", out)
	}
}

func TestCaseSections(t *testing.T) {
	m, _, _, _ := start(t, 80, 24)
	m = drive(t, m, keyPress("enter"))
	top := func() string { return strings.Split(frame(m), "\n")[headerHeight] } // the body's first line, under the header
	m = drive(t, m, tea.KeyPressMsg{Code: tea.KeyTab})
	if !strings.HasPrefix(top(), "Deadline") { // the fixture's cases have no request text
		t.Fatalf("tab goes to the deadline:\n%s", frame(m))
	}
	m = drive(t, m, keyPress("]")) // the working, as far as the end of the case allows
	if out := frame(m); !strings.Contains(out, "\nWorking") || !strings.Contains(out, "Timeline") || strings.Contains(out, "more lines") {
		t.Fatalf("] goes to the working:\n%s", out)
	}
	m = drive(t, m, keyPress("["))
	if !strings.HasPrefix(top(), "Deadline") {
		t.Fatalf("[ goes back:\n%s", frame(m))
	}
	m = drive(t, m, keyPress("["))
	if !strings.HasPrefix(top(), "subject") {
		t.Fatalf("[ goes back to the top:\n%s", frame(m))
	}
}

func TestRevealWithoutAnAddressLogsNothing(t *testing.T) {
	s, c, _ := fixture(t)
	cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Jan Bez Adresu", Phone: "+33 1 00 00 00 00"}, ReceivedAt: c.t.Add(-48 * time.Hour)}, paris, c.t, "anna")
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Store: s, Clock: c, Actor: "anna"})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	m.moveTo(cs[0].ID)
	m = drive(t, m, keyPress("r"))
	if log, _ := s.AccessLog(cs[0].ID); len(log) != 0 || m.revealID != "" {
		t.Fatalf("nothing to reveal, nothing logged: %+v", log)
	}
}

func TestHelpInAShortWindow(t *testing.T) {
	m, _, _, _ := start(t, 60, 12)
	m = drive(t, m, keyPress("?"))
	lines := strings.Split(frame(m), "\n")
	if len(lines) != 12 || !strings.Contains(lines[11], "Any key closes this help") {
		t.Fatalf("help at 60x12 (%d lines):\n%s", len(lines), frame(m))
	}
}

func TestStylesFollowTheBackground(t *testing.T) {
	m, _, _, _ := start(t, 80, 24)
	dark := m.styles.Soon.GetForeground()
	m = drive(t, m, tea.BackgroundColorMsg{Color: color.White})
	if light := m.styles.Soon.GetForeground(); light == dark {
		t.Fatalf("the same yellow on a light background: %v", light)
	}
	m = drive(t, m, tea.BackgroundColorMsg{Color: color.Black})
	if m.styles.Soon.GetForeground() != dark {
		t.Fatal("a dark background gets the bright colours back")
	}
}

// TestCountsInWords: a count of one takes the singular wherever the app
// writes one (cases.Plural's rule), and the conflict line says once what
// happened and what enter does now, without the command line's "reload it".
func TestCountsInWords(t *testing.T) {
	m, _, _, _ := start(t, 80, 24)
	for _, c := range []struct{ got, want string }{
		{ansi.Strip(m.moreBelow("keys", 1)), " · ↓ 1 more line"},
		{ansi.Strip(m.moreBelow("keys", 12)), " · ↓ 12 more lines"},
		{ansi.Strip(m.moreBelow(strings.Repeat("k", 70), 12)), " · ↓12"},
		{m.moreBelow("keys", 0), ""},
		{shownCases(1, false), "the shown case"}, {shownCases(2, true), "the 2 open cases"},
		{shownCases(3, false), "the 3 shown cases"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	at := time.Date(2026, 3, 16, 14, 5, 0, 0, time.UTC)
	got := conflictLine(&storage.Conflict{ID: "DSR-2026-000001", Expected: 1, Revision: 2, UpdatedBy: "marc", UpdatedAt: at,
		What: []cases.EventKind{cases.EventAssigned}}, zone("Europe/Paris"))
	want := "DSR-2026-000001 changed meanwhile: assigned by marc at Mon 16 Mar 15:05 CET. The case is reloaded: check it, then enter sends this form again."
	if got != want {
		t.Errorf("conflict line:\n got %q\nwant %q", got, want)
	}
}

// TestHelpKeysEveryShortForm: every short form a queue row can show (the
// tables row uses, over the whole vocabulary) is in the queue's help with
// the word it stands for, whole at 80x24: a new abbreviation without a key
// fails here.
func TestHelpKeysEveryShortForm(t *testing.T) {
	m, _, _, _ := start(t, 80, 24)
	out := frame(drive(t, m, keyPress("?")))
	n := 0
	check := func(short, full string) {
		if short == "" || short == full {
			return
		}
		n++
		if !strings.Contains(out, short+" = "+full) {
			t.Errorf("the help has no key for %q (%s):\n%s", short, full, out)
		}
	}
	for _, r := range cases.Rights {
		check(shortRights[r], string(r))
	}
	for _, s := range cases.Statuses {
		check(shortStatuses[s], string(s))
	}
	for _, o := range cases.Outcomes {
		check(shortOutcomes[o], string(o))
	}
	if n == 0 || len(strings.Split(out, "\n")) > 24 {
		t.Fatalf("%d short forms checked; help:\n%s", n, out)
	}
}

// A team's IDs carry their organisation's code (TRUST.md): the queue's ID
// column widens to the longest, so that no ID is cut at 80 columns.
func TestQueueShowsWholeOrganisationIDs(t *testing.T) {
	s := initialised(t, filepath.Join(t.TempDir(), "cases.db"), storage.Options{IDsPerOrganisation: true})
	now := time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC)
	var ids []string
	for _, org := range []string{"crisp", "crystalqore"} {
		cs, err := s.Add(cases.Intake{Controller: org, Rights: []cases.Right{cases.RightAccess},
			Subject: cases.Subject{Name: "Zoé Lefèvre", Email: "zoe@example.org"}, ReceivedAt: now}, paris, now, "anna")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cs[0].ID)
	}
	m := New(Options{Store: s, Clock: &clock{t: now}, Actor: "anna", Title: "test", Tick: time.Hour, Poll: time.Hour})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	out := frame(m)
	for _, id := range ids {
		if !strings.Contains(out, id+" ") {
			t.Errorf("%s is not shown whole:\n%s", id, out)
		}
	}
	for i, l := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("line %d is %d cells wide", i, w)
		}
	}
}
