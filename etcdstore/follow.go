package etcdstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"rightsdesk/etcdkv"
	"rightsdesk/storage/kv"
)

// loadPage is how many etcd keys the initial load reads at a time: with
// values kept whole of up to 1 MiB (larger ones are manifests, whose
// chunks are read apart), a page stays a few hundred MiB at worst and
// usually a few hundred KiB.
const loadPage = 256

// ErrReload is a replica that cannot follow the cluster from where it is:
// the changes since its revision were compacted away (an Erase after a
// purge). The replica must be loaded again, from an empty file (Follow
// from 0).
var ErrReload = errors.New("the replica must be reloaded from the cluster")

// Follow brings the cluster's changes to a replica by calling apply, one
// call at a time, until ctx ends or a change cannot be applied.
//
// From 0 (an empty replica), it first loads everything under the prefix as
// it was at one revision R, in pages: apply(0, ops) for each page, whose
// ops are puts and bucket creations in key order, then apply(R, nil), so
// that a load cut short never claims a revision. From R (or from from, the
// revision the replica applied last), it watches: every later change
// comes as one apply(rev, ops), all the ops of one revision (one store
// transaction) together, in an order kv.Apply can make them in. The
// changes this server made itself come too; apply skips a revision the
// replica holds already. A dropped connection is resumed where it left off
// (etcdkv's Watch); a start revision compacted away ends Follow with
// ErrReload.
//
// The revisions apply takes are what CatchUp waits for.
func (c *Cluster) Follow(ctx context.Context, from int64, apply func(rev int64, ops []kv.Op) error) (err error) {
	c.setFollowing(nil)
	defer func() { c.setFollowing(err) }()
	if from < 0 {
		return fmt.Errorf("etcdstore: follow from revision %d", from)
	}
	if from == 0 {
		rev, err := c.load(ctx, apply)
		if err != nil {
			return err
		}
		from = rev
	}
	c.setApplied(from)
	// A Follow that returns early (apply failed) ends its watch.
	watchCtx, stop := context.WithCancel(ctx)
	defer stop()
	// The chunks of large values are left out: apply reads them when
	// their manifest comes (chunks.go).
	next := from + 1
	var pending []kv.Op
	pendingRev, applied := int64(0), from
	flush := func() error {
		if pendingRev == 0 {
			return nil
		}
		slices.SortStableFunc(pending, applyOrder)
		if err := c.resolve(ctx, pendingRev, pending); err != nil {
			return fmt.Errorf("etcdstore: revision %d: %w", pendingRev, err)
		}
		if err := apply(pendingRev, pending); err != nil {
			return fmt.Errorf("etcdstore: apply revision %d: %w", pendingRev, err)
		}
		c.setApplied(pendingRev)
		applied = pendingRev
		pending, pendingRev = nil, 0
		return nil
	}
	for {
		w := c.client.WatchRange(watchCtx, c.prefix+chunkSuffixEnd, string(prefixEnd([]byte(c.prefix))), next)
		for ev := range w.Events() {
			rev := ev.KV.ModRevision
			if rev <= applied {
				// etcd gives a revision's events in the order of its
				// transaction's operations, the head last; a change after
				// it would be lost to a replica that holds the revision.
				return fmt.Errorf("etcdstore: follow: a change of revision %d after that revision was applied", rev)
			}
			if pendingRev != 0 && rev != pendingRev {
				// A revision without a head (a key put by hand): it ends
				// where the next begins.
				if err := flush(); err != nil {
					return err
				}
			}
			pendingRev = rev
			op, meta, err := c.decodeEvent(ev)
			if err != nil {
				return fmt.Errorf("etcdstore: revision %d: %w", rev, err)
			}
			if meta == entryHead {
				// Commit puts the head last: the revision is complete.
				if err := flush(); err != nil {
					return err
				}
				continue
			}
			if meta == entryTurn {
				c.turnChanged()
			}
			if meta != 0 {
				continue
			}
			pending = append(pending, op)
		}
		err = w.Err()
		if !errors.Is(err, etcdkv.ErrCompacted) {
			return fmt.Errorf("etcdstore: follow: %w", err)
		}
		var compacted *etcdkv.CompactedError
		if !errors.As(err, &compacted) || compacted.Revision <= 0 || pendingRev != 0 {
			return fmt.Errorf("etcdstore: follow from revision %d: %w: %w", from, ErrReload, err)
		}
		ok, rerr := c.missedNothing(ctx, applied, compacted.Revision)
		if rerr != nil {
			return fmt.Errorf("etcdstore: follow: after the history was compacted: %w", rerr)
		}
		if !ok {
			return fmt.Errorf("etcdstore: follow from revision %d: %w: %w", from, ErrReload, err)
		}
		// A turn taken or given back meanwhile went unseen: its waiters
		// look again.
		c.turnChanged()
		next = compacted.Revision + 1
	}
}

