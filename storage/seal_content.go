package storage

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"rightsdesk/cases"
)

// appendContent appends ev as json.Marshal writes it, without reflection:
// seal writes one content per event, millions in a bulk write, and what
// it writes is hashed and signed, so the bytes must be exactly
// json.Marshal's (TestAppendContentIsMarshal). The fields are those of
// cases.Event in its order with its omitempty rules; a string is copied
// as it is when encoding/json would (printable ASCII that HTML escaping
// leaves alone) and handed to json.Marshal otherwise, as are the nested
// values few events hold (rules, facts, a system, an external sign-off,
// approval conditions, retained events).
func appendContent(b []byte, ev *cases.Event) ([]byte, error) {
	var err error
	b = append(b, `{"kind":`...)
	b = appendJSONString(b, string(ev.Kind))
	b = append(b, `,"at":`...)
	if b, err = appendJSONTime(b, ev.At); err != nil {
		return nil, err
	}
	b = append(b, `,"recorded_at":`...)
	if b, err = appendJSONTime(b, ev.RecordedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"actor":`...)
	b = appendJSONString(b, ev.Actor)
	b = appendStringField(b, "reason", ev.Reason)
	b = appendStringField(b, "method", ev.Method)
	b = appendStringField(b, "amount", ev.Amount)
	b = appendStringField(b, "letter", string(ev.Letter))
	b = appendStringField(b, "channel", string(ev.Channel))
	b = appendStringField(b, "to", ev.To)
	b = appendStringField(b, "checksum", ev.Checksum)
	b = appendStringField(b, "recipient", ev.Recipient)
	b = appendStringField(b, "impossible", ev.Impossible)
	b = appendStringsField(b, "recipients", ev.Recipients)
	b = appendStringField(b, "assignee", ev.Assignee)
	b = appendStringsField(b, "tags", ev.Tags)
	b = appendStringField(b, "text", ev.Text)
	if a := ev.Attachment; a != nil {
		b = append(b, `,"attachment":{"name":`...)
		b = appendJSONString(b, a.Name)
		b = append(b, `,"kind":`...)
		b = appendJSONString(b, string(a.Kind))
		b = appendStringField(b, "category", a.Category)
		b = appendStringField(b, "system", a.System)
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, a.Size, 10)
		b = append(b, `,"sha256":`...)
		b = append(appendJSONString(b, a.SHA256), '}')
	}
	b = appendStringField(b, "file", ev.File)
	b = appendStringField(b, "outcome", string(ev.Outcome))
	b = appendStringsField(b, "grounds", ev.Grounds)
	b = appendStringField(b, "law", ev.Law)
	b = appendStringField(b, "redirect_to", ev.RedirectTo)
	b = appendStringField(b, "reopen_reason", string(ev.ReopenReason))
	if ev.Rules != nil {
		raw, err := rulesJSON(ev.Rules)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"rules":`...), raw...)
	}
	b = appendDateField(b, "extended_to", ev.ExtendedTo)
	b = appendStringField(b, "late", ev.Late)
	b = appendStringsField(b, "needs", ev.Needs)
	b = appendDateField(b, "disclosed_on", ev.DisclosedOn)
	b = appendStringField(b, "item", ev.Item)
	b = appendStringField(b, "result", string(ev.Result))
	b = appendStringField(b, "what", ev.What)
	b = appendStringsField(b, "files", ev.Files)
	b = appendDateField(b, "until", ev.Until)
	b = appendDateField(b, "trigger_date", ev.TriggerDate)
	b = appendDateField(b, "review", ev.Review)
	b = appendStringField(b, "customer", ev.Customer)
	b = appendMarshalled(b, &err, "system", ev.System != nil, ev.System)
	b = appendBoolField(b, "draft", ev.Draft)
	b = appendStringsField(b, "gaps", ev.Gaps)
	b = appendDateField(b, "letter_date", ev.LetterDate)
	b = appendBoolField(b, "outside", ev.Outside)
	b = appendBoolField(b, "draft_sent", ev.DraftSent)
	b = appendMarshalled(b, &err, "external", ev.External != nil, ev.External)
	b = appendMarshalled(b, &err, "approval", len(ev.Approval) > 0, ev.Approval)
	b = appendStringsField(b, "overridden", ev.Overridden)
	b = appendStringField(b, "reported_origin", ev.ReportedOrigin)
	b = appendStringField(b, "field", ev.Field)
	b = appendStringField(b, "value", ev.Value)
	b = appendMarshalled(b, &err, "facts", ev.Facts != nil, ev.Facts)
	b = appendMarshalled(b, &err, "retained", len(ev.Retained) > 0, ev.Retained)
	if ev.PurgedThrough != 0 {
		b = append(b, `,"purged_through":`...)
		b = strconv.AppendUint(b, ev.PurgedThrough, 10)
	}
	b = appendBoolField(b, "unattested", ev.Unattested)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendStringField appends ,"name":"s" unless s is empty (omitempty).
func appendStringField(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":`...)
	return appendJSONString(b, s)
}

