package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// Recording times never decrease among events recorded by the system
// clock (TRUST.md, "Every fact in the chain"): the meta bucket keeps the
// latest recording time written, each write transaction that records
// events moves it on, and a clock more than ClockTolerance behind it
// refuses writes until it catches up. Events recorded under an overridden
// clock (RIGHTSDESK_NOW) are outside the rule: they say so, and move
// nothing.

// keyLastRecorded holds the latest recording time written (RFC 3339 with
// nanoseconds, UTC).
var keyLastRecorded = []byte("last-recorded")

// ClockTolerance is how far behind the latest recorded change the clock may
// be and still write: within it, the recording time is the latest one's
// (two processes taking the time just before waiting for each other's
// lock); beyond it, the clock stepped back.
const ClockTolerance = time.Second

// ClockBehind is a write refused because the clock is behind the latest
// recorded change by more than ClockTolerance.
type ClockBehind struct {
	Now, Last time.Time
}

func (e *ClockBehind) Error() string {
	return fmt.Sprintf("the clock is behind the last recorded change (it says %s, a change was recorded at %s); "+
		"writes are refused until it catches up", e.Now.UTC().Format(time.RFC3339), e.Last.UTC().Format(time.RFC3339Nano))
}

// recordAt is recordingTime for this store's writes: outside the order
// under an overridden clock or at times a fixture gives.
func (s *Store) recordAt(tx kv.Tx, now time.Time) (time.Time, error) {
	return s.recordAtBy(tx, now, s.own())
}

// recordAtBy is recordAt for a write recorded by w (caller.go): a
// caller's clock is the store's, never overridden.
func (s *Store) recordAtBy(tx kv.Tx, now time.Time, w recorder) (time.Time, error) {
	return recordingTime(tx, now, s.given || w.clockOverridden(), s.clock)
}

// recordingTime is the time the events of a write transaction are recorded
// at: now, or, when now is behind the latest recorded change, that change's
// time or the clock's if later (now was taken before waiting for another
// process's lock). Only when the clock itself is more than ClockTolerance
// behind the latest recorded change is the write refused. It moves the
// latest recorded change on. Under an overridden clock, or at times a
// fixture gives (Options.GivenTimes), it returns now and moves nothing.
func recordingTime(tx kv.Tx, now time.Time, outside bool, clock cases.Clock) (time.Time, error) {
	if outside {
		return now, nil
	}
	last, ok := lastRecorded(tx)
	if ok && now.Before(last) {
		if last.Sub(now) <= ClockTolerance {
			return last, nil
		}
		current := clock.Now()
		if last.Sub(current) > ClockTolerance {
			return now, &ClockBehind{Now: current, Last: last}
		}
		if !current.After(last) {
			return last, nil
		}
		now = current
	}
	return now, tx.Bucket(bucketMeta).Put(keyLastRecorded, []byte(now.UTC().Format(time.RFC3339Nano)))
}

// lastRecorded is the latest recording time written, if the database
// keeps one (a database no write has touched since recording times were
// kept has none).
func lastRecorded(tx kv.Tx) (time.Time, bool) {
	v := tx.Bucket(bucketMeta).Get(keyLastRecorded)
	if v == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(v))
	return t, err == nil
}

// checkRecordingOrder verifies the recording times: in each case, every
// event recorded by the system clock is recorded no earlier than the one
// before it (the events before a migration are unattested and not
// compared), and none is later than the latest recorded change the
// database keeps. It reads only each event's kind and times (checkChain
// reads the rest), so that check of a large file stays about as quick.
func checkRecordingOrder(tx kv.Tx) []Problem {
	var problems []Problem
	if v := tx.Bucket(bucketMeta).Get(keyLastRecorded); v != nil {
		if _, err := time.Parse(time.RFC3339Nano, string(v)); err != nil {
			problems = append(problems, Problem{Detail: fmt.Sprintf("the latest recorded change %q is not a time", v)})
		}
	}
	last, keep := lastRecorded(tx)
	_ = tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
		id := string(k)
		tl, ok := timelineOf(tx, id)
		if !ok {
			return nil // checkChain reports it
		}
		var retained []recordingFacts // a purged case's stand-ins, read when needed
		var prev time.Time
		i := 0
		_ = tl.forEach(func(_, v []byte) error {
			i++
			e, ok := quickFacts(v)
			if !ok {
				var env envelope
				if json.Unmarshal(v, &env) != nil {
					return nil // checkChain reports it
				}
				if len(env.Content) > 0 {
					if json.Unmarshal(env.Content, &e) != nil {
						return nil
					}
				} else {
					if retained == nil {
						retained = retainedFacts(tx, k)
					}
					if i > len(retained) {
						return nil
					}
					e = retained[i-1]
				}
			}
			if e.Kind == cases.EventMigrated {
				prev = time.Time{} // the ones before are unattested
			}
			if slices.Contains(e.Overridden, cases.OverriddenClock) {
				return nil
			}
			switch {
			case !prev.IsZero() && e.RecordedAt.Before(prev):
				problems = append(problems, Problem{CaseID: id, Detail: fmt.Sprintf(
					"event %d (%s) is recorded at %s, before the event preceding it (%s): recording times went back",
					i, e.Kind, e.RecordedAt.UTC().Format(time.RFC3339Nano), prev.UTC().Format(time.RFC3339Nano))})
			// (purge and the migrator record their events without
			// moving the latest recorded change)
			case keep && e.RecordedAt.After(last) && e.Kind != cases.EventPurged && e.Kind != cases.EventMigrated:
				problems = append(problems, Problem{CaseID: id, Detail: fmt.Sprintf(
					"event %d (%s) is recorded at %s, after the latest recorded change the database keeps (%s)",
					i, e.Kind, e.RecordedAt.UTC().Format(time.RFC3339Nano), last.UTC().Format(time.RFC3339Nano))})
			}
			if e.RecordedAt.After(prev) {
				prev = e.RecordedAt
			}
			return nil
		})
		return nil
	})
	return problems
}

