package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// envelope is one stored timeline entry. Prev is the chain hash before it
// and Digest the digest of Content exactly as stored (after expanding its
// rules reference, rules.go). An envelope of this version has a Salt and
// its personal values beside the content, each committed to inside it
// (seal.go), so a purge removes those and the digest still verifies; one
// written before schema 4 has neither, and its digest is SHA-256(Content).
type envelope struct {
	Seq      uint64                 `json:"seq"`
	Prev     string                 `json:"prev"`
	Digest   string                 `json:"digest"`
	Salt     string                 `json:"salt,omitempty"`
	Content  json.RawMessage        `json:"content,omitempty"`
	Personal map[string]sealedValue `json:"personal,omitempty"`
}

// EventDigest is the digest of event seq (from 1) of case id, as its
// envelope stores it: what the case's chain and a Merkle leaf commit to.
// It reads inside the caller's transaction.
func EventDigest(tx kv.Tx, id string, seq uint64) (string, error) {
	tl, ok := timelineOf(tx, id)
	if !ok {
		return "", &NotFound{ID: id}
	}
	v := tl.get(seq)
	if v == nil {
		return "", fmt.Errorf("case %s has no event %d", id, seq)
	}
	var env struct {
		Digest string `json:"digest"`
	}
	if err := json.Unmarshal(v, &env); err != nil {
		return "", fmt.Errorf("case %s event %d: %w", id, seq, err)
	}
	return env.Digest, nil
}

// chainStart is the hash the first event of a case chains from.
func chainStart(id string) string {
	sum := sha256.Sum256([]byte("rightsdesk timeline " + id))
	return hex.EncodeToString(sum[:])
}

// chainNext is the chain hash after an event with the given digest.
func chainNext(prev, digest string) string {
	var buf [128]byte // the two hex digests, joined without allocating
	if len(prev)+len(digest) > len(buf) {
		sum := sha256.Sum256([]byte(prev + digest))
		return hex.EncodeToString(sum[:])
	}
	n := copy(buf[:], prev)
	n += copy(buf[n:], digest)
	sum := sha256.Sum256(buf[:n])
	return hex.EncodeToString(sum[:])
}

// appendEvent adds an event to a case's timeline, extending its chain.
// The event's digest is then rec.LastDigest (a Merkle leaf's).
func appendEvent(tx kv.Tx, rec *record, ev cases.Event) error {
	tl, err := timelineFor(tx, rec.Case.ID)
	if err != nil {
		return err
	}
	rec.seed = testSeed(tx)
	env, err := rec.chain(ev)
	if err != nil {
		return err
	}
	if err := putRules(tx, rec.blobs); err != nil {
		return err
	}
	rec.blobs = nil
	if err := logEvent(tx, rec.Case, env); err != nil {
		return err
	}
	return tl.put(rec.Events, env)
}

// chain encodes the next event of a case's timeline as a salted envelope
// (seal.go), chained to the one before, and moves the record on (head,
// revision, updated, lastDigest).
func (rec *record) chain(ev cases.Event) ([]byte, error) {
	env, _, err := rec.chainSealed(ev)
	return env, err
}

// chainSealed is chain, which also returns the envelope as it made it, in
// its parts: what a writer that freezes the timeline next would otherwise
// read back from the envelope's text, hashing its content and values
// again (freezeSealed).
func (rec *record) chainSealed(ev cases.Event) ([]byte, sealedEnvelope, error) {
	seq := rec.Events + 1
	content, personal, salt, digest, sealed, err := seal(ev, salter{seed: rec.seed, id: rec.Case.ID}, seq)
	if err != nil {
		return nil, sealedEnvelope{}, err
	}
	given := true
	if ev.Rules != nil {
		// The digest is of the content as recorded; what is stored refers
		// to the rules instead of repeating them (rules.go).
		var blob *rulesBlob
		if content, blob = compactRules(content, true); blob != nil {
			rec.blobs = append(rec.blobs, *blob)
			given = false
		}
	}
	prev := rec.Head
	if prev == "" {
		prev = chainStart(rec.Case.ID)
	}
	env := appendEnvelope(make([]byte, 0, len(content)+256+128*len(personal)), &envelope{Seq: seq, Prev: prev, Digest: digest,
		Salt: hex.EncodeToString(salt), Content: content, Personal: personal})
	rec.Events = seq
	rec.Head = chainNext(prev, digest)
	rec.LastDigest = digest
	rec.Revision++
	rec.UpdatedAt, rec.UpdatedBy = ev.RecordedAt, ev.Actor
	return env, sealedEnvelope{seq: seq, prev: prev, digest: digest, salt: salt, content: content, personal: personal,
		sealed: sealed, digestGiven: given}, nil
}

