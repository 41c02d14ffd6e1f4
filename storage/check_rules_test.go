package storage

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// TestTamperSwappedRules: check decodes each frozen rule set once per
// worker (check_rules.go), yet a case whose record, or whose received
// event, is made to refer to another organisation's stored rules (a valid
// blob, under its own SHA-256) is still caught: the record no longer says
// what the chain derives, the event no longer matches its digest.
func TestTamperSwappedRules(t *testing.T) {
	other := cases.Rules{Regime: "uk-gdpr", Zone: "Europe/London", Calendar: "GB-EAW"}
	for _, where := range []string{"record", "received event"} {
		t.Run(where, func(t *testing.T) {
			s := newStore(t)
			add := func(name string, rules cases.Rules) string {
				cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
					Subject:    cases.Subject{Name: name, Email: "x@example.org"},
					ReceivedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, rules, testNow, "dpo")
				if err != nil {
					t.Fatal(err)
				}
				return cs[0].ID
			}
			id := add("Anna Example", testRules)
			theirs := add("Bert Other", other)
			cleanCheck(t, s)
			withBolt(t, s, func(tx kv.Tx) error {
				mine, _, _ := splitCaseValue(tx.Bucket(bucketCases).Get([]byte(id)))
				their, _, _ := splitCaseValue(tx.Bucket(bucketCases).Get([]byte(theirs)))
				from, to := rulesRefOf(mine), rulesRefOf(their)
				if from == "" || to == "" || from == to {
					t.Fatalf("rules references %q %q", from, to)
				}
				if where == "record" {
					v := tx.Bucket(bucketCases).Get([]byte(id))
					return tx.Bucket(bucketCases).Put([]byte(id), bytes.Replace(v, []byte(from), []byte(to), 1))
				}
				tl, _ := timelineOf(tx, id)
				v := tl.get(1)
				if !bytes.Contains(v, []byte(from)) {
					t.Fatal("the received event does not refer to its rules")
				}
				return tl.put(1, bytes.Replace(v, []byte(from), []byte(to), 1))
			})
			mustCatch(t, s, id, "rules swapped in the "+where)
		})
	}
}

// TestOnlyAnEventsOwnRulesReferenceIsTakenFromTheDecodedSet: a rules
// reference inside a retained event (a purged event's minimal record)
// stands for that event's rules, not the purged event's own, so the
// decoded set is used only for a reference at the top level.
func TestOnlyAnEventsOwnRulesReferenceIsTakenFromTheDecodedSet(t *testing.T) {
	ref := `"rules_ref":"` + strings.Repeat("ab", 32) + `"`
	for _, tc := range []struct {
		obj  string
		want bool
	}{
		{`{"kind":"received",` + ref + `}`, true},
		{`{"kind":"purged","retained":[{"kind":"received",` + ref + `}]}`, false},
		{`{"kind":"noted","text":"{\"x\":1} \\",` + ref + `}`, true},
		{`{"kind":"noted","text":"` + strings.ReplaceAll(ref, `"`, `\"`) + `"}`, false},
	} {
		key, at := rulesRefAt([]byte(tc.obj))
		if got := key != "" && topLevelAt([]byte(tc.obj), at); got != tc.want {
			t.Errorf("%s: top level %v, want %v", tc.obj, got, tc.want)
		}
	}
}

// TestObjectEndReadsStringsAsText: the end of a stored event's rules
// object is found past braces and escaped quotes inside its strings (the
// scanner topLevelAt shares, jsonNesting).
func TestObjectEndReadsStringsAsText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{`{"a":1}, more`, 7},
		{`{"a":"}"}x`, 9},
		{`{"a":"\"}\\"}x`, 13},
		{`{"a":[{"b":{}}]}]`, 16},
		{`{"a":"unterminated}`, -1},
	} {
		if got := objectEnd([]byte(tc.in), 0); got != tc.want {
			t.Errorf("objectEnd(%s) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
