package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// renderCache holds what a frame renders that changes far less often than
// frames come: footers by what they show (bubbles/help styles every key on
// each call, about 25 µs a frame, a quarter of a queue frame at 80x24) and
// the overview's lines, which change with its figures, the size and the
// minute. Each entry is a pure function of its key and of the styles the
// cache was made with.
type renderCache struct {
	rendered map[string]string
	overview overviewMemo
}

// overviewMemo is the overview's lines for one set of figures, size and
// minute.
type overviewMemo struct {
	figures       *overview
	width, height int
	minute        time.Time
	lines         []string
}

// shortHelp is the footer line of the given keys, rendered once for each
// set of keys and width.
func (m *Model) shortHelp(bindings []key.Binding) string {
	var id strings.Builder
	id.WriteString(strconv.Itoa(m.help.Width()))
	for _, b := range bindings {
		if b.Enabled() {
			h := b.Help()
			id.WriteString("\x00" + h.Key + "\x01" + h.Desc)
		}
	}
	c := m.render
	if c == nil {
		return m.help.ShortHelpView(bindings)
	}
	if s, ok := c.rendered[id.String()]; ok {
		return s
	}
	if c.rendered == nil || len(c.rendered) > 64 { // a few screens' worth; never grows without bound
		c.rendered = map[string]string{}
	}
	s := m.help.ShortHelpView(bindings)
	c.rendered[id.String()] = s
	return s
}

// helpView lists the keys of the screen under the help, from the key map
// (each component's FullHelp, rendered by bubbles/help), and what to know
// about the screen.
func (m *Model) helpView() string {
	var keys help.KeyMap = m.queue.keys
	title := "the queue"
	notes := []string{"Urgency: !! overdue   ! 3 days or less   · 7 days or less",
		"Sort orders: urgency, received (newest first), organisation, assignee.",
		"E-mail addresses show masked where the window is wide; r reveals one (logged).",
		"Filter: / then words, @NAME assignee, #TAG tag, id:VALUE; a case ID opens it."}
	// On a narrow window rights and statuses are shortened: their key.
	notes = append(notes, packed("Short forms: ", abbreviations(), m.width)...)
	switch {
	case m.screen == screenCase && m.kase.approval != nil:
		keys, title = m.keys.Approval, "a letter before it leaves"
		notes = []string{"y records your approval of this exact packet (its SHA-256); x sends it back with why.",
			"Who exported it or decided what it refuses cannot approve it."}
	case m.screen == screenCase:
		keys, title = m.kase.keys, "a case"
		notes = []string{"Forms are sent at the revision they opened on; a colleague's change is named.",
			"E-mail addresses are masked; r reveals this case's (logged)."}
	case m.screen == screenOverview:
		keys, title = m.overview.keys, "the overview"
		notes = []string{"The figures are those of the register of requests (rightsdesk report)."}
	case m.screen == screenRegister:
		keys, title = m.overview.reg.keys, "a register"
		notes = []string{"Gaps come first, each with the field to fill and an example value.",
			"E hands the terminal to $VISUAL or $EDITOR on the register; the app resumes when it exits."}
	}
	// Columns of at most the rows that fit: a long group splits in two.
	rows := max(4, m.height-4-len(notes))
	var columns [][]key.Binding
	for _, group := range keys.FullHelp() {
		parts := (len(group) + rows - 1) / rows
		for p := range parts {
			per := (len(group) + parts - 1) / parts
			columns = append(columns, group[p*per:min(len(group), (p+1)*per)])
		}
	}
	h := m.help
	h.SetWidth(0) // unbounded: whether the columns fit is decided below
	lines := []string{m.styles.Title.Render("rightsdesk — keys on " + title), ""}
	table := strings.Split(h.FullHelpView(columns), "\n")
	if widest := slices.MaxFunc(table, func(a, b string) int { return ansi.StringWidth(a) - ansi.StringWidth(b) }); ansi.StringWidth(widest) <= m.width-2 {
		for _, l := range table {
			lines = append(lines, "  "+l)
		}
	} else {
		// A narrow window: every key, one after the other, rather than
		// the columns that fit and an ellipsis for the rest.
		var items []string
		for _, group := range keys.FullHelp() {
			for _, b := range group {
				if b.Enabled() && b.Help().Key != "" {
					items = append(items, b.Help().Key+" "+b.Help().Desc)
				}
			}
		}
		lines = append(lines, packed("  ", items, m.width-1)...)
	}
	lines = append(lines, "")
	lines = append(lines, notes...)
	if len(lines) > m.height-1 { // a short window: what fits, and always how to leave
		lines = lines[:m.height-1]
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(fit(l, m.width) + "\n")
	}
	return b.String() + m.styles.Dim.Render(fit("Any key closes this help.", m.width))
}

// packed lays items out after a lead, as many to a line as fit in width,
// never one split over two lines (a short form apart from its word would
// be no key); the next lines are indented two cells, which keeps the key
// to four lines at 80 columns and the help to 24 lines.
func packed(lead string, items []string, width int) []string {
	var out []string
	line := lead
	for i, it := range items {
		if i > 0 && ansi.StringWidth(line)+3+ansi.StringWidth(it) > width {
			out = append(out, line)
			line = "  " + it
			continue
		}
		if i > 0 {
			line += " · "
		}
		line += it
	}
	return append(out, line)
}
