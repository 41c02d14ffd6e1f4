package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
)

// The work of a case (WORK.md): the form that records one item's result
// (W), with only the details that result takes and its own "when"; the
// "when" and "why late" fields of the actions that record when something
// happened rather than now; and the work panel of the case screen.

// ownFields are the fields the app adds to an action's form and sends
// itself rather than as the action's values: the time, why late, and the
// file of a letter sent another way.
var ownFields = []string{"when", cases.LateField.Name, "outside-file"}

// resultDetails are the detail fields each result takes, by the action
// table's names; a name ending in * is required (the domain's rules of
// WORK.md's table, which it checks again).
var resultDetails = map[cases.Result][]string{
	cases.ResultFound:             {"file"},
	cases.ResultNotPortable:       {"ground*"},
	cases.ResultErasureInstructed: {"until*"},
	cases.ResultBeyondUse:         {"until*"},
	cases.ResultKept:              {"ground*", "what*", "law", "until", "trigger-date", "review", "reason"},
	cases.ResultCannotIdentify:    {"reason*"},
	cases.ResultRectified:         {"what*"},
	cases.ResultCompleted:         {"what*"},
	cases.ResultNotRectified:      {"reason*"},
	cases.ResultRestricted:        {"what*"},
	cases.ResultNotRestricted:     {"reason*"},
	cases.ResultOverridden:        {"reason*"},
	cases.ResultOtherBasis:        {"what*", "law*"},
	cases.ResultReviewed:          {"what*"},
	cases.ResultForCustomer:       {"customer*"},
}

// detailFields are the work form's fields that only some results take.
var detailFields = []string{"file", "what", "ground", "law", "until", "trigger-date", "review", "customer", "reason"}

// whenFields are the time an action happened (empty: now) and why it is
// recorded late, shown once the time is further back than the rules allow.
func whenFields() []field {
	late := text(cases.LateField.Name, cases.LateField.Label, cases.LateField.Hint, false)
	late.hidden = true
	return []field{text("when", "when", "now", false), late}
}

// workFields fit the work action's fields to the case: the item among its
// work list (the open items first; a done one is a correction), the result
// among those of its right, the files among its data copies.
func workFields(d *caseDetail, fields []field) ([]field, error) {
	st := d.state
	if len(st.Work) == 0 {
		switch r := d.loaded.Case.Right; {
		case r == cases.RightComplaint:
			return nil, errors.New("a complaint has no work list")
		case r == cases.RightObjection || r == cases.RightWithdrawConsent:
			return nil, fmt.Errorf("the case's rules name no purpose a %s request stops", r)
		}
		return nil, errors.New("the work list is empty: S adds a system searched for this case")
	}
	item := choice("item", "", []string{}, "")
	for _, open := range []bool{true, false} {
		for i := range st.Work {
			if w := &st.Work[i]; w.Open() == open {
				item.options = append(item.options, w.ID)
				item.shown = append(item.shown, itemChoice(w))
			}
		}
	}
	for i := range fields {
		x := &fields[i]
		switch x.key {
		case "item":
			x.reshape(item)
		case "result":
			x.reshape(choice("result", "", cases.ResultsFor(d.loaded.Case.Right), ""))
		case "file":
			var files []string
			for _, a := range st.Attachments {
				if a.Kind == cases.AttachmentDataCopy {
					files = append(files, a.Name)
				}
			}
			if len(files) > 0 {
				x.reshape(multi("file", "", files, nil, false))
			}
		}
	}
	return fields, nil
}

// itemChoice is an item as the work form offers it: its name and where it
// stands.
func itemChoice(w *cases.WorkItem) string {
	switch {
	case w.Open():
		return w.Name + " (open)"
	case w.NotWorked:
		return w.Name + " (not worked)"
	}
	return w.Name + " (" + string(w.ResultName()) + ": a correction)"
}

