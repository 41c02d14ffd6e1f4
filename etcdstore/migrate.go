package etcdstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/etcdkv"
	"rightsdesk/storage/kv"
)

// progressSuffix follows the prefix in the key that an import in progress
// keeps its place in: like the head's, no encoded path starts with it.
const progressSuffix = "\x00\x00import"

// importer is the part of Import that tests watch: called after each batch
// with the number of entries written so far; an error stops the import
// there, as an interruption would.
type importer func(written int) error

// Import copies every bucket, key and sequence of db (but kv.ReplicaBucket)
// under the prefix, in transactions within the members' limits, and then
// puts the head, which makes the copy a store that servers can follow. The
// prefix must be empty, or hold an import of the same file that was
// interrupted: Import then goes on after the last batch written. db must not
// change between the two (it is read in bbolt's order, and each batch
// records how many entries precede it and the etcd key of its last).
func (c *Cluster) Import(ctx context.Context, db *bolt.DB) error {
	return c.importFile(ctx, db, nil)
}

func (c *Cluster) importFile(ctx context.Context, db *bolt.DB, after importer) error {
	progress := c.prefix + progressSuffix
	skip, lastKey, at, err := c.importStart(ctx, progress)
	if err != nil {
		return err
	}
	var batch []etcdkv.Op
	size, written := requestOverhead, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		mark := binary.BigEndian.AppendUint64(nil, uint64(written))
		mark = append(mark, lastKey...)
		ops := append(batch, etcdkv.OpPut(progress, mark))
		// A batch may be up to --max-request-bytes of chunks: the bulk
		// client's timeout.
		resp, err := c.bulk.Txn(ctx, etcdkv.Txn{If: []etcdkv.Compare{etcdkv.ModRevisionIs(progress, at)}, Then: ops})
		if errors.Is(err, etcdkv.ErrConflict) {
			return fmt.Errorf("etcdstore: import: another import writes under the prefix %s", c.prefix)
		}
		if err != nil {
			return uncertain("import", err)
		}
		at = resp.Header.Revision
		batch, size = batch[:0], requestOverhead
		if after != nil {
			return after(written)
		}
		return nil
	}
	add := func(key string, value []byte) error {
		if written < skip {
			written++
			if written == skip && key != string(lastKey) {
				return fmt.Errorf("etcdstore: import: the file is not the one whose import was interrupted (entry %d differs)", skip)
			}
			return nil
		}
		need := len(key) + len(value) + opOverhead
		// One op of the batch is the progress key: it takes a key and 8
		// bytes more than the last key.
		if len(batch)+2 > c.maxOps || size+need+len(progress)+len(key)+8+opOverhead > c.maxBytes {
			if err := flush(); err != nil {
				return err
			}
			if size+need+len(progress)+len(key)+8+opOverhead > c.maxBytes {
				return &LimitError{Flag: "--max-request-bytes", Need: size + need + len(progress) + len(key) + 8 + opOverhead, Limit: c.maxBytes}
			}
		}
		batch = append(batch, etcdkv.OpPut(key, value))
		size += need
		written++
		lastKey = []byte(key)
		return nil
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if bytes.Equal(name, kv.ReplicaBucket) {
				return nil
			}
			return c.importBucket([][]byte{name}, b, add)
		})
	})
	if err == nil && written < skip {
		err = fmt.Errorf("etcdstore: import: the file is not the one whose import was interrupted (%d entries, %d imported)", written, skip)
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	// The last transaction makes the store live: the head, and the
	// progress key gone.
	_, err = c.client.Txn(ctx, etcdkv.Txn{
		If:   []etcdkv.Compare{etcdkv.ModRevisionIs(progress, at)},
		Then: []etcdkv.Op{etcdkv.OpDelete(progress), etcdkv.OpPut(c.head, []byte(c.server))},
	})
	if err != nil && !errors.Is(err, etcdkv.ErrConflict) {
		return uncertain("import: the last transaction", err)
	}
	if err != nil {
		return fmt.Errorf("etcdstore: import: another import writes under the prefix %s", c.prefix)
	}
	return nil
}

