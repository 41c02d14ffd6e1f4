package cases

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// FieldType is the kind of value a field of an action or of intake takes.
type FieldType int

// The field types. A text field takes one value; the others say how their
// values are read and offered (a choice as ‹ one ›, a multi-choice with ticks,
// a path with completion).
const (
	FieldText   FieldType = iota // free text, one value
	FieldChoice                  // one slug of the field's Vocabulary
	FieldMulti                   // any number of slugs of the Vocabulary ("a,b" is two)
	FieldDate                    // a civil date, YYYY-MM-DD
	FieldTime                    // RFC 3339 or YYYY-MM-DD, read in the case's zone
	FieldNames                   // any number of free names: tags, recipients
	FieldFiles                   // paths of files the caller reads
)

// Field is one value an action or a new request takes: the command line's
// flag (or positional argument), the app's form field and import's column
// are all this one description.
type Field struct {
	// Name is the flag without its dashes, the form field's key and the
	// import column: "reason", "redirect-to". A Refused names a field by it.
	Name  string
	Label string // the form's label
	Type  FieldType
	// Required fields are marked in help and the app sends nothing without
	// them. The command line leaves a missing text to the domain, whose
	// refusal (exit 1) names the field; a missing choice is bad input.
	Required bool
	// Vocabulary holds the slugs a choice or multi-choice accepts.
	Vocabulary []string
	// Default is the value a choice starts on; "" for none.
	Default string
	// Hint says what to type, in the form and in the flag's help.
	Hint string
	// Placeholder names the value in a usage line: TEXT, DATE, G.
	Placeholder string
	// Positional fields come after the case ID on the command line
	// (TAG..., FILE...) instead of as a flag.
	Positional bool
	// MaxBytes bounds a value's length, where the field has a bound: a
	// 5 MB name made every later change of its case slow.
	MaxBytes int

	// set puts the values read into the event.
	set func(ev *Event, values []string) error
	// explain says why a value outside the vocabulary is not in it, where
	// there is more to say than the list (an organisation is not
	// corrected: the case is voided); nil, or nil returned, for the list.
	explain func(v string) error
}

// Action is one thing a DPO records on a case: the command line's command,
// the app's form and the event it becomes, described once.
type Action struct {
	Name string // the command: "request-id"
	// Command is the command line's command when it is not Name:
	// add-system is recorded by work --add-system.
	Command string
	Kind    EventKind // the event it records
	Title   string    // the form's title
	Summary string    // one line of help
	// Notes are more of the command's help, where the action has more to
	// say than its summary.
	Notes   string
	Example string // a command line that uses it
	Fields  []Field
	// Confirm makes the app ask before sending: what cannot be taken back
	// without a trace of it (a closing, a letter, a file withheld).
	Confirm bool
	// Register actions are completed from the organisation's register
	// (register.Complete): the recipients it names, the rules it gives,
	// the approval conditions a letter sent meets.
	Register bool
}

// Values are what was given for an action or a request, by Field.Name;
// a text field has one value.
type Values map[string][]string

// One is the first value of a field, trimmed of nothing: text is evidence.
func (v Values) One(name string) string {
	if len(v[name]) == 0 {
		return ""
	}
	return v[name][0]
}

