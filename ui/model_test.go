package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

var paris = cases.Rules{Regime: "eu-gdpr", Zone: "Europe/Paris", Calendar: "FR"}

// fixture is a store with three cases: one due in an hour, one not due for
// weeks, one closed and answered; the clock is 2 April 2026 at 20:00 Paris time.
func fixture(t *testing.T) (*storage.Store, *clock, []string) {
	t.Helper()
	s := initialised(t, filepath.Join(t.TempDir(), "cases.db"), storage.Options{GivenTimes: true}) // history built out of order
	c := &clock{t: time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC)}
	var ids []string
	for _, p := range []struct {
		name, email string
		received    time.Time
	}{
		// Received 2 March: due at the end of Thursday 2 April in Paris (21:59:59 UTC).
		{"Grażyna Woźniak", "grazyna@example.org", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
		{"Zoé Lefèvre", "zoe@example.org", time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC)},
		{"Søren Holm", "soren@example.net", time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)},
	} {
		cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
			Subject: cases.Subject{Name: p.name, Email: p.email}, ReceivedAt: p.received}, paris, c.t, "anna")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cs[0].ID)
	}
	if _, err := s.Apply(ids[2], cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeNoData, Actor: "anna"}, storage.NoRevision, c.t); err != nil {
		t.Fatal(err)
	}
	// Answered: a closed case that still owed its letter would be urgent.
	if _, err := s.Apply(ids[2], cases.Event{Kind: cases.EventSent, Letter: cases.LetterFinal, Outside: true,
		Reason: "handed over at the desk", Actor: "anna"}, storage.NoRevision, c.t); err != nil {
		t.Fatal(err)
	}
	return s, c, ids
}

// drive feeds a message and runs the commands it returns until they settle,
// as the program would (ticks and polls are not followed).
func drive(t *testing.T, m Model, msg tea.Msg) Model {
	t.Helper()
	next, cmd := m.Update(msg)
	m = next.(Model)
	for _, msg := range run(cmd) {
		m = drive(t, m, msg)
	}
	return m
}

func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, run(c)...)
		}
		return out
	case nil, tickMsg, pollMsg:
		return nil
	default:
		return []tea.Msg{msg}
	}
}

