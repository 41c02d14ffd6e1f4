package ui

import (
	"slices"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

// The queue screen: the cases in urgency order, one row each, only the
// rows that fit rendered.

// columns are the queue's column widths for a window width. The ID and
// the countdown are always whole; the others give way in a fixed order
// (givesWay) while the subject would be too narrow: first the right and
// the status take their short forms and the organisation narrows (the
// assignee stays: at 80 columns it is who has the case, the e-mail address
// is on the case screen); then the assignee and the organisation narrow
// further; then the organisation is abbreviated to a few letters; then the
// assignee goes, then the right, then the status, and the organisation
// last. With IDs of 15 characters: every column shows from 74 columns
// (the e-mail address from 104), the right from 67, the status from 56,
// the organisation, abbreviated to four letters below 75, from 46; at 40
// the ID, a part of the subject and the countdown are left.
type columns struct {
	id, org, right, subject, status, assignee, countdown int
	shortRight, shortStatus                              bool
}

// givesWay are the steps a narrower window takes, in order, each taken
// while the subject would have fewer cells than until.
var givesWay = []struct {
	until int
	step  func(c *columns)
}{
	{30, func(c *columns) { c.right, c.shortRight = 8, true }},
	{30, func(c *columns) { c.status, c.shortStatus = 9, true }},
	{30, func(c *columns) { c.org = 8 }},
	{17, func(c *columns) { c.assignee = 6 }},
	{17, func(c *columns) { c.org = 6 }},
	{17, func(c *columns) { c.countdown = 11 }},
	{12, func(c *columns) { c.org = 5 }},
	{12, func(c *columns) { c.assignee = 0 }},
	{12, func(c *columns) { c.right = 0 }},
	{10, func(c *columns) { c.status = 0 }},
	{10, func(c *columns) { c.org = 0 }},
}

// emailRoom is the subject column that has room for the masked e-mail
// address after the name; a narrower one shows the name alone.
const emailRoom = 30

func layout(width, idWidth int) columns {
	c := columns{id: max(idWidth, minIDWidth), org: 12, right: 18, status: 15, assignee: 10, countdown: 12}
	for _, g := range givesWay {
		if c.subjectWidth(width) < g.until {
			g.step(&c)
		}
	}
	c.subject = max(6, c.subjectWidth(width))
	return c
}

// subjectWidth is what the other columns leave to the subject.
func (c columns) subjectWidth(width int) int {
	used := 2 + c.id + 1 + c.countdown
	for _, w := range []int{c.org, c.right, c.status, c.assignee} {
		if w > 0 {
			used += w + 1
		}
	}
	return width - used - 1
}

// cells joins the queue's columns, leaving out those the width dropped.
func (c columns) cells(id, org, right, subject, status, assignee string) string {
	parts := []string{id}
	for _, p := range []struct {
		text  string
		width int
	}{{org, c.org}, {right, c.right}, {subject, c.subject}, {status, c.status}, {assignee, c.assignee}} {
		if p.width > 0 {
			parts = append(parts, fit(p.text, p.width))
		}
	}
	return strings.Join(parts, " ")
}

// minIDWidth is the ID column of a queue of year-numbered IDs
// (DSR-2026-000042); a team's IDs carry their organisation's code
// (DSR-CRISP-2026-000042, TRUST.md) and widen the column to the longest.
const minIDWidth = 15

// idWidth is the widest ID of a snapshot, so that no ID is cut.
func idWidth(all []cases.Summary) int {
	w := minIDWidth
	for i := range all {
		w = max(w, len(all[i].ID))
	}
	return w
}

// The short forms of the queue's narrow columns: words a DPO reads
// without a key (a right as what the subject asks to do, a status as where
// the case stands), each at most as wide as its column (layout).
var (
	shortRights   = cases.ShortRights   // the filter finds them too
	shortStatuses = cases.ShortStatuses // idem
	shortOutcomes = map[cases.Outcome]string{cases.OutcomePartiallyFulfilled: "partial", cases.OutcomeFulfilled: "fulfilled"}
)

// answerNotSentShort is the status column's short form of a case closed
// with its answer not sent (cases.AnswerNotSentWords).
const answerNotSentShort = "not sent"

// statusWords is what the status column says of a case: its status, or
// that its answer was not sent, whole or in its short form.
func statusWords(s *cases.Summary, short bool) string {
	switch {
	case s.AnswerNotSent() && short:
		return answerNotSentShort
	case s.AnswerNotSent():
		return cases.AnswerNotSentWords
	case short:
		return shortStatuses[s.Status]
	}
	return string(s.Status)
}

// abbreviations are the queue's short forms with the words they stand
// for, in the vocabulary's order, from the tables the rows use: the key
// the help gives to them (a short form nobody can read is no help).
func abbreviations() []string {
	var out []string
	add := func(short, full string) {
		if short != "" && short != full {
			out = append(out, short+" = "+full)
		}
	}
	for _, r := range cases.Rights {
		add(shortRights[r], string(r))
	}
	for _, s := range cases.Statuses {
		add(shortStatuses[s], string(s))
	}
	add(answerNotSentShort, cases.AnswerNotSentWords)
	for _, o := range cases.Outcomes {
		add(shortOutcomes[o], string(o))
	}
	return out
}

// maskEmail keeps the first letter and the domain: j***@example.org.
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}

