package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"

	"rightsdesk/storage/kv"
)

// bucketEvents holds every case's timeline in one flat bucket (schema 5):
// the case ID, a 0 byte and the event's sequence (8 bytes, big-endian) ->
// its envelope, in its parts or as its JSON text (storedEvent, read back
// as its text by eventText). Schema 4 kept a bucket per case in bucketTimelines,
// which bbolt never inlines: a case of a dozen events paid a branch entry,
// half-empty leaf pages and a bucket header. Keys sort by case and then by
// sequence, so a case's events are one run of adjacent keys, and cases
// numbered in order are written at the end of the bucket.
var bucketEvents = []byte("events")

// eventsFill is how full a write transaction packs the pages of the events
// bucket (packWrites; the bulk writers of new cases pack it full). New
// cases (numbered upwards) append at its end, where a full page costs
// nothing; an event added to an older case lands inside the key range,
// where a page split at this fill leaves the tail in a fresh page that the
// case's next events fill. Not quite full, so that one more event of a
// case does not split its page at once.
const eventsFill = 0.9

// timeline is one case's events, read and written in whichever layout the
// file holds the case in: the flat events bucket, or (until the migration
// to schema 5 has moved it) its own bucket in bucketTimelines. Every reader
// and writer of timelines goes through it, so that the layout is written
// once.
type timeline struct {
	flat   kv.Bucket // bucketEvents; nil in a file of schema 4 or before
	nested kv.Bucket // the case's schema-4 bucket, when not yet moved
	prefix []byte    // the case ID and a 0 byte
	frozen []byte    // the case's frozen timeline (frozen.go), if it is
	chunks int       // how many values hold frozen (frozenChunk)
	chunk  int       // the length of the first of them
}

// timelineOf is case id's timeline in tx, and whether it has any event.
func timelineOf(tx kv.Tx, id string) (timeline, bool) {
	t := timeline{flat: tx.Bucket(bucketEvents), prefix: append([]byte(id), 0)}
	if old := tx.Bucket(bucketTimelines); old != nil {
		if t.nested = old.Bucket([]byte(id)); t.nested != nil {
			return t, true
		}
	}
	if t.flat == nil {
		return t, false
	}
	c := t.flat.Cursor()
	k, v := c.Seek(t.prefix)
	found := k != nil && bytes.HasPrefix(k, t.prefix)
	for ; k != nil && len(k) == len(t.prefix)+2 && bytes.HasPrefix(k, t.prefix); k, v = c.Next() {
		if t.chunks == 0 {
			t.chunk = len(v)
		}
		t.frozen = append(t.frozen, v...)
		t.chunks++
	}
	return t, found
}

// timelineFor is case id's timeline for writing: the flat layout unless
// the case is still in its schema-4 bucket.
func timelineFor(tx kv.Tx, id string) (timeline, error) {
	t, _ := timelineOf(tx, id)
	if t.nested != nil || t.flat != nil {
		return t, nil
	}
	var err error
	t.flat, err = tx.CreateBucketIfNotExists(bucketEvents)
	return t, err
}

// eventKey is the flat key of event seq of the case whose prefix is given.
func eventKey(prefix []byte, seq uint64) []byte {
	k := make([]byte, len(prefix)+8)
	copy(k, prefix)
	binary.BigEndian.PutUint64(k[len(prefix):], seq)
	return k
}

// get is the envelope of event seq (from 1), nil when there is none.
func (t timeline) get(seq uint64) []byte {
	switch {
	case t.frozen != nil:
		var out []byte
		_ = t.forEach(func(k, v []byte) error {
			if binary.BigEndian.Uint64(k) == seq {
				out = v
				return errStop
			}
			return nil
		})
		return out
	case t.nested != nil:
		return t.nested.Get(u64(seq))
	case t.flat != nil:
		v := t.flat.Get(eventKey(t.prefix, seq))
		if env, err := eventText(seq, v); err == nil {
			return env
		}
		return v // unreadable: as it is, for check to say
	}
	return nil
}

