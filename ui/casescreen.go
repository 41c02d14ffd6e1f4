package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

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
}

// look is what the case screen's lines depend on besides the case.
type look struct {
	width, height int
	styles        *Styles
	revealID      string
	now           time.Time
}

func (m *Model) caseLook() look {
	return look{width: m.width, height: m.height, styles: m.styles, revealID: m.revealID, now: m.now}
}

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
	c.view.SetHeight(max(1, lk.height-1)) // the status line below it
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
	for _, rows := range [][]cases.Summary{m.queue.all, m.queue.voided} {
		for i := range rows {
			if rows[i].ID == id && rows[i].Revision != rev {
				return m.openCase(id, false)
			}
		}
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
		m.screen, c.detail, c.approval = screenQueue, nil, nil
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Reveal):
		return m.toggleReveal()
	case !c.menu && key.Matches(msg, k.Register):
		return m.openRegister(c.detail.loaded.Case.Controller, screenCase)
	case c.scroll(msg, m.height-3): // scrolled: nothing more to do
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
	// The lines past the end of the case stay empty rather than padded.
	v := c.view
	b.WriteString(viewportBody(v))
	if m.status != "" && m.err == "" {
		back := []key.Binding{brief(c.keys.Actions, "", "actions"), brief(c.keys.Back, "", "back")}
		b.WriteString(fit(m.styles.Dim.Render(m.status+" · ")+m.shortHelp(back), m.width))
		return b.String()
	}
	keys := c.keys.ShortHelp()
	if len(c.detail.state.Work) > 0 {
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

// top is who asks what, when it came, the countdown and the request's words.
func (d *caseDetail) top(b *caseLines, lk look) {
	c, s, p := d.loaded.Case, d.state, cases.Printable
	sum := cases.Summarize(c, s, d.loaded.Revision)
	head := fmt.Sprintf("%s  %s  %s  %s", b.st.Title.Render(c.ID), p(c.Controller), c.Right, s.Status)
	if sum.WorkTotal > 0 {
		head += "  " + workCount(sum.WorkDone, sum.WorkTotal)
	}
	b.add("%s", head)
	if v := s.Voided; v != nil {
		// Before anything the case says: it was recorded by mistake.
		b.wrapped(b.st.Overdue.Render("VOIDED") + " " + v.At.In(zone(s.Deadlines.Zone)).Format("2 Jan 2006") +
			" by " + p(v.Actor) + ": " + p(v.Reason) + " (kept; out of the queue and the figures; takes only a note)")
	}

	email := c.Subject.Email
	if email != "" && lk.revealID != c.ID {
		email = maskEmail(email)
	}
	subject := p(c.Subject.Name)
	for _, x := range []string{email, c.Subject.Phone, c.Subject.PostalAddress} {
		if x != "" {
			subject += ", " + p(x)
		}
	}
	if c.Subject.Name == "" {
		subject = "(removed under retention)"
	}
	b.label("subject", subject)
	if c.Requester != nil {
		b.label("requester", p(c.Requester.Name)+" ("+string(c.Requester.Relation)+")")
	}
	if len(c.Linked) > 0 {
		b.label("same request", strings.Join(c.Linked, ", "))
	}
	b.label("received", c.ReceivedAt.In(zone(s.Deadlines.Zone)).Format("Mon 2 Jan 2006 15:04 MST")+" via "+string(c.Channel))
	b.label("countdown", cases.Countdown(&sum, d.now(lk.now)))
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
// event to a line where it fits.
func (d *caseDetail) timeline(b *caseLines) {
	p := cases.Printable
	b.section("Timeline")
	for _, e := range d.loaded.Case.Events {
		line := fmt.Sprintf("  %s  %-22s %s", e.At.In(zone(d.state.Deadlines.Zone)).Format("2006-01-02 15:04"), e.Kind, p(e.Actor))
		for _, x := range workDetails(e, d) {
			line += " · " + p(x)
		}
		for _, x := range otherDetails(e) {
			line += " · " + p(x.Value)
		}
		if e.Late != "" { // allowed, never hidden (WORK.md)
			line += " · LATE: " + p(e.Late)
		}
		b.out = append(b.out, wrapHang(line, b.width, 20)...) // under the kind, clear of the dates
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
