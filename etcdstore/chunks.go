package etcdstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"rightsdesk/etcdkv"
	"rightsdesk/storage"
	"rightsdesk/storage/kv"
)

// Large values (issue 21): a member refuses a request over its
// --max-request-bytes (1.5 MiB by default, 10 MiB advised in the README),
// and etcd advises values well under 1.5 MiB, while an attachment may be
// 64 MiB. A value over chunkSize is kept as chunks of chunkSize bytes
// (the last one shorter) under chunk keys, and its own etcd key holds a
// manifest that says which:
//
//	0xFE 0x01, length (8 bytes big-endian), chunk count (4), SHA-256 (32)
//
// A value kept whole that starts with 0xFE is stored as 0xFE 0x00 and the
// value, so that a stored value that starts with 0xFE 0x01 is always a
// manifest; every other value is stored as it is.
//
// A chunk key is, under the prefix, 0x00 0x00 "chunk/" (which no bucket's
// key starts with: keys.go), then the etcd key of the value that owns the
// chunk (without the prefix) escaped as a bucket's name is and ended by
// 0x00 0x01, then the whole value's SHA-256 and the chunk's index (4 bytes
// big-endian). So the chunks of one value are one range, those of one key
// another (with no other key's among them), and two versions of a value
// never share a chunk key unless they are the same bytes.
//
// Chunks go in the store transaction that puts their manifest when the
// members' limits allow; otherwise they are uploaded first, in
// transactions of their own, and the store transaction holds only if each
// is still as uploaded. An upload whose commit never comes leaves chunks no
// manifest refers to: Erase sweeps them. A Put or Delete that replaces a
// chunked value (kv.Op.Replaced) deletes the old chunks in its own
// transaction. Followers do not watch the chunks: they read them, at the
// manifest's revision, when the manifest comes.
const (
	chunkSize   = 1 << 20
	chunkSuffix = "\x00\x00chunk/"
	// chunkSuffixEnd is the first key after every chunk key.
	chunkSuffixEnd = "\x00\x00chunk0"
	valueMark      = 0xFE
	markEscaped    = 0x00
	markManifest   = 0x01
	manifestSize   = 2 + 8 + 4 + sha256.Size
	// chunkPage is how many chunks one read asks for (8 MiB).
	chunkPage = 8
	// chunkTimeout bounds one request that carries chunks (an upload of
	// up to --max-request-bytes, a read of chunkPage chunks) to one
	// member: the store's own per-request timeout is for requests of a
	// few kilobytes, and an upload must not be cut by the deadline of the
	// write it belongs to.
	chunkTimeout = 2 * time.Minute
)

// ErrDamaged is a value on the cluster that cannot be read back as it was
// written: a chunk missing, of the wrong length, or chunks that do not add
// up to the SHA-256 their manifest holds. Errors that are ErrDamaged are
// storage.ErrDamaged too.
var ErrDamaged = errors.New("a value on the cluster is damaged")

// DamagedError is ErrDamaged with what is damaged. It names the value by
// its bucket and size, never by its key, which may be personal data (a
// file's name).
type DamagedError struct{ Detail string }

func (e *DamagedError) Error() string { return "etcdstore: damaged value: " + e.Detail }

// Is makes a DamagedError ErrDamaged and storage.ErrDamaged.
func (e *DamagedError) Is(target error) bool {
	return target == ErrDamaged || target == storage.ErrDamaged
}

// manifest is what the etcd key of a chunked value holds.
type manifest struct {
	size  uint64
	count uint32
	sum   [sha256.Size]byte
}

func (m manifest) encode() []byte {
	b := append(make([]byte, 0, manifestSize), valueMark, markManifest)
	b = binary.BigEndian.AppendUint64(b, m.size)
	b = binary.BigEndian.AppendUint32(b, m.count)
	return append(b, m.sum[:]...)
}

