package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
)

// The queue screen: the cases in urgency order, one row each, only the
// rows that fit rendered.

// columns are the queue's column widths for a window width; the ID and the
// countdown are always whole, the others give way: below 100 columns the
// assignee goes, the right and status are abbreviated when the subject
// would get fewer than 30 cells, then the organisation, the status and the
// right go in turn.
type columns struct {
	org, right, subject, status, assignee, countdown int
	shortRight, shortStatus                          bool
}

func layout(width int) columns {
	c := columns{org: 12, right: 18, status: 13, assignee: 9, countdown: 12}
	if width < 100 {
		c.assignee, c.org = 0, 9
	}
	if c.subjectWidth(width) < 30 {
		c.right, c.status, c.shortRight, c.shortStatus = 5, 6, true, true
	}
	if width < 66 {
		c.org = 0
	}
	if width < 56 {
		c.status = 0
	}
	if width < 48 {
		c.right = 0
	}
	c.subject = max(6, c.subjectWidth(width))
	return c
}

// subjectWidth is what the other columns leave to the subject.
func (c columns) subjectWidth(width int) int {
	used := 2 + 15 + 1 + c.countdown
	for _, w := range []int{c.org, c.right, c.status, c.assignee} {
		if w > 0 {
			used += w + 1
		}
	}
	return width - used - 1
}

// cells joins the queue's columns, leaving out those the width dropped.
func (c columns) cells(id, org, right, subject, status, assignee string) string {
	parts := []string{id}
	for _, p := range []struct {
		text  string
		width int
	}{{org, c.org}, {right, c.right}, {subject, c.subject}, {status, c.status}, {assignee, c.assignee}} {
		if p.width > 0 {
			parts = append(parts, fit(p.text, p.width))
		}
	}
	return strings.Join(parts, " ")
}

var (
	shortRights = map[cases.Right]string{cases.RightAccess: "acc", cases.RightRectification: "rect",
		cases.RightErasure: "erase", cases.RightRestriction: "restr", cases.RightPortability: "port",
		cases.RightObjection: "objec", cases.RightAutomatedDecision: "adm", cases.RightWithdrawConsent: "wdraw",
		cases.RightComplaint: "compl"}
	shortStatuses = map[cases.Status]string{cases.StatusNew: "new", cases.StatusAwaitingID: "aw-id",
		cases.StatusAwaitingInfo: "aw-inf", cases.StatusInProgress: "in-pr", cases.StatusClosed: "closed"}
	shortOutcomes = map[cases.Outcome]string{cases.OutcomePartiallyFulfilled: "partial", cases.OutcomeFulfilled: "fulfilled"}
)

// maskEmail keeps the first letter and the domain: j***@example.org.
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}

// marker is the urgency in text, which survives a terminal without colour.
func marker(u cases.Urgency) string {
	switch u {
	case cases.UrgencyOverdue:
		return "!!"
	case cases.UrgencySoon:
		return "! "
	case cases.UrgencyWeek:
		return "· "
	}
	return "  "
}

func (m Model) urgencyStyle(s *cases.Summary) (lipgloss.Style, bool) {
	switch cases.UrgencyOf(s, m.now) {
	case cases.UrgencyOverdue:
		return m.styles.Overdue, true
	case cases.UrgencySoon:
		return m.styles.Soon, true
	case cases.UrgencyWeek:
		return m.styles.Week, true
	}
	if s.Closed() {
		return m.styles.Closed, true
	}
	return lipgloss.Style{}, false
}

// row renders one case of the queue.
func (m Model) row(s *cases.Summary, c columns, selected bool) string {
	right, status := string(s.Right), string(s.Status)
	if c.shortRight {
		right = shortRights[s.Right]
	}
	if c.shortStatus {
		status = shortStatuses[s.Status]
	}
	cd := cases.Countdown(s, m.now)
	if o, ok := shortOutcomes[s.Outcome]; ok && s.Closed() {
		cd = o
	}
	subject := cases.Printable(s.SubjectName)
	if s.Email != "" {
		e := maskEmail(s.Email)
		if s.ID == m.revealID {
			e = s.Email
		}
		subject += " <" + cases.Printable(e) + ">"
	}
	if s.SubjectName == "" && s.Email == "" {
		subject = "(removed under retention)"
	}
	line := c.cells(marker(cases.UrgencyOf(s, m.now))+fit(s.ID, 15), cases.Printable(s.Controller), right, subject,
		status, cases.Printable(s.Assignee))
	count := fit(cd, c.countdown)
	if selected {
		return m.styles.Selected.Render(line + " " + count)
	}
	if st, ok := m.urgencyStyle(s); ok {
		count = st.Render(count)
		if cases.UrgencyOf(s, m.now) == cases.UrgencyOverdue {
			line = st.Render(line[:2]) + line[2:]
		}
	}
	return line + " " + count
}

