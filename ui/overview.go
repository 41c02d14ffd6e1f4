package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
)

// overviewScreen is the overview component: figures worked out off the
// update loop (workOutOverview), the last request numbered so that an
// older answer is dropped; and the register screen it opens (O), which
// the case screen opens too.
type overviewScreen struct {
	keys    OverviewKeys
	figures *overview
	seq     int
	reg     registerScreen
}

// overview are the overview's figures, worked out when the overview opens
// and when the cases, the clock or the organisation shown change, not per
// frame: at 100,000 cases they take milliseconds.
type overview struct {
	stats cases.Stats
	weeks []cases.WeekCount
	scope string
}

// overviewFigures are the figures of the cases of one organisation (all
// when empty); the voided cases are counted apart (cases.Statistics).
func overviewFigures(all, voided []cases.Summary, org string, now time.Time) *overview {
	scope := "all organisations"
	all = append(all[:len(all):len(all)], voided...)
	if org != "" {
		var mine []cases.Summary
		for i := range all {
			if all[i].Controller == org {
				mine = append(mine, all[i])
			}
		}
		all, scope = mine, cases.Printable(org)
	}
	return &overview{stats: cases.Statistics(all, now), weeks: cases.IntakePerWeek(all, cases.DateOf(now, time.Local), 12), scope: scope}
}

// overviewKey handles a key on the overview.
func (m Model) overviewKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.overview.keys
	switch {
	case key.Matches(msg, k.Back):
		m.screen = screenQueue
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Org):
		q := &m.queue
		q.filter.quick.controller = cycle(m.organisations(), q.filter.quick.controller)
		q.filter.seq++
		var figures tea.Cmd
		m, figures = m.workOutOverview()
		return m, tea.Batch(m.runFilterIfNeeded(), figures)
	case key.Matches(msg, k.Report):
		m.status, m.err = "writing the register of requests…", ""
		return m, m.writeReport()
	case key.Matches(msg, k.Register):
		return m.openRegister(m.queue.filter.quick.controller, screenOverview)
	case key.Matches(msg, k.Unsent):
		// The queue of the cases the figure counts: of the organisation
		// shown, closed with the answer not sent, nothing else narrowing.
		q := &m.queue
		q.filter.input.SetValue("")
		q.filter.quick = quick{controller: q.filter.quick.controller, unsent: true}
		q.filter.seq, q.filter.toTop = q.filter.seq+1, true
		m.screen = screenQueue
		return m, m.refilter()
	}
	return m, nil
}

