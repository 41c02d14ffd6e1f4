package storage

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/cases/register"
)

// sealByMarshal is seal as it was written with json.Marshal, the format's
// definition: the personal fields taken out, each committed to, the
// content json.Marshal's with the commitments as a map under "sealed".
func sealByMarshal(t testing.TB, ev cases.Event, s salter, seq uint64) []byte {
	t.Helper()
	ev.Unattested = false
	ev.Facts = ownFacts(ev.Facts)
	sealed := map[string]string{}
	for _, pf := range personalFields {
		raw, err := takePersonal(&ev, pf, func(v string) ([]byte, error) { return json.Marshal(v) })
		if err != nil {
			t.Fatal(err)
		}
		if raw != nil {
			sealed[pf.name] = fieldDigest(s.salt(seq, pf.name), pf.name, raw)
		}
	}
	content, err := json.Marshal(&ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) > 0 {
		list, _ := json.Marshal(sealed)
		content = append(append(append(content[:len(content)-1], `,"sealed":`...), list...), '}')
	}
	return content
}

// TestAppendContentIsMarshal: the contents seal writes by hand (hashed
// and signed) are, byte for byte, those json.Marshal wrote: over every
// event of a 2,000-case demo, sealed with the demo's seed, and over
// events whose strings encoding/json escapes (HTML, controls, DEL,
// U+2028, invalid UTF-8, non-ASCII), times in other zones and with
// nanoseconds, and every field of cases.Event set one at a time, so that
// a field added to the event and not to appendContent fails here.
func TestAppendContentIsMarshal(t *testing.T) {
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	n := 2000
	if testing.Short() {
		n = 400
	}
	reqs, err := demo.Generate(demo.Options{Cases: n, Seed: 5, Now: now, Registers: regs.All()})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	s := salter{seed: []byte("rightsdesk demo 5"), id: "DSR-2026-000007"}
	check := func(what string, ev cases.Event) {
		t.Helper()
		want := sealByMarshal(t, ev, s, 3)
		got, _, _, _, _, err := seal(ev, s, 3)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
		}
		plain, err := appendContent(nil, &ev)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if want, _ := json.Marshal(&ev); !bytes.Equal(plain, want) {
			t.Fatalf("%s, unsealed:\n got %s\nwant %s", what, plain, want)
		}
		checked++
	}
	kinds := map[cases.EventKind]bool{}
	for _, group := range reqs {
		for _, c := range group {
			for i, ev := range c.Events {
				if i == 0 {
					ev.Facts = cases.FactsOf(c)
				}
				kinds[ev.Kind] = true
				check(string(ev.Kind), ev)
			}
		}
	}
	if checked < 10*n || len(kinds) < 20 {
		t.Fatalf("%d events of %d kinds: the demo does not cover enough", checked, len(kinds))
	}

	warsaw, _ := time.LoadLocation("Europe/Warsaw")
	base := cases.Event{Kind: cases.EventNoted, At: time.Date(2026, 3, 29, 1, 59, 59, 123456789, warsaw),
		RecordedAt: time.Date(2026, 3, 29, 3, 0, 0, 0, warsaw), Actor: "anna"}
	for _, text := range []string{`a <b> & "c" \ d`, "tab\there\nline\r\b\f", "\x00\x1f\x7f", "Łódź, Zürich, 東京",
		"line\u2028sep\u2029", "bad \xff\xfe utf-8", "\u202eevil", "plain"} {
		ev := base
		ev.Actor, ev.Law, ev.Text, ev.Tags = text, text, text, []string{text, "x"}
		check("strings "+text, ev)
		ev.Facts = &cases.Facts{Subject: cases.Subject{Name: text, Identifiers: map[string]string{text: text}}, Text: text}
		check("facts "+text, ev)
	}

	// Every field of the event, set alone.
	typ := reflect.TypeFor[cases.Event]()
	for i := range typ.NumField() {
		ev := base
		f := reflect.ValueOf(&ev).Elem().Field(i)
		setSample(f)
		if f.IsZero() {
			t.Fatalf("field %s: no sample value", typ.Field(i).Name)
		}
		check("field "+typ.Field(i).Name, ev)
	}
}

// setSample sets v to a value that is not its zero: what each kind of
// field of cases.Event holds (an event's retained events hold one level
// of their own).
func setSample(v reflect.Value) { setSampleIn(v, 0) }

func setSampleIn(v reflect.Value, depth int) {
	if depth > 6 {
		return
	}
	setSample := func(v reflect.Value) { setSampleIn(v, depth+1) }
	switch v.Kind() {
	case reflect.String:
		v.SetString("x<1>")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(42)
	case reflect.Uint64:
		v.SetUint(42)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		setSample(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		setSample(k)
		setSample(e)
		v.SetMapIndex(k, e)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		setSample(v.Elem())
	case reflect.Struct:
		switch v.Type() {
		case reflect.TypeFor[time.Time]():
			v.Set(reflect.ValueOf(time.Date(2026, 2, 3, 4, 5, 6, 7, time.FixedZone("X", 5400))))
		case reflect.TypeFor[cases.Date]():
			v.Set(reflect.ValueOf(cases.NewDate(2026, 2, 3)))
		default:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					setSample(v.Field(i))
				}
			}
		}
	}
}