// headerLine names the database and counts the open and overdue cases;
// in a narrow window the counts give way before the name, overdue last.
func (m Model) headerLine() string {
	left := m.styles.Title.Render("rightsdesk") + " " + cases.Printable(m.opt.Title)
	counts := fmt.Sprintf("%d open · %d overdue", m.openCount, m.overdueCount)
	for _, right := range []string{counts + " · " + m.now.Local().Format("Mon 2 Jan 15:04"), counts,
		fmt.Sprintf("%d overdue", m.overdueCount)} {
		if gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right); gap >= 1 {
			return left + strings.Repeat(" ", gap) + right
		}
	}
	return fit(left, m.width)
}

func (m Model) queueView() string {
	c := layout(m.width)
	var b strings.Builder
	b.WriteString(m.headerLine() + "\n")
	org := "ORGANISATION"
	if c.org < len(org) {
		org = "ORG"
	}
	titles := c.cells("  "+fit("ID", 15), org, "RIGHT", "SUBJECT", "STATUS", "ASSIGNEE") + " " + fit("DUE", c.countdown)
	b.WriteString(m.styles.Header.Render(fit(titles, m.width)) + "\n")
	rows := m.queueRows()
	switch {
	case !m.loaded && m.loadErr != "":
		// No queue to show: the whole message, with the file's path and the
		// advice, in place of the rows.
		lines := wrap("The queue cannot be read: "+cases.Printable(m.loadErr), m.width)
		lines = append(lines, "", "rightsdesk tries again every few seconds; q quits.")
		for _, l := range lines[:min(len(lines), rows)] {
			b.WriteString(m.styles.Error.Render(fit(l, m.width)) + "\n")
		}
		rows -= min(len(lines), rows)
	case !m.loaded:
		b.WriteString("Loading the queue…\n")
		rows--
	case m.loaded && len(m.shown) == 0:
		if len(m.all) == 0 {
			b.WriteString("No cases yet. n records a request (or rightsdesk add, rightsdesk import).\n")
		} else {
			b.WriteString("No case matches the filter. esc clears it.\n")
		}
		rows--
	}
	// Only the visible rows are rendered.
	end := min(len(m.shown), m.offset+rows)
	for k := m.offset; k < end; k++ {
		b.WriteString(m.row(&m.all[m.shown[k]], c, k == m.cursor) + "\n")
	}
	for k := max(0, end-m.offset); k < rows; k++ {
		b.WriteString("\n")
	}
	b.WriteString(fit(m.filterLine(), m.width) + "\n")
	keys := "/ filter · enter open · n new · o overdue · w week · r reveal · ? help · q quit"
	if m.status != "" {
		keys = m.status
	}
	b.WriteString(fit(m.footer(keys), m.width))
	return b.String()
}

// filterLine says which filter is active and how many cases match.
func (m Model) filterLine() string {
	var f []string
	if m.filtering || m.query != "" {
		cursor := ""
		if m.filtering {
			cursor = "▏"
		}
		f = append(f, "/"+cases.Printable(m.query)+cursor)
	}
	q := m.quick
	if q.overdue {
		f = append(f, "overdue")
	}
	if q.week {
		f = append(f, "due within 7 days")
	}
	if q.mine {
		f = append(f, "mine ("+cases.Printable(m.opt.Actor)+")")
	}
	if q.status != "" {
		f = append(f, "status "+string(q.status))
	}
	if q.controller != "" {
		f = append(f, "organisation "+q.controller)
	}
	if q.right != "" {
		f = append(f, "right "+string(q.right))
	}
	count := fmt.Sprintf("%d cases", len(m.all))
	if len(f) > 0 {
		count = fmt.Sprintf("%d of %d cases", len(m.shown), len(m.all))
		if m.shownSeq != m.filterSeq && (m.query != "" || q.active()) {
			count = fmt.Sprintf("searching %d cases…", len(m.all)) // the rows are the last result's
		}
		return "filter: " + strings.Join(f, " + ") + " — " + count
	}
	if len(m.shown) > 0 {
		count = fmt.Sprintf("case %d of %d", m.cursor+1, len(m.all))
	}
	return count
}