// Actions are the actions of the command table of CLI.md, in the order of
// the work; the command line, the app's forms and their tests are built
// from them.
var Actions = []Action{
	{Name: "acknowledge", Kind: EventAcknowledged, Title: "Acknowledge the receipt to the requester",
		Summary: "the receipt was acknowledged to the requester", Example: "rightsdesk acknowledge DSR-2026-000042"},
	{Name: "request-id", Kind: EventIDRequested, Title: "Ask for proof of identity",
		Summary: "identity asked for (why there is doubt)",
		Example: `rightsdesk request-id DSR-2026-000042 --reason "the e-mail address differs from the account's"`,
		Fields: []Field{textField("reason", "reason", "why is the identity in doubt?", true, setReason),
			{Name: "need", Label: "what is needed", Type: FieldNames, Placeholder: "TEXT",
				Hint: "what the subject must send, and why (repeatable)",
				set:  func(ev *Event, v []string) error { ev.Needs = v; return nil }}}},
	{Name: "id-received", Kind: EventIDReceived, Title: "The identity information arrived",
		Summary: "the identity information arrived", Example: "rightsdesk id-received DSR-2026-000042 --at 2026-03-02"},
	{Name: "verify", Kind: EventIdentityVerified, Title: "Identity verified",
		Summary: "identity verified (how; documents are never stored)",
		Example: `rightsdesk verify DSR-2026-000042 --method "answered the account's security question"`,
		Fields: []Field{textField("method", "method", "how? (documents are never stored)", true,
			func(ev *Event, v []string) error { ev.Method = one(v); return nil })}},
	{Name: "request-info", Kind: EventClarificationRequested, Title: "Ask the requester to clarify",
		Summary: "clarification asked of the requester",
		Example: `rightsdesk request-info DSR-2026-000042 --reason "which of the two accounts is meant?"`,
		Fields:  []Field{textField("reason", "reason", "what is unclear?", true, setReason)}},
	{Name: "info-received", Kind: EventClarificationReceived, Title: "The clarification arrived",
		Summary: "the clarification arrived", Example: "rightsdesk info-received DSR-2026-000042"},
	{Name: "request-authority", Kind: EventAuthorityRequested, Title: "Ask for proof of the requester's authority",
		Summary: "proof of an agent's or parent's authority asked for",
		Example: `rightsdesk request-authority DSR-2026-000042 --reason "a signed mandate"`,
		Fields:  []Field{textField("reason", "reason", "optional", false, setReason)}},
	{Name: "authority-received", Kind: EventAuthorityReceived, Title: "The proof of authority arrived",
		Summary: "the proof of authority arrived", Example: "rightsdesk authority-received DSR-2026-000042"},
	{Name: "request-fee", Kind: EventFeeRequested, Title: "Ask for a fee (Art. 12(5))",
		Summary: "an Art. 12(5) fee asked for",
		Example: `rightsdesk request-fee DSR-2026-000042 --amount "EUR 25" --reason "a fourth copy this year"`,
		Fields: []Field{textField("amount", "amount", "e.g. EUR 25", true,
			func(ev *Event, v []string) error { ev.Amount = one(v); return nil }),
			textField("reason", "reason", "optional", false, setReason)}},
	{Name: "fee-paid", Kind: EventFeePaid, Title: "The fee was paid",
		Summary: "the fee was paid", Example: "rightsdesk fee-paid DSR-2026-000042"},
	{Name: "extend", Kind: EventExtensionDecided, Title: "Extend the deadline",
		Summary: "decide to extend; in force once its notice is sent in time",
		Example: `rightsdesk extend DSR-2026-000042 --reason "twelve systems to search"`,
		Fields: []Field{textField("reason", "reasons", "why the request is complex or numerous", true, setReason),
			{Name: "until", Label: "until", Type: FieldDate, Placeholder: "DATE",
				Hint: "optional YYYY-MM-DD; default the longest the rules allow", set: setUntil}}},
	{Name: "send", Kind: EventSent, Title: "Mark a letter sent to the requester", Confirm: true, Register: true,
		Summary: "a letter went to the requester (the current step's letter unless --letter)",
		Example: "rightsdesk send DSR-2026-000042 --letter final --channel email --to jane@example.org",
		Fields: []Field{choiceField("letter", "letter", "KIND", LetterKinds, false, "the current step's letter",
			func(ev *Event, v []string) error { ev.Letter = LetterKind(one(v)); return nil }),
			choiceField("channel", "channel", "CH", Channels, false, "how it went",
				func(ev *Event, v []string) error { ev.Channel = Channel(one(v)); return nil }),
			{Name: "to", Label: "to", Type: FieldText, Placeholder: "ADDR", Hint: "the address it went to (optional)",
				set: func(ev *Event, v []string) error { ev.To = one(v); return nil }},
			{Name: "outside", Label: "sent otherwise", Type: FieldFiles, Placeholder: "FILE",
				Hint: "a letter written and sent outside rightsdesk (the file it was, if any); needs a reason",
				set:  func(ev *Event, v []string) error { ev.Outside = true; return nil }},
			{Name: "draft-sent", Label: "draft sent", Type: FieldChoice, Vocabulary: []string{"yes"}, Placeholder: "yes",
				Hint: "records that a DRAFT was sent (needs a reason); the report shows it",
				set:  func(ev *Event, v []string) error { ev.DraftSent = one(v) == "yes"; return nil }},
			textField("reason", "reason", "when sent otherwise or a draft went out: why", false, setReason)}},
	{Name: "notify", Kind: EventRecipientNotified, Title: "Notify a recipient (Art. 19)", Register: true,
		Summary: "an Art. 19 notification to a recipient, or why it was impossible",
		Example: `rightsdesk notify DSR-2026-000042 --recipient "Stripe, Inc."`,
		Fields: []Field{{Name: "recipient", Label: "recipient", Type: FieldText, Required: true, Placeholder: "NAME",
			Hint: "a recipient the data went to", set: func(ev *Event, v []string) error { ev.Recipient = one(v); return nil }},
			textField("impossible", "impossible", "why notifying is impossible (optional)", false,
				func(ev *Event, v []string) error { ev.Impossible = one(v); return nil })}},
	{Name: "recipients", Kind: EventRecipientsChosen, Title: "Choose the recipients this subject's data went to",
		Register: true, Summary: "the register's recipients this subject's data went to (default all)",
		Example: `rightsdesk recipients DSR-2026-000042 --only "Stripe, Inc." --only Intercom`,
		Fields: []Field{{Name: "only", Label: "recipients", Type: FieldNames, Placeholder: "NAME",
			Hint: "of the register's recipients (default all)",
			set:  func(ev *Event, v []string) error { ev.Recipients = v; return nil }},
			{Name: "disclosed-on", Label: "disclosed on", Type: FieldDate, Placeholder: "DATE",
				Hint: "a recorded disclosure to a public authority: the day (optional)",
				set: func(ev *Event, v []string) error {
					d, err := ParseDate(one(v))
					ev.DisclosedOn = &d
					return err
				}}}},
	{Name: "assign", Kind: EventAssigned, Title: "Assign the case",
		Summary: "give the case to a colleague", Example: "rightsdesk assign DSR-2026-000042 --to marc",
		Fields: []Field{{Name: "to", Label: "assign to", Type: FieldText, Required: true, Placeholder: "NAME",
			Hint: "a colleague's user name", set: func(ev *Event, v []string) error { ev.Assignee = one(v); return nil }}}},
	{Name: "tag", Kind: EventTagged, Title: "Add tags",
		Summary: "add tags", Example: "rightsdesk tag DSR-2026-000042 vip press",
		Fields: []Field{tagsField("space between")}},
	{Name: "untag", Kind: EventUntagged, Title: "Remove tags",
		Summary: "remove tags", Example: "rightsdesk untag DSR-2026-000042 press",
		Fields: []Field{tagsField("the tags to remove")}},
	{Name: "note", Kind: EventNoted, Title: "Add an internal note",
		Summary: "an internal note", Example: `rightsdesk note DSR-2026-000042 --text "called the subject back"`,
		Fields: []Field{textField("text", "note", "", true,
			func(ev *Event, v []string) error { ev.Text = one(v); return nil })}},
	{Name: "attach", Kind: EventAttached, Title: "Attach a file (stored in the database)",
		Summary: "files gathered for the case, stored in the database",
		Example: "rightsdesk attach DSR-2026-000042 orders.csv tickets.json --kind data-copy --system shop",
		Fields: []Field{{Name: "file", Label: "file", Type: FieldFiles, Required: true, Positional: true,
			Placeholder: "FILE", Hint: "path; tab completes"},
			choiceField("kind", "kind", "K", AttachmentKinds, false, "who it is for", setAttachmentKind),
			textField("category", "category", "e.g. orders (optional)", false,
				func(ev *Event, v []string) error { attachment(ev).Category = one(v); return nil }),
			textField("system", "system", "where it came from (optional)", false,
				func(ev *Event, v []string) error { attachment(ev).System = one(v); return nil })}},
	{Name: "withhold", Kind: EventWithheld, Title: "Withhold a file from the subject", Confirm: true,
		Summary: "keep a data-copy file from the subject (a partial refusal)",
		Example: `rightsdesk withhold DSR-2026-000042 tickets.json --ground rights-of-others --reason "names other customers"`,
		Fields: []Field{{Name: "file", Label: "file", Type: FieldText, Required: true, Positional: true,
			Placeholder: "FILE", Hint: "an attached data-copy file", set: func(ev *Event, v []string) error { ev.File = one(v); return nil }},
			groundsField(FieldChoice, string(GroundRightsOfOthers)),
			textField("reason", "reason", "what the subject is told", true, setReason),
			lawField()}},
	{Name: "close", Kind: EventClosed, Title: "Close the case with its outcome", Confirm: true,
		Summary: "record the outcome",
		Example: `rightsdesk close DSR-2026-000042 --outcome refused --ground manifestly-unfounded --reason "the fifth identical request this month"`,
		Fields: []Field{choiceField("outcome", "outcome", "O", Outcomes, true, "", func(ev *Event, v []string) error {
			ev.Outcome = Outcome(one(v))
			return nil
		}),
			groundsField(FieldMulti, ""),
			textField("reason", "reasons", "required when anything is refused", false, setReason),
			lawField(),
			{Name: "redirect-to", Label: "redirect to", Type: FieldText, Placeholder: "TEXT",
				Hint: "with redirected: the organisation", set: func(ev *Event, v []string) error { ev.RedirectTo = one(v); return nil }}}},
	{Name: "reopen", Kind: EventReopened, Title: "Reopen the case", Confirm: true,
		Summary: "reopen a closed case", Example: "rightsdesk reopen DSR-2026-000042 --reason complaint",
		Fields: []Field{choiceField("reason", "reopen reason", "REASON", ReopenReasons, true, "why the case is open again", func(ev *Event, v []string) error {
			ev.ReopenReason = ReopenReason(one(v))
			return nil
		})}},
	{Name: "work", Kind: EventWorked, Title: "Record the result of a work item", Confirm: false,
		Summary: "the result of one item of the work list (a system searched, a purpose stopped)",
		Example: `rightsdesk work DSR-2026-000042 app-db erased --at 2026-03-03`,
		Fields: []Field{{Name: "item", Label: "item", Type: FieldText, Required: true, Positional: true, Placeholder: "ITEM",
			Hint: "the work item (show lists them)", set: func(ev *Event, v []string) error { ev.Item = one(v); return nil }},
			{Name: "result", Label: "result", Type: FieldChoice, Required: true, Positional: true, Placeholder: "RESULT",
				Vocabulary: Slugs(Results), Hint: "what was done", set: func(ev *Event, v []string) error { ev.Result = Result(one(v)); return nil }},
			{Name: "file", Label: "files", Type: FieldNames, Placeholder: "NAME", Hint: "found: the attached files that hold the copy",
				set: func(ev *Event, v []string) error { ev.Files = v; return nil }},
			textField("what", "what", "what was kept, rectified, continues, reviewed", false,
				func(ev *Event, v []string) error { ev.What = one(v); return nil }),
			{Name: "ground", Label: "ground", Type: FieldChoice, Placeholder: "G",
				Vocabulary: append(Slugs(KeptGrounds), NotPortableGrounds...), Hint: "kept or not-portable: the ground",
				set: func(ev *Event, v []string) error { ev.Grounds = []Ground{Ground(one(v))}; return nil }},
			textField("law", "law", "kept on art17-3-b: the law; other-basis: the lawful basis", false,
				func(ev *Event, v []string) error { ev.Law = one(v); return nil }),
			dateField("until", "until", "kept until; expected by; overwritten by", func(ev *Event, d *Date) { ev.Until = d }),
			dateField("trigger-date", "trigger date", "kept: the rule's period runs from this day", func(ev *Event, d *Date) { ev.TriggerDate = d }),
			dateField("review", "review", "kept until an event: when it is reviewed", func(ev *Event, d *Date) { ev.Review = d }),
			textField("customer", "customer", "for-customer: whose data they are", false,
				func(ev *Event, v []string) error { ev.Customer = one(v); return nil }),
			textField("reason", "reason", "refusing results: the reasons told to the subject", false, setReason)}},
	{Name: "add-system", Command: "work", Kind: EventWorkAdded, Title: "Add a system to this case's work list",
		Summary: "a system searched for this case only", Example: `rightsdesk work DSR-2026-000042 --add-system "the old CRM export"`,
		Fields: []Field{{Name: "add-system", Label: "system", Type: FieldText, Required: true, Placeholder: "NAME",
			Hint: "what a subject would recognise",
			set:  func(ev *Event, v []string) error { ev.System = &System{Name: one(v)}; return nil }}}},
	{Name: "forward", Kind: EventForwarded, Title: "Forward the request to whose data they are",
		Summary: "the request was passed to the controller or customer whose data they are",
		Example: `rightsdesk forward DSR-2026-000042 --to "Acme SAS" --at 2026-03-04`,
		Fields: []Field{textField("to", "forwarded to", "the controller or customer", true,
			func(ev *Event, v []string) error { ev.Customer = one(v); return nil })}},
	{Name: "rebaseline", Kind: EventRebaselined, Title: "Re-apply the organisation's current register rules",
		Register: true, Summary: "re-apply the organisation's current register rules to an open case",
		Example: `rightsdesk rebaseline DSR-2026-000042 --reason "the register's zone was corrected"`,
		Fields:  []Field{textField("reason", "reason", "why the rules change for this case", true, setReason)}},
	{Name: "correct", Kind: EventCorrected, Title: "Correct an intake fact",
		Summary: "correct a fact recorded at intake (the subject's name, a contact route, the receipt time...)",
		Example: `rightsdesk correct DSR-2026-000042 --field email --value jane@example.org --reason "a typo at intake"`,
		Notes: "The received event keeps what was first recorded; the case says it with each correction\n" +
			"applied in order, and show lists each one with its reason. A corrected receipt time (in\n" +
			"the case's zone) moves every deadline. The organisation, the right and the regime cannot\n" +
			"be corrected: they decided the rules frozen at intake; void the case and add the request\n" +
			"again. A voided case takes no correction.",
		Fields: []Field{{Name: "field", Label: "fact", Type: FieldChoice, Required: true, Vocabulary: CorrectableFields,
			Placeholder: "FIELD", Hint: "the intake fact to correct", explain: frozenFact,
			set: func(ev *Event, v []string) error { ev.Field = one(v); return nil }},
			{Name: "value", Label: "new value", Type: FieldText, Placeholder: "VALUE",
				Hint: "the corrected value (identifier: TYPE=VALUE; empty removes)",
				set:  func(ev *Event, v []string) error { ev.Value = one(v); return nil }},
			textField("reason", "reason", "why the intake was wrong", true, setReason)}},
	{Name: "void", Kind: EventVoided, Title: "Void a case recorded by mistake", Confirm: true,
		Summary: "a case recorded by mistake: kept in the timeline, out of queues, lists and statistics",
		Example: `rightsdesk void DSR-2026-000042 --reason "recorded twice; the request is DSR-2026-000041"`,
		Notes: "A voided case is kept with its whole timeline: show says VOIDED with the reason, and\n" +
			"list --voided lists it. It leaves the queue, list, the overview's counts, the statistics\n" +
			"and the register of requests (report). Afterwards it takes only a note; its case record\n" +
			"can still be exported. Voiding cannot be undone: a case voided by mistake is added again.",
		Fields: []Field{textField("reason", "reason", "why the case is a mistake", true, setReason)}},
}

