package cases

import (
	"errors"
	"fmt"
	"strings"
)

// IntakeFields are the values of a new request: add's flags, import's
// columns and the app's new-request form, described once. Identifiers are
// one TYPE=VALUE pair a value (import's cell and the form's field split
// theirs on ';' first).
// The bounds of a new request's text (TRUST.md): a name, an address or an
// identifier, and the request's own words.
const (
	MaxNameBytes    = 1 << 10
	MaxRequestBytes = 256 << 10
)

var IntakeFields = []Field{
	{Name: "controller", Label: "organisation", Type: FieldChoice, Required: true, Placeholder: "ID",
		Hint: "the organisation the request is for"},
	{Name: "right", Label: "rights", Type: FieldMulti, Required: true, Vocabulary: Slugs(Rights), Placeholder: "R[,R...]",
		Hint: "one case per right, linked as one request"},
	{Name: "subject", MaxBytes: MaxNameBytes, Label: "subject", Type: FieldText, Required: true, Placeholder: "NAME", Hint: "the person the data is about"},
	{Name: "email", MaxBytes: MaxNameBytes, Label: "e-mail", Type: FieldText, Placeholder: "ADDR", Hint: "one contact route is required"},
	{Name: "phone", MaxBytes: MaxNameBytes, Label: "phone", Type: FieldText, Placeholder: "N"},
	{Name: "postal-address", MaxBytes: MaxNameBytes, Label: "postal address", Type: FieldText, Placeholder: "TEXT"},
	{Name: "identifier", MaxBytes: MaxNameBytes, Label: "identifiers", Type: FieldNames, Placeholder: "TYPE=VALUE",
		Hint: "a customer number, an account ID (TYPE=VALUE)"},
	{Name: "requester", MaxBytes: MaxNameBytes, Label: "requester", Type: FieldText, Placeholder: "NAME", Hint: "who asks, if not the subject"},
	{Name: "relation", Label: "relation", Type: FieldChoice, Vocabulary: Slugs(Relations), Default: string(RelationSelf),
		Placeholder: "REL", Hint: "the requester's relation to the subject"},
	{Name: "regime", Label: "regime", Type: FieldChoice, Placeholder: "R", Hint: "default: the organisation's first"},
	{Name: "language", MaxBytes: MaxNameBytes, Label: "language", Type: FieldText, Placeholder: "CODE", Hint: "of the letters, e.g. fr (default en)"},
	{Name: "received", Label: "received", Type: FieldTime, Placeholder: "TIME",
		Hint: "RFC 3339 or YYYY-MM-DD in the organisation's zone; default now"},
	{Name: "channel", Label: "channel", Type: FieldChoice, Vocabulary: Slugs(Channels), Placeholder: "CH",
		Hint: "how it arrived"},
	{Name: "text", MaxBytes: MaxRequestBytes, Label: "text", Type: FieldText, Placeholder: "TEXT", Hint: "the request's own words"},
}