// fitForm fits an open form to what is chosen in it: the details the
// chosen result takes, why late once the time is far back, the fields a
// letter sent another way needs. It runs when the form opens and after
// each key.
func (m *Model) fitForm(f *form) {
	if f.name == "new" {
		m.fitNewCase(f)
		return
	}
	d := m.kase.detail
	if d == nil || f.action == nil || len(f.bulk) > 0 {
		return
	}
	now := d.now(m.opt.Clock.Now())
	at := fitWhen(f, d, now)
	switch f.name {
	case "work":
		fitWork(f, d)
	case "send":
		outside, draft := f.val("outside") == "yes", f.val("draft-sent") == "yes"
		if x := f.get("outside-file"); x != nil {
			x.hidden = !outside
		}
		if x := f.get("reason"); x != nil {
			x.required = outside || draft
		}
	case "correct":
		fitCorrection(f, d)
	case "extend":
		// The notice window is judged at the time the decision was
		// made, which "when" may put on the last day.
		if at.IsZero() {
			at = now
		}
		f.warning = extensionWarning(d, at)
	}
}

// fitCorrection says what the new value of the fact chosen is read as:
// the intake table's hint for that fact, its vocabulary, the zone a
// receipt time is read in; a request's wording keeps its lines.
func fitCorrection(f *form, d *caseDetail) {
	x := f.get("value")
	if x == nil {
		return
	}
	fact := f.val("field")
	x.lines = fact == "text"
	x.hint = "the corrected value"
	for _, cf := range cases.IntakeFields {
		switch {
		case cf.Name != fact:
		case len(cf.Vocabulary) > 0:
			x.hint = "one of: " + strings.Join(cf.Vocabulary, ", ")
		case cf.Hint != "":
			x.hint = cf.Hint
		}
	}
	switch fact {
	case "identifier":
		x.hint = "TYPE=VALUE; TYPE= removes that identifier"
	case "received":
		x.hint = "YYYY-MM-DD or RFC 3339, read in the case's zone (" +
			d.at.In(zone(d.state.Rules.Zone)).Format("MST") + "); every deadline moves"
	case "email", "phone", "postal-address":
		x.hint += "; empty removes it (one contact route must remain)"
	case "requester":
		x.hint += "; empty: the subject asks"
	}
}

// fitWork shows the details the chosen result takes, marks those it
// requires, and offers the grounds of that result.
func fitWork(f *form, d *caseDetail) {
	result := cases.Result(f.val("result"))
	takes := resultDetails[result]
	for _, name := range detailFields {
		x := f.get(name)
		if x == nil {
			continue
		}
		x.hidden, x.required = true, false
		for _, t := range takes {
			if strings.TrimSuffix(t, "*") == name {
				x.hidden, x.required = false, strings.HasSuffix(t, "*")
			}
		}
	}
	if x := f.get("file"); x != nil && x.kind != fieldMulti {
		x.hidden = true // no data copy to name: the warning says so
	}
	if g := f.get("ground"); g != nil {
		grounds := cases.NotPortableGrounds
		if result == cases.ResultKept {
			grounds = cases.Slugs(cases.KeptGrounds)
		}
		if !slices.Equal(g.options, grounds) {
			was := g.value()
			g.options, g.at = slices.Clone(grounds), 0
			g.choose(was)
		}
	}
	w := workItemOf(d, f.val("item"))
	if result == cases.ResultKept {
		f.get("law").required = f.val("ground") == string(cases.GroundArt17_3b)
		f.get("reason").required = f.val("review") != ""
	}
	if x := f.get("customer"); x != nil {
		if cf, ok := f.action.Field("customer"); ok {
			x.hint = cf.Hint
		}
		if w != nil && w.System != nil && w.System.Customer != "" {
			x.required, x.hint = false, "default "+cases.Printable(w.System.Customer)
		}
	}
	f.warning = workWarning(f, w, result)
}