func keyPress(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func typeText(t *testing.T, m Model, s string) Model {
	for _, r := range s {
		m = drive(t, m, keyPress(string(r)))
	}
	return m
}

func frame(m Model) string { return ansi.Strip(m.View().Content) }

// caseText is the whole of the open case as the case screen lays it out.
func caseText(m Model) string { return m.kase.view.GetContent() }

func start(t *testing.T, w, h int) (Model, *storage.Store, *clock, []string) {
	s, c, ids := fixture(t)
	m := New(Options{Store: s, Clock: c, Actor: "anna", Title: "test", Tick: time.Millisecond, Poll: time.Millisecond})
	m = drive(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	m = drive(t, m, m.loadQueue("")())
	return m, s, c, ids
}

func TestQueueAt80x24(t *testing.T) {
	m, _, _, ids := start(t, 80, 24)
	out := frame(m)
	lines := strings.Split(out, "\n")
	if len(lines) != 24 {
		t.Fatalf("%d lines, want 24", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("line %d is %d cells wide", i, w)
		}
	}
	// Urgency order: the case due tonight, the one due in May, the closed one.
	first, second, third := strings.Index(out, ids[0]), strings.Index(out, ids[1]), strings.Index(out, ids[2])
	if first < 0 || second < first || third < second {
		t.Fatalf("order:\n%s", out)
	}
	// Due at 21:59:59 UTC, two hours away; urgent in text, not only in colour.
	if !strings.Contains(lines[2], "! "+ids[0]) || !strings.Contains(lines[2], "today 3h") {
		t.Errorf("the case due tonight: %q", lines[2])
	}
	// Who has the case, not the address (the case screen shows it).
	if strings.Contains(out, "@ex") || !strings.Contains(lines[1], "WHO") || !strings.Contains(lines[2], " — ") {
		t.Errorf("the assignee in place of the e-mail address at 80 columns:\n%s", out)
	}
	if !strings.Contains(lines[4], "no-data") {
		t.Errorf("a closed case shows its outcome: %q", lines[4])
	}
}

func TestCountdownTurnsOverdueWithNoKeyPressed(t *testing.T) {
	m, _, c, ids := start(t, 80, 24)
	c.t = c.t.Add(5 * time.Hour) // past 21:59:59 UTC
	m = drive(t, m, tickMsg(c.t))
	line := strings.Split(frame(m), "\n")[2]
	if !strings.Contains(line, "!!"+ids[0]) || !strings.Contains(line, "1d OVERDUE") {
		t.Fatalf("after the deadline: %q", line)
	}
}

func TestFilterNarrowsAndOpensTheCase(t *testing.T) {
	m, _, _, ids := start(t, 80, 24)
	m = drive(t, m, keyPress("/"))
	if out := frame(m); !strings.Contains(out, "filter: /▏ — 3 of 3 cases") {
		t.Fatalf("the filter input open, nothing typed:\n%s", out)
	}
	m = typeText(t, m, "lefevre")
	out := frame(m)
	if strings.Contains(out, ids[0]) || !strings.Contains(out, ids[1]) || !strings.Contains(out, "filter: /lefevre") || !strings.Contains(out, "1 of 3 cases") {
		t.Fatalf("filtered:\n%s", out)
	}
	// While a keystroke's result is on its way, the line says so rather
	// than count the last result.
	next, _ := m.Update(keyPress("x"))
	if out := frame(next.(Model)); !strings.Contains(out, "filter: /lefevrex▏ — searching 3 cases…") {
		t.Fatalf("pending:\n%s", out)
	}
	// A stale result (an older keystroke's) is dropped.
	stale := filterMsg{seq: m.queue.filter.seq - 1, ranked: newSlotList([]int{0, 1, 2}), exact: -1}
	if m2 := drive(t, m, stale); m2.queue.shown.len() != 1 {
		t.Fatal("a stale filter result replaced a newer one")
	}
	m = drive(t, m, keyPress("enter")) // leaves the input, keeps the filter
	m = drive(t, m, keyPress("enter")) // opens the case
	out = frame(m)
	if !strings.Contains(out, ids[1]) || !strings.Contains(out, "Deadline") || !strings.Contains(out, "effective due") {
		t.Fatalf("case screen:\n%s", out)
	}
	m = drive(t, m, keyPress("esc"))
	if out = frame(m); !strings.Contains(out, "filter: /lefevre") {
		t.Fatalf("back to the filtered queue:\n%s", out)
	}
	m = drive(t, m, keyPress("esc"))
	if out = frame(m); !strings.Contains(out, ids[0]) || strings.Contains(out, "filter:") {
		t.Fatalf("esc clears the filter:\n%s", out)
	}
}

func TestExactIDJumpsAndRevealIsLogged(t *testing.T) {
	m, s, _, ids := start(t, 120, 30)
	m = drive(t, m, keyPress("/"))
	m = typeText(t, m, strings.ToLower(ids[2]))
	if m.currentID() != ids[2] {
		t.Fatalf("cursor on %s, want %s", m.currentID(), ids[2])
	}
	m = drive(t, m, keyPress("enter")) // an exact ID opens its case
	if m.screen != screenCase || m.kase.detail.loaded.Case.ID != ids[2] {
		t.Fatalf("enter on an exact ID opens the case:\n%s", frame(m))
	}
	m = drive(t, m, keyPress("r"))
	if !strings.Contains(frame(m), "soren@example.net") {
		t.Fatalf("r reveals addresses:\n%s", frame(m))
	}
	log, err := s.AccessLog(ids[2])
	if err != nil || len(log) != 2 || log[0].What != "opened the case" || log[1].What != "revealed contact details" || log[1].Actor != "anna" {
		t.Fatalf("access log: %+v %v", log, err)
	}
	// enter before the query's result came still opens the case.
	m = drive(t, m, keyPress("esc"))
	m = drive(t, m, keyPress("esc"))
	m = drive(t, m, keyPress("/"))
	for _, r := range ids[1] {
		next, _ := m.Update(keyPress(string(r))) // results not delivered
		m = next.(Model)
	}
	next, _ := m.Update(keyPress("enter"))
	m = drive(t, next.(Model), m.runFilter()())
	if m.screen != screenCase || m.kase.detail.loaded.Case.ID != ids[1] {
		t.Fatalf("enter before the result:\n%s", frame(m))
	}
	// A query that is not an ID leaves the input and keeps the filter.
	m = drive(t, m, keyPress("esc"))
	m = drive(t, m, keyPress("esc"))
	m = drive(t, m, keyPress("/"))
	m = typeText(t, m, "holm")
	m = drive(t, m, keyPress("enter"))
	if m.screen != screenQueue || m.queue.filter.typing || !strings.Contains(frame(m), "filter: /holm") {
		t.Fatalf("enter keeps the filter:\n%s", frame(m))
	}
}

func TestOthersChangesAppearKeepingTheCursor(t *testing.T) {
	m, s, c, ids := start(t, 80, 24)
	m = drive(t, m, keyPress("j")) // on the second case
	// Withdrawn: it owes no answer, so it is done with.
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeWithdrawn, Actor: "marc"}, storage.NoRevision, c.t); err != nil {
		t.Fatal(err)
	}
	m = drive(t, m, m.refresh()())
	if m.currentID() != ids[1] {
		t.Fatalf("cursor moved to %s", m.currentID())
	}
	if line := strings.Split(frame(m), "\n")[2]; !strings.Contains(line, ids[1]) {
		t.Fatalf("the closed case should have moved down: %q", line)
	}
}

