package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases"
)

// The approval screen (WORK.md, "Approval"): before a letter leaves, the
// approver reads it rendered in the terminal, with the data copy's index,
// the files withheld, the work list, the draft state and the gaps, then
// approves it or sends it back. It opens from the case screen (L).

// Letter is a letter's last export as its approver reads it
// (Options.Letter): the packet rebuilt as it was exported.
type Letter struct {
	Kind     cases.LetterKind
	Markdown []byte
	// DataFiles are the data copy's files, as the packet holds them.
	DataFiles []string
	// SHA256 is the rebuilt packet's: the export's own when nothing that
	// shapes it changed since.
	SHA256 string
}

// approvalScreen is the letter shown for approval, its lines laid out in a
// viewport; it never changes once laid out (layout makes another).
type approvalScreen struct {
	id     string
	letter *Letter
	view   viewport.Model
}

// letterMsg is a letter read for the approval screen.
type letterMsg struct {
	id     string
	letter *Letter
	err    error
}

// approvalLetter is the letter to look at: the last exported one that
// waits for approval, else the last exported one.
func approvalLetter(d *caseDetail) (cases.LetterKind, bool) {
	var current cases.Conditions
	if d.register != nil {
		current = cases.ConditionsOf(d.register.ApprovalConditions())
	}
	c := d.loaded.Case
	var last cases.LetterKind
	for i := len(c.Events) - 1; i >= 0; i-- {
		e := &c.Events[i]
		if e.Kind != cases.EventExported || e.Letter == cases.RecordExport {
			continue
		}
		if last == "" {
			last = e.Letter
		}
		if a := cases.ApprovalOf(c, d.state, e.Letter, current); a.Waiting() {
			return e.Letter, true
		}
	}
	return last, last != ""
}

// openApproval reads the letter to approve of the open case (L).
func (m Model) openApproval() (Model, tea.Cmd) {
	d := m.kase.detail
	kind, ok := approvalLetter(d)
	if !ok {
		m.err = "no letter was exported: export it first (" + m.kase.keys.Export.Help().Key + "), then look at it here"
		return m, nil
	}
	if m.opt.Letter == nil {
		m.err = "letters cannot be shown here"
		return m, nil
	}
	read, id := m.opt.Letter, d.loaded.Case.ID
	m.kase.menu, m.screen, m.status, m.err = false, screenCase, "reading the "+string(kind)+" letter…", ""
	return m, func() tea.Msg {
		l, err := read(id, kind)
		return letterMsg{id: id, letter: l, err: err}
	}
}

// letterRead shows a letter read, if its case is still the one open.
func (m Model) letterRead(msg letterMsg) (tea.Model, tea.Cmd) {
	m.status = ""
	d := m.kase.detail
	if d == nil || d.loaded.Case.ID != msg.id {
		return m, nil
	}
	if msg.err != nil {
		m.err = errorLine(msg.err)
		return m, nil
	}
	a := &approvalScreen{id: msg.id, letter: msg.letter, view: viewport.New()}
	m.kase.approval = a.layout(d, m.caseLook())
	// The letter names the subject's contact details in full, as it must
	// for the approver to read it: a read of them, logged as a reveal is.
	return m, m.logAccess(msg.id, "read the "+string(msg.letter.Kind)+" letter, contact details included")
}

// layout renders the letter and what the approver must see beside it into
// a viewport for the window.
func (a *approvalScreen) layout(d *caseDetail, lk look) *approvalScreen {
	out := *a
	out.view.SetWidth(lk.width)
	out.view.SetHeight(max(1, lk.height-1)) // the footer below it
	out.view.SetContentLines(approvalLines(d, a.letter, lk))
	return &out
}

// approvalLines are the screen's lines: where the packet stands, the
// letter rendered, then the data copy, the files withheld, the work list
// and the gaps.
func approvalLines(d *caseDetail, l *Letter, lk look) []string {
	b := &caseLines{width: lk.width, st: lk.styles}
	c := d.loaded.Case
	var current cases.Conditions
	if d.register != nil {
		current = cases.ConditionsOf(d.register.ApprovalConditions())
	}
	a := cases.ApprovalOf(c, d.state, l.Kind, current)
	b.add("%s", lk.styles.Title.Render(fmt.Sprintf("%s · the %s letter before it leaves", c.ID, l.Kind)))
	if e := a.Export; e != nil {
		b.label("packet", fmt.Sprintf("SHA-256 %.12s, exported by %s on %s", e.Checksum, cases.Printable(e.Actor),
			cases.TimeIn(e.RecordedAt, d.state.Deadlines.Zone)))
		if l.SHA256 != e.Checksum {
			b.label("", lk.styles.Error.Render("rebuilt now it differs (SHA-256 "+short(l.SHA256)+"): export it again"))
		}
		draft := "no: not a draft" // whether it may leave is the approval's, below
		if e.Draft {
			draft = lk.styles.Error.Render("yes: it cannot be approved until the gaps are filled and it is exported again")
		}
		b.label("draft", draft)
	}
	b.label("needs approval", a.Needs.String())
	b.label("approval", approvalState(&a))
	b.section("Letter")
	b.out = append(b.out, renderLetter(l.Markdown, lk.width, lk.styles)...)
	approvalFacts(b, d, l, &a)
	for i := range b.out {
		b.out[i] = fit(b.out[i], lk.width)
	}
	return b.out
}