// importStart says where an import starts: from nothing on an empty
// prefix, or after the entries an interrupted import wrote.
func (c *Cluster) importStart(ctx context.Context, progress string) (skip int, lastKey []byte, at int64, err error) {
	mark, ok, err := c.client.Get(ctx, progress)
	if err != nil {
		return 0, nil, 0, uncertain("import", err)
	}
	if ok {
		if len(mark.Value) < 8 {
			return 0, nil, 0, fmt.Errorf("etcdstore: import: the progress of the interrupted import is unreadable (%d bytes)", len(mark.Value))
		}
		return int(binary.BigEndian.Uint64(mark.Value)), mark.Value[8:], mark.ModRevision, nil
	}
	n, err := c.client.Range(ctx, etcdkv.RangeRequest{Key: c.prefix, Prefix: true, CountOnly: true})
	if err != nil {
		return 0, nil, 0, uncertain("import", err)
	}
	if n.Count > 0 {
		return 0, nil, 0, fmt.Errorf("etcdstore: import: the prefix %s already holds %d keys: a store is imported into an empty prefix", c.prefix, n.Count)
	}
	return 0, nil, 0, nil
}

// importBucket passes the bucket at path to add: its marker, its sequence
// (when not 0), its keys (as the cluster stores them: a large value as its
// chunks and its manifest) and, depth first, its buckets.
func (c *Cluster) importBucket(path [][]byte, b *bolt.Bucket, add func(key string, value []byte) error) error {
	if err := add(encodeMarker(c.prefix, path), nil); err != nil {
		return err
	}
	if seq := b.Sequence(); seq != 0 {
		if err := add(encodeSequence(c.prefix, path), binary.BigEndian.AppendUint64(nil, seq)); err != nil {
			return err
		}
	}
	return b.ForEach(func(k, v []byte) error {
		if v != nil {
			// A large value's chunks go first: a batch cut between them and
			// the manifest leaves them unreferenced until the next.
			key := encodeKey(c.prefix, path, k)
			stored, chunks, _ := c.stored(key, v)
			for _, ch := range chunks {
				if err := add(ch.key, ch.value); err != nil {
					return err
				}
			}
			return add(key, stored)
		}
		child := append(path[:len(path):len(path)], bytes.Clone(k))
		return c.importBucket(child, b.Bucket(k), add)
	})
}

// Export copies the store under the prefix, as it is at one revision, into
// db, which must hold no bucket (but kv.ReplicaBucket): the way back from
// the cluster to a file. db then records that revision (kv.Revision), so
// that it can also serve as a replica that follows from there.
func (c *Cluster) Export(ctx context.Context, db *bolt.DB) error {
	empty := true
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			empty = empty && bytes.Equal(name, kv.ReplicaBucket)
			return nil
		})
	}); err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("etcdstore: export: %s is not empty", db.Path())
	}
	if _, _, ok, err := c.headRevision(ctx); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("etcdstore: export: no store under the prefix %s (or its import did not finish)", c.prefix)
		}
		return err
	}
	_, err := c.load(ctx, func(rev int64, ops []kv.Op) error {
		return db.Update(func(btx *bolt.Tx) error {
			tx := kv.Wrap(btx)
			if err := kv.Apply(tx, ops); err != nil {
				return err
			}
			if rev > 0 {
				return kv.SetRevision(tx, rev)
			}
			return nil
		})
	})
	return err
}

// headRevision reads the head: the latest change's revision and writer.
func (c *Cluster) headRevision(ctx context.Context) (rev int64, writer string, ok bool, err error) {
	head, ok, err := c.client.Get(ctx, c.head)
	if err != nil {
		return 0, "", false, uncertain("read the head", err)
	}
	return head.ModRevision, string(head.Value), ok, nil
}