// marker is the urgency in text, which survives a terminal without colour.
func marker(u cases.Urgency) string {
	switch u {
	case cases.UrgencyOverdue:
		return "!!"
	case cases.UrgencySoon:
		return "! "
	case cases.UrgencyWeek:
		return "· "
	}
	return "  "
}

// queue is the queue component: an immutable snapshot of every case in
// urgency order with its filter index, what the filter shows of it, and the
// cursor.
type queue struct {
	keys    QueueKeys
	snap    snapshot
	counter uint64 // the change counter the snapshot is current to
	loaded  bool
	idWidth int // the widest ID of the snapshot (idWidth)
	// readErr is the model's err when a read of the store set it (a busy
	// file, a server gone): it goes when the store reads again even with a
	// form open, while a form's own refusal stays with the form.
	readErr string
	// loadErr is the same in full (with the file's path), shown while
	// there is no queue.
	loadErr string
	// counted as of the last load or tick (countedAt), not per frame, and
	// kept current with each change: open cases, those overdue and those
	// closed with the answer not sent (cases.Stats)
	openCount, overdueCount, unsentCount int
	countedAt                            time.Time
	// What is shown: the snapshot's slots, the cursor and the first row shown.
	shown          slotList
	cursor, offset int
	filter         filter
	start          startState // how much of the store is loaded (start.go)
}

// filter is the query typed after / and the quick filters; the ranking
// runs off the update loop, each run numbered so that a stale one is dropped.
type filter struct {
	input     textinput.Model
	typing    bool // the input has the keys
	seq       int  // the last change of the query or quick filters
	shownSeq  int  // the filter run whose result is shown
	exact     int  // the row whose ID the current query is, or -1
	exactSeq  int  // the filter run exact belongs to
	openExact bool // enter was pressed before the query's result came
	quick     quick
	sort      sortOrder // how the rows shown are sorted
	toTop     bool      // the next result is shown from its first row (a new order)
	// latest is the seq of the newest filter run started, shared by the
	// model's copies: a run overtaken by a newer keystroke stops scoring
	// rows, since its result would be dropped.
	latest *atomic.Int64
}

// quick are the quick filters, toggled and cycled by their keys.
type quick struct {
	overdue, week, mine bool
	status              cases.Status
	controller          string
	right               cases.Right
	approval            bool // waiting for approval
	unsent              bool // closed with the answer not sent
}

func (q quick) active() bool { return q != quick{} }

// narrowing is what the quick filters let through, as list's flags
// describe it: "mine" is the actor's cases, "due within 7 days" counts the
// overdue ones as the overview does, and closed cases stay in, as the
// queue shows them.
func (q quick) narrowing(actor string, regs *register.Registers) cases.Narrowing {
	n := cases.Narrowing{Overdue: q.overdue, Controller: q.controller, Right: q.right, All: true,
		AwaitingApproval: q.approval, AnswerNotSent: q.unsent}
	if q.approval && regs != nil {
		n.RegisterApproval = map[string]cases.Conditions{}
		for _, r := range regs.All() {
			n.RegisterApproval[r.ID] = cases.ConditionsOf(r.ApprovalConditions())
		}
	}
	if q.week {
		n.DueWithin = cases.Week
	}
	if q.mine {
		n.Assignee = actor
	}
	if q.status != "" {
		n.Statuses = []cases.Status{q.status}
	}
	return n
}

