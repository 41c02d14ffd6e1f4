package ui

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

// The action forms are made from the domain's description of each action
// (cases.Actions) and of a new request (cases.IntakeFields): their fields,
// labels, hints, required marks, vocabularies, defaults, titles and whether
// they ask before sending, so that a form and a command for the same
// action cannot disagree. The app adds only what is its own: the key of
// each action (actionKeys) and the options one case offers (caseOptions).

// formField is a field of the action or intake table as a form's input.
func formField(cf *cases.Field) field {
	var f field
	switch cf.Type {
	case cases.FieldChoice:
		f = choice(cf.Name, cf.Label, cf.Vocabulary, cf.Default)
	case cases.FieldMulti:
		f = multi(cf.Name, cf.Label, cf.Vocabulary, nil, false)
	case cases.FieldFiles:
		f = field{key: cf.Name, label: cf.Label, kind: fieldPath}
	default: // text, dates, times and names are typed
		f = text(cf.Name, cf.Label, "", false)
	}
	f.required, f.hint = cf.Required, cf.Hint
	return f
}

// actionFields are the fields of an action's form on one case.
func actionFields(a *cases.Action, d *caseDetail) ([]field, error) {
	fields := make([]field, 0, len(a.Fields)+1)
	for i := range a.Fields {
		fields = append(fields, formField(&a.Fields[i]))
	}
	fields, err := caseOptions(a.Name, d, fields)
	if err != nil {
		return nil, err
	}
	// Every action records when it really happened, which may be before
	// it is recorded: an extension notice e-mailed at 17:00 on the last
	// day and recorded next morning is in time.
	return append(fields, whenFields()...), nil
}

// refusedNow is why the case as it stands takes no action of this kind,
// whatever its form would hold, or "": the domain's own check (cases.Apply)
// of the action's event as a dry run, bare and then with a sample value in
// each field, where a refusal that names a field is one the form's values
// answer. So the app offers only what the service accepts, by the same
// rules (reopen on an open case, a close on a closed one, fee-paid with
// no fee asked).
func refusedNow(a *cases.Action, d *caseDetail) string {
	if d.state.Voided != nil {
		return "" // caseOptions says it in the case's words
	}
	probe := func(ev cases.Event) string {
		ev.Actor = "probe"
		_, _, err := cases.Apply(d.loaded.Case, ev, d.at)
		var r *cases.Refused
		if errors.As(err, &r) && r.Field == "" {
			return r.Reason
		}
		return ""
	}
	why := probe(cases.Event{Kind: a.Kind})
	if why == "" {
		return ""
	}
	sample := cases.Values{}
	for _, f := range a.Fields {
		switch {
		case len(f.Vocabulary) > 0:
			sample[f.Name] = []string{f.Vocabulary[0]}
		case f.Type == cases.FieldText:
			sample[f.Name] = []string{"probe"}
		}
	}
	if evs, err := a.Events(sample, "probe"); err == nil && len(evs) == 1 && probe(evs[0]) == "" {
		return ""
	}
	return why
}

// refusals are refusedNow of every action on the case, by action name.
func refusals(d *caseDetail) map[string]string {
	out := map[string]string{}
	for i := range cases.Actions {
		if why := refusedNow(&cases.Actions[i], d); why != "" {
			out[cases.Actions[i].Name] = why
		}
	}
	return out
}

// outcomesNow are the outcomes the case can close with as it stands: each
// tried as a dry run (cases.Apply) with what else it needs, and left out
// where the refusal is the outcome's own (no-data while the work list
// holds data, lapsed with nothing awaited); left says each of those with
// why.
func outcomesNow(d *caseDetail, outcomes []string) (out, left []string) {
	for _, o := range outcomes {
		ev := cases.Event{Kind: cases.EventClosed, Outcome: cases.Outcome(o), Actor: "probe", Reason: "probe"}
		if ev.Outcome.RefusesSomething() {
			for _, g := range cases.Grounds {
				if g.AppliesTo(d.loaded.Case.Right) && g != cases.GroundIdentityNotEstablished && g != cases.GroundNationalRestriction {
					ev.Grounds = []cases.Ground{g}
					break
				}
			}
		}
		if ev.Outcome == cases.OutcomeRedirected {
			ev.RedirectTo = "probe"
		}
		_, _, err := cases.Apply(d.loaded.Case, ev, d.at)
		if r := (*cases.Refused)(nil); errors.As(err, &r) && r.Field == "outcome" {
			why := r.Reason
			if !strings.HasPrefix(why, o+" ") {
				why = o + ": " + why
			}
			left = append(left, why)
			continue
		}
		out = append(out, o)
	}
	return out, left
}