// put stores the envelope of event seq; a frozen timeline is thawed
// first.
func (t *timeline) put(seq uint64, env []byte) error {
	if t.frozen != nil {
		if err := t.thaw(); err != nil {
			return err
		}
	}
	if t.nested != nil {
		return t.nested.Put(u64(seq), env)
	}
	return t.flat.Put(eventKey(t.prefix, seq), storedEvent(seq, env))
}

// forEach calls fn with each event's sequence (8 bytes, big-endian) and
// envelope, in order, until fn returns an error. Like bbolt's, the bytes
// are valid only for the transaction and must not be changed.
func (t timeline) forEach(fn func(seq, env []byte) error) error {
	switch {
	case t.frozen != nil:
		err := thawEnvelopes(string(t.prefix[:len(t.prefix)-1]), t.frozen, func(seq uint64, env []byte) error {
			return fn(u64(seq), env)
		})
		if errors.Is(err, errStop) {
			return nil
		}
		return err
	case t.nested != nil:
		if err := t.nested.ForEach(fn); !errors.Is(err, errStop) {
			return err
		}
		return nil
	case t.flat == nil:
		return nil
	}
	c := t.flat.Cursor()
	for k, v := c.Seek(t.prefix); k != nil && bytes.HasPrefix(k, t.prefix); k, v = c.Next() {
		if len(k) != len(t.prefix)+8 {
			continue // not an event's key
		}
		env, err := eventText(binary.BigEndian.Uint64(k[len(t.prefix):]), v)
		if err != nil {
			env = v // unreadable: as it is, for check to say
		}
		if err := fn(k[len(t.prefix):], env); errors.Is(err, errStop) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// thaw stores a frozen timeline's events one by one again, and removes
// its frozen value.
func (t *timeline) thaw() error {
	frozen := t.frozen
	t.frozen = nil
	err := thawEnvelopes(string(t.prefix[:len(t.prefix)-1]), frozen, func(seq uint64, env []byte) error {
		return t.flat.Put(eventKey(t.prefix, seq), storedEvent(seq, env))
	})
	if err != nil {
		return err
	}
	return t.dropChunks()
}

// dropChunks deletes the values that hold the frozen timeline, as many as
// were read: a file may hold chunks of another size than frozenChunk.
func (t *timeline) dropChunks() error {
	for i := range t.chunks {
		if err := t.flat.Delete(chunkKey(t.prefix, i)); err != nil {
			return err
		}
	}
	t.chunks = 0
	return nil
}

// rechunk stores a frozen timeline again in values of frozenChunk bytes
// when it is held in values of another size (a file written before 3
// December 2026 holds values of 1,024), and reports whether it did:
// compact packs an older file's timelines as this build writes them.
func (t *timeline) rechunk() (bool, error) {
	if t.frozen == nil || (t.chunks == frozenChunks(len(t.frozen)) && t.chunk == min(len(t.frozen), frozenChunk)) {
		return false, nil
	}
	frozen := t.frozen
	if err := t.dropChunks(); err != nil {
		return false, err
	}
	return true, t.putChunks(frozen)
}

// frozenChunk is the most bytes of a frozen timeline one value holds.
// The events bucket's pages are filled in key order, and each keeps
// empty what the next value would not fit in: about half a value. A value
// also costs its key and bbolt's 16 bytes. Replaying the 240,416 values
// of the 100,000-case demo's events bucket through bbolt's split (3
// December 2026) at 128 to 2,048 bytes, 448 to 640 fill the fewest pages:
// 512 took 35,242 pages (94% in use), 1,024 (the size before) 35,713
// (90.5%), 2,048 36,578. Files written with another size read the same:
// a timeline is the concatenation of its values, however many.
const frozenChunk = 512

// frozenChunks is how many values a frozen timeline of n bytes takes.
func frozenChunks(n int) int { return (n + frozenChunk - 1) / frozenChunk }

// chunkKey is the key of value i of a frozen timeline: the case's prefix
// and i in 2 bytes, a key that no event's (8 bytes of sequence) can be.
func chunkKey(prefix []byte, i int) []byte {
	return binary.BigEndian.AppendUint16(append([]byte(nil), prefix...), uint16(i))
}

// putChunks stores a frozen timeline in chunks.
func (t *timeline) putChunks(frozen []byte) error {
	if frozenChunks(len(frozen)) > 1<<16 {
		return errors.New("a frozen timeline of more than 64 MB")
	}
	for i := range frozenChunks(len(frozen)) {
		if err := t.flat.Put(chunkKey(t.prefix, i), frozen[i*frozenChunk:min(len(frozen), (i+1)*frozenChunk)]); err != nil {
			return err
		}
	}
	t.frozen, t.chunks, t.chunk = frozen, frozenChunks(len(frozen)), min(len(frozen), frozenChunk)
	return nil
}

// freeze turns the case's events into one frozen value (frozen.go), and
// reports whether it did: a timeline already frozen, or not in the flat
// layout, or empty, is left as it is.
func (t *timeline) freeze() (bool, error) {
	if t.frozen != nil || t.nested != nil || t.flat == nil {
		return false, nil
	}
	var keys, envs [][]byte
	gap := false
	err := t.forEach(func(k, v []byte) error {
		if gap = binary.BigEndian.Uint64(k) != uint64(len(envs)+1); gap {
			return errStop // numbered with a gap: left as it is, for check to say
		}
		keys = append(keys, eventKey(t.prefix, binary.BigEndian.Uint64(k)))
		envs = append(envs, v)
		return nil
	})
	if err != nil || gap || len(envs) == 0 {
		return false, err
	}
	frozen, err := freezeEnvelopes(string(t.prefix[:len(t.prefix)-1]), envs)
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		if err := t.flat.Delete(k); err != nil {
			return false, err
		}
	}
	return true, t.putChunks(frozen)
}

// putFrozen stores the frozen timeline of a new case, in place of its
// events one by one.
func (t *timeline) putFrozen(frozen []byte) error {
	if t.nested != nil || t.frozen != nil {
		return errors.New("a frozen timeline written over a stored one")
	}
	return t.putChunks(frozen)
}

// first is the envelope of the case's first event, nil when it has none.
func (t timeline) first() []byte {
	var out []byte
	_ = t.forEach(func(_, v []byte) error { out = v; return errStop })
	return out
}

// errStop ends a forEach early without an error to report.
var errStop = stopError{}

type stopError struct{}

func (stopError) Error() string { return "stop" }

// caseOfEventKey is the case ID of a key of the events bucket.
func caseOfEventKey(k []byte) string {
	if i := bytes.IndexByte(k, 0); i >= 0 {
		return string(k[:i])
	}
	return string(k)
}

// flattenBatch is step 5 of the migrator: it moves the timelines of up to
// n cases from their schema-4 buckets into the flat events bucket, in one
// transaction, and deletes their buckets; the envelopes are copied byte for
// byte, so every digest and chain verifies as before. Each moved case's
// bucket is gone, so a rerun after a crash takes the first ones left; after
// the last, the emptied timelines bucket is deleted.
func flattenBatch(tx kv.Tx, _ []byte, n int, _ time.Time) ([]byte, error) {
	old := tx.Bucket(bucketTimelines)
	if old == nil {
		return nil, nil
	}
	flat, err := tx.CreateBucketIfNotExists(bucketEvents)
	if err != nil {
		return nil, err
	}
	flat.SetFillPercent(0.95) // moved in key order
	var ids [][]byte
	c := old.Cursor()
	for k, v := c.First(); k != nil && len(ids) < n; k, v = c.Next() {
		if v == nil {
			ids = append(ids, append([]byte(nil), k...))
		}
	}
	if len(ids) == 0 {
		return nil, tx.DeleteBucket(bucketTimelines)
	}
	for _, id := range ids {
		prefix := append(append([]byte(nil), id...), 0)
		err := old.Bucket(id).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return &StoreError{Err: ErrDamaged, Detail: "case " + string(id) + ": an event key is not a sequence"}
			}
			return flat.Put(append(append([]byte(nil), prefix...), k...), v)
		})
		if err != nil {
			return nil, err
		}
		if err := old.DeleteBucket(id); err != nil {
			return nil, err
		}
	}
	return ids[len(ids)-1], nil
}
