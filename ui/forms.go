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
	"rightsdesk/export"
	"rightsdesk/storage"
)

// The forms as the root opens, sends and closes them: an action on the
// open case (cases.Actions, actions.go), a new request, a bulk action, an
// export; their drafts; and the panels shown over the bottom of the screen.

// openForm opens an action's form on the open case.
func (m Model) openForm(a *cases.Action) Model {
	d := m.kase.detail
	if why := d.refused[a.Name]; why != "" {
		// The list of actions says what the case takes now, and why not this.
		m.kase.menu, m.err = true, a.Name+": "+why
		return m
	}
	fields, err := actionFields(a, d)
	if err != nil {
		m.err = a.Name + ": " + errorLine(err)
		return m
	}
	f := &form{name: a.Name, action: a, title: a.Title + " · " + d.loaded.Case.ID, fields: fields, rev: d.loaded.Revision}
	f.ready(m.keys)
	m.restoreDraft(f)
	refusalNeeds(f)
	m.fitForm(f)
	m.form, m.kase.menu, m.status, m.err, m.notice = f, false, "", "", nil
	return m
}

// extensionWarning says what happens to an extension decided now when its
// notice can no longer be sent in time.
func extensionWarning(d *caseDetail, now time.Time) string {
	dl := d.state.Deadlines
	if dl == nil || dl.ExtensionNoticeBy == nil {
		return ""
	}
	today := cases.DateOf(now, zone(dl.Zone))
	if !today.After(*dl.ExtensionNoticeBy) {
		return ""
	}
	due := "—"
	if dl.Due != nil {
		due = dl.Due.Human()
	}
	return fmt.Sprintf("the notice window closed on %s: the extension is recorded but a notice sent now is late, "+
		"so it is not in force and the deadline stays %s", dl.ExtensionNoticeBy.Human(), due)
}

// draftKey names a form's draft: the case and the action, or the new
// request form.
func (m Model) draftKey(f *form) string {
	if f.name == "new" || m.kase.detail == nil {
		return f.name
	}
	return m.kase.detail.loaded.Case.ID + "/" + f.name
}

// keepDraft remembers what was typed in a form cancelled with esc, so that
// opening the same form again brings it back. The drafts are copied on
// write: an earlier model keeps its own.
func (m *Model) keepDraft(f *form) {
	if strings.HasPrefix(f.name, "bulk-") || f.name == "export" {
		return
	}
	typed := false
	for i := range f.fields {
		typed = typed || f.fields[i].text() != ""
	}
	drafts := maps.Clone(m.drafts)
	if drafts == nil {
		drafts = map[string]*form{}
	}
	if typed {
		kept := f.clone()
		kept.draftAt = m.opt.Clock.Now()
		drafts[m.draftKey(f)] = kept
	} else {
		delete(drafts, m.draftKey(f))
	}
	m.drafts = drafts
}

// restoreDraft fills a form just opened with its draft: the text typed and
// the options chosen, where the form still offers them.
func (m *Model) restoreDraft(f *form) {
	draft := m.drafts[m.draftKey(f)]
	if draft == nil {
		return
	}
	for i := range f.fields {
		x, old := &f.fields[i], draft.get(f.fields[i].key)
		if old == nil || old.kind != x.kind {
			continue
		}
		switch x.kind {
		case fieldText, fieldPath:
			x.setText(old.text())
			x.kept = old.text() != ""
		case fieldChoice:
			if k := slices.Index(x.options, old.value()); k >= 0 {
				x.at = k
			}
		case fieldMulti:
			for k, o := range x.options {
				x.picked[k] = slices.Contains(old.values(), o)
			}
		}
	}
	f.draftAt = draft.draftAt
}

// dropDraft forgets a form's draft once it is sent.
func (m *Model) dropDraft(f *form) {
	if _, ok := m.drafts[m.draftKey(f)]; ok {
		m.drafts = maps.Clone(m.drafts)
		delete(m.drafts, m.draftKey(f))
	}
}

