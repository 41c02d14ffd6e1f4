package ui

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
)

// View renders the current screen into the window.
func (m Model) View() tea.View {
	var body string
	switch {
	case m.width < 40 || m.height < 8:
		// Said in whole words on as many lines as the window has.
		var lines []string
		for _, l := range []string{"Window too small for rightsdesk:", "at least 40x8, 80x24 recommended."} {
			lines = append(lines, wrap(l, max(m.width, 1))...)
		}
		body = strings.Join(lines[:min(len(lines), max(m.height, 1))], "\n")
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

// shortTime is a moment of this year on screen, with its zone's
// abbreviation: the header's clock, the overview's "as of", a conflict's
// time. cases.TimeLayout is the same with the year, for a case's times.
const shortTime = "Mon 2 Jan 15:04 MST"

// userTimes are the clock as the header gives it, the longest first: in
// the user's zone (Options.Zone), never in a case's, so it says which:
// "Mon 30 Nov 11:39 CET (your time, Europe/Paris)", or where that does not
// fit, "Mon 30 Nov 11:39 CET".
func (m *Model) userTimes() []string {
	loc := m.userZone()
	short := m.now.In(loc).Format(shortTime)
	name := loc.String()
	if abbreviation, _ := m.now.In(loc).Zone(); name == "Local" || name == "" || name == abbreviation {
		return []string{short + " (your time)", short} // no name known, or none that says more
	}
	return []string{short + " (your time, " + name + ")", short}
}

// userZone is the user's time zone (Options.Zone), the process's local
// zone when none was given.
func (m *Model) userZone() *time.Location {
	if m.opt.Zone == nil {
		return time.Local
	}
	return m.opt.Zone
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
// It breaks lines at spaces only: a hyphen (a case ID, a date, a ground
// such as art17-3-b) is no place to break. A token too long for a line of
// its own (a path) is broken where it must be, after its last "/" that
// fits, else at the line's end.
func wrapHang(s string, width, hang int) []string {
	if width < 10 || ansi.StringWidth(s) <= width {
		return []string{s}
	}
	hang = min(hang, width/2)
	var out []string
	for i, span := range breakLines([]rune(ansi.Strip(s)), width, width-hang) {
		line := strings.TrimRight(ansi.Cut(s, span[0], span[1]), " ")
		if i > 0 {
			line = strings.Repeat(" ", hang) + line
		}
		out = append(out, line)
	}
	return out
}

// unbreakable are the spans a line is not broken inside, as if each were
// one word: a date with its time and zone ("Mon 30 Nov 2026 12:20 CET"), a
// time with its zone, a phone number ("+33 1 99 00 12 34").
var unbreakable = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)` +
		`(?: \d{4})?(?: \d{2}:\d{2}(?::\d{2})?(?: [A-Z]{2,5}\b| [+-]\d{2,4}\b)?)?` +
		`|\b\d{2}:\d{2}(?::\d{2})? (?:[A-Z]{2,5}\b|[+-]\d{2,4}\b)` +
		`|\+\d{1,3}(?: \d{1,4}){1,6}\b`)
})

// breakAt tells the spaces of text a line may break at: all but those in
// an unbreakable span.
func breakAt(text []rune) []bool {
	at := make([]bool, len(text))
	for i, r := range text {
		at[i] = r == ' '
	}
	s := string(text)
	for _, m := range unbreakable().FindAllStringIndex(s, -1) {
		from := utf8.RuneCountInString(s[:m[0]])
		for i := range utf8.RuneCountInString(s[m[0]:m[1]]) {
			at[from+i] = false
		}
	}
	return at
}

// breakLines is where wrapHang breaks the text: the cells each line takes,
// from and to, the first line at most first cells wide, the others at most
// rest. The spaces a line breaks at are in no line.
func breakLines(text []rune, first, rest int) [][2]int {
	cell := make([]int, len(text)+1) // the cell where each rune begins
	for i, r := range text {
		cell[i+1] = cell[i] + ansi.StringWidth(string(r))
	}
	space := breakAt(text)
	wordEnd := func(i int) int {
		for i < len(text) && !space[i] {
			i++
		}
		return i
	}
	var spans [][2]int
	for start, limit := 0, first; start < len(text); limit = rest {
		if len(spans) > 0 { // a line after a break starts at its next word
			for start < len(text) && text[start] == ' ' {
				start++
			}
			if start == len(text) {
				break
			}
		}
		end, i := start, start
		for i < len(text) {
			word := i
			for word < len(text) && space[word] {
				word++
			}
			next := wordEnd(word)
			if cell[next]-cell[start] <= limit {
				end, i = next, next
				continue
			}
			// The word does not fit here: it goes to the next line, unless
			// it is too long for any line or this one holds no word yet;
			// then as much of it as fits stays, up to its last "/".
			if split, atSlash := splitWord(text, cell, word, next, cell[start]+limit); end == start ||
				cell[next]-cell[word] > rest && atSlash {
				end = max(split, start+1) // at least one rune, or no line would end
			}
			break
		}
		spans = append(spans, [2]int{cell[start], cell[end]})
		start = end
	}
	return spans
}

// splitWord is where a word from..to that must be broken ends on a line
// that ends at cell limit: after its last "/" that fits, or at its last
// space (in an unbreakable span longer than a line) (atSlash either way),
// else after the last rune that fits.
func splitWord(text []rune, cell []int, from, to, limit int) (end int, atSlash bool) {
	fits, slash := from, -1
	for fits < to && cell[fits+1] <= limit {
		if text[fits] == '/' {
			slash = fits + 1
		} else if text[fits] == ' ' {
			slash = fits
		}
		fits++
	}
	if slash > from && slash < to {
		return slash, true
	}
	return fits, false
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