// quickFacts reads an event's recording facts from its stored envelope
// without decoding the rest: the content starts {"kind":…,"at":…,
// "recorded_at":…} (cases.Event's first fields) and names its overrides
// once as a key. ok is false when the bytes are not so (a purged event,
// another layout): the caller decodes them.
func quickFacts(env []byte) (e recordingFacts, ok bool) {
	i := bytes.Index(env, []byte(`"content":{"kind":"`))
	if i < 0 {
		return e, false
	}
	rest := env[i+len(`"content":{"kind":"`):]
	kind, rest, ok := cutQuoted(rest)
	if !ok || !bytes.HasPrefix(rest, []byte(`,"at":"`)) {
		return e, false
	}
	if _, rest, ok = cutQuoted(rest[len(`,"at":"`):]); !ok || !bytes.HasPrefix(rest, []byte(`,"recorded_at":"`)) {
		return e, false
	}
	at, rest, ok := cutQuoted(rest[len(`,"recorded_at":"`):])
	if !ok {
		return e, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(at))
	if err != nil {
		return e, false
	}
	e = recordingFacts{Kind: cases.EventKind(kind), RecordedAt: t}
	if j := bytes.Index(rest, []byte(`"overridden":[`)); j >= 0 {
		list, _, found := bytes.Cut(rest[j+len(`"overridden":[`):], []byte("]"))
		if !found || json.Unmarshal(append(append([]byte("["), list...), ']'), &e.Overridden) != nil {
			return e, false
		}
	}
	return e, true
}

// cutQuoted splits b after a JSON string's closing quote, for strings
// that hold no escape (kinds and times); ok is false otherwise.
func cutQuoted(b []byte) (value, rest []byte, ok bool) {
	j := bytes.IndexByte(b, '"')
	if j < 0 || bytes.IndexByte(b[:j], '\\') >= 0 {
		return nil, nil, false
	}
	return b[:j], b[j+1:], true
}

// recordingFacts are what the order of recording times depends on, of an
// event's stored content.
type recordingFacts struct {
	Kind       cases.EventKind `json:"kind"`
	RecordedAt time.Time       `json:"recorded_at"`
	Overridden []string        `json:"overridden"`
}

// retainedFacts are the recording facts of a purged case's stand-ins (its
// minimal record's events, by position); empty, not nil, when there are
// none.
func retainedFacts(tx kv.Tx, id []byte) []recordingFacts {
	out := []recordingFacts{}
	raw := tx.Bucket(bucketCases).Get(id)
	recordJSON, _, err := splitCaseValue(raw)
	if err != nil {
		return out
	}
	var stored struct {
		Retained []recordingFacts `json:"retained"`
	}
	if json.Unmarshal(recordJSON, &stored) == nil && stored.Retained != nil {
		out = stored.Retained
	}
	return out
}

// recordRequestsAt moves the recording time of the requests' events that
// were recorded at now (built before the transaction took the lock) to
// the transaction's recording time at.
func recordRequestsAt(requests [][]*cases.Case, now, at time.Time) {
	if at.Equal(now) {
		return
	}
	for _, group := range requests {
		for _, c := range group {
			for i := range c.Events {
				if c.Events[i].RecordedAt.Equal(now) {
					c.Events[i].RecordedAt = at
				}
			}
		}
	}
}