// sealedEnvelope is an envelope as chainSealed made it: its parts
// (envelopeParts), the commitments its content holds to its personal
// values (in the order of their names), and whether its digest is that of
// its stored content (eventDigest), which it is unless the content refers
// to rules stored apart.
type sealedEnvelope struct {
	seq         uint64
	prev        string
	digest      string
	salt        []byte
	content     []byte
	personal    map[string]sealedValue
	sealed      []commitment
	digestGiven bool
}

// parts are the envelope's parts as splitEnvelope reads them from its
// text; false when a personal value lacks its commitment or salt (never,
// for an envelope chainSealed made).
func (s *sealedEnvelope) parts() (envelopeParts, bool) {
	p := envelopeParts{seq: s.seq, prev: s.prev, digest: s.digest, salt: s.salt, content: s.content}
	if len(s.sealed) != len(s.personal) {
		return p, false
	}
	if len(s.sealed) > 0 {
		p.personal = make([]personalPart, len(s.sealed))
	}
	for i, c := range s.sealed {
		v, ok := s.personal[c.name]
		salt, err := hex.DecodeString(v.Salt)
		if !ok || err != nil {
			return p, false
		}
		p.personal[i] = personalPart{name: c.name, salt: salt, value: v.Value}
	}
	return p, true
}

// commitment is the commitment the content holds to personal value f.
func (s *sealedEnvelope) commitment(f personalPart) string {
	for _, c := range s.sealed {
		if c.name == f.name {
			return c.digest
		}
	}
	return ""
}

// appendEnvelope appends env as json.Marshal writes it, without its
// reflection and without compacting again a content that seal made with
// json.Marshal (a bulk write encodes millions of envelopes). It holds for
// what chain writes: hex prev, digest and salts, personal field names of
// personalFields, and content and values that json.Marshal wrote, which
// it would copy unchanged (TestAppendEnvelopeIsMarshal).
func appendEnvelope(b []byte, env *envelope) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, env.Seq, 10)
	b = append(append(append(b, `,"prev":"`...), env.Prev...), `","digest":"`...)
	b = append(append(b, env.Digest...), '"')
	if env.Salt != "" {
		b = append(append(append(b, `,"salt":"`...), env.Salt...), '"')
	}
	if len(env.Content) > 0 {
		b = append(append(b, `,"content":`...), env.Content...)
	}
	if len(env.Personal) > 0 {
		b = append(b, `,"personal":{`...)
		for i, name := range slices.Sorted(maps.Keys(env.Personal)) {
			if i > 0 {
				b = append(b, ',')
			}
			v := env.Personal[name]
			b = append(append(append(b, '"'), name...), `":{"salt":"`...)
			b = append(append(b, v.Salt...), `","value":`...)
			if len(v.Value) == 0 {
				b = append(b, "null"...) // as json.RawMessage(nil) is written
			}
			b = append(append(b, v.Value...), '}')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// Link is one event's place in its case's hash chain, as the case record
// shows it: the hash before it, the digest of its stored content, and the
// hash after it. Purged is set when its content, or its personal values,
// were removed for retention (the digest remains).
type Link struct {
	Seq    uint64 `json:"seq"`
	Prev   string `json:"prev"`
	Digest string `json:"digest"`
	Hash   string `json:"hash"`
	Purged bool   `json:"purged,omitempty"`
}

// Chain returns the hash chain of a case's timeline, in order; the last
// link's Hash is the chain head.
func (s *Store) Chain(id string) ([]Link, error) {
	var out []Link
	err := s.view(func(tx kv.Tx) error {
		if tx.Bucket(bucketCases).Get([]byte(id)) == nil {
			return &NotFound{ID: id}
		}
		tl, ok := timelineOf(tx, id)
		if !ok {
			return fmt.Errorf("case %s: no timeline", id)
		}
		return tl.forEach(func(_, v []byte) error {
			var env envelope
			if err := json.Unmarshal(v, &env); err != nil {
				return fmt.Errorf("case %s: %w", id, err)
			}
			out = append(out, Link{Seq: env.Seq, Prev: env.Prev, Digest: env.Digest,
				Hash: chainNext(env.Prev, env.Digest), Purged: len(env.Content) == 0 ||
					(env.Salt != "" && len(env.Personal) == 0 && bytes.Contains(env.Content, []byte(`"sealed":`)))})
			return nil
		})
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, &NotFound{ID: id}
	}
	return out, err
}
