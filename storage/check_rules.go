package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// checkRulesCache is what one check worker keeps of the frozen rules: the
// few rule sets every case's received event refers to (rules.go), each
// read and decoded once instead of once per case. The chain's verification
// is unchanged: each event's digest is still computed over its content with
// the rules expanded, and every blob is verified against its SHA-256
// (checkRules); only the event the views are derived from takes its rules
// from the decoded set.
type checkRulesCache struct {
	get     func(key string) []byte
	blobs   map[string][]byte
	decoded map[string]*cases.Rules
}

func newCheckRulesCache(tx kv.Tx) *checkRulesCache {
	return &checkRulesCache{get: rulesLookup(tx), blobs: map[string][]byte{}, decoded: map[string]*cases.Rules{}}
}

// lookup is rulesLookup's, each blob read once.
func (c *checkRulesCache) lookup(key string) []byte {
	if v, ok := c.blobs[key]; ok {
		return v
	}
	v := c.get(key)
	if v != nil {
		c.blobs[key] = v // the worker's read transaction outlives it
	}
	return v
}

// rulesRefOf is the rules key a stored content refers to, where
// expandRules would expand it, or "".
func rulesRefOf(obj []byte) string {
	key, _ := rulesRefAt(obj)
	return key
}

// rulesRefAt is rulesRefOf with the offset of the reference's key.
func rulesRefAt(obj []byte) (string, int) {
	i := bytes.LastIndex(obj, rulesRefKey)
	if i < 0 {
		return "", -1
	}
	from := i + len(rulesRefKey)
	if len(obj) < from+sha256.Size*2+1 || obj[from+sha256.Size*2] != '"' || !isHex(obj[from:from+sha256.Size*2]) {
		return "", -1
	}
	return string(obj[from : from+sha256.Size*2]), i
}

// topLevelAt reports whether offset at of the JSON object obj (as
// encoding/json writes it) is a key of the object itself, not of one
// nested in it (a retained event's).
func topLevelAt(obj []byte, at int) bool {
	var n jsonNesting
	for i := 0; i < at && i < len(obj); i++ {
		n.step(obj[i])
	}
	return n.depth == 1 && !n.inString
}

// decode decodes an event's content as stored (compact, its rules by
// reference; expanded is the same with the rules in place) into full, its
// rules from the decoded set: what decoding expanded gives, without
// decoding the same rules JSON for every case. It reports false, full
// left as it may be, when it cannot (no cache, no reference, anything
// unreadable): the caller then decodes expanded itself.
func (c *checkRulesCache) decode(compact, expanded []byte, full *checkedContent) bool {
	if c == nil || len(compact) == len(expanded) {
		return false
	}
	// Only a reference that is a key of the event itself stands for its
	// own rules (one in a retained event stands for that event's).
	key, at := rulesRefAt(compact)
	if key == "" || !topLevelAt(compact, at) || bytes.Contains(compact, rulesKey) {
		return false
	}
	rules, ok := c.decoded[key]
	if !ok {
		blob := c.lookup(key)
		var r cases.Rules
		if len(blob) == 0 || blob[0] != '{' || json.Unmarshal(blob, &r) != nil {
			return false
		}
		rules = &r
		c.decoded[key] = rules
	}
	if json.Unmarshal(compact, full) != nil || full.Rules != nil {
		return false
	}
	r := *rules
	full.Rules = &r
	return true
}
