package storage

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage/kv"
)

// A purge erases personal data in place; bbolt then keeps the erased bytes
// in free pages until they are reused. So a purge compacts the file into a
// fresh one and renames it over the original. Killed between the two, the
// bytes would stay for good (a rerun finds nothing to purge): so the
// transaction that erases also sets keyCompactPending, and whatever next
// opens the file for writing (any write command, or the purge itself)
// compacts it before anything else, in a fresh file without the marker.
// A leftover PATH.compact of a compaction killed half-way is removed by the
// next one.

// keyCompactPending in the meta bucket: erased bytes await compaction.
var keyCompactPending = []byte("compact-pending")

// markCompaction records, in the transaction that erases, that the file
// must be compacted.
func markCompaction(tx kv.Tx) error { return markCompactionFor(tx, "purge") }

// markCompactionFor records in tx that the file must be compacted, and why.
// A replica's transaction (a recorded one) keeps the marker in the
// replica's own bucket: compacting is its file's business, which the
// cluster and the other replicas are not told.
//
// A purge on a replica also counts itself in the meta bucket (keyPurges),
// which reaches the other replicas: ApplyReplicated compacts their files
// too, so that no replica keeps the erased bytes in its free pages.
func markCompactionFor(tx kv.Tx, why string) error {
	if local := kv.Unrecorded(tx); local != tx {
		if why == "purge" {
			m := tx.Bucket(bucketMeta)
			if err := m.Put(keyPurges, u64(purges(tx)+1)); err != nil {
				return err
			}
		}
		return markLocalCompaction(local, why)
	}
	return tx.Bucket(bucketMeta).Put(keyCompactPending, []byte(why))
}

// keyPurges in the meta bucket of a cluster's store: how many purges it
// has had (8 bytes), each a change that every replica applies, and then
// compacts its own file for (ApplyReplicated). A file of its own has none.
var keyPurges = []byte("purges")

// PurgesKey is where a cluster's store counts its purges: the bucket path
// and key of the meta bucket's counter that a purge on a replica changes
// in each transaction that erases. The cluster's revision of its last
// change is that of the latest purge's last erasure, which is how etcdstore checks on every member
// that the purge's erasure ran.
func PurgesKey() (path [][]byte, key []byte) {
	return [][]byte{bucketMeta}, keyPurges
}

// purges is the count under keyPurges (0 for none).
func purges(tx kv.Tx) uint64 {
	if v := tx.Bucket(bucketMeta).Get(keyPurges); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// markLocalCompaction marks a replica's own file for compaction, in its
// replica bucket, which the cluster never sees. tx must not be recorded.
func markLocalCompaction(tx kv.Tx, why string) error {
	b, err := tx.CreateBucketIfNotExists(kv.ReplicaBucket)
	if err != nil {
		return err
	}
	return b.Put(keyCompactPending, []byte(why))
}

// compactionPending reports whether tx's file carries the marker, in its
// meta bucket or, on a replica, in the replica's own.
func compactionPending(tx kv.Tx) bool {
	for _, name := range [][]byte{bucketMeta, kv.ReplicaBucket} {
		if b := tx.Bucket(name); b != nil && b.Get(keyCompactPending) != nil {
			return true
		}
	}
	return false
}

// compactHook is called at each stage of a purge's compaction; tests set it
// to kill the process there. It does nothing in the product.
var compactHook = func(stage string) {}

// resumeCompaction compacts the file db holds, under its write lock, if a
// purge left the marker, and reports whether it did: the caller must then
// open the path again, which names the compacted file.
func (s *Store) resumeCompaction(db *bolt.DB) (bool, error) {
	pending := false
	if err := kv.View(db, func(tx kv.Tx) error {
		pending = compactionPending(tx)
		return nil
	}); err != nil || !pending {
		return false, err
	}
	return true, s.compactInPlace(db)
}

// compactInPlace rewrites the open database into a fresh file without the
// marker and renames it over the original while the lock is still held, so
// that freed pages (and the bytes erased in them) are gone. The fresh file
// keeps the original's mode and group (a team's file stays the team's). A
// process that was waiting for the lock on the old file notices the path
// now names another file and opens it again (Store.lockedOpen).
func (s *Store) compactInPlace(db *bolt.DB) error {
	info, err := os.Stat(s.path)
	if err != nil {
		return withPath("stat", s.path, err)
	}
	tmp := s.path + ".compact"
	if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
		return withPath("remove", tmp, err)
	}
	compactHook("compact-start")
	dst, err := bolt.Open(tmp, info.Mode().Perm(), &bolt.Options{Timeout: s.timeout})
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	fail := func(err error) error {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("compact: %w", err)
	}
	if err := bolt.Compact(dst, db, 16<<20); err != nil {
		return fail(err)
	}
	compactHook("compacted")
	// The fresh file keeps everything but the marker, a replica's own
	// bucket (its revision) included.
	if err := kv.Update(dst, func(tx kv.Tx) error {
		for _, name := range [][]byte{bucketMeta, kv.ReplicaBucket} {
			if b := tx.Bucket(name); b != nil {
				if err := b.Delete(keyCompactPending); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return fail(err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact: %w", err)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		_ = os.Chown(tmp, -1, int(st.Gid))
	}
	if err := os.Chmod(tmp, info.Mode().Perm()); err != nil {
		os.Remove(tmp)
		return err
	}
	compactHook("before-rename")
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact: %w", err)
	}
	compactHook("renamed")
	if dir, err := os.Open(filepath.Dir(s.path)); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

// Compaction is what Compact did: the file's size before and after, and
// the cases it holds, so that a case's cost in the file can be told.
type Compaction struct {
	SizeBefore int64 `json:"size_before"`
	SizeAfter  int64 `json:"size_after"`
	Cases      int   `json:"cases"`
	// Frozen is how many closed cases' timelines it froze (frozen.go), or
	// froze again from an older format.
	Frozen int `json:"frozen"`
	// Rechunked is how many frozen timelines it stored again in values of
	// this build's size (frozenChunk).
	Rechunked int `json:"rechunked"`
}

// Compact freezes the timelines of the closed cases (frozen.go), a batch
// of cases per transaction, then rewrites the database into a fresh file,
// every page packed full, and renames it over the original, as a purge
// does after it erases: the pages freed by earlier changes and the slack
// of part-filled pages are gone. It marks the compaction in a transaction
// first, so that a process killed before the rename leaves it to the next
// open for writing.
func (s *Store) Compact() (*Compaction, error) {
	out := &Compaction{SizeBefore: fileSize(s.path)}
	var after []byte
	for {
		err := s.updateBulk(func(tx kv.Tx) error {
			last, frozen, rechunked, err := freezeClosed(tx, after, migrateBatch)
			after, out.Frozen, out.Rechunked = last, out.Frozen+frozen, out.Rechunked+rechunked
			return err
		})
		if err != nil {
			return nil, err
		}
		if after == nil {
			break
		}
	}
	err := s.update(func(tx kv.Tx) error {
		out.Cases = tx.Bucket(bucketCases).Bolt().Stats().KeyN
		return markCompactionFor(tx, "compact")
	})
	if err != nil {
		return nil, err
	}
	if err := s.compactNow(); err != nil {
		return nil, err
	}
	out.SizeAfter = fileSize(s.path)
	return out, nil
}
