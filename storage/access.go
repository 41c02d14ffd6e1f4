package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"rightsdesk/storage/kv"
)

// bucketAccess is the access log: change-free records of who read what. It
// is created on first use, so files made before it need no migration.
var bucketAccess = []byte("access") // sequence (8 bytes) -> Access JSON

// Access is one entry of the access log: someone opened a case or revealed
// a subject's contact details. It is kept apart from the case's timeline so
// that reading never changes a case's revision and never conflicts with
// editing it.
type Access struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	CaseID string    `json:"case"`
	What   string    `json:"what"` // "opened", "revealed e-mail"...
}

// LogAccess records entries in the access log in one transaction.
func (s *Store) LogAccess(entries ...Access) error {
	for _, e := range entries {
		if e.Actor == "" || e.CaseID == "" || e.What == "" || e.At.IsZero() {
			return fmt.Errorf("an access log entry needs a time, an actor, a case and what was done")
		}
	}
	return s.update(func(tx kv.Tx) error { return putAccess(tx, entries) })
}

// putAccess appends entries to the access log.
func putAccess(tx kv.Tx, entries []Access) error {
	b, err := tx.CreateBucketIfNotExists(bucketAccess)
	if err != nil {
		return err
	}
	for _, e := range entries {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := b.Put(u64(seq), v); err != nil {
			return err
		}
	}
	return nil
}

// AccessLog returns the access log entries of one case (every case when id
// is empty), oldest first.
func (s *Store) AccessLog(id string) ([]Access, error) {
	var out []Access
	err := s.view(func(tx kv.Tx) error {
		b := tx.Bucket(bucketAccess)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var e Access
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("access log entry %x: %w", k, err)
			}
			if id == "" || e.CaseID == id {
				out = append(out, e)
			}
			return nil
		})
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, nil
	}
	return out, err
}