// lines renders the overview in height lines at most: open cases by status
// and organisation, what is overdue or due this week, timeliness over
// answered cases, and the intake of the last weeks (cases.Statistics,
// shared with report); where the window is short, the oldest weeks give way.
func (o overviewScreen) lines(width, height int, st Styles, now time.Time) []string {
	ov := o.figures
	if ov == nil {
		return []string{"Working out the figures…"}
	}
	s, label := ov.stats, st.Label.Render
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	lines = append(lines, st.Title.Render("Overview")+"  "+st.Dim.Render(fmt.Sprintf("%s: %s, as of %s", ov.scope, cases.Plural(s.Cases, "case"), now.Format(shortTime))), "")
	figures := []string{label("open") + fmt.Sprintf(" %d", s.Open), st.Overdue.Render("overdue") + fmt.Sprintf(" %d", s.Overdue),
		label("due within 7 days (overdue included)") + fmt.Sprintf(" %d", s.DueThisWeek),
		st.Overdue.Render(cases.AnswerNotSentWords) + fmt.Sprintf(" %d (%s shows them)", s.AnswerNotSent, o.keys.Unsent.Help().Key),
		label("extension notices due this week") + fmt.Sprintf(" %d", s.NoticesDueThisWeek)}
	if s.Voided > 0 {
		figures = append(figures, label("voided, in no figure")+fmt.Sprintf(" %d", s.Voided))
	}
	lines = append(lines, spread(figures, width)...)
	var byStatus []string
	for _, status := range cases.Statuses {
		if n := s.OpenByStatus[status]; n > 0 {
			byStatus = append(byStatus, fmt.Sprintf("%s %d", status, n))
		}
	}
	add("%s %s", label("open by status"), strings.Join(byStatus, " · "))
	var byOrg []string
	for _, org := range slices.Sorted(maps.Keys(s.OpenByController)) {
		byOrg = append(byOrg, fmt.Sprintf("%s %d", cases.Printable(org), s.OpenByController[org]))
	}
	orgStart, orgs := len(lines), wrap(label("open by organisation")+" "+strings.Join(byOrg, " · "), width)
	lines = append(lines, orgs...)
	lines = append(lines, "")
	if s.Answered == 0 {
		// No answer yet: no rate and no delay to state (a 0% would read
		// as every answer late).
		add("%s none yet: no on-time rate, no days to answer", label("answered"))
	} else {
		add("%s %d, on time %d (%.0f%%), promise kept %d of %d", label("answered"), s.Answered, s.OnTime, 100*s.OnTimeRate,
			s.PromisesKept, s.PromisesJudged)
		add("%s median %.1f, 90th percentile %d", label("days to answer, paused days excluded:"), s.MedianDays, s.P90Days)
	}
	add("%s %d (notice in time %d, late %d)", label("extensions"), s.Extensions, s.ExtensionsInForce, s.ExtensionsLate)
	lines = append(lines, "")
	// The chart's title and the current week always show: where the
	// window is short, a long list of organisations is cut (c shows one at
	// a time), then the blank lines between the figures go, then the last
	// figures.
	if cut := min(len(orgs)-1, len(lines)+2-height-strings.Count(strings.Join(lines, "\n")+"\n", "\n\n")); cut > 0 {
		keep := len(orgs) - cut
		lines[orgStart+keep-1] = ansi.Truncate(lines[orgStart+keep-1], width-2, "") + " …"
		lines = slices.Delete(lines, orgStart+keep, orgStart+len(orgs))
	}
	for i := len(lines) - 1; i > 0 && len(lines)+2 > height; i-- {
		if lines[i] == "" {
			lines = slices.Delete(lines, i, i+1)
		}
	}
	lines = lines[:max(0, min(len(lines), height-2))]
	lines = append(lines, st.Header.Render("Requests received per week"))
	weeks := ov.weeks[max(0, len(ov.weeks)-max(1, height-len(lines))):]
	most := 1
	for _, w := range weeks {
		most = max(most, w.Count)
	}
	barWidth := max(5, width-22)
	for _, w := range weeks {
		add("%s %5d %s", w.Start, w.Count, strings.Repeat("█", (w.Count*barWidth+most-1)/most))
	}
	return lines
}

// spread sets figures side by side, three spaces apart, on as many lines
// as the width needs; a figure is never cut in two.
func spread(items []string, width int) []string {
	var out []string
	line := ""
	for _, it := range items {
		switch {
		case line == "":
			line = it
		case ansi.StringWidth(line)+3+ansi.StringWidth(it) <= width:
			line += "   " + it
		default:
			out, line = append(out, line), it
		}
	}
	return append(out, line)
}

// overviewLines are the overview's lines, laid out again only when its
// figures, the window or the minute shown change.
func (m *Model) overviewLines() []string {
	c, minute := m.render, m.now.Truncate(time.Minute)
	if c != nil && c.overview.figures != nil && c.overview.figures == m.overview.figures && c.overview.width == m.width &&
		c.overview.height == m.height && c.overview.minute.Equal(minute) {
		return c.overview.lines
	}
	lines := m.overview.lines(m.width, m.height-1, *m.styles, m.now.In(m.userZone())) // the user's time, which it says
	if c != nil {
		c.overview = overviewMemo{figures: m.overview.figures, width: m.width, height: m.height, minute: minute, lines: lines}
	}
	return lines
}

func (m *Model) overviewView() string {
	lines := m.overviewLines()
	var b strings.Builder
	for i := range m.height - 1 {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		b.WriteString(fit(l, m.width) + "\n")
	}
	footer := m.shortHelp(m.overview.keys.ShortHelp())
	if m.status != "" && m.err == "" {
		footer = m.status
	}
	b.WriteString(fit(m.footer(footer), m.width))
	return b.String()
}
