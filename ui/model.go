// Package ui is the terminal app: one root model that dispatches to plain
// components (the queue, a case, a form, the overview), each holding its
// own state and keys and rendering into a given size; one key map that
// also feeds the footers and help; one set of semantic styles. All I/O
// happens in commands (commands.go) through the Store interface, never in
// Update, and never while the screen idles: each call opens the database
// for one operation.
package ui

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
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
	// EditRegister is the command that opens organisation id's register in
	// the DPO's editor (rightsdesk controllers ID edit), run with the
	// terminal handed over: E on the register screen. Nil, or a nil
	// command, when editing is not available: E then names the command.
	EditRegister func(id string) *exec.Cmd
	// AwaitRegisters, when Registers is nil, waits for the registers
	// being read beside the app's start (called off the update loop): the
	// queue shows without them, the keys that need them wait for them.
	AwaitRegisters func() (*register.Registers, error)
	// ReloadRegisters reads the registers again after an edit, so that the
	// screens show the new version; nil keeps those read at start.
	ReloadRegisters func() (*register.Registers, error)
	// Letter rebuilds a letter's last export for the approval screen (L on
	// a case).
	Letter func(id string, kind cases.LetterKind) (*Letter, error)
	// ActorOverridden is set when Actor came from $RIGHTSDESK_ACTOR and
	// names someone other than the OS user: approvals recorded here are
	// marked so, and never count.
	ActorOverridden bool
	// Terminal is what the terminal shows beyond ASCII (TerminalOf); the
	// zero value is a UTF-8 terminal with colour.
	Terminal Terminal
	// Zone is the user's time zone (TZ), in which the header gives the
	// time and which it names; nil is the process's local zone.
	Zone *time.Location
}

// Exported is a packet written by Options.Export.
type Exported struct {
	Path, SHA256 string
	Draft        bool
	Gaps         []string // the register fields missing or general
	CaseGaps     []string // what the case lacks, each with the command that fills it
	Controller   string
}

type screen int

const (
	screenQueue screen = iota
	screenCase
	screenOverview
	screenRegister
)

// Model is the root model. Bubble Tea models are values: Update works on
// its own copy, so nothing reached through a pointer or a slice here is
// changed in place (a case read, a form, the drafts, the snapshot are
// replaced, never edited), or an earlier model would change with it.
type Model struct {
	opt  Options
	keys KeyMap
	// styles and help are made once (again when the terminal's background
	// is known) and never changed in place, so that model values, copied
	// with every message, share them.
	styles *Styles
	help   *help.Model // renders the footers and the help screen from keys
	// render memoises what frames render again and again (footers, the
	// overview's lines), pure functions of their keys and the styles: the
	// one thing shared between model values that is written, as a memo,
	// never as state.
	render *renderCache
	width  int
	height int
	now    time.Time

	screen   screen
	showHelp bool
	queue    queue
	kase     caseScreen
	overview overviewScreen
	form     *form            // the open form: an action on the case, a new case, a bulk action
	drafts   map[string]*form // forms cancelled with text typed, by case and action
	revealID string           // the one case whose e-mail address is shown, its reveal logged
	notice   []string         // what an export wrote, shown until a key
	status   string           // a message for the status line
	err      string           // the last error, shown until the next success
	// held is the keys pressed before the registers came that need them
	// (startregisters.go), in order, served when they come.
	held []tea.KeyPressMsg
}

// New makes the app's model.
func New(opt Options) Model {
	if opt.Poll <= 0 {
		opt.Poll = 2 * time.Second
	}
	keys, styles := DefaultKeys(), DefaultStyles()
	m := Model{opt: opt, keys: keys, width: 80, height: 24, now: opt.Clock.Now(),
		queue: newQueue(keys), kase: newCaseScreen(keys.Case), overview: overviewScreen{keys: keys.Overview}}
	return m.withStyles(styles)
}

// withStyles sets the styles and the help's, which follow them.
func (m Model) withStyles(s Styles) Model {
	m.styles = &s
	h := help.New()
	m.help = &h
	m.help.ShortSeparator = " · "
	m.help.FullSeparator = "   "
	m.help.Styles = help.Styles{Ellipsis: s.Dim, ShortKey: s.Dim, ShortDesc: s.Dim, ShortSeparator: s.Dim, FullKey: s.Key}
	m.render = &renderCache{}
	return m
}

// Init loads the queue and starts the clocks.
func (m Model) Init() tea.Cmd {
	var plain tea.Cmd
	if m.opt.Terminal.NoColour {
		plain = noColour
	}
	return tea.Batch(m.loadQueue(""), m.tick(), m.poll(), m.subscribe(), tea.RequestBackgroundColor, plain)
}

