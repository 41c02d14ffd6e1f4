package storage

import (
	"fmt"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// MigrationActor is who a migrated event names as having recorded it: the
// program, not a person.
const MigrationActor = "rightsdesk (migration)"

// migrateChainBatch is step 4 (the chain): each of up to n cases recorded
// before schema 4 gets a migrated event, in the new envelope format,
// holding its facts as found and its frozen rules, and for a case purged
// before, the minimal record that stood in for its removed contents. The
// events before it are unattested from then on (loadRecord derives it);
// what the case says derives from the migrated event and any later
// correction. A case already migrated, or recorded by this version, is
// left alone, so a rerun of a batch changes nothing twice.
func migrateChainBatch(tx kv.Tx, after []byte, n int, now time.Time) ([]byte, error) {
	ids := casesAfter(tx, after, n)
	if len(ids) == 0 {
		return nil, nil
	}
	for _, id := range ids {
		if err := migrateCase(tx, string(id), now); err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
	}
	// The migrated events are leaves of the logs: sign them with the batch.
	if err := sealLogs(tx, now); err != nil {
		return nil, err
	}
	return ids[len(ids)-1], nil
}

// migrateCase gives one case its migrated event, unless it needs none.
func migrateCase(tx kv.Tx, id string, now time.Time) error {
	first, err := firstEnvelopeSalted(tx, id)
	if err != nil || first {
		return err
	}
	rec, err := loadRecord(tx, id)
	if err != nil {
		return err
	}
	for _, e := range rec.Case.Events {
		if e.Kind == cases.EventMigrated {
			return nil
		}
	}
	rules := rec.Case.Rules
	ev := cases.Event{Kind: cases.EventMigrated, At: now, RecordedAt: now, Actor: MigrationActor,
		Facts: cases.FactsOf(rec.Case), Rules: &rules}
	if rec.RecordPurged != nil && len(rec.Retained) > 0 {
		ev.Retained = make([]cases.Event, len(rec.Retained))
		for i, r := range rec.Retained {
			r.Unattested = false
			ev.Retained[i] = r
		}
	}
	// Its earlier events go into its organisation's log first, in sequence
	// (TRUST.md: the migration builds the logs).
	if err := logCase(tx, rec.Case); err != nil {
		return err
	}
	if err := appendEvent(tx, rec, ev); err != nil {
		return err
	}
	rec.Case.Events = append(rec.Case.Events, ev)
	for i := range rec.Case.Events[:len(rec.Case.Events)-1] {
		rec.Case.Events[i].Unattested = true
	}
	rec.Retained = nil
	st, err := rec.deriveState(now, true)
	if err != nil {
		return err
	}
	return writeCase(tx, rec, st, nil)
}

// firstEnvelopeSalted reports whether a case's first event has the new
// envelope format (the case was recorded by this version).
func firstEnvelopeSalted(tx kv.Tx, id string) (bool, error) {
	tl, ok := timelineOf(tx, id)
	if !ok {
		return false, fmt.Errorf("no timeline")
	}
	v := tl.first()
	return v != nil && saltedEnvelope(v), nil
}