// formKey handles a key while a form is open: its question, sending,
// cancelling; the rest is the form's own.
func (m Model) formKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f, k := m.form, m.form.keys
	switch {
	case f.sending:
		return m, nil // keys wait for the answer, so that a second enter sends nothing twice
	case f.confirming:
		switch {
		case key.Matches(msg, k.Yes):
			return m.submit()
		case key.Matches(msg, k.No):
			m.form = f.clone()
			m.form.confirming = false
		}
		return m, nil
	case key.Matches(msg, k.Cancel):
		m.keepDraft(f)
		m.form, m.err = nil, ""
		return m, nil
	case key.Matches(msg, k.Send):
		return m.submit()
	}
	// A refusal stays until the next key: then the form is the user's again.
	m.err = ""
	letter := f.val("letter")
	f, cmd := f.key(msg)
	f.refused, f.conflict, f.compare = "", nil, nil
	if f.name == "export" && f.val("letter") != letter {
		f.warning = m.packetGaps(f)
	}
	m.fitForm(f)
	m.form = f
	return m, cmd
}

// submit sends the form: never with a required field empty, nor with a
// value its action cannot read, and after its question where it asks one.
func (m Model) submit() (tea.Model, tea.Cmd) {
	f, d := m.form, m.kase.detail
	if d != nil && f.action != nil && len(f.bulk) == 0 {
		if _, err := f.when(d, d.now(m.opt.Clock.Now())); err != nil {
			m.formFailed(err)
			return m, nil
		}
	}
	if i := f.missing(); i >= 0 {
		m.form = f.clone()
		m.form.focus, m.form.refused = i, f.fields[i].key
		m.err = f.fields[i].label + " is required"
		return m, nil
	}
	var events []cases.Event
	switch {
	case f.action != nil && len(f.bulk) > 0:
		var err error
		if events, err = f.events(m.opt.Actor, nil, ""); err != nil {
			m.formFailed(err)
			return m, nil
		}
	case f.action != nil && d != nil:
		var err error
		if events, err = f.events(m.opt.Actor, d.register, d.state.Rules.Regime); err == nil {
			err = f.stamp(&events[0], d, d.now(m.opt.Clock.Now()))
		}
		if err != nil {
			m.formFailed(err)
			return m, nil
		}
	}
	if f.asks() && !f.confirming {
		m.form, m.err = f.clone(), ""
		m.form.confirming = true
		return m, nil
	}
	var send tea.Cmd
	switch {
	case f.name == "new":
		values, err := m.receivedValues(f)
		if err != nil {
			m.formFailed(err)
			return m, nil
		}
		send = m.addCase(values)
	case len(f.bulk) > 0:
		send = m.doEach(f, events[0])
	case f.name == "export" && d != nil:
		send = m.exportPacket(d.loaded.Case.ID, cases.LetterKind(f.val("letter")))
	case len(events) == 1 && d != nil:
		// One event: an attachment's form takes one file; a letter sent
		// another way may name the file it was.
		path := f.val("file")
		switch f.name {
		case "send":
			path = f.val("outside-file")
		case "approve":
			path = f.val("evidence")
		}
		send = m.do(d.loaded.Case.ID, events[0], f.rev, path)
	default:
		return m, nil
	}
	// Sent: keys wait for the answer.
	m.form, m.err = f.clone(), ""
	m.form.sending = true
	return m, send
}

// rebased is the form after a conflict, on the case as it is now: sent
// again it is at the new revision, and until the next key it shows the
// facts the colleague's change touched, as the form has them and as the
// case has them now.
func (f *form) rebased(d *caseDetail) *form {
	f = f.clone()
	f.rev, f.rebase = d.loaded.Revision, false
	if f.conflict != nil {
		f.compare = compareFacts(f, d, f.conflict.What)
	}
	return f
}

// caseFact is a fact of a case that an event changes, with the form's
// field that sets the same fact, if the form has one.
type caseFact struct {
	label, field string
	now          func(d *caseDetail) string
}

