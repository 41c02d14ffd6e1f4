package cases

import (
	"fmt"
	"strings"
	"time"
)

// Detail is one labelled detail of an event: "reason: too many systems".
type Detail struct{ Label, Value string }

func (d Detail) String() string { return d.Label + ": " + d.Value }

// LineBreaks shows the line breaks of a multi-line value on one line as ⏎
// (a note, reasons, a request's words keep theirs as evidence): the
// timeline of show and of the app, where ^J would read as noise.
func LineBreaks(s string) string { return strings.ReplaceAll(s, "\n", "⏎") }

// Details are an event's details, in one order and under one set of labels,
// for every place that shows a timeline: show, the app's case screen and
// the case record. Values are stored text, not yet made printable.
func (e Event) Details() []Detail {
	var out []Detail
	add := func(label, v string) {
		if v != "" {
			out = append(out, Detail{label, v})
		}
	}
	if e.Kind == EventCorrected {
		// What was corrected comes before why; an empty value removed it.
		add("fact", e.Field)
		value := e.Value
		if value == "" {
			value = "(removed)"
		}
		add("new value", value)
	}
	add("reason", e.Reason)
	add("method", e.Method)
	add("amount", e.Amount)
	add("letter", string(e.Letter))
	add("channel", string(e.Channel))
	add("to", e.To)
	add("checksum", e.Checksum)
	add("recipient", e.Recipient)
	add("impossible", e.Impossible)
	for _, r := range e.Recipients {
		add("recipient", r)
	}
	add("assignee", e.Assignee)
	for _, t := range e.Tags {
		add("tag", t)
	}
	add("text", e.Text)
	if a := e.Attachment; a != nil {
		label := "file"
		if e.Kind == EventApproved {
			label = "evidence" // of the controller's sign-off
		}
		add(label, fmt.Sprintf("%s (%s, %d bytes, sha256 %s)", a.Name, a.Kind, a.Size, a.SHA256))
	}
	add("file", e.File)
	add("outcome", string(e.Outcome))
	for _, g := range e.Grounds {
		add("ground", string(g))
	}
	add("law", e.Law)
	add("redirect to", e.RedirectTo)
	add("reopen reason", string(e.ReopenReason))
	if e.Rules != nil {
		rules := fmt.Sprintf("%s, %s, calendar %s", e.Rules.Regime, e.Rules.Zone, e.Rules.Calendar)
		if e.Rules.Source != "" {
			rules += " (" + e.Rules.Source + ")"
		}
		add("rules", rules)
	}
	if e.ExtendedTo != nil {
		add("extended to", e.ExtendedTo.String())
	}
	return append(out, e.workDetails()...)
}

// workDetails are the details of the work and of what may leave
// (WORK.md): the item and its result, an identity request's needs, a
// disclosure, a letter's draft state and how it went.
func (e Event) workDetails() []Detail {
	var out []Detail
	add := func(label, v string) {
		if v != "" {
			out = append(out, Detail{label, v})
		}
	}
	date := func(label string, d *Date) {
		if d != nil {
			add(label, d.String())
		}
	}
	add("item", e.Item)
	add("result", string(e.Result))
	add("what", e.What)
	for _, f := range e.Files {
		add("file", f)
	}
	date("until", e.Until)
	date("trigger date", e.TriggerDate)
	date("review", e.Review)
	if e.Kind == EventForwarded {
		add("forwarded to", e.Customer)
	} else {
		add("customer", e.Customer)
	}
	if e.System != nil {
		add("system", e.System.Name)
	}
	for _, n := range e.Needs {
		add("needs", n)
	}
	date("disclosed on", e.DisclosedOn)
	date("letter date", e.LetterDate)
	if e.Draft {
		add("draft", "yes")
	}
	for _, g := range e.Gaps {
		add("gap", g)
	}
	if e.Outside {
		add("sent another way", "yes")
	}
	if e.DraftSent {
		add("a draft went out", "yes")
	}
	if e.External != nil {
		add("signed off by", e.External.String())
	}
	for _, c := range e.Approval {
		add("approval needed", string(c))
	}
	if len(e.Overridden) > 0 {
		add("overridden", strings.TrimSuffix(OverrideWords(e.Overridden), " overridden"))
	}
	add("reported origin", e.ReportedOrigin)
	add("late", e.Late)
	return out
}

// DeadlineRow is one date of a case's deadlines under the label every
// screen gives it, with what qualifies it ("in force", "3 days paused").
type DeadlineRow struct {
	Label string
	Date  Date
	Note  string
}

// Rows are the deadline dates that apply, in one order and under one set of
// labels: show, the calculator, the app's case screen.
func (d *Deadlines) Rows() []DeadlineRow {
	var out []DeadlineRow
	row := func(label string, v *Date, note string) {
		if v != nil {
			out = append(out, DeadlineRow{label, *v, note})
		}
	}
	row("receipt date", &d.ReceiptDate, "")
	if d.StartDate != d.ReceiptDate {
		row("period runs from", &d.StartDate, "")
	}
	row("effective due", d.EffectiveDue, "")
	row("legal due", d.Due, "")
	row("base due", d.BaseDue, "")
	row("extension notice by", d.ExtensionNoticeBy, "")
	if d.ExtendedDue != nil {
		note := "not notified"
		if d.ExtensionValid != nil {
			note = map[bool]string{true: "in force", false: "notice late: not in force"}[*d.ExtensionValid]
		}
		row("extended due", d.ExtendedDue, note)
	}
	row("refusal by", d.RefusalBy, "")
	row("promised by", d.PromiseDue, "")
	row("internal target", d.TargetDue, "")
	row("acknowledge by", d.AcknowledgeBy, "")
	row("act by", d.ActBy, "")
	if d.ForwardedOn != nil {
		row("forwarded on", d.ForwardedOn, map[bool]string{true: "late", false: "on time"}[d.Due != nil && d.ForwardedOn.After(*d.Due)])
	}
	paused := ""
	if d.PausedDays > 0 {
		paused = Plural(d.PausedDays, "day") + " paused"
	}
	row("without the pause", d.DueWithoutPause, paused)
	return out
}

// ClockLine is the clock's state as one line: "paused since 2026-03-03
// (identity requested)".
func (d *Deadlines) ClockLine(date func(Date) string) string {
	clock := string(d.Clock)
	if d.ClockSince != nil {
		clock += " since " + date(*d.ClockSince)
	}
	if d.ClockReason != "" {
		clock += " (" + d.ClockReason + ")"
	}
	return clock
}

// Plural is a count with its noun, singular for one: "1 day", "3 days".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// TimeLayout is how a moment is written for a person everywhere it is
// shown (the case screen, show, the app's header): "Sat 12 Sep 2026 14:00
// CEST", always with the zone's abbreviation, so that no time is read in a
// zone it does not say.
const TimeLayout = "Mon 2 Jan 2006 15:04 MST"

// TimeIn is a moment in a case's legal zone (a zone name such as
// Europe/Paris, Rules.Zone), written as TimeLayout: "Sat 12 Sep 2026 14:00
// CEST". A zone that cannot be loaded gives UTC, which the abbreviation
// then says.
func TimeIn(t time.Time, zone string) string {
	loc, err := LoadZone(zone)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format(TimeLayout)
}
