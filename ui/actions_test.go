package ui

import (
	"slices"
	"testing"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// wantKind is the form's kind of a field of the action and intake tables.
func wantKind(t cases.FieldType) fieldKind {
	switch t {
	case cases.FieldChoice:
		return fieldChoice
	case cases.FieldMulti:
		return fieldMulti
	case cases.FieldFiles:
		return fieldPath
	}
	return fieldText
}

// offersOf reports whether a choice offers the table's vocabulary, or the
// part of it the case can take (the results of its right, the grounds of
// the result chosen), after "no" for an optional yes that is not given.
func offersOf(x field, cf cases.Field) bool {
	opts := x.options
	if !cf.Required && len(opts) > 0 && opts[0] == "no" && !slices.Contains(cf.Vocabulary, "no") {
		opts = opts[1:]
	}
	if len(opts) == 0 {
		return false
	}
	for _, o := range opts {
		if !slices.Contains(cf.Vocabulary, o) {
			return false
		}
	}
	return true
}

// sameFields checks a form's fields against the table's: the same names in
// the same order, labels, required marks and vocabularies. A typed field
// may become a choice of what the case offers (its tags, files,
// recipients, work items); app lists the fields the app adds and
// tightened those it makes required although the table does not.
func sameFields(t *testing.T, what string, got []field, want []cases.Field, app, tightened []string) {
	t.Helper()
	got = slices.DeleteFunc(slices.Clone(got), func(x field) bool { return slices.Contains(app, x.key) })
	if len(got) != len(want) {
		t.Errorf("%s: %d fields, the table has %d", what, len(got), len(want))
		return
	}
	for i, cf := range want {
		x := got[i]
		switch {
		case x.key != cf.Name || x.label != cf.Label:
			t.Errorf("%s: field %d is %q (%q), the table's %q (%q)", what, i, x.key, x.label, cf.Name, cf.Label)
		case x.required != cf.Required && !slices.Contains(tightened, cf.Name):
			t.Errorf("%s: %s required %v, the table says %v", what, cf.Name, x.required, cf.Required)
		case cf.Vocabulary != nil && !offersOf(x, cf):
			t.Errorf("%s: %s offers %q, the table %q", what, cf.Name, x.options, cf.Vocabulary)
		case x.kind != wantKind(cf.Type) && (cf.Vocabulary != nil || len(x.options) == 0):
			t.Errorf("%s: %s is of kind %d, not %d", what, cf.Name, x.kind, wantKind(cf.Type))
		case x.hint != cf.Hint:
			t.Errorf("%s: %s hints %q, the table %q", what, cf.Name, x.hint, cf.Hint)
		}
	}
}

// TestEveryActionHasAForm: every action of the domain's table has a key on
// the case screen and a form whose fields are the action's (the fields it
// would have where the case's state does not take it now), so that an
// action cannot be added without its form; and no key names an action the
// table does not have.
func TestEveryActionHasAForm(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	// A case with something for every form to offer: a tag, a data copy,
	// a work list (a system added for this case).
	for _, e := range []cases.Event{{Kind: cases.EventTagged, Tags: []string{"vip"}, Actor: "anna"},
		{Kind: cases.EventAttached, Attachment: &cases.Attachment{Name: "crm.csv", Kind: cases.AttachmentDataCopy}, Actor: "anna"},
		{Kind: cases.EventWorkAdded, System: &cases.System{Name: "the old CRM export"}, Actor: "anna"}} {
		if _, err := s.Apply(ids[0], e, storage.NoRevision, clk.t); err != nil {
			t.Fatal(err)
		}
	}
	m = drive(t, m, m.openCase(ids[0], false)())
	keys := DefaultKeys().Case
	for name := range actionKeys {
		if _, ok := cases.ActionNamed(name); !ok {
			t.Errorf("a key for %q, which is not an action", name)
		}
	}
	for i := range cases.Actions {
		a := &cases.Actions[i]
		if len(keys.form(a.Name).Keys()) == 0 {
			t.Errorf("%s has no key", a.Name)
		}
		opened := m.openForm(a)
		f := opened.form
		if f == nil && refusedNow(a, m.kase.detail) != "" {
			// Not offered in this state (reopen on an open case): its
			// form is the one it would open in another.
			fields, err := actionFields(a, m.kase.detail)
			if err != nil {
				t.Errorf("%s: %v", a.Name, err)
				continue
			}
			f = &form{title: a.Title + " · " + ids[0], action: a, fields: fields}
		}
		if f == nil {
			t.Errorf("%s: no form (%s)", a.Name, opened.err)
			continue
		}
		if f.title != a.Title+" · "+ids[0] || f.action != a {
			t.Errorf("%s: the form is %q", a.Name, f.title)
		}
		table := a.Fields
		if a.Name == "correct" {
			// The new value's hint is the chosen fact's (fitCorrection).
			table = slices.Clone(a.Fields)
			for i := range table {
				if table[i].Name == "value" {
					table[i].Hint = f.get("value").hint
				}
			}
		}
		sameFields(t, a.Name, f.fields, table, append([]string{"other"}, ownFields...), []string{"only"})
	}
}

// TestNewRequestFormIsTheIntake: the new request form's fields are the
// intake table's, its organisations the registers', its regimes those of
// the organisation chosen; the receipt time's hint is the form's own, as
// an action's "when" (fitReceived).
func TestNewRequestFormIsTheIntake(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = press(t, m, "esc", "n")
	want := slices.Clone(cases.IntakeFields)
	for i := range want {
		switch want[i].Name {
		case "identifier":
			want[i].Hint += "; several with ;"
		case "received":
			want[i].Hint = m.form.get("received").hint
		}
	}
	sameFields(t, "new request", m.form.fields, want, nil, nil)
	if org := m.form.get("controller"); !slices.Equal(org.options, m.opt.Registers.IDs()) {
		t.Errorf("organisations %q", org.options)
	}
}