// approvalFacts are the sections beside the letter: the data copy, the
// files withheld, the work list and the gaps.
func approvalFacts(b *caseLines, d *caseDetail, l *Letter, a *cases.Approval) {
	p := cases.Printable
	b.section("Data copy")
	if len(l.DataFiles) == 0 {
		b.add("  none in this packet")
	}
	for _, f := range l.DataFiles {
		b.wrapped("  " + p(f))
	}
	b.section("Withheld from the subject")
	withheld := slices.Sorted(func(yield func(string) bool) {
		for name := range d.state.Withheld {
			if !yield(name) {
				return
			}
		}
	})
	if len(withheld) == 0 {
		b.add("  nothing")
	}
	for _, name := range withheld {
		e := d.state.Withheld[name]
		b.wrapped(fmt.Sprintf("  %s, on %s: %s", p(name), joinGrounds(e.Grounds), p(e.Reason)))
	}
	b.section("Work list")
	if len(d.state.Work) == 0 {
		b.add("  no work list")
	}
	for i := range d.state.Work {
		w := &d.state.Work[i]
		result := string(w.ResultName())
		if result == "" {
			result = "open"
		}
		b.wrapped(fmt.Sprintf("  %s: %s", p(w.ID), result))
	}
	b.section("Gaps")
	if a.Export == nil || len(a.Export.Gaps) == 0 {
		b.add("  none")
		return
	}
	for _, g := range a.Export.Gaps {
		b.wrapped("  " + p(g))
	}
}

// approvalState says who approved or sent the packet back, or that nobody
// has yet.
func approvalState(a *cases.Approval) string {
	p := cases.Printable
	switch {
	case a.Approved != nil && a.Approved.External != nil:
		return "signed off by " + p(a.Approved.External.String()) + " (recorded by " + p(a.Approved.Actor) + ")"
	case a.Approved != nil:
		return "approved by " + p(a.Approved.Actor)
	case a.Rejected != nil:
		return "sent back by " + p(a.Rejected.Actor) + ": " + p(a.Rejected.Reason)
	case len(a.Uncounted) > 0:
		u := a.Uncounted[len(a.Uncounted)-1]
		return "not yet (the approval by " + p(u.Event.Actor) + " does not count: " + u.Why + ")"
	}
	return "not yet"
}

// joinGrounds names grounds as screens show them, each with its meaning.
func joinGrounds(gs []cases.Ground) string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = cases.GroundLabel(string(g))
	}
	return strings.Join(out, ", ")
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}

// approvalKey handles a key on the approval screen: scroll, approve (a
// form with the letter chosen, asking before it records), send back (a
// form asking why), or leave.
func (m Model) approvalKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	a, k := m.kase.approval, m.keys.Approval
	switch {
	case key.Matches(msg, k.Back):
		m.kase.approval = nil
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Approve), key.Matches(msg, k.Reject):
		act := &cases.ApproveAction
		if key.Matches(msg, k.Reject) {
			act = &cases.RejectAction
		}
		kind := a.letter.Kind
		m.kase.approval = nil
		m = m.openForm(act)
		if m.form != nil {
			if f := m.form.get("letter"); f != nil {
				f.choose(string(kind))
			}
		}
	default:
		v := a.view
		switch {
		case key.Matches(msg, k.Up):
			v.ScrollUp(1)
		case key.Matches(msg, k.Down):
			v.ScrollDown(1)
		case key.Matches(msg, k.PageDown):
			v.ScrollDown(v.Height() - 1)
		case key.Matches(msg, k.PageUp):
			v.ScrollUp(v.Height() - 1)
		case key.Matches(msg, k.Top):
			v.GotoTop()
		case key.Matches(msg, k.Bottom):
			v.GotoBottom()
		}
		scrolled := *a
		scrolled.view = v
		m.kase.approval = &scrolled
	}
	return m, nil
}

// approvalView is the approval screen: the viewport, then its keys and
// how much is left below.
func (m *Model) approvalView() string {
	a := m.kase.approval
	var b strings.Builder
	v := a.view
	b.WriteString(viewportBody(v))
	footer := m.shortHelp(m.keys.Approval.ShortHelp())
	footer += m.moreBelow(footer, linesBelow(a.view))
	b.WriteString(fit(m.footer(footer), m.width))
	return b.String()
}
