package ui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases"
	"rightsdesk/server"
	"rightsdesk/server/servertest"
	"rightsdesk/storage"
)

// reads records which of the start's reads the app made.
type reads struct {
	*storage.Store
	calls    []string
	openBusy int // how many reads of the open cases fail as busy
}

func (r *reads) Start(now time.Time, n int) (*storage.Start, error) {
	r.calls = append(r.calls, "start")
	return r.Store.Start(now, n)
}

func (r *reads) OpenQueue(now time.Time) ([]cases.Summary, uint64, error) {
	r.calls = append(r.calls, "open")
	if r.openBusy > 0 {
		r.openBusy--
		return nil, 0, &storage.StoreError{Path: "/srv/privacy/cases.db", Err: storage.ErrBusy}
	}
	return r.Store.OpenQueue(now)
}

func (r *reads) ClosedQueue(now time.Time) ([]cases.Summary, uint64, error) {
	r.calls = append(r.calls, "closed")
	return r.Store.ClosedQueue(now)
}

func (r *reads) Queue(now time.Time) ([]cases.Summary, uint64, error) {
	r.calls = append(r.calls, "queue")
	return r.Store.Queue(now)
}

// pagingFixture is a store of 30 open cases and 3 closed, answered ones
// (the closed subjects are named Closed-N), more than a 12-line window
// shows.
func pagingFixture(t *testing.T) (*reads, *clock, []string) {
	t.Helper()
	s := initialised(t, filepath.Join(t.TempDir(), "cases.db"), storage.Options{GivenTimes: true})
	c := &clock{t: time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC)}
	var closed []string
	for i := range 33 {
		name := fmt.Sprintf("Open Subject %d", i)
		if i >= 30 {
			name = fmt.Sprintf("Closed-%d Person", i)
		}
		cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess}, Subject: cases.Subject{Name: name, Email: fmt.Sprintf("s%d@example.org", i)},
			ReceivedAt: time.Date(2026, 3, 1+i%28, 9, 0, 0, 0, time.UTC)}, paris, c.t, "anna")
		if err != nil {
			t.Fatal(err)
		}
		if i < 30 {
			continue
		}
		id := cs[0].ID
		closed = append(closed, id)
		for _, ev := range []cases.Event{{Kind: cases.EventClosed, Outcome: cases.OutcomeNoData, Actor: "anna"},
			{Kind: cases.EventSent, Letter: cases.LetterFinal, Outside: true, Reason: "handed over at the desk", Actor: "anna"}} {
			if _, err := s.Apply(id, ev, storage.NoRevision, c.t); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &reads{Store: s}, c, closed
}

// TestFirstFrameIsTheFirstPage: the first frame comes from the first page
// and the counts, before the open cases are read; the open cases then
// replace it, without the closed ones; those are read when a query asks
// for them, "loading closed cases…" said meanwhile, and found.
func TestFirstFrameIsTheFirstPage(t *testing.T) {
	r, c, closed := pagingFixture(t)
	m := New(Options{Store: r, Clock: c, Actor: "anna", Title: "test"})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 12})
	first, ok := m.loadQueue("")().(startMsg)
	if !ok {
		t.Fatal("a store that pages is read from its first page")
	}
	next, cmd := m.Update(first)
	m = next.(Model)
	out := frame(m)
	if !slices.Equal(r.calls, []string{"start"}) || !strings.Contains(out, "30 open · ") || !strings.Contains(out, "DSR-") ||
		!strings.Contains(out, "Open Subject") {
		t.Fatalf("the first frame, after reads %v:\n%s", r.calls, out)
	}
	if cmd == nil {
		t.Fatal("the first page asks for the open cases")
	}
	for _, msg := range run(cmd) {
		m = drive(t, m, msg)
	}
	if !slices.Equal(r.calls, []string{"start", "open"}) || m.queue.snap.len() != 30 || m.queue.start.closed != closedNotLoaded {
		t.Fatalf("after the open cases: reads %v, %d cases held", r.calls, m.queue.snap.len())
	}
	if out := frame(m); !strings.Contains(out, "30 open · ") || !strings.Contains(out, "case 1 of 30") {
		t.Fatalf("the open cases:\n%s", out)
	}
	// A query asks for the closed cases: said at once, found when read.
	m = drive(t, m, keyPress("/"))
	next, cmd = m.Update(keyPress("C"))
	m = next.(Model)
	if out := frame(m); !strings.Contains(out, "loading closed cases…") {
		t.Fatalf("the closed cases asked for:\n%s", out)
	}
	for _, msg := range run(cmd) {
		m = drive(t, m, msg)
	}
	m = typeText(t, m, "losed-31")
	out = frame(m)
	if !slices.Equal(r.calls, []string{"start", "open", "closed"}) || !strings.Contains(out, closed[1]) ||
		strings.Contains(out, "loading closed") || m.queue.snap.len() != 33 {
		t.Fatalf("the query found the closed case %s (reads %v, %d held):\n%s", closed[1], r.calls, m.queue.snap.len(), out)
	}
}