// workWarning is what the work form says about the result chosen: a copy
// found with no data-copy file to name, the end a kept item's rule gives.
func workWarning(f *form, w *cases.WorkItem, result cases.Result) string {
	switch result {
	case cases.ResultFound:
		if x := f.get("file"); x != nil && x.kind != fieldMulti {
			return "no data-copy file is attached to name: + attaches the files that hold the copy"
		}
	case cases.ResultKept:
		from, err := cases.ParseDate(f.val("trigger-date"))
		if err != nil || w == nil {
			return ""
		}
		probe := cases.WorkItem{System: w.System, Result: &cases.Event{Result: cases.ResultKept, TriggerDate: &from}}
		if _, working, ok := probe.KeptEnd(); ok {
			return "kept until the rule's end: " + working
		}
		return "no retention rule with a period governs " + cases.Printable(w.Name) + ": give the date it ends (until)"
	}
	return ""
}

// workItemOf is the case's work item of that ID.
func workItemOf(d *caseDetail, id string) *cases.WorkItem {
	for i := range d.state.Work {
		if d.state.Work[i].ID == id {
			return &d.state.Work[i]
		}
	}
	return nil
}

// fitWhen says in which zone the time typed is read and what it means,
// and asks why late once it is further back than the rules allow. It
// gives the time read: zero for now, for a form without "when" or for a
// text that is not a time.
func fitWhen(f *form, d *caseDetail, now time.Time) time.Time {
	x := f.get("when")
	if x == nil {
		return time.Time{}
	}
	at := x.readTime(zone(d.state.Rules.Zone), now)
	late := !at.IsZero() && !at.After(now) && now.Sub(at) > d.state.Rules.Backdate()
	if l := f.get(cases.LateField.Name); l != nil {
		l.hidden, l.required = !late, late
	}
	return at
}

// readTime reads a time typed as a "when" is (whenOf) in the zone loc:
// its hint names the zone, its suffix says what the text means there (or
// that it is not a time yet, or in the future); the time, zero for now or
// for a text that is not a time.
func (x *field) readTime(loc *time.Location, now time.Time) time.Time {
	x.hint = fmt.Sprintf("now (%s); or 17:00, yesterday 17:00, YYYY-MM-DD HH:MM", now.In(loc).Format("MST"))
	at, err := whenOf(x.value(), loc, now)
	switch {
	case err != nil:
		x.suffix = "(not a time yet)"
		return time.Time{}
	case at.After(now):
		x.suffix = "= " + at.In(loc).Format(cases.TimeLayout) + " (in the future)"
	case !at.IsZero():
		x.suffix = "= " + at.In(loc).Format(cases.TimeLayout)
	default:
		x.suffix = ""
	}
	return at
}

// whenOf reads the time a form's "when" holds in the case's zone, as the
// command line's --at is read (cases.ParseWhen); empty is now (zero, so
// that the store stamps its own clock).
func whenOf(s string, loc *time.Location, now time.Time) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	return cases.ParseWhen(s, loc, now)
}

// when reads the form's "when" and refuses, on that field, a time that
// cannot be: unreadable, in the future, or before the receipt date (asked
// before why it is late, which such a time never needs).
func (f *form) when(d *caseDetail, now time.Time) (time.Time, error) {
	x := f.get("when")
	if x == nil {
		return time.Time{}, nil
	}
	loc := zone(d.state.Rules.Zone)
	at, err := whenOf(x.value(), loc, now)
	if err != nil {
		return at, &cases.Refused{Field: "when", Reason: err.Error()}
	}
	if at.After(now) {
		return at, &cases.Refused{Field: "when", Reason: fmt.Sprintf("%s is in the future (it is now %s): "+
			"give the time it really happened", at.In(loc).Format(cases.TimeLayout), now.In(loc).Format(cases.TimeLayout))}
	}
	if receipt := d.state.Deadlines.ReceiptDate; !at.IsZero() && cases.DateOf(at, loc).Before(receipt) {
		return at, &cases.Refused{Field: "when", Reason: fmt.Sprintf("%s is before the receipt date %s", cases.DateOf(at, loc), receipt)}
	}
	return at, nil
}

