package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// LegalHold is the tag that keeps a case from being purged.
const LegalHold = "legal-hold"

// Retention is how long an organisation's case files are kept after a case
// is closed (its register's case_files).
type Retention struct {
	CopiesMonths int // data copies and attachments are removed after this
	RecordYears  int // then personal content is reduced to the minimal record
}

// purgePerTx is how many cases one transaction of a purge takes: 2,000 on
// a file of its own; on a replica, what a cluster takes within its members'
// limits: a purged case writes about 20 operations and 6 KB (a purge of
// 1,346 demo cases, 27,269 operations, 8.3 MB), so 200 cases stay under
// --max-txn-ops 8192 and --max-request-bytes 10 MiB.
func (s *Store) purgePerTx() int {
	if s.replica != nil {
		return 200
	}
	return 2000
}

// Purge stages.
const (
	PurgeCopies = "copies" // attachments and data copies removed
	PurgeRecord = "record" // personal content reduced to the minimal record
)

// PurgeItem is one case retention acts on.
type PurgeItem struct {
	CaseID     string     `json:"id"`
	Controller string     `json:"controller"`
	ClosedOn   cases.Date `json:"closed_on"`
	Stage      string     `json:"stage"`
	Files      int        `json:"files"` // attached files removed
	Bytes      int64      `json:"bytes"`
}

// PurgePlan is what a purge removes (or, dry, would remove).
type PurgePlan struct {
	Items []PurgeItem `json:"items"`
	// Held are cases due for purging that carry the legal-hold tag.
	Held []string `json:"held"`
	// Unknown are organisations with cases but no retention rule; their
	// cases are left alone.
	Unknown []string `json:"unknown_organisations"`
	// SizeBefore and SizeAfter are the file's size around the compaction
	// that follows a real purge (equal for a dry run).
	SizeBefore int64 `json:"size_before"`
	SizeAfter  int64 `json:"size_after"`
	// ClusterErased: the store is kept on a cluster, whose history was
	// compacted past the purge and every member defragmented (the team
	// server, serve --store, after a real purge).
	ClusterErased bool `json:"cluster_erased,omitempty"`
}

// Purge applies retention as of now: for each closed case of an
// organisation retention knows, removes the attached files once
// CopiesMonths have passed since closure, and reduces its personal content
// to the minimal record (ID, organisation, right, dates, outcome, grounds)
// once RecordYears have passed. Each step is a purged event in the
// timeline; removed event contents leave their digests, so check still
// verifies every chain. A case tagged legal-hold is untouched. A dry run
// computes the same plan and writes nothing. A real run then compacts the
// file, so that the erased bytes do not linger in free pages.
func (s *Store) Purge(retention func(controller string) (Retention, bool), now time.Time, actor string, dryRun bool) (*PurgePlan, error) {
	plan := &PurgePlan{Items: []PurgeItem{}, Held: []string{}, Unknown: []string{}, SizeBefore: fileSize(s.path)}
	if !dryRun {
		// A purge is a write even when nothing is due (damaged.go).
		if err := s.refuseIfMarked(); err != nil {
			return nil, err
		}
	}
	var closed []cases.Summary
	err := s.view(func(tx kv.Tx) error {
		var err error
		closed, err = s.purgeCandidates(tx)
		return err
	})
	if errors.Is(err, ErrNoDatabase) {
		return plan, nil
	}
	if err != nil {
		return nil, err
	}
	// Each case is purged once (its record says which stage it reached), so
	// the work is committed in batches and other users are let in between.
	perTx := s.purgePerTx()
	for start := 0; start < len(closed); start += perTx {
		chunk := closed[start:min(start+perTx, len(closed))]
		var items []PurgeItem
		var held, unknown []string
		work := func(tx kv.Tx) error {
			items, held, unknown = items[:0], held[:0], unknown[:0]
			for i, sum := range chunk {
				if i%64 == 0 {
					s.report(start+i, len(closed))
				}
				r, ok := retention(sum.Controller)
				if !ok {
					unknown = append(unknown, sum.Controller)
					continue
				}
				item, err := purgeCase(tx, sum, r, now, actor, dryRun, s.prov)
				if err != nil {
					return err
				}
				switch {
				case item == nil:
				case slices.Contains(sum.Tags, LegalHold):
					held = append(held, sum.ID)
				default:
					items = append(items, *item)
				}
			}
			return nil
		}
		if dryRun {
			err = s.view(work)
		} else {
			err = s.update(func(tx kv.Tx) error {
				// A purge's events are recorded as any change is: at a
				// time that never goes back, marked when the environment
				// overrode the clock or the actor (monotonic.go).
				at, err := s.recordAt(tx, now)
				if err != nil {
					return err
				}
				now = at
				if err := work(tx); err != nil {
					return err
				}
				if len(items) > 0 {
					// In the same transaction as the erasure (compact.go).
					return markCompaction(tx)
				}
				return nil
			})
			compactHook("purged")
		}
		if err != nil {
			return nil, err
		}
		plan.Items, plan.Held = append(plan.Items, items...), append(plan.Held, held...)
		for _, u := range unknown {
			if !slices.Contains(plan.Unknown, u) {
				plan.Unknown = append(plan.Unknown, u)
			}
		}
	}
	s.report(len(closed), len(closed))
	slices.Sort(plan.Held)
	slices.Sort(plan.Unknown)
	slices.SortFunc(plan.Items, func(a, b PurgeItem) int { return strings.Compare(a.CaseID, b.CaseID) })
	if !dryRun {
		if err := s.compactNow(); err != nil {
			return nil, err
		}
	}
	plan.SizeAfter = fileSize(s.path)
	return plan, nil
}

