package ui

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

// The register screen: one organisation's register, its gaps first (each
// with the field to fill and an example), then its facts grouped as a DPO
// reads them, each with where it comes from; E opens it in the editor.

// registerScreen is the register component: the organisation shown, its
// lines in a viewport, and the screen esc goes back to.
type registerScreen struct {
	keys RegisterKeys
	id   string
	view viewport.Model
	back screen
}

// registerEditedMsg says the editor on a register has returned.
type registerEditedMsg struct {
	id        string
	err       error
	registers *register.Registers // read again after the edit; nil if not
}

// openRegister shows the register of organisation id (the first one when
// id is "" or unknown), from the screen back.
func (m Model) openRegister(id string, back screen) (Model, tea.Cmd) {
	ids := m.organisationIDs()
	if len(ids) == 0 {
		m.err = "no register is loaded"
		return m, nil
	}
	if !slices.Contains(ids, id) {
		id = ids[0]
	}
	m.overview.reg = registerScreen{keys: m.keys.Register, id: id, view: viewport.New(), back: back}
	m.screen, m.status, m.err = screenRegister, "", ""
	m.overview.reg = m.overview.reg.layout(m.opt.Registers, m.width, m.height, m.styles)
	return m, nil
}

// organisationIDs are the organisations whose registers are loaded.
func (m *Model) organisationIDs() []string {
	if m.opt.Registers == nil {
		return nil
	}
	return m.opt.Registers.IDs()
}

// layout renders the register into the viewport for the window, keeping
// the place scrolled to.
func (r registerScreen) layout(regs *register.Registers, width, height int, st *Styles) registerScreen {
	var lines []string
	if regs != nil {
		if reg, err := regs.Get(r.id); err == nil {
			lines = registerLines(reg, width, st)
		}
	}
	for i := range lines {
		lines[i] = fit(lines[i], width)
	}
	r.view.SetWidth(width)
	r.view.SetHeight(max(1, height-1))
	r.view.SetContentLines(lines)
	return r
}

// registerKey handles a key on the register screen.
func (m Model) registerKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k, v := m.overview.reg.keys, &m.overview.reg.view
	switch {
	case key.Matches(msg, k.Back):
		m.screen, m.status = m.overview.reg.back, ""
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Org):
		m.overview.reg.id = cycle(m.organisationIDs(), m.overview.reg.id)
		if m.overview.reg.id == "" { // cycle ends on "all": a register screen always shows one
			m.overview.reg.id = m.organisationIDs()[0]
		}
		v.GotoTop()
		m.overview.reg = m.overview.reg.layout(m.opt.Registers, m.width, m.height, m.styles)
	case key.Matches(msg, k.Edit):
		return m.editRegister()
	case key.Matches(msg, k.Up):
		v.ScrollUp(1)
	case key.Matches(msg, k.Down):
		v.ScrollDown(1)
	case key.Matches(msg, k.PageDown):
		v.ScrollDown(max(1, m.height-2))
	case key.Matches(msg, k.PageUp):
		v.ScrollUp(max(1, m.height-2))
	case key.Matches(msg, k.Top):
		v.GotoTop()
	case key.Matches(msg, k.Bottom):
		v.GotoBottom()
	}
	return m, nil
}

// editRegister is E: the app gives the terminal to the editor on the
// register (as git does for a commit message) and takes it back when the
// editor exits. Without an editor command it says the one to run.
func (m Model) editRegister() (tea.Model, tea.Cmd) {
	id := m.overview.reg.id
	var cmd *exec.Cmd
	if m.opt.EditRegister != nil {
		cmd = m.opt.EditRegister(id)
	}
	if cmd == nil {
		m.status, m.err = "edit it with: rightsdesk controllers "+cases.Printable(id)+" edit", ""
		return m, nil
	}
	reload := m.opt.ReloadRegisters
	m.status, m.err = "", ""
	return m, tea.ExecProcess(cmd, func(err error) tea.Msg {
		msg := registerEditedMsg{id: id, err: err}
		if err == nil && reload != nil {
			msg.registers, msg.err = reload()
		}
		return msg
	})
}

// registerEdited shows the register again once the editor is done, read
// again when it could be.
func (m Model) registerEdited(msg registerEditedMsg) (tea.Model, tea.Cmd) {
	if msg.registers != nil {
		m.opt.Registers = msg.registers
	}
	switch {
	case msg.err != nil:
		m.err = "editing the register of " + cases.Printable(msg.id) + ": " + errorLine(msg.err)
	default:
		m.status = "back from the editor on the register of " + cases.Printable(msg.id)
	}
	if m.screen == screenRegister {
		m.overview.reg = m.overview.reg.layout(m.opt.Registers, m.width, m.height, m.styles)
	}
	return m, nil
}