// frozenFacts are the intake facts a correction cannot change: the
// organisation, the right and the regime decide the rules frozen at intake
// and every deadline since, so a case recorded under the wrong one is
// voided and recorded again.
var frozenFacts = []string{"controller", "organisation", "right", "regime"}

// frozenFact says why a frozen fact is not among the facts a correction
// changes.
func frozenFact(v string) error {
	if !slices.Contains(frozenFacts, v) {
		return nil
	}
	return fmt.Errorf("the %s cannot be corrected: it decided the rules and the deadline frozen at intake; "+
		"void the case (void ID --reason ...) and record the request again (add); "+
		"a correction changes one of: %s", v, strings.Join(CorrectableFields, ", "))
}

func init() {
	// A choice's first value is where a form starts unless the table says
	// otherwise; close starts on fulfilled, reopen on incomplete-response.
	for i := range Actions {
		for j := range Actions[i].Fields {
			f := &Actions[i].Fields[j]
			if f.Type == FieldChoice && f.Default == "" && f.Required && len(f.Vocabulary) > 0 {
				f.Default = f.Vocabulary[0]
			}
		}
	}
}

// ActionNamed is the action of a command name.
func ActionNamed(name string) (*Action, bool) {
	i := slices.IndexFunc(Actions, func(a Action) bool { return a.Name == name })
	if i < 0 {
		return nil, false
	}
	return &Actions[i], true
}

