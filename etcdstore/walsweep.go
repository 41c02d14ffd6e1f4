package etcdstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"rightsdesk/etcdkv"
	"rightsdesk/storage"
)

// WAL is what the members keep of their write-ahead logs, which the
// erasure after a purge must know to push the purge's requests (they hold
// the deleted values and keys) out of them: compaction and defragmentation
// reach a member's database, never its log.
//
// A member writes its log in segment files, cuts a new segment once the
// current one passes SegmentBytes, and every SnapshotCount changes takes a
// snapshot, which releases the segments wholly before the one holding the
// snapshot's index; every 30 s it deletes its oldest released segments
// while it has more than MaxWALs. So the segment that holds a purge goes
// once it is cut, a snapshot is taken past it, and MaxWALs newer segments
// exist: after at most MaxWALs*SegmentBytes bytes and SnapshotCount+1
// changes made after the purge (etcd 3.4 to 3.7: storage/wal's
// ReleaseLockTo, client/pkg's fileutil.PurgeFile).
type WAL struct {
	// SegmentBytes is the size of a segment (etcd's wal.SegmentSizeBytes,
	// 64 MB, which no member flag changes).
	SegmentBytes int64 `json:"segment_bytes"`
	// MaxWALs is the members' --max-wals, the largest if they differ; at
	// least 1 (etcd's 0 keeps every segment, which no erasure reaches).
	MaxWALs int `json:"max_wals"`
	// SnapshotCount is the members' --snapshot-count, the largest if they
	// differ.
	SnapshotCount int `json:"snapshot_count"`
}

// DefaultWAL is etcd 3.5 to 3.7's: 64 MB segments, --max-wals 5,
// --snapshot-count 10000 (etcd 3.4's --snapshot-count is 100000).
var DefaultWAL = WAL{SegmentBytes: 64 * 1000 * 1000, MaxWALs: 5, SnapshotCount: 10000}

// check says what is wrong with w, naming the flag.
func (w WAL) check() error {
	switch {
	case w.SegmentBytes <= 0:
		return errors.New("etcdstore: the members' write-ahead log segments must have a size")
	case w.MaxWALs < 1:
		return errors.New("etcdstore: members that keep every write-ahead log segment (--max-wals 0) keep every purged value in them: run them with --max-wals 5 (or another number of at least 1) and give serve the same --etcd-max-wals")
	case w.SnapshotCount < 1:
		return errors.New("etcdstore: the members' --snapshot-count must be at least 1")
	}
	return nil
}

// sweepSuffix follows the prefix in the key the sweep writes (keys.go). It
// sorts before the chunks, so that no follower's watch carries the
// sweep's hundreds of megabytes; a load reads it and leaves it out.
const sweepSuffix = "\x00\x00-wal-sweep"

// fillerBytes is the size of the sweep's large changes.
const fillerBytes = 1 << 20

// sweepBatch is how many small changes the sweep has under way at once.
const sweepBatch = 16

// sweepCompactBytes is how much the sweep writes between two compactions
// of its key's history, so that a member's database holds at most that
// much of it.
const sweepCompactBytes = 32 << 20

// Sweep is the record the sweep leaves under its key once done: what it
// wrote after which purge, under which settings. It is not personal data.
type Sweep struct {
	// Purge is the revision of the latest purge when the sweep started.
	Purge int64 `json:"purge_revision"`
	// Bytes and Changes are what it wrote before this record.
	Bytes   int64 `json:"bytes"`
	Changes int64 `json:"changes"`
	WAL
}

// sweeper writes the sweep's changes and counts them.
type sweeper struct {
	c       *Cluster
	key     string
	written atomic.Int64
	changes atomic.Int64
	// compacted is what had been written at the last compaction.
	compacted atomic.Int64
}

