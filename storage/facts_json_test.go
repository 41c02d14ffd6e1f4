package storage

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"rightsdesk/cases"
)

// awkwardStrings are strings encoding/json changes: HTML characters,
// quotes and backslashes, control characters, the line separators it
// escapes, invalid UTF-8 (written as U+FFFD), and plain non-ASCII text.
var awkwardStrings = []string{`a <b> & "c" \ d`, "tab\there\nline\r\b\f", "\x00\x1f\x7f", "Łódź, Zürich, 東京",
	"line\u2028sep\u2029", "bad \xff\xfe utf-8", "\u202eevil", "plain", ""}

// fill sets every exported field v holds, recursively, to a value that is
// not its zero, strings to s: a field added to cases.Case or cases.View
// that the hand-written encoders do not write then shows in
// json.Marshal's bytes and not in theirs. Events are left out (a view
// with events goes to json.Marshal whole; facts hold none).
func fill(v reflect.Value, s string, n int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(n))
	case reflect.Uint64:
		v.SetUint(uint64(n))
	case reflect.Bool:
		v.SetBool(n%2 == 1)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), s, n)
	case reflect.Slice:
		if v.Type().Elem() == reflect.TypeFor[cases.Event]() {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fill(v.Index(0), s, n)
		fill(v.Index(1), "second "+s, n+1)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i, k := range []string{s, "b", "a"} {
			key, val := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(key, k, n+i)
			fill(val, s, n+i)
			v.SetMapIndex(key, val)
		}
	case reflect.Struct:
		switch v.Type() {
		case reflect.TypeFor[time.Time]():
			warsaw, _ := time.LoadLocation("Europe/Warsaw")
			v.Set(reflect.ValueOf(time.Date(2026, 3, 29, 1, 59, 59, 123456789+n, warsaw)))
			return
		case reflect.TypeFor[cases.Date]():
			v.Set(reflect.ValueOf(cases.Date{Year: 2026, Month: 2, Day: 1 + n%28}))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), s, n+i)
			}
		}
	}
}

// TestAppendFactsIsMarshal holds appendFacts to json.Marshal of a case
// without its events: every case of a demo, every field filled with
// awkward strings, and the zero case.
func TestAppendFactsIsMarshal(t *testing.T) {
	check := func(what string, c *cases.Case) {
		t.Helper()
		facts := *c
		facts.Events = nil
		want, err := json.Marshal(&facts)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		got, err := appendFacts(nil, c)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
		}
	}
	groups, _ := demoRequests(t, 300, 3)
	for _, group := range groups {
		for _, c := range group {
			check(c.ID, c)
		}
	}
	check("zero", &cases.Case{})
	for _, s := range awkwardStrings {
		var c cases.Case
		fill(reflect.ValueOf(&c).Elem(), s, 3)
		check("filled "+s, &c)
		c.Requester, c.Subject.Identifiers, c.Linked = nil, map[string]string{}, []string{}
		check("empties "+s, &c)
	}
	bad := cases.Case{ReceivedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := appendFacts(nil, &bad); err == nil {
		t.Fatal("a year json.Marshal refuses was written")
	}
}

// TestAppendViewIsMarshal holds appendView to json.Marshal of a view: the
// stored views of a demo's cases, every field filled with awkward
// strings, lists nil and empty, and the zero view.
func TestAppendViewIsMarshal(t *testing.T) {
	check := func(what string, v *cases.View) {
		t.Helper()
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		got, err := appendView(nil, v)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
		}
	}
	groups, now := demoRequests(t, 300, 4)
	for _, group := range groups {
		for i, c := range group {
			st, err := c.Derive(now)
			if err != nil {
				t.Fatal(err)
			}
			check(c.ID, cases.NewView(c, st, len(c.Events), false))
			if i == 0 {
				check(c.ID+" with its timeline", cases.NewView(c, st, len(c.Events), true))
			}
		}
	}
	check("zero", &cases.View{})
	for _, s := range awkwardStrings {
		var v cases.View
		fill(reflect.ValueOf(&v).Elem(), s, 2)
		check("filled "+s, &v)
		*v.ExtensionValid = !*v.ExtensionValid
		v.Steps, v.Warnings, v.Tags, v.Grounds, v.Requester = nil, []string{}, []string{}, nil, nil
		check("empties "+s, &v)
		v.Deadlines = nil
		check("no deadlines "+s, &v)
	}
}

// TestAppendStoredRecordIsMarshal holds appendStoredRecord to
// json.Marshal of a stored record: one encodeRecord makes, every field
// filled, the zero one, and raw values json.Marshal compacts and escapes.
func TestAppendStoredRecordIsMarshal(t *testing.T) {
	check := func(what string, s *storedRecord) {
		t.Helper()
		want, werr := json.Marshal(s)
		got, err := appendStoredRecord(nil, s)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%s: error %v, json.Marshal's %v", what, err, werr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
		}
	}
	check("zero", &storedRecord{})
	for _, str := range awkwardStrings {
		var s storedRecord
		fill(reflect.ValueOf(&s.record).Elem(), str, 5)
		s.record.Case, s.record.Retained = nil, nil
		raw, _ := json.Marshal(str)
		s.Case = json.RawMessage(`{ "a" : [1, 2], "b": ` + string(raw) + `, "c": "<&>" }`)
		s.Retained = []json.RawMessage{s.Case, json.RawMessage(`{"kind":"noted"}`)}
		check("filled "+str, &s)
		s.CopiesPurged, s.RecordPurged, s.Retained = nil, nil, []json.RawMessage{}
		check("none purged "+str, &s)
	}
	check("not JSON", &storedRecord{Case: json.RawMessage(`{"a":`)})
}

// TestAppendRulesIsMarshal holds appendRules to json.Marshal of a rule
// set: those of a demo's cases, every field filled with awkward strings,
// numbers zero, negative and large, and the zero rule set.
func TestAppendRulesIsMarshal(t *testing.T) {
	check := func(what string, r *cases.Rules) {
		t.Helper()
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := appendRules(nil, r); !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
		}
	}
	groups, _ := demoRequests(t, 300, 6)
	systems := 0
	for _, group := range groups {
		for _, c := range group {
			check(c.ID, &c.Rules)
			systems += len(c.Rules.Systems)
		}
	}
	if systems < 300 {
		t.Fatalf("%d systems: the demo does not cover enough", systems)
	}
	check("zero", &cases.Rules{})
	for i, s := range awkwardStrings {
		var r cases.Rules
		fill(reflect.ValueOf(&r).Elem(), s, i)
		check("filled "+s, &r)
		r.PromiseDays, r.PauseWindowDays, r.IdentityWaitDays, r.BackdateHours = 0, 0, -7, 1<<62
		r.Systems[1].Retention, r.Systems[0].Retention.ID, r.Systems[0].Categories = nil, "", []string{}
		r.ExtraHolidays, r.Approval = []cases.Date{}, nil
		check("empties "+s, &r)
	}
}
