package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

// helpView lists the keys of the screen under the help, from the key map.
func (m Model) helpView() string {
	left, right := m.keys.screenHelp(m.screen)
	half := m.width / 2
	entry := func(k key.Binding, width int) string {
		h := k.Help()
		if h.Key == "" {
			return ""
		}
		return fit("  "+m.styles.Key.Render(fit(h.Key, 12))+h.Desc, width)
	}
	title := map[screen]string{screenQueue: "the queue", screenCase: "a case", screenOverview: "the overview"}[m.screen]
	var b strings.Builder
	b.WriteString(m.styles.Title.Render("rightsdesk — keys on "+title) + "\n\n")
	for i := range max(len(left), len(right)) {
		l, r := "", ""
		if i < len(left) {
			l = entry(left[i], half)
		}
		if i < len(right) {
			r = entry(right[i], m.width-half)
		}
		b.WriteString(fit(l, half) + r + "\n")
	}
	b.WriteString("\n")
	var notes []string
	switch m.screen {
	case screenQueue:
		notes = []string{"Urgency: !! overdue   ! 3 days or less   · 7 days or less",
			"E-mail addresses are masked; r reveals the one under the cursor (logged).",
			"Filter: / then type; enter keeps it, esc clears it; a case ID opens it."}
	case screenCase:
		notes = []string{"E-mail addresses are masked; r reveals this case's (logged).",
			"A form is sent with the revision on screen; a colleague's change is named."}
	}
	for _, n := range notes {
		b.WriteString(fit(n, m.width) + "\n")
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) > m.height-1 { // a short window: what fits, and always how to leave
		lines = lines[:m.height-1]
	}
	return strings.Join(lines, "\n") + "\n" + m.styles.Dim.Render(fit("Any key closes this help.", m.width))
}