// Update handles one message: those of the store and the clocks here, keys
// and pastes by the component in front.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if next, cmd, ok := m.startMessage(msg); ok { // start.go
		return next, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.queue.clamp(m.queueRows())
		m.kase = m.kase.layout(m.caseLook())
		m.overview.reg = m.overview.reg.layout(m.opt.Registers, m.width, m.height, m.styles)
		return m, nil
	case tea.ColorProfileMsg:
		if m.opt.Terminal.NoColour && msg.Profile > colorprofile.Ascii {
			return m, noColour
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m = m.withStyles(NewStyles(msg.IsDark()))
		m.kase = m.kase.layout(m.caseLook())
		m.overview.reg = m.overview.reg.layout(m.opt.Registers, m.width, m.height, m.styles)
		return m, nil
	case registerEditedMsg:
		return m.registerEdited(msg)
	case registersMsg:
		return m.registersArrived(msg) // startregisters.go
	case queueMsg, indexMsg, filterMsg, polledMsg:
		return m.queueLoaded(msg)
	case caseMsg:
		return m.caseRead(msg)
	case letterMsg:
		return m.letterRead(msg)
	case actionMsg, addedMsg, bulkMsg, exportedMsg:
		return m.formAnswered(msg)
	case overviewMsg:
		if msg.seq == m.overview.seq {
			m.overview.figures = msg.figures
		}
		return m, nil
	case completionMsg:
		if m.form != nil {
			m.form = m.form.completed(msg)
		}
		return m, nil
	case tickMsg:
		return m.ticked()
	case watchingMsg, changedMsg, watchLostMsg, rewatchMsg:
		return m.watched(msg) // watch.go
	case pollMsg:
		// The next poll is armed when this one is done, so that a slow
		// database never has two polls at once. While the first page is
		// shown, the open cases on their way are newer than a merge.
		if m.queue.start.paging {
			return m, m.poll()
		}
		return m, tea.Sequence(m.refresh(), m.poll())
	case tea.PasteMsg:
		return m.paste(msg)
	case tea.KeyPressMsg:
		next, cmd := m.key(msg)
		if mm, ok := next.(Model); ok {
			return mm.closedIfAsked(cmd) // start.go
		}
		return next, cmd
	}
	return m, nil
}

// ticked recomputes what the clock changes: the header's counts, the
// countdowns, the overview's figures and the filters that depend on time.
func (m Model) ticked() (tea.Model, tea.Cmd) {
	m.now = m.opt.Clock.Now()
	if !m.queue.start.paging { // the first page's counts are the store's, of every case
		m.queue.count(m.now)
	}
	var figures tea.Cmd
	if m.screen == screenOverview {
		m, figures = m.workOutOverview()
	}
	if m.screen == screenCase {
		m.kase = m.kase.layout(m.caseLook())
	}
	if q := m.queue.filter.quick; q.overdue || q.week {
		// Cases move in and out of these filters as time passes.
		m.queue.filter.seq++
		return m, tea.Batch(m.tick(), m.runFilter(), figures)
	}
	return m, tea.Batch(m.tick(), figures)
}

// paste puts pasted text into the field in focus or the filter.
func (m Model) paste(msg tea.PasteMsg) (tea.Model, tea.Cmd) {
	if m.form != nil {
		m.form = m.form.paste(msg) // a form's field says whether it keeps line breaks
		return m, nil
	}
	msg.Content = sanitizeInput(msg.Content)
	switch {
	case m.queue.filter.typing && m.queue.edit(msg):
		return m, m.refilter()
	}
	return m, nil
}

// key dispatches a key to what is in front: the help, the filter, a form,
// a notice, then the screen. ctrl+c quits from anywhere but a form, which it
// closes as esc does (what was typed is kept), so that a reflex ctrl+c
// loses no typing; a second one quits.
func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Interrupt) && m.form != nil && !m.form.sending:
		m.keepDraft(m.form)
		m.form, m.err, m.notice = nil, "", nil
		m.status = "form closed, what you typed is kept; ctrl+c again quits"
		return m, nil
	case key.Matches(msg, m.keys.Interrupt):
		return m, tea.Quit
	}
	if m.holdForRegisters(msg) {
		return m, nil
	}
	m.clearMessage()
	switch {
	case m.showHelp:
		m.showHelp = false // any key closes help
		return m, nil
	case m.queue.filter.typing:
		return m.filterKey(msg)
	case m.form != nil:
		return m.formKey(msg)
	case len(m.notice) > 0:
		m.notice = nil // any key continues
		return m, nil
	}
	switch m.screen {
	case screenOverview:
		return m.overviewKey(msg)
	case screenRegister:
		return m.registerKey(msg)
	case screenCase:
		if m.kase.detail != nil {
			return m.caseKey(msg)
		}
	}
	if m.kase.menu {
		return m.queueMenuKey(msg)
	}
	return m.queueKey(msg)
}

// rereadAfter re-reads the case an action was recorded on, where it is
// the one open.
func (m Model) rereadAfter(id string) tea.Cmd {
	if d := m.kase.detail; d == nil || d.loaded.Case.ID != id {
		return nil
	}
	return m.openCase(id, false)
}