// decodeManifest reads a stored value that starts with 0xFE 0x01.
func decodeManifest(v []byte) (manifest, bool) {
	if len(v) != manifestSize || v[0] != valueMark || v[1] != markManifest {
		return manifest{}, false
	}
	m := manifest{size: binary.BigEndian.Uint64(v[2:]), count: binary.BigEndian.Uint32(v[10:])}
	copy(m.sum[:], v[14:])
	return m, true
}

// chunksOf is the number of chunks of a value of size bytes.
func chunksOf(size uint64) uint64 { return (size + chunkSize - 1) / chunkSize }

// chunk is one chunk's etcd key and bytes.
type chunk struct {
	key   string
	value []byte
}

// size is what the chunk adds to a transaction's request.
func (ch chunk) size() int { return len(ch.key) + len(ch.value) + opOverhead }

// chunkOwner is the start of every chunk key of the value at the etcd key
// key.
func (c *Cluster) chunkOwner(key string) string {
	owner := appendPath([]byte(c.prefix+chunkSuffix), [][]byte{[]byte(key[len(c.prefix):])})
	return string(owner)
}

// chunkKey is the key of chunk i in a group (chunkOwner, then the SHA-256).
func chunkKey(group string, i uint32) string {
	return string(binary.BigEndian.AppendUint32([]byte(group), i))
}

// stored is what the etcd key key holds for value, and the chunks that go
// with it with the value's SHA-256 (none for a value kept whole). The
// chunks share value's bytes.
func (c *Cluster) stored(key string, value []byte) (v []byte, chunks []chunk, sum []byte) {
	if len(value) <= chunkSize {
		if len(value) > 0 && value[0] == valueMark {
			return append([]byte{valueMark, markEscaped}, value...), nil, nil
		}
		return value, nil, nil
	}
	m := manifest{size: uint64(len(value)), count: uint32(chunksOf(uint64(len(value)))), sum: sha256.Sum256(value)}
	group := c.chunkOwner(key) + string(m.sum[:])
	for i := range m.count {
		from := int(i) * chunkSize
		chunks = append(chunks, chunk{key: chunkKey(group, i), value: value[from:min(from+chunkSize, len(value))]})
	}
	return m.encode(), chunks, m.sum[:]
}

// oldChunks deletes the chunks of the value a change replaced (replaced
// bytes long), and returns the operations and what they add to the
// request.
func (c *Cluster) oldChunks(key string, replaced int, sum []byte) ([]etcdkv.Op, int) {
	var ops []etcdkv.Op
	size := 0
	for _, r := range c.oldChunkRanges(key, replaced, sum) {
		ops = append(ops, etcdkv.OpDeleteRange(r[0], r[1]))
		size += len(r[0]) + len(r[1]) + opOverhead
	}
	return ops, size
}

// oldChunkRanges are the ranges [start, end) of the chunks of the value a
// change replaced (replaced bytes long): every chunk of the key but those
// of the new value, whose SHA-256 is sum (nil: no chunks), for etcd
// refuses a transaction that puts a key inside a range it deletes.
func (c *Cluster) oldChunkRanges(key string, replaced int, sum []byte) [][2]string {
	if replaced <= chunkSize {
		return nil
	}
	owner := c.chunkOwner(key)
	end := string(prefixEnd([]byte(owner)))
	if sum == nil {
		return [][2]string{{owner, end}}
	}
	group := owner + string(sum)
	ranges := [][2]string{{owner, group}}
	if after := string(prefixEnd([]byte(group))); after < end {
		ranges = append(ranges, [2]string{after, end})
	}
	return ranges
}

