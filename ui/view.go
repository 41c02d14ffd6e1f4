package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// View renders the current screen into the window.
func (m Model) View() tea.View {
	var body string
	switch {
	case m.width < 40 || m.height < 8:
		body = "Window too small for rightsdesk:\nat least 40x8, 80x24 recommended."
	case m.help:
		body = m.helpView()
	case m.screen == screenCase && m.detail != nil:
		body = m.caseView()
	case m.screen == screenOverview:
		body = m.overviewView()
	default:
		body = m.queueView()
	}
	v := tea.NewView(body)
	v.AltScreen = true
	v.WindowTitle = "rightsdesk"
	return v
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
			b.WriteString("No cases yet. Add one with: rightsdesk add --controller ID --right R --subject NAME --email ADDR\n")
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
	b.WriteString(fit(m.footer("/ filter · enter open · o overdue · w week · r reveal · ? help · q quit"), m.width))
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

func (m Model) footer(keys string) string {
	if m.err != "" {
		return m.styles.Error.Render("! " + m.err)
	}
	return m.styles.Dim.Render(keys)
}

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

func (m Model) caseView() string {
	h := m.height - 1
	end := min(len(m.caseLines), m.scroll+h)
	var b strings.Builder
	for _, l := range m.caseLines[m.scroll:end] {
		b.WriteString(fit(l, m.width) + "\n")
	}
	for k := end - m.scroll; k < h; k++ {
		b.WriteString("\n")
	}
	more := ""
	if end < len(m.caseLines) {
		more = fmt.Sprintf(" · ↓ %d more lines", len(m.caseLines)-end)
	}
	switch {
	case m.prompt != nil:
		line := m.styles.Key.Render(m.prompt.label+": ") + cases.Printable(m.prompt.text) + "▏"
		if m.err != "" {
			line = m.styles.Error.Render("! "+m.err) + "  " + line
		}
		b.WriteString(fit(line+m.styles.Dim.Render("  enter send · esc cancel"), m.width))
	case m.status != "" && m.err == "":
		b.WriteString(fit(m.styles.Dim.Render(m.status+" · n note · a assign · t tag · esc back"), m.width))
	default:
		b.WriteString(fit(m.footer("esc back · n note · a assign · t tag · r reveal · ? help"+more), m.width))
	}
	return b.String()
}

// caseDetail is an open case: what was read, derived as of now.
type caseDetail struct {
	loaded   *storage.Loaded
	state    *cases.State
	register *cases.Register
	now      time.Time
}

// lines renders the case screen as lines of at most width cells, and says
// where each section (request, deadline, working, timeline...) begins.
func (d *caseDetail) lines(width int, st Styles, revealID string) (out []string, sections []int) {
	c, s, p := d.loaded.Case, d.state, cases.Printable
	dl := s.Deadlines
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	section := func(name string) {
		out = append(out, "")
		sections = append(sections, len(out))
		out = append(out, st.Header.Render(name))
	}
	label := func(name, value string) {
		out = append(out, wrapHang(st.Label.Render(fit(name, 20))+" "+value, width, 21)...)
	}
	sum := cases.Summarize(c, s, d.loaded.Revision)
	add("%s  %s  %s  %s", st.Title.Render(c.ID), p(c.Controller), c.Right, s.Status)
	email := c.Subject.Email
	if email != "" && revealID != c.ID {
		email = maskEmail(email)
	}
	subject := p(c.Subject.Name)
	for _, x := range []string{email, c.Subject.Phone, c.Subject.PostalAddress} {
		if x != "" {
			subject += ", " + p(x)
		}
	}
	if c.Subject.Name == "" {
		subject = "(removed under retention)"
	}
	label("subject", subject)
	if c.Requester != nil {
		label("requester", p(c.Requester.Name)+" ("+string(c.Requester.Relation)+")")
	}
	if len(c.Linked) > 0 {
		label("same request", strings.Join(c.Linked, ", "))
	}
	label("received", c.ReceivedAt.In(zone(dl.Zone)).Format("Mon 2 Jan 2006 15:04 MST")+" via "+string(c.Channel))
	label("countdown", cases.Countdown(&sum, d.now))
	if c.Text != "" {
		section("Request")
		for _, l := range strings.Split(cases.PrintableLines(c.Text), "\n") {
			out = append(out, wrap("  "+l, width)...)
		}
	}
	section("Deadline")
	date := func(x *cases.Date) string {
		if x == nil {
			return "—"
		}
		return x.Human()
	}
	label("effective due", date(dl.EffectiveDue))
	label("legal due", date(dl.Due))
	label("base due", date(dl.BaseDue))
	if dl.ExtensionNoticeBy != nil {
		label("extension notice by", date(dl.ExtensionNoticeBy))
	}
	if dl.ExtendedDue != nil {
		valid := "not notified"
		if dl.ExtensionValid != nil {
			valid = map[bool]string{true: "in force", false: "notice late: not in force"}[*dl.ExtensionValid]
		}
		label("extended due", date(dl.ExtendedDue)+" ("+valid+")")
	}
	if dl.RefusalBy != nil {
		label("refusal by", date(dl.RefusalBy))
	}
	if dl.AcknowledgeBy != nil {
		label("acknowledge by", date(dl.AcknowledgeBy))
	}
	if dl.ActBy != nil {
		label("act by", date(dl.ActBy))
	}
	if dl.PromiseDue != nil {
		label("promised by", date(dl.PromiseDue))
	}
	clock := string(dl.Clock)
	if dl.ClockSince != nil {
		clock += " since " + dl.ClockSince.Human()
	}
	if dl.ClockReason != "" {
		clock += " (" + dl.ClockReason + ")"
	}
	label("clock", clock)
	if dl.PausedDays > 0 {
		label("without the pause", date(dl.DueWithoutPause)+fmt.Sprintf(" (%d days paused)", dl.PausedDays))
	}
	section("Working")
	for _, step := range dl.Steps {
		out = append(out, wrap("  - "+step, width)...)
	}
	section("Timeline")
	for _, e := range c.Events {
		line := fmt.Sprintf("  %s  %-22s %s", e.At.In(zone(dl.Zone)).Format("2006-01-02 15:04"), e.Kind, p(e.Actor))
		attached := ""
		if e.Attachment != nil {
			attached = e.Attachment.Name
		}
		for _, x := range []string{e.Reason, e.Method, string(e.Letter), string(e.Outcome), e.Text, e.Assignee,
			strings.Join(e.Tags, ","), attached, e.File, e.Recipient} {
			if x != "" {
				line += " · " + p(x)
			}
		}
		out = append(out, wrapHang(line, width, 20)...) // under the kind, clear of the dates
	}
	if len(s.Attachments) > 0 {
		section("Attachments")
		for _, a := range s.Attachments {
			w := ""
			if _, ok := s.Withheld[a.Name]; ok {
				w = " · WITHHELD"
			}
			out = append(out, wrap(fmt.Sprintf("  %s  %s  %s/%s  %d bytes%s", p(a.Name), a.Kind, p(a.Category), p(a.System), a.Size, w), width)...)
		}
	}
	if r := d.register; r != nil {
		section("Organisation")
		label("name", p(r.DisplayName()))
		label("legal name", p(orDash(r.LegalName.Value)))
		label("authority", p(orDash(r.Authority.Name.Value)))
		label("rules", fmt.Sprintf("%s, %s, calendar %s", dl.Regime, dl.Zone, dl.Calendar))
		if g := r.Gaps(); len(g) > 0 {
			label("register gaps", fmt.Sprintf("%d (rightsdesk controllers %s)", len(g), r.ID))
		}
	}
	return out, sections
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func zone(name string) *time.Location {
	loc, err := cases.LoadZone(name)
	if err != nil {
		return time.UTC
	}
	return loc
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