// CommandName is the command line's command that records the action.
func (a *Action) CommandName() string {
	if a.Command != "" {
		return a.Command
	}
	return a.Name
}

// Field is the action's field of that name.
func (a *Action) Field(name string) (*Field, bool) {
	i := slices.IndexFunc(a.Fields, func(f Field) bool { return f.Name == name })
	if i < 0 {
		return nil, false
	}
	return &a.Fields[i], true
}

// Events builds the events the values record, for actor: one, or one per
// file for attach (each named by its file's base name; the caller reads
// the files). A value that cannot be read is refused naming its field;
// whether the action is allowed now is for Apply to say.
func (a *Action) Events(v Values, actor string) ([]Event, error) {
	for name := range v {
		if _, ok := a.Field(name); !ok {
			return nil, &Refused{Field: name, Reason: fmt.Sprintf("%s takes no %s", a.Name, name)}
		}
	}
	ev := Event{Kind: a.Kind, Actor: actor}
	var files []string
	for _, f := range a.Fields {
		values, err := f.read(v[f.Name])
		if err != nil {
			return nil, err
		}
		if f.Type == FieldFiles {
			files = values
			// A files flag may stand alone (send --outside: a letter sent
			// another way, with no file to name).
			if _, given := v[f.Name]; given && f.set != nil && a.Kind != EventAttached {
				if err := f.set(&ev, values); err != nil {
					return nil, &Refused{Field: f.Name, Reason: err.Error()}
				}
			}
			continue
		}
		if len(values) > 0 && f.set != nil {
			if err := f.set(&ev, values); err != nil {
				return nil, &Refused{Field: f.Name, Reason: err.Error()}
			}
		}
	}
	if a.Kind != EventAttached {
		return []Event{ev}, nil
	}
	if len(files) == 0 {
		return nil, &Refused{Field: "file", Reason: "at least one file is required"}
	}
	att := attachment(&ev)
	if att.Kind == "" {
		att.Kind = AttachmentDataCopy
	}
	out := make([]Event, len(files))
	for i, path := range files {
		e, copied := ev, *att
		copied.Name = filepath.Base(path)
		e.Attachment = &copied
		out[i] = e
	}
	return out, nil
}

