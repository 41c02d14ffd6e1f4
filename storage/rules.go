package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"rightsdesk/storage/kv"
)

// Frozen rules are stored once (schema 3). Every case froze its register's
// rules at intake, and a received or rebaselined event carried them too:
// about 4 KB per case, the same few rule sets over and over. The rules
// bucket holds each distinct rules JSON once, keyed by its SHA-256 in hex;
// a case's record and its events hold "rules_ref":"<key>" where they held
// "rules":{...}.
//
// The chain's digests stay defined over the content as recorded: the
// reference is a storage encoding, and expanding it gives back the original
// bytes exactly (the rules JSON is kept byte for byte, and the substitution
// is the inverse of the one made when storing). So no digest, chain hash or
// head changes, a case record printed before the change still verifies, and
// check verifies each blob against its key and each event against its
// digest after expansion.

var (
	bucketRules = []byte("rules") // v3: SHA-256 hex of a rules JSON -> that JSON

	rulesKey    = []byte(`"rules":`)
	rulesRefKey = []byte(`"rules_ref":"`)
)

// rulesBlob is one rules JSON and its key, waiting to be put in the rules
// bucket by the transaction that stores what references it.
type rulesBlob struct {
	key   string
	value []byte
}

// rulesKeyOf is the key of a rules JSON: its SHA-256 in hex.
func rulesKeyOf(value []byte) string {
	sum := sha256.Sum256(value)
	return hex.EncodeToString(sum[:])
}

// compactRules replaces the top-level "rules" object of the JSON object obj
// by a reference to it. marshalled says obj was just written by
// encoding/json from a cases.Event or cases.Case holding rules: the object
// is then found directly ("rules": appears unescaped only as a key, and
// only those types have the key); otherwise (content written by an older
// version) it is found by decoding. Content without rules, or not in the
// compact form encoding/json writes, is returned as it is: it stays
// readable, only not smaller.
func compactRules(obj []byte, marshalled bool) ([]byte, *rulesBlob) {
	start, end := -1, -1
	switch {
	case marshalled:
		// The last one: a subject's identifiers (a map, written before the
		// rules) may have any key.
		if i := lastIndex(obj, rulesKey); i >= 0 {
			start = i + len(rulesKey)
			if blob := findRules(obj[start:]); blob != nil {
				out := make([]byte, 0, len(obj)-len(blob.value)+len(blob.key)+8)
				out = append(append(out, obj[:i]...), rulesKeyRef(blob.key)...)
				return append(out, obj[start+len(blob.value):]...), blob
			}
			end = objectEnd(obj, start)
		}
	case bytes.Contains(obj, rulesKey):
		start, end = topLevelValue(obj, "rules")
	}
	if start < len(rulesKey) || end < 0 || !bytes.Equal(obj[start-len(rulesKey):start], rulesKey) || obj[start] != '{' {
		return obj, nil
	}
	value := obj[start:end]
	key := rulesKeyOf(value)
	out := make([]byte, 0, len(obj)-len(value)+len(key)+8)
	out = append(out, obj[:start-len(rulesKey)]...)
	out = append(out, rulesKeyRef(key)...)
	out = append(out, obj[end:]...)
	blob := &rulesBlob{key: key, value: append([]byte(nil), value...)}
	if marshalled {
		knownRules.add(blob)
	}
	return out, blob
}

// lastIndex is bytes.LastIndex(b, sep), found searching forward: the
// backward search (Rabin-Karp, a byte at a time) scanned the 5 KB of a
// rules JSON at the end of every record and received event, 1.5 of the
// demo's CPU-seconds at 100,000 cases; the forward search skips along
// with vector instructions.
func lastIndex(b, sep []byte) int {
	last := -1
	for from := 0; ; {
		i := bytes.Index(b[from:], sep)
		if i < 0 {
			return last
		}
		last = from + i
		from = last + 1
	}
}

// knownRules are rules JSONs compactRules met lately, with their keys: a
// bulk write (the demo, an import) writes the same few rule sets in every
// case's record and received event, and finding one of them at the head
// of the value spares scanning it for its end and hashing it again. The
// blobs are shared, never changed.
var knownRules recent[*rulesBlob]

// maxKnown is how many values a recent list keeps.
const maxKnown = 64

// recent is a list of up to maxKnown values met lately, replaced whole
// when one is added (a copy on write, the oldest let go), so that a lookup
// takes no lock.
type recent[T any] struct {
	mu   sync.Mutex
	list atomic.Pointer[[]T]
}

