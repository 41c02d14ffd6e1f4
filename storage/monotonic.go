package storage

import (
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
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

// recordingTime is the time the events of a write transaction are recorded
// at: now, or, when now is behind the latest recorded change, that change's
// time or the clock's if later (now was taken before waiting for another
// process's lock). Only when the clock itself is more than ClockTolerance
// behind the latest recorded change is the write refused. It moves the
// latest recorded change on. Under an overridden clock, or at times a
// fixture gives (Options.GivenTimes), it returns now and moves nothing.
func recordingTime(tx *bolt.Tx, now time.Time, outside bool, clock cases.Clock) (time.Time, error) {
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
func lastRecorded(tx *bolt.Tx) (time.Time, bool) {
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
// database keeps.
func checkRecordingOrder(tx *bolt.Tx) []Problem {
	var problems []Problem
	if v := tx.Bucket(bucketMeta).Get(keyLastRecorded); v != nil {
		if _, err := time.Parse(time.RFC3339Nano, string(v)); err != nil {
			problems = append(problems, Problem{Detail: fmt.Sprintf("the latest recorded change %q is not a time", v)})
		}
	}
	last, keep := lastRecorded(tx)
	_ = tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
		rec, err := loadRecord(tx, string(k))
		if err != nil {
			return nil // checkChain reports it
		}
		var prev time.Time
		for i, e := range rec.Case.Events {
			if e.Kind == cases.EventMigrated {
				prev = time.Time{} // the ones before are unattested
			}
			if slices.Contains(e.Overridden, cases.OverriddenClock) {
				continue
			}
			switch {
			case !prev.IsZero() && e.RecordedAt.Before(prev):
				problems = append(problems, Problem{CaseID: rec.Case.ID, Detail: fmt.Sprintf(
					"event %d (%s) is recorded at %s, before the event preceding it (%s): recording times went back",
					i+1, e.Kind, e.RecordedAt.UTC().Format(time.RFC3339Nano), prev.UTC().Format(time.RFC3339Nano))})
			// (purge records its event without moving the latest
			// recorded change)
			case keep && e.RecordedAt.After(last) && e.Kind != cases.EventPurged:
				problems = append(problems, Problem{CaseID: rec.Case.ID, Detail: fmt.Sprintf(
					"event %d (%s) is recorded at %s, after the latest recorded change the database keeps (%s)",
					i+1, e.Kind, e.RecordedAt.UTC().Format(time.RFC3339Nano), last.UTC().Format(time.RFC3339Nano))})
			}
			if e.RecordedAt.After(prev) {
				prev = e.RecordedAt
			}
		}
		return nil
	})
	return problems
}

// stampAll marks every event of the requests with what the process's
// environment overrode and the origin it reported.
func stampAll(p cases.Provenance, requests [][]*cases.Case) {
	if len(p.Overridden) == 0 && p.ReportedOrigin == "" {
		return
	}
	for _, group := range requests {
		for _, c := range group {
			for i := range c.Events {
				p.Stamp(&c.Events[i])
			}
		}
	}
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