// read checks a field's values and returns them as the event takes them:
// empty text dropped, slugs checked against the vocabulary, comma lists
// of slugs split, dates checked.
func (f *Field) read(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		switch f.Type {
		case FieldMulti:
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
			continue
		case FieldChoice, FieldDate, FieldTime:
			v = strings.TrimSpace(v)
		}
		if v != "" {
			out = append(out, v)
		}
	}
	if f.Type == FieldText && len(out) > 1 {
		return nil, &Refused{Field: f.Name, Reason: fmt.Sprintf("%s is given once", f.Name)}
	}
	if f.Type == FieldChoice && len(out) > 1 {
		if !sameValues(out) {
			return nil, &Refused{Field: f.Name, Reason: fmt.Sprintf("one %s only, not %s", f.Label, strings.Join(out, " and "))}
		}
		out = out[:1]
	}
	if f.Type == FieldChoice && len(out) == 0 && f.Required {
		return nil, &Refused{Field: f.Name, Reason: fmt.Sprintf("%s is required: %s", f.Label, strings.Join(f.Vocabulary, ", "))}
	}
	for _, v := range out {
		if err := f.check(v); err != nil {
			return nil, &Refused{Field: f.Name, Reason: err.Error()}
		}
	}
	return out, nil
}

// check reads one value of a vocabulary or a date.
func (f *Field) check(v string) error {
	switch f.Type {
	case FieldChoice, FieldMulti:
		if f.explain != nil && !slices.Contains(f.Vocabulary, v) {
			if err := f.explain(v); err != nil {
				return err
			}
		}
		if f.Vocabulary != nil && !slices.Contains(f.Vocabulary, v) {
			return fmt.Errorf("unknown %s %q (one of: %s)", f.Label, v, strings.Join(f.Vocabulary, ", "))
		}
	case FieldDate:
		_, err := ParseDate(v)
		return err
	}
	return nil
}

