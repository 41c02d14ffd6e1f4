package ui

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/export"
	"rightsdesk/storage"
)

// actionDef is one action of the case screen: the key that opens its form,
// the command line's name for it, the event it records and its fields.
type actionDef struct {
	key    string
	name   string
	title  string
	kind   cases.EventKind
	fields func(d *caseDetail) ([]field, error)
	// confirm says whether the form asks before it is sent.
	confirm func(f *form) bool
	// adjust marks which fields the values chosen so far make required
	// (the grounds of a refusal), after each key.
	adjust func(f *form)
}

func always(*form) bool { return true }

// refusalNeeds makes a refusal's grounds, reasons and law required as the
// outcome and grounds chosen call for them, and a redirect's target.
func refusalNeeds(f *form) {
	refusing := true
	if o := f.get("outcome"); o != nil {
		v := cases.Outcome(o.value())
		refusing = v == cases.OutcomeRefused || v == cases.OutcomePartiallyFulfilled
		if r := f.get("redirect-to"); r != nil {
			r.required = v == cases.OutcomeRedirected
		}
	}
	grounds := f.get("ground")
	if grounds != nil && grounds.kind == fieldMulti {
		grounds.required = refusing
	}
	if r := f.get("reason"); r != nil {
		r.required = refusing
	}
	if law := f.get("law"); law != nil && grounds != nil {
		law.required = slices.Contains(append(grounds.values(), grounds.value()), string(cases.GroundNationalRestriction))
	}
}

// fixed are the fields of a form that do not depend on the case; each
// opening gets its own copy to fill in.
func fixed(fields ...field) func(*caseDetail) ([]field, error) {
	return func(*caseDetail) ([]field, error) { return cloneFields(fields), nil }
}

func reasonField(hint string, required bool) func(*caseDetail) ([]field, error) {
	return fixed(text("reason", "reason", hint, required))
}

