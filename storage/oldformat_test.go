package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// toSchema3 rewrites a database into the shape schema 3 stored: each event
// in the old envelope (no salt, its personal values inline, no facts,
// digest = SHA-256 of the content), the chains and heads recomputed, the
// record's copy of the facts and no derivation instant; schema 3 in meta.
// purged names cases to reduce as the purge of schema 3 did: every content
// removed, the record keeping the minimal events and no personal facts.
func toSchema3(t testing.TB, path string, purged ...string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	purge := map[string]bool{}
	for _, id := range purged {
		purge[id] = true
	}
	err = kv.Update(db, func(tx kv.Tx) error {
		if err := unflatten(tx); err != nil {
			return err
		}
		var ids []string
		_ = tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error { ids = append(ids, string(k)); return nil })
		for _, id := range ids {
			rec, err := loadRecord(tx, id)
			if err != nil {
				return err
			}
			tl := tx.Bucket(bucketTimelines).Bucket([]byte(id))
			hash := chainStart(id)
			var retained []cases.Event
			for i, ev := range rec.Case.Events {
				ev.Facts, ev.Unattested = nil, false
				content, err := json.Marshal(&ev)
				if err != nil {
					return err
				}
				sum := sha256.Sum256(content)
				env := envelope{Seq: uint64(i + 1), Prev: hash, Digest: hex.EncodeToString(sum[:]), Content: content}
				if purge[id] {
					env.Content = nil
					retained = append(retained, minimalEvent(ev))
				}
				hash = chainNext(hash, env.Digest)
				out, err := json.Marshal(env)
				if err != nil {
					return err
				}
				if err := tl.Put(u64(uint64(i+1)), out); err != nil {
					return err
				}
			}
			rec.Head = hash
			if !purge[id] {
				// The record as it was, with the old head and no
				// derivation instant.
				recordJSON, view, err := splitCaseValue(tx.Bucket(bucketCases).Get([]byte(id)))
				if err != nil {
					return err
				}
				var m map[string]json.RawMessage
				if err := json.Unmarshal(recordJSON, &m); err != nil {
					return err
				}
				delete(m, "derived_at")
				m["head"], _ = json.Marshal(hash)
				recordJSON, _ = json.Marshal(m)
				if err := tx.Bucket(bucketCases).Put([]byte(id), encodeCaseValue(recordJSON, append([]byte(nil), view...))); err != nil {
					return err
				}
				continue
			}
			at := rec.UpdatedAt
			rec.CopiesPurged, rec.RecordPurged = &at, &at
			rec.Case.Subject, rec.Case.Requester, rec.Case.Text = cases.Subject{}, nil, ""
			rec.Retained = retained
			enc, err := encodeCase(rec, mustDerive(rec))
			if err != nil {
				return err
			}
			recordJSON, view, _ := splitCaseValue(enc.value)
			var m map[string]json.RawMessage
			if err := json.Unmarshal(recordJSON, &m); err != nil {
				return err
			}
			delete(m, "derived_at")
			recordJSON, _ = json.Marshal(m)
			if err := tx.Bucket(bucketCases).Put([]byte(id), encodeCaseValue(recordJSON, view)); err != nil {
				return err
			}
			if err := putRules(tx, enc.blobs); err != nil {
				return err
			}
		}
		// A schema-3 file had no logs, checkpoints or keys.
		for _, b := range [][]byte{bucketLogs, bucketLogLeaves, bucketCheckpoints, bucketKeys} {
			if err := tx.DeleteBucket(b); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(3)))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustDerive(rec *record) *cases.State {
	st, err := rec.Case.DeriveDates(rec.UpdatedAt)
	if err != nil {
		panic(err)
	}
	return st
}
