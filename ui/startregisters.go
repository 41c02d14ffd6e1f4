package ui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases/register"
)

// The registers at start: the first frame does not wait for them (they are
// parsed and checked beside it), so the queue shows and moves while they
// come. A key that needs them (a case, a form, an approval, the overview,
// a quick filter by organisation) is held, with "loading registers…" said,
// and served when they come, as are the keys pressed after it, in order:
// the app never shows a register it does not have as if it were empty.

// registersMsg is the registers read at start (Options.AwaitRegisters).
type registersMsg struct {
	registers *register.Registers
	err       error
}

// loadingRegisters is what the status line says while a key waits for them.
const loadingRegisters = "loading registers…"

// awaitRegisters waits, off the update loop, for the registers read at
// start; nil when they are there already.
func (m Model) awaitRegisters() tea.Cmd {
	await := m.opt.AwaitRegisters
	if m.opt.Registers != nil || await == nil {
		return nil
	}
	return func() tea.Msg {
		regs, err := await()
		return registersMsg{registers: regs, err: err}
	}
}

// registersDue says the registers are on their way: keys that need them wait.
func (m *Model) registersDue() bool {
	return m.opt.Registers == nil && m.opt.AwaitRegisters != nil
}

// registersArrived takes the registers read at start and serves the keys
// held for them; registers that cannot be read end the app, as they did
// before it started (the command line says why).
func (m Model) registersArrived(msg registersMsg) (tea.Model, tea.Cmd) {
	m.opt.AwaitRegisters = nil
	if msg.err != nil {
		m.held, m.err = nil, "the registers cannot be read: "+errorLine(msg.err)
		return m, tea.Quit
	}
	m.opt.Registers = msg.registers
	m.overview.reg = m.overview.reg.layout(m.opt.Registers, m.width, m.height, m.styles)
	if m.status == loadingRegisters {
		m.status = ""
	}
	held := m.held
	m.held = nil
	var cmds []tea.Cmd
	for _, k := range held {
		next, cmd := m.Update(k)
		m, cmds = next.(Model), append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

// holdForRegisters holds msg while the registers are on their way, if it
// needs them or a key before it is held; it says whether it did.
func (m *Model) holdForRegisters(msg tea.KeyPressMsg) bool {
	if !m.registersDue() || (len(m.held) == 0 && m.servedWithoutRegisters(msg)) {
		return false
	}
	m.held = append(slices.Clip(m.held), msg)
	m.status = loadingRegisters
	return true
}

// servedWithoutRegisters says a key does on the queue what it does with
// the registers: moving, the filter's typing, help, esc, the sort, quit.
// A filter's enter may open a case, which shows its register: it waits.
func (m *Model) servedWithoutRegisters(msg tea.KeyPressMsg) bool {
	if m.showHelp || len(m.notice) > 0 {
		return true // any key closes them
	}
	if m.screen != screenQueue || m.form != nil || m.kase.menu {
		return false
	}
	if m.queue.filter.typing {
		return !key.Matches(msg, m.keys.Filter.Accept)
	}
	k := m.queue.keys
	return key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Filter, k.Back, k.Help, k.Quit, k.Sort)
}
