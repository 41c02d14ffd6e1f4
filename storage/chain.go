package storage

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

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