func sameValues(vs []string) bool {
	for _, v := range vs {
		if v != vs[0] {
			return false
		}
	}
	return true
}

func one(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// Slugs are a vocabulary's words as the command line and the forms offer
// them.
func Slugs[T ~string](known []T) []string {
	out := make([]string, len(known))
	for i, k := range known {
		out[i] = string(k)
	}
	return out
}

func textField(name, label, hint string, required bool, set func(*Event, []string) error) Field {
	return Field{Name: name, Label: label, Type: FieldText, Required: required, Hint: hint, Placeholder: "TEXT", set: set}
}

func choiceField[T ~string](name, label, placeholder string, known []T, required bool, hint string, set func(*Event, []string) error) Field {
	return Field{Name: name, Label: label, Type: FieldChoice, Required: required, Vocabulary: Slugs(known),
		Placeholder: placeholder, Hint: hint, set: set}
}

func tagsField(hint string) Field {
	return Field{Name: "tags", Label: "tags", Type: FieldNames, Required: true, Positional: true, Placeholder: "TAG",
		Hint: hint, set: func(ev *Event, v []string) error {
			for _, s := range v {
				ev.Tags = append(ev.Tags, strings.Fields(s)...)
			}
			return nil
		}}
}

// groundsField is the legal grounds of a refusal: several on a closing,
// one on a withheld file.
func groundsField(typ FieldType, def string) Field {
	label := "grounds"
	if typ == FieldChoice {
		label = "ground"
	}
	return Field{Name: "ground", Label: label, Type: typ, Vocabulary: Slugs(Grounds), Default: def, Placeholder: "G",
		Hint: "the legal grounds of what is refused", set: func(ev *Event, v []string) error {
			for _, g := range v {
				ev.Grounds = append(ev.Grounds, Ground(g))
			}
			return nil
		}}
}

func dateField(name, label, hint string, set func(*Event, *Date)) Field {
	return Field{Name: name, Label: label, Type: FieldDate, Placeholder: "DATE", Hint: hint,
		set: func(ev *Event, v []string) error {
			d, err := ParseDate(one(v))
			if err != nil {
				return err
			}
			set(ev, &d)
			return nil
		}}
}

// LateField is every action's field for why it is recorded late, beside
// its time (--at): a time more than the rules' backdate hours before now
// needs it. The command line adds both to every action.
var LateField = Field{Name: "late", Label: "why late", Type: FieldText, Placeholder: "TEXT",
	Hint: "only when the time is over a day ago: why it is recorded late",
	set:  func(ev *Event, v []string) error { ev.Late = one(v); return nil }}

func lawField() Field {
	return textField("law", "law", "with national-restriction: the law relied on", false,
		func(ev *Event, v []string) error { ev.Law = one(v); return nil })
}

func setReason(ev *Event, v []string) error { ev.Reason = one(v); return nil }

func setUntil(ev *Event, v []string) error {
	d, err := ParseDate(one(v))
	if err != nil {
		return err
	}
	ev.ExtendedTo = &d
	return nil
}

func setAttachmentKind(ev *Event, v []string) error {
	attachment(ev).Kind = AttachmentKind(one(v))
	return nil
}

// attachment is the event's attachment, made when the first of its fields
// is read.
func attachment(ev *Event) *Attachment {
	if ev.Attachment == nil {
		ev.Attachment = &Attachment{}
	}
	return ev.Attachment
}