// all is the list as it is now; the caller must not change it.
func (r *recent[T]) all() []T {
	if list := r.list.Load(); list != nil {
		return *list
	}
	return nil
}

func (r *recent[T]) add(v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.all()
	list := append(make([]T, 0, min(len(old)+1, maxKnown)), old[max(0, len(old)-maxKnown+1):]...)
	list = append(list, v)
	r.list.Store(&list)
}

// findRules is the known blob whose JSON value begins at v, ending where
// the value does (before the object's next member or its end), or nil.
func findRules(v []byte) *rulesBlob {
	for _, b := range knownRules.all() {
		if len(v) > len(b.value) && (v[len(b.value)] == ',' || v[len(b.value)] == '}') && bytes.HasPrefix(v, b.value) {
			return b
		}
	}
	return nil
}

func rulesKeyRef(key string) []byte {
	return append(append(append([]byte(nil), rulesRefKey...), key...), '"')
}

// objectEnd is the offset just after the JSON object starting at start
// (valid JSON, as encoding/json writes it), or -1.
func objectEnd(b []byte, start int) int {
	var n jsonNesting
	for i := start; i < len(b); i++ {
		if n.step(b[i]) && n.depth == 0 {
			return i + 1
		}
	}
	return -1
}

// jsonNesting follows the nesting of valid JSON (as encoding/json writes
// it) byte by byte, without decoding it: how deep in objects and arrays
// the bytes read so far leave it, and whether inside a string.
type jsonNesting struct {
	depth            int
	inString, escape bool
}

// step reads the next byte and reports whether it closed an object or an
// array.
func (n *jsonNesting) step(c byte) (closed bool) {
	switch {
	case n.escape:
		n.escape = false // the escaped character
	case n.inString && c == '\\':
		n.escape = true
	case c == '"':
		n.inString = !n.inString
	case n.inString:
	case c == '{' || c == '[':
		n.depth++
	case c == '}' || c == ']':
		n.depth--
		return true
	}
	return false
}

// expandRules undoes compactRules: the reference becomes the rules JSON it
// names, read with lookup, giving back the bytes first recorded. Only this
// package writes "rules_ref", as a top-level key of an event or a case,
// where the rules were: after the one map with free keys (a subject's
// identifiers), so the last match is the reference; a match that is not
// one (an identifier so named) is left alone.
func expandRules(obj []byte, lookup func(key string) []byte) ([]byte, error) {
	key, i := rulesRefAt(obj) // check_rules.go
	if key == "" {
		return obj, nil
	}
	from := i + len(rulesRefKey)
	value := lookup(key)
	if value == nil {
		return nil, fmt.Errorf("the frozen rules %s are missing", key[:12])
	}
	out := make([]byte, 0, len(obj)+len(value))
	out = append(out, obj[:i]...)
	out = append(out, rulesKey...)
	out = append(out, value...)
	return append(out, obj[from+sha256.Size*2+1:]...), nil
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// topLevelValue finds the value of key in the JSON object obj: its byte
// offsets, or -1, -1.
func topLevelValue(obj []byte, key string) (start, end int) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return -1, -1
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return -1, -1
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return -1, -1
		}
		if k == key {
			end := int(dec.InputOffset())
			return end - len(raw), end
		}
	}
	return -1, -1
}

// rulesLookup reads rules blobs in tx.
func rulesLookup(tx kv.Tx) func(key string) []byte {
	b := tx.Bucket(bucketRules)
	return func(key string) []byte {
		if b == nil {
			return nil
		}
		return b.Get([]byte(key))
	}
}

// putRules stores rules blobs not yet stored.
func putRules(tx kv.Tx, blobs []rulesBlob) error {
	if len(blobs) == 0 {
		return nil
	}
	b := tx.Bucket(bucketRules)
	if b == nil {
		return fmt.Errorf("no rules bucket: the database needs schema %d", SchemaVersion)
	}
	for _, blob := range blobs {
		if b.Get([]byte(blob.key)) != nil {
			continue
		}
		if err := b.Put([]byte(blob.key), blob.value); err != nil {
			return err
		}
	}
	return nil
}

// checkRules verifies that every rules blob is stored under its SHA-256.
func checkRules(tx kv.Tx) []Problem {
	b := tx.Bucket(bucketRules)
	if b == nil {
		return nil
	}
	var problems []Problem
	_ = b.ForEach(func(k, v []byte) error {
		if rulesKeyOf(v) != string(k) {
			problems = append(problems, Problem{Detail: fmt.Sprintf("frozen rules %.12s do not match their SHA-256 (altered)", k)})
		}
		return nil
	})
	return problems
}