func newQueue(k KeyMap) queue {
	return queue{keys: k.Queue, filter: filter{input: newInput(k.Text), exact: -1, latest: new(atomic.Int64)}}
}

func (q queue) query() string { return q.filter.input.Value() }

// filtered reports whether anything narrows the queue.
func (q queue) filtered() bool { return q.query() != "" || q.filter.quick.active() }

// arranged reports whether the rows shown are worked out off the update
// loop: a filter narrows them or a sort other than urgency orders them.
func (q queue) arranged() bool { return q.filtered() || q.filter.sort != byUrgency }

// sortOrder is how the queue's rows are sorted: in urgency order (CLI.md,
// the default), or by one column with ties in urgency order.
type sortOrder int

// The sort orders, in the order the sort key cycles through them.
const (
	byUrgency sortOrder = iota
	byReceived
	byOrganisation
	byAssignee
	sortOrders // how many there are
)

// words is how the filter line names the order.
func (o sortOrder) words() string {
	return [...]string{"urgency", "received, newest first", "organisation", "assignee"}[o]
}

func (o sortOrder) next() sortOrder { return (o + 1) % sortOrders }

// arrange sorts rows (slots of all, in urgency order or a filter's rank)
// by the order, stably, so that ties keep their order: by urgency, or
// within a filter's rank by urgency.
func (o sortOrder) arrange(all rowStore, rows []int) {
	if by := o.compare(); by != nil {
		slices.SortStableFunc(rows, func(i, j int) int { return by(all.at(i), all.at(j)) })
	}
}

// compare is the order's comparison of two cases, nil for urgency (the
// rows' own order). An unassigned case sorts after the assigned ones.
func (o sortOrder) compare() func(a, b *cases.Summary) int {
	switch o {
	case byReceived:
		return func(a, b *cases.Summary) int { return b.ReceivedAt.Compare(a.ReceivedAt) }
	case byOrganisation:
		return func(a, b *cases.Summary) int { return strings.Compare(a.Controller, b.Controller) }
	case byAssignee:
		return func(a, b *cases.Summary) int {
			if (a.Assignee == "") != (b.Assignee == "") {
				return strings.Compare(b.Assignee, a.Assignee) // "" last
			}
			return strings.Compare(a.Assignee, b.Assignee)
		}
	}
	return nil
}

// edit applies a key or a paste to the query and reports whether it
// changed, which makes a new filter run.
func (q *queue) edit(msg tea.Msg) bool {
	before := q.query()
	q.filter.input = edit(q.filter.input, msg)
	if q.query() == before {
		return false
	}
	q.filter.seq++
	return true
}

// current is the case under the cursor, if any.
func (q queue) current() *cases.Summary {
	if q.cursor >= 0 && q.cursor < q.shown.len() {
		return q.snap.rows.at(q.shown.at(q.cursor))
	}
	return nil
}

func (q queue) currentID() string {
	if s := q.current(); s != nil {
		return s.ID
	}
	return ""
}

// moveTo puts the cursor on the case with that ID if it is shown.
func (q *queue) moveTo(id string, rows int) {
	if id != "" {
		if slot := q.snap.slotOf(id); slot >= 0 {
			if k := q.shown.index(slot); k >= 0 {
				q.cursor = k
			}
		}
	}
	q.cursor = max(0, min(q.cursor, q.shown.len()-1))
	q.clamp(rows)
}

// clamp keeps the cursor's row among the rows that fit.
func (q *queue) clamp(rows int) {
	if q.cursor < q.offset {
		q.offset = q.cursor
	}
	if q.cursor >= q.offset+rows {
		q.offset = q.cursor - rows + 1
	}
	q.offset = max(0, min(q.offset, max(0, q.shown.len()-rows)))
}

// move moves the cursor by a key; it reports whether the key was one.
func (q *queue) move(msg tea.KeyPressMsg, up, down, pageUp, pageDown, top, bottom key.Binding, rows int) bool {
	switch {
	case key.Matches(msg, up):
		q.cursor--
	case key.Matches(msg, down):
		q.cursor++
	case key.Matches(msg, pageUp):
		q.cursor -= rows
	case key.Matches(msg, pageDown):
		q.cursor += rows
	case key.Matches(msg, top):
		q.cursor = 0
	case key.Matches(msg, bottom):
		q.cursor = q.shown.len() - 1
	default:
		return false
	}
	q.cursor = max(0, min(q.cursor, q.shown.len()-1))
	q.clamp(rows)
	return true
}