// groundsFor are the grounds that can refuse the case's right, by the
// domain's rule (cases.Ground.AppliesTo): Art. 17(3) only on an erasure,
// not-portable only on portability.
func groundsFor(r cases.Right, grounds []string) []string {
	return slices.DeleteFunc(slices.Clone(grounds), func(g string) bool { return !cases.Ground(g).AppliesTo(r) })
}

// caseOptions fits an action's fields to the case: what it offers to choose
// (its recipients, tags, files) and where a choice starts. An action with
// nothing to offer on this case says why instead of opening.
func caseOptions(action string, d *caseDetail, fields []field) ([]field, error) {
	if v := d.state.Voided; v != nil && action != "note" {
		// What the service would refuse is not offered (a note is).
		return nil, fmt.Errorf("the case was voided on %s: it takes only a note", cases.DateOf(v.At, zone(d.state.Deadlines.Zone)))
	}
	at := func(key string) *field {
		if i := slices.IndexFunc(fields, func(x field) bool { return x.key == key }); i >= 0 {
			return &fields[i]
		}
		return &field{} // not in the table any more: TestEveryActionHasAForm says so
	}
	if g := at("ground"); g.kind == fieldChoice || g.kind == fieldMulti {
		g.reshapeOptions(groundsFor(d.loaded.Case.Right, g.options))
	}
	switch action {
	case "close":
		o := at("outcome")
		offered, left := outcomesNow(d, o.options)
		o.reshapeOptions(offered)
		if len(left) > 0 {
			o.unoffered = "not offered now: " + strings.Join(left, "; ")
		}
	case "work":
		return workFields(d, fields)
	case "send":
		at("letter").choose(string(cases.DefaultLetter(d.loaded.Case, d.state)))
		if d.loaded.Case.Subject.Email == "" {
			at("channel").choose(string(cases.ChannelPost))
		} else {
			at("channel").choose(string(cases.ChannelEmail))
		}
		// Asked as no or yes, so that a form left as it opens says neither;
		// a letter sent another way may name the file it was.
		at("draft-sent").reshape(choice("draft-sent", "", []string{"no", "yes"}, "no"))
		at("outside").reshape(choice("outside", "", []string{"no", "yes"}, "no"))
		file := field{key: "outside-file", label: "letter file", kind: fieldPath, hidden: true,
			hint: "the file it was, if any (its SHA-256 is recorded)"}
		i := slices.IndexFunc(fields, func(x field) bool { return x.key == "outside" })
		fields = slices.Insert(fields, i+1, file)
	case "notify":
		names := d.recipients()
		if len(names) == 0 {
			break
		}
		// The register's (or the chosen) recipients: Art. 19 is owed to
		// those the data went to, and notify takes no other (WORK.md).
		at("recipient").reshape(choice("recipient", "", names, ""))
	case "recipients":
		if d.register == nil {
			return nil, errors.New("the organisation's register is not loaded")
		}
		names, err := d.register.RecipientChoices()
		if err != nil {
			return nil, err
		}
		picked := d.state.Recipients
		if picked == nil {
			picked = names
		}
		only := at("only")
		only.reshape(multi("only", "", names, picked, false))
		// Nothing ticked would mean every recipient to register.Complete,
		// the opposite of what the screen shows: one tick is required.
		only.required = true
	case "untag":
		if len(d.state.Tags) == 0 {
			return nil, errors.New("the case has no tags")
		}
		at("tags").reshape(multi("tags", "", d.state.Tags, nil, false))
	case "withhold":
		var files []string
		for _, a := range d.state.Attachments {
			if _, done := d.state.Withheld[a.Name]; !done && a.Kind == cases.AttachmentDataCopy {
				files = append(files, a.Name)
			}
		}
		if len(files) == 0 {
			return nil, errors.New("no data-copy file to withhold")
		}
		at("file").reshape(choice("file", "", files, ""))
	case "correct":
		// Each fact says what the case holds now, so the value typed is
		// the one that replaces it.
		facts := at("field")
		facts.shown = nil
		for _, name := range facts.options {
			facts.shown = append(facts.shown, name+" (now "+currentFact(d, name)+")")
		}
	case "assign":
		if d.state.Assignee != "" {
			at("to").hint = d.state.Assignee
		}
	}
	return fields, nil
}

// reshapeOptions narrows a choice or a multiple choice to the options
// given, keeping the one chosen where it is still offered.
func (f *field) reshapeOptions(options []string) {
	was := f.value()
	if f.kind == fieldMulti {
		f.picked = make([]bool, len(options))
	}
	f.options, f.at = options, 0
	f.choose(was)
}