// missedNothing says, after a watch resumed past a compaction at revision
// compacted (its stream had ended, and the history it would resume from was
// compacted since: the erasure's sweep compacts it every 32 MiB), whether
// the replica, which applied the revision applied, missed no change of the
// store up to compacted: every store transaction puts the head key, so none
// was made if the head was no newer at that revision. The watch may then
// resume from the revision after it. (An erasure compacts at a revision of
// the head: a follower that was away then reloads.)
func (c *Cluster) missedNothing(ctx context.Context, applied, compacted int64) (bool, error) {
	r, err := c.client.Range(ctx, etcdkv.RangeRequest{Key: c.head, Revision: compacted})
	if err != nil {
		return false, err
	}
	return len(r.KVs) == 0 || r.KVs[0].ModRevision <= applied, nil
}

// load reads everything under the prefix at one revision, page by page,
// and returns that revision. The chunks of large values are read with
// their manifests, not as keys of their own.
func (c *Cluster) load(ctx context.Context, apply func(rev int64, ops []kv.Op) error) (int64, error) {
	rev := int64(0)
	for _, r := range [][2]string{
		{c.prefix, c.prefix + chunkSuffix},
		{c.prefix + chunkSuffixEnd, string(prefixEnd([]byte(c.prefix)))},
	} {
		var err error
		if rev, err = c.loadRange(ctx, r[0], r[1], rev, apply); err != nil {
			return 0, err
		}
	}
	if err := apply(rev, nil); err != nil {
		return 0, fmt.Errorf("etcdstore: load: apply revision %d: %w", rev, err)
	}
	return rev, nil
}

// loadBytes is how many bytes of values load gives apply at most at a
// time, but for one value larger than that: a page of keys may hold many
// manifests of large values.
const loadBytes = 64 << 20

// loadOps is how many keys load gives apply at most at a time. apply
// writes them in one transaction of the replica's file, with its fsync:
// a transaction per page of 256 keys made a load of 100,000 cases (1.1
// million keys) take 4 min 10 s, mostly waiting on fsyncs.
const loadOps = 32768

// loadKeys is how many keys load lists at a time, without their values,
// before reading the values loadPage keys at a time within what it
// listed. etcd counts every key from a range's start to its end for each
// request made with a limit, so that paging 1.1 million keys 256 at a time
// to the prefix's end walked its index 4,300 times over. A variable for
// the tests, which list in smaller pages.
var loadKeys int64 = 8192

