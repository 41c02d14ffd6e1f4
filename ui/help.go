package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

// helpView lists the keys of the screen under the help, from the key map.
func (m Model) helpView() string {
	left, right := m.keys.screenHelp(m.screen)
	var notes []string
	switch m.screen {
	case screenQueue:
		notes = []string{"Urgency: !! overdue   ! 3 days or less   · 7 days or less",
			"E-mail addresses are masked; r reveals the one under the cursor (logged).",
			"Filter: / then type; enter keeps it, esc clears it; a case ID opens it."}
	case screenCase:
		notes = []string{"Forms are sent at the revision they opened on; a colleague's change is named.",
			"E-mail addresses are masked; r reveals this case's (logged)."}
	case screenOverview:
		notes = []string{"The figures are those of the register of requests (rightsdesk report)."}
	}
	// Columns of at most the rows that fit; a long list splits in two.
	rows := max(4, m.height-4-len(notes))
	var columns [][]key.Binding
	for _, list := range [][]key.Binding{left, right} {
		parts := (len(list) + rows - 1) / rows
		for p := range parts {
			per := (len(list) + parts - 1) / parts
			columns = append(columns, list[p*per:min(len(list), (p+1)*per)])
		}
	}
	// Each column as wide as its entries, the room left shared out; equal
	// columns (entries cut) when the window is too narrow for them.
	keyWidths, colWidths := make([]int, len(columns)), make([]int, len(columns))
	height, total := 0, 0
	for c, col := range columns {
		desc := 0
		for _, k := range col {
			keyWidths[c] = max(keyWidths[c], len([]rune(k.Help().Key))+2)
			desc = max(desc, len([]rune(k.Help().Desc)))
		}
		colWidths[c] = 2 + keyWidths[c] + desc + 1
		total += colWidths[c]
		height = max(height, len(col))
	}
	for c := range colWidths {
		if total <= m.width {
			colWidths[c] += (m.width - total) / len(colWidths)
		} else {
			colWidths[c] = m.width / len(colWidths)
		}
	}
	entry := func(k key.Binding, c int) string {
		h := k.Help()
		if h.Key == "" {
			return ""
		}
		return fit("  "+m.styles.Key.Render(fit(h.Key, keyWidths[c]))+h.Desc, colWidths[c])
	}
	title := map[screen]string{screenQueue: "the queue", screenCase: "a case", screenOverview: "the overview"}[m.screen]
	var b strings.Builder
	b.WriteString(m.styles.Title.Render("rightsdesk — keys on "+title) + "\n\n")
	for i := range height {
		line := ""
		for c, col := range columns {
			e := ""
			if i < len(col) {
				e = entry(col[i], c)
			}
			line += fit(e, colWidths[c])
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
	for _, n := range notes {
		b.WriteString(fit(n, m.width) + "\n")
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) > m.height-1 { // a short window: what fits, and always how to leave
		lines = lines[:m.height-1]
	}
	return strings.Join(lines, "\n") + "\n" + m.styles.Dim.Render(fit("Any key closes this help.", m.width))
}
