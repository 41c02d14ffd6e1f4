package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/export"
	"rightsdesk/storage"
)

// The case screen: one case with its deadlines, their working, its
// timeline, attachments and organisation, scrolled in a viewport.

// caseDetail is an open case: what was read and derived when it was read.
// It is never changed once read (models share it); a re-read replaces it,
// and the clock's later ticks are the model's (look.now), not the case's.
type caseDetail struct {
	loaded   *storage.Loaded
	state    *cases.State
	register *register.Register
	at       time.Time // when it was read, as of which state is derived
	// letter is the letter of the case's step, and the gaps it would have
	// if exported now (export.Check), worked out when the case is read.
	letter     cases.LetterKind
	letterGaps []export.LetterGap
	// refused says, by action, why the case as it stands takes none
	// (refusedNow), worked out when the case is read rather than on every
	// frame the list of actions is drawn.
	refused map[string]string
}

// now is the time the case is shown as of: the model's clock, or the time
// the case was read if the clock has not ticked since.
func (d *caseDetail) now(clock time.Time) time.Time {
	if d.at.After(clock) {
		return d.at
	}
	return clock
}

// caseScreen is the case component: the case read, its lines in a
// viewport, where each section begins, and whether the list of actions is
// open (also over the queue, for the case under the cursor).
type caseScreen struct {
	keys     CaseKeys
	detail   *caseDetail
	view     viewport.Model
	sections []int
	menu     bool
	approval *approvalScreen // the letter shown for approval, over the case (L)
	// revealed is the case whose contact details the case screen shows
	// unmasked (r), its reveal logged; none once the case is left.
	revealed string
}

// look is what the case screen's lines depend on besides the case.
type look struct {
	width, height int
	styles        *Styles
	revealID      string // the case whose e-mail address the queue's r shows
	revealed      string // the case whose contact details the case screen's r shows
	now           time.Time
}

func (m *Model) caseLook() look {
	return look{width: m.width, height: m.height, styles: m.styles, revealID: m.revealID, revealed: m.kase.revealed, now: m.now}
}

// headerHeight is how many lines the case's header takes above its body.
const headerHeight = 2

func newCaseScreen(k CaseKeys) caseScreen {
	return caseScreen{keys: k, view: viewport.New()}
}

// layout renders the case into the viewport for the window, keeping the
// place scrolled to (the viewport keeps its offset, within the new end).
func (c caseScreen) layout(lk look) caseScreen {
	if c.detail == nil {
		return c
	}
	lines, sections := c.detail.lines(lk)
	for i := range lines {
		lines[i] = fit(lines[i], lk.width) // once per layout, not per frame
	}
	c.view.SetWidth(lk.width)
	c.view.SetHeight(max(1, lk.height-headerHeight-1)) // the header above it, the status line below
	c.view.SetContentLines(lines)
	c.sections = sections
	if c.approval != nil {
		c.approval = c.approval.layout(c.detail, lk)
	}
	return c
}

// scroll moves through the case by a key; it reports whether the key was one.
func (c *caseScreen) scroll(msg tea.KeyPressMsg, page int) bool {
	k, v := c.keys, &c.view
	switch {
	case key.Matches(msg, k.Up):
		v.ScrollUp(1)
	case key.Matches(msg, k.Down):
		v.ScrollDown(1)
	case key.Matches(msg, k.PageDown):
		v.ScrollDown(page)
	case key.Matches(msg, k.PageUp):
		v.ScrollUp(page)
	case key.Matches(msg, k.Top):
		v.GotoTop()
	case key.Matches(msg, k.Bottom):
		v.GotoBottom()
	case key.Matches(msg, k.NextSection):
		for _, at := range c.sections {
			if at > v.YOffset() {
				v.SetYOffset(at)
				break
			}
		}
	case key.Matches(msg, k.PrevSection):
		top := 0
		for _, at := range c.sections {
			if at < v.YOffset() {
				top = at
			}
		}
		v.SetYOffset(top)
	default:
		return false
	}
	return true
}

// more is how many lines are below the window.
func (c caseScreen) more() int { return linesBelow(c.view) }