// count works out the header's figures, as the overview counts them
// (cases.Statistics): overdue are the cases owing their answer past due,
// those closed with the answer not sent included.
func (q *queue) count(now time.Time) {
	q.openCount, q.overdueCount, q.unsentCount, q.countedAt = 0, 0, 0, now
	for _, chunk := range q.snap.order.chunks {
		for _, slot := range chunk {
			q.tally(q.snap.rows.at(slot), 1)
		}
	}
}

// tally adds a case to the header's figures (by 1) or takes it out (by -1),
// as of when they were counted.
func (q *queue) tally(s *cases.Summary, by int) {
	if !s.Closed() {
		q.openCount += by
	}
	if s.Overdue(q.countedAt) {
		q.overdueCount += by
	}
	if s.AnswerNotSent() {
		q.unsentCount += by
	}
}

// nextQuick is the quick filters after one of their keys.
func (q queue) nextQuick(msg tea.KeyPressMsg, orgs []string) quick {
	f, k := q.filter.quick, q.keys.Quick
	switch {
	case key.Matches(msg, k.Overdue):
		f.overdue, f.week = !f.overdue, false
	case key.Matches(msg, k.Week):
		f.week, f.overdue = !f.week, false
	case key.Matches(msg, k.Mine):
		f.mine = !f.mine
	case key.Matches(msg, k.Status):
		f.status = cycle(cases.Statuses, f.status)
	case key.Matches(msg, k.Right):
		f.right = cycle(cases.Rights, f.right)
	case key.Matches(msg, k.Org):
		f.controller = cycle(orgs, f.controller)
	case key.Matches(msg, k.Approval):
		f.approval = !f.approval
	case key.Matches(msg, k.Unsent):
		f.unsent = !f.unsent
	case key.Matches(msg, k.Clear):
		f = quick{}
	}
	return f
}

// cycle steps through values, then back to none.
func cycle[T comparable](values []T, cur T) T {
	var none T
	if cur == none {
		if len(values) > 0 {
			return values[0]
		}
		return none
	}
	i := slices.Index(values, cur)
	if i < 0 || i+1 >= len(values) {
		return none
	}
	return values[i+1]
}

// queueRows is how many case rows fit: the screen less the header, the
// column titles and the two status lines.
func (m *Model) queueRows() int { return max(1, m.height-4) }

func (m Model) currentID() string { return m.queue.currentID() }

func (m *Model) moveTo(id string) { m.queue.moveTo(id, m.queueRows()) }

func (m Model) organisations() []string {
	if m.opt.Registers == nil {
		return nil
	}
	return m.opt.Registers.IDs()
}

// queueLoaded handles a snapshot read or merged, its index, and a filter's result.
func (m Model) queueLoaded(msg tea.Msg) (tea.Model, tea.Cmd) {
	q := &m.queue
	switch msg := msg.(type) {
	case polledMsg:
		m.clearStoreError()
	case queueMsg:
		return m.snapshot(msg)
	case indexMsg:
		if msg.rows.shared != q.snap.rows.shared || msg.index.Len() > q.snap.rows.n {
			return m, nil // another snapshot was read meanwhile
		}
		q.snap.index = indexed(msg.index, q.snap.rows)
		q.filter.seq++
		return m, m.runFilterIfNeeded()
	case filterMsg:
		return m.filtered(msg)
	}
	return m, nil
}

// snapshot shows a new snapshot, read whole or with others' changes
// merged, keeping the cursor on its case.
func (m Model) snapshot(msg queueMsg) (tea.Model, tea.Cmd) {
	q := &m.queue
	if msg.err != nil {
		m.err, m.queue.loadErr = notCurrentOr(msg.err, errorLine(msg.err)), msg.err.Error()
		m.queue.readErr = m.err
		return m, nil
	}
	if msg.partial && msg.counter < q.counter {
		return m, nil // an older poll's rows, overtaken by a newer one
	}
	m.clearStoreError()
	if msg.partial {
		return m.merge(msg.rows, msg.counter)
	}
	if msg.keepID == "" {
		msg.keepID = q.currentID()
	}
	q.snap, q.counter, q.loaded = newSnapshot(msg.all, msg.voided), msg.counter, true
	q.idWidth = idWidth(msg.all)
	q.count(m.now)
	var figures tea.Cmd
	if m.screen == screenOverview {
		m, figures = m.workOutOverview()
		q = &m.queue
	}
	q.filter.seq++
	q.shown = q.snap.order
	m.moveTo(msg.keepID)
	return m, tea.Batch(buildIndex(q.snap.rows), m.reloadCaseIfChanged(), figures)
}

