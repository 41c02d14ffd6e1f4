package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// The start: what the app reads first costs what the first screen shows,
// then what the open cases cost; the closed ones, most of an archive, are
// read only when something asks for them.
//
//  1. The first page: the first rows of the queue in the urgency order and
//     the counts kept in the file (storage.Store.Start); the first frame
//     shows them, the header counting every case.
//  2. The open cases (storage.Store.OpenQueue): the open ones and those
//     closed with their answer not sent (they still owe a letter), off the
//     update loop; the queue and its filter then work on them as on a
//     whole queue.
//  3. The closed cases (storage.Store.ClosedQueue), when a filter, a sort,
//     the overview or the cursor at the last open case asks for them, with
//     "loading closed cases…" said while they come; and at once when the
//     open cases do not fill the screen, so that a small file shows all
//     its cases as before.
//
// A store that does not page (the team server's client) loads the whole
// queue at once, as before.

// pagedStore is a store that answers the start's reads; storage.Store does.
type pagedStore interface {
	Start(now time.Time, n int) (*storage.Start, error)
	OpenQueue(now time.Time) ([]cases.Summary, uint64, error)
	ClosedQueue(now time.Time) ([]cases.Summary, uint64, error)
}

// firstPage is how many rows the first page reads: a tall terminal's
// screen, whatever size the window turns out to be. FirstPage is it for
// a caller that reads the first page ahead (rightsdesk's start).
const (
	firstPage = 200
	FirstPage = firstPage
)

// startState is how much of the store the queue holds.
type startState struct {
	paging bool // the first page is shown, the open cases are on their way
	closed closedState
	// notLoaded is how many closed cases the store holds that the queue
	// does not (the counts of the first page), 0 once they are loaded.
	notLoaded int
	// toEnd: the last case was asked for (G, end) before the closed cases
	// came; the cursor goes to it when they do.
	toEnd bool
}

type closedState int

const (
	closedNotLoaded closedState = iota
	closedLoading
	closedLoaded
)

type (
	// startMsg is the first page.
	startMsg struct {
		page   *storage.Start
		keepID string
		err    error
	}
	// openMsg is the open cases, which replace the first page.
	openMsg struct{ queueMsg }
	// closedMsg is the closed cases read, merged into the snapshot the
	// read began with (base); voided are those voided, open or closed.
	closedMsg struct {
		baseSlots    int    // the slots of the snapshot merged into (rowStore.n)
		baseCounter  uint64 // and its change counter: a merge since changes either
		all, voided  []cases.Summary
		counter      uint64
		closed, void []cases.Summary // as read (current to read), to merge again if the snapshot changed meanwhile
		read         uint64
		err          error
	}
)

// loadQueue reads the queue off the update loop: from a store that pages,
// the first page then the open cases (started); from another, every
// summary at once. The first frame does not wait for the filter's index
// (buildIndex).
func (m Model) loadQueue(keepID string) tea.Cmd {
	st, now := m.opt.Store, m.opt.Clock.Now()
	if p, ok := st.(pagedStore); ok {
		return func() tea.Msg {
			page, err := p.Start(now, firstPage)
			return startMsg{page: page, keepID: keepID, err: err}
		}
	}
	return tea.Batch(func() tea.Msg {
		all, counter, err := st.Queue(now)
		if err != nil {
			return queueMsg{err: err}
		}
		all, voided := standing(all)
		return queueMsg{all: all, voided: voided, counter: counter, keepID: keepID}
	}, afterFirstFrame(m.awaitRegisters())) // a store that pages asks for them with its first page (started)
}

// firstFrame is how long the first page takes to reach the screen once
// shown: Bubble Tea draws at most 60 frames a second. What the app reads
// next (the open cases, the registers) waits that long, so that it does
// not take the two processors from the drawing of the first frame.
const firstFrame = 20 * time.Millisecond

// afterFirstFrame is cmd run once the first frame is drawn.
func afterFirstFrame(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		time.Sleep(firstFrame)
		return cmd()
	}
}

// started shows the first page and asks for the open cases and the
// registers, once it is drawn.
func (m Model) started(msg startMsg) (tea.Model, tea.Cmd) {
	registers := afterFirstFrame(m.awaitRegisters())
	if msg.err != nil {
		next, cmd := m.snapshot(queueMsg{err: msg.err})
		return next, tea.Batch(cmd, registers)
	}
	m.clearStoreError()
	q, c := &m.queue, msg.page.Counts
	q.snap, q.counter, q.loaded = newSnapshot(msg.page.Rows, nil), msg.page.Changes, true
	q.idWidth = idWidth(msg.page.Rows)
	q.filter.seq++
	q.shown = q.snap.order
	q.openCount, q.overdueCount, q.unsentCount = c.Open, c.Overdue, c.AnswerNotSent
	q.start = startState{paging: true, notLoaded: max(0, c.Cases-c.Open-c.AnswerNotSent) + c.Voided}
	m.moveTo(msg.keepID)
	p, now, keepID := m.opt.Store.(pagedStore), m.opt.Clock.Now(), msg.keepID
	return m, tea.Batch(registers, afterFirstFrame(func() tea.Msg {
		all, counter, err := p.OpenQueue(now)
		if err != nil {
			return openMsg{queueMsg{err: err}}
		}
		return openMsg{queueMsg{all: all, counter: counter, keepID: keepID}}
	}))
}

// opened shows the open cases in place of the first page.
func (m Model) opened(msg openMsg) (tea.Model, tea.Cmd) {
	if msg.err == nil && msg.keepID == "" {
		msg.keepID = m.queue.currentID()
	}
	next, cmd := m.snapshot(msg.queueMsg)
	m = next.(Model)
	m.queue.start.paging = false
	if msg.err != nil {
		// Said in place of the first page, which the next poll reads again
		// with the rest (refresh loads a queue not loaded).
		m.queue.loaded = false
		return m, cmd
	}
	if m.queue.start.notLoaded > 0 && m.queue.snap.len() < m.queueRows() {
		// Nothing to scroll to: the closed cases are what is left to show.
		return m.loadClosed(cmd)
	}
	return m.closedIfAsked(cmd)
}