// linesBelow is how many lines of a scrolled screen are below its window.
func linesBelow(v viewport.Model) int { return max(0, v.TotalLineCount()-v.YOffset()-v.Height()) }

// viewportBody is a scrolled screen's window, each line ending in a line
// break, the lines past the end of its text left empty rather than padded:
// the case, register and approval screens draw their bodies alike.
func viewportBody(v viewport.Model) string {
	shown := max(0, min(v.Height(), v.TotalLineCount()-v.YOffset()))
	height := v.Height()
	v.SetHeight(shown)
	body := ""
	if shown > 0 {
		body = v.View() + "\n"
	}
	return body + strings.Repeat("\n", height-shown)
}

// caseRead shows a case read, or re-read under the screen or a form.
func (m Model) caseRead(msg caseMsg) (tea.Model, tea.Cmd) {
	c := &m.kase
	same := c.detail != nil && msg.detail != nil && msg.detail.loaded.Case.ID == c.detail.loaded.Case.ID
	// A re-read is for the case shown, or for the one a form or the
	// action list over the queue acts on; one that comes after the
	// user has left it is dropped.
	if msg.reload && !(same && (m.screen == screenCase || m.form != nil || c.menu)) {
		return m, nil
	}
	if msg.err != nil {
		m.err = errorLine(msg.err)
		return m, nil
	}
	if m.form != nil && m.form.rebase && same {
		m.form = m.form.rebased(msg.detail) // forms.go
	}
	c.detail = msg.detail
	if msg.menu { // the action list over the queue, for the case under the cursor
		c.menu = true
		return m, nil
	}
	if msg.reload && m.screen != screenCase { // a re-read under a form over the queue
		return m, nil
	}
	if !msg.reload {
		m.screen = screenCase
		c.view.GotoTop() // a case opened starts at its top; a re-read keeps the place
	}
	m.kase = m.kase.layout(m.caseLook())
	return m, nil
}

// reloadCaseIfChanged re-reads the open case when its row changed.
func (m Model) reloadCaseIfChanged() tea.Cmd {
	d := m.kase.detail
	if m.screen != screenCase || d == nil {
		return nil
	}
	id, rev := d.loaded.Case.ID, d.loaded.Revision
	// A case just voided has left the queue's rows for the voided ones.
	if s := m.queue.snap.find(id); s != nil && s.Revision != rev {
		return m.openCase(id, false)
	}
	return nil
}

// caseKey handles a key on the case screen, with or without its list of
// actions over it.
func (m Model) caseKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	c, k := &m.kase, m.kase.keys
	if c.approval != nil {
		return m.approvalKey(msg)
	}
	switch {
	case c.menu && key.Matches(msg, k.Back):
		c.menu = false
	case key.Matches(msg, k.Actions):
		c.menu, m.status = !c.menu, ""
	case key.Matches(msg, k.Back):
		m.screen, c.detail, c.approval, c.revealed = screenQueue, nil, nil, ""
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Reveal):
		return m.revealCase()
	case !c.menu && key.Matches(msg, k.Register):
		return m.openRegister(c.detail.loaded.Case.Controller, screenCase)
	case c.scroll(msg, c.view.Height()-1): // scrolled: nothing more to do
	default:
		if mm, cmd, ok := m.caseAction(msg); ok {
			return mm, cmd
		}
	}
	return m, nil
}

// caseAction opens a form or exports, from the case screen or the action
// list over the queue; it reports whether the key was one.
func (m Model) caseAction(msg tea.KeyPressMsg) (Model, tea.Cmd, bool) {
	k := m.kase.keys
	switch {
	case key.Matches(msg, k.Export):
		return m.exportForm(), nil, true
	case key.Matches(msg, k.Record):
		m.kase.menu, m.status, m.err = false, "writing the case record…", ""
		return m, m.exportRecord(m.kase.detail.loaded.Case.ID), true
	case key.Matches(msg, k.Approve):
		mm, cmd := m.openApproval()
		return mm, cmd, true
	}
	for _, f := range k.Forms {
		if key.Matches(msg, f.Binding) {
			if a, ok := cases.ActionNamed(f.Action); ok {
				return m.openForm(a), nil, true
			}
		}
	}
	return m, nil, false
}

