package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases"
	"rightsdesk/export"
	"rightsdesk/storage"
)

// The commands: everything that reads or writes the store, the files or
// the clock, and the work too slow for the update loop (filtering, the
// overview's figures). Each takes what it needs from the model when it is
// made and returns a message; none changes the model.

// Messages.
type (
	queueMsg struct {
		all     []cases.Summary
		voided  []cases.Summary // kept apart: out of the queue (standing)
		counter uint64
		keepID  string
		// partial: rows are others' changes since the snapshot's counter,
		// to merge into it (merge), not a full load.
		partial bool
		rows    []cases.Summary
		err     error
	}
	// polledMsg says a poll found the database readable and unchanged.
	polledMsg struct{}
	// indexMsg is the filter index of a snapshot's rows, built after it is
	// shown.
	indexMsg struct {
		rows  rowStore
		index *cases.FilterIndex
	}
	filterMsg struct {
		seq    int
		ranked slotList
		exact  int
		// stopped: the run was overtaken by a newer one and stopped
		// part way; its result is not one.
		stopped bool
	}
	caseMsg struct {
		detail *caseDetail
		err    error
		reload bool // a re-read of the case shown: dropped if the user has left it
		menu   bool // read for the action list over the queue
	}
	tickMsg time.Time
	pollMsg struct{}
	// actionMsg is what the store said to an action sent from a form.
	actionMsg struct {
		id     string
		result *storage.Result
		err    error
		field  string // the field err is about, when err does not name it (the file that cannot be read)
	}
	addedMsg struct {
		ids []string
		err error
	}
	bulkMsg struct {
		what   string // "assigned to marc", "tagged audit"
		result *storage.Bulk
		err    error
	}
	// exportedMsg is what a packet, a case record or a report wrote.
	exportedMsg struct {
		lines  []string
		err    error
		reload bool
	}
	overviewMsg struct {
		seq     int
		figures *overview
	}
	// completionMsg is what a folder holds for the path typed so far.
	completionMsg struct {
		typed string   // the text completed (stale if the field changed since)
		dir   string   // the folder part, as it will be shown
		base  string   // the name part typed
		names []string // the folder's entries that begin with it (folders end in /)
	}
)

func (m Model) tick() tea.Cmd {
	return tea.Tick(m.nextTick(), func(t time.Time) tea.Msg { return tickMsg(t) })
}

// nextTick is how long until the countdowns are recomputed: at the turn of
// the clock's next minute, when the header's time changes and when a
// countdown's hours or a due instant (the end of a day, hh:59:59) have
// just passed; the renderer then writes only the cells that changed.
func (m Model) nextTick() time.Duration {
	if m.opt.Tick > 0 {
		return m.opt.Tick
	}
	now := m.opt.Clock.Now()
	return now.Truncate(time.Minute).Add(time.Minute).Sub(now)
}

func (m Model) poll() tea.Cmd {
	return tea.Tick(m.opt.Poll, func(time.Time) tea.Msg { return pollMsg{} })
}

// buildIndex folds a snapshot's rows for the filter, off the update loop.
func buildIndex(rows rowStore) tea.Cmd {
	return func() tea.Msg { return indexMsg{rows: rows, index: indexed(nil, rows)} }
}

// indexed is ix (nil: none yet) with the rows of all it lacks, in their
// slots: all's index.
func indexed(ix *cases.FilterIndex, all rowStore) *cases.FilterIndex {
	if ix == nil {
		// Made whole from the store's chunks: a map sized once, no
		// version in between.
		parts := make([][]cases.Summary, 0, len(all.chunks))
		left := all.n
		for _, chunk := range all.chunks {
			parts = append(parts, chunk[:min(len(chunk), left)])
			left -= len(parts[len(parts)-1])
		}
		return cases.NewFilterIndexOf(parts)
	}
	for ix.Len() < all.n {
		k, j := ix.Len()>>rowChunkBits, ix.Len()&(rowChunk-1)
		ix = ix.With(all.chunks[k][j:])
	}
	return ix
}

// refresh reads the cases others changed, off the update loop, for the
// update loop to merge into the snapshot (merge); nothing happens when
// nothing changed.
func (m Model) refresh() tea.Cmd {
	q := m.queue
	if !q.loaded {
		return m.loadQueue("") // the first load failed: try again
	}
	st, since, hadErr := m.opt.Store, q.counter, m.err != ""
	return func() tea.Msg {
		counter, ids, err := st.Changes(since)
		if err != nil {
			return queueMsg{err: err}
		}
		if counter == since || len(ids) == 0 {
			if hadErr {
				return polledMsg{} // clears a passing error such as a busy database
			}
			return nil
		}
		rows, counter, err := st.Rows(ids)
		if err != nil {
			return queueMsg{err: err}
		}
		return queueMsg{rows: rows, counter: counter, partial: true}
	}
}