// TestClosedCasesFollowTheLastOpenOne: the cursor on the last open case
// reads the closed ones, which follow it; the overview waits for them.
func TestClosedCasesFollowTheLastOpenOne(t *testing.T) {
	r, c, closed := pagingFixture(t)
	m := New(Options{Store: r, Clock: c, Actor: "anna", Title: "test"})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 12})
	m = drive(t, m, m.loadQueue("")())
	if m.queue.snap.len() != 30 {
		t.Fatalf("%d cases held at start (reads %v)", m.queue.snap.len(), r.calls)
	}
	m = drive(t, m, keyPress("G"))
	if !slices.Contains(r.calls, "closed") || m.queue.snap.len() != 33 {
		t.Fatalf("the last open case: reads %v, %d held", r.calls, m.queue.snap.len())
	}
	// One G is the last case of the whole queue: a closed one, read for it.
	if out := frame(m); !strings.Contains(out, closed[0]) || !strings.Contains(out, "case 33 of 33") {
		t.Fatalf("the closed cases follow the open ones, the cursor on the last:\n%s", out)
	}

	// The overview of a queue without its closed cases waits for them.
	r2, c2, _ := pagingFixture(t)
	m = New(Options{Store: r2, Clock: c2, Actor: "anna", Title: "test"})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	if m.queue.snap.len() != 30 {
		t.Fatalf("%d cases held at start", m.queue.snap.len())
	}
	m = drive(t, m, keyPress("v"))
	out := frame(m)
	if !slices.Contains(r2.calls, "closed") || !strings.Contains(out, "33 cases") {
		t.Fatalf("the overview counts the closed cases (reads %v):\n%s", r2.calls, out)
	}
}

// TestFirstPageThroughServer: in team mode the server answers the same
// three reads, scoped to the caller: the first frame from its first page
// and counts, then the open cases, then the closed ones when a query asks.
func TestFirstPageThroughServer(t *testing.T) {
	r, c, closed := pagingFixture(t)
	anna := server.Peer{UID: 51001, Name: "anna"}
	socket := servertest.Start(t, r.Store, c, func() server.Peer { return anna })
	client, err := server.Dial(socket, server.DialOptions{ServiceUID: -1, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	m := New(Options{Store: client, Clock: c, Actor: "anna", Title: "team"})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 12})
	first, ok := m.loadQueue("")().(startMsg)
	if !ok || first.err != nil || len(first.page.Rows) != 30 || first.page.Counts.Open != 30 || first.page.Counts.Cases != 33 {
		t.Fatalf("the server's first page: %+v", first)
	}
	m = drive(t, m, first)
	if m.queue.snap.len() != 30 || m.queue.start.paging || !strings.Contains(frame(m), "30 open · ") {
		t.Fatalf("the open cases through the server: %d held\n%s", m.queue.snap.len(), frame(m))
	}
	m = drive(t, m, keyPress("/"))
	m = typeText(t, m, "Closed-32")
	if out := frame(m); !strings.Contains(out, closed[2]) || m.queue.snap.len() != 33 {
		t.Fatalf("the closed case through the server (%d held):\n%s", m.queue.snap.len(), out)
	}
}

// TestOpenCasesThatCannotBeReadAreReadAgain: the open cases read after the
// first page meet a busy file: said in full, and the next poll reads the
// queue again, first page then open cases.
func TestOpenCasesThatCannotBeReadAreReadAgain(t *testing.T) {
	r, c, _ := pagingFixture(t)
	r.openBusy = 1
	m := New(Options{Store: r, Clock: c, Actor: "anna", Title: "test"})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 12})
	m = drive(t, m, m.loadQueue("")())
	if out := frame(m); !strings.Contains(out, "the database is busy") || m.queue.start.paging {
		t.Fatalf("the open cases could not be read:\n%s", out)
	}
	m = drive(t, m, m.refresh()())
	if out := frame(m); strings.Contains(out, "busy") || m.queue.snap.len() != 30 || !strings.Contains(out, "case 1 of 30") {
		t.Fatalf("read again (reads %v):\n%s", r.calls, out)
	}
}