// stamp puts what the app's own fields hold into the form's event: when
// it happened and why late, and a letter sent another way. A time in the
// future is refused here, on its field, as the store would refuse it.
func (f *form) stamp(ev *cases.Event, d *caseDetail, now time.Time) error {
	if x := f.get("when"); x != nil {
		at, err := f.when(d, now)
		if err != nil {
			return err
		}
		ev.At = at
		if l := f.get(cases.LateField.Name); l != nil && !l.hidden {
			ev.Late = l.value()
		}
	}
	if f.name == "send" && f.val("outside") == "yes" {
		ev.Outside = true
	}
	return nil
}

// workCount is a work list as the queue and the case's header count it.
func workCount(done, total int) string { return fmt.Sprintf("work %d/%d", done, total) }

// work is the case screen's work panel: each item with its result, the
// day it was recorded for and its key detail; open items marked, and
// items a closing left unworked. Names are cut at a word to leave the
// results a column of their own.
func (d *caseDetail) work(b *caseLines) {
	st := d.state
	if len(st.Work) == 0 {
		return
	}
	done := 0
	for i := range st.Work {
		if st.Work[i].Result != nil {
			done++
		}
	}
	head := "Work " + strings.TrimPrefix(workCount(done, len(st.Work)), "work ")
	if open := st.WorkOpen(); open > 0 {
		head += fmt.Sprintf(" · %d open", open)
	}
	b.section(head)
	marks, results := make([]string, len(st.Work)), make([]string, len(st.Work))
	names, widest := 0, 0
	for i := range st.Work {
		w := &st.Work[i]
		switch {
		case w.Open():
			marks[i], results[i] = "○", b.st.Soon.Render("OPEN")
		case w.NotWorked:
			marks[i], results[i] = "–", "not worked: the case closed without it"
		default:
			marks[i], results[i] = "✓", workResult(w, zone(st.Rules.Zone), st.Deadlines.ReceiptDate.Year)
		}
		names = max(names, ansi.StringWidth(cases.Printable(w.Name)))
		widest = max(widest, ansi.StringWidth(results[i]))
	}
	// The results have the room they need up to two thirds of the line;
	// the names the rest, as wide as the longest (a wide window keeps
	// each result near its name), cut at a word only when the line is
	// too narrow for it.
	names = min(names, max(12, (b.width-4)/3, b.width-6-widest))
	for i := range st.Work {
		line := "  " + marks[i] + " " + fit(cutAtWord(cases.Printable(st.Work[i].Name), names), names) + "  " + results[i]
		b.out = append(b.out, wrapHang(line, b.width, 4+names+2)...)
	}
}

// workResult is an item's result as the panel shows it: the result, the
// day it is recorded for (its year only when it is not the year the
// request came in), and its key detail.
func workResult(w *cases.WorkItem, loc *time.Location, year int) string {
	ev, p := w.Result, cases.Printable
	short := func(d cases.Date) string { return strings.TrimSuffix(shortDate(d), fmt.Sprintf(" %d", year)) }
	dateOrDash := func(d *cases.Date) string {
		if d == nil {
			return "—"
		}
		return short(*d)
	}
	out := string(ev.Result) + " " + short(cases.DateOf(ev.At, loc))
	detail := ""
	switch ev.Result {
	case cases.ResultFound:
		detail = cases.Plural(len(ev.Files), "file")
	case cases.ResultKept:
		ground := ""
		if len(ev.Grounds) > 0 {
			ground = " on " + cases.GroundLabel(string(ev.Grounds[0]))
		}
		if end, _, ok := w.KeptEnd(); ok {
			detail = "until " + short(end) + ground
		} else if ev.Review != nil {
			detail = "review " + short(*ev.Review) + ground
		}
	case cases.ResultForCustomer:
		detail = "→ " + p(ev.Customer)
	case cases.ResultErasureInstructed:
		detail = "expected by " + dateOrDash(ev.Until)
	case cases.ResultBeyondUse:
		detail = "overwritten by " + dateOrDash(ev.Until)
	case cases.ResultNotPortable:
		detail = joinGrounds(ev.Grounds)
	case cases.ResultRectified, cases.ResultCompleted, cases.ResultRestricted, cases.ResultOtherBasis, cases.ResultReviewed:
		detail = p(ev.What)
	case cases.ResultNotRectified, cases.ResultNotRestricted, cases.ResultOverridden, cases.ResultCannotIdentify:
		detail = p(ev.Reason)
	}
	if i := w.Instructed(); i != nil {
		detail = "instructed " + short(cases.DateOf(i.At, loc))
	}
	if detail != "" {
		out += " · " + detail
	}
	if ev.Late != "" {
		out += " · LATE"
	}
	return out
}

