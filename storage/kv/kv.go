// Package kv is the transaction the storage package works on: bbolt's Tx,
// Bucket and Cursor as interfaces, so that the same code runs on a local
// file and on a replica of a store kept in an etcd cluster (issue 21).
//
// On a file, Wrap gives bbolt's own transaction, converted, not copied: no
// allocation, one indirect call more per method. On a replica, Record wraps
// the replica file's write transaction and keeps every change as an Op, so
// that the Replicator can make the same changes on the cluster in one
// transaction before the replica commits them (replica.go).
package kv

import bolt "go.etcd.io/bbolt"

// Tx is one transaction: bbolt's *Tx methods that the store uses.
type Tx interface {
	Bucket(name []byte) Bucket
	CreateBucket(name []byte) (Bucket, error)
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	DeleteBucket(name []byte) error
	ForEach(fn func(name []byte, b Bucket) error) error
	Cursor() Cursor
	Writable() bool
	OnCommit(fn func())
	// Bolt is the bbolt transaction underneath: for what only a file has
	// (its path, size, page statistics, a copy of the whole file). Nothing
	// may be written through it: on a replica that change would never
	// reach the cluster.
	Bolt() *bolt.Tx
}

// Bucket is bbolt's *Bucket methods that the store uses. A missing bucket
// is a nil Bucket (an untyped nil, so that b == nil holds).
type Bucket interface {
	Get(key []byte) []byte
	Put(key, value []byte) error
	Delete(key []byte) error
	Bucket(name []byte) Bucket
	CreateBucket(name []byte) (Bucket, error)
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	DeleteBucket(name []byte) error
	Cursor() Cursor
	ForEach(fn func(k, v []byte) error) error
	ForEachBucket(fn func(k []byte) error) error
	Sequence() uint64
	SetSequence(v uint64) error
	NextSequence() (uint64, error)
	Writable() bool
	// SetFillPercent is bbolt's FillPercent field: how full a split leaves
	// a page, for this transaction only.
	SetFillPercent(p float64)
	// Bolt is the bbolt bucket underneath, to read its statistics.
	Bolt() *bolt.Bucket
}

// Cursor is bbolt's *Cursor. Delete removes the key the cursor is on.
type Cursor interface {
	Bucket() Bucket
	First() (key, value []byte)
	Last() (key, value []byte)
	Next() (key, value []byte)
	Prev() (key, value []byte)
	Seek(seek []byte) (key, value []byte)
	Delete() error
}

// Wrap is tx as a Tx (nil for nil).
func Wrap(tx *bolt.Tx) Tx {
	if tx == nil {
		return nil
	}
	return (*boltTx)(tx)
}

// WrapBucket is b as a Bucket (an untyped nil for nil).
func WrapBucket(b *bolt.Bucket) Bucket {
	if b == nil {
		return nil
	}
	return (*boltBucket)(b)
}

type (
	boltTx     bolt.Tx
	boltBucket bolt.Bucket
	boltCursor bolt.Cursor
)

func (t *boltTx) tx() *bolt.Tx                   { return (*bolt.Tx)(t) }
func (t *boltTx) Bolt() *bolt.Tx                 { return t.tx() }
func (t *boltTx) Bucket(name []byte) Bucket      { return WrapBucket(t.tx().Bucket(name)) }
func (t *boltTx) DeleteBucket(name []byte) error { return t.tx().DeleteBucket(name) }
func (t *boltTx) Writable() bool                 { return t.tx().Writable() }
func (t *boltTx) OnCommit(fn func())             { t.tx().OnCommit(fn) }
func (t *boltTx) Cursor() Cursor                 { return (*boltCursor)(t.tx().Cursor()) }

func (t *boltTx) CreateBucket(name []byte) (Bucket, error) {
	return bucketOrErr(t.tx().CreateBucket(name))
}

func (t *boltTx) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	return bucketOrErr(t.tx().CreateBucketIfNotExists(name))
}

func (t *boltTx) ForEach(fn func(name []byte, b Bucket) error) error {
	return t.tx().ForEach(func(name []byte, b *bolt.Bucket) error { return fn(name, WrapBucket(b)) })
}

func bucketOrErr(b *bolt.Bucket, err error) (Bucket, error) {
	if err != nil {
		return nil, err
	}
	return WrapBucket(b), nil
}

func (b *boltBucket) b() *bolt.Bucket                { return (*bolt.Bucket)(b) }
func (b *boltBucket) Bolt() *bolt.Bucket             { return b.b() }
func (b *boltBucket) Get(key []byte) []byte          { return b.b().Get(key) }
func (b *boltBucket) Put(key, value []byte) error    { return b.b().Put(key, value) }
func (b *boltBucket) Delete(key []byte) error        { return b.b().Delete(key) }
func (b *boltBucket) Bucket(name []byte) Bucket      { return WrapBucket(b.b().Bucket(name)) }
func (b *boltBucket) DeleteBucket(name []byte) error { return b.b().DeleteBucket(name) }
func (b *boltBucket) Cursor() Cursor                 { return (*boltCursor)(b.b().Cursor()) }
func (b *boltBucket) Sequence() uint64               { return b.b().Sequence() }
func (b *boltBucket) SetSequence(v uint64) error     { return b.b().SetSequence(v) }
func (b *boltBucket) NextSequence() (uint64, error)  { return b.b().NextSequence() }
func (b *boltBucket) Writable() bool                 { return b.b().Writable() }
func (b *boltBucket) SetFillPercent(p float64)       { b.b().FillPercent = p }

func (b *boltBucket) CreateBucket(name []byte) (Bucket, error) {
	return bucketOrErr(b.b().CreateBucket(name))
}

func (b *boltBucket) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	return bucketOrErr(b.b().CreateBucketIfNotExists(name))
}

func (b *boltBucket) ForEach(fn func(k, v []byte) error) error { return b.b().ForEach(fn) }

func (b *boltBucket) ForEachBucket(fn func(k []byte) error) error { return b.b().ForEachBucket(fn) }

func (c *boltCursor) c() *bolt.Cursor                   { return (*bolt.Cursor)(c) }
func (c *boltCursor) Bucket() Bucket                    { return WrapBucket(c.c().Bucket()) }
func (c *boltCursor) First() ([]byte, []byte)           { return c.c().First() }
func (c *boltCursor) Last() ([]byte, []byte)            { return c.c().Last() }
func (c *boltCursor) Next() ([]byte, []byte)            { return c.c().Next() }
func (c *boltCursor) Prev() ([]byte, []byte)            { return c.c().Prev() }
func (c *boltCursor) Seek(seek []byte) ([]byte, []byte) { return c.c().Seek(seek) }
func (c *boltCursor) Delete() error                     { return c.c().Delete() }

// Update runs fn in a read-write transaction of db (bbolt's DB.Update), on
// that transaction as a Tx.
func Update(db *bolt.DB, fn func(Tx) error) error {
	return db.Update(func(tx *bolt.Tx) error { return fn(Wrap(tx)) })
}

// View runs fn in a read-only transaction of db (bbolt's DB.View), on that
// transaction as a Tx.
func View(db *bolt.DB, fn func(Tx) error) error {
	return db.View(func(tx *bolt.Tx) error { return fn(Wrap(tx)) })
}
