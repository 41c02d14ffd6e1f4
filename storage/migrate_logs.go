package storage

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// keyLogsMigrating marks migration step 5 under way (the logs of a
// database made before them being built) and holds the last case done.
var keyLogsMigrating = []byte("migrating-logs")

// logsNeeded reports whether a database still lacks its logs: step 5 is
// under way, or it has cases and no log.
func logsNeeded(tx kv.Tx) bool {
	m := tx.Bucket(bucketMeta)
	if m == nil {
		return false
	}
	if m.Get(keyLogsMigrating) != nil {
		return true
	}
	cs := tx.Bucket(bucketCases)
	if tx.Bucket(bucketLogLeaves) != nil || cs == nil {
		return false
	}
	k, _ := cs.Cursor().First()
	return k != nil
}

// migrateLogs is migration step 5: it appends the events of up to batch
// cases that are in no log yet, case by case in ID order and each case's
// events in sequence, after the case the marker names, and signs the
// checkpoints in the same transaction. It reports whether no case is left
// (and then removes the marker). A rerun after a crash resumes after the
// last batch committed.
func migrateLogs(tx kv.Tx, batch int, now time.Time) (bool, error) {
	if err := ensureDatabaseID(tx); err != nil {
		return false, err
	}
	m := tx.Bucket(bucketMeta)
	after := append([]byte(nil), m.Get(keyLogsMigrating)...)
	leaves, err := tx.CreateBucketIfNotExists(bucketLogLeaves)
	if err != nil {
		return false, err
	}
	c := tx.Bucket(bucketCases).Cursor()
	k, _ := c.First()
	if len(after) > 0 {
		if k, _ = c.Seek(after); bytes.Equal(k, after) {
			k, _ = c.Next()
		}
	}
	var last []byte
	for done := 0; k != nil && done < batch; k, _ = c.Next() {
		last = append(last[:0], k...)
		if leaves.Get(k) != nil {
			continue
		}
		rec, err := loadRecord(tx, string(k))
		if err != nil {
			return false, fmt.Errorf("migrate the logs, case %s: %w", k, err)
		}
		if err := logCase(tx, rec.Case); err != nil {
			return false, fmt.Errorf("migrate the logs: %w", err)
		}
		done++
	}
	if err := sealLogs(tx, now); err != nil {
		return false, err
	}
	if k == nil {
		return true, m.Delete(keyLogsMigrating)
	}
	return false, m.Put(keyLogsMigrating, last)
}

// logCase appends to its organisation's log the events of a case that are
// in no log yet, in sequence: a case recorded before the logs existed.
func logCase(tx kv.Tx, c *cases.Case) error {
	tl, ok := timelineOf(tx, c.ID)
	if !ok {
		return fmt.Errorf("case %s: no timeline", c.ID)
	}
	logged := 0
	if leaves := tx.Bucket(bucketLogLeaves); leaves != nil {
		_, indexes, err := logLeaves(leaves.Get([]byte(c.ID)))
		if err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		logged = len(indexes)
	}
	var envs [][]byte
	_ = tl.forEach(func(_, v []byte) error { envs = append(envs, append([]byte(nil), v...)); return nil })
	for _, env := range envs[min(logged, len(envs)):] {
		if err := logEvent(tx, c, env); err != nil {
			return err
		}
	}
	return nil
}

// migrateAllLogs runs step 5 to the end, a transaction per batch.
func migrateAllLogs(db *bolt.DB, now time.Time) error {
	for {
		done := false
		err := kv.Update(db, func(tx kv.Tx) error {
			packWrites(tx)
			var err error
			done, err = migrateLogs(tx, migrateBatch, now)
			return err
		})
		if err != nil || done {
			return err
		}
	}
}
