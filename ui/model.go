// Package ui is the terminal app: one root model, plain components that
// render into a given size, one key map that also feeds help, one set of
// semantic styles. All I/O happens in commands through the Store interface,
// never in Update, and never while the screen idles: each call opens the
// database for one operation.
package ui

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage"
)

// Store is what the app needs of the database.
type Store interface {
	Queue(now time.Time) ([]cases.Summary, uint64, error)
	Rows(ids []string) ([]cases.Summary, uint64, error)
	Changes(since uint64) (uint64, []string, error)
	Get(id string) (*storage.Loaded, error)
	LogAccess(entries ...storage.Access) error
	Do(id string, actions []storage.Action, now time.Time) ([]*storage.Result, error)
	DoEach(ids []string, action storage.Action, revisions map[string]int, now time.Time) (*storage.Bulk, error)
	Add(in cases.Intake, rules cases.Rules, now time.Time, actor string) ([]*cases.Case, error)
	MaxFileSize() int64
}

// Options configure the app.
type Options struct {
	Store     Store
	Clock     cases.Clock
	Actor     string
	Registers *register.Registers
	Title     string        // shown in the header: the database or "demo"
	Poll      time.Duration // how often to look for others' changes (default 2 s)
	Tick      time.Duration // how often countdowns are recomputed (default: at each minute of the clock)

	// Export writes the response packet of a case (the letter of its
	// current step when kind is empty) and records it: e on a case.
	Export func(id string, kind cases.LetterKind) (*Exported, error)
	// Record writes the case record and says where, with its chain head: E on a case.
	Record func(id string) (dir, chainHead string, err error)
	// Report writes the register of requests of one organisation (all when
	// empty) and says where: R on the overview.
	Report func(controller string) (string, error)
}

type screen int

const (
	screenQueue screen = iota
	screenCase
	screenOverview
)

// quick are the quick filters.
type quick struct {
	overdue, week, mine bool
	status              cases.Status
	controller          string
	right               cases.Right
}

func (q quick) active() bool { return q != quick{} }

// Model is the root model.
type Model struct {
	opt    Options
	keys   KeyMap
	styles Styles
	width  int
	height int
	now    time.Time

	// The queue: an immutable snapshot in urgency order, its filter index,
	// and the change counter it is current to.
	all     []cases.Summary
	index   *cases.FilterIndex
	counter uint64
	loaded  bool
	// counted as of the last load or tick, not per frame
	openCount, overdueCount int

	// What is shown: indexes into all, the cursor and the first row shown.
	shown  []int
	cursor int
	offset int

	query     string
	filtering bool
	filterSeq int
	shownSeq  int  // the filter run whose result is shown
	exact     int  // the row whose ID the current query is, or -1
	exactSeq  int  // the filter run exact belongs to
	openExact bool // enter was pressed before the query's result came
	quick     quick
	revealID  string // the one case whose e-mail address is shown, its reveal logged

	screen       screen
	help         bool
	detail       *caseDetail
	caseLines    []string
	caseSections []int // where each section of the case screen begins
	scroll       int

	ov      *overview        // the overview's figures, worked out off the update loop
	ovSeq   int              // the last request for them; older answers are dropped
	form    *form            // the open form: an action on the case, a new case, a bulk action
	drafts  map[string]*form // forms cancelled with text typed, by case and action (copied on write)
	menu    bool             // the case screen's list of actions is shown
	notice  []string         // what an export wrote, shown until a key
	status  string           // a message for the status line
	err     string           // the last error, shown until the next success
	loadErr string           // the same in full (with the file's path), shown while there is no queue
}

// New makes the app's model.
func New(opt Options) Model {
	if opt.Poll <= 0 {
		opt.Poll = 2 * time.Second
	}
	return Model{opt: opt, keys: DefaultKeys(), styles: DefaultStyles(), width: 80, height: 24, now: opt.Clock.Now(), exact: -1}
}

// Messages.
type (
	queueMsg struct {
		all     []cases.Summary
		index   *cases.FilterIndex
		counter uint64
		keepID  string
		partial bool // others' changes merged into the snapshot, not a full load
		err     error
		// The filter's result on the new snapshot, worked out with it so
		// that a filtered screen goes from one result to the next without
		// showing the whole queue in between; valid if no key changed the
		// filter since filterSeq.
		filtered  bool
		filterSeq int
		ranked    []int
		exact     int
	}
	// polledMsg says a poll found the database readable and unchanged.
	polledMsg struct{}
	filterMsg struct {
		seq    int
		ranked []int
		exact  int
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
	}
)

