package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"rightsdesk/cases"
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

// actionByName is the case screen's action of that name.
func actionByName(name string) *actionDef {
	for _, a := range caseActions {
		if a.name == name {
			return a
		}
	}
	return nil
}
