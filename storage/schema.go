package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// SchemaVersion is the layout this build writes. Version 1 had the cases,
// their timelines and the change log; version 2 added what keeps the queue
// fast at 100,000 cases: the due-date index ("overdue", "due within"), a
// compact summary per case, and each case as list --json prints it. All
// three are derived and rebuilt whenever the engine version changes.
// Version 3 keeps the registers in the database, every version of each
// (registers.go), and each distinct set of frozen rules once, referred to
// by the cases and their events (rules.go).
// Version 4 holds every fact in the chain (TRUST.md): salted envelopes,
// the intake facts in the received event, and a migrated event in each case
// recorded before (migrate4.go).
// Version 5 keeps every timeline in one flat bucket keyed by case and
// sequence instead of a bucket per case (timeline.go).
// Version 6 stores each organisation's log in tiles: its leaves and every
// fourth level, 16 hashes a value (logtiles.go).
// Version 7 stores the at and recorded_at of events in binary and keeps
// the due index as keys alone (migrate7.go).
// Version 8 keeps of each complete tile of a case organisation's log's
// leaves which cases' events they are, not their hashes (logtiles.go,
// migrate8.go).
// Version 9 keeps the files attached to cases in one flat bucket, a
// case's small files in one value, not a bucket per case (files.go).
const SchemaVersion = 9

// Bucket names.
var (
	bucketMeta      = []byte("meta")
	bucketCases     = []byte("cases")     // ID -> record JSON (v2: and the list view, record.go)
	bucketTimelines = []byte("timelines") // before v5: ID -> bucket: seq (8 bytes) -> envelope JSON (now bucketEvents)
	bucketChanges   = []byte("changes")   // change number (8 bytes) -> case ID
	bucketFiles     = []byte("files")     // before v9: ID -> bucket: file name -> content (now bucketAttached)
	bucketIDs       = []byte("ids")       // year -> bucket whose sequence numbers cases
	bucketDue       = []byte("due")       // v2: due instant + 0 + receipt + 0 + ID -> the list view, its keys packed (dueview.go); open cases with a running clock
	bucketWaiting   = []byte("waiting")   // v2: received instant + 0 + ID -> ""; paused or awaiting restart
	bucketRows      = []byte("rows")      // v2: ID -> the queue's summary and its index key (row.go)

	keyApp         = []byte("app")
	keySchema      = []byte("schema")
	keyIndexEngine = []byte("index-engine")
	appMarker      = []byte("rightsdesk")
	bucketsV1      = [][]byte{bucketMeta, bucketCases, bucketTimelines, bucketChanges, bucketFiles, bucketIDs}
	bucketsV2      = [][]byte{bucketDue, bucketWaiting, bucketRows, bucketReports}
	bucketsV3      = [][]byte{bucketRegisters, bucketRules}
	// keyMigrating is the marker of the previous version's migration to
	// schema 3 (keyMigration replaced it).
	keyMigrating    = []byte("migrating-to-3")
	errNeedsUpgrade = errors.New("needs a schema upgrade")
)

// indexStamp names what the derived buckets were computed with: the
// engine version, the row format and the report entries' format. When
// any changes, they are rebuilt.
func indexStamp() []byte {
	return []byte(strconv.Itoa(cases.EngineVersion) + "." + strconv.Itoa(rowFormat) + "." + strconv.Itoa(reportFormat))
}

// createSchema lays out an empty database at the given version (tests use
// older versions to build migration fixtures); from version 3 the built-in
// registers are seeded as their version 1, stored at the time given.
func createSchema(tx kv.Tx, version int, at time.Time) error {
	names := bucketsV1
	if version >= 2 {
		names = append(append([][]byte{}, bucketsV1...), bucketsV2...)
	}
	if version >= 3 {
		names = append(names, bucketsV3...)
	}
	if version >= 5 {
		names = append(append(names, bucketEvents), bucketsDerived...)
	}
	if version >= 9 {
		names = append(names, bucketAttached)
	}
	for _, n := range names {
		if version >= 5 && bytes.Equal(n, bucketTimelines) || version >= 9 && bytes.Equal(n, bucketFiles) {
			continue
		}
		if _, err := tx.CreateBucketIfNotExists(n); err != nil {
			return err
		}
	}
	m := tx.Bucket(bucketMeta)
	if err := m.Put(keyApp, appMarker); err != nil {
		return err
	}
	if err := ensureDatabaseID(tx); err != nil {
		return err
	}
	if version >= 2 {
		if err := m.Put(keyIndexEngine, indexStamp()); err != nil {
			return err
		}
	}
	if version >= 3 {
		if err := seedRegisters(tx, at); err != nil {
			return err
		}
	}
	return m.Put(keySchema, []byte(strconv.Itoa(version)))
}