// caseActions are the forms of the case screen, in the order of the work.
var caseActions = []*actionDef{
	{key: "A", name: "acknowledge", title: "Acknowledge the receipt to the requester", kind: cases.EventAcknowledged},
	{key: "i", name: "request-id", title: "Ask for proof of identity", kind: cases.EventIDRequested,
		fields: reasonField("why is the identity in doubt?", true)},
	{key: "I", name: "id-received", title: "The identity information arrived", kind: cases.EventIDReceived},
	{key: "v", name: "verify", title: "Identity verified", kind: cases.EventIdentityVerified,
		fields: fixed(text("method", "method", "how? (documents are never stored)", true))},
	{key: "m", name: "request-info", title: "Ask the requester to clarify", kind: cases.EventClarificationRequested,
		fields: reasonField("what is unclear?", true)},
	{key: "M", name: "info-received", title: "The clarification arrived", kind: cases.EventClarificationReceived},
	{key: "p", name: "request-authority", title: "Ask for proof of the requester's authority", kind: cases.EventAuthorityRequested,
		fields: reasonField("optional", false)},
	{key: "P", name: "authority-received", title: "The proof of authority arrived", kind: cases.EventAuthorityReceived},
	{key: "f", name: "request-fee", title: "Ask for a fee (Art. 12(5))", kind: cases.EventFeeRequested,
		fields: fixed(text("amount", "amount", "e.g. EUR 25", true), text("reason", "reason", "optional", false))},
	{key: "F", name: "fee-paid", title: "The fee was paid", kind: cases.EventFeePaid},
	{key: "x", name: "extend", title: "Extend the deadline", kind: cases.EventExtensionDecided,
		fields: fixed(text("reason", "reasons", "why the request is complex or numerous", true),
			text("until", "until", "optional YYYY-MM-DD; default the longest the rules allow", false)),
		confirm: func(f *form) bool { return f.warning != "" }},
	{key: "s", name: "send", title: "Mark a letter sent to the requester", kind: cases.EventSent,
		fields: func(d *caseDetail) ([]field, error) {
			ch := cases.ChannelEmail
			if d.loaded.Case.Subject.Email == "" {
				ch = cases.ChannelPost
			}
			return []field{choice("letter", "letter", cases.LetterKinds, cases.DefaultLetter(d.loaded.Case, d.state)),
				choice("channel", "channel", cases.Channels, ch), text("to", "to", "the address it went to (optional)", false)}, nil
		},
		confirm: always},
	{key: "N", name: "notify", title: "Notify a recipient (Art. 19)", kind: cases.EventRecipientNotified,
		fields: func(d *caseDetail) ([]field, error) {
			impossible := text("impossible", "impossible", "why notifying is impossible (optional)", false)
			names := d.recipients()
			if len(names) == 0 {
				return []field{text("recipient", "recipient", "", true), impossible}, nil
			}
			// The register's recipients, or one it does not name.
			return []field{choice("recipient", "recipient", names, ""),
				text("other", "or another", "a recipient the register does not name (optional)", false), impossible}, nil
		}},
	{key: "R", name: "recipients", title: "Choose the recipients this subject's data went to", kind: cases.EventRecipientsChosen,
		fields: func(d *caseDetail) ([]field, error) {
			if d.register == nil {
				return nil, errors.New("the organisation's register is not loaded")
			}
			names := d.register.RecipientNames()
			if len(names) == 0 {
				return nil, fmt.Errorf("the register of %s names no recipients; complete it (rightsdesk controllers %s)", d.register.ID, d.register.ID)
			}
			picked := d.state.Recipients
			if picked == nil {
				picked = names
			}
			return []field{multi("recipients", "recipients", names, picked, true)}, nil
		}},
	{key: "a", name: "assign", title: "Assign the case", kind: cases.EventAssigned,
		fields: func(d *caseDetail) ([]field, error) {
			return []field{text("to", "assign to", d.state.Assignee, true)}, nil
		}},
	{key: "t", name: "tag", title: "Add tags", kind: cases.EventTagged,
		fields: fixed(text("tags", "tags", "space between", true))},
	{key: "u", name: "untag", title: "Remove tags", kind: cases.EventUntagged,
		fields: func(d *caseDetail) ([]field, error) {
			if len(d.state.Tags) == 0 {
				return nil, errors.New("the case has no tags")
			}
			return []field{multi("untags", "remove", d.state.Tags, nil, true)}, nil
		}},
	{key: "n", name: "note", title: "Add an internal note", kind: cases.EventNoted,
		fields: fixed(text("text", "note", "", true))},
	{key: "+", name: "attach", title: "Attach a file (stored in the database)", kind: cases.EventAttached,
		fields: fixed(field{key: "path", label: "file", kind: fieldPath, required: true, hint: "path; tab completes"},
			choice("kind", "kind", cases.AttachmentKinds, cases.AttachmentDataCopy),
			text("category", "category", "e.g. orders (optional)", false),
			text("system", "system", "where it came from (optional)", false))},
	{key: "w", name: "withhold", title: "Withhold a file from the subject", kind: cases.EventWithheld,
		fields: func(d *caseDetail) ([]field, error) {
			var files []string
			for _, a := range d.state.Attachments {
				if _, done := d.state.Withheld[a.Name]; !done && a.Kind == cases.AttachmentDataCopy {
					files = append(files, a.Name)
				}
			}
			if len(files) == 0 {
				return nil, errors.New("no data-copy file to withhold")
			}
			return []field{choice("file", "file", files, ""), choice("ground", "ground", cases.Grounds, cases.GroundRightsOfOthers),
				text("reason", "reason", "", true), text("law", "law", "with national-restriction", false)}, nil
		},
		confirm: always, adjust: refusalNeeds},
	{key: "c", name: "close", title: "Close the case with its outcome", kind: cases.EventClosed,
		fields: fixed(choice("outcome", "outcome", cases.Outcomes, cases.OutcomeFulfilled),
			multi("ground", "grounds", cases.Grounds, nil, false),
			text("reason", "reasons", "required when anything is refused", false),
			text("law", "law", "with national-restriction", false),
			text("redirect-to", "redirect to", "with redirected: the organisation", false)),
		confirm: always, adjust: refusalNeeds},
	{key: "o", name: "reopen", title: "Reopen the case", kind: cases.EventReopened,
		fields:  fixed(choice("reason", "reason", cases.ReopenReasons, cases.ReopenIncompleteResponse)),
		confirm: always},
	{key: "B", name: "rebaseline", title: "Re-apply the organisation's current register rules", kind: cases.EventRebaselined,
		fields: reasonField("why the rules change for this case", true)},
}