func (m *Model) caseView() string {
	c := m.kase
	var b strings.Builder
	// The header stays while the body scrolls under it; the lines past the
	// end of the case stay empty rather than padded.
	for _, l := range c.detail.header(m.caseLook()) {
		b.WriteString(l + "\n")
	}
	b.WriteString(viewportBody(c.view))
	if m.status != "" && m.err == "" {
		back := []key.Binding{brief(c.keys.Actions, "", "actions"), brief(c.keys.Back, "", "back")}
		b.WriteString(fit(m.styles.Dim.Render(m.status+" · ")+m.shortHelp(back), m.width))
		return b.String()
	}
	keys := c.keys.ShortHelp()
	switch {
	case c.detail.state.Outcome != "":
		keys = c.keys.closedHelp()
	case len(c.detail.state.Work) > 0:
		keys = c.keys.workHelp()
	}
	footer := m.shortHelp(keys)
	footer += m.moreBelow(footer, c.more())
	b.WriteString(fit(m.footer(footer), m.width))
	return b.String()
}

// caseLines builds the case screen's lines, noting where sections begin.
type caseLines struct {
	out      []string
	sections []int
	width    int
	st       *Styles
}

func (b *caseLines) add(format string, args ...any) {
	b.out = append(b.out, fmt.Sprintf(format, args...))
}

func (b *caseLines) wrapped(s string) { b.out = append(b.out, wrap(s, b.width)...) }

func (b *caseLines) section(name string) {
	b.out = append(b.out, "")
	b.sections = append(b.sections, len(b.out))
	b.out = append(b.out, b.st.Header.Render(name))
}

func (b *caseLines) label(name, value string) {
	b.out = append(b.out, wrapHang(b.st.Label.Render(fit(name, 20))+" "+value, b.width, 21)...)
}

// lines renders the case screen as lines of at most width cells, and says
// where each section (request, deadline, working, timeline...) begins.
func (d *caseDetail) lines(lk look) (out []string, sections []int) {
	b := &caseLines{width: lk.width, st: lk.styles}
	d.top(b, lk)
	d.work(b)
	d.draft(b)
	d.deadline(b)
	b.section("Working")
	for _, step := range d.state.Deadlines.Steps {
		b.wrapped("  - " + step)
	}
	d.timeline(b)
	d.attachments(b)
	d.organisation(b)
	return b.out, b.sections
}

// header is the two lines above the case that stay while its body
// scrolls: what the case is (ID, organisation, right, status, its work),
// then who has it, its tags and its countdown, kept whole at the right.
func (d *caseDetail) header(lk look) []string {
	c, s, p, st := d.loaded.Case, d.state, cases.Printable, lk.styles
	sum := cases.Summarize(c, s, d.loaded.Revision)
	first := st.Title.Render(c.ID) + "  " + p(c.Controller) + "  " + string(c.Right) + "  " + string(s.Status)
	if s.Voided != nil {
		first = st.Title.Render(c.ID) + "  " + st.Overdue.Render("VOIDED") + "  " + p(c.Controller) + "  " + string(c.Right)
	}
	if sum.WorkTotal > 0 {
		first += "  " + workCount(sum.WorkDone, sum.WorkTotal)
	}
	who := "unassigned"
	if s.Assignee != "" {
		who = "assigned to " + p(s.Assignee)
	}
	if len(s.Tags) > 0 {
		who += " · tags " + p(strings.Join(s.Tags, ", "))
	}
	now := d.now(lk.now)
	countdown := cases.Countdown(&sum, now)
	room := lk.width - ansi.StringWidth(countdown) - 2
	if ansi.StringWidth(who) > room {
		who = fit(who, max(0, room))
	}
	gap := max(1, lk.width-ansi.StringWidth(who)-ansi.StringWidth(countdown))
	second := st.Dim.Render(who) + strings.Repeat(" ", gap) + countdownStyle(st, &sum, now).Render(countdown)
	return []string{fit(first, lk.width), fit(second, lk.width)}
}

