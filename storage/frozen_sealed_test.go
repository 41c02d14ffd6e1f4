package storage

import (
	"bytes"
	"fmt"
	"testing"

	"rightsdesk/cases"
)

// TestFreezeSealedIsFreezeEnvelopes: a timeline frozen from the parts
// chainSealed made is byte for byte the timeline frozen from the
// envelopes' text, for every case of a demo (every kind of event, rules
// stored apart, personal values of each kind), with salts from a seed and
// random ones; and it thaws to the envelopes.
func TestFreezeSealedIsFreezeEnvelopes(t *testing.T) {
	reqs, _ := demoRequests(t, 1200, 3)
	inParts, n := 0, 0
	for _, seed := range [][]byte{[]byte("rightsdesk demo 3"), nil} {
		for _, c := range flatten(reqs) {
			n++
			c.ID = fmt.Sprintf("DSR-2026-%06d", n)
			rec := &record{Case: c, seed: seed}
			var envs [][]byte
			var sealed []sealedEnvelope
			for i := range c.Events {
				if i == 0 {
					c.Events[i].Facts = cases.FactsOf(c)
				}
				env, parts, err := rec.chainSealed(c.Events[i])
				if err != nil {
					t.Fatal(err)
				}
				envs, sealed = append(envs, env), append(sealed, parts)
			}
			want, err := freezeEnvelopes(c.ID, envs)
			if err != nil {
				t.Fatal(err)
			}
			got, err := freezeSealed(c.ID, envs, sealed)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s (%d events): frozen from its parts, %d bytes; from its text, %d", c.ID, len(envs), len(got), len(want))
			}
			for i := range sealed {
				if _, ok := sealed[i].parts(); ok {
					inParts++
				} else {
					t.Fatalf("%s event %d: chainSealed made no parts", c.ID, i+1)
				}
			}
			k := 0
			if err := thawEnvelopes(c.ID, got, func(seq uint64, env []byte) error {
				if seq != uint64(k+1) || !bytes.Equal(env, envs[k]) {
					return fmt.Errorf("event %d thaws to another envelope", seq)
				}
				k++
				return nil
			}); err != nil || k != len(envs) {
				t.Fatalf("%s: %v (%d of %d events)", c.ID, err, k, len(envs))
			}
		}
	}
	if inParts == 0 {
		t.Fatal("no envelope in its parts: the comparison compared nothing of them")
	}
	if _, err := freezeSealed("DSR-2026-000001", [][]byte{[]byte("{}")}, nil); err == nil {
		t.Error("envelopes without their parts: no error")
	}
}
