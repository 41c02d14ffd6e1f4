package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases"
)

// overviewView renders the overview: open cases by status and organisation,
// what is overdue or due this week, timeliness over answered cases, and the
// intake of the last twelve weeks (cases.Statistics, shared with report).
func (m Model) overviewView() string {
	ov := m.ov
	if ov == nil {
		return fit("Working out the figures…", m.width) + strings.Repeat("\n", max(0, m.height-1))
	}
	st, scope := ov.stats, ov.scope
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	lines = append(lines, m.styles.Title.Render("Overview")+"  "+m.styles.Dim.Render(fmt.Sprintf("%s: %d cases, as of %s", scope, st.Cases, m.now.Local().Format("Mon 2 Jan 15:04"))), "")
	add("%s %d   %s %d   %s %d   %s %d", m.styles.Label.Render("open"), st.Open,
		m.styles.Overdue.Render("overdue"), st.Overdue, m.styles.Label.Render("due within 7 days"), st.DueThisWeek,
		m.styles.Label.Render("extension notices due this week"), st.NoticesDueThisWeek)
	var byStatus []string
	for _, s := range cases.Statuses {
		if n := st.OpenByStatus[s]; n > 0 {
			byStatus = append(byStatus, fmt.Sprintf("%s %d", s, n))
		}
	}
	add("%s %s", m.styles.Label.Render("open by status"), strings.Join(byStatus, " · "))
	var byOrg []string
	for _, org := range slices.Sorted(maps.Keys(st.OpenByController)) {
		byOrg = append(byOrg, fmt.Sprintf("%s %d", cases.Printable(org), st.OpenByController[org]))
	}
	lines = append(lines, wrap(m.styles.Label.Render("open by organisation")+" "+strings.Join(byOrg, " · "), m.width)...)
	lines = append(lines, "")
	add("%s %d, on time %d (%.0f%%)", m.styles.Label.Render("answered"), st.Answered, st.OnTime, 100*st.OnTimeRate)
	add("%s median %.1f, 90th percentile %d", m.styles.Label.Render("days to answer, paused days excluded:"), st.MedianDays, st.P90Days)
	add("%s %d (notice in time %d, late %d); closed without an answer sent: %d", m.styles.Label.Render("extensions"),
		st.Extensions, st.ExtensionsInForce, st.ExtensionsLate, st.ClosedUnanswered)
	lines = append(lines, "", m.styles.Header.Render("Requests received per week"))
	weeks := ov.weeks
	most := 1
	for _, w := range weeks {
		most = max(most, w.Count)
	}
	barWidth := max(5, m.width-22)
	for _, w := range weeks {
		bar := strings.Repeat("█", (w.Count*barWidth+most-1)/most)
		add("%s %5d %s", w.Start, w.Count, bar)
	}
	h := m.height - 1
	var b strings.Builder
	for i := 0; i < h; i++ {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		b.WriteString(fit(l, m.width) + "\n")
	}
	footer := "esc back · c organisation · R write the register of requests · ? help"
	if m.status != "" && m.err == "" {
		footer = m.status
	}
	b.WriteString(fit(m.footer(footer), m.width))
	return b.String()
}

// overview are the overview's figures, worked out when the overview opens
// and when the cases, the clock or the organisation shown change, not per
// frame: at 100,000 cases they take milliseconds.
type overview struct {
	stats cases.Stats
	weeks []cases.WeekCount
	scope string
}

func (m Model) overviewFigures() *overview {
	all, scope := m.all, "all organisations"
	if org := m.quick.controller; org != "" {
		all, scope = nil, cases.Printable(org)
		for i := range m.all {
			if m.all[i].Controller == org {
				all = append(all, m.all[i])
			}
		}
	}
	return &overview{stats: cases.Statistics(all, m.now), weeks: cases.IntakePerWeek(all, cases.DateOf(m.now, time.Local), 12), scope: scope}
}

type overviewMsg struct {
	seq int
	ov  *overview
}

// workOutOverview asks for the overview's figures of the cases as they are
// now, off the update loop; the figures shown stay until they come.
func (m Model) workOutOverview() (Model, tea.Cmd) {
	m.ovSeq++
	seq, figures := m.ovSeq, m.overviewFigures
	return m, func() tea.Msg { return overviewMsg{seq: seq, ov: figures()} }
}