// actionByKey is the case screen's action for a key.
func actionByKey(k string) *actionDef {
	for _, a := range caseActions {
		if a.key == k {
			return a
		}
	}
	return nil
}

// recipients are the names a notification can go to: those chosen for the
// case, else the register's.
func (d *caseDetail) recipients() []string {
	if d.state.Recipients != nil {
		return d.state.Recipients
	}
	if d.register != nil {
		return d.register.RecipientNames()
	}
	return nil
}

// openForm opens an action's form on the open case.
func (m Model) openForm(def *actionDef) (tea.Model, tea.Cmd) {
	d := m.detail
	f := &form{def: def, title: def.title + " · " + d.loaded.Case.ID, rev: d.loaded.Revision}
	if def.fields != nil {
		fields, err := def.fields(d)
		if err != nil {
			m.err = def.name + ": " + errorLine(err)
			return m, nil
		}
		f.fields = fields
	}
	if def.kind == cases.EventExtensionDecided {
		f.warning = extensionWarning(d)
	}
	m.restoreDraft(f)
	if def.adjust != nil {
		def.adjust(f)
	}
	m.form, m.menu, m.status, m.err, m.notice = f, false, "", "", nil
	return m, nil
}

// draftKey names a form's draft: the case and the action, or the new
// request form.
func (m Model) draftKey(f *form) string {
	if f.def.name == "new" || m.detail == nil {
		return f.def.name
	}
	return m.detail.loaded.Case.ID + "/" + f.def.name
}