// reshape makes the field another kind with the options of one case,
// keeping its name, label, hint and required mark.
func (f *field) reshape(to field) {
	to.key, to.label, to.hint, to.required = f.key, f.label, f.hint, f.required
	*f = to
}

// choose puts a choice on the option v, if it offers it.
func (f *field) choose(v string) {
	if k := slices.Index(f.options, v); k >= 0 {
		f.at = k
	}
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

// refusalNeeds makes a refusal's grounds, reasons and law required as the
// outcome and grounds chosen call for them, and a redirect's target: on the
// forms that have grounds (close, withhold), by the fields' names.
func refusalNeeds(f *form) {
	grounds := f.get("ground")
	if grounds == nil || (f.name != "close" && f.name != "withhold") {
		return
	}
	refusing := true
	if o := f.get("outcome"); o != nil {
		v := cases.Outcome(o.value())
		refusing = v.RefusesSomething()
		if r := f.get("redirect-to"); r != nil {
			r.required = v == cases.OutcomeRedirected
		}
	}
	if grounds.kind == fieldMulti {
		grounds.required = refusing
	}
	if r := f.get("reason"); r != nil {
		r.required = refusing
	}
	if law := f.get("law"); law != nil {
		law.required = slices.Contains(append(grounds.values(), grounds.value()), string(cases.GroundNationalRestriction))
	}
}

// values are what the form's fields hold, by field name, as the action
// and intake tables read them: a text trimmed, a choice's option, a
// multiple choice's ticks; empty and hidden fields are left out, and the
// app's own (stamp puts them in the event).
func (f *form) values() cases.Values {
	v := cases.Values{}
	for i := range f.fields {
		x := &f.fields[i]
		if x.hidden || slices.Contains(ownFields, x.key) {
			continue
		}
		if x.kind == fieldMulti {
			if picked := x.values(); len(picked) > 0 {
				v[x.key] = picked
			}
		} else if s := x.value(); s != "" {
			v[x.key] = []string{s}
		}
	}
	// Send's "no" is the flag not given; "outside" is set by stamp.
	if v.One("draft-sent") == "no" {
		delete(v, "draft-sent")
	}
	if f.name == "send" {
		delete(v, "outside")
	}
	return v
}

// events are what the form records, read by its action (cases.Action.Events)
// and completed from the organisation's register where the action takes
// from it (the recipients, a re-baseline's rules).
func (f *form) events(actor string, reg *register.Register, regime string) ([]cases.Event, error) {
	evs, err := f.action.Events(f.values(), actor)
	if err != nil || !f.action.Register {
		return evs, err
	}
	if reg == nil {
		return nil, errors.New("the organisation's register is not loaded")
	}
	for i := range evs {
		if err := reg.Complete(&evs[i], regime); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// intakeValues are the new request form's values, its identifiers one a
// value as cases.ParseIntake reads them (the form takes several at once,
// separated by ';').
func (f *form) intakeValues() cases.Values {
	v := f.values()
	if ids, ok := v["identifier"]; ok {
		v["identifier"] = cases.SplitIdentifiers(ids[0])
	}
	return v
}

// currentFact is what the case holds now for an intake fact a correction
// changes, short enough for a choice: the contact details masked as on
// the case screen (r there reveals them, logged), a long text cut.
func currentFact(d *caseDetail, name string) string {
	c := d.loaded.Case
	var v string
	switch name {
	case "subject":
		v = c.Subject.Name
	case "email":
		if c.Subject.Email != "" {
			v = maskEmail(c.Subject.Email)
		}
	case "phone":
		if c.Subject.Phone != "" {
			v = maskPhone(c.Subject.Phone)
		}
	case "postal-address":
		if c.Subject.PostalAddress != "" {
			v = maskAddress(c.Subject.PostalAddress)
		}
	case "identifier":
		var ids []string
		for _, k := range slices.Sorted(maps.Keys(c.Subject.Identifiers)) {
			ids = append(ids, k+"="+c.Subject.Identifiers[k])
		}
		v = strings.Join(ids, "; ")
	case "requester", "relation":
		if r := c.Requester; r != nil && name == "requester" {
			v = r.Name
		} else if r != nil {
			v = string(r.Relation)
		}
	case "channel":
		v = string(c.Channel)
	case "language":
		v = c.Language
	case "text":
		v = strings.Join(strings.Fields(c.Text), " ")
	case "received":
		v = c.ReceivedAt.In(zone(d.state.Deadlines.Zone)).Format("2006-01-02 15:04 MST")
	}
	if v == "" {
		return "none"
	}
	if r := []rune(v); len(r) > 30 {
		v = string(r[:29]) + "…"
	}
	return cases.Printable(v)
}