var (
	statusFact  = caseFact{"status", "", func(d *caseDetail) string { return string(d.state.Status) }}
	outcomeFact = caseFact{"outcome", "outcome", func(d *caseDetail) string { return string(d.state.Outcome) }}
	// factsChangedBy are the facts each kind of event changes, as the
	// conflict's comparison shows them; any other kind shows the status.
	factsChangedBy = map[cases.EventKind][]caseFact{
		cases.EventAssigned: {{"assignee", "to", func(d *caseDetail) string { return d.state.Assignee }}},
		cases.EventTagged:   {{"tags", "tags", func(d *caseDetail) string { return strings.Join(d.state.Tags, ", ") }}},
		cases.EventUntagged: {{"tags", "tags", func(d *caseDetail) string { return strings.Join(d.state.Tags, ", ") }}},
		cases.EventClosed:   {statusFact, outcomeFact},
		cases.EventReopened: {statusFact, outcomeFact},
		cases.EventExtensionDecided: {{"due", "until", func(d *caseDetail) string {
			if dl := d.state.Deadlines; dl != nil && dl.Due != nil {
				return dl.Due.Human()
			}
			return ""
		}}},
	}
)

// compareFacts sets the facts the events of kinds changed side by side:
// "assignee — yours: bob · now: carol", or the case's alone where the
// form does not set that fact.
func compareFacts(f *form, d *caseDetail, kinds []cases.EventKind) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range kinds {
		facts, ok := factsChangedBy[k]
		if !ok {
			facts = []caseFact{statusFact}
		}
		for _, fact := range facts {
			if seen[fact.label] {
				continue
			}
			seen[fact.label] = true
			now := cases.Printable(fact.now(d))
			if now == "" {
				now = "none"
			}
			x := f.get(fact.field)
			if x == nil || fact.field == "" {
				out = append(out, fact.label+" — now: "+now)
				continue
			}
			yours := x.value()
			if x.kind == fieldMulti {
				yours = strings.Join(x.values(), ", ")
			}
			if yours == "" {
				yours = "none"
			}
			out = append(out, fact.label+" — yours: "+cases.Printable(yours)+" · now: "+now)
		}
	}
	return out
}

// openNewCaseForm is the form for a request just received: the intake
// table's fields, the organisation the queue is narrowed to chosen, else
// the first, and the regimes that organisation's register names (its
// default first), so that a Californian request is recorded under the
// CCPA where the register says it may apply.
func (m Model) openNewCaseForm() Model {
	f := &form{name: "new", title: "New request (one case per right)"}
	for i := range cases.IntakeFields {
		cf := &cases.IntakeFields[i]
		x := formField(cf)
		switch cf.Name {
		case "controller":
			x.options = m.organisations()
			x.choose(m.queue.filter.quick.controller)
		case "identifier":
			x.hint += "; several with ;" // the form's own reading (intakeValues)
		}
		f.fields = append(f.fields, x)
	}
	f.ready(m.keys)
	m.restoreDraft(f)
	m.fitNewCase(f)
	m.form, m.err, m.status = f, "", ""
	return m
}

// fitNewCase offers the regimes of the organisation chosen, keeping the
// one chosen where the new organisation has it too, and reads the receipt
// time typed in the zone of its rules.
func (m *Model) fitNewCase(f *form) {
	m.fitRegime(f)
	m.fitReceived(f)
}

// fitReceived reads the receipt time typed as a form's "when" is read
// (17:00, yesterday 17:00, a date...), in the zone of the organisation's
// rules under the regime chosen, and shows what it means with the zone's
// abbreviation.
func (m *Model) fitReceived(f *form) {
	x := f.get("received")
	loc := m.receiptZone(f)
	if x == nil || loc == nil {
		return
	}
	x.readTime(loc, m.opt.Clock.Now())
}

