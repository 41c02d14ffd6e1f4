package cases

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestActionsCoverEveryUserEvent(t *testing.T) {
	// Every event a user records has exactly one action; received, exported
	// and purged are written by add, export and purge. Approve and reject
	// are described beside the table (approval.go), not in it.
	byKind := map[EventKind]string{}
	names := map[string]bool{}
	for _, a := range append(slices.Clone(Actions), ApproveAction, RejectAction) {
		if other, twice := byKind[a.Kind]; twice {
			t.Errorf("%s and %s both record %s", other, a.Name, a.Kind)
		}
		byKind[a.Kind] = a.Name
		if names[a.Name] {
			t.Errorf("action %s twice", a.Name)
		}
		names[a.Name] = true
		if a.Title == "" || a.Summary == "" || !strings.HasPrefix(a.Example, "rightsdesk "+a.CommandName()+" ") {
			t.Errorf("%s: title %q, summary %q, example %q", a.Name, a.Title, a.Summary, a.Example)
		}
		for _, f := range a.Fields {
			if f.set == nil && f.Type != FieldFiles {
				t.Errorf("%s: field %s lands nowhere in the event", a.Name, f.Name)
			}
			if (f.Type == FieldChoice || f.Type == FieldMulti) && len(f.Vocabulary) == 0 {
				t.Errorf("%s: %s offers nothing", a.Name, f.Name)
			}
			if f.Default != "" && !slices.Contains(f.Vocabulary, f.Default) {
				t.Errorf("%s: %s starts on %q, outside its vocabulary", a.Name, f.Name, f.Default)
			}
		}
	}
	for _, k := range EventKinds {
		_, has := byKind[k]
		if wantAction := !slices.Contains([]EventKind{EventReceived, EventExported, EventPurged, EventMigrated}, k); has != wantAction {
			t.Errorf("%s: has an action %v, want %v", k, has, wantAction)
		}
	}
}

func TestActionEventsFromValues(t *testing.T) {
	until := mustDate(t, "2026-04-30")
	tests := []struct {
		action string
		values Values
		want   Event
	}{
		{"request-id", Values{"reason": {"  the address differs "}}, Event{Reason: "  the address differs "}},
		{"verify", Values{"method": {"security question"}}, Event{Method: "security question"}},
		{"request-fee", Values{"amount": {"EUR 25"}, "reason": {"fourth copy"}}, Event{Amount: "EUR 25", Reason: "fourth copy"}},
		{"extend", Values{"reason": {"many systems"}, "until": {"2026-04-30"}}, Event{Reason: "many systems", ExtendedTo: &until}},
		{"send", Values{"letter": {"final"}, "channel": {"post"}, "to": {"1 rue X"}},
			Event{Letter: LetterFinal, Channel: ChannelPost, To: "1 rue X"}},
		{"send", nil, Event{}},
		{"notify", Values{"recipient": {"Stripe"}, "impossible": {"gone"}}, Event{Recipient: "Stripe", Impossible: "gone"}},
		{"recipients", Values{"only": {"Stripe", "Intercom"}}, Event{Recipients: []string{"Stripe", "Intercom"}}},
		{"assign", Values{"to": {"marc"}}, Event{Assignee: "marc"}},
		{"tag", Values{"tags": {"vip press", "late"}}, Event{Tags: []string{"vip", "press", "late"}}},
		{"untag", Values{"tags": {"vip"}}, Event{Tags: []string{"vip"}}},
		{"note", Values{"text": {"called back"}}, Event{Text: "called back"}},
		{"withhold", Values{"file": {"a.csv"}, "ground": {"rights-of-others"}, "reason": {"names others"}},
			Event{File: "a.csv", Grounds: []Ground{GroundRightsOfOthers}, Reason: "names others"}},
		{"close", Values{"outcome": {"refused"}, "ground": {"excessive,manifestly-unfounded", "national-restriction"},
			"reason": {"why"}, "law": {"Loi 78-17"}},
			Event{Outcome: OutcomeRefused, Grounds: []Ground{GroundExcessive, GroundManifestlyUnfounded, GroundNationalRestriction},
				Reason: "why", Law: "Loi 78-17"}},
		{"close", Values{"outcome": {"redirected"}, "redirect-to": {"Acme SA"}}, Event{Outcome: OutcomeRedirected, RedirectTo: "Acme SA"}},
		{"reopen", Values{"reason": {"complaint"}}, Event{ReopenReason: ReopenComplaint}},
		{"rebaseline", Values{"reason": {"zone corrected"}}, Event{Reason: "zone corrected"}},
	}
	for _, tt := range tests {
		a, ok := ActionNamed(tt.action)
		if !ok {
			t.Fatalf("no action %s", tt.action)
		}
		got, err := a.Events(tt.values, "anna")
		if err != nil {
			t.Errorf("%s %v: %v", tt.action, tt.values, err)
			continue
		}
		tt.want.Kind, tt.want.Actor = a.Kind, "anna"
		if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
			t.Errorf("%s %v:\n got %+v\nwant %+v", tt.action, tt.values, got, tt.want)
		}
	}
}

func TestAttachIsOneEventPerFile(t *testing.T) {
	a, _ := ActionNamed("attach")
	got, err := a.Events(Values{"file": {"/tmp/x/orders.csv", "tickets.json"}, "system": {"shop"}}, "anna")
	if err != nil || len(got) != 2 {
		t.Fatalf("%v, %v", got, err)
	}
	for i, name := range []string{"orders.csv", "tickets.json"} {
		att := got[i].Attachment
		if att.Name != name || att.Kind != AttachmentDataCopy || att.System != "shop" {
			t.Errorf("file %d: %+v", i, att)
		}
	}
	if got[0].Attachment == got[1].Attachment {
		t.Error("the events share one attachment")
	}
	if _, err := a.Events(Values{"kind": {"internal"}}, "anna"); fieldOf(err) != "file" {
		t.Errorf("no file: %v", err)
	}
}