func TestHelpAndSmallWindows(t *testing.T) {
	m, _, _, _ := start(t, 80, 24)
	m = drive(t, m, keyPress("?"))
	out := frame(m)
	if !strings.Contains(out, "filter as you type") || !strings.Contains(out, "only overdue") || len(strings.Split(out, "\n")) > 24 {
		t.Fatalf("help at 80x24:\n%s", out)
	}
	m = drive(t, m, keyPress("x"))
	m = drive(t, m, tea.WindowSizeMsg{Width: 30, Height: 6})
	if !strings.Contains(frame(m), "too small") {
		t.Fatal("a tiny window says so")
	}
	m = drive(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	if out := frame(m); !strings.Contains(out, "ASSIGNEE") || !strings.Contains(out, "access") {
		t.Fatalf("120 columns show the assignee and full rights:\n%s", out)
	}
}

// BenchmarkQueueFrame is a frame of the queue at 80x24 with the cursor
// moving, at 1,000 and 100,000 cases: only the visible rows are rendered,
// so the two figures should be the same (target 2 ms).
func BenchmarkQueueFrame(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(itoa(n), func(b *testing.B) {
			all := make([]cases.Summary, n)
			now := time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC)
			for i := range all {
				all[i] = cases.Summary{ID: "DSR-2026-" + strings.Repeat("0", 6-len(itoa(i+1))) + itoa(i+1), Controller: "crisp",
					Right: cases.RightAccess, Status: cases.StatusNew, Clock: cases.ClockRunning, SubjectName: "Grażyna Woźniak",
					Email: "g@example.org", EffectiveDueAt: now.Add(time.Duration(i) * time.Minute)}
			}
			m := New(Options{Clock: &clock{t: now}})
			next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			m = next.(Model)
			m = settleQueue(m, func() tea.Msg { return queueMsg{all: all} })
			b.Run("queue", func(b *testing.B) {
				for b.Loop() {
					m.queue.cursor = (m.queue.cursor + 1) % len(all)
					m.queue.clamp(m.queueRows())
					_ = m.View()
				}
			})
			// The overview's figures come from every case.
			m.screen, m.overview.figures = screenOverview, overviewFigures(m.queue.snap.summaries(), nil, "", m.now)
			b.Run("overview", func(b *testing.B) {
				for b.Loop() {
					_ = m.View()
				}
			})
		})
	}
}

func itoa(i int) string {
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

func TestOverview(t *testing.T) {
	m, _, _, _ := start(t, 80, 24)
	m = drive(t, m, keyPress("v"))
	out := frame(m)
	// Three cases: two open (one due tonight), one closed and answered.
	for _, want := range []string{"Overview", "open 2", "overdue 0", "due within 7 days (overdue included) 1", "answered 1", "answer not sent 0", "2026-03-30     1", "2026-03-16     1", "2026-02-23     0"} {
		if !strings.Contains(out, want) {
			t.Errorf("overview lacks %q:\n%s", want, out)
		}
	}
	m = drive(t, m, keyPress("esc"))
	if !strings.Contains(frame(m), "DSR-2026-000001") {
		t.Fatal("esc goes back to the queue")
	}
}

// TestOverviewCountsWhatWShows: the overview's "due within 7 days" is the
// number of cases the queue's w shows on the same cases, overdue ones
// included; o shows the overview's overdue ones.
func TestOverviewCountsWhatWShows(t *testing.T) {
	m, s, c, _ := start(t, 80, 24)
	// Due Tue 7 April in Paris; and the case due on the 2nd is overdue on the 3rd.
	if _, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Ines", Email: "ines@example.org"}, ReceivedAt: time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC)}, paris, c.t, "anna"); err != nil {
		t.Fatal(err)
	}
	c.t = time.Date(2026, 4, 3, 10, 0, 0, 0, time.UTC)
	m = drive(t, m, m.loadQueue("")())
	m = drive(t, m, tickMsg(c.t))
	m = press(t, m, "w")
	week := m.queue.shown.len()
	m = press(t, m, "o")
	overdue := m.queue.shown.len()
	m = press(t, m, "o", "v")
	out := frame(m)
	if week != 2 || overdue != 1 || !strings.Contains(out, fmt.Sprintf("due within 7 days (overdue included) %d", week)) ||
		!strings.Contains(out, fmt.Sprintf("overdue %d", overdue)) {
		t.Fatalf("w shows %d cases, o %d; the overview:\n%s", week, overdue, out)
	}
}