// loadRange reads the keys in [start, end) at revision rev (0: the
// latest, which it returns) and gives them to apply as revision 0, in
// batches of up to loadOps keys and loadBytes bytes of values.
func (c *Cluster) loadRange(ctx context.Context, start, end string, rev int64, apply func(rev int64, ops []kv.Op) error) (int64, error) {
	var ops []kv.Op
	held := 0
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		if err := apply(0, ops); err != nil {
			return fmt.Errorf("etcdstore: load: apply: %w", err)
		}
		ops, held = nil, 0
		return nil
	}
	for {
		listed, err := c.loadRead(ctx, etcdkv.RangeRequest{Key: start, End: end, Limit: loadKeys, Revision: rev, KeysOnly: true})
		if err != nil {
			return 0, err
		}
		if rev == 0 {
			rev = listed.Header.Revision
		}
		for i := 0; i < len(listed.KVs); i += loadPage {
			last := listed.KVs[min(i+loadPage, len(listed.KVs))-1].Key
			r, err := c.loadRead(ctx, etcdkv.RangeRequest{Key: listed.KVs[i].Key, End: last + "\x00", Revision: rev})
			if err != nil {
				return 0, err
			}
			for _, item := range r.KVs {
				op, meta, err := c.decode(item.Key, false, item.Value)
				if err != nil {
					return 0, fmt.Errorf("etcdstore: load: %w", err)
				}
				if meta != 0 {
					continue
				}
				if err := c.resolveValue(ctx, rev, &op, nil); err != nil {
					return 0, fmt.Errorf("etcdstore: load: %w", err)
				}
				if len(ops) >= loadOps || (held > 0 && held+len(op.Value) > loadBytes) {
					if err := flush(); err != nil {
						return 0, err
					}
				}
				ops, held = append(ops, op), held+len(op.Value)
			}
		}
		if !listed.More || len(listed.KVs) == 0 {
			return rev, flush()
		}
		start = listed.KVs[len(listed.KVs)-1].Key + "\x00"
	}
}

// loadRead is one range read of load's.
func (c *Cluster) loadRead(ctx context.Context, r etcdkv.RangeRequest) (*etcdkv.RangeResponse, error) {
	resp, err := c.client.Range(ctx, r)
	if errors.Is(err, etcdkv.ErrCompacted) {
		return nil, fmt.Errorf("etcdstore: load at revision %d: %w: %w", r.Revision, ErrReload, err)
	}
	if err != nil {
		return nil, uncertain("load", err)
	}
	return resp, nil
}

// prefixEnd is the first key after every key that starts with p (p is
// never empty nor all 0xFF: Dial wants it to end with "/").
func prefixEnd(p []byte) []byte {
	end := slices.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return []byte{0}
}

func (c *Cluster) decodeEvent(ev etcdkv.Event) (kv.Op, entryKind, error) {
	return c.decode(ev.KV.Key, ev.Type == etcdkv.Delete, ev.KV.Value)
}

// decode turns a put or deletion of an etcd key back into the Op that
// makes it in a replica; meta says the key holds no data: it is the head
// (entryHead), an import's place (entryProgress), the turn (entryTurn) or
// the erasure's sweep (entrySweep). Errors name the key's length, not its bytes: keys hold index
// entries, which may be personal data.
func (c *Cluster) decode(key string, deleted bool, value []byte) (op kv.Op, meta entryKind, err error) {
	if len(key) < len(c.prefix) || key[:len(c.prefix)] != c.prefix {
		return kv.Op{}, 0, fmt.Errorf("a key of %d bytes outside the prefix", len(key))
	}
	kind, path, k, err := decodeKey([]byte(key[len(c.prefix):]))
	if err != nil {
		return kv.Op{}, 0, fmt.Errorf("a key of %d bytes under the prefix: %w", len(key), err)
	}
	switch kind {
	case entryHead, entryProgress, entryTurn, entrySweep:
		return kv.Op{}, kind, nil
	case entryKey:
		if deleted {
			return kv.Op{Kind: kv.Delete, Path: path, Key: k}, 0, nil
		}
		return kv.Op{Kind: kv.Put, Path: path, Key: k, Value: nonNil(slices.Clone(value))}, 0, nil
	case entryMarker:
		if deleted {
			return kv.Op{Kind: kv.DeleteBucket, Path: path}, 0, nil
		}
		return kv.Op{Kind: kv.CreateBucket, Path: path}, 0, nil
	}
	// entrySequence
	if deleted {
		return kv.Op{Kind: kv.SetSequence, Path: path}, 0, nil
	}
	if len(value) != 8 {
		return kv.Op{}, 0, fmt.Errorf("a bucket's sequence of %d bytes, not 8", len(value))
	}
	return kv.Op{Kind: kv.SetSequence, Path: path, Seq: binary.BigEndian.Uint64(value)}, 0, nil
}