func fieldOf(err error) string {
	var r *Refused
	if !errors.As(err, &r) {
		return "(not a refusal)"
	}
	return r.Field
}

func TestActionValuesRefusedNameTheirField(t *testing.T) {
	tests := []struct {
		action string
		values Values
		field  string
	}{
		{"close", Values{"outcome": {"maybe"}}, "outcome"},
		{"close", Values{"outcome": {"refused"}, "ground": {"excessive,because"}}, "ground"},
		{"close", nil, "outcome"},
		{"reopen", nil, "reason"},
		{"reopen", Values{"reason": {"boredom"}}, "reason"},
		{"send", Values{"letter": {"love-letter"}}, "letter"},
		{"send", Values{"channel": {"pigeon"}}, "channel"},
		{"extend", Values{"reason": {"x"}, "until": {"2026-02-30"}}, "until"},
		{"attach", Values{"file": {"a"}, "kind": {"secret"}}, "kind"},
		{"note", Values{"text": {"a", "b"}}, "text"},
		{"note", Values{"colour": {"red"}}, "colour"},
		{"withhold", Values{"file": {"a"}, "ground": {"excessive", "rights-of-others"}}, "ground"},
	}
	for _, tt := range tests {
		a, _ := ActionNamed(tt.action)
		_, err := a.Events(tt.values, "anna")
		if got := fieldOf(err); got != tt.field {
			t.Errorf("%s %v: refusal about %q (%v), want %q", tt.action, tt.values, got, err, tt.field)
		}
		if err != nil && strings.Contains(err.Error(), "--") {
			t.Errorf("%s: %q names a flag", tt.action, err)
		}
	}
}

// TestDomainRefusalsNameActionFields holds the transitions to the table:
// every field a refusal names is a field of the action refused.
func TestDomainRefusalsNameActionFields(t *testing.T) {
	c := newCase(t, RightAccess, &Requester{Name: "Maître Vasseur", Relation: RelationAgent})
	for _, a := range Actions {
		evs, err := a.Events(nil, "anna")
		if err != nil {
			continue // a value the command line or the form always asks for
		}
		ev := evs[0]
		ev.At = day(1)
		_, _, err = Apply(c, ev, day(1).Add(time.Hour))
		var r *Refused
		if errors.As(err, &r) && r.Field != "" {
			if _, ok := a.Field(r.Field); !ok {
				t.Errorf("%s refused about %q, which it has no field for: %v", a.Name, r.Field, err)
			}
		}
	}
}

func TestIntakeOneParser(t *testing.T) {
	rulesFor := func(controller, regime string) (string, Rules, error) {
		if controller != "crisp" {
			return "", Rules{}, errors.New(`unknown organisation "` + controller + `"`)
		}
		return "crisp", Rules{Regime: "eu-gdpr", Zone: "Europe/Paris", Calendar: "FR"}, nil
	}
	base := func(extra Values) Values {
		v := Values{"controller": {" crisp "}, "right": {"access,erasure"}, "subject": {" Zoé "}, "email": {" z@example.org "}}
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	in, _, err := ParseIntake(base(Values{"requester": {"Maître Vasseur"}, "identifier": {"customer=C-1", "order=O=1;2"},
		"received": {"2026-11-02"}, "channel": {"web"}, "text": {"  my data\nplease "}}), rulesFor)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	if in.Controller != "crisp" || !slices.Equal(in.Rights, []Right{RightAccess, RightErasure}) || in.Subject.Name != " Zoé " ||
		in.Subject.Email != "z@example.org" || in.Requester == nil || in.Requester.Relation != RelationAgent ||
		in.Subject.Identifiers["order"] != "O=1;2" || in.Channel != ChannelWeb || in.Text != "  my data\nplease " ||
		!in.ReceivedAt.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, paris)) {
		t.Errorf("intake %+v", in)
	}
	// The subject asking for themselves under their own name is no requester.
	in, _, err = ParseIntake(base(Values{"requester": {"zoé"}, "relation": {"self"}}), rulesFor)
	if err != nil || in.Requester != nil {
		t.Errorf("self: %+v, %v", in.Requester, err)
	}
	for _, tt := range []struct {
		values Values
		field  string
	}{
		{base(Values{"requester": {"Jane Parent"}, "relation": {"self"}}), "relation"},
		{base(Values{"relation": {"cousin"}}), "relation"},
		{base(Values{"controller": {"acme"}}), "controller"},
		{base(Values{"controller": nil}), "controller"},
		{base(Values{"right": {"acces"}}), "right"},
		{base(Values{"right": nil}), "right"},
		{base(Values{"identifier": {"customer=1", "customer=2"}}), "identifier"},
		{base(Values{"identifier": {"order"}}), "identifier"},
		{base(Values{"received": {"2026-02-30"}}), "received"},
		{base(Values{"channel": {"fax"}}), "channel"},
		{base(Values{"shoe": {"42"}}), "shoe"},
		{base(Values{"email": {"a@x", "b@x"}}), "email"},
		{base(Values{"subject": {strings.Repeat("Zoé ", 300)}}), "subject"},     // 1.5 KB: a name is at most 1 KB
		{base(Values{"text": {strings.Repeat("all my data ", 30000)}}), "text"}, // 360 KB: a request at most 256 KB
	} {
		_, _, err := ParseIntake(tt.values, rulesFor)
		if got := fieldOf(err); got != tt.field {
			t.Errorf("%v: refusal about %q (%v), want %q", tt.values, got, err, tt.field)
		}
	}
}