// Init loads the queue and starts the clocks.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.loadQueue(""), m.tick(), m.poll(), tea.RequestBackgroundColor)
}

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

// loadQueue reads every summary and indexes them, off the update loop.
func (m Model) loadQueue(keepID string) tea.Cmd {
	st, now := m.opt.Store, m.opt.Clock.Now()
	return func() tea.Msg {
		all, counter, err := st.Queue(now)
		if err != nil {
			return queueMsg{err: err}
		}
		// The first frame does not wait for the filter's index.
		return queueMsg{all: all, counter: counter, keepID: keepID}
	}
}

// indexMsg is the filter index of a snapshot, built after it is shown.
type indexMsg struct {
	all   []cases.Summary
	index *cases.FilterIndex
}

func buildIndex(all []cases.Summary) tea.Cmd {
	return func() tea.Msg { return indexMsg{all: all, index: cases.NewFilterIndex(all)} }
}

// refresh merges the cases others changed into a new snapshot, off the
// update loop, and filters it as the screen is filtered; nothing happens
// when nothing changed. The cursor stays on its case (as it is when the
// result comes, not when the poll began).
func (m Model) refresh() tea.Cmd {
	if !m.loaded {
		return m.loadQueue("") // the first load failed: try again
	}
	st, since, old, hadErr := m.opt.Store, m.counter, m.all, m.err != ""
	filtered, seq, match := m.query != "" || m.quick.active(), m.filterSeq, m.matcher()
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
		byID := make(map[string]cases.Summary, len(rows))
		for _, r := range rows {
			byID[r.ID] = r
		}
		all := make([]cases.Summary, 0, len(old)+len(rows))
		for _, s := range old {
			if r, ok := byID[s.ID]; ok {
				all = append(all, r)
				delete(byID, s.ID)
				continue
			}
			all = append(all, s)
		}
		for _, r := range rows {
			if _, fresh := byID[r.ID]; fresh {
				all = append(all, r)
			}
		}
		cases.SortByUrgency(all)
		msg := queueMsg{all: all, index: cases.NewFilterIndex(all), counter: counter, partial: true}
		if filtered {
			msg.filtered, msg.filterSeq = true, seq
			msg.ranked, msg.exact = match(msg.index, all)
		}
		return msg
	}
}

// matcher is the current query and quick filters as a function of a
// snapshot and its index, to run off the update loop.
func (m Model) matcher() func(ix *cases.FilterIndex, all []cases.Summary) ([]int, int) {
	q, query, now, actor := m.quick, m.query, m.now, m.opt.Actor
	return func(ix *cases.FilterIndex, all []cases.Summary) ([]int, int) {
		var keep func(i int) bool
		if q.active() {
			keep = func(i int) bool { return q.allows(&all[i], now, actor) }
		}
		return ix.Match(query, keep)
	}
}

// runFilter ranks the snapshot against the query and quick filters, off the
// update loop; a newer keystroke makes its result stale.
func (m Model) runFilter() tea.Cmd {
	ix, all, seq, match := m.index, m.all, m.filterSeq, m.matcher()
	if ix == nil {
		return nil
	}
	return func() tea.Msg {
		ranked, exact := match(ix, all)
		return filterMsg{seq: seq, ranked: ranked, exact: exact}
	}
}

func (q quick) allows(s *cases.Summary, now time.Time, actor string) bool {
	switch {
	case q.overdue && cases.UrgencyOf(s, now) != cases.UrgencyOverdue:
		return false
	case q.week && (s.Closed() || s.Clock != cases.ClockRunning || s.EffectiveDueAt.IsZero() ||
		s.EffectiveDueAt.After(now.Add(7*24*time.Hour))):
		return false
	case q.mine && s.Assignee != actor:
		return false
	case q.status != "" && s.Status != q.status:
		return false
	case q.controller != "" && s.Controller != q.controller:
		return false
	case q.right != "" && s.Right != q.right:
		return false
	}
	return true
}

func (m Model) currentID() string {
	if m.cursor >= 0 && m.cursor < len(m.shown) {
		return m.all[m.shown[m.cursor]].ID
	}
	return ""
}