func (m *Model) registerView() string {
	r := m.overview.reg
	var b strings.Builder
	v := r.view
	b.WriteString(viewportBody(v))
	footer := m.shortHelp(r.keys.ShortHelp())
	if m.status != "" && m.err == "" {
		footer = m.status
	}
	if m.status == "" {
		footer += m.moreBelow(footer, linesBelow(v))
	}
	b.WriteString(fit(m.footer(footer), m.width))
	return b.String()
}

// registerGroups are the groups the facts are shown in, by the first key
// of their field; what is in none of them comes last, as "other".
var registerGroups = []struct {
	title string
	keys  []string
}{
	{"Identity", []string{"name", "legal_name", "address", "country", "privacy_contact", "dpo_contact", "policy", "contacts"}},
	{"Authority", []string{"authority"}},
	{"Clock", []string{"clock", "roles"}},
	{"Systems", []string{"systems", "categories"}},
	{"Purposes", []string{"purposes", "automated_decisions"}},
	{"Recipients", []string{"recipients", "transfers"}},
	{"Retention", []string{"retention", "case_files"}},
}

// registerLines are the register screen's lines: the gaps first, with the
// field and an example, then every fact by group with its provenance.
func registerLines(r *register.Register, width int, st *Styles) []string {
	p := cases.Printable
	var out []string
	add := func(s string) { out = append(out, wrap(s, width)...) }
	hang := func(s string, n int) { out = append(out, wrapHang(s, width, n)...) }
	out = append(out, st.Title.Render("Register · "+p(r.ID))+"  "+st.Dim.Render(p(r.DisplayName())+", version "+p(r.Version.String())))
	gaps := r.Gaps()
	out = append(out, "", st.Header.Render(fmt.Sprintf("Gaps (%d)", len(gaps))))
	if len(gaps) == 0 {
		add("  none: every fact the letters need is known")
	} else {
		add("  E edits the register (" + p(r.EditCommand()) + ")")
	}
	for _, g := range gaps {
		// A missing fact's text already starts "missing: ...".
		text := strings.TrimPrefix(g.Text, g.Kind+": ")
		hang("  - "+st.Soon.Render(p(g.Kind))+" "+p(g.Field)+": "+p(text), 4)
		if g.TOML != "" {
			hang("    fill "+p(g.TOML)+", e.g. "+p(register.OneLine(g.Example)), 6)
		}
	}
	facts := r.Facts()
	grouped := make([]bool, len(facts))
	for _, grp := range registerGroups {
		var rows []string
		for i, f := range facts {
			top, _, _ := strings.Cut(f.Field, ".")
			top, _, _ = strings.Cut(top, "[")
			if slices.Contains(grp.keys, top) {
				grouped[i] = true
				rows = append(rows, factLines(f, width, st)...)
			}
		}
		if len(rows) > 0 {
			out = append(out, "", st.Header.Render(grp.title))
			out = append(out, rows...)
		}
	}
	var rest []string
	for i, f := range facts {
		if !grouped[i] {
			rest = append(rest, factLines(f, width, st)...)
		}
	}
	if len(rest) > 0 {
		out = append(out, "", st.Header.Render("Other"))
		out = append(out, rest...)
	}
	return out
}

// factLines are one fact, its value and where it comes from: the policy's
// section (seed), the rule in words (assumed), the DPO, or missing.
func factLines(f register.FactRef, width int, st *Styles) []string {
	p := cases.Printable
	value := p(f.Fact.Text())
	if !f.Fact.Known() {
		value = st.Soon.Render("(missing)")
	}
	var from string
	switch pr := f.Provenance; pr.Source {
	case register.SourceSeed:
		from = "seed: " + p(pr.Section)
	case register.SourceAssumed:
		from = "assumed: " + p(register.RuleWords(pr.Rule))
	case register.SourceMissing:
		from = "missing"
		if pr.Note != "" {
			from += ": " + p(pr.Note)
		}
	default:
		from = p(string(pr.Source))
	}
	if cases.GroundWords(f.Fact.Text()) != "" { // never a bare slug: what it stands for too
		value = p(cases.GroundLabel(f.Fact.Text()))
	}
	var out []string
	if field := p(f.Field); ansi.StringWidth(field) > 28 { // a long name whole, on its line
		out = append(wrapHang("  "+st.Label.Render(field), width, 4), wrapHang(strings.Repeat(" ", 31)+value, width, 31)...)
	} else {
		out = wrapHang("  "+st.Label.Render(fit(field, 28))+" "+value, width, 31)
	}
	return append(out, wrapHang("  "+strings.Repeat(" ", 29)+st.Dim.Render("["+from+"]"), width, 31)...)
}