// schemaOf reads the version of an existing file: 0 for an empty bbolt file,
// ErrForeign for another program's.
func schemaOf(tx kv.Tx) (int, error) {
	m := tx.Bucket(bucketMeta)
	if m == nil || string(m.Get(keyApp)) != string(appMarker) {
		empty := true
		_ = tx.ForEach(func(name []byte, _ kv.Bucket) error {
			// A replica's own bucket is not data (replica.go).
			empty = empty && bytes.Equal(name, kv.ReplicaBucket)
			return nil
		})
		if empty {
			return 0, nil
		}
		return 0, ErrForeign
	}
	v, err := strconv.Atoi(string(m.Get(keySchema)))
	if err != nil || v < 1 {
		return 0, ErrDamaged
	}
	return v, nil
}

// prepare checks the file is a rightsdesk database this build can use and
// brings it to SchemaVersion: an empty file gets the schema, an older one is
// migrated in one transaction, a newer or foreign one is refused.
func (s *Store) prepare(db *bolt.DB, readOnly bool) error {
	var version int
	staleIndex, migrating := false, false
	err := kv.View(db, func(tx kv.Tx) error {
		var err error
		version, err = schemaOf(tx)
		if err == nil && version >= 2 {
			staleIndex = string(tx.Bucket(bucketMeta).Get(keyIndexEngine)) != string(indexStamp())
			migrating = tx.Bucket(bucketMeta).Get(keyMigrating) != nil || tx.Bucket(bucketMeta).Get(keyMigration) != nil ||
				logsNeeded(tx)
		}
		return err
	})
	switch {
	case errors.Is(err, ErrForeign):
		return &StoreError{Path: s.path, Err: ErrForeign, Detail: "it has no rightsdesk marker",
			Advice: "check --db or $RIGHTSDESK_DB points at the right file"}
	case errors.Is(err, ErrDamaged):
		return &StoreError{Path: s.path, Err: ErrDamaged, Detail: "unreadable schema version", Advice: restoreAdvice}
	case err != nil:
		return err
	case version > SchemaVersion:
		return &StoreError{Path: s.path, Err: ErrNewer,
			Detail: fmt.Sprintf("schema %d, this build knows up to %d", version, SchemaVersion),
			Advice: "use the newer rightsdesk; this one will not touch the file"}
	case version == 0 && readOnly:
		return ErrNoDatabase
	case (version < SchemaVersion || staleIndex || migrating) && readOnly:
		return errNeedsUpgrade
	case version == SchemaVersion && !staleIndex && !migrating:
		return nil
	case s.replica != nil:
		return s.prepareReplica(version, readOnly) // replica.go
	}
	if readOnly {
		return nil
	}
	now := s.clock.Now()
	if version == 0 {
		return kv.Update(db, func(tx kv.Tx) error { return createSchema(tx, SchemaVersion, now) })
	}
	if version < SchemaVersion || migrating {
		if err := migrate(db, version, now); err != nil || !staleIndex {
			return err
		}
	}
	// The index was computed by another engine version (or a migrated
	// file's was): recompute it.
	return rebuildIndexInBatches(db, now)
}

// migration is one numbered step of the one resumable migrator: what
// brings a file to schema to, a batch of cases per transaction. batch
// migrates up to n cases after the case named after (nil: from the first)
// and returns the last case it did, or nil when none was left; it must
// leave the file usable at every commit, and a rerun after a crash resumes
// after the last batch committed (the marker in meta says where).
type migration struct {
	to    int
	name  string
	batch func(tx kv.Tx, after []byte, n int, now time.Time) ([]byte, error)
}

// migrations are the steps of the migrator, in order. A later schema adds
// its step at the end and raises SchemaVersion to its to.
var migrations = []migration{
	{to: 3, name: "rules", batch: moveRulesBatch},
	{to: 4, name: "chain", batch: migrateChainBatch},
	{to: 5, name: "flat timelines", batch: flattenBatch},
	{to: 6, name: "tiled logs", batch: tileLogsBatch},
	{to: 7, name: "compact events", batch: compactEventsBatch},
	{to: 8, name: "sourced log tiles", batch: sourceLogsBatch},
	{to: 9, name: "attached files", batch: attachFilesBatch},
}

