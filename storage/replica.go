package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// A store kept on a cluster (issue 21): the team server's file is a replica
// of the cluster's data. Reads stay local. A write runs the store's usual
// transaction on the file through kv.Record, and before that transaction
// commits, Options.Replica makes the recorded changes on the cluster as one
// transaction that holds only if the cluster's latest change is the one the
// replica applied last: writes on all servers are serialised as bbolt
// serialises them on one file. Refused for a newer change (kv.ErrConflict),
// the transaction is rolled back, the replica catches up, and it runs again.
// Changes made by another server arrive through ApplyReplicated.

const (
	// replicaRetryFor bounds the time one write that meets a newer change
	// on the cluster each time is run again for. Not a count of tries:
	// writes queued on a server are refused cheaply while its replica is
	// behind, and servers take turns (etcdstore's turn.go), so a write
	// behind others may be refused many times before its turn comes, and
	// then goes.
	replicaRetryFor = 2 * replicaTimeout
	// replicaTimeout bounds one Commit or CatchUp: a cluster that lost its
	// quorum is said so within it (exit 3), never waited for.
	replicaTimeout = 5 * time.Second
)

// replicaForTests, when a test sets it, makes every store opened without
// Options.Replica a replica of what it returns for the path: the store's
// test suite run on replicas (RIGHTSDESK_TEST_REPLICA, replica_test.go).
// It is nil in the product.
var replicaForTests func(path string) kv.Replicator

// errConflict marks the error of a write refused by the cluster for a newer
// change, for retried to run the write again.
type errConflict struct{ err error }

func (e *errConflict) Error() string { return e.err.Error() }
func (e *errConflict) Unwrap() error { return e.err }

// replicated is fn (a sealed write transaction) made on the cluster too when
// the store is a replica: fn runs on the recorded transaction, and its
// changes are committed on the cluster, at the revision the file has
// applied, before the file's transaction commits with that new revision.
// allowEmpty lets it run on a replica that holds no database yet
// (InitReplica); any other write there is refused as no database.
func (s *Store) replicated(fn func(tx kv.Tx) error, allowEmpty bool) func(tx kv.Tx) error {
	if s.replica == nil {
		return fn
	}
	return func(tx kv.Tx) error {
		if v, err := schemaOf(tx); err != nil {
			return err
		} else if v == 0 && !allowEmpty {
			return &NoDatabaseError{Path: s.path}
		}
		rec, ops := kv.Record(tx)
		if err := fn(rec); err != nil {
			return err
		}
		changes := ops()
		if len(changes) == 0 {
			return nil // nothing for the cluster
		}
		ctx, cancel := context.WithTimeout(context.Background(), replicaTimeout)
		defer cancel()
		rev, err := s.replica.Commit(ctx, kv.Revision(tx), changes)
		switch {
		case errors.Is(err, kv.ErrConflict):
			return &errConflict{err}
		case errors.Is(err, kv.ErrRefused):
			// Refused as an action not allowed (exit 1): sent again as it
			// is, it would be refused again.
			return &cases.Refused{Reason: "the cluster refuses the change, nothing was recorded: " + oneLine(err.Error()) +
				"; raise the members' limit it names (and serve's), or make the change smaller (an import: split the file)"}
		case err != nil:
			return &StoreError{Path: s.path, Err: ErrUnavailable,
				Detail: "the change may or may not have been recorded on the cluster: " + oneLine(err.Error()),
				Advice: "look at the case again before repeating the change"}
		}
		return kv.SetRevision(tx, rev)
	}
}

// retried runs a write (run) again after the cluster refused it for a newer
// change, once the replica has caught up, for up to replicaRetryFor. The
// write must leave nothing in memory before its transaction commits (an
// OnCommit does that), nor add to what a run before it left: every write
// of the store resets what it gathers at the start of its transaction.
func (s *Store) retried(run func() error) error {
	if s.replica == nil {
		return run()
	}
	start := time.Now()
	for try := 1; ; try++ {
		err := run()
		var conflict *errConflict
		if !errors.As(err, &conflict) {
			return err
		}
		if took := time.Since(start); took >= replicaRetryFor {
			return &StoreError{Path: s.path, Err: ErrUnavailable,
				Detail: fmt.Sprintf("the cluster held a newer change at each of %d tries in %s; nothing was recorded", try, took.Round(time.Second)),
				Advice: "try again"}
		}
		ctx, cancel := context.WithTimeout(context.Background(), replicaTimeout)
		err = s.replica.CatchUp(ctx)
		cancel()
		if err != nil {
			return &StoreError{Path: s.path, Err: ErrUnavailable,
				Detail: "catching up with the cluster: " + oneLine(err.Error()) + "; nothing was recorded",
				Advice: "try again once the cluster answers"}
		}
	}
}

