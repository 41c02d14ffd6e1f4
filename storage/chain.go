package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
)

// envelope is one stored timeline entry. Prev is the chain hash before it
// and Digest the SHA-256 of Content exactly as stored, so Content can later
// be purged for retention while the chain still verifies.
type envelope struct {
	Seq     uint64          `json:"seq"`
	Prev    string          `json:"prev"`
	Digest  string          `json:"digest"`
	Content json.RawMessage `json:"content,omitempty"`
}

// chainStart is the hash the first event of a case chains from.
func chainStart(id string) string {
	sum := sha256.Sum256([]byte("rightsdesk timeline " + id))
	return hex.EncodeToString(sum[:])
}

// chainNext is the chain hash after an event with the given digest.
func chainNext(prev, digest string) string {
	sum := sha256.Sum256([]byte(prev + digest))
	return hex.EncodeToString(sum[:])
}

// appendEvent adds an event to a case's timeline, extending its chain.
func appendEvent(tx *bolt.Tx, rec *record, ev cases.Event) error {
	tl, err := tx.Bucket(bucketTimelines).CreateBucketIfNotExists([]byte(rec.Case.ID))
	if err != nil {
		return err
	}
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
	return tl.Put(u64(rec.Events), env)
}

// chain encodes the next event of a case's timeline, its envelope chained
// to the one before, and moves the record on (head, revision, updated).
func (rec *record) chain(ev cases.Event) ([]byte, error) {
	content, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	digest := hex.EncodeToString(sum[:])
	if ev.Rules != nil {
		// The digest is of the content as recorded; what is stored refers
		// to the rules instead of repeating them (rules.go).
		var blob *rulesBlob
		if content, blob = compactRules(content, true); blob != nil {
			rec.blobs = append(rec.blobs, *blob)
		}
	}
	prev := rec.Head
	if prev == "" {
		prev = chainStart(rec.Case.ID)
	}
	rec.Events++
	env, err := json.Marshal(envelope{Seq: rec.Events, Prev: prev, Digest: digest, Content: content})
	if err != nil {
		return nil, err
	}
	rec.Head = chainNext(prev, digest)
	rec.Revision++
	rec.UpdatedAt, rec.UpdatedBy = ev.RecordedAt, ev.Actor
	return env, nil
}

// Link is one event's place in its case's hash chain, as the case record
// shows it: the hash before it, the digest of its stored content, and the
// hash after it. Purged is set when its content was removed for retention
// (the digest remains).
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
	err := s.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCases).Get([]byte(id)) == nil {
			return &NotFound{ID: id}
		}
		tl := tx.Bucket(bucketTimelines).Bucket([]byte(id))
		if tl == nil {
			return fmt.Errorf("case %s: no timeline", id)
		}
		return tl.ForEach(func(_, v []byte) error {
			var env envelope
			if err := json.Unmarshal(v, &env); err != nil {
				return fmt.Errorf("case %s: %w", id, err)
			}
			out = append(out, Link{Seq: env.Seq, Prev: env.Prev, Digest: env.Digest,
				Hash: chainNext(env.Prev, env.Digest), Purged: len(env.Content) == 0})
			return nil
		})
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, &NotFound{ID: id}
	}
	return out, err
}

// checkChain verifies one case's stored chain (raw is its value in the
// cases bucket) and the files its attached events recorded.
func checkChain(tx *bolt.Tx, id string, raw []byte) []Problem {
	bad := func(format string, args ...any) []Problem {
		return []Problem{{CaseID: id, Detail: fmt.Sprintf(format, args...)}}
	}
	var rec struct {
		Head         string     `json:"head"`
		Events       uint64     `json:"events"`
		CopiesPurged *time.Time `json:"copies_purged"`
	}
	recordJSON, _, err := splitCaseValue(raw)
	if err != nil {
		return bad("unreadable record: %v", err)
	}
	if err := json.Unmarshal(recordJSON, &rec); err != nil {
		return bad("unreadable record: %v", err)
	}
	tl := tx.Bucket(bucketTimelines).Bucket([]byte(id))
	if tl == nil {
		return bad("no timeline")
	}
	hash := chainStart(id)
	var n uint64
	var problems []Problem
	lookup := rulesLookup(tx)
	err = tl.ForEach(func(k, v []byte) error {
		n++
		var env envelope
		if err := json.Unmarshal(v, &env); err != nil {
			return fmt.Errorf("event %d unreadable: %v", n, err)
		}
		if binary.BigEndian.Uint64(k) != n || env.Seq != n {
			return fmt.Errorf("event %d out of sequence (stored as %d)", n, env.Seq)
		}
		if env.Prev != hash {
			return fmt.Errorf("event %d does not chain from its predecessor", n)
		}
		if len(env.Content) > 0 {
			content, err := expandRules(env.Content, lookup)
			if err != nil {
				return fmt.Errorf("event %d: %v", n, err)
			}
			sum := sha256.Sum256(content)
			if hex.EncodeToString(sum[:]) != env.Digest {
				return fmt.Errorf("event %d content does not match its digest (altered)", n)
			}
		}
		if rec.CopiesPurged == nil && (bytes.HasPrefix(env.Content, attachedPrefix) ||
			(bytes.HasPrefix(env.Content, approvedPrefix) && bytes.Contains(env.Content, []byte(`"attachment":`)))) {
			if p := checkFile(tx, id, env.Content); p != "" {
				problems = append(problems, Problem{CaseID: id, Detail: fmt.Sprintf("event %d: %s", n, p)})
			}
		}
		hash = chainNext(hash, env.Digest)
		return nil
	})
	switch {
	case err != nil:
		problems = append(problems, Problem{CaseID: id, Detail: err.Error()})
	case n != rec.Events:
		problems = append(problems, bad("the timeline has %d events, the case records %d", n, rec.Events)...)
	case hash != rec.Head:
		problems = append(problems, bad("the chain does not end at the recorded head")...)
	}
	return problems
}