// appendStringsField appends ,"name":["a","b"] unless list is empty.
func appendStringsField[S ~string](b []byte, name string, list []S) []byte {
	if len(list) == 0 {
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":[`...)
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, string(s))
	}
	return append(b, ']')
}

// appendBoolField appends ,"name":true when set (omitempty).
func appendBoolField(b []byte, name string, set bool) []byte {
	if !set {
		return b
	}
	return append(append(append(b, `,"`...), name...), `":true`...)
}

// appendDateField appends ,"name":"YYYY-MM-DD" unless d is nil: a Date
// is written as its text (cases.Date.MarshalText).
func appendDateField(b []byte, name string, d *cases.Date) []byte {
	if d == nil {
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":`...)
	return appendJSONString(b, d.String())
}

// appendMarshalled appends ,"name": and v as json.Marshal writes it, as
// it writes a field's value within its struct, when set; an error is
// kept in *errp, and nothing more is appended after one.
func appendMarshalled(b []byte, errp *error, name string, set bool, v any) []byte {
	if !set || *errp != nil {
		return b
	}
	raw, err := json.Marshal(v)
	if err != nil {
		*errp = err
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":`...)
	return append(b, raw...)
}

// appendJSONTime appends t as time.Time.MarshalJSON writes it (RFC 3339
// with nanoseconds, quoted); a year it refuses goes to it for its error.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		raw, err := t.MarshalJSON()
		return append(b, raw...), err
	}
	b = append(b, '"')
	return append(t.AppendFormat(b, time.RFC3339Nano), '"'), nil
}

// appendJSONString appends s as a JSON string as json.Marshal writes it:
// as it is when every byte is printable ASCII that neither JSON nor
// encoding/json's HTML escaping changes, through json.Marshal otherwise.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			raw, _ := json.Marshal(s) // a string always encodes
			return append(b, raw...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

// rulesJSON is json.Marshal(r), the same bytes: a bulk write (the demo,
// an import) seals the same few rule sets in every case's received event,
// and marshalling one (some 5 KB: its data map) costs three times as much
// as finding it equal to one met before (knownRuleSets, sameRules).
func rulesJSON(r *cases.Rules) ([]byte, error) {
	for _, k := range knownRuleSets.all() {
		if sameRules(&k.rules, r) {
			return k.json, nil
		}
	}
	raw := appendRules(nil, r) // json.Marshal's bytes (facts_json.go)
	addRuleSet(raw, r)
	return raw, nil
}

// sameRules reports whether a and b marshal to the same JSON, field by
// field without reflection: reflect.DeepEqual took 1.4 of the demo's 40
// CPU-seconds at 100,000 cases, comparing every case's rules with the
// rule sets met before. A list left empty and one that is nil count as
// the same, since every list of the rules is omitempty and both are
// written alike; TestSameRulesSeesEveryField fails when a field is added
// to the rules and not compared here.
func sameRules(a, b *cases.Rules) bool {
	return a.Regime == b.Regime && a.Zone == b.Zone && a.Calendar == b.Calendar && a.Source == b.Source &&
		slices.Equal(a.ExtraHolidays, b.ExtraHolidays) && a.PromiseDays == b.PromiseDays && a.Pause == b.Pause &&
		a.PauseWindowDays == b.PauseWindowDays && a.ActByWorkingDays == b.ActByWorkingDays &&
		a.ForwardWorkingDays == b.ForwardWorkingDays && a.ComplaintTargetDays == b.ComplaintTargetDays &&
		a.IdentityWaitDays == b.IdentityWaitDays && a.BackdateHours == b.BackdateHours &&
		a.EarliestClock == b.EarliestClock && slices.EqualFunc(a.Systems, b.Systems, sameSystem) &&
		slices.Equal(a.Purposes, b.Purposes) && slices.Equal(a.Assumptions, b.Assumptions) &&
		slices.Equal(a.Approval, b.Approval)
}

// sameSystem is sameRules for one system of the data map.
func sameSystem(a, b cases.System) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Role == b.Role && a.Customer == b.Customer &&
		a.Recipient == b.Recipient && a.Source == b.Source && slices.Equal(a.Categories, b.Categories) &&
		slices.Equal(a.Rights, b.Rights) &&
		(a.Retention == b.Retention || a.Retention != nil && b.Retention != nil && *a.Retention == *b.Retention)
}

// knownRuleSets are rule sets rulesJSON met lately, each with its JSON.
var knownRuleSets recent[*ruleSet]

// ruleSet is one rule set and its JSON. rules is its own copy, decoded
// from the JSON, so that a caller changing its rules in place later
// cannot make it stale.
type ruleSet struct {
	rules cases.Rules
	json  []byte
}

// addRuleSet keeps the rule set r whose JSON is raw, when its JSON decodes
// to a value the same as it (one that does not would never be found
// again).
func addRuleSet(raw []byte, r *cases.Rules) {
	set := &ruleSet{json: raw}
	if cases.UnmarshalRules(raw, &set.rules) != nil || !sameRules(&set.rules, r) {
		return
	}
	knownRuleSets.add(set)
}