// upload puts chunks that did not fit in the store transaction, batch by
// batch, and returns the compares that make that transaction hold only if
// each is still as uploaded (an Erase may sweep chunks that no manifest
// refers to yet). Each batch has chunkTimeout, not ctx's deadline; a ctx
// cancelled stops the upload between batches.
func (c *Cluster) upload(ctx context.Context, batches [][]chunk) ([]etcdkv.Compare, error) {
	var compares []etcdkv.Compare
	for _, batch := range batches {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("etcdstore: upload a large value's chunks: %w; nothing was committed", ctx.Err())
		}
		puts := make([]etcdkv.Op, 0, len(batch))
		for _, ch := range batch {
			puts = append(puts, etcdkv.OpPut(ch.key, ch.value))
		}
		resp, err := c.bulk.Txn(context.WithoutCancel(ctx), etcdkv.Txn{Then: puts})
		if err != nil {
			return nil, fmt.Errorf("etcdstore: upload a large value's chunks (nothing was committed): %w", err)
		}
		for _, ch := range batch {
			compares = append(compares, etcdkv.ModRevisionIs(ch.key, resp.Header.Revision))
		}
	}
	if c.afterUpload != nil {
		c.afterUpload()
	}
	return compares, nil
}

// resolve turns the values of the Puts in ops, as their etcd keys hold
// them, back into the store's values: an escaped value unescaped, a
// manifest's chunks read at revision rev and checked. The large values of
// a change this Cluster committed itself are not read back.
func (c *Cluster) resolve(ctx context.Context, rev int64, ops []kv.Op) error {
	c.mu.Lock()
	var own map[string][]byte
	if c.ownRev <= rev {
		if c.ownRev == rev {
			own = c.own
		}
		c.ownRev, c.own = 0, nil
	}
	c.mu.Unlock()
	for i := range ops {
		if err := c.resolveValue(ctx, rev, &ops[i], own); err != nil {
			return err
		}
	}
	return nil
}

// resolveValue is resolve of one op; own holds values by etcd key that
// need not be read (nil: none).
func (c *Cluster) resolveValue(ctx context.Context, rev int64, op *kv.Op, own map[string][]byte) error {
	if op.Kind != kv.Put || len(op.Value) == 0 || op.Value[0] != valueMark {
		return nil
	}
	switch {
	case len(op.Value) >= 2 && op.Value[1] == markEscaped:
		op.Value = op.Value[2:]
		return nil
	case len(op.Value) >= 2 && op.Value[1] == markManifest:
		m, ok := decodeManifest(op.Value)
		if !ok {
			return &DamagedError{Detail: fmt.Sprintf("the manifest of a value in bucket %s is %d bytes, not %d", bucketName(op.Path), len(op.Value), manifestSize)}
		}
		key := encodeKey(c.prefix, op.Path, op.Key)
		if v, ok := own[key]; ok && uint64(len(v)) == m.size && sha256.Sum256(v) == m.sum {
			op.Value = v
			return nil
		}
		v, err := c.assemble(ctx, rev, key, m, bucketName(op.Path))
		if err != nil {
			return err
		}
		op.Value = v
		return nil
	}
	return &DamagedError{Detail: fmt.Sprintf("a value in bucket %s starts with 0xFE but is neither escaped nor a manifest", bucketName(op.Path))}
}

// bucketName is a bucket's path as errors name it.
func bucketName(path [][]byte) string {
	names := make([]string, len(path))
	for i, name := range path {
		names[i] = fmt.Sprintf("%q", name)
	}
	return strings.Join(names, "/")
}

