package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// pushed is the local store with the push side of a team server's client:
// the test commits through the store and then sends the counter, as the
// server does after each commit.
type pushed struct {
	*storage.Store
	changes chan uint64
	refuse  error
}

func (p *pushed) Subscribe(_ context.Context, _ uint64) (<-chan uint64, error) {
	if p.refuse != nil {
		return nil, p.refuse
	}
	return p.changes, nil
}

// one runs a command that returns a single message (no batch), the way the
// program would, and gives the message.
func one(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	return cmd()
}

// settle feeds msg and follows every command it returns except those that
// wait on the stream, which it hands back.
func settle(t *testing.T, m Model, msg tea.Msg) (Model, []tea.Cmd) {
	t.Helper()
	next, cmd := m.Update(msg)
	m = next.(Model)
	var waiting []tea.Cmd
	var follow func(cmd tea.Cmd)
	follow = func(cmd tea.Cmd) {
		if cmd == nil {
			return
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- cmd() }()
		select {
		case msg := <-done:
			switch msg := msg.(type) {
			case tea.BatchMsg:
				for _, c := range msg {
					follow(c)
				}
			case nil, tickMsg, pollMsg, rewatchMsg:
			default:
				var more []tea.Cmd
				m, more = settle(t, m, msg)
				waiting = append(waiting, more...)
			}
		case <-time.After(200 * time.Millisecond):
			waiting = append(waiting, func() tea.Msg { return <-done })
		}
	}
	follow(cmd)
	return m, waiting
}

func TestPushedChangeShowsWithoutAPoll(t *testing.T) {
	s, c, ids := fixture(t)
	p := &pushed{Store: s, changes: make(chan uint64, 1)}
	// No poll within the test: only the push can bring the change.
	m := New(Options{Store: p, Clock: c, Actor: "anna", Title: "test", Tick: time.Hour, Poll: time.Hour})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	m, waiting := settle(t, m, one(t, m.subscribe()))
	if len(waiting) != 1 {
		t.Fatalf("the app waits on the stream once, got %d waits", len(waiting))
	}

	// A colleague assigns the first case; the server pushes the counter.
	r, err := s.Apply(ids[0], cases.Event{Kind: cases.EventAssigned, Assignee: "marc", Actor: "marc"}, storage.NoRevision, c.t)
	if err != nil {
		t.Fatal(err)
	}
	counter, _, err := s.Changes(0)
	if err != nil {
		t.Fatal(err)
	}
	p.changes <- counter
	m, waiting = settle(t, m, waiting[0]())
	if got := m.queue.counter; got != counter {
		t.Fatalf("after the push the queue is at change %d, want %d", got, counter)
	}
	row := m.queue.snap.summaries()[0]
	if row.ID != ids[0] || row.Revision != r.Revision {
		t.Fatalf("the pushed change is not in the queue: %+v", row)
	}
	if len(waiting) != 1 {
		t.Fatalf("the app goes on waiting on the stream: %d waits", len(waiting))
	}

	// The server goes away: the footer says so and a form keeps its text.
	close(p.changes)
	m, _ = settle(t, m, waiting[0]())
	if !strings.Contains(frame(m), "the server does not answer") {
		t.Fatalf("a lost server is not said:\n%s", frame(m))
	}
	// Subscribing again fails while it is away, then works: the message goes.
	p.refuse = errors.New("dial: connection refused")
	m, _ = settle(t, m, rewatchMsg{})
	if !strings.Contains(frame(m), "the server does not answer") {
		t.Fatalf("the message stays while the server is away:\n%s", frame(m))
	}
	p.refuse, p.changes = nil, make(chan uint64, 1)
	m, waiting = settle(t, m, rewatchMsg{})
	if strings.Contains(frame(m), "the server does not answer") || len(waiting) != 1 {
		t.Fatalf("back again: message gone and one wait, got %d waits:\n%s", len(waiting), frame(m))
	}
}

// A read of the store that failed while a form is open (the server gone)
// is said until the store reads again, then goes, and the form keeps what
// was typed; a refusal of the form's own stays with the form.
func TestAReadErrorGoesWhenTheStoreReadsAgainWithAFormOpen(t *testing.T) {
	m, _, _, _ := formFixture(t) // registers: the new request form needs them
	m = press(t, m, "n", "=Ewa")
	if m.form == nil {
		t.Fatal("n opens the note form")
	}
	m = drive(t, m, queueMsg{err: errors.New("the rightsdesk server at /run/rd.sock does not answer")})
	if !strings.Contains(frame(m), "does not answer") {
		t.Fatalf("the read error is not said:\n%s", frame(m))
	}
	m = drive(t, m, polledMsg{})
	if strings.Contains(frame(m), "does not answer") || m.form == nil || !strings.Contains(frame(m), "Ewa") {
		t.Fatalf("the store reads again: the error goes, the form stays:\n%s", frame(m))
	}
	m.err = "the organisation is required"
	m = drive(t, m, polledMsg{})
	if m.err != "the organisation is required" {
		t.Fatalf("a form's refusal went with a poll: %q", m.err)
	}
}