// countdownStyle is the colour of a countdown, as the queue gives it.
func countdownStyle(st *Styles, s *cases.Summary, now time.Time) lipgloss.Style {
	switch cases.UrgencyOf(s, now) {
	case cases.UrgencyOverdue:
		return st.Overdue
	case cases.UrgencySoon:
		return st.Soon
	case cases.UrgencyWeek:
		return st.Week
	}
	if s.Closed() {
		return st.Closed
	}
	return lipgloss.NewStyle()
}

// top is who asks what, how to reach them, when it came and the request's
// words; what the case is and its countdown are in the header above.
func (d *caseDetail) top(b *caseLines, lk look) {
	c, s, p := d.loaded.Case, d.state, cases.Printable
	sum := cases.Summarize(c, s, d.loaded.Revision)
	if v := s.Voided; v != nil {
		// Before anything the case says: it was recorded by mistake.
		b.wrapped(b.st.Overdue.Render("VOIDED") + " " + cases.TimeIn(v.At, s.Deadlines.Zone) +
			" by " + p(v.Actor) + ": " + p(v.Reason) + " (kept; out of the queue and the figures; takes only a note)")
	}
	d.subject(b, lk)
	if c.Requester != nil {
		b.label("requester", p(c.Requester.Name)+" ("+string(c.Requester.Relation)+")")
	}
	if len(c.Linked) > 0 {
		b.label("same request", strings.Join(c.Linked, ", "))
	}
	b.label("received", cases.TimeIn(c.ReceivedAt, s.Deadlines.Zone)+" via "+string(c.Channel))
	if !sum.TellRefusalBy.IsZero() {
		b.label("tell refusal by", b.st.Soon.Render(sum.TellRefusalBy.Human())+" (a refusal recorded, not yet told)")
	}
	if c.Text != "" {
		b.section("Request")
		for _, l := range strings.Split(cases.PrintableLines(c.Text), "\n") {
			b.wrapped("  " + l)
		}
	}
}

// subject is who the request is about and how to reach them, each route
// on its line: the e-mail address, phone and postal address masked until
// r reveals them (mask.go), and the identifiers typed at intake.
func (d *caseDetail) subject(b *caseLines, lk look) {
	c, p := d.loaded.Case, cases.Printable
	if c.Subject.Name == "" {
		b.label("subject", "(removed under retention)")
		return
	}
	b.label("subject", p(c.Subject.Name))
	hint := " " + b.st.Dim.Render("(r reveals)") // on the first masked line only
	route := func(label, value string, mask func(string) string, shown bool) {
		if value == "" {
			return
		}
		if shown {
			b.label(label, p(value))
			return
		}
		b.label(label, p(mask(value))+hint)
		hint = ""
	}
	revealed := lk.revealed == c.ID
	route("e-mail", c.Subject.Email, maskEmail, revealed || lk.revealID == c.ID)
	route("phone", c.Subject.Phone, maskPhone, revealed)
	route("address", c.Subject.PostalAddress, maskAddress, revealed)
	if len(c.Subject.Identifiers) > 0 {
		var ids []string
		for _, k := range slices.Sorted(maps.Keys(c.Subject.Identifiers)) {
			ids = append(ids, p(k)+"="+p(c.Subject.Identifiers[k]))
		}
		b.label("identifiers", strings.Join(ids, "; "))
	}
}

// revealCase shows or masks the open case's contact details: its e-mail
// address, phone and postal address. A reveal is logged for the case, as
// the queue's is, so that the access log names every case whose details
// were read.
func (m Model) revealCase() (tea.Model, tea.Cmd) {
	c := &m.kase
	sub, id := c.detail.loaded.Case.Subject, c.detail.loaded.Case.ID
	if c.revealed == id {
		c.revealed = ""
		m.kase = m.kase.layout(m.caseLook())
		return m, nil
	}
	if sub.Email == "" && sub.Phone == "" && sub.PostalAddress == "" {
		return m, nil // nothing masked, nothing read
	}
	c.revealed = id
	m.kase = m.kase.layout(m.caseLook())
	return m, m.logAccess(id, "revealed contact details")
}