// SplitIdentifiers reads several identifiers given in one cell or field,
// TYPE=VALUE;TYPE=VALUE (import's column, the new request form), into one
// value each, as ParseIntake reads them.
func SplitIdentifiers(cell string) []string {
	var out []string
	for _, part := range strings.Split(cell, ";") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// RulesFor resolves an organisation (and a regime, "" for its first) to
// its canonical ID and the rules its register freezes into a new case.
type RulesFor func(controller, regime string) (id string, rules Rules, err error)

// ParseIntake reads a new request's values, for add, import and the app's
// form alike, and returns it with the rules it is to be judged by. A value
// that cannot be read is refused naming its field; NewCases then checks the
// request as a whole. Names, addresses and the request's words are kept as
// given (they are evidence); slugs, e-mail, phone and times are trimmed.
func ParseIntake(v Values, rulesFor RulesFor) (Intake, Rules, error) {
	var in Intake
	get := func(name string) string { return strings.TrimSpace(v.One(name)) }
	for name, values := range v {
		if _, ok := intakeField(name); !ok {
			return in, Rules{}, &Refused{Field: name, Reason: fmt.Sprintf("a request has no %s", name)}
		}
		f, _ := intakeField(name)
		if len(values) > 1 && name != "identifier" && name != "right" {
			return in, Rules{}, &Refused{Field: name, Reason: fmt.Sprintf("%s is given once", name)}
		}
		for _, v := range values {
			if f.MaxBytes > 0 && len(v) > f.MaxBytes {
				return in, Rules{}, &Refused{Field: name, Reason: fmt.Sprintf("%s is %s long: at most %s",
					f.Label, overSize(len(v), f.MaxBytes), byteSize(f.MaxBytes))}
			}
		}
	}
	if get("controller") == "" {
		return in, Rules{}, refuse("controller", "the organisation is required")
	}
	id, rules, err := rulesFor(get("controller"), get("regime"))
	if err != nil {
		return in, Rules{}, fieldError("controller", err)
	}
	in = Intake{Controller: id, Subject: Subject{Name: v.One("subject"), Email: get("email"), Phone: get("phone"),
		PostalAddress: v.One("postal-address")}, Language: get("language"), Text: v.One("text")}
	for _, r := range v["right"] {
		rights, err := ParseRights(r)
		if err != nil {
			return in, Rules{}, fieldError("right", err)
		}
		in.Rights = append(in.Rights, rights...)
	}
	if len(in.Rights) == 0 {
		return in, Rules{}, refuse("right", "at least one right is required")
	}
	for _, pair := range v["identifier"] {
		if err := in.Subject.AddIdentifier(strings.TrimSpace(pair)); err != nil {
			return in, Rules{}, fieldError("identifier", err)
		}
	}
	if in.Requester, err = parseRequester(v.One("requester"), get("relation"), in.Subject.Name); err != nil {
		return in, Rules{}, err
	}
	if ch := get("channel"); ch != "" {
		if in.Channel, err = ParseChannel(ch); err != nil {
			return in, Rules{}, fieldError("channel", err)
		}
	}
	if received := get("received"); received != "" {
		loc, err := LoadZone(rules.Zone)
		if err != nil {
			return in, Rules{}, err
		}
		if in.ReceivedAt, err = ParseTime(received, loc); err != nil {
			return in, Rules{}, fieldError("received", fmt.Errorf("received: %w", err))
		}
	}
	return in, rules, nil
}

// parseRequester is who asks for the subject. A requester named without a
// relation is an agent; a relation other than self needs the requester's
// name (NewCases says so). A requester other than the subject with the
// relation self is a contradiction, refused rather than dropped.
func parseRequester(name, relation, subject string) (*Requester, error) {
	rel := RelationAgent
	if relation != "" {
		var err error
		if rel, err = ParseRelation(relation); err != nil {
			return nil, fieldError("relation", err)
		}
	}
	if rel != RelationSelf {
		if strings.TrimSpace(name) == "" && relation == "" {
			return nil, nil
		}
		return &Requester{Name: name, Relation: rel}, nil
	}
	if strings.TrimSpace(name) != "" && Fold(strings.TrimSpace(name)) != Fold(strings.TrimSpace(subject)) {
		return nil, refuse("relation", "the requester %q is not the subject: their relation is agent, parent, guardian or other",
			Printable(strings.TrimSpace(name)))
	}
	return nil, nil
}

// fieldError is err as a refusal about one field, keeping its words.
func fieldError(field string, err error) error {
	var r *Refused
	if errors.As(err, &r) {
		if r.Field == "" {
			return &Refused{Field: field, Reason: r.Reason}
		}
		return err
	}
	return &Refused{Field: field, Reason: err.Error(), err: err}
}

// overSize is the size of a value over the limit max, said so that it
// reads as more than max: in bytes where rounding would say the limit
// ("1.0 KB long: at most 1 KB" for 1,025 bytes).
func overSize(n, max int) string {
	if s := byteSize(n); s != byteSize(max) && s != strings.TrimSuffix(byteSize(max), " KB")+".0 KB" {
		return s
	}
	return fmt.Sprintf("%d bytes (%s)", n, byteSize(max)+" and "+Plural(n-max, "byte"))
}

// byteSize is a length in bytes as a person reads it: 900 bytes, 1 KB, 5.0 MB.
func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return Plural(n, "byte")
}

func intakeField(name string) (*Field, bool) {
	for i := range IntakeFields {
		if IntakeFields[i].Name == name {
			return &IntakeFields[i], true
		}
	}
	return nil, false
}