// receiptZone is the zone a new request's receipt is read in: that of the
// rules of the organisation and regime chosen; nil when they cannot be read.
func (m *Model) receiptZone(f *form) *time.Location {
	if m.opt.Registers == nil {
		return nil
	}
	reg, err := m.opt.Registers.Get(f.val("controller"))
	if err != nil {
		return nil
	}
	rules, err := reg.Rules(f.val("regime"))
	if err != nil {
		return nil
	}
	return zone(rules.Zone)
}

// receivedValues are the new request's values with the receipt time read
// as the form showed it, written as RFC 3339 for the intake table.
func (m *Model) receivedValues(f *form) (cases.Values, error) {
	v := f.intakeValues()
	loc := m.receiptZone(f)
	if loc == nil || strings.TrimSpace(f.val("received")) == "" {
		return v, nil
	}
	at, err := whenOf(f.val("received"), loc, m.opt.Clock.Now())
	if err != nil {
		return nil, &cases.Refused{Field: "received", Reason: err.Error()}
	}
	v["received"] = []string{at.Format(time.RFC3339)}
	return v, nil
}

// fitRegime offers the regimes of the organisation chosen, keeping the
// one chosen where the new organisation has it too.
func (m *Model) fitRegime(f *form) {
	x := f.get("regime")
	if x == nil || m.opt.Registers == nil {
		return
	}
	reg, err := m.opt.Registers.Get(f.val("controller"))
	if err != nil {
		return
	}
	regimes := reg.Regimes()
	if slices.Equal(regimes, x.options) {
		return
	}
	was := x.value()
	x.options, x.shown, x.at = regimes, nil, 0
	for i, name := range regimes {
		shown := name
		if r, err := cases.LookupRegime(name); err == nil {
			shown += " (" + r.Title + ")"
		}
		if i == 0 {
			shown += ", the default"
		}
		x.shown = append(x.shown, shown)
	}
	x.choose(was)
}

// bulkForm is assign or tag for every case the queue shows.
func (m Model) bulkForm(assign bool) Model {
	q := m.queue
	if q.shown.len() == 0 {
		m.err = "no cases shown"
		return m
	}
	// Unfiltered, a bulk action is for the open cases: the closed ones
	// are read into the queue only once scrolled to, and what a key does
	// must not depend on where the cursor has been.
	f := &form{bulkRevs: map[string]int{}}
	scope := "all open cases"
	f.bulkOpen = !q.filtered()
	if q.filtered() {
		scope = "the filtered cases"
	}
	for _, i := range q.shown.flat() {
		s := q.snap.rows.at(i)
		if !q.filtered() && (s.Closed() || s.Voided) {
			continue
		}
		f.bulk = append(f.bulk, s.ID)
		f.bulkRevs[s.ID] = s.Revision
	}
	if len(f.bulk) == 0 {
		m.err = "no open case shown"
		return m
	}
	name, verb := "tag", "Tag"
	if assign {
		name, verb = "assign", "Assign"
	}
	a, _ := cases.ActionNamed(name)
	f.name, f.action = "bulk-"+name, a
	f.title = fmt.Sprintf("%s %s (%s)", verb, cases.Plural(len(f.bulk), "case"), scope)
	for i := range a.Fields {
		f.fields = append(f.fields, formField(&a.Fields[i]))
	}
	m.form, m.err, m.status = f.ready(m.keys), "", ""
	return m
}

// bulkSummary says what a bulk action did.
func bulkSummary(what string, b *storage.Bulk) string {
	s := fmt.Sprintf("%s: %s", what, cases.Plural(len(b.Applied), "case"))
	if len(b.Refused) > 0 {
		var skipped []string
		for _, id := range slices.Sorted(maps.Keys(b.Refused)) {
			skipped = append(skipped, id+" ("+errorLine(b.Refused[id])+")")
		}
		s += fmt.Sprintf("; %d skipped: %s", len(b.Refused), strings.Join(skipped, "; "))
	}
	return s
}