// deadline is every date the deadline engine worked out, under the labels
// show and the calculator give them (Deadlines.Rows), and the clock.
func (d *caseDetail) deadline(b *caseLines) {
	dl := d.state.Deadlines
	b.section("Deadline")
	for _, r := range dl.Rows() {
		value := r.Date.Human()
		if r.Note != "" {
			value += " (" + r.Note + ")"
		}
		b.label(r.Label, value)
	}
	b.label("clock", dl.ClockLine(cases.Date.Human))
}

// timeline is every event, with what it recorded: the details the case
// record and show list (Event.Details), without their labels to keep each
// event to a line where it fits. Times are in the case's legal zone, which
// each says; the kinds line up after the widest time.
func (d *caseDetail) timeline(b *caseLines) {
	p, events := cases.Printable, d.loaded.Case.Events
	b.section("Timeline")
	times := make([]string, len(events))
	at, kind := 0, 0
	for i, e := range events {
		times[i] = cases.TimeIn(e.At, d.state.Deadlines.Zone)
		at, kind = max(at, len(times[i])), max(kind, len(e.Kind))
	}
	for i, e := range events {
		line := fmt.Sprintf("  %-*s  %-*s  %s", at, times[i], kind, e.Kind, p(e.Actor))
		for _, x := range workDetails(e, d) {
			line += " · " + p(x)
		}
		for _, x := range otherDetails(e) {
			line += " · " + p(x.Value)
		}
		if e.Late != "" { // allowed, never hidden (WORK.md)
			line += " · LATE: " + p(e.Late)
		}
		b.out = append(b.out, wrapHang(line, b.width, at+4)...) // under the kind, clear of the times
	}
}

func (d *caseDetail) attachments(b *caseLines) {
	s, p := d.state, cases.Printable
	if len(s.Attachments) == 0 {
		return
	}
	b.section("Attachments")
	for _, a := range s.Attachments {
		w := ""
		if _, ok := s.Withheld[a.Name]; ok {
			w = " · WITHHELD"
		}
		b.wrapped(fmt.Sprintf("  %s  %s  %s/%s  %s%s", p(a.Name), a.Kind, p(a.Category), p(a.System), cases.Plural(int(a.Size), "byte"), w))
	}
}

func (d *caseDetail) organisation(b *caseLines) {
	r, p, dl := d.register, cases.Printable, d.state.Deadlines
	if r == nil {
		return
	}
	b.section("Organisation")
	b.label("name", p(r.DisplayName()))
	b.label("legal name", p(orDash(r.LegalName.Value)))
	b.label("authority", p(orDash(r.Authority.Name.Value)))
	b.label("rules", fmt.Sprintf("%s, %s, calendar %s", dl.Regime, dl.Zone, dl.Calendar))
	if g := r.Gaps(); len(g) > 0 {
		b.label("register gaps", fmt.Sprintf("%d: O shows them, E there edits the register (%s)", len(g), p(r.EditCommand())))
	}
}

// draft is, when the letter of the case's step would be a DRAFT, what it
// lacks and how to fill each: the register in its editor (O opens the
// register screen, E there edits it), the case with its command.
func (d *caseDetail) draft(b *caseLines) {
	if d.state.Voided != nil {
		return // no letter goes out on a case recorded by mistake
	}
	p := cases.Printable
	var blocking []export.LetterGap
	for _, g := range d.letterGaps {
		if g.Blocking {
			blocking = append(blocking, g)
		}
	}
	if len(blocking) == 0 {
		return
	}
	b.section(fmt.Sprintf("Draft: the %s letter lacks %s", d.letter, cases.Plural(len(blocking), "fact")))
	for _, g := range blocking {
		b.wrapped("  - " + p(g.Field) + ": " + p(g.Text))
		switch {
		case g.TOML != "":
			b.out = append(b.out, wrapHang("    fill "+p(g.TOML)+": O, then E ("+p(g.Fix)+")", b.width, 6)...)
		case g.Fix != "" && !strings.Contains(g.Text, g.Fix):
			b.out = append(b.out, wrapHang("    "+p(g.Fix), b.width, 6)...)
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func zone(name string) *time.Location {
	loc, err := cases.LoadZone(name)
	if err != nil {
		return time.UTC
	}
	return loc
}
