package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"rightsdesk/storage/kv"
)

// compactEventsBatch is step 7 of the migrator: each of up to n cases has
// its events stored with their at and recorded_at in binary (frozen format
// 3, and the parts of an event stored alone); the envelopes they give back
// are the same bytes, so every digest, chain and log leaf verifies as
// before. A case in the due index keeps its list view in its due entry
// alone, no longer also in its stored value. A case already in the new
// form is left alone, so a rerun of a batch changes nothing twice.
func compactEventsBatch(tx kv.Tx, after []byte, n int, _ time.Time) ([]byte, error) {
	ids := casesAfter(tx, after, n)
	if len(ids) == 0 {
		return nil, nil
	}
	for _, id := range ids {
		if err := viewInDueOnly(tx, id); err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
		tl, ok := timelineOf(tx, string(id))
		if !ok || tl.nested != nil {
			continue
		}
		var err error
		if tl.frozen != nil {
			err = tl.refreeze()
		} else {
			err = tl.restore()
		}
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
	}
	return ids[len(ids)-1], nil
}

// viewInDueOnly keeps the list view of a case in the due index in its due
// entry alone: not also in its stored value.
func viewInDueOnly(tx kv.Tx, id []byte) error {
	stored := tx.Bucket(bucketCases)
	v := stored.Get(id)
	if len(v) == 0 || v[0] != caseValueFormat {
		return nil
	}
	recordJSON, view, err := splitCaseValue(v)
	if err != nil || len(view) == 0 {
		return err
	}
	if inDue, ok := dueView(tx, tx.Bucket(bucketRows).Get(id)); !ok || !bytes.Equal(inDue, view) {
		return nil // not in the due index; or left as it is, for check to say
	}
	return stored.Put(id, encodeCaseValue(bytes.Clone(recordJSON), nil))
}

// refreeze writes a timeline frozen in an older format again in this
// build's.
func (t *timeline) refreeze() error {
	old := t.frozen
	if len(old) == 0 || old[0] == frozenFormat {
		return nil
	}
	var envs [][]byte
	id := string(t.prefix[:len(t.prefix)-1])
	err := thawEnvelopes(id, old, func(_ uint64, env []byte) error {
		envs = append(envs, env)
		return nil
	})
	if err != nil {
		return err
	}
	frozen, err := freezeEnvelopes(id, envs)
	if err != nil {
		return err
	}
	if err := t.dropChunks(); err != nil {
		return err
	}
	return t.putChunks(frozen)
}

// restore stores again each event stored alone whose stored form this
// build writes otherwise.
func (t *timeline) restore() error {
	type event struct {
		seq      uint64
		was, env []byte
	}
	var events []event
	c := t.flat.Cursor()
	for k, v := c.Seek(t.prefix); k != nil && bytes.HasPrefix(k, t.prefix); k, v = c.Next() {
		if len(k) != len(t.prefix)+8 {
			continue
		}
		seq := binary.BigEndian.Uint64(k[len(t.prefix):])
		env, err := eventText(seq, v)
		if err != nil {
			return fmt.Errorf("event %d: %w", seq, err)
		}
		events = append(events, event{seq, bytes.Clone(v), bytes.Clone(env)})
	}
	for _, e := range events {
		if v := storedEvent(e.seq, e.env); !bytes.Equal(v, e.was) {
			if err := t.flat.Put(eventKey(t.prefix, e.seq), v); err != nil {
				return err
			}
		}
	}
	return nil
}
