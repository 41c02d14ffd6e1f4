package kv

import (
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Record is tx with every change it makes kept, in order, in the log that
// ops returns: the changes a replica's transaction asks the cluster to make.
// Reads and writes go to tx as they would without it.
func Record(tx Tx) (recorded Tx, ops func() []Op) {
	r := &recTx{Tx: tx, log: new([]Op)}
	return r, func() []Op { return *r.log }
}

type recTx struct {
	Tx
	log *[]Op
}

type recBucket struct {
	in   Bucket
	path [][]byte
	log  *[]Op
}

type recCursor struct {
	Cursor
	b   *recBucket
	key []byte
	// valueLen is the length of the value the cursor is on.
	valueLen int
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return slices.Clone(b)
}

func (r *recTx) add(op Op) { *r.log = append(*r.log, op) }

func (r *recTx) wrap(b Bucket, path [][]byte) Bucket {
	if b == nil {
		return nil
	}
	return &recBucket{in: b, path: path, log: r.log}
}

func (r *recTx) Bucket(name []byte) Bucket {
	return r.wrap(r.Tx.Bucket(name), [][]byte{clone(name)})
}

func (r *recTx) CreateBucket(name []byte) (Bucket, error) {
	b, err := r.Tx.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	path := [][]byte{clone(name)}
	r.add(Op{Kind: CreateBucket, Path: path})
	return r.wrap(b, path), nil
}

func (r *recTx) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	if b := r.Bucket(name); b != nil {
		return b, nil
	}
	return r.CreateBucket(name)
}

func (r *recTx) DeleteBucket(name []byte) error {
	b := r.Bucket(name)
	if b != nil {
		if err := b.(*recBucket).recordEmptying(); err != nil {
			return err
		}
	}
	if err := r.Tx.DeleteBucket(name); err != nil {
		return err
	}
	r.add(Op{Kind: DeleteBucket, Path: [][]byte{clone(name)}})
	return nil
}

func (r *recTx) ForEach(fn func(name []byte, b Bucket) error) error {
	return r.Tx.ForEach(func(name []byte, b Bucket) error {
		return fn(name, r.wrap(b, [][]byte{clone(name)}))
	})
}

func (r *recTx) Cursor() Cursor {
	// The top level's keys are buckets: its cursor cannot delete one.
	return r.Tx.Cursor()
}

func (b *recBucket) add(op Op) { *b.log = append(*b.log, op) }

func (b *recBucket) child(name []byte) [][]byte {
	return append(slices.Clip(b.path), clone(name))
}

func (b *recBucket) wrap(in Bucket, path [][]byte) Bucket {
	if in == nil {
		return nil
	}
	return &recBucket{in: in, path: path, log: b.log}
}

func (b *recBucket) Put(key, value []byte) error {
	replaced := len(b.in.Get(key))
	if err := b.in.Put(key, value); err != nil {
		return err
	}
	b.add(Op{Kind: Put, Path: b.path, Key: clone(key), Value: clone(value), Replaced: replaced})
	return nil
}

func (b *recBucket) Delete(key []byte) error {
	replaced := len(b.in.Get(key))
	if err := b.in.Delete(key); err != nil {
		return err
	}
	b.add(Op{Kind: Delete, Path: b.path, Key: clone(key), Replaced: replaced})
	return nil
}

func (b *recBucket) Bucket(name []byte) Bucket {
	return b.wrap(b.in.Bucket(name), b.child(name))
}

func (b *recBucket) CreateBucket(name []byte) (Bucket, error) {
	in, err := b.in.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	path := b.child(name)
	b.add(Op{Kind: CreateBucket, Path: path})
	return b.wrap(in, path), nil
}

func (b *recBucket) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	if in := b.in.Bucket(name); in != nil {
		return b.wrap(in, b.child(name)), nil
	}
	return b.CreateBucket(name)
}

func (b *recBucket) DeleteBucket(name []byte) error {
	if in := b.in.Bucket(name); in != nil {
		child := &recBucket{in: in, path: b.child(name), log: b.log}
		if err := child.recordEmptying(); err != nil {
			return err
		}
	}
	if err := b.in.DeleteBucket(name); err != nil {
		return err
	}
	b.add(Op{Kind: DeleteBucket, Path: b.child(name)})
	return nil
}

// recordEmptying logs a Delete for every key of b and a DeleteBucket for
// every bucket inside it, deepest first, without changing b: what deleting b
// removes, said key by key.
func (b *recBucket) recordEmptying() error {
	return b.in.ForEach(func(k, v []byte) error {
		if v != nil {
			b.add(Op{Kind: Delete, Path: b.path, Key: clone(k), Replaced: len(v)})
			return nil
		}
		in := &recBucket{in: b.in.Bucket(k), path: b.child(k), log: b.log}
		if err := in.recordEmptying(); err != nil {
			return err
		}
		b.add(Op{Kind: DeleteBucket, Path: in.path})
		return nil
	})
}

func (b *recBucket) Cursor() Cursor { return &recCursor{Cursor: b.in.Cursor(), b: b} }

func (b *recBucket) SetSequence(v uint64) error {
	if err := b.in.SetSequence(v); err != nil {
		return err
	}
	b.add(Op{Kind: SetSequence, Path: b.path, Seq: v})
	return nil
}

func (b *recBucket) NextSequence() (uint64, error) {
	v, err := b.in.NextSequence()
	if err != nil {
		return 0, err
	}
	b.add(Op{Kind: SetSequence, Path: b.path, Seq: v})
	return v, nil
}

func (c *recCursor) at(k, v []byte) ([]byte, []byte) {
	c.key, c.valueLen = k, len(v)
	return k, v
}

func (c *recCursor) Bucket() Bucket                    { return c.b }
func (c *recCursor) First() ([]byte, []byte)           { return c.at(c.Cursor.First()) }
func (c *recCursor) Last() ([]byte, []byte)            { return c.at(c.Cursor.Last()) }
func (c *recCursor) Next() ([]byte, []byte)            { return c.at(c.Cursor.Next()) }
func (c *recCursor) Prev() ([]byte, []byte)            { return c.at(c.Cursor.Prev()) }
func (c *recCursor) Seek(seek []byte) ([]byte, []byte) { return c.at(c.Cursor.Seek(seek)) }

func (c *recCursor) Delete() error {
	key, replaced := clone(c.key), c.valueLen
	if err := c.Cursor.Delete(); err != nil {
		return err
	}
	c.b.add(Op{Kind: Delete, Path: c.b.path, Key: key, Replaced: replaced})
	return nil
}

func (b *recBucket) Get(key []byte) []byte                       { return b.in.Get(key) }
func (b *recBucket) ForEach(fn func(k, v []byte) error) error    { return b.in.ForEach(fn) }
func (b *recBucket) ForEachBucket(fn func(k []byte) error) error { return b.in.ForEachBucket(fn) }
func (b *recBucket) Sequence() uint64                            { return b.in.Sequence() }
func (b *recBucket) Writable() bool                              { return b.in.Writable() }
func (b *recBucket) SetFillPercent(p float64)                    { b.in.SetFillPercent(p) }
func (b *recBucket) Bolt() *bolt.Bucket                          { return b.in.Bolt() }

// Unrecorded is the transaction a Record'ed tx wraps (tx itself for any
// other): for what a replica keeps to itself, in its ReplicaBucket, which
// must never reach the cluster.
func Unrecorded(tx Tx) Tx {
	if r, ok := tx.(*recTx); ok {
		return r.Tx
	}
	return tx
}
