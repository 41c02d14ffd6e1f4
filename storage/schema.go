package storage

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
)

// SchemaVersion is the layout this build writes. Version 1 had the cases,
// their timelines and the change log; version 2 added what keeps the queue
// fast at 100,000 cases: the due-date index ("overdue", "due within"), a
// compact summary per case, and each case as list --json prints it. All
// three are derived and rebuilt whenever the engine version changes.
const SchemaVersion = 2

// Bucket names.
var (
	bucketMeta      = []byte("meta")
	bucketCases     = []byte("cases")     // ID -> record JSON (v2: and the list view, record.go)
	bucketTimelines = []byte("timelines") // ID -> bucket: seq (8 bytes) -> envelope JSON
	bucketChanges   = []byte("changes")   // change number (8 bytes) -> case ID
	bucketFiles     = []byte("files")     // ID -> bucket: file name -> content
	bucketIDs       = []byte("ids")       // year -> bucket whose sequence numbers cases
	bucketDue       = []byte("due")       // v2: due instant + 0 + ID -> ""; open cases with a running clock
	bucketWaiting   = []byte("waiting")   // v2: received instant + 0 + ID -> ""; paused or awaiting restart
	bucketRows      = []byte("rows")      // v2: ID -> the queue's summary and its index key (row.go)

	keyApp          = []byte("app")
	keySchema       = []byte("schema")
	keyIndexEngine  = []byte("index-engine")
	appMarker       = []byte("rightsdesk")
	bucketsV1       = [][]byte{bucketMeta, bucketCases, bucketTimelines, bucketChanges, bucketFiles, bucketIDs}
	bucketsV2       = [][]byte{bucketDue, bucketWaiting, bucketRows}
	errNeedsUpgrade = errors.New("needs a schema upgrade")
)

// indexStamp names what the derived buckets were computed with: the
// engine version and the row format. When either changes, they are rebuilt.
func indexStamp() []byte {
	return []byte(strconv.Itoa(cases.EngineVersion) + "." + strconv.Itoa(rowFormat))
}

// createSchema lays out an empty database at the given version (tests use
// version 1 to build the migration fixture).
func createSchema(tx *bolt.Tx, version int) error {
	names := bucketsV1
	if version >= 2 {
		names = append(append([][]byte{}, bucketsV1...), bucketsV2...)
	}
	for _, n := range names {
		if _, err := tx.CreateBucketIfNotExists(n); err != nil {
			return err
		}
	}
	m := tx.Bucket(bucketMeta)
	if err := m.Put(keyApp, appMarker); err != nil {
		return err
	}
	if version >= 2 {
		if err := m.Put(keyIndexEngine, indexStamp()); err != nil {
			return err
		}
	}
	return m.Put(keySchema, []byte(strconv.Itoa(version)))
}

// schemaOf reads the version of an existing file: 0 for an empty bbolt file,
// ErrForeign for another program's.
func schemaOf(tx *bolt.Tx) (int, error) {
	m := tx.Bucket(bucketMeta)
	if m == nil || string(m.Get(keyApp)) != string(appMarker) {
		empty := true
		_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
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
	staleIndex := false
	err := db.View(func(tx *bolt.Tx) error {
		var err error
		version, err = schemaOf(tx)
		if err == nil && version >= 2 {
			staleIndex = string(tx.Bucket(bucketMeta).Get(keyIndexEngine)) != string(indexStamp())
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
	case (version < SchemaVersion || staleIndex) && readOnly:
		return errNeedsUpgrade
	case version == SchemaVersion && !staleIndex:
		return nil
	}
	if readOnly {
		return nil
	}
	now := s.clock.Now()
	return db.Update(func(tx *bolt.Tx) error {
		switch {
		case version == 0:
			return createSchema(tx, SchemaVersion)
		case version < SchemaVersion:
			return migrate(tx, version, now)
		}
		// The index was computed by another engine version: recompute it.
		return rebuildIndex(tx, now)
	})
}

// migrate brings a file from an older schema to SchemaVersion, step by step,
// inside the caller's transaction: a crash leaves the old version intact.
// What it derives anew is derived as of now.
func migrate(tx *bolt.Tx, from int, now time.Time) error {
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
	return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(SchemaVersion)))
}