// Update handles one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.clampOffset()
		if m.screen == screenCase && m.detail != nil {
			m.caseLines, m.caseSections = m.detail.lines(m.width, m.styles, m.revealID)
		}
		return m, nil
	case queueMsg:
		if msg.err != nil {
			m.err, m.loadErr = errorLine(msg.err), msg.err.Error()
			return m, nil
		}
		if msg.partial && msg.counter < m.counter {
			return m, nil // an older poll's merge, overtaken by a newer one
		}
		m.err, m.loadErr = "", ""
		if msg.keepID == "" {
			msg.keepID = m.currentID()
		}
		m.all, m.index, m.counter, m.loaded = msg.all, msg.index, msg.counter, true
		m.count()
		var figures tea.Cmd
		if m.screen == screenOverview {
			m, figures = m.workOutOverview()
		}
		if msg.filtered && msg.filterSeq == m.filterSeq {
			// Filtered with the snapshot, and no key changed the filter since.
			m.filterSeq++
			m.shown, m.shownSeq, m.exact, m.exactSeq = msg.ranked, m.filterSeq, msg.exact, m.filterSeq
			m.moveTo(msg.keepID)
			return m, tea.Batch(m.reloadCaseIfChanged(), figures)
		}
		m.filterSeq++
		m.shown = m.unfilteredOrder()
		m.moveTo(msg.keepID)
		if m.index == nil {
			return m, tea.Batch(buildIndex(m.all), m.reloadCaseIfChanged(), figures)
		}
		return m, tea.Batch(m.runFilterIfNeeded(), m.reloadCaseIfChanged(), figures)
	case overviewMsg:
		if msg.seq == m.ovSeq {
			m.ov = msg.ov
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m.styles = NewStyles(msg.IsDark())
		if m.screen == screenCase && m.detail != nil {
			m.caseLines, m.caseSections = m.detail.lines(m.width, m.styles, m.revealID)
		}
		return m, nil
	case polledMsg:
		m.err = ""
		return m, nil
	case indexMsg:
		if len(msg.all) != len(m.all) || (len(m.all) > 0 && &msg.all[0] != &m.all[0]) {
			return m, nil // the snapshot changed meanwhile
		}
		m.index = msg.index
		m.filterSeq++
		return m, m.runFilterIfNeeded()
	case filterMsg:
		if msg.seq != m.filterSeq {
			return m, nil // a newer query is on its way
		}
		m.exact, m.exactSeq, m.shownSeq = msg.exact, msg.seq, msg.seq
		if m.openExact {
			m.openExact = false
			if msg.exact >= 0 {
				m.shown, m.cursor, m.offset = msg.ranked, 0, 0
				m.moveTo(m.all[msg.exact].ID)
				return m, m.openCase(m.all[msg.exact].ID, true)
			}
		}
		keep := m.currentID()
		m.shown = msg.ranked
		m.cursor, m.offset = 0, 0
		if msg.exact >= 0 && !m.filtering {
			keep = m.all[msg.exact].ID
		}
		m.moveTo(keep)
		if msg.exact >= 0 {
			m.moveTo(m.all[msg.exact].ID)
		}
		return m, nil
	case caseMsg:
		same := m.detail != nil && msg.detail != nil && msg.detail.loaded.Case.ID == m.detail.loaded.Case.ID
		// A re-read is for the case shown, or for the one a form or the
		// action list over the queue acts on; one that comes after the
		// user has left it is dropped.
		if msg.reload && !(same && (m.screen == screenCase || m.form != nil || m.menu)) {
			return m, nil
		}
		if msg.err != nil {
			m.err = errorLine(msg.err)
			return m, nil
		}
		if m.form == nil {
			m.err = "" // a conflict's message stays with the form it concerns
		}
		if m.form != nil && m.form.rebase && same {
			m.form = m.form.clone()
			m.form.rev, m.form.rebase = msg.detail.loaded.Revision, false
		}
		m.detail = msg.detail
		if msg.menu { // the action list over the queue, for the case under the cursor
			m.menu = true
			return m, nil
		}
		if msg.reload && m.screen != screenCase { // a re-read under a form over the queue
			return m, nil
		}
		if !msg.reload {
			m.screen, m.scroll = screenCase, 0 // a case opened starts at its top; a re-read keeps the place
		}
		m.caseLines, m.caseSections = m.detail.lines(m.width, m.styles, m.revealID)
		m.scroll = min(m.scroll, m.maxScroll())
		return m, nil
	case actionMsg:
		var conflict *storage.Conflict
		switch {
		case errors.As(msg.err, &conflict):
			m.formFailed(msg.err)
			m.err += "; the case is reloaded, enter sends again"
			if m.form != nil {
				m.form = m.form.clone()
				m.form.rebase = true
			}
			return m, m.openCase(msg.id, false)
		case msg.err != nil:
			m.formFailed(msg.err)
			return m, nil
		}
		m.formDone()
		m.status = fmt.Sprintf("%s recorded (revision %d)", msg.result.Event.Kind, msg.result.Revision)
		if len(msg.result.Warnings) > 0 {
			m.notice = append([]string{m.status}, msg.result.Warnings...)
		}
		return m, m.refresh() // the merged row has a new revision: the open case is re-read (reloadCaseIfChanged)
	case addedMsg:
		if msg.err != nil {
			m.formFailed(msg.err)
			return m, nil
		}
		m.formDone()
		m.status = strings.Join(msg.ids, ", ") + " created"
		return m, tea.Batch(m.openCase(msg.ids[0], true), m.refresh())
	case bulkMsg:
		if msg.err != nil {
			m.formFailed(msg.err)
			return m, nil
		}
		m.formDone()
		m.status = bulkSummary(msg.what, msg.result)
		if len(msg.result.Refused) > 0 {
			m.notice = []string{m.status}
		}
		return m, m.refresh()
	case exportedMsg:
		m.status = ""
		if msg.err != nil {
			m.formFailed(msg.err)
			return m, nil
		}
		m.formDone()
		m.notice = msg.lines
		if msg.reload {
			return m, m.refresh() // the merged row has a new revision: the open case is re-read (reloadCaseIfChanged)
		}
		return m, nil
	case tickMsg:
		m.now = m.opt.Clock.Now()
		m.count()
		var figures tea.Cmd
		if m.screen == screenOverview {
			m, figures = m.workOutOverview()
		}
		if m.screen == screenCase && m.detail != nil {
			m.detail.now = m.now
			m.caseLines, m.caseSections = m.detail.lines(m.width, m.styles, m.revealID)
		}
		if m.quick.overdue || m.quick.week {
			// Cases move in and out of these filters as time passes.
			m.filterSeq++
			return m, tea.Batch(m.tick(), m.runFilter(), figures)
		}
		return m, tea.Batch(m.tick(), figures)
	case pollMsg:
		// The next poll is armed when this one is done, so that a slow
		// database never has two polls at once.
		return m, tea.Sequence(m.refresh(), m.poll())
	case completionMsg:
		if m.form == nil {
			return m, nil
		}
		f := m.form.clone()
		if x := f.focused(); x != nil && x.kind == fieldPath && x.text == msg.typed {
			if !x.complete(msg) {
				f.focus = (f.focus + 1) % len(f.fields)
			}
			m.form = f
		}
		return m, nil
	case tea.PasteMsg:
		if m.form != nil && !m.form.confirming && !m.form.sending {
			f := m.form.clone()
			if x := f.focused(); x != nil && (x.kind == fieldText || x.kind == fieldPath) {
				x.typeText(sanitizeInput(msg.Content))
			}
			m.form = f
			return m, nil
		}
		if m.filtering {
			m.query += sanitizeInput(msg.Content)
			m.filterSeq++
			return m, m.runFilter()
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

// reloadCaseIfChanged re-reads the open case when its row changed.
func (m Model) reloadCaseIfChanged() tea.Cmd {
	if m.screen != screenCase || m.detail == nil {
		return nil
	}
	id, rev := m.detail.loaded.Case.ID, m.detail.loaded.Revision
	for i := range m.all {
		if m.all[i].ID == id && m.all[i].Revision != rev {
			return m.openCase(id, false)
		}
	}
	return nil
}

// count works out the header's figures.
func (m *Model) count() {
	m.openCount, m.overdueCount = 0, 0
	for i := range m.all {
		if !m.all[i].Closed() {
			m.openCount++
			if cases.UrgencyOf(&m.all[i], m.now) == cases.UrgencyOverdue {
				m.overdueCount++
			}
		}
	}
}

// errorLine is an error for the status line: a store error without the
// file's path, which the header names and the full message keeps, and
// without the command-line flags the action service's refusals name
// ("(--reason)"), which mean nothing in a form.
func errorLine(err error) string {
	var se *storage.StoreError
	if errors.As(err, &se) {
		msg := se.Err.Error()
		if se.Detail != "" {
			msg += " (" + se.Detail + ")"
		}
		return cases.Printable(msg)
	}
	return cases.Printable(cliFlag.ReplaceAllString(err.Error(), ""))
}

var cliFlag = regexp.MustCompile(` ?\((?:[a-z-]+ )?--[a-z-]+(?: [A-Z]+)?\)`)

// sanitizeInput keeps typed or pasted text to one line of printable text.
// Line breaks and tabs in pasted text become one space, so that pasted
// lines do not run together; terminal sequences (colours copied with the
// text) are dropped whole.
func sanitizeInput(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range ansi.Strip(s) {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			if len(out) > 0 && out[len(out)-1] != ' ' {
				out = append(out, ' ')
			}
		case r >= 0x20 && r != 0x7f && !(r >= 0x80 && r < 0xa0):
			out = append(out, r)
		}
	}
	return string(out)
}

func (m Model) runFilterIfNeeded() tea.Cmd {
	if m.query == "" && !m.quick.active() {
		return nil
	}
	return m.runFilter()
}

func (m Model) unfilteredOrder() []int {
	out := make([]int, len(m.all))
	for i := range out {
		out[i] = i
	}
	return out
}

// moveTo puts the cursor on the case with that ID if it is shown.
func (m *Model) moveTo(id string) {
	if id != "" {
		if k := slices.IndexFunc(m.shown, func(i int) bool { return m.all[i].ID == id }); k >= 0 {
			m.cursor = k
		}
	}
	m.cursor = max(0, min(m.cursor, len(m.shown)-1))
	m.clampOffset()
}

func (m *Model) clampOffset() {
	rows := m.queueRows()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	m.offset = max(0, min(m.offset, max(0, len(m.shown)-rows)))
}

// queueRows is how many case rows fit: the screen less the header, the
// column titles and the two status lines.
func (m Model) queueRows() int { return max(1, m.height-4) }

func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if m.help {
		if key.Matches(msg, k.Quit) && msg.String() == "ctrl+c" {
			return m, tea.Quit
		}
		m.help = false // any key closes help
		return m, nil
	}
	if m.filtering {
		switch msg.String() {
		case "enter":
			// Leave the input keeping the filter; a case's exact ID opens it.
			m.filtering = false
			if m.query != "" && m.exactSeq == m.filterSeq && m.exact >= 0 && m.exact < len(m.all) {
				return m, m.openCase(m.all[m.exact].ID, true)
			}
			m.openExact = m.query != "" && m.exactSeq != m.filterSeq
			return m, nil
		case "esc":
			m.filtering, m.query = false, ""
			m.filterSeq++
			return m, m.clearFilter()
		case "backspace":
			if r := []rune(m.query); len(r) > 0 {
				m.query = string(r[:len(r)-1])
			}
		case "up", "down", "pgup", "pgdown":
			return m.move(msg)
		case "ctrl+c":
			return m, tea.Quit
		default:
			if t := sanitizeInput(msg.Key().Text); t != "" {
				m.query += t
			} else {
				return m, nil
			}
		}
		m.filterSeq++
		if m.query == "" && !m.quick.active() {
			return m, m.clearFilter()
		}
		return m, m.runFilter()
	}
	if m.form != nil {
		return m.formKey(msg)
	}
	if len(m.notice) > 0 {
		m.notice = nil // any key continues
		if msg.String() == "ctrl+c" {
			return m, tea.Quit
		}
		return m, nil
	}
	if m.screen == screenOverview {
		switch {
		case key.Matches(msg, k.Back, k.Overview):
			m.screen = screenQueue
		case key.Matches(msg, k.Quit):
			return m, tea.Quit
		case key.Matches(msg, k.Help):
			m.help = true
		case key.Matches(msg, k.Org):
			m.quick = m.nextQuick(msg)
			m.filterSeq++
			var figures tea.Cmd
			m, figures = m.workOutOverview()
			return m, tea.Batch(m.runFilterIfNeeded(), figures)
		case key.Matches(msg, k.Report):
			m.status, m.err = "writing the register of requests…", ""
			return m, m.writeReport()
		}
		return m, nil
	}
	if m.screen == screenCase && m.menu && key.Matches(msg, k.Back) {
		m.menu = false
		return m, nil
	}
	if m.screen == screenCase && m.detail != nil {
		if mm, cmd, ok := m.caseKey(msg); ok {
			return mm, cmd
		}
	}
	if m.screen == screenQueue && m.menu {
		// The action list over the queue: its keys, or esc; the cursor
		// stays on the case the list is for.
		switch {
		case key.Matches(msg, k.Back, k.QueueActions):
			m.menu = false
			return m, nil
		case key.Matches(msg, k.Quit) && msg.String() == "ctrl+c":
			return m, tea.Quit
		case key.Matches(msg, k.Help):
			m.help = true
			return m, nil
		}
		if m.detail != nil && msg.String() != "enter" {
			if mm, cmd, ok := m.caseKey(msg); ok {
				return mm, cmd
			}
		}
		return m, nil
	}
	if m.screen == screenCase {
		switch {
		case key.Matches(msg, k.Back):
			m.screen, m.detail = screenQueue, nil
		case key.Matches(msg, k.Quit):
			return m, tea.Quit
		case key.Matches(msg, k.Help):
			m.help = true
		case key.Matches(msg, k.Up):
			m.scroll = max(0, m.scroll-1)
		case key.Matches(msg, k.Down):
			m.scroll = min(m.scroll+1, m.maxScroll())
		case key.Matches(msg, k.PageDown):
			m.scroll = min(m.scroll+m.height-3, m.maxScroll())
		case key.Matches(msg, k.PageUp):
			m.scroll = max(0, m.scroll-(m.height-3))
		case key.Matches(msg, k.Top):
			m.scroll = 0
		case key.Matches(msg, k.Bottom):
			m.scroll = m.maxScroll()
		case key.Matches(msg, k.NextSection):
			for _, at := range m.caseSections {
				if at > m.scroll {
					m.scroll = min(at, m.maxScroll())
					break
				}
			}
		case key.Matches(msg, k.PrevSection):
			top := 0
			for _, at := range m.caseSections {
				if at < m.scroll {
					top = at
				}
			}
			m.scroll = top
		case key.Matches(msg, k.Reveal):
			return m.toggleReveal()
		}
		return m, nil
	}
	m.status = "" // what the last action did, shown until the next key
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.help = true
	case key.Matches(msg, k.Filter):
		m.filtering, m.openExact = true, false
	case key.Matches(msg, k.Overview):
		m.screen = screenOverview
		return m.workOutOverview()
	case key.Matches(msg, k.New):
		if m.opt.Registers == nil {
			m.err = "no registers are loaded: a new case needs its organisation's rules"
			return m, nil
		}
		m.form, m.err, m.status = m.newCaseForm(), "", ""
	case key.Matches(msg, k.QueueActions):
		if id := m.currentID(); id != "" {
			return m, m.actionsFor(id)
		}
	case key.Matches(msg, k.BulkAssign):
		return m.bulkForm(true)
	case key.Matches(msg, k.BulkTag):
		return m.bulkForm(false)
	case key.Matches(msg, k.Back):
		if m.query != "" || m.quick.active() {
			m.query, m.quick = "", quick{}
			m.filterSeq++
			return m, m.clearFilter()
		}
	case key.Matches(msg, k.Open):
		if id := m.currentID(); id != "" {
			return m, m.openCase(id, true)
		}
	case key.Matches(msg, k.Reveal):
		return m.toggleReveal()
	case key.Matches(msg, k.Overdue, k.Week, k.Mine, k.Status, k.Org, k.Right, k.Clear):
		m.quick = m.nextQuick(msg)
		m.filterSeq++
		if m.query == "" && !m.quick.active() {
			return m, m.clearFilter()
		}
		return m, m.runFilter()
	default:
		return m.move(msg)
	}
	return m, nil
}

