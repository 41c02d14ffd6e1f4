package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
)

// View renders the current screen into the window.
func (m Model) View() tea.View {
	var body string
	switch {
	case m.width < 40 || m.height < 8:
		body = "Window too small for rightsdesk:\nat least 40x8, 80x24 recommended."
	case m.showHelp:
		body = m.helpView()
	case m.screen == screenCase && m.kase.detail != nil && m.kase.approval != nil:
		body = m.approvalView()
	case m.screen == screenCase && m.kase.detail != nil:
		body = m.caseView()
	case m.screen == screenOverview:
		body = m.overviewView()
	case m.screen == screenRegister:
		body = m.registerView()
	default:
		body = m.queueView()
	}
	if panel := m.panelLines(); len(panel) > 0 && !m.showHelp && m.width >= 40 && m.height >= 8 {
		body = overlay(body, panel, m.height)
	}
	if m.opt.Terminal.ASCII {
		body = asciiFrame(body)
	}
	v := tea.NewView(body)
	v.AltScreen = true
	v.WindowTitle = "rightsdesk"
	return v
}

// footer is the last line: the last error if any, else the keys that matter.
func (m *Model) footer(keys string) string {
	if m.err != "" {
		return m.styles.Error.Render("! " + m.err)
	}
	return m.styles.Dim.Render(keys)
}

// fit pads or cuts a (possibly styled) string to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-ansi.StringWidth(s))
}

// wrap cuts a line into lines of at most width cells; the lines after the
// first hang under its text (after its indentation and a "- " bullet), so
// that a wrapped step or timeline entry still reads as one.
func wrap(s string, width int) []string {
	hang := len(s) - len(strings.TrimLeft(s, " "))
	if strings.HasPrefix(s[hang:], "- ") {
		hang += 2
	}
	return wrapHang(s, width, hang)
}

// wrapHang is wrap with the continuation lines indented by hang cells.
func wrapHang(s string, width, hang int) []string {
	if width < 10 || ansi.StringWidth(s) <= width {
		return []string{s}
	}
	hang = min(hang, width/2)
	first, _, _ := strings.Cut(ansi.Wrap(s, width, " "), "\n")
	out := []string{strings.TrimRight(first, " ")}
	rest := ansi.TruncateLeft(s, ansi.StringWidth(first), "")
	for strings.HasPrefix(ansi.Strip(rest), " ") { // the space the line broke at, behind any style codes
		rest = ansi.TruncateLeft(rest, 1, "")
	}
	if ansi.StringWidth(rest) == 0 {
		return out
	}
	for _, l := range strings.Split(ansi.Wrap(rest, width-hang, " "), "\n") {
		out = append(out, strings.Repeat(" ", hang)+strings.TrimRight(l, " "))
	}
	return out
}

// overlay puts the panel (a form, the action menu, a notice) over the
// bottom of the screen, keeping the top of what is under it in view; a
// panel taller than the window keeps its end, where its keys and errors are.
func overlay(body string, panel []string, height int) string {
	if len(panel) > height {
		panel = panel[len(panel)-height:]
	}
	lines := strings.Split(body, "\n")
	keep := min(len(lines), height-len(panel))
	return strings.Join(append(lines[:keep:keep], panel...), "\n")
}

// moreBelow is what a footer adds to say how many lines are below the
// screen: "↓ 1 more line", or "↓12" where the words do not fit beside the
// keys, which come first; nothing when none are below.
func (m *Model) moreBelow(footer string, more int) string {
	if more <= 0 {
		return ""
	}
	for _, s := range []string{" · ↓ " + strings.Replace(cases.Plural(more, "line"), " ", " more ", 1), fmt.Sprintf(" · ↓%d", more)} {
		if ansi.StringWidth(footer+s) <= m.width {
			return m.styles.Dim.Render(s)
		}
	}
	return ""
}