// TestSealedEnvelopesVerify: an envelope sealed by hand verifies as every
// stored one must (its digest over its salt and content, each personal
// value against its commitment).
func TestSealedEnvelopesVerify(t *testing.T) {
	ev := cases.Event{Kind: cases.EventNoted, At: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), RecordedAt: time.Date(2026, 5, 1, 9, 5, 0, 0, time.UTC),
		Actor: "marc", Text: "called the subject <back>", Reason: "asked twice", Late: "phone notes typed up"}
	content, personal, salt, digest, _, err := seal(ev, salter{id: "DSR-2026-000001"}, 4)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := sealedOf(content)
	if err != nil || len(sealed) != 3 || len(personal) != 3 {
		t.Fatalf("%d commitments, %d values, %v", len(sealed), len(personal), err)
	}
	env := &envelope{Seq: 4, Digest: digest, Salt: hex.EncodeToString(salt), Content: content, Personal: personal}
	if err := verifySealed(env, content, sealed, false); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSeal seals every event of a 1,000-case demo (a bulk write
// seals each event of each case): by hand as seal does, and as it did
// with json.Marshal.
func BenchmarkSeal(b *testing.B) {
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		b.Fatal(err)
	}
	reqs, err := demo.Generate(demo.Options{Cases: 1000, Seed: 5, Now: time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC), Registers: regs.All()})
	if err != nil {
		b.Fatal(err)
	}
	var events []cases.Event
	for _, group := range reqs {
		for _, c := range group {
			events = append(events, c.Events...)
		}
	}
	s := salter{seed: []byte("rightsdesk demo 5"), id: "DSR-2026-000007"}
	b.Run("appendContent", func(b *testing.B) {
		for b.Loop() {
			for _, ev := range events {
				if _, _, _, _, _, err := seal(ev, s, 3); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			for _, ev := range events {
				sealByMarshal(b, ev, s, 3)
			}
		}
	})
}

// TestRulesJSONFollowsChanges: rule sets met before are written from
// memory, yet rules changed in place since (a system renamed in the
// shared list) are written as they now are.
func TestRulesJSONFollowsChanges(t *testing.T) {
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	for _, reg := range regs.All() {
		rules, err := reg.Rules(reg.Regimes()[0])
		if err != nil {
			t.Fatal(err)
		}
		for round := range 3 {
			if len(rules.Systems) > 0 && round == 2 {
				rules.Systems[0].Name += " (renamed)"
			}
			got, err := rulesJSON(&rules)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := json.Marshal(&rules); !bytes.Equal(got, want) {
				t.Fatalf("%s, round %d:\n got %s\nwant %s", reg.ID, round, got, want)
			}
		}
	}
	if len(knownRuleSets.all()) == 0 {
		t.Fatal("no rule set kept: each is marshalled again")
	}
}

// TestSameRulesSeesEveryField: rules that differ in any one field, at any
// depth (a system's retention's law, a purpose's basis), are not the same,
// and sameRules agrees with the JSON: a field added to the rules and left
// out of sameRules would have rulesJSON write another rule set's JSON.
func TestSameRulesSeesEveryField(t *testing.T) {
	filled := func() *cases.Rules {
		var r cases.Rules
		fill(reflect.ValueOf(&r).Elem(), "rule", 1)
		return &r
	}
	base := filled()
	for _, path := range leafPaths(reflect.TypeOf(*base), nil) {
		changed := filled()
		change(reflect.ValueOf(changed).Elem(), path)
		a, _ := json.Marshal(base)
		b, _ := json.Marshal(changed)
		if bytes.Equal(a, b) {
			t.Fatalf("field %v: the change leaves the JSON as it was:\n%s", path, a)
		}
		if sameRules(base, changed) || sameRules(changed, base) {
			t.Errorf("field %v: rules that differ in it are the same to sameRules", path)
		}
	}
	if !sameRules(base, filled()) {
		t.Error("rules filled alike are not the same")
	}
	var empty, none cases.Rules
	empty.Systems, empty.Assumptions = []cases.System{}, []string{}
	if !sameRules(&empty, &none) {
		t.Error("empty lists, which the JSON omits as it omits none, differ from none")
	}
}

// leafPaths are the field indexes, through structs, pointers and a
// list's first element (-1), of every string, number and bool under t.
func leafPaths(t reflect.Type, at []int) [][]int {
	switch t.Kind() {
	case reflect.Struct:
		var out [][]int
		for i := range t.NumField() {
			out = append(out, leafPaths(t.Field(i).Type, append(slices.Clone(at), i))...)
		}
		return out
	case reflect.Pointer, reflect.Slice:
		return leafPaths(t.Elem(), append(slices.Clone(at), -1))
	default:
		return [][]int{at}
	}
}

// change changes the value at path under v.
func change(v reflect.Value, path []int) {
	for _, i := range path {
		if i < 0 {
			if v.Kind() == reflect.Slice {
				v = v.Index(0)
			} else {
				v = v.Elem()
			}
			continue
		}
		v = v.Field(i)
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "y")
	case reflect.Int:
		v.SetInt(v.Int() + 1)
	case reflect.Bool:
		v.SetBool(!v.Bool())
	}
}

// TestFactsJSONIsMarshal: the facts a record stores are, byte for byte,
// json.Marshal's of the case without its events, over the cases of a
// demo (every register's rule sets, met again and again) and a case
// whose rules were changed in place after they were written once.
func TestFactsJSONIsMarshal(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	reqs, _ := demoRequests(t, n, 3)
	check := func(c *cases.Case) {
		t.Helper()
		got, err := factsJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		facts := *c
		facts.Events = nil
		if want, _ := json.Marshal(&facts); !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", c.ID, got, want)
		}
	}
	var last *cases.Case
	for _, r := range reqs {
		for _, c := range r {
			check(c)
			last = c
		}
	}
	last.Rules.Zone += "x"
	if len(last.Rules.Systems) > 0 {
		last.Rules.Systems[0].Categories = append(last.Rules.Systems[0].Categories, "renamed in place")
	}
	check(last)
}
