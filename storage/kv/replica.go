package kv

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// OpKind says what an Op does.
type OpKind uint8

const (
	// Put sets Key to Value in the bucket at Path.
	Put OpKind = iota + 1
	// Delete removes Key from the bucket at Path (nothing if missing).
	Delete
	// CreateBucket makes the bucket at Path (and its parents) if missing.
	CreateBucket
	// DeleteBucket removes the bucket at Path, once empty: Record writes a
	// Delete for each of its keys and a DeleteBucket for each bucket inside
	// it first, deepest first, so that a cluster never needs a range delete.
	DeleteBucket
	// SetSequence sets the sequence of the bucket at Path to Seq.
	SetSequence
)

// Op is one change a write transaction made, in the order it made it.
// Path is the bucket's names from the top (never empty); slices are copies,
// valid after the transaction.
type Op struct {
	Kind  OpKind
	Path  [][]byte
	Key   []byte
	Value []byte
	Seq   uint64
	// Replaced is the length of the value that a Put replaced or a Delete
	// removed, as Record saw it (0: none, or an empty one): a cluster that
	// keeps a large value apart from its key (etcdstore's chunks) knows
	// from it that the old value's parts go too. Apply does not need it.
	Replaced int
}

func (o Op) String() string {
	names := map[OpKind]string{Put: "put", Delete: "delete", CreateBucket: "create-bucket",
		DeleteBucket: "delete-bucket", SetSequence: "set-sequence"}
	return fmt.Sprintf("%s %q %q", names[o.Kind], o.Path, o.Key)
}

// ErrConflict is a Replicator's Commit refused because the cluster holds a
// change the replica has not applied yet: the store catches up and runs its
// transaction again.
var ErrConflict = errors.New("the cluster holds a newer change")

// ErrRefused is a Replicator's Commit refused for good, before or by the
// cluster: the change was not made, and would not be if sent again as it
// is (a transaction over the members' limits).
var ErrRefused = errors.New("the cluster refuses the change")

// Replicator keeps a store's file a replica of a cluster (etcdstore).
type Replicator interface {
	// Commit makes ops durable on the cluster as one transaction, provided
	// the cluster's latest change is the one at revision at (what the
	// replica has applied), and returns the revision of this change. It
	// is called inside the replica's write transaction, which commits the
	// same ops only if Commit succeeded. A refusal because of a newer change
	// wraps ErrConflict; one that wraps ErrRefused was not applied; any
	// other error means the change may or may not have been applied, and
	// the caller must catch up before it knows.
	Commit(ctx context.Context, at int64, ops []Op) (int64, error)
	// CatchUp returns once the replica has applied every change the cluster
	// held when it was called.
	CatchUp(ctx context.Context) error
}

// Preuploader is a Replicator that can send a large value ahead of the
// change that puts it at key in the bucket path, outside the replica's
// write transaction, so that the server's other writes do not wait for
// its upload (etcdstore's chunks). The change then commits only if what
// was sent is still there as sent, or sends it again. drop, called once
// the change is done or refused, removes what was sent if no change took
// it.
type Preuploader interface {
	Preupload(ctx context.Context, path [][]byte, key, value []byte) (drop func(), err error)
}

// ReplicaBucket holds, in a replica's file, the revision of the cluster's
// change it applied last. It is not part of the replicated data.
var ReplicaBucket = []byte("replica")

var keyRevision = []byte("revision")

// Revision is the cluster revision the replica in tx has applied (0 for a
// file that is not a replica or has applied nothing).
func Revision(tx Tx) int64 {
	b := tx.Bucket(ReplicaBucket)
	if b == nil {
		return 0
	}
	v := b.Get(keyRevision)
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// SetRevision records in tx that the replica has applied rev.
func SetRevision(tx Tx, rev int64) error {
	b, err := tx.CreateBucketIfNotExists(ReplicaBucket)
	if err != nil {
		return err
	}
	return b.Put(keyRevision, binary.BigEndian.AppendUint64(nil, uint64(rev)))
}

// Apply makes ops in tx, as a replica applies a change made elsewhere.
// It is lenient where order could differ from the writer's: a Put or
// CreateBucket makes missing parents, a Delete or DeleteBucket of what is
// missing does nothing, a DeleteBucket of a bucket not yet empty removes
// what it holds.
func Apply(tx Tx, ops []Op) error {
	for _, op := range ops {
		if err := apply(tx, op); err != nil {
			return fmt.Errorf("replica: %s: %w", op, err)
		}
	}
	return nil
}

func apply(tx Tx, op Op) error {
	if len(op.Path) == 0 {
		return errors.New("no bucket")
	}
	switch op.Kind {
	case Put, CreateBucket, SetSequence:
		b, err := makePath(tx, op.Path)
		if err != nil {
			return err
		}
		switch op.Kind {
		case Put:
			return b.Put(op.Key, op.Value)
		case SetSequence:
			return b.SetSequence(op.Seq)
		}
		return nil
	case Delete:
		if b := findPath(tx, op.Path); b != nil {
			return b.Delete(op.Key)
		}
		return nil
	case DeleteBucket:
		last := op.Path[len(op.Path)-1]
		if len(op.Path) == 1 {
			if tx.Bucket(last) != nil {
				return tx.DeleteBucket(last)
			}
			return nil
		}
		if parent := findPath(tx, op.Path[:len(op.Path)-1]); parent != nil && parent.Bucket(last) != nil {
			return parent.DeleteBucket(last)
		}
		return nil
	}
	return fmt.Errorf("unknown change %d", op.Kind)
}

func makePath(tx Tx, path [][]byte) (Bucket, error) {
	b, err := tx.CreateBucketIfNotExists(path[0])
	for _, name := range path[1:] {
		if err != nil {
			return nil, err
		}
		b, err = b.CreateBucketIfNotExists(name)
	}
	return b, err
}

func findPath(tx Tx, path [][]byte) Bucket {
	b := tx.Bucket(path[0])
	for _, name := range path[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket(name)
	}
	return b
}