// exportForm is the e key: the letter to export (the current step's by
// default) and the register gaps it would have, shown before anything is
// written.
func (m Model) exportForm() Model {
	d := m.kase.detail
	if m.opt.Export == nil {
		m.err = "export is not available here"
		return m
	}
	f := &form{name: "export", title: "Export the response packet · " + d.loaded.Case.ID,
		fields: []field{choice("letter", "letter", cases.LetterKinds, cases.DefaultLetter(d.loaded.Case, d.state))}}
	f.warning = m.packetGaps(f)
	m.form, m.kase.menu, m.status, m.err, m.notice = f.ready(m.keys), false, "", "", nil
	return m
}

// GapLists sorts a letter's gaps into the register's (by field: O, then
// E fills them) and the case's (with the command that fills each): the
// export form and the notice after an export say them alike.
func GapLists(gaps []export.LetterGap) (inRegister, forCase []string) {
	for _, g := range gaps {
		switch {
		case g.TOML != "":
			inRegister = append(inRegister, g.Field)
		case g.Fix != "":
			forCase = append(forCase, g.Field+" ("+g.Fix+")")
		default:
			forCase = append(forCase, g.Field)
		}
	}
	return inRegister, forCase
}

// packetGaps lists what the register lacks for the chosen letter.
func (m Model) packetGaps(f *form) string {
	d := m.kase.detail
	if d == nil || d.register == nil {
		return "the organisation's register is not loaded: the packet cannot be built"
	}
	_, gaps, err := export.Check(export.Input{Case: d.loaded.Case, Register: d.register, Letter: cases.LetterKind(f.val("letter"))})
	if err != nil {
		return errorLine(err)
	}
	if len(gaps) == 0 {
		return ""
	}
	draft := slices.ContainsFunc(gaps, func(g export.LetterGap) bool { return g.Blocking })
	inRegister, forCase := GapLists(gaps)
	head := fmt.Sprintf("facts this letter lacks (%d)", len(gaps))
	if draft {
		head += " (the packet will be a DRAFT)"
	}
	var parts []string
	if len(inRegister) > 0 {
		parts = append(parts, fmt.Sprintf("in the register: %s (esc, O, then E edits it; or %s)",
			strings.Join(inRegister, ", "), d.register.EditCommand()))
	}
	if len(forCase) > 0 {
		parts = append(parts, "for the case: "+strings.Join(forCase, "; "))
	}
	return cases.Printable(head + ": " + strings.Join(parts, "; "))
}

// confirmQuestion is what is asked before a form that matters is sent.
func (m *Model) confirmQuestion(f *form) string {
	id := ""
	if m.kase.detail != nil {
		id = m.kase.detail.loaded.Case.ID
	}
	switch f.name {
	case "close":
		q := fmt.Sprintf("Close %s as %s", id, f.val("outcome"))
		if g := f.get("ground"); g != nil && len(g.values()) > 0 {
			q += " (" + strings.Join(g.values(), ", ") + ")"
		}
		switch cases.Outcome(f.val("outcome")) {
		case cases.OutcomeFulfilled, cases.OutcomePartiallyFulfilled, cases.OutcomeNoData:
			// These answer item by item: an open item makes the letter a
			// DRAFT, and a closed case takes no work until reopened.
			if n := openItems(m.kase.detail); n > 0 {
				return fmt.Sprintf("%s? %s still open: its letter stays a DRAFT, and recording %s means reopening it.",
					q, cases.Plural(n, "work item"), map[bool]string{true: "it", false: "them"}[n == 1])
			}
		}
		return q + "?"
	case "reopen":
		return fmt.Sprintf("Reopen %s (%s)?", id, f.val("reason"))
	case "void":
		return fmt.Sprintf("Void %s? It leaves the queue and the figures for good, kept with its timeline.", id)
	case "withhold":
		return fmt.Sprintf("Withhold %s from the subject?", cases.Printable(f.val("file")))
	case "send":
		// Said in the question too, as it is in the record and the report:
		// a restored draft of the form may bring a yes back.
		how := ""
		switch {
		case f.val("draft-sent") == "yes":
			how = " as a DRAFT"
		case f.val("outside") == "yes":
			how = " another way"
		}
		return fmt.Sprintf("Record that the %s letter of %s was sent%s?", f.val("letter"), id, how)
	case "extend":
		return fmt.Sprintf("Extend %s although the notice would be late?", id)
	case "bulk-assign":
		return fmt.Sprintf("Assign %s to %s?", shownCases(len(f.bulk), f.bulkOpen), cases.Printable(f.val("to")))
	case "bulk-tag":
		return fmt.Sprintf("Tag %s %s?", shownCases(len(f.bulk), f.bulkOpen), cases.Printable(f.val("tags")))
	case "approve":
		return fmt.Sprintf("Record the approval of the %s letter of %s, as exported?", f.val("letter"), id)
	case "reject":
		return fmt.Sprintf("Send the %s letter of %s back?", f.val("letter"), id)
	}
	return "Record it?"
}