// merge shows the snapshot with the rows others changed: each moves to
// its place, in the queue and in the result of the filter shown, at the
// cost of the rows changed (snapshot.merged, placing), and the cursor stays
// on its case. A filter run still under way is run again on the new
// snapshot.
func (m Model) merge(rows []cases.Summary, counter uint64) (tea.Model, tea.Cmd) {
	q, f := &m.queue, &m.queue.filter
	cursor := -1
	if q.cursor >= 0 && q.cursor < q.shown.len() {
		cursor = q.shown.at(q.cursor)
	}
	old := q.snap
	next, changes := old.merged(rows)
	q.snap, q.counter = next, counter
	for _, c := range changes {
		if c.from >= 0 {
			q.tally(old.rows.at(c.from), -1)
		}
		if c.to >= 0 {
			q.tally(next.rows.at(c.to), 1)
			q.idWidth = max(q.idWidth, len(next.rows.at(c.to).ID))
		}
		if c.from == cursor && cursor >= 0 {
			cursor = c.to // -1: voided, the cursor stays where it is
		}
	}
	var run tea.Cmd
	switch {
	case len(changes) == 0:
	case !q.arranged():
		q.shown = next.order
	case f.shownSeq == f.seq && next.index != nil:
		p := m.placing()
		q.shown, f.exact = p.place(q.shown, f.exact, changes)
	default:
		f.seq++
		run = m.runFilter()
	}
	if cursor >= 0 {
		if k := m.placing().locate(q.shown, cursor); k >= 0 {
			q.cursor = k
		}
	}
	q.cursor = max(0, min(q.cursor, q.shown.len()-1))
	q.clamp(m.queueRows())
	var figures tea.Cmd
	if m.screen == screenOverview && len(changes) > 0 {
		m, figures = m.workOutOverview()
	}
	return m, tea.Batch(run, m.reloadCaseIfChanged(), figures)
}

// standing splits a snapshot into the cases that stand, the queue's,
// and those voided (recorded by mistake), which the queue leaves out and
// the overview counts apart; the order is kept.
func standing(all []cases.Summary) (kept, voided []cases.Summary) {
	n := 0
	for i := range all {
		if all[i].Voided {
			voided = append(voided, all[i])
			continue
		}
		all[n] = all[i]
		n++
	}
	return all[:n], voided
}

// matcher is the current query and quick filters as a function of a
// snapshot, to run off the update loop.
//
// With stale, the run checks it every few thousand rows and, once it is
// true, stops: a run overtaken by a newer keystroke does not score rows
// for a result no one will see.
func (m Model) matcher(stale func() bool) func(s *snapshot) (slotList, int) {
	q, query, now, order := m.queue.filter.quick, m.queue.query(), m.now, m.queue.filter.sort
	n := q.narrowing(m.opt.Actor, m.opt.Registers)
	return func(s *snapshot) (slotList, int) {
		var keep func(i int) bool
		if q.active() {
			keep = func(i int) bool { return n.Allows(s.rows.at(i), now) }
		}
		ranked, exact := s.index.MatchIn(s.order.chunks, query, keep, stale)
		order.arrange(s.rows, ranked)
		return newSlotList(ranked), exact
	}
}

// runFilter ranks the snapshot against the query and quick filters, off the
// update loop; a newer keystroke makes its result stale.
func (m Model) runFilter() tea.Cmd {
	snap, seq, latest := m.queue.snap, m.queue.filter.seq, m.queue.filter.latest
	if snap.index == nil {
		return nil
	}
	if latest == nil {
		latest = new(atomic.Int64) // a model not made by New
	}
	latest.Store(int64(seq))
	stale := func() bool { return latest.Load() != int64(seq) }
	match := m.matcher(stale)
	return func() tea.Msg {
		ranked, exact := match(&snap)
		if stale() {
			return filterMsg{seq: seq, stopped: true} // dropped: a newer run is on its way
		}
		return filterMsg{seq: seq, ranked: ranked, exact: exact}
	}
}

func (m Model) runFilterIfNeeded() tea.Cmd {
	if !m.queue.arranged() {
		return nil
	}
	return m.runFilter()
}

// clearFilter shows the whole queue again, in the order chosen, keeping
// the cursor's case.
func (m Model) clearFilter() tea.Cmd {
	seq, snap, order := m.queue.filter.seq, m.queue.snap, m.queue.filter.sort
	return func() tea.Msg {
		ranked := snap.order
		if order != byUrgency {
			flat := snap.order.flat()
			order.arrange(snap.rows, flat)
			ranked = newSlotList(flat)
		}
		return filterMsg{seq: seq, ranked: ranked, exact: -1}
	}
}