// keyMigration marks a migration under way: the step running and the last
// case it did, as "<to>/<case ID>" ("<to>/" before its first batch). A
// file migrated by the previous version was marked by keyMigrating
// (migrating-to-3: the last case whose rules were moved, or "start"),
// which the first transaction turns into this marker.
var keyMigration = []byte("migration")

// migrateBatch is how many cases one transaction of the migration does
// (TRUST.md: at most 5,000).
const migrateBatch = 2000

// migrate brings a file from an older schema to SchemaVersion: its first
// transaction does the steps to schema 2, seeds the registers and sets
// the schema to SchemaVersion with the marker of the first step left, so
// that an older rightsdesk refuses the file from then on; each step then
// runs a batch of cases per transaction, the marker recording the last case
// done, and the last transaction removes the marker. Reading handles a case
// before and after each step alike, so the file is usable at every commit.
// What it derives anew is derived as of now.
func migrate(db *bolt.DB, from int, now time.Time) error {
	if from < SchemaVersion {
		if err := beginMigration(db, from, now); err != nil {
			return err
		}
	}
	if err := runMigrations(db, now); err != nil {
		return err
	}
	// The chain step logs each case it migrates; this finishes a file
	// whose logs were begun and not ended by an earlier build.
	return migrateAllLogs(db, now)
}

// beginMigration is the first transaction of migrate.
func beginMigration(db *bolt.DB, from int, now time.Time) error {
	return kv.Update(db, func(tx kv.Tx) error {
		// Schema 3's buckets first: rebuilding the index rewrites the
		// records, with their rules by reference.
		for _, n := range bucketsV3 {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return err
			}
		}
		if from < 2 {
			for _, n := range bucketsV2 {
				if _, err := tx.CreateBucketIfNotExists(n); err != nil {
					return err
				}
			}
			if err := rebuildIndex(tx, now); err != nil {
				return fmt.Errorf("migrate to schema 2: %w", err)
			}
		}
		m := tx.Bucket(bucketMeta)
		if from < 3 {
			if err := seedRegisters(tx, now); err != nil {
				return fmt.Errorf("migrate to schema 3: %w", err)
			}
		}
		marker := ""
		if old := m.Get(keyMigrating); old != nil {
			// Left by the previous version, part way through step 3.
			marker = "3/"
			if !bytes.Equal(old, []byte("start")) {
				marker += string(old)
			}
			if err := m.Delete(keyMigrating); err != nil {
				return err
			}
		}
		if marker == "" && m.Get(keyMigration) == nil {
			for _, step := range migrations {
				if step.to > from {
					marker = strconv.Itoa(step.to) + "/"
					break
				}
			}
		}
		if marker != "" {
			if err := m.Put(keyMigration, []byte(marker)); err != nil {
				return err
			}
		}
		return m.Put(keySchema, []byte(strconv.Itoa(SchemaVersion)))
	})
}

// runMigrations runs the steps the marker says are left, a batch of cases
// per transaction, then removes the marker.
func runMigrations(db *bolt.DB, now time.Time) error {
	for {
		done := false
		err := kv.Update(db, func(tx kv.Tx) error {
			packWrites(tx)
			m := tx.Bucket(bucketMeta)
			marker := m.Get(keyMigration)
			if marker == nil {
				done = true
				return nil
			}
			toText, after, ok := bytes.Cut(marker, []byte{'/'})
			to, err := strconv.Atoi(string(toText))
			step := -1
			for i := range migrations {
				if migrations[i].to == to {
					step = i
				}
			}
			if !ok || err != nil || step < 0 {
				return fmt.Errorf("unreadable migration marker %q", marker)
			}
			if len(after) == 0 {
				after = nil
			} else {
				after = append([]byte(nil), after...)
			}
			last, err := migrations[step].batch(tx, after, migrateBatch, now)
			if err != nil {
				return fmt.Errorf("migrate to schema %d (%s): %w", to, migrations[step].name, err)
			}
			switch {
			case last != nil:
				return m.Put(keyMigration, append([]byte(strconv.Itoa(to)+"/"), last...))
			case step+1 < len(migrations):
				return m.Put(keyMigration, []byte(strconv.Itoa(migrations[step+1].to)+"/"))
			}
			done = true
			return m.Delete(keyMigration)
		})
		if err != nil || done {
			return err
		}
	}
}