// put writes value under the sweep's key; it compacts the key's history
// each sweepCompactBytes. It is safe for concurrent use (count).
func (s *sweeper) put(ctx context.Context, value []byte) error {
	rev, err := s.c.client.Put(ctx, s.key, value)
	if err != nil {
		return uncertain("erase: sweep the write-ahead logs", err)
	}
	s.changes.Add(1)
	n := s.written.Add(int64(len(value)))
	if last := s.compacted.Load(); n-last >= sweepCompactBytes && s.compacted.CompareAndSwap(last, n) {
		if err := s.c.client.Compact(ctx, rev, false); err != nil && !errors.Is(err, etcdkv.ErrCompacted) {
			return fmt.Errorf("etcdstore: erase: sweep: compact at revision %d: %w", rev, err)
		}
	}
	return nil
}

// fill writes large changes until the sweep has written at least n bytes.
func (s *sweeper) fill(ctx context.Context, n int64, filler []byte) error {
	for s.written.Load() < n {
		if err := s.put(ctx, filler); err != nil {
			return err
		}
	}
	return nil
}

// count makes n small changes, sweepBatch at a time: one change is one
// entry of every member's log, whatever its size.
func (s *sweeper) count(ctx context.Context, n int64) error {
	var left atomic.Int64
	left.Store(n)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range sweepBatch {
		wg.Go(func() {
			for left.Add(-1) >= 0 && ctx.Err() == nil {
				if err := s.put(ctx, []byte("swept")); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// sweepWAL pushes every request made before it out of the members'
// write-ahead logs (WAL says how), and then records what it did under its
// key for check (ErasureProblems). It needs every member up: a member
// that misses the sweep's changes receives them, or a snapshot, once back.
func (c *Cluster) sweepWAL(ctx context.Context) error {
	purged, _, err := c.latestPurge(ctx)
	if err != nil {
		return uncertain("erase: read the latest purge", err)
	}
	s := &sweeper{c: c, key: c.prefix + sweepSuffix}
	filler := make([]byte, min(fillerBytes, c.maxBytes-requestOverhead-len(s.key)))
	// The segment that holds the purge is cut; a snapshot is taken past
	// it; MaxWALs segments follow it.
	if err := s.fill(ctx, c.wal.SegmentBytes, filler); err != nil {
		return err
	}
	if err := s.count(ctx, int64(c.wal.SnapshotCount)+1); err != nil {
		return err
	}
	if err := s.fill(ctx, int64(c.wal.MaxWALs)*c.wal.SegmentBytes+int64(len(filler)), filler); err != nil {
		return err
	}
	done, err := json.Marshal(Sweep{Purge: purged.ModRevision, Bytes: s.written.Load(), Changes: s.changes.Load(), WAL: c.wal})
	if err != nil {
		return err
	}
	return s.put(ctx, done)
}

// sweepProblems says whether the latest purge, made at revision purged,
// was swept out of the members' logs, as the sweep's record says.
func (c *Cluster) sweepProblems(ctx context.Context, purged int64) ([]storage.Problem, error) {
	item, ok, err := c.client.Get(ctx, c.prefix+sweepSuffix)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: check the latest purge's sweep: %w", err)
	}
	var done Sweep
	if !ok || json.Unmarshal(item.Value, &done) != nil || done.Purge < purged {
		return []storage.Problem{{Detail: fmt.Sprintf(
			"the latest purge (revision %d) was not swept out of the etcd members' write-ahead logs (the sweep did not finish): the purged values may still be in them; run purge again to erase them", purged)}}, nil
	}
	if done.MaxWALs < c.wal.MaxWALs || done.SnapshotCount < c.wal.SnapshotCount || done.SegmentBytes < c.wal.SegmentBytes {
		return []storage.Problem{{Detail: fmt.Sprintf(
			"the latest purge was swept out of the etcd members' write-ahead logs for --max-wals %d and --snapshot-count %d, less than this server's %d and %d: run purge again to erase it for these",
			done.MaxWALs, done.SnapshotCount, c.wal.MaxWALs, c.wal.SnapshotCount)}}, nil
	}
	return nil, nil
}