// clearMessage forgets the last message when a key is pressed: a message
// stays until then, whatever polls, ticks and reloads come meanwhile, so
// that it is read however slow the link. A store that cannot be read or a
// server lost is not a message but a condition, said until it ends.
func (m *Model) clearMessage() {
	m.status = ""
	if !aCondition(m.err) && (m.err == "" || m.err != m.queue.readErr) {
		m.err = ""
	}
}

// formAnswered handles what the store said to a form sent.
func (m Model) formAnswered(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case actionMsg:
		var conflict *storage.Conflict
		switch {
		case errors.As(msg.err, &conflict):
			m.formFailed(msg.err)
			m.err = conflictLine(conflict, m.caseZone())
			if m.form != nil {
				m.form = m.form.clone()
				m.form.rebase, m.form.conflict = true, conflict
			}
			return m, m.openCase(msg.id, false)
		case msg.err != nil:
			m.formFailed(msg.err)
			if m.form != nil && msg.field != "" {
				m.form.focusOn(formFieldOf(msg.field))
				m.form.refused = formFieldOf(msg.field)
			}
			return m, nil
		}
		m.formDone()
		m.status = fmt.Sprintf("%s recorded (revision %d)", msg.result.Event.Kind, msg.result.Revision)
		if len(msg.result.Warnings) > 0 {
			m.notice = append([]string{m.status}, msg.result.Warnings...)
		}
		// The case is re-read at once, beside the queue's merge, so that
		// the next form opens on the revision just recorded rather than
		// meeting the user's own change as a colleague's.
		return m, tea.Batch(m.refresh(), m.rereadAfter(msg.id))
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
	}
	return m, nil
}

// formFailed shows why a form was not applied and gives it back to the
// user as it was typed, the cursor on the field a refusal names.
func (m *Model) formFailed(err error) {
	m.err = errorLine(err)
	if m.form == nil {
		return
	}
	m.form = m.form.clone()
	m.form.confirming, m.form.sending = false, false
	if r := (*cases.Refused)(nil); errors.As(err, &r) && r.Field != "" {
		// The refusal names its field as the form labels it.
		if x := m.form.get(formFieldOf(r.Field)); x != nil && x.label != "" && !strings.HasPrefix(m.err, x.label+" ") &&
			!strings.Contains(m.err, "("+x.label+")") && !strings.Contains(m.err, "("+x.key+")") {
			m.err = x.label + ": " + m.err
		}
		m.form.focusOn(formFieldOf(r.Field))
		if m.form.get(formFieldOf(r.Field)) != nil {
			m.form.refused = formFieldOf(r.Field)
		}
	}
}

// conflictLine says, once, what a form sent at an old revision met: who
// changed the case, how and when (in the case's zone), and what the app
// did: the case on screen is the new one and the form is kept, so enter
// sends it again. The store's own message asks the command line's user to
// reload, which the app has done, so it is not repeated.
func conflictLine(c *storage.Conflict, loc *time.Location) string {
	what := "changed"
	if len(c.What) > 0 {
		kinds := make([]string, len(c.What))
		for i, k := range c.What {
			kinds[i] = string(k)
		}
		what = strings.Join(kinds, ", ")
	}
	return cases.Printable(fmt.Sprintf("%s changed meanwhile: %s by %s at %s. The case is reloaded: check it, then enter sends this form again.",
		c.ID, what, c.UpdatedBy, c.UpdatedAt.In(loc).Format(shortTime)))
}

// caseZone is the legal zone of the case open, where times of the case
// are shown; the host's where none is open.
func (m *Model) caseZone() *time.Location {
	if d := m.kase.detail; d != nil {
		return zone(d.state.Rules.Zone)
	}
	return time.Local
}

// formFieldOf is the form's field a refusal names: the store reads a
// form's "when" as the command line's --at.
func formFieldOf(name string) string {
	if name == "at" {
		return "when"
	}
	return name
}

// formDone closes a form whose action was applied, forgetting its draft.
func (m *Model) formDone() {
	if m.form != nil {
		m.dropDraft(m.form)
	}
	m.err, m.form = "", nil
}

// errorLine is an error for the status line: a store error without the
// file's path, which the header names and the full message keeps.
func errorLine(err error) string {
	var se *storage.StoreError
	if errors.As(err, &se) {
		msg := se.Err.Error()
		if se.Detail != "" {
			msg += " (" + se.Detail + ")"
		}
		return cases.Printable(msg)
	}
	return cases.Printable(err.Error())
}

// sanitizeLines keeps pasted text to printable lines: each line break
// (\r\n, \r or \n) one \n, a tab a space, terminal sequences dropped.
func sanitizeLines(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(sanitizeInput(l), " ")
	}
	return strings.Join(lines, "\n")
}

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