// casesAfter returns up to n case IDs after the one named after (nil:
// from the first).
func casesAfter(tx kv.Tx, after []byte, n int) [][]byte {
	var out [][]byte
	c := tx.Bucket(bucketCases).Cursor()
	k, _ := c.First()
	if after != nil {
		if k, _ = c.Seek(after); bytes.Equal(k, after) {
			k, _ = c.Next()
		}
	}
	for ; k != nil && len(out) < n; k, _ = c.Next() {
		out = append(out, append([]byte(nil), k...))
	}
	return out
}

// moveRulesBatch is step 3: it moves the frozen rules of up to n cases
// into the rules bucket: their records and the events that carry rules are
// rewritten with a reference; digests, chains and the derived buckets are
// untouched.
func moveRulesBatch(tx kv.Tx, after []byte, n int, _ time.Time) ([]byte, error) {
	ids := casesAfter(tx, after, n)
	if len(ids) == 0 {
		return nil, nil
	}
	var blobs []rulesBlob
	cs := tx.Bucket(bucketCases)
	for _, id := range ids {
		value, more, err := compactCaseValue(cs.Get(id))
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
		blobs = append(blobs, more...)
		if value != nil {
			if err := cs.Put(id, value); err != nil {
				return nil, err
			}
		}
		more, err = compactTimeline(tx, id)
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
		blobs = append(blobs, more...)
	}
	if err := putRules(tx, blobs); err != nil {
		return nil, err
	}
	return ids[len(ids)-1], nil
}

// compactCaseValue is a case's stored value with its record's frozen rules
// by reference, and their blobs; nil when there was nothing to move.
func compactCaseValue(v []byte) ([]byte, []rulesBlob, error) {
	recordJSON, view, err := splitCaseValue(v)
	if err != nil {
		return nil, nil, err
	}
	start, end := topLevelValue(recordJSON, "case")
	if start < 0 {
		return nil, nil, errors.New("unreadable record")
	}
	caseJSON, blob := compactRules(recordJSON[start:end], false)
	if blob == nil {
		return nil, nil, nil
	}
	out := make([]byte, 0, len(recordJSON))
	out = append(append(append(out, recordJSON[:start]...), caseJSON...), recordJSON[end:]...)
	blobs := []rulesBlob{*blob}
	if out, err = compactRetained(out, &blobs); err != nil {
		return nil, nil, err
	}
	if view == nil { // schema 1's bare record
		return out, blobs, nil
	}
	return encodeCaseValue(out, view), blobs, nil
}

// compactRetained refers to the rules of a minimal record's retained events
// (purge.go) instead of repeating them, adding their blobs to blobs.
func compactRetained(recordJSON []byte, blobs *[]rulesBlob) ([]byte, error) {
	start, end := topLevelValue(recordJSON, "retained")
	if start < 0 {
		return recordJSON, nil
	}
	var events []json.RawMessage
	if err := json.Unmarshal(recordJSON[start:end], &events); err != nil {
		return nil, fmt.Errorf("unreadable retained events: %w", err)
	}
	for i, ev := range events {
		var blob *rulesBlob
		if events[i], blob = compactRules(ev, false); blob != nil {
			*blobs = append(*blobs, *blob)
		}
	}
	list, err := json.Marshal(events)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(recordJSON))
	return append(append(append(out, recordJSON[:start]...), list...), recordJSON[end:]...), nil
}

// compactTimeline rewrites the events of case id that carry rules with a
// reference to them, and returns their blobs. The digest of each stays that
// of the content as recorded, which expanding the reference gives back.
func compactTimeline(tx kv.Tx, id []byte) ([]rulesBlob, error) {
	tl, ok := timelineOf(tx, string(id))
	if !ok {
		return nil, errors.New("no timeline")
	}
	var keys, values [][]byte
	var blobs []rulesBlob
	err := tl.forEach(func(k, v []byte) error {
		var env envelope
		if err := json.Unmarshal(v, &env); err != nil {
			return fmt.Errorf("event %x: %w", k, err)
		}
		content, blob := compactRules(env.Content, false)
		if blob == nil {
			return nil
		}
		env.Content = content
		out, err := json.Marshal(env)
		if err != nil {
			return err
		}
		blobs = append(blobs, *blob)
		keys, values = append(keys, append([]byte(nil), k...)), append(values, out)
		return nil
	})
	for i := range keys {
		if err == nil {
			err = tl.put(binary.BigEndian.Uint64(keys[i]), values[i])
		}
	}
	return blobs, err
}
