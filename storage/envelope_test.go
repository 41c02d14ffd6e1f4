package storage

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"
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