// clearStoreError forgets a passing error of the store (a busy database)
// once it reads again; an open form's refusal stays with the form until it
// is sent again or closed, or a poll would take it away before it is read.
func (m *Model) clearStoreError() {
	m.queue.loadErr = ""
	if m.err != "" && m.err == m.queue.readErr { // a message stays until a key (clearMessage)
		m.err = ""
	}
	m.queue.readErr = ""
}

// filtered shows a filter's result, if it is the latest run's.
func (m Model) filtered(msg filterMsg) (tea.Model, tea.Cmd) {
	q, f := &m.queue, &m.queue.filter
	if msg.seq != f.seq || msg.stopped {
		return m, nil // a newer query is on its way
	}
	f.exact, f.exactSeq, f.shownSeq = msg.exact, msg.seq, msg.seq
	if f.openExact {
		f.openExact = false
		if msg.exact >= 0 {
			q.shown, q.cursor, q.offset = msg.ranked, 0, 0
			m.moveTo(q.snap.rows.at(msg.exact).ID)
			return m, m.openCase(q.snap.rows.at(msg.exact).ID, true)
		}
	}
	keep := q.currentID()
	if f.toTop {
		keep, f.toTop = "", false // a new order is read from its top
	}
	q.shown = msg.ranked
	q.cursor, q.offset = 0, 0
	if msg.exact >= 0 && !f.typing {
		keep = q.snap.rows.at(msg.exact).ID
	}
	m.moveTo(keep)
	if msg.exact >= 0 {
		m.moveTo(q.snap.rows.at(msg.exact).ID)
	}
	return m, nil
}

// filterKey handles a key while the filter input has them.
func (m Model) filterKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	q, k := &m.queue, m.keys.Filter
	f := &q.filter
	switch {
	case key.Matches(msg, k.Accept):
		// Leave the input keeping the filter; a case's exact ID opens it.
		f.typing = false
		if q.query() != "" && f.exactSeq == f.seq && f.exact >= 0 && f.exact < q.snap.rows.n {
			return m, m.openCase(q.snap.rows.at(f.exact).ID, true)
		}
		// A voided case is out of the queue, not out of reach: its exact
		// ID opens it (a note, its record).
		typed := strings.TrimPrefix(strings.TrimSpace(q.query()), "id:")
		for i := range q.snap.voided {
			if typed != "" && strings.EqualFold(q.snap.voided[i].ID, typed) {
				return m, m.openCase(q.snap.voided[i].ID, true)
			}
		}
		f.openExact = q.query() != "" && f.exactSeq != f.seq
		return m, nil
	case key.Matches(msg, k.Cancel):
		f.typing = false
		f.input.SetValue("")
		f.seq++
		return m, m.clearFilter()
	case q.move(msg, k.Up, k.Down, k.PageUp, k.PageDown, key.Binding{}, key.Binding{}, m.queueRows()):
		return m, nil
	}
	if q.edit(msg) {
		return m, m.refilter()
	}
	return m, nil // a move along the query, or a key that types nothing
}