// compactNow finishes the compaction the batches of a purge marked
// (compact.go): the next open for writing compacts the file and removes the
// marker, which is also what a purge interrupted before finishes. A held
// file is released for it and held again (held.go).
func (s *Store) compactNow() error {
	if held, err := s.whileReleased(func() error { return nil }); held {
		return err
	}
	return s.with(false, func(*bolt.DB) error { return nil })
}

// voidedAt is when a case was voided (its last voided event).
func voidedAt(c *cases.Case) time.Time {
	var at time.Time
	for _, e := range c.Events {
		if e.Kind == cases.EventVoided {
			at = e.At
		}
	}
	return at
}

// purgeCandidates are the cases retention may concern: the closed ones,
// and those voided while open.
func (s *Store) purgeCandidates(tx kv.Tx) ([]cases.Summary, error) {
	var out []cases.Summary
	err := tx.Bucket(bucketRows).ForEach(func(k, v []byte) error {
		sum, _, err := decodeRow(v)
		if err != nil {
			return &StoreError{Path: s.path, Err: ErrDamaged, Detail: "case " + string(k) + ": " + err.Error(), Advice: restoreAdvice}
		}
		// A voided case that was never closed is kept, as a closed one
		// is, from the day it was voided: a mistake's personal data are
		// not kept for ever either.
		if sum.Closed() || sum.Voided {
			out = append(out, sum)
		}
		return nil
	})
	return out, err
}

