package cases_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/cases/register"
)

// sameAsJSON checks that UnmarshalEvent reads data as json.Unmarshal does:
// the same event, or an error when it gives one. fast says whether the
// hand-written path read it.
func sameAsJSON(t testing.TB, data []byte) (fast bool) {
	t.Helper()
	var want, got cases.Event
	wantErr := json.Unmarshal(data, &want)
	gotErr := cases.UnmarshalEvent(data, &got)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("%s:\n error %v, json.Unmarshal's %v", data, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", data, got, want)
	}
	var ev cases.Event
	return cases.UnmarshalEventFast(data, &ev)
}

// TestUnmarshalEventIsJSON: every event of a demo (every kind the demo
// records, the received event with its facts and rules) reads as
// json.Unmarshal reads it, and by the hand-written path; so does each
// field set alone. Events in any other form (spaces, escapes, nulls,
// unknown or repeated keys, bad values) read as json.Unmarshal reads
// them too, errors included.
func TestUnmarshalEventIsJSON(t *testing.T) {
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	n := 1000
	if testing.Short() {
		n = 200
	}
	reqs, err := demo.Generate(demo.Options{Cases: n, Seed: 5, Now: now, Registers: regs.All()})
	if err != nil {
		t.Fatal(err)
	}
	kinds, events := map[cases.EventKind]bool{}, 0
	for _, group := range reqs {
		for _, c := range group {
			for i, ev := range c.Events {
				if i == 0 {
					ev.Facts = cases.FactsOf(c)
				}
				data, err := json.Marshal(&ev)
				if err != nil {
					t.Fatal(err)
				}
				if !sameAsJSON(t, data) {
					t.Fatalf("the hand-written path did not read %s", data)
				}
				// As the store keeps it: its commitments beside the fields.
				sealed := append(data[:len(data)-1:len(data)-1], `,"sealed":{"text":"0f3a"}}`...)
				if !sameAsJSON(t, sealed) {
					t.Fatalf("the hand-written path did not read %s", sealed)
				}
				kinds[ev.Kind] = true
				events++
			}
		}
	}
	if events < 5*n || len(kinds) < 12 {
		t.Fatalf("%d events of %d kinds: the demo no longer covers the event kinds", events, len(kinds))
	}

	// Each field alone, from the struct's own list, with a value of its type.
	d := cases.NewDate(2026, 3, 9)
	one := cases.Event{Kind: cases.EventSent, At: now, RecordedAt: now.Add(time.Minute), Actor: "anna", Reason: "r", Method: "m",
		Amount: "12 EUR", Letter: cases.LetterFinal, Channel: "email", To: "a@example.org", Checksum: "ab", Recipient: "x",
		Impossible: "y", Recipients: []string{"p", "q"}, Assignee: "marc", Tags: []string{}, Text: "Zoé «ok» 東京 \x7f",
		Attachment: &cases.Attachment{Name: "a.pdf", Size: 3}, File: "f", Outcome: cases.OutcomeRefused,
		Grounds: []cases.Ground{cases.GroundExcessive}, Law: "l", RedirectTo: "r", ReopenReason: cases.ReopenNewInformation,
		ExtendedTo: &d, Late: "late", Needs: []string{"id"}, DisclosedOn: &d, Item: "crm", Result: cases.ResultKept, What: "w",
		Files: []string{"a.csv"}, Until: &d, TriggerDate: &d, Review: &d, Customer: "c", Draft: true, Gaps: []string{"g"},
		LetterDate: &d, Outside: true, DraftSent: true, Overridden: []string{"actor"}, ReportedOrigin: "10.0.0.1 22",
		Field: "email", Value: "v", PurgedThrough: 18446744073709551615, Unattested: true,
		Approval: []cases.ApprovalCondition{}, External: &cases.Signoff{}, System: &cases.System{},
		Retained: []cases.Event{{Kind: cases.EventNoted, Text: "kept"}}}
	all, err := json.Marshal(&one)
	if err != nil {
		t.Fatal(err)
	}
	if !sameAsJSON(t, all) {
		t.Fatalf("the hand-written path did not read every field: %s", all)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(all, &fields); err != nil {
		t.Fatal(err)
	}
	for name, raw := range fields {
		if !sameAsJSON(t, []byte(`{"`+name+`":`+string(raw)+`}`)) {
			t.Errorf("the hand-written path did not read %s alone", name)
		}
	}
	// What the store does not write, each read as json.Unmarshal reads it.
	for _, data := range []string{
		`{}`, `{"kind":"noted"}`, ` {"kind":"noted"}`, `{"kind": "noted"}`, `{"kind":"noted" }`, `{"kind":"noted",}`,
		`{"kind":"noted","kind":"tagged"}`, `{"Kind":"noted"}`, `{"KIND":"noted","text":"x"}`, `{"unknown":1,"kind":"noted"}`,
		`{"kind":null}`, `{"text":"a\"b"}`, `{"text":"a\u00e9\n"}`, `{"text":"\ud800"}`, "{\"text\":\"\xff\xfe\"}",
		"{\"text\":\"a\x01b\"}", `{"text":"é"}`, `{"text":1}`, `{"text":"x"`, `{"text":"x"}x`, `{"text":"x"}}`, `[]`, `null`, ``,
		`{"at":"2026-03-09T10:00:00Z"}`, `{"at":"2026-03-09T10:00:00+01:00"}`, `{"at":"2026-03-09 10:00:00"}`, `{"at":null}`,
		`{"at":"2026-03-09T10:00:00.123456789-07:00","recorded_at":"2026-03-09T25:00:00Z"}`, `{"at":12}`,
		`{"until":"2026-03-09"}`, `{"until":"2026-02-30"}`, `{"until":null}`, `{"until":"2026-3-9"}`, `{"until":"2026\u002d03-09"}`,
		`{"draft":true}`, `{"draft":false}`, `{"draft":"true"}`, `{"draft":tru}`, `{"draft":null}`,
		`{"tags":[]}`, `{"tags":null}`, `{"tags":["a","b"]}`, `{"tags":["a",]}`, `{"tags":["a" ,"b"]}`, `{"tags":[1]}`,
		`{"tags":["a\"b"]}`, `{"tags":"a"}`, `{"grounds":["excessive"]}`, `{"grounds":[]}`,
		`{"purged_through":7}`, `{"purged_through":0}`, `{"purged_through":07}`, `{"purged_through":-1}`,
		`{"purged_through":1e3}`, `{"purged_through":1.0}`, `{"purged_through":18446744073709551616}`,
		`{"facts":{"controller":"crisp"}}`, `{"facts":null}`, `{"facts":{"controller":"cr}isp"}}`, `{"facts":{"x":"\"}"}}`,
		`{"facts":[]}`, `{"facts":{]}`, `{"rules":{"regime":"eu-gdpr"},"kind":"received"}`, `{"approval":[]}`,
		`{"approval":{}}`, `{"retained":[{"kind":"noted","text":"t"}]}`, `{"attachment":{"name":"a"},"attachment":{"size":1}}`,
		`{"system":{"id":"crm"}}`, `{"external":{}}`, `{"kind":"noted","sealed":{"text":"ab12"}}`, `{"sealed":{"text":}}`,
		`{"sealed":null}`, `{"sealed":{"a":"b"},"sealed":{}}`, `{"Sealed":{}}`, `{"text":"` + strings.Repeat("é", 300) + `"}`,
	} {
		sameAsJSON(t, []byte(data))
	}
}

// FuzzUnmarshalEvent: any bytes read as json.Unmarshal reads them.
func FuzzUnmarshalEvent(f *testing.F) {
	for _, s := range []string{`{"kind":"noted","at":"2026-03-09T10:00:00Z","actor":"anna","text":"x"}`,
		`{"tags":["a","b"],"draft":true,"until":"2026-03-09","purged_through":3}`,
		`{"facts":{"controller":"crisp"},"rules":{"regime":"eu-gdpr"}}`, `{"text":"a\"b"}`,
		`{"rules":{"promise_days":3,"systems":[{"id":"a\u00e9\n","retention":{"data":"d"}}],"extra_holidays":["2026-01-02"]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameAsJSON(t, data) })
}

// BenchmarkUnmarshalEvent reads every event of a 100-case demo, as the
// store keeps them (with their commitments), by json.Unmarshal and by
// UnmarshalEvent.
func BenchmarkUnmarshalEvent(b *testing.B) {
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		b.Fatal(err)
	}
	reqs, err := demo.Generate(demo.Options{Cases: 100, Seed: 5, Now: time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC), Registers: regs.All()})
	if err != nil {
		b.Fatal(err)
	}
	var events [][]byte
	for _, group := range reqs {
		for _, c := range group {
			for _, ev := range c.Events {
				data, _ := json.Marshal(&ev)
				events = append(events, append(data[:len(data)-1:len(data)-1], `,"sealed":{"text":"0f3a"}}`...))
			}
		}
	}
	for _, r := range []struct {
		name string
		read func([]byte, *cases.Event) error
	}{{"json", func(d []byte, ev *cases.Event) error { return json.Unmarshal(d, ev) }}, {"hand", cases.UnmarshalEvent}} {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				for _, data := range events {
					var ev cases.Event
					if err := r.read(data, &ev); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// TestUnmarshalRulesIsJSON: every rule set the embedded registers give a
// demo's cases reads by the hand-written path (unmarshalRulesFast) as
// json.Unmarshal reads it, alone and inside its received event; so does a
// rule set with every field set, awkward strings included; rule sets in
// any other form read as json.Unmarshal reads them, errors included.
func TestUnmarshalRulesIsJSON(t *testing.T) {
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	reqs, err := demo.Generate(demo.Options{Cases: 300, Seed: 7, Now: now, Registers: regs.All()})
	if err != nil {
		t.Fatal(err)
	}
	fastRules := func(data []byte) {
		t.Helper()
		var want, got cases.Rules
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if !cases.UnmarshalRulesFast(data, &got) {
			t.Fatalf("the hand-written path did not read %s", data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", data, got, want)
		}
	}
	sets, systems := 0, 0
	for _, group := range reqs {
		for _, c := range group {
			data, err := json.Marshal(&c.Rules)
			if err != nil {
				t.Fatal(err)
			}
			fastRules(data)
			ev := cases.Event{Kind: cases.EventReceived, At: now, RecordedAt: now, Actor: "anna", Rules: &c.Rules}
			event, err := json.Marshal(&ev)
			if err != nil {
				t.Fatal(err)
			}
			if !sameAsJSON(t, event) {
				t.Fatalf("the hand-written path did not read %s", event)
			}
			sets++
			systems += len(c.Rules.Systems)
		}
	}
	if sets < 300 || systems < 300 {
		t.Fatalf("%d rule sets with %d systems: the demo does not cover enough", sets, systems)
	}
	for _, s := range []string{`a <b> & "c" \ d`, "tab\there\r\n\b\f\x00\x1f", "Łódź, 東京", "line\u2028sep\u2029", "bad \xff utf-8",
		"\U0001F600 outside the BMP", "plain", ""} {
		full := cases.Rules{Regime: s, Zone: s, Calendar: s, ExtraHolidays: []cases.Date{cases.NewDate(2026, 1, 2), cases.NewDate(2026, 12, 31)},
			PromiseDays: -3, Pause: cases.PauseNone, PauseWindowDays: 10, ActByWorkingDays: 0, ForwardWorkingDays: 7,
			ComplaintTargetDays: 9223372036854775807, IdentityWaitDays: 1, BackdateHours: 48, EarliestClock: true,
			Systems: []cases.System{{ID: s, Name: s, Categories: []string{s, "b"}, Rights: []cases.Right{cases.RightAccess},
				Role: s, Customer: s, Recipient: s, Retention: &cases.RetentionRule{ID: s, Data: s, Length: "1y", Period: s,
					From: s, Law: s, Ground: cases.Ground(s), Gap: s}, Source: s}, {Categories: []string{}, Retention: &cases.RetentionRule{}}},
			Purposes:    []cases.PurposeItem{{ID: s, Purpose: s, Basis: s, DirectMarketing: true, Source: s}, {}},
			Assumptions: []string{s}, Approval: []cases.ApprovalCondition{cases.ApprovalFinal, cases.ApprovalCondition(s)}, Source: s}
		data, err := json.Marshal(&full)
		if err != nil {
			t.Fatal(err)
		}
		fastRules(data)
		ev := cases.Event{Kind: cases.EventReceived, At: now, RecordedAt: now, Actor: "anna", Rules: &full}
		event, _ := json.Marshal(&ev)
		sameAsJSON(t, event)
	}
	for _, rules := range []string{
		`{}`, `{"regime":"eu-gdpr"}`, `{"regime":"eu-gdpr","regime":"uk"}`, `{"Regime":"eu-gdpr"}`, `{"regime":null}`,
		`{"regime": "eu-gdpr"}`, `{"unknown":1}`, `{"promise_days":07}`, `{"promise_days":1e2}`, `{"promise_days":1.5}`,
		`{"promise_days":-0}`, `{"promise_days":99999999999999999999}`, `{"promise_days":"3"}`, `{"promise_days":null}`,
		`{"earliest_clock":true}`, `{"earliest_clock":1}`, `{"extra_holidays":[]}`, `{"extra_holidays":["2026-02-30"]}`,
		`{"extra_holidays":["2026-01-02","2026-12-31"]}`, `{"extra_holidays":null}`, `{"systems":[]}`, `{"systems":[{}]}`,
		`{"systems":[{"id":"a","id":"b"}]}`, `{"systems":[{"retention":{}}]}`, `{"systems":[{"retention":null}]}`,
		`{"systems":[{"retention":{"data":"x","unknown":1}}]}`, `{"systems":[{"rights":["access",1]}]}`, `{"systems":{}}`,
		`{"systems":[{},]}`, `{"systems":[{} ,{}]}`, `{"purposes":[{"direct_marketing":false}]}`, `{"purposes":[null]}`,
		`{"approval":["final"]}`, `{"source":"a\/b\u00e9\u00E9"}`, `{"source":"\ud83d\ude00"}`, `{"source":"\ud83d"}`,
		`{"source":"\u12"}`, `{"source":"\u+123"}`, `{"source":"\x41"}`, `{"source":"a\"}`, "{\"source\":\"\xff\"}",
		"{\"source\":\"a\tb\"}", `{"assumptions":[]}`, `{"assumptions":[""]}`, `{"source":"dpo"}`, `[]`, `{"regime":"eu-gdpr"`,
	} {
		sameAsJSON(t, []byte(`{"kind":"received","rules":`+rules+`}`))
		var want, got cases.Rules
		wantErr, gotErr := json.Unmarshal([]byte(rules), &want), cases.UnmarshalRules([]byte(rules), &got)
		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Fatalf("UnmarshalRules(%s): error %v, json.Unmarshal's %v", rules, gotErr, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("UnmarshalRules(%s):\n got %+v\nwant %+v", rules, got, want)
		}
	}
}