// queueKey handles a key on the queue.
func (m Model) queueKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	q, k := &m.queue, m.queue.keys
	m.status = "" // what the last action did, shown until the next key
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Filter):
		q.filter.typing, q.filter.openExact = true, false
	case key.Matches(msg, k.Overview):
		m.screen = screenOverview
		return m.workOutOverview()
	case key.Matches(msg, k.New):
		if m.opt.Registers == nil {
			m.err = "no registers are loaded: a new case needs its organisation's rules"
			return m, nil
		}
		return m.openNewCaseForm(), nil
	case key.Matches(msg, k.Actions):
		if id := q.currentID(); id != "" {
			return m, m.actionsFor(id)
		}
	case key.Matches(msg, k.BulkAssign):
		return m.bulkForm(true), nil
	case key.Matches(msg, k.BulkTag):
		return m.bulkForm(false), nil
	case key.Matches(msg, k.Back):
		if q.filtered() {
			q.filter.input.SetValue("")
			q.filter.quick = quick{}
			q.filter.seq++
			return m, m.clearFilter()
		}
	case key.Matches(msg, k.Open):
		if id := q.currentID(); id != "" {
			return m, m.openCase(id, true)
		}
	case key.Matches(msg, k.Reveal):
		return m.toggleReveal()
	case key.Matches(msg, k.Quick.Overdue, k.Quick.Week, k.Quick.Mine, k.Quick.Status, k.Quick.Org, k.Quick.Right, k.Quick.Approval,
		k.Quick.Unsent, k.Quick.Clear):
		q.filter.quick = q.nextQuick(msg, m.organisations())
		q.filter.seq++
		return m, m.refilter()
	case key.Matches(msg, k.Sort):
		q.filter.sort, q.filter.toTop = q.filter.sort.next(), true
		q.filter.seq++
		return m, m.refilter()
	default:
		q.move(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, m.queueRows())
		// The last case may be a closed one not read yet (start.go).
		q.start.toEnd = key.Matches(msg, k.Bottom) && q.start.notLoaded > 0
	}
	return m, nil
}

// queueMenuKey handles a key while the action list is open over the queue:
// its keys, or esc; the cursor stays on the case the list is for.
func (m Model) queueMenuKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.queue.keys
	switch {
	case key.Matches(msg, k.Back, k.Actions):
		m.kase.menu = false
		return m, nil
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return m, nil
	case m.kase.detail != nil && !key.Matches(msg, m.kase.keys.Actions):
		if mm, cmd, ok := m.caseAction(msg); ok {
			return mm, cmd
		}
	}
	return m, nil
}

// toggleReveal shows or masks the e-mail address of one case: the open
// case, or the one under the cursor in the queue. Only that case's address
// is shown, so that the access log names every case whose address was read.
func (m Model) toggleReveal() (tea.Model, tea.Cmd) {
	id, email := "", ""
	if s := m.queue.current(); s != nil {
		id, email = s.ID, s.Email
		if m.screen != screenCase && s.SubjectName != "" && layout(m.width, m.queue.idWidth).subject < emailRoom {
			// Nothing to reveal in a queue that shows no addresses:
			// nothing is read, nothing logged.
			m.status = "no addresses in the queue at this width: enter opens the case, r there reveals it"
			return m, nil
		}
	}
	if d := m.kase.detail; m.screen == screenCase && d != nil {
		id, email = d.loaded.Case.ID, d.loaded.Case.Subject.Email
	}
	if email == "" && m.revealID != id {
		return m, nil // no address to reveal, nothing read
	}
	if id == "" || m.revealID == id {
		m.revealID = ""
	} else {
		m.revealID = id
	}
	if m.screen == screenCase {
		m.kase = m.kase.layout(m.caseLook())
	}
	if m.revealID == "" {
		return m, nil
	}
	return m, m.logAccess(id, "revealed e-mail addresses")
}

func (m *Model) urgencyStyle(s *cases.Summary) (lipgloss.Style, bool) {
	switch cases.UrgencyOf(s, m.now) {
	case cases.UrgencyOverdue:
		return m.styles.Overdue, true
	case cases.UrgencySoon:
		return m.styles.Soon, true
	case cases.UrgencyWeek:
		return m.styles.Week, true
	}
	if s.Closed() {
		return m.styles.Closed, true
	}
	return lipgloss.Style{}, false
}

// row renders one case of the queue: the assignee (— for none) where
// the window has room for it, the masked e-mail address after the name
// only where the subject column is wide (the case screen shows it).
func (m *Model) row(s *cases.Summary, c columns, selected bool) string {
	right := string(s.Right)
	if c.shortRight {
		right = shortRights[s.Right]
	}
	line := c.cells(marker(cases.UrgencyOf(s, m.now))+fit(s.ID, c.id), cases.Printable(s.Controller), right,
		m.subjectCell(s, c), statusWords(s, c.shortStatus), assigneeCell(s))
	count := fit(countdownCell(s, c, m.now), c.countdown)
	if selected {
		return m.styles.Selected.Render(line + " " + count)
	}
	if st, ok := m.urgencyStyle(s); ok {
		count = st.Render(count)
		if cases.UrgencyOf(s, m.now) == cases.UrgencyOverdue {
			line = st.Render(line[:2]) + line[2:]
		}
	}
	return line + " " + count
}