func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// purgeCase decides (and unless dry, does) what retention asks of one closed
// case. It returns nil when nothing is due; a held case is reported but not
// changed.
func purgeCase(tx kv.Tx, sum cases.Summary, r Retention, now time.Time, actor string, dryRun bool, prov cases.Provenance) (*PurgeItem, error) {
	rec, err := loadRecord(tx, sum.ID)
	if err != nil {
		return nil, err
	}
	loc, err := cases.LoadZone(currentRules(rec.Case).Zone)
	if err != nil {
		return nil, err
	}
	ended, endedBy := sum.ClosedAt, "closure"
	if !sum.Closed() {
		ended, endedBy = voidedAt(rec.Case), "voiding"
	}
	closedOn, today := cases.DateOf(ended, loc), cases.DateOf(now, loc)
	copiesDue, _ := closedOn.AddMonths(r.CopiesMonths)
	recordDue, _ := closedOn.AddMonths(12 * r.RecordYears)
	item := &PurgeItem{CaseID: sum.ID, Controller: sum.Controller, ClosedOn: closedOn}
	switch {
	case r.RecordYears > 0 && rec.RecordPurged == nil && !today.Before(recordDue):
		item.Stage = PurgeRecord
	case r.CopiesMonths > 0 && rec.CopiesPurged == nil && !today.Before(copiesDue):
		item.Stage = PurgeCopies
	default:
		return nil, nil
	}
	err = eachFile(tx, sum.ID, func(_ string, v []byte) error {
		item.Files++
		item.Bytes += int64(len(v))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if dryRun || slices.Contains(sum.Tags, LegalHold) {
		return item, nil
	}
	if item.Files > 0 {
		if err := deleteFiles(tx, sum.ID); err != nil {
			return nil, err
		}
	}
	at := now
	if rec.CopiesPurged == nil {
		rec.CopiesPurged = &at
	}
	why := fmt.Sprintf("%d attached files (%s) removed, %d months after %s on %s (retention of %s)",
		item.Files, byteSize(item.Bytes), r.CopiesMonths, endedBy, closedOn, sum.Controller)
	ev := cases.Event{Kind: cases.EventPurged, At: now, RecordedAt: now, Actor: actor}
	if item.Stage == PurgeRecord {
		if ev.Retained, err = reduceToMinimal(tx, rec); err != nil {
			return nil, err
		}
		ev.PurgedThrough = rec.Events
		rec.RecordPurged = &at
		why = fmt.Sprintf("personal content reduced to the minimal record, %d years after %s on %s (retention of %s); %d attached files removed",
			r.RecordYears, endedBy, closedOn, sum.Controller, item.Files)
	}
	ev.Text = why
	prov.Stamp(&ev)
	if err := appendEvent(tx, rec, ev); err != nil {
		return nil, err
	}
	if item.Stage == PurgeRecord {
		// What the case says now derives from what the purge left.
		reduced, err := loadRecord(tx, sum.ID)
		if err != nil {
			return nil, err
		}
		rec.Case, rec.Retained = reduced.Case, nil
	} else {
		rec.Case.Events = append(rec.Case.Events, ev)
	}
	st, err := rec.deriveState(now, true)
	if err != nil {
		return nil, err
	}
	return item, putRecord(tx, rec, st, nil)
}

// reduceToMinimal removes the personal fields of every event of a case,
// their values and their salts (seal.go), and keeps the rest: what the
// minimal record needs (organisation, right, regime, dates, outcome,
// grounds, every event's kind, times and actor, so that its deadlines and
// timeliness stay as they were), committed to by digests that still
// verify. An event recorded before the case's migrated event has no
// commitments: its content goes, and its minimal record is returned, one
// per event up to the last such, for the purged event to keep (loadRecord
// puts them in place of the removed contents, check verifies them as part
// of that event).
func reduceToMinimal(tx kv.Tx, rec *record) ([]cases.Event, error) {
	c := rec.Case
	tl, ok := timelineOf(tx, c.ID)
	if !ok {
		return nil, fmt.Errorf("case %s: no timeline", c.ID)
	}
	var keys, values [][]byte
	lastOld := -1
	i := 0
	err := tl.forEach(func(k, v []byte) error {
		defer func() { i++ }()
		var env envelope
		if err := json.Unmarshal(v, &env); err != nil {
			return fmt.Errorf("case %s event %x: %w", c.ID, k, err)
		}
		switch {
		case env.Salt == "":
			lastOld = i
			if len(env.Content) == 0 {
				return nil
			}
			env.Content = nil
		case env.Personal != nil:
			env.Personal = nil
		default:
			return nil
		}
		out, err := json.Marshal(env)
		if err != nil {
			return err
		}
		keys, values = append(keys, append([]byte(nil), k...)), append(values, out)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range keys {
		if err := tl.put(binary.BigEndian.Uint64(keys[i]), values[i]); err != nil {
			return nil, err
		}
	}
	var retained []cases.Event
	if lastOld >= 0 {
		if lastOld >= len(c.Events) {
			return nil, fmt.Errorf("case %s: the timeline has more events than were read", c.ID)
		}
		retained = make([]cases.Event, lastOld+1)
		for i, e := range c.Events[:lastOld+1] {
			retained[i] = minimalEvent(e)
		}
	}
	return retained, nil
}

// minimalEvent is what the minimal record keeps of an event recorded before
// the chain held every fact: its kind, times, actor and clock facts.
func minimalEvent(e cases.Event) cases.Event {
	m := cases.Event{Kind: e.Kind, At: e.At, RecordedAt: e.RecordedAt, Actor: e.Actor, Letter: e.Letter,
		Channel: e.Channel, Checksum: e.Checksum, Outcome: e.Outcome, Grounds: e.Grounds, Law: e.Law,
		ReopenReason: e.ReopenReason, Rules: e.Rules, ExtendedTo: e.ExtendedTo, Assignee: e.Assignee,
		Tags: e.Tags, Recipients: e.Recipients}
	if e.Attachment != nil {
		m.Attachment = &cases.Attachment{Kind: e.Attachment.Kind, Size: e.Attachment.Size, SHA256: e.Attachment.SHA256}
	}
	return m
}