func shortDate(d cases.Date) string {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format("2 Jan 2006")
}

// cutAtWord shortens s to at most n cells, at a space where there is one
// in its second half, ending in "…".
func cutAtWord(s string, n int) string {
	r := []rune(s)
	if len(r) <= n || n < 2 {
		return s
	}
	head := r[:n-1]    // the last cell is the ellipsis
	if r[n-1] != ' ' { // a word is cut: end at the space before it
		for sp := len(head) - 1; sp >= n/2; sp-- {
			if head[sp] == ' ' {
				head = head[:sp]
				break
			}
		}
	}
	return strings.TrimRight(string(head), " ,;:-") + "…"
}

// workDetails are what a timeline line says first for the events of the
// work and of what may leave, beyond Event.Details: the item and its
// result, a system added, a forwarding, a letter sent another way or a
// draft that went out, an export's draft state, what an identity request
// needs.
func workDetails(e cases.Event, d *caseDetail) []string {
	var out []string
	add := func(v string) {
		if v != "" {
			out = append(out, v)
		}
	}
	switch e.Kind {
	case cases.EventWorked:
		item := e.Item // by its name, which a DPO recognises, cut at a word
		if w := workItemOf(d, e.Item); w != nil {
			item = cutAtWord(w.Name, 40)
		}
		add(item + ": " + string(e.Result))
		add(e.What)
		if len(e.Files) > 0 {
			add(strings.Join(e.Files, ", "))
		}
		for _, d := range []struct {
			label string
			date  *cases.Date
		}{{"until", e.Until}, {"from", e.TriggerDate}, {"review", e.Review}} {
			if d.date != nil {
				add(d.label + " " + d.date.String())
			}
		}
		if e.Customer != "" {
			add("→ " + e.Customer)
		}
	case cases.EventWorkAdded:
		if e.System != nil {
			add(e.System.Name)
		}
	case cases.EventForwarded:
		add("to " + e.Customer)
	case cases.EventExported:
		if e.Draft {
			add("DRAFT")
		}
		if e.LetterDate != nil {
			add("dated " + e.LetterDate.String())
		}
	case cases.EventSent:
		if e.Outside {
			add("sent another way")
		}
		if e.DraftSent {
			add("answered with a draft")
		}
	}
	for _, n := range e.Needs {
		add("needs " + n)
	}
	if e.DisclosedOn != nil {
		add("disclosed on " + e.DisclosedOn.String())
	}
	return out
}

// saidByWork are the labels of Event.Details that workDetails already
// says in its own words (a bare date would not say which date it is), so
// a timeline line says each once; "file" is said there only for the
// files a result names.
var saidByWork = map[string]bool{
	"item": true, "result": true, "what": true, "until": true,
	"trigger date": true, "review": true, "customer": true,
	"forwarded to": true, "system": true, "needs": true,
	"disclosed on": true, "letter date": true, "draft": true,
	"sent another way": true, "a draft went out": true, "late": true,
}

// otherDetails are the details of e that workDetails and the timeline's
// LATE mark do not already say.
func otherDetails(e cases.Event) []cases.Detail {
	var out []cases.Detail
	for _, x := range e.Details() {
		if saidByWork[x.Label] || x.Label == "file" && slices.Contains(e.Files, x.Value) {
			continue
		}
		if x.Label == "ground" { // never a bare slug: what it stands for too
			x.Value = cases.GroundLabel(x.Value)
		}
		x.Value = cases.LineBreaks(x.Value)
		out = append(out, x)
	}
	return out
}