// assigneeCell is who has the case; a dash says nobody does.
func assigneeCell(s *cases.Summary) string {
	if s.Assignee == "" {
		return "—"
	}
	return cases.Printable(s.Assignee)
}

// countdownCell is the countdown column: the time left, a closed case's
// outcome, and for a case closed with its answer not sent the time left to
// its due date, or, where the status column that says so is gone, "not
// sent" (the urgency marker still says how late).
func countdownCell(s *cases.Summary, c columns, now time.Time) string {
	switch {
	case s.AnswerNotSent() && c.status == 0:
		return answerNotSentShort
	case s.AnswerNotSent():
		return cases.TimeLeft(s.EffectiveDueAt, now)
	case s.Closed() && !s.Voided:
		if o, ok := shortOutcomes[s.Outcome]; ok {
			return o
		}
	}
	return cases.Countdown(s, now)
}

// subjectCell is the subject's name, with the masked e-mail address where
// the column is wide enough (revealed for the case r revealed), and the
// row's note at its end where the name keeps room beside it.
func (m *Model) subjectCell(s *cases.Summary, c columns) string {
	name := cases.Printable(s.SubjectName)
	subject := name
	if s.Email != "" && (c.subject >= emailRoom || name == "") {
		e := maskEmail(s.Email)
		if s.ID == m.revealID {
			e = s.Email
		}
		subject = strings.TrimPrefix(subject+" <"+cases.Printable(e)+">", " ")
	}
	if subject == "" {
		subject = "(removed under retention)"
	}
	if note, keep := rowNote(s); note != "" && c.subject >= len(note)+1+keep {
		// The note ends the subject's column: the address gives way, then the name.
		if name == "" {
			name = subject
		}
		subject = fit(name, c.subject-len(note)-1) + " " + note
	}
	return subject
}

// rowNote is what a row says beside the subject, and how much of the name
// it must leave: the refusal the subject must be told of by a date (the
// more urgent: a few letters of the name do), else an open case's work
// done of its work list (a name that reads). Where the column is narrower
// the note gives way to the name; the case screen has both.
func rowNote(s *cases.Summary) (note string, name int) {
	switch {
	case !s.TellRefusalBy.IsZero():
		return "tell refusal by " + strings.TrimSuffix(shortDate(s.TellRefusalBy), fmt.Sprintf(" %d", s.TellRefusalBy.Year)), 6
	case s.WorkTotal > 0 && !s.Closed():
		return workCount(s.WorkDone, s.WorkTotal), 12
	}
	return "", 0
}

// headerLine names the database and counts the open and overdue cases;
// in a narrow window the counts give way before the name, overdue last.
func (m *Model) headerLine() string {
	left := m.styles.Title.Render("rightsdesk") + " " + cases.Printable(m.opt.Title)
	if !m.queue.loaded {
		// No queue read: no count to state (0 open would be a claim).
		return fit(left, m.width)
	}
	counts := fmt.Sprintf("%d open · %d overdue", m.queue.openCount, m.queue.overdueCount)
	if m.queue.unsentCount > 0 {
		counts += fmt.Sprintf(" · %d %s", m.queue.unsentCount, cases.AnswerNotSentWords)
	}
	var rights []string
	for _, t := range m.userTimes() {
		rights = append(rights, counts+" · "+t)
	}
	// A long file name is cut (to no less than 8 cells) before the counts
	// go, the clock first: they say what waits.
	brand := m.styles.Title.Render("rightsdesk") + " "
	whole := func(right string) (string, bool) {
		gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
		return left + strings.Repeat(" ", max(gap, 0)) + right, gap >= 1
	}
	cut := func(right string) (string, bool) {
		room := m.width - ansi.StringWidth(brand) - ansi.StringWidth(right) - 1
		return brand + fit(cases.Printable(m.opt.Title), room) + " " + right, room >= 8
	}
	overdue := fmt.Sprintf("%d overdue", m.queue.overdueCount)
	for _, try := range []struct {
		line  func(string) (string, bool)
		right []string
	}{{whole, append(rights, counts)}, {cut, []string{counts}}, {whole, []string{overdue}}, {cut, []string{overdue}}} {
		for _, right := range try.right {
			if line, ok := try.line(right); ok {
				return line
			}
		}
	}
	return fit(left, m.width)
}