func (m Model) move(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k, page := m.keys, m.queueRows()
	switch {
	case key.Matches(msg, k.Up):
		m.cursor--
	case key.Matches(msg, k.Down):
		m.cursor++
	case key.Matches(msg, k.PageUp):
		m.cursor -= page
	case key.Matches(msg, k.PageDown):
		m.cursor += page
	case key.Matches(msg, k.Top):
		m.cursor = 0
	case key.Matches(msg, k.Bottom):
		m.cursor = len(m.shown) - 1
	default:
		return m, nil
	}
	m.cursor = max(0, min(m.cursor, len(m.shown)-1))
	m.clampOffset()
	return m, nil
}

// clearFilter shows the whole queue again, keeping the cursor's case.
func (m Model) clearFilter() tea.Cmd {
	seq := m.filterSeq
	all := len(m.all)
	return func() tea.Msg {
		ranked := make([]int, all)
		for i := range ranked {
			ranked[i] = i
		}
		return filterMsg{seq: seq, ranked: ranked, exact: -1}
	}
}

func (m Model) nextQuick(msg tea.KeyPressMsg) quick {
	q, k := m.quick, m.keys
	switch {
	case key.Matches(msg, k.Overdue):
		q.overdue, q.week = !q.overdue, false
	case key.Matches(msg, k.Week):
		q.week, q.overdue = !q.week, false
	case key.Matches(msg, k.Mine):
		q.mine = !q.mine
	case key.Matches(msg, k.Status):
		q.status = cycle(cases.Statuses, q.status)
	case key.Matches(msg, k.Right):
		q.right = cycle(cases.Rights, q.right)
	case key.Matches(msg, k.Org):
		var ids []string
		if m.opt.Registers != nil {
			ids = m.opt.Registers.IDs()
		}
		q.controller = cycle(ids, q.controller)
	case key.Matches(msg, k.Clear):
		q = quick{}
	}
	return q
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

// toggleReveal shows or masks the e-mail address of one case: the open
// case, or the one under the cursor in the queue. Only that case's address
// is shown, so that the access log names every case whose address was read.
func (m Model) toggleReveal() (tea.Model, tea.Cmd) {
	id, email := m.currentID(), ""
	if id != "" {
		email = m.all[m.shown[m.cursor]].Email
	}
	if m.screen == screenCase && m.detail != nil {
		id, email = m.detail.loaded.Case.ID, m.detail.loaded.Case.Subject.Email
	}
	if email == "" && m.revealID != id {
		return m, nil // no address to reveal, nothing read
	}
	if id == "" || m.revealID == id {
		m.revealID = ""
	} else {
		m.revealID = id
	}
	if m.screen == screenCase && m.detail != nil {
		m.caseLines, m.caseSections = m.detail.lines(m.width, m.styles, m.revealID)
	}
	if m.revealID == "" {
		return m, nil
	}
	return m, m.logAccess(id, "revealed e-mail addresses")
}

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

// actionsFor reads the case under the cursor for the action list over the
// queue, logging the read as opening the case.
func (m Model) actionsFor(id string) tea.Cmd {
	open := m.openCase(id, false) // a read without a log entry...
	return tea.Batch(func() tea.Msg {
		msg := open().(caseMsg)
		msg.reload, msg.menu = false, true // ...that is not a re-read
		return msg
	}, m.logAccess(id, "opened the case"))
}

// openCase reads one case and its register, off the update loop.
func (m Model) openCase(id string, log bool) tea.Cmd {
	st, regs, now := m.opt.Store, m.opt.Registers, m.opt.Clock.Now()
	open := func() tea.Msg {
		l, err := st.Get(id)
		if err != nil {
			return caseMsg{err: err}
		}
		state, err := l.Case.Derive(now)
		if err != nil {
			return caseMsg{err: err}
		}
		d := &caseDetail{loaded: l, state: state, now: now}
		if regs != nil {
			d.register, _ = regs.Get(l.Case.Controller)
		}
		return caseMsg{detail: d}
	}
	if !log {
		// Without a log entry it is a re-read of the case on screen.
		return func() tea.Msg {
			msg := open().(caseMsg)
			msg.reload = true
			return msg
		}
	}
	return tea.Batch(open, m.logAccess(id, "opened the case"))
}

// maxScroll is the furthest the case screen scrolls: its last line just
// above the status line.
func (m Model) maxScroll() int { return max(0, len(m.caseLines)-(m.height-1)) }

// formFailed shows why a sent form was not applied and gives it back to
// the user as it was typed.
func (m *Model) formFailed(err error) {
	m.err = errorLine(err)
	m.unconfirm()
}

// formDone closes a form whose action was applied, forgetting its draft.
func (m *Model) formDone() {
	if m.form != nil {
		m.dropDraft(m.form)
	}
	m.err, m.form = "", nil
}

// unconfirm takes a refused form back from its question to its fields.
func (m *Model) unconfirm() {
	if m.form != nil && (m.form.confirming || m.form.sending) {
		m.form = m.form.clone()
		m.form.confirming, m.form.sending = false, false
	}
}