// assemble reads the chunks of the value at the etcd key key, as they were
// at revision rev (0: now), and checks them against their manifest m.
func (c *Cluster) assemble(ctx context.Context, rev int64, key string, m manifest, bucket string) ([]byte, error) {
	what := fmt.Sprintf("the %d-byte value of a key in bucket %s", m.size, bucket)
	damaged := func(format string, args ...any) error {
		return &DamagedError{Detail: fmt.Sprintf(format, args...)}
	}
	if uint64(m.count) != chunksOf(m.size) {
		return nil, damaged("the manifest of %s counts %d chunks, not %d", what, m.count, chunksOf(m.size))
	}
	group := c.chunkOwner(key) + string(m.sum[:])
	value := make([]byte, 0, min(m.size, 1<<30))
	start, end := chunkKey(group, 0), chunkKey(group, m.count)
	next := uint32(0)
	for next < m.count {
		r, err := c.bulk.Range(ctx, etcdkv.RangeRequest{Key: start, End: end, Limit: chunkPage, Revision: rev})
		if errors.Is(err, etcdkv.ErrCompacted) {
			return nil, fmt.Errorf("etcdstore: read the chunks of %s at revision %d: %w: %w", what, rev, ErrReload, err)
		}
		if err != nil {
			return nil, uncertain("read the chunks of "+what, err)
		}
		for _, item := range r.KVs {
			if item.Key != chunkKey(group, next) {
				return nil, damaged("chunk %d of %s is missing", next, what)
			}
			want := min(uint64(chunkSize), m.size-uint64(next)*chunkSize)
			if uint64(len(item.Value)) != want {
				return nil, damaged("chunk %d of %s is %d bytes, not %d", next, what, len(item.Value), want)
			}
			value = append(value, item.Value...)
			next++
		}
		if !r.More || len(r.KVs) == 0 {
			break
		}
		start = r.KVs[len(r.KVs)-1].Key + "\x00"
	}
	if next < m.count {
		return nil, damaged("chunk %d of %s is missing", next, what)
	}
	if sha256.Sum256(value) != m.sum {
		return nil, damaged("the chunks of %s do not match its SHA-256: one of them is damaged", what)
	}
	return value, nil
}

// sweepChunks deletes the chunks that no manifest refers to: those of an
// upload whose commit failed or was refused, and any a replaced value left.
// It lists the chunk keys (not their values), then, for each value's
// chunks, reads their owner's key: a manifest of the same SHA-256 keeps
// them. The deletion holds only if the owner is unchanged since, so that a
// manifest committed meanwhile keeps its chunks; an upload not committed
// yet loses them, and its commit is refused as a conflict and made again.
func (c *Cluster) sweepChunks(ctx context.Context) error {
	start := c.prefix + chunkSuffix
	end := string(prefixEnd([]byte(start)))
	counts := map[string]uint32{} // a value's chunks (their group): one more than the highest index
	var groups []string
	for from := start; ; {
		r, err := c.client.Range(ctx, etcdkv.RangeRequest{Key: from, End: end, Limit: 1000, KeysOnly: true})
		if err != nil {
			return uncertain("erase: list the chunks", err)
		}
		for _, item := range r.KVs {
			if len(item.Key) < len(start)+2+sha256.Size+4 {
				continue // not a chunk key: not ours to delete
			}
			group, i := item.Key[:len(item.Key)-4], binary.BigEndian.Uint32([]byte(item.Key[len(item.Key)-4:]))
			if _, seen := counts[group]; !seen {
				groups = append(groups, group)
			}
			counts[group] = max(counts[group], i+1)
		}
		if !r.More || len(r.KVs) == 0 {
			break
		}
		from = r.KVs[len(r.KVs)-1].Key + "\x00"
	}
	for _, group := range groups {
		if err := c.sweepGroup(ctx, group, counts[group]); err != nil {
			return err
		}
	}
	return nil
}

// sweepGroup deletes the chunks of one value (group) that its owner's
// manifest does not refer to; n is one more than their highest index.
func (c *Cluster) sweepGroup(ctx context.Context, group string, n uint32) error {
	owner, ok := c.chunksOwnerKey(group)
	if !ok {
		return nil // not a chunk key of this encoding: not ours to delete
	}
	item, exists, err := c.client.Get(ctx, owner)
	if err != nil {
		return uncertain("erase: read a chunked value's manifest", err)
	}
	keep := uint32(0)
	if m, ok := decodeManifest(item.Value); exists && ok && string(m.sum[:]) == group[len(group)-sha256.Size:] {
		keep = m.count
	}
	if keep >= n {
		return nil
	}
	_, err = c.client.Txn(ctx, etcdkv.Txn{
		If:   []etcdkv.Compare{etcdkv.ModRevisionIs(owner, item.ModRevision)},
		Then: []etcdkv.Op{etcdkv.OpDeleteRange(chunkKey(group, keep), string(prefixEnd([]byte(group))))},
	})
	if errors.Is(err, etcdkv.ErrConflict) {
		return nil // the owner changed meanwhile: the next sweep decides
	}
	if err != nil {
		return uncertain("erase: delete unreferenced chunks", err)
	}
	return nil
}