// TestFormConflictKeepsWhatWasTyped: two sessions on one database; a note
// sent at the revision the screen showed conflicts with a colleague's
// change, names who made it, reloads the case and keeps the text; sent
// again, it is recorded.
func TestFormConflictKeepsWhatWasTyped(t *testing.T) {
	anna, s, c, ids := start(t, 80, 24)
	marc := New(Options{Store: s, Clock: c, Actor: "marc", Tick: time.Millisecond, Poll: time.Millisecond})
	marc = drive(t, marc, tea.WindowSizeMsg{Width: 80, Height: 24})
	marc = drive(t, marc, marc.loadQueue("")())
	anna = drive(t, anna, keyPress("enter")) // both open the case due tonight
	marc = drive(t, marc, keyPress("enter"))
	marc = drive(t, marc, keyPress("a"))
	marc = typeText(t, marc, "marc")
	marc = drive(t, marc, keyPress("enter"))
	if marc.form != nil || !strings.Contains(frame(marc), "assigned recorded (revision 2)") {
		t.Fatalf("marc's assignment:\n%s", frame(marc))
	}
	anna = drive(t, anna, keyPress("n"))
	anna = typeText(t, anna, "called her back")
	anna = drive(t, anna, keyPress("enter"))
	out := frame(anna)
	if anna.form == nil || anna.form.val("text") != "called her back" || !strings.Contains(out, "assigned by marc") ||
		strings.Contains(out, "reload it") || !strings.Contains(strings.Join(strings.Fields(out), " "), "enter sends this form again") {
		t.Fatalf("the conflict must name marc and keep the text:\n%s", out)
	}
	if anna.kase.detail.loaded.Revision != 2 || !strings.Contains(caseText(anna), "assigned") {
		t.Fatalf("the case must be reloaded at revision 2:\n%s", out)
	}
	anna = drive(t, anna, keyPress("enter"))
	if anna.form != nil || !strings.Contains(frame(anna), "noted recorded (revision 3)") {
		t.Fatalf("sent again:\n%s", frame(anna))
	}
	l, _ := s.Get(ids[0])
	if last := l.Case.Events[len(l.Case.Events)-1]; last.Kind != cases.EventNoted || last.Text != "called her back" || last.Actor != "anna" {
		t.Fatalf("stored: %+v", last)
	}
	// An empty required field is named before anything is sent.
	anna = drive(t, anna, keyPress("n"))
	anna = drive(t, anna, keyPress("enter"))
	if anna.form == nil || !strings.Contains(frame(anna), "note is required") {
		t.Fatalf("empty note:\n%s", frame(anna))
	}
}

// TestEarlierModelsStayAsTheyWere: Bubble Tea models are values, and a
// later model handling a message leaves an earlier one as it was. The case
// read is shared between them: a tick once moved its clock in place, so
// the earlier model, laid out again, showed the later time.
func TestEarlierModelsStayAsTheyWere(t *testing.T) {
	m, _, c, _ := start(t, 80, 24)
	m = drive(t, m, keyPress("enter"))
	before := m
	c.t = c.t.Add(5 * time.Hour) // past the deadline
	if later := drive(t, m, tickMsg(c.t)); !strings.Contains(frame(later), "1d OVERDUE") {
		t.Fatalf("the later model does not show the new time:\n%s", frame(later))
	}
	again := drive(t, before, tea.WindowSizeMsg{Width: 80, Height: 24})
	if out := frame(again); !strings.Contains(out, "today 3h") || strings.Contains(out, "OVERDUE") {
		t.Fatalf("the earlier model changed with the later one:\n%s", out)
	}
}