// refilter runs the filter after the query, a quick filter or the order
// changed, or clears it when nothing is left of it.
func (m Model) refilter() tea.Cmd {
	if !m.queue.filtered() {
		return m.clearFilter()
	}
	return m.runFilter()
}

// logAccess records in the access log that the actor read a case.
func (m Model) logAccess(id, what string) tea.Cmd {
	if id == "" || m.opt.Actor == "" {
		return nil
	}
	st, at, actor := m.opt.Store, m.opt.Clock.Now(), m.opt.Actor
	return func() tea.Msg {
		if err := st.LogAccess(storage.Access{At: at, Actor: actor, CaseID: id, What: what}); err != nil {
			return queueMsg{err: fmt.Errorf("access log: %w", err)}
		}
		return nil
	}
}

// readCase reads one case and its register and derives it, off the update loop.
func (m Model) readCase(id string) func() caseMsg {
	st, regs, now := m.opt.Store, m.opt.Registers, m.opt.Clock.Now()
	return func() caseMsg {
		l, err := st.Get(id)
		if err != nil {
			return caseMsg{err: err}
		}
		state, err := l.Case.Derive(now)
		if err != nil {
			return caseMsg{err: err}
		}
		d := &caseDetail{loaded: l, state: state, at: now}
		d.refused = refusals(d)
		if regs != nil {
			d.register, _ = regs.Get(l.Case.Controller)
		}
		if d.register != nil {
			// A letter that cannot be built now is no draft to show:
			// export says why when it is asked for.
			d.letter, d.letterGaps, _ = export.Check(export.Input{Case: l.Case, Register: d.register})
		}
		return caseMsg{detail: d}
	}
}

// openCase reads a case to show it, logging the read; without log it is a
// re-read of the case on screen.
func (m Model) openCase(id string, log bool) tea.Cmd {
	read := m.readCase(id)
	if !log {
		return func() tea.Msg {
			msg := read()
			msg.reload = true
			return msg
		}
	}
	return tea.Batch(func() tea.Msg { return read() }, m.logAccess(id, "opened the case"))
}

// actionsFor reads the case under the cursor for the action list over the
// queue, logging the read as opening the case.
func (m Model) actionsFor(id string) tea.Cmd {
	read := m.readCase(id)
	return tea.Batch(func() tea.Msg {
		msg := read()
		msg.menu = true
		return msg
	}, m.logAccess(id, "opened the case"))
}

// do sends one action on the open case at the revision its form opened on;
// an attachment's file (named in the event by its base name) is read here,
// not in Update.
func (m Model) do(id string, ev cases.Event, rev int, path string) tea.Cmd {
	st, now, overridden := m.opt.Store, m.opt.Clock.Now(), m.opt.ActorOverridden
	return func() tea.Msg {
		a := storage.Action{Event: ev, IfRevision: rev}
		switch {
		case ev.Kind == cases.EventAttached:
			data, err := storage.ReadAttachment(expandHome(path), st.MaxFileSize())
			if err != nil {
				return actionMsg{id: id, err: err, field: "file"}
			}
			a.Content = data
		case ev.Kind == cases.EventApproved:
			if overridden {
				a.Event.Overridden = []string{cases.OverriddenActor}
			}
			if path != "" {
				data, err := storage.ReadAttachment(expandHome(path), st.MaxFileSize())
				if err != nil {
					return actionMsg{id: id, err: err, field: "evidence"}
				}
				a.Content = data
			}
		case ev.Kind == cases.EventSent && ev.Outside && path != "":
			// The letter that went another way is not stored: its
			// SHA-256 identifies it.
			data, err := storage.ReadAttachment(expandHome(path), st.MaxFileSize())
			if err != nil {
				return actionMsg{id: id, err: err, field: "outside-file"}
			}
			sum := sha256.Sum256(data)
			a.Event.Checksum = hex.EncodeToString(sum[:])
		}
		res, err := st.Do(id, []storage.Action{a}, now)
		if err != nil {
			return actionMsg{id: id, err: err}
		}
		return actionMsg{id: id, result: res[0]}
	}
}