// chunksOwnerKey is the etcd key of the value whose chunks start with
// group (chunkOwner and a SHA-256).
func (c *Cluster) chunksOwnerKey(group string) (string, bool) {
	escaped := []byte(group[len(c.prefix)+len(chunkSuffix) : len(group)-sha256.Size])
	if !bytes.HasSuffix(escaped, []byte{escape, endOfName}) {
		return "", false
	}
	escaped = escaped[:len(escaped)-2]
	owner := make([]byte, 0, len(escaped))
	for i := 0; i < len(escaped); i++ {
		if escaped[i] != escape {
			owner = append(owner, escaped[i])
			continue
		}
		if i+1 == len(escaped) || escaped[i+1] != escapedZero {
			return "", false
		}
		owner = append(owner, escape)
		i++
	}
	return c.prefix + string(owner), true
}

// Preupload sends the chunks of a large value, which a change will put at
// key in the bucket path, ahead of that change: outside the replica's
// write transaction, so that the server's other writes do not wait for
// the upload (kv.Preuploader). The change's Commit then puts only the
// manifest, and holds only if each chunk is still as sent. Chunks sent
// ahead serve the next Commit that puts them and no other; a value kept
// whole sends nothing. drop deletes the chunks again when no Commit took
// them (the change was refused before it reached the cluster), so that a
// file refused stays on no member; what drop cannot delete, Erase sweeps,
// as an upload whose commit never came.
func (c *Cluster) Preupload(ctx context.Context, path [][]byte, key, value []byte) (drop func(), err error) {
	ekey := encodeKey(c.prefix, path, key)
	manifest, chunks, sum := c.stored(ekey, value)
	if len(chunks) == 0 {
		return func() {}, nil
	}
	batches, err := c.batches(chunks)
	if err != nil {
		return nil, err
	}
	compares, err := c.upload(ctx, batches)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(chunks))
	c.mu.Lock()
	if c.sent == nil {
		c.sent = map[string]etcdkv.Compare{}
	}
	for i, ch := range chunks {
		c.sent[ch.key], keys[i] = compares[i], ch.key
	}
	c.mu.Unlock()
	return func() { c.dropSent(ekey, manifest, c.chunkOwner(ekey)+string(sum), keys) }, nil
}

// dropSent deletes the chunks of group (keys) sent ahead of a change that
// never came: only while no Commit of this server took them, and only if
// the value's key does not hold their manifest (another server may have
// committed the same bytes under the same key, whose chunks these are).
func (c *Cluster) dropSent(ekey string, manifest []byte, group string, keys []string) {
	c.mu.Lock()
	pending := false
	for _, k := range keys {
		if _, ok := c.sent[k]; ok {
			pending = true
			delete(c.sent, k)
		}
	}
	c.mu.Unlock()
	if !pending {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), chunkTimeout)
	defer cancel()
	// The compare fails when the key holds another value or none: the
	// chunks are then deleted. A failure to reach the cluster leaves them
	// to Erase's sweep.
	_, _ = c.client.Txn(ctx, etcdkv.Txn{
		If:   []etcdkv.Compare{etcdkv.ValueIs(ekey, manifest)},
		Else: []etcdkv.Op{etcdkv.OpDeleteRange(group, string(prefixEnd([]byte(group))))},
	})
}

// sentAhead splits chunks into those sent ahead (their compares and keys)
// and the rest.
func (c *Cluster) sentAhead(chunks []chunk) (sent []etcdkv.Compare, keys []string, rest []chunk) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range chunks {
		if cmp, ok := c.sent[ch.key]; ok {
			sent, keys = append(sent, cmp), append(keys, ch.key)
			continue
		}
		rest = append(rest, ch)
	}
	return sent, keys, rest
}

// forgetSent drops chunks sent ahead, once a Commit took or failed them.
func (c *Cluster) forgetSent(keys []string) {
	if len(keys) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		delete(c.sent, k)
	}
}
