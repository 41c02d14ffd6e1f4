package storage

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"

	"rightsdesk/cases"
)

// TestAppendEnvelopeIsMarshal: the envelopes chain writes by hand are,
// byte for byte, those json.Marshal wrote, over every event of a demo
// (every kind the demo records, its personal fields, rules, attachments),
// seeded and random salts alike, an envelope of the old format (no salt)
// and one whose content a purge removed.
func TestAppendEnvelopeIsMarshal(t *testing.T) {
	reqs, _ := demoRequests(t, 800, 9)
	envelopes, personal := 0, 0
	check := func(env *envelope) {
		t.Helper()
		want, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendEnvelope(nil, env); !bytes.Equal(got, want) {
			t.Fatalf("event %d:\n got %s\nwant %s", env.Seq, got, want)
		}
		envelopes++
	}
	for _, group := range reqs {
		for _, c := range group {
			c.ID = "DSR-2026-000001"
			for _, seed := range [][]byte{[]byte("rightsdesk demo 9"), nil} {
				prev := chainStart(c.ID)
				for i, ev := range c.Events {
					content, values, salt, digest, _, err := seal(ev, salter{seed: seed, id: c.ID}, uint64(i+1))
					if err != nil {
						t.Fatal(err)
					}
					if ev.Rules != nil {
						content, _ = compactRules(content, true)
					}
					personal += len(values)
					check(&envelope{Seq: uint64(i + 1), Prev: prev, Digest: digest, Salt: hex.EncodeToString(salt), Content: content, Personal: values})
					prev = chainNext(prev, digest)
				}
			}
		}
	}
	check(&envelope{Seq: 1, Prev: chainStart("DSR-2026-000002"), Digest: chainStart("x"), Content: json.RawMessage(`{"kind":"received"}`)})
	check(&envelope{Seq: 2, Prev: chainStart("y"), Digest: chainStart("z"), Salt: "00ff",
		Personal: map[string]sealedValue{"reason": {Salt: "0a", Value: json.RawMessage(`"a \u003cb\u003e"`)}, "late": {Salt: "0b"}}})
	if envelopes < 10_000 || personal < 4_000 {
		t.Fatalf("%d envelopes with %d personal values: the demo does not cover enough", envelopes, personal)
	}
}

// TestUnmarshalEnvelopeIsUnmarshal holds unmarshalEnvelope to
// json.Unmarshal: the envelopes of a demo's timelines as chain writes
// them, each with a change that sends it to encoding/json (or that it
// must read as encoding/json does), and texts that are not envelopes.
func TestUnmarshalEnvelopeIsUnmarshal(t *testing.T) {
	check := func(what string, v []byte) {
		t.Helper()
		var got, want envelope
		err := unmarshalEnvelope(v, &got)
		werr := json.Unmarshal(v, &want)
		if (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) {
			t.Fatalf("%s: error %v, json.Unmarshal's %v\n%s", what, err, werr, v)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v\n%s", what, got, want, v)
		}
	}
	reqs, _ := demoRequests(t, 200, 9)
	fast, personal := 0, 0
	for _, group := range reqs {
		for _, c := range group {
			rec := &record{Case: &cases.Case{ID: c.ID}, seed: []byte("rightsdesk demo 9")}
			for _, ev := range c.Events {
				v, err := rec.chain(ev)
				if err != nil {
					t.Fatal(err)
				}
				check("as written", v)
				if p, err := splitEnvelope(v); err == nil && plainParts(&p) {
					fast++
					personal += len(p.personal)
				}
				for _, change := range [][2]string{{`"value":"`, `"value":"\u00e9`}, {`"value":`, `"value":null,"x":`},
					{`"content":{`, `"content": {`}, {`"content":{`, `"content":null,"c":{`}, {`"seq":`, `"seq":0`},
					{`"personal":{"`, `"personal":{"\u0061`}, {`"personal":{"`, `"personal":{"a":{"salt":"00","value":1},"`},
					{`{"seq"`, `{"seq":1,"seq"`}, {`","salt":"`, `","salt":"A`}, {`}`, `}}`},
					{`"value":`, `"value": `}, {`"},"`, `" },"`}, {`"}}}`, `"} }}`}} {
					check(change[1], bytes.Replace(v, []byte(change[0]), []byte(change[1]), 1))
				}
				check("cut short", v[:len(v)-1])
			}
		}
	}
	// The key chain's, and a timeline's before schema 4: no salt.
	for seq, content := range []string{`{"kind":"created","key":"k+1+AQ==","at":"2026-11-30T12:00:00Z"}`, `{}`, `"x"`, `{"a":[1,{"b":"}"}]}`} {
		v, err := json.Marshal(envelope{Seq: uint64(seq + 1), Prev: chainStart("keys"), Digest: chainStart(content), Content: json.RawMessage(content)})
		if err != nil {
			t.Fatal(err)
		}
		check("unsalted", v)
		if p, err := splitUnsalted(v); err != nil || !plainParts(&p) {
			t.Errorf("not read by hand: %s", v)
		}
		for _, change := range [][2]string{{`"content":`, `"content": `}, {`"content":`, `"salt":"","content":`},
			{`,"prev"`, `,"prev":"","prev"`}, {`"}`, `" }`}, {`{"seq":`, `{"seq":-`}} {
			check(change[1], bytes.Replace(v, []byte(change[0]), []byte(change[1]), 1))
		}
	}
	if fast < 1000 || personal < 500 {
		t.Fatalf("%d envelopes read by hand, %d personal values: the demo does not cover enough", fast, personal)
	}
	for _, v := range []string{``, `null`, `{}`, `[]`, `{"seq":1}`, `{"seq":1,"prev":"","digest":""}`, "{\"seq\":1,\"personal\":{\"\xff\":{}}}"} {
		check(v, []byte(v))
	}
}