// closedIfAsked loads the closed cases if what is on screen asks for them
// and they are not loaded: the overview (its figures count them), a typed
// query or a sort (they find and order every case), a quick filter other
// than overdue and due-this-week (which only cases owing an answer pass),
// or the cursor on the last open case (the closed ones follow it).
func (m Model) closedIfAsked(cmd tea.Cmd) (tea.Model, tea.Cmd) {
	q := &m.queue
	if q.start.closed != closedNotLoaded || q.start.paging || !q.loaded || q.start.notLoaded == 0 {
		return m, cmd
	}
	quick := q.filter.quick
	quick.overdue, quick.week = false, false
	atEnd := !q.filtered() && q.shown.len() > 0 && q.cursor >= q.shown.len()-1
	if m.screen == screenOverview || q.query() != "" || q.filter.sort != byUrgency || quick.active() || atEnd {
		return m.loadClosed(cmd)
	}
	return m, cmd
}

// loadClosed reads the closed cases off the update loop and merges them
// into the snapshot there is now; the overview's figures wait for them.
func (m Model) loadClosed(cmd tea.Cmd) (tea.Model, tea.Cmd) {
	p, ok := m.opt.Store.(pagedStore)
	if !ok {
		return m, cmd
	}
	q := &m.queue
	q.start.closed, m.status = closedLoading, loadingClosed
	if m.screen == screenOverview {
		m.overview.seq++ // figures of the open cases alone are dropped
		m.overview.figures = nil
	}
	now, snap, counter := m.opt.Clock.Now(), q.snap, q.counter
	return m, tea.Batch(cmd, func() tea.Msg {
		all, read, err := p.ClosedQueue(now)
		if err != nil {
			return closedMsg{err: err}
		}
		closed, voided := standing(all)
		return mergeClosed(snap, counter, closed, voided, read)
	})
}

// mergeClosed is the snapshot snap (current to the change counter) with
// the closed and voided cases read (current to read): a case in both is
// taken from the later read, and the result is current to the earlier
// counter, so that the next refresh reads again what changed after it.
// snap's versions never change, so it may be read here, off the update loop.
func mergeClosed(snap snapshot, counter uint64, closed, voided []cases.Summary, read uint64) closedMsg {
	base, baseVoided := snap.summaries(), snap.voided
	msg := closedMsg{baseSlots: snap.rows.n, baseCounter: counter, counter: min(counter, read), closed: closed, void: voided, read: read}
	if counter == 0 {
		msg.counter = read
	}
	readLater := read >= counter
	fresh := make(map[string]bool, len(closed)+len(voided))
	for _, list := range [][]cases.Summary{closed, voided} {
		for i := range list {
			fresh[list[i].ID] = true
		}
	}
	held := make(map[string]bool, len(base)+len(baseVoided))
	all := make([]cases.Summary, 0, len(base)+len(closed))
	keep := func(out *[]cases.Summary, from []cases.Summary) {
		for i := range from {
			if !fresh[from[i].ID] || !readLater {
				*out = append(*out, from[i])
				held[from[i].ID] = true
			}
		}
	}
	keep(&all, base)
	var void []cases.Summary
	keep(&void, baseVoided)
	for _, s := range closed {
		if !held[s.ID] {
			all = append(all, s)
		}
	}
	for _, s := range voided {
		if !held[s.ID] {
			void = append(void, s)
		}
	}
	cases.SortByUrgency(all)
	msg.all, msg.voided = all, void
	return msg
}

// closedLoaded shows the queue with its closed cases.
func (m Model) closedLoaded(msg closedMsg) (tea.Model, tea.Cmd) {
	q := &m.queue
	if m.status == loadingClosed {
		m.status = ""
	}
	if msg.err != nil {
		q.start.closed = closedNotLoaded // asked again by the next key that wants them
		m.err = errorLine(msg.err)
		return m, nil
	}
	if msg.baseSlots != q.snap.rows.n || msg.baseCounter != q.counter {
		// The snapshot changed meanwhile (a colleague's change merged:
		// new slots, a later counter): the closed cases read are merged
		// into the new one.
		snap, counter := q.snap, q.counter
		return m, func() tea.Msg { return mergeClosed(snap, counter, msg.closed, msg.void, msg.read) }
	}
	q.start.closed, q.start.notLoaded = closedLoaded, 0
	keepID := q.currentID()
	if q.start.toEnd && !q.filtered() && len(msg.all) > 0 {
		keepID = msg.all[len(msg.all)-1].ID // the key asked for the last case, which is now a closed one
	}
	q.start.toEnd = false
	return m.snapshot(queueMsg{all: msg.all, voided: msg.voided, counter: msg.counter, keepID: keepID})
}

// loadingClosed is what the status line says while the closed cases come.
const loadingClosed = "loading closed cases…"

// startMessage handles the start's messages, and keeps what the first page
// shows from being replaced by a merge into it: the open cases on their
// way replace it whole.
func (m Model) startMessage(msg tea.Msg) (tea.Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case startMsg:
		next, cmd := m.started(msg)
		return next, cmd, true
	case openMsg:
		next, cmd := m.opened(msg)
		return next, cmd, true
	case closedMsg:
		next, cmd := m.closedLoaded(msg)
		return next, cmd, true
	case queueMsg:
		if msg.partial && m.queue.start.paging {
			return m, nil, true
		}
	}
	return m, nil, false
}
