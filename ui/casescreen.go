package ui

import (
	"fmt"
	"strings"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage"
)

// The case screen: one case with its deadlines, their working, its
// timeline, attachments and organisation.

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
	case m.status != "" && m.err == "":
		b.WriteString(fit(m.styles.Dim.Render(m.status+" · enter actions · esc back"), m.width))
	default:
		b.WriteString(fit(m.footer("esc back · enter actions · e export · n note · c close · ? help"+more), m.width))
	}
	return b.String()
}

// caseDetail is an open case: what was read, derived as of now.
type caseDetail struct {
	loaded   *storage.Loaded
	state    *cases.State
	register *register.Register
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