// TestOvertakenFilterRunStops: a filter run started for one keystroke and
// overtaken by the next one's stops (it lets no row through from the
// moment it sees the newer run) and says so, and its result is never
// shown; the newer run's is.
func TestOvertakenFilterRunStops(t *testing.T) {
	m, _, _, ids := start(t, 80, 24)
	m = drive(t, m, keyPress("/"))
	next, older := m.Update(keyPress("l"))
	m = next.(Model)
	next, newer := m.Update(keyPress("e"))
	m = next.(Model)
	old, fresh := filterResult(t, older), filterResult(t, newer)
	if !old.stopped || old.ranked.chunks != nil {
		t.Fatalf("the overtaken run went on: stopped %v, %d rows", old.stopped, old.ranked.len())
	}
	if fresh.stopped || fresh.ranked.len() == 0 {
		t.Fatalf("the newest run stopped or found nothing: %+v", fresh)
	}
	m = drive(t, m, fresh)
	m = drive(t, m, old) // arriving late, it changes nothing
	if out := frame(m); !strings.Contains(out, ids[1]) || !strings.Contains(out, "filter: /le") {
		t.Fatalf("the newest result is not the one shown:\n%s", out)
	}
}

// filterResult runs a command (and those a batch holds) and returns the
// filter result it gives.
func filterResult(t *testing.T, cmd tea.Cmd) filterMsg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	switch msg := cmd().(type) {
	case filterMsg:
		return msg
	case tea.BatchMsg:
		for _, c := range msg {
			if c == nil {
				continue
			}
			if f, ok := c().(filterMsg); ok {
				return f
			}
		}
	}
	t.Fatal("the command gives no filter result")
	return filterMsg{}
}

// TestOverviewOfNoAnswers: with no answer yet the overview states no
// on-time rate and no days to answer (a 0% reads as every answer late).
func TestOverviewOfNoAnswers(t *testing.T) {
	s := initialised(t, filepath.Join(t.TempDir(), "cases.db"), storage.Options{})
	c := &clock{t: time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC)}
	m := New(Options{Store: s, Clock: c, Actor: "anna", Title: "test", Tick: time.Millisecond, Poll: time.Millisecond})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	out := frame(drive(t, m, keyPress("v")))
	if !strings.Contains(out, "answered none yet") || strings.Contains(out, "(0%)") || strings.Contains(out, "median 0.0") {
		t.Errorf("the overview of no answers:\n%s", out)
	}
}

// TestALongFileNameGivesWayToTheCounts: a database file name too long for
// the header is cut, with an ellipsis, before the counts of open and
// overdue cases are dropped.
func TestALongFileNameGivesWayToTheCounts(t *testing.T) {
	m, _, _, _ := start(t, 80, 24)
	m.opt.Title = "a-very-long-database-file-name-for-the-privacy-team-2026.db"
	head := strings.Split(frame(m), "\n")[0]
	if !strings.Contains(head, "2 open · 0 overdue") || !strings.Contains(head, "…") || !strings.HasPrefix(head, "rightsdesk a-very-long") {
		t.Fatalf("the header: %q", head)
	}
}

// TestTooSmallSaysItInWholeWords: below 40x8 the app says so, its words
// wrapped to the window, none cut in the middle.
func TestTooSmallSaysItInWholeWords(t *testing.T) {
	m, _, _, _ := start(t, 80, 24)
	m = drive(t, m, tea.WindowSizeMsg{Width: 20, Height: 6})
	out := frame(m)
	for _, word := range []string{"Window", "small", "rightsdesk:", "40x8,", "recommended."} {
		if !strings.Contains(out, word) {
			t.Errorf("%q is cut or missing:\n%s", word, out)
		}
	}
}

// TestHelpOnANarrowWindowListsEveryKey: where the help's columns do not
// fit (60x20), every key is still listed, one after the other, the
// actions included, rather than the columns that fit and an ellipsis.
func TestHelpOnANarrowWindowListsEveryKey(t *testing.T) {
	m, _, _, ids := start(t, 60, 20)
	m.moveTo(ids[0])
	m = press(t, m, "enter", "?")
	out := frame(m)
	for _, want := range []string{"keys on a case", "close", "export", "note"} {
		if !strings.Contains(out, want) {
			t.Errorf("the case's help at 60x20 lacks %q:\n%s", want, out)
		}
	}
}