func (m *Model) queueView() string {
	q, c := &m.queue, layout(m.width, m.queue.idWidth) // not copied: a frame reads it, never writes it
	var b strings.Builder
	b.WriteString(m.headerLine() + "\n")
	org, assignee := "ORGANISATION", "ASSIGNEE"
	if c.org < len(org) {
		org = "ORG"
	}
	if c.assignee < len(assignee) {
		assignee = "WHO"
	}
	titles := c.cells("  "+fit("ID", c.id), org, "RIGHT", "SUBJECT", "STATUS", assignee) + " " + fit("DUE", c.countdown)
	b.WriteString(m.styles.Header.Render(fit(titles, m.width)) + "\n")
	rows := m.queueRows()
	var lines []string
	switch {
	case !q.loaded && q.loadErr != "":
		// No queue to show: the whole message, with the file's path and the
		// advice, in place of the rows.
		lines = wrap("The queue cannot be read: "+cases.Printable(q.loadErr), m.width)
		lines = append(lines, "", "rightsdesk tries again every few seconds; q quits.")
		for i := range lines {
			lines[i] = m.styles.Error.Render(fit(lines[i], m.width))
		}
	case !q.loaded:
		lines = []string{"Loading the queue…"}
	case q.shown.len() == 0 && q.snap.len() == 0:
		lines = []string{"No cases yet. n records a request (or rightsdesk add, rightsdesk import)."}
	case q.shown.len() == 0:
		lines = []string{"No case matches the filter. esc clears it."}
	}
	lines = lines[:min(len(lines), rows)]
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	rows -= len(lines)
	// Only the visible rows are rendered.
	end := min(q.shown.len(), q.offset+rows)
	for k := q.offset; k < end; k++ {
		b.WriteString(m.row(q.snap.rows.at(q.shown.at(k)), c, k == q.cursor) + "\n")
	}
	for k := max(0, end-q.offset); k < rows; k++ {
		b.WriteString("\n")
	}
	b.WriteString(fit(m.filterLine(), m.width) + "\n")
	footer := m.shortHelp(q.keys.ShortHelp())
	if m.status != "" {
		footer = m.status
	}
	b.WriteString(fit(m.footer(footer), m.width))
	return b.String()
}

// filterLine says which filter is active and how many cases match.
func (m *Model) filterLine() string {
	q, fl := m.queue, m.queue.filter
	var f []string
	if fl.typing || q.query() != "" {
		query := cases.Printable(q.query())
		if fl.typing {
			query = withCursor(fl.input)
		}
		f = append(f, "/"+query)
	}
	quick := fl.quick
	if quick.overdue {
		f = append(f, "overdue")
	}
	if quick.week {
		f = append(f, "due within 7 days")
	}
	if quick.mine {
		f = append(f, "mine ("+cases.Printable(m.opt.Actor)+")")
	}
	if quick.status != "" {
		f = append(f, "status "+string(quick.status))
	}
	if quick.controller != "" {
		f = append(f, "organisation "+quick.controller)
	}
	if quick.approval {
		f = append(f, "waiting for approval")
	}
	if quick.unsent {
		f = append(f, cases.AnswerNotSentWords)
	}
	if quick.right != "" {
		f = append(f, "right "+string(quick.right))
	}
	sorted := ""
	if fl.sort != byUrgency {
		sorted = " · sorted by " + fl.sort.words()
	}
	if q.start.closed == closedLoading {
		sorted += " · " + loadingClosed
	}
	count := cases.Plural(q.snap.len(), "case")
	if len(f) > 0 {
		count = fmt.Sprintf("%d of %s", q.shown.len(), cases.Plural(q.snap.len(), "case"))
		if fl.shownSeq != fl.seq && q.filtered() {
			count = fmt.Sprintf("searching %s…", cases.Plural(q.snap.len(), "case")) // the rows are the last result's
		}
		return "filter: " + strings.Join(f, " + ") + " — " + count + sorted
	}
	if q.shown.len() > 0 {
		count = fmt.Sprintf("case %d of %d", q.cursor+1, q.snap.len())
	}
	return count + sorted
}