// doEach applies a bulk form's event to its cases in one transaction; a
// case that changed since it was shown is skipped and named.
func (m Model) doEach(f *form, ev cases.Event) tea.Cmd {
	st, ids, revs, now := m.opt.Store, f.bulk, f.bulkRevs, m.opt.Clock.Now()
	what := "assigned to " + cases.Printable(ev.Assignee)
	if ev.Kind == cases.EventTagged {
		what = "tagged " + cases.Printable(strings.Join(ev.Tags, " "))
	}
	return func() tea.Msg {
		res, err := st.DoEach(ids, storage.Action{Event: ev}, revs, now)
		return bulkMsg{what: what, result: res, err: err}
	}
}

// addCase records a new request through the store, one case per right,
// read from the new request form's values as add and import read theirs.
func (m Model) addCase(values cases.Values) tea.Cmd {
	regs := m.opt.Registers
	if regs == nil {
		return func() tea.Msg { return addedMsg{err: fmt.Errorf("no registers are loaded")} }
	}
	st, now, actor := m.opt.Store, m.opt.Clock.Now(), m.opt.Actor
	return func() tea.Msg {
		// Here, not in Update: reading the received time loads the zone's file.
		in, rules, err := cases.ParseIntake(values, regs.RulesFor)
		if err != nil {
			return addedMsg{err: err}
		}
		created, err := st.Add(in, rules, now, actor)
		if err != nil {
			return addedMsg{err: err}
		}
		var ids []string
		for _, c := range created {
			ids = append(ids, c.ID)
		}
		return addedMsg{ids: ids}
	}
}

// exportPacket writes the response packet of the open case for the letter
// chosen, and says where it went and what the letter lacks.
func (m Model) exportPacket(id string, kind cases.LetterKind) tea.Cmd {
	exp := m.opt.Export
	return func() tea.Msg {
		res, err := exp(id, kind)
		if err != nil {
			return exportedMsg{err: err}
		}
		lines := []string{"Packet written: " + res.Path, "sha256 " + res.SHA256, "(recorded in the timeline; s then records the letter as sent)"}
		if res.Draft {
			lines = append(lines, "DRAFT: the letter lacks facts; fill them (the case screen lists each) and export again")
		}
		if len(res.Gaps) > 0 {
			lines = append(lines, fmt.Sprintf("facts the register lacks (%d): %s (O shows the register, E there edits it: rightsdesk controllers %s edit)",
				len(res.Gaps), strings.Join(res.Gaps, ", "), res.Controller))
		}
		if len(res.CaseGaps) > 0 {
			lines = append(lines, fmt.Sprintf("facts the case lacks (%d): %s", len(res.CaseGaps), strings.Join(res.CaseGaps, "; ")))
		}
		return exportedMsg{lines: lines, reload: true}
	}
}

// exportRecord is the E key: the case record, for the organisation's files
// or a supervisory authority.
func (m Model) exportRecord(id string) tea.Cmd {
	rec := m.opt.Record
	if rec == nil {
		return nil
	}
	return func() tea.Msg {
		dir, head, err := rec(id)
		if err != nil {
			return exportedMsg{err: err}
		}
		return exportedMsg{lines: []string{"Case record written: " + dir, "chain head " + head}}
	}
}

// writeReport is R on the overview: the register of requests of the
// organisation shown (or of all) as CSV.
func (m Model) writeReport() tea.Cmd {
	rep, org := m.opt.Report, m.queue.filter.quick.controller
	if rep == nil {
		return nil
	}
	return func() tea.Msg {
		path, err := rep(org)
		if err != nil {
			return exportedMsg{err: err}
		}
		return exportedMsg{lines: []string{"Register of requests written: " + path}}
	}
}

// workOutOverview asks for the overview's figures of the cases as they are
// now, off the update loop; the figures shown stay until they come.
func (m Model) workOutOverview() (Model, tea.Cmd) {
	m.overview.seq++
	seq, snap, org, now := m.overview.seq, m.queue.snap, m.queue.filter.quick.controller, m.now
	return m, func() tea.Msg {
		return overviewMsg{seq: seq, figures: overviewFigures(snap.summaries(), snap.voided, org, now)}
	}
}

// completePath lists, off the update loop, the entries of the folder a
// typed path points into that begin with its last part.
func completePath(typed string) tea.Cmd {
	return func() tea.Msg {
		dir, base := filepath.Split(expandHome(typed))
		look := dir
		if look == "" {
			look = "."
		}
		msg := completionMsg{typed: typed, dir: dir, base: base}
		entries, err := os.ReadDir(look)
		if err != nil {
			return msg
		}
		for _, e := range entries {
			n := e.Name()
			if !strings.HasPrefix(n, base) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".")) {
				continue
			}
			if e.IsDir() {
				n += string(filepath.Separator)
			}
			msg.names = append(msg.names, n)
		}
		return msg
	}
}

// expandHome reads a leading ~/ as the home folder, as a shell does.
func expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return path
}