// keepDraft remembers what was typed in a form cancelled with esc, so that
// opening the same form again brings it back.
func (m *Model) keepDraft(f *form) {
	if strings.HasPrefix(f.def.name, "bulk-") || f.def.name == "export" {
		return
	}
	typed := false
	for i := range f.fields {
		typed = typed || f.fields[i].text != ""
	}
	drafts := maps.Clone(m.drafts)
	if drafts == nil {
		drafts = map[string]*form{}
	}
	if typed {
		drafts[m.draftKey(f)] = f
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
			x.setText(old.text)
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
	f.restored = true
}

// dropDraft forgets a form's draft once it is sent.
func (m *Model) dropDraft(f *form) {
	if _, ok := m.drafts[m.draftKey(f)]; ok {
		m.drafts = maps.Clone(m.drafts)
		delete(m.drafts, m.draftKey(f))
	}
}

// extensionWarning says what happens to an extension decided now when its
// notice can no longer be sent in time.
func extensionWarning(d *caseDetail) string {
	dl := d.state.Deadlines
	if dl == nil || dl.ExtensionNoticeBy == nil {
		return ""
	}
	today := cases.DateOf(d.now, zone(dl.Zone))
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

// event builds the form's event.
func (f *form) event(actor string, d *caseDetail) (cases.Event, error) {
	ev := cases.Event{Kind: f.def.kind, Actor: actor}
	text := ev.TextFields()
	for i := range f.fields {
		x := &f.fields[i]
		v := x.value()
		if p, ok := text[x.key]; ok && !(x.key == "reason" && f.def.kind == cases.EventReopened) {
			*p = v
			continue
		}
		switch x.key {
		case "reason": // a reopening's reason is one of four
			ev.ReopenReason = cases.ReopenReason(v)
		case "to":
			if f.def.kind == cases.EventAssigned {
				ev.Assignee = v
			} else {
				ev.To = v
			}
		case "letter":
			ev.Letter = cases.LetterKind(v)
		case "channel":
			ev.Channel = cases.Channel(v)
		case "outcome":
			ev.Outcome = cases.Outcome(v)
		case "ground":
			vs := x.values()
			if x.kind == fieldChoice {
				vs = []string{v}
			}
			for _, g := range vs {
				ev.Grounds = append(ev.Grounds, cases.Ground(g))
			}
		case "other":
			if v != "" {
				ev.Recipient = v
			}
		case "tags":
			ev.Tags = strings.Fields(v)
		case "untags":
			ev.Tags = x.values()
		case "file":
			ev.File = v
		case "recipients":
			ev.Recipients = x.values()
		case "until":
			if v != "" {
				day, err := cases.ParseDate(v)
				if err != nil {
					return ev, fmt.Errorf("until: %w", err)
				}
				ev.ExtendedTo = &day
			}
		case "kind":
			ev.Attachment = &cases.Attachment{Kind: cases.AttachmentKind(v), Category: f.val("category"), System: f.val("system")}
		}
	}
	if f.def.kind == cases.EventRebaselined {
		if d.register == nil {
			return ev, errors.New("the organisation's register is not loaded")
		}
		rules, err := d.register.Rules(d.state.Rules.Regime)
		if err != nil {
			return ev, err
		}
		ev.Rules = &rules
	}
	return ev, nil
}

// submit sends the form: after its confirmation where it asks one, and
// never with a required field empty.
func (m Model) submit() (tea.Model, tea.Cmd) {
	f := m.form
	if name := f.missing(); name != "" {
		m.err = name + " is required"
		return m, nil
	}
	if f.def.confirm != nil && f.def.confirm(f) && !f.confirming {
		f = f.clone()
		f.confirming = true
		m.form, m.err = f, ""
		return m, nil
	}
	// Sent: keys wait for the answer, so that a second enter sends nothing twice.
	sending := func() {
		m.form = f.clone()
		m.form.sending, m.err = true, ""
	}
	switch f.def.name {
	case "new":
		sending()
		return m, m.addCase(f)
	case "bulk-assign", "bulk-tag":
		sending()
		return m, m.doEach(f)
	case "export":
		sending()
		return m, m.exportPacket(f)
	}
	if m.detail == nil {
		return m, nil
	}
	ev, err := f.event(m.opt.Actor, m.detail)
	if err != nil {
		m.err = errorLine(err)
		return m, nil
	}
	sending()
	st, id, rev, now, path := m.opt.Store, m.detail.loaded.Case.ID, f.rev, m.opt.Clock.Now(), f.val("path")
	return m, func() tea.Msg {
		a := storage.Action{Event: ev, IfRevision: rev}
		if ev.Kind == cases.EventAttached {
			data, err := storage.ReadAttachment(expandHome(path), st.MaxFileSize())
			if err != nil {
				return actionMsg{id: id, err: err}
			}
			att := *ev.Attachment
			att.Name = filepath.Base(path)
			a.Event.Attachment, a.Content = &att, data
		}
		res, err := st.Do(id, []storage.Action{a}, now)
		if err != nil {
			return actionMsg{id: id, err: err}
		}
		return actionMsg{id: id, result: res[0]}
	}
}

// formKey handles a key while a form is open.
func (m Model) formKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	s := msg.String()
	if m.form.sending {
		if s == "ctrl+c" {
			return m, tea.Quit
		}
		return m, nil
	}
	f := m.form.clone()
	m.form = f
	if f.confirming {
		switch s {
		case "y", "Y", "enter":
			return m.submit()
		case "ctrl+c":
			return m, tea.Quit
		case "n", "N", "esc":
			f.confirming = false
		}
		return m, nil
	}
	x := f.focused()
	switch s {
	case "esc":
		m.keepDraft(f)
		m.form, m.err = nil, ""
		return m, nil
	case "ctrl+c":
		return m, tea.Quit
	case "enter":
		return m.submit()
	case "tab":
		if x != nil && x.kind == fieldPath && x.text != "" {
			return m, completePath(x.text) // the next field if nothing completes
		}
		f.focus = (f.focus + 1) % max(1, len(f.fields))
	case "down":
		f.focus = (f.focus + 1) % max(1, len(f.fields))
	case "shift+tab", "up":
		f.focus = (f.focus - 1 + max(1, len(f.fields))) % max(1, len(f.fields))
	case "left", "right":
		d := map[string]int{"left": -1, "right": 1}[s]
		switch {
		case x != nil && x.editable():
			x.moveCursor(d)
		case x != nil:
			x.step(d)
		}
	case "home", "ctrl+a", "end", "ctrl+e":
		if x != nil && x.editable() {
			x.moveCursor(map[bool]int{true: -len(x.text), false: len(x.text)}[s == "home" || s == "ctrl+a"])
		}
	case "backspace":
		if x != nil {
			x.backspace()
		}
	case "delete":
		if x != nil {
			x.deleteForward()
		}
	case "ctrl+u":
		if x != nil && x.editable() {
			x.setText("")
		}
	default:
		if t := sanitizeInput(msg.Key().Text); t != "" && x != nil {
			x.typeText(t)
		}
	}
	if f.def.name == "export" && (s == "left" || s == "right" || len(s) == 1) {
		f.warning = m.packetGaps(f)
	}
	if f.def.adjust != nil {
		f.def.adjust(f)
	}
	return m, nil
}

// newCaseForm is the form for a request just received.
func (m Model) newCaseForm() *form {
	var orgs []string
	if m.opt.Registers != nil {
		orgs = m.opt.Registers.IDs()
	}
	// The organisation the queue is narrowed to, else the first.
	f := &form{def: &actionDef{name: "new", title: "New request"}, title: "New request (one case per right)",
		fields: []field{choice("controller", "organisation", orgs, m.quick.controller),
			multi("rights", "rights", cases.Rights, nil, true),
			text("subject", "subject", "the data subject's name", true),
			text("email", "e-mail", "one contact route is required", false),
			text("phone", "phone", "", false),
			text("postal", "postal address", "", false),
			text("identifiers", "identifiers", "e.g. customer=C-1042; order=77 (optional)", false),
			text("requester", "requester", "if not the subject: who asks", false),
			choice("relation", "relation", cases.Relations, cases.RelationSelf),
			choice("channel", "channel", cases.Channels, cases.ChannelEmail),
			text("received", "received", "today; or YYYY-MM-DD or RFC 3339", false),
			text("language", "language", "en", false),
			text("text", "request", "what the requester wrote (optional)", false)}}
	m.restoreDraft(f)
	return f
}

// addCase records a new request through the store.
func (m Model) addCase(f *form) tea.Cmd {
	regs := m.opt.Registers
	if regs == nil {
		return func() tea.Msg { return addedMsg{err: errors.New("no registers are loaded")} }
	}
	st, now, actor := m.opt.Store, m.opt.Clock.Now(), m.opt.Actor
	in := cases.Intake{Subject: cases.Subject{Name: f.val("subject"), Email: f.val("email"), Phone: f.val("phone"),
		PostalAddress: f.val("postal")}, Channel: cases.Channel(f.val("channel")), Text: f.val("text"), Language: f.val("language")}
	for _, r := range f.get("rights").values() {
		in.Rights = append(in.Rights, cases.Right(r))
	}
	if rel := cases.Relation(f.val("relation")); rel != cases.RelationSelf || f.val("requester") != "" {
		if rel == cases.RelationSelf {
			rel = cases.RelationAgent
		}
		in.Requester = &cases.Requester{Name: f.val("requester"), Relation: rel}
	}
	org, received := f.val("controller"), f.val("received")
	if ids := f.val("identifiers"); ids != "" {
		for _, part := range strings.Split(ids, ";") {
			if err := in.Subject.AddIdentifier(part); err != nil {
				return func() tea.Msg { return addedMsg{err: err} }
			}
		}
	}
	return func() tea.Msg {
		reg, err := regs.Get(org)
		if err != nil {
			return addedMsg{err: err}
		}
		rules, err := reg.Rules("")
		if err != nil {
			return addedMsg{err: err}
		}
		in.Controller = reg.ID
		if received != "" {
			loc, err := cases.LoadZone(rules.Zone)
			if err != nil {
				return addedMsg{err: err}
			}
			if in.ReceivedAt, err = cases.ParseTime(received, loc); err != nil {
				return addedMsg{err: fmt.Errorf("received: %w", err)}
			}
		}
		created, err := st.Add(in, rules, now, actor)
		if err != nil {
			return addedMsg{err: err}
		}
		var ids []string
		for _, c := range created {
			ids = append(ids, c.ID)
		}
		return addedMsg{ids: ids}
	}
}

type addedMsg struct {
	ids []string
	err error
}

// bulkForm is assign or tag for every case the queue shows.
func (m Model) bulkForm(assign bool) (tea.Model, tea.Cmd) {
	if len(m.shown) == 0 {
		m.err = "no cases shown"
		return m, nil
	}
	f := &form{bulkRevs: map[string]int{}}
	for _, i := range m.shown {
		f.bulk = append(f.bulk, m.all[i].ID)
		f.bulkRevs[m.all[i].ID] = m.all[i].Revision
	}
	scope := "all cases"
	if m.query != "" || m.quick.active() {
		scope = "the filtered cases"
	}
	if assign {
		f.def = &actionDef{name: "bulk-assign", kind: cases.EventAssigned, confirm: always}
		f.title = fmt.Sprintf("Assign %d cases (%s)", len(f.bulk), scope)
		f.fields = []field{text("to", "assign to", "", true)}
	} else {
		f.def = &actionDef{name: "bulk-tag", kind: cases.EventTagged, confirm: always}
		f.title = fmt.Sprintf("Tag %d cases (%s)", len(f.bulk), scope)
		f.fields = []field{text("tags", "tags", "space between", true)}
	}
	m.form, m.err, m.status = f, "", ""
	return m, nil
}

type bulkMsg struct {
	what   string // "assigned to marc", "tagged audit"
	result *storage.Bulk
	err    error
}

// doEach applies a bulk form to its cases in one transaction; a case that
// changed since it was shown is skipped and named.
func (m Model) doEach(f *form) tea.Cmd {
	ev, _ := f.event(m.opt.Actor, nil)
	st, ids, revs, now := m.opt.Store, f.bulk, f.bulkRevs, m.opt.Clock.Now()
	what := "assigned to " + cases.Printable(ev.Assignee)
	if ev.Kind == cases.EventTagged {
		what = "tagged " + cases.Printable(strings.Join(ev.Tags, " "))
	}
	return func() tea.Msg {
		res, err := st.DoEach(ids, storage.Action{Event: ev}, revs, now)
		return bulkMsg{what: what, result: res, err: err}
	}
}

// bulkSummary says what a bulk action did.
func bulkSummary(what string, b *storage.Bulk) string {
	s := fmt.Sprintf("%s: %d cases", what, len(b.Applied))
	if len(b.Refused) > 0 {
		var skipped []string
		for _, id := range slices.Sorted(mapsKeys(b.Refused)) {
			skipped = append(skipped, id+" ("+errorLine(b.Refused[id])+")")
		}
		s += fmt.Sprintf("; %d skipped: %s", len(b.Refused), strings.Join(skipped, "; "))
	}
	return s
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// exportForm is the e key: the letter to export (the current step's by
// default) and the register gaps it would have, shown before anything is
// written.
func (m Model) exportForm() (tea.Model, tea.Cmd) {
	d := m.detail
	if m.opt.Export == nil {
		m.err = "export is not available here"
		return m, nil
	}
	f := &form{def: &actionDef{name: "export"}, title: "Export the response packet · " + d.loaded.Case.ID,
		fields: []field{choice("letter", "letter", cases.LetterKinds, cases.DefaultLetter(d.loaded.Case, d.state))}}
	f.warning = m.packetGaps(f)
	m.form, m.menu, m.status, m.err, m.notice = f, false, "", "", nil
	return m, nil
}

// packetGaps lists what the register lacks for the chosen letter.
func (m Model) packetGaps(f *form) string {
	d := m.detail
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
	var draft bool
	var list []string
	for _, g := range gaps {
		draft = draft || g.Blocking
		list = append(list, g.Field)
	}
	head := fmt.Sprintf("facts this letter lacks (%d)", len(gaps))
	if draft {
		head += " (the packet will be a DRAFT)"
	}
	return head + ": " + strings.Join(list, ", ")
}

// Exported is a packet written by Options.Export.
type Exported struct {
	Path, SHA256 string
	Draft        bool
	Gaps         []string // the register fields missing or general
	Controller   string
}

type exportedMsg struct {
	id     string
	lines  []string
	err    error
	reload bool
}

func (m Model) exportPacket(f *form) tea.Cmd {
	exp, id, kind := m.opt.Export, m.detail.loaded.Case.ID, cases.LetterKind(f.val("letter"))
	return func() tea.Msg {
		res, err := exp(id, kind)
		if err != nil {
			return exportedMsg{id: id, err: err}
		}
		lines := []string{"Packet written: " + res.Path, "sha256 " + res.SHA256, "(recorded in the timeline; s then records the letter as sent)"}
		if res.Draft {
			lines = append(lines, "DRAFT: the register lacks facts the letter needs; complete it and export again")
		}
		if len(res.Gaps) > 0 {
			lines = append(lines, fmt.Sprintf("facts this letter lacks (%d): %s (rightsdesk controllers %s shows the register)",
				len(res.Gaps), strings.Join(res.Gaps, ", "), res.Controller))
		}
		return exportedMsg{id: id, lines: lines, reload: true}
	}
}

// exportRecord is the E key: the case record, for the organisation's files
// or a supervisory authority.
func (m Model) exportRecord() tea.Cmd {
	rec, id := m.opt.Record, m.detail.loaded.Case.ID
	if rec == nil {
		return nil
	}
	return func() tea.Msg {
		dir, head, err := rec(id)
		if err != nil {
			return exportedMsg{id: id, err: err}
		}
		return exportedMsg{id: id, lines: []string{"Case record written: " + dir, "chain head " + head}}
	}
}

// writeReport is R on the overview: the register of requests of the
// organisation shown (or of all) as CSV.
func (m Model) writeReport() tea.Cmd {
	rep, org := m.opt.Report, m.quick.controller
	if rep == nil {
		return nil
	}
	return func() tea.Msg {
		path, err := rep(org)
		if err != nil {
			return exportedMsg{err: err}
		}
		return exportedMsg{lines: []string{"Register of requests written: " + path}}
	}
}

// menuLines lists every action of the case screen with its key.
func (m Model) menuLines(width int) []string {
	st := m.styles
	out := []string{st.Header.Render(fit("── Actions on "+m.detail.loaded.Case.ID+" (press a key) ", width))}
	entries := make([]string, 0, len(caseActions)+2)
	for _, a := range caseActions {
		entries = append(entries, st.Key.Render(fit(a.key, 2))+a.name)
	}
	entries = append(entries, st.Key.Render("e ")+"export packet", st.Key.Render("E ")+"case record")
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
	return append(out, st.Dim.Render(fit("esc closes · ? help", width)))
}

// panelLines is what is shown over the bottom of the screen: a form, the
// action menu, or a notice (where an export went), with the last error.
func (m Model) panelLines() []string {
	lines := m.panel()
	for i, l := range lines {
		lines[i] = fit(l, m.width)
	}
	return lines
}

func (m Model) panel() []string {
	switch {
	case m.form != nil:
		return m.formLines(m.form, m.width)
	case m.menu && m.detail != nil && m.screen != screenOverview:
		return m.menuLines(m.width)
	case len(m.notice) > 0:
		out := []string{m.styles.Header.Render(fit("── Done ", m.width))}
		for _, l := range m.notice {
			out = append(out, wrapHang(cases.Printable(l), m.width, 2)...)
		}
		return append(out, m.styles.Dim.Render(fit("any key continues", m.width)))
	}
	return nil
}

// caseKey opens a form or runs an action from the case screen; it reports
// whether the key was one.
func (m Model) caseKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd, bool) {
	s := msg.String()
	if s == "enter" {
		m.menu, m.status = !m.menu, ""
		return m, nil, true
	}
	if key.Matches(msg, m.keys.Export) {
		mm, cmd := m.exportForm()
		return mm, cmd, true
	}
	if key.Matches(msg, m.keys.Record) {
		m.menu, m.status, m.err = false, "writing the case record…", ""
		return m, m.exportRecord(), true
	}
	if def := actionByKey(s); def != nil {
		mm, cmd := m.openForm(def)
		return mm, cmd, true
	}
	return m, nil, false
}