// loaded is fn (a read) refused as no database yet on a held replica that
// has applied none: a held file is not prepared again for each operation
// (held.go), and an empty replica is held before its initial load.
func (s *Store) loaded(fn func(tx kv.Tx) error) func(tx kv.Tx) error {
	if s.replica == nil {
		return fn
	}
	return func(tx kv.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return ErrNoDatabase
		}
		return fn(tx)
	}
}

// prepare's part for a replica whose file is not at this build's schema:
// an empty one waits for ApplyReplicated (reads find no database); one at
// an older schema, or with its index or logs left to rebuild, is refused,
// since migrating it would rewrite the cluster's data from one server.
func (s *Store) prepareReplica(version int, readOnly bool) error {
	if version == 0 {
		if readOnly {
			return ErrNoDatabase
		}
		return nil
	}
	detail := fmt.Sprintf("the replica is at schema %d and this build writes schema %d; a replica is never migrated", version, SchemaVersion)
	if version == SchemaVersion {
		detail = "the replica's index or logs are to be rebuilt (by another engine version, or a migration left unfinished); a replica never rebuilds them alone"
	}
	return &StoreError{Path: s.path, Err: ErrUnavailable, Detail: detail,
		Advice: "bring the team's database up to date with the build that wrote it, or start this replica from an empty file"}
}

// refuseOnReplica is the refusal of what a replica's file cannot do alone
// (what), nil for a file of its own.
func (s *Store) refuseOnReplica(what string) error {
	if s.replica == nil {
		return nil
	}
	return &StoreError{Path: s.path, Err: ErrUnavailable, Detail: what + " is not done on a replica of a cluster's store",
		Advice: "do it on the cluster's data, not on one server's replica"}
}

// InitReplica gives the cluster's store the schema when it holds no
// database yet, through the replica as any write (a first server of a new
// team), and does nothing when it holds one. Call it once the replica has
// caught up.
func (s *Store) InitReplica() error {
	if s.replica == nil {
		return errors.New("InitReplica: the store is not a replica (Options.Replica)")
	}
	// A server started again on its replica finds the schema there and
	// writes nothing: an empty write transaction would still rewrite the
	// file's meta page.
	if v, err := s.replicaSchema(); err != nil || v != 0 {
		return err
	}
	now := s.clock.Now()
	defer s.tellCommits()
	return s.retried(func() error {
		return s.with(false, func(db *bolt.DB) error {
			return kv.Update(db, s.replicated(s.sealed(func(tx kv.Tx) error {
				if v, err := schemaOf(tx); err != nil || v != 0 {
					return err
				}
				return createSchema(tx, SchemaVersion, now)
			}), true))
		})
	})
}