// openItems counts the case's work items with no result.
func openItems(d *caseDetail) int {
	n := 0
	if d != nil && d.state != nil {
		for i := range d.state.Work {
			if d.state.Work[i].Open() {
				n++
			}
		}
	}
	return n
}

// shownCases names the cases a bulk form applies to, by their count: the
// shown ones, or the open ones of the unfiltered queue.
func shownCases(n int, open bool) string {
	what := "shown"
	if open {
		what = "open"
	}
	if n == 1 {
		return "the " + what + " case"
	}
	return fmt.Sprintf("the %d %s cases", n, what)
}

// menuLines lists every action of the case screen with its key.
func (m *Model) menuLines(width int) []string {
	st, k := *m.styles, m.kase.keys
	out := []string{st.Header.Render(fit("── Actions on "+m.kase.detail.loaded.Case.ID+" (press a key) ", width))}
	entries := make([]string, 0, len(k.Forms)+2)
	dimmed := false
	for _, f := range k.Forms {
		// An action the case does not take now is shown in brackets, dim.
		if m.kase.detail.refused[f.Action] != "" {
			entries = append(entries, st.Dim.Render(fit(f.Binding.Help().Key, 2)+"("+f.Action+")"))
			dimmed = true
			continue
		}
		entries = append(entries, st.Key.Render(fit(f.Binding.Help().Key, 2))+f.Action)
	}
	entries = append(entries, st.Key.Render(fit(k.Export.Help().Key, 2))+"export packet",
		st.Key.Render(fit(k.Record.Help().Key, 2))+"case record")
	cell := 0
	for _, e := range entries {
		cell = max(cell, ansi.StringWidth(e)+2)
	}
	cols := max(1, width/cell)
	rows := (len(entries) + cols - 1) / cols
	for r := range rows { // down the columns, in the order of the work
		line := ""
		for c := range cols {
			if i := c*rows + r; i < len(entries) {
				line += fit(entries[i], cell)
			}
		}
		out = append(out, fit(line, width))
	}
	if m.err != "" {
		out = append(out, wrapHang(st.Error.Render("! "+m.err), width, 2)...)
	} else if dimmed {
		out = append(out, st.Dim.Render(fit("(in brackets): not possible in this state; its key says why", width)))
	}
	return append(out, fit(m.shortHelp(k.menuHelp()), width))
}

// panelLines is what is shown over the bottom of the screen: a form, the
// action menu, or a notice (where an export went), with the last error.
func (m *Model) panelLines() []string {
	var lines []string
	switch {
	case m.form != nil:
		lines = m.form.lines(m.width, m.height, *m.styles, *m.help, m.err, m.confirmQuestion(m.form))
	case m.kase.menu && m.kase.detail != nil && m.screen != screenOverview:
		lines = m.menuLines(m.width)
	case len(m.notice) > 0:
		lines = []string{m.styles.Header.Render(fit("── Done ", m.width))}
		for _, l := range m.notice {
			lines = append(lines, wrapHang(cases.Printable(l), m.width, 2)...)
		}
		lines = append(lines, m.styles.Dim.Render(fit("any key continues", m.width)))
	}
	for i, l := range lines {
		lines[i] = fit(l, m.width)
	}
	return lines
}
