package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"rightsdesk/storage"
)

// Watcher is a Store that pushes the changes others commit as they are
// committed (the team server's client, TRUST.md): the app then shows a
// colleague's change at once instead of at its next poll. Subscribe sends
// the store's change counter after each commit the caller may see, at once
// if the store is already past since; the channel closes when the
// connection is lost.
type Watcher interface {
	Subscribe(ctx context.Context, since uint64) (<-chan uint64, error)
}

// rewatchAfter is how long the app waits before subscribing again after
// the stream was lost or refused.
const rewatchAfter = time.Second

type (
	// watchingMsg is a subscription made (or refused, with err).
	watchingMsg struct {
		changes <-chan uint64
		err     error
	}
	// changedMsg is a commit pushed by the store.
	changedMsg struct {
		changes <-chan uint64
		counter uint64
	}
	// watchLostMsg says the stream ended: the server went away.
	watchLostMsg struct{}
	// rewatchMsg is the time to subscribe again.
	rewatchMsg struct{}
)

// lostServer is what the footer says while the stream is lost; what is
// typed in a form stays, and the app subscribes again by itself.
const lostServer = "the server does not answer; reconnecting (what you type is kept)"

// notCurrent is what the footer says while the server refuses every
// request because it cannot confirm that its copy of a cluster's store is
// current (the cluster lost its quorum): what the screen shows may miss
// colleagues' changes made through other servers.
const notCurrent = "team cluster not answering: the screen may be out of date; changes are refused"

// notCurrentOr is what the footer says of err: notCurrent for a store
// refused as unavailable (only a team server on a cluster refuses so),
// line otherwise.
func notCurrentOr(err error, line string) string {
	if errors.Is(err, storage.ErrUnavailable) {
		return notCurrent
	}
	return line
}

// aCondition says whether the footer's error is a condition that stays
// until it ends (a lost server, a server not current) rather than a
// message that a key clears.
func aCondition(err string) bool { return err == lostServer || err == notCurrent }

// watcher is the store's push side, when it has one.
func (m Model) watcher() Watcher {
	w, _ := m.opt.Store.(Watcher)
	return w
}

// subscribe asks the store for its stream of changes, off the update loop.
func (m Model) subscribe() tea.Cmd {
	w, since := m.watcher(), m.queue.counter
	if w == nil {
		return nil
	}
	return func() tea.Msg {
		ch, err := w.Subscribe(context.Background(), since)
		return watchingMsg{changes: ch, err: err}
	}
}

// nextChange waits for the stream's next commit.
func nextChange(ch <-chan uint64) tea.Cmd {
	return func() tea.Msg {
		counter, ok := <-ch
		if !ok {
			return watchLostMsg{}
		}
		return changedMsg{changes: ch, counter: counter}
	}
}

// watched handles the stream's messages: a commit merges the changed cases
// at once (the same merge as a poll's); a lost stream is said in the
// footer until the app has subscribed again, and the queue is then merged
// with what changed meanwhile.
func (m Model) watched(msg tea.Msg) (tea.Model, tea.Cmd) {
	rewatch := tea.Tick(rewatchAfter, func(time.Time) tea.Msg { return rewatchMsg{} })
	switch msg := msg.(type) {
	case watchingMsg:
		if msg.err != nil {
			// A message stays until a key (clearMessage); a queue that could
			// not be read is said better by why.
			if m.err == "" || aCondition(m.err) || m.err == m.queue.readErr {
				m.err = notCurrentOr(msg.err, lostServer)
			}
			return m, rewatch
		}
		if aCondition(m.err) || (m.err != "" && m.err == m.queue.readErr) {
			m.err, m.queue.readErr = "", ""
		}
		if !m.queue.loaded {
			return m, nextChange(msg.changes)
		}
		return m, tea.Batch(nextChange(msg.changes), m.refresh())
	case changedMsg:
		if !m.queue.loaded || msg.counter <= m.queue.counter {
			return m, nextChange(msg.changes) // the load under way, or a merge already made, is current
		}
		return m, tea.Batch(nextChange(msg.changes), m.refresh())
	case watchLostMsg:
		if m.err == "" {
			m.err = lostServer
		}
		return m, rewatch
	case rewatchMsg:
		return m, m.subscribe()
	}
	return m, nil
}