// ApplyReplicated applies a change made on the cluster by another server
// (or a batch of the initial load) to the held replica: ops, in one write
// transaction, which records rev as the revision applied. A change at or
// below the revision applied already is skipped; rev 0 is a batch of an
// initial load, whose revision a later call sets. The store's OnCommit
// functions are told as for a change made here, so that the team server
// pushes it to its apps. It never goes through Options.Replica. A change
// that is a purge made elsewhere is followed by a compaction of this file
// (compact.go), so that the erased bytes stay in no replica's free pages.
func (s *Store) ApplyReplicated(rev int64, ops []kv.Op) error {
	if s.replica == nil {
		return errors.New("ApplyReplicated: the store is not a replica (Options.Replica)")
	}
	if !s.Held() {
		return errors.New("ApplyReplicated: the replica is not held (Hold)")
	}
	defer s.tellCommits() // held.go: once the file is released
	purged := false
	err := s.with(false, func(db *bolt.DB) error {
		return kv.Update(db, func(tx kv.Tx) error {
			purged = false
			// The echo of a change this server made (its watch may bring
			// it before its own transaction committed) is rolled back:
			// committed empty, the transaction would still rewrite the
			// file's meta page. A revision that changed no data (an
			// erasure's mark, a server's turn) is recorded: a compaction
			// at it (Erase) leaves a replica that did not record it
			// nowhere to resume from but a reload.
			if rev != 0 && rev <= kv.Revision(tx) {
				return errNothingToApply
			}
			for i, op := range ops {
				if err := kv.Apply(tx, ops[i:i+1]); err != nil {
					// Said without the key, which may be personal data
					// (the bbolt error underneath names none).
					if inner := errors.Unwrap(err); inner != nil {
						err = inner
					}
					bucket := []byte(nil)
					if len(op.Path) > 0 {
						bucket = op.Path[0]
					}
					return fmt.Errorf("apply the cluster's change %d: step %d of %d, in the bucket %q: %w",
						rev, i+1, len(ops), bucket, err)
				}
				if op.Kind == kv.Put && len(op.Path) == 1 && bytes.Equal(op.Path[0], bucketMeta) && bytes.Equal(op.Key, keyPurges) {
					// Another server's purge (compact.go): this file is
					// compacted too, once the change is applied.
					if err := markLocalCompaction(tx, "purge"); err != nil {
						return err
					}
					purged = true
				}
			}
			if rev != 0 {
				if err := kv.SetRevision(tx, rev); err != nil {
					return err
				}
			}
			if touches(ops, bucketKeys) {
				// Another server's key event: the key kept parsed may no
				// longer be the one the chain names (key_cache.go).
				tx.OnCommit(s.keys.reset)
			}
			s.notifyOnCommit(tx)
			return nil
		})
	})
	if errors.Is(err, errNothingToApply) {
		return nil
	}
	if err != nil || !purged {
		return err
	}
	return s.compactNow() // purge.go: the held file is released for it
}

// preupload sends the files of actions that will be stored apart from
// their case's file set (over smallFile) to the cluster ahead of the write
// transaction, when the replica can (kv.Preuploader): a large file's
// upload then holds no other write of this server. A failure here is not
// the write's: its Commit sends what was not sent, and says what fails.
// The caller runs the function returned once the write is done or
// refused: what was sent and not taken is deleted from the cluster.
func (s *Store) preupload(id string, actions []Action) (dropUnused func()) {
	p, ok := s.replica.(kv.Preuploader)
	if !ok {
		return func() {}
	}
	var drops []func()
	for _, a := range actions {
		if a.Event.Attachment == nil || len(a.Content) <= smallFile {
			continue
		}
		// No deadline: each request of an upload has its own (etcdstore's
		// chunkTimeout).
		if drop, err := p.Preupload(context.Background(), [][]byte{bucketAttached}, bigFileKey(id, a.Event.Attachment.Name), a.Content); err == nil {
			drops = append(drops, drop)
		}
	}
	return func() {
		for _, drop := range drops {
			drop()
		}
	}
}

// errNothingToApply rolls back ApplyReplicated's transaction when the
// change is in the file already.
var errNothingToApply = errors.New("the change is applied already")

// touches reports whether one of ops changes the top-level bucket name.
func touches(ops []kv.Op, name []byte) bool {
	for _, op := range ops {
		if len(op.Path) > 0 && bytes.Equal(op.Path[0], name) {
			return true
		}
	}
	return false
}

// replicaSchema is the schema version of the replica's file, 0 while the
// cluster's store holds no database.
func (s *Store) replicaSchema() (int, error) {
	var v int
	err := s.with(true, func(db *bolt.DB) error {
		return kv.View(db, func(tx kv.Tx) error {
			var err error
			v, err = schemaOf(tx)
			return err
		})
	})
	if errors.Is(err, ErrNoDatabase) {
		return 0, nil
	}
	return v, err
}

// ReplicaRevision is the cluster revision the replica has applied (0 for
// none yet, or for a file of its own).
func (s *Store) ReplicaRevision() (int64, error) {
	var rev int64
	err := s.with(true, func(db *bolt.DB) error {
		return kv.View(db, func(tx kv.Tx) error {
			rev = kv.Revision(tx)
			return nil
		})
	})
	if errors.Is(err, ErrNoDatabase) {
		return 0, nil
	}
	return rev, err
}
