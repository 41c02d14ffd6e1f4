package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"rightsdesk/storage/kv"
)

// A log's hashes in tiles (schema 6). Schema 5 stored every hash of every
// level of an organisation's tree under its own key (tlog.StoredHashIndex),
// about two 32-byte hashes and two 8-byte keys per leaf, each with bbolt's
// 16-byte element header: 1,500 bytes a case of a dozen events. A tiled log
// stores only the hashes of the levels 0, 4, 8, ... in values of 16 hashes
// (tlog's tiles of height 4: tile (L, N) lists the hashes N*16 ... N*16+15
// of level 4L); any hash of the three levels between is the root of part
// of one tile, computed when read (tlog.HashFromTile). So a proof still
// reads one value per hash it needs, and a leaf costs 34 bytes and a
// fraction of a key. The hashes are those of the same RFC 6962 tree, so
// every root, checkpoint and proof is unchanged.

// logTileHeight is the height of a log's tiles: 16 hashes a value, which
// with its key and header (537 bytes) fills a page seven times over.
const logTileHeight = 4

// keyLogFormat marks an organisation's log bucket whose hashes are tiled;
// a bucket without it holds schema 5's stored hashes until step 6 of the
// migrator has tiled it (tileLogsBatch).
var (
	keyLogFormat = []byte("format")
	logTiled     = []byte("tiles/4")
)

// tileKey is the key of tile (L, N): the level in one byte and N in 8,
// 9 bytes that neither "size" nor "format" nor an old 8-byte index can be.
// The level's byte is 'r' less the level, so that the leaves' tiles come
// last but for "size": an append rewrites the last of them and the size,
// both on the bucket's last page.
func tileKey(level int, n int64) []byte {
	k := make([]byte, 9)
	k[0] = 'r' - byte(level)
	binary.BigEndian.PutUint64(k[1:], uint64(n))
	return k
}

// isTiled reports whether an organisation's log bucket holds tiles.
func isTiled(b kv.Bucket) bool { return bytes.Equal(b.Get(keyLogFormat), logTiled) }

// logHashes is the reader of the hashes of org's log bucket b, in
// whichever layout it holds them; a leaves' tile not stored is recomputed
// from its sources in tx.
func logHashes(tx kv.Tx, org string, b kv.Bucket) tlog.HashReader {
	if isTiled(b) {
		return tileHashes{b: b, tx: tx, org: org, leafTiles: map[int64][]byte{}}
	}
	return bucketHashes{b}
}

// tileHashes reads a tiled log's hashes.
type tileHashes struct {
	b kv.Bucket
	// tx and org let a leaves' tile that is not stored be recomputed from
	// its sources (sourcedTile), once: leafTiles keeps those done.
	tx        kv.Tx
	org       string
	leafTiles map[int64][]byte
}

func (r tileHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		t := tlog.TileForIndex(logTileHeight, x)
		data := r.b.Get(tileKey(t.L, t.N))
		if data == nil && t.L == 0 && r.tx != nil {
			if data = r.leafTiles[t.N]; data == nil {
				var err error
				if data, err = sourcedTile(r.tx, r.b, r.org, t.N); err != nil {
					return nil, err
				}
				r.leafTiles[t.N] = data
			}
		}
		if len(data) < t.W*tlog.HashSize {
			return nil, fmt.Errorf("the log lacks its stored hash %d", x)
		}
		h, err := tlog.HashFromTile(t, data, x)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// appendTiled adds leaf hash h as leaf n of a tiled log: it goes at the end
// of its level-0 tile, and each tile it completes gives the next level's
// tile its root. id is the case whose event the leaf is ("": none, as in
// the team table's log): it is added to the tile's sources, and a tile
// that has them is dropped when complete.
func appendTiled(b kv.Bucket, n int64, h tlog.Hash, id string) error {
	var ids []leafRun
	if id != "" {
		ids = []leafRun{{id: id, n: 1}}
	}
	return appendTiledAll(b, n, []tlog.Hash{h}, ids)
}

// tileRoot is the hash of the subtree whose leaves are a complete tile's
// hashes.
func tileRoot(data []byte) tlog.Hash {
	hs := make([]tlog.Hash, len(data)/tlog.HashSize)
	for i := range hs {
		copy(hs[i][:], data[i*tlog.HashSize:])
	}
	for len(hs) > 1 {
		for i := 0; i < len(hs)/2; i++ {
			hs[i] = tlog.NodeHash(hs[2*i], hs[2*i+1])
		}
		hs = hs[:len(hs)/2]
	}
	return hs[0]
}

// logTiles are the tiles a log of the given leaf hashes holds, keyed as
// tileKey (check compares them with the stored ones).
func logTiles(leaves []tlog.Hash) map[string][]byte {
	out := map[string][]byte{}
	for level, hs := 0, leaves; len(hs) > 0; level++ {
		var up []tlog.Hash
		for n := 0; n*(1<<logTileHeight) < len(hs); n++ {
			part := hs[n<<logTileHeight : min(len(hs), (n+1)<<logTileHeight)]
			data := make([]byte, 0, len(part)*tlog.HashSize)
			for _, h := range part {
				data = append(data, h[:]...)
			}
			out[string(tileKey(level, int64(n)))] = data
			if len(part) == 1<<logTileHeight {
				up = append(up, tileRoot(data))
			}
		}
		hs = up
	}
	return out
}

// tileLog turns a log bucket of schema 5's stored hashes into tiles, in
// place: its leaves and the hashes of levels 4, 8, ... are copied as they
// are stored (so that a rewritten one stays for check to find), the levels
// between are dropped (tiles give them), and the tiled tree must give the
// root the stored one gives, or nothing is changed.
func tileLog(b kv.Bucket) error {
	if isTiled(b) {
		return nil
	}
	n := logSize(b)
	old := bucketHashes{b}
	want, err := tlog.TreeHash(n, old)
	if err != nil && n > 0 {
		return err
	}
	var tiles [][2][]byte
	for level := 0; n>>(logTileHeight*level) > 0; level++ {
		width := n >> (logTileHeight * level)
		var data []byte
		for j := int64(0); j < width; j++ {
			v := b.Get(u64(uint64(tlog.StoredHashIndex(logTileHeight*level, j))))
			if len(v) != tlog.HashSize {
				return fmt.Errorf("the log lacks its stored hash %d", tlog.StoredHashIndex(logTileHeight*level, j))
			}
			data = append(data, v...)
			if j%(1<<logTileHeight) == 1<<logTileHeight-1 || j == width-1 {
				tiles = append(tiles, [2][]byte{tileKey(level, j>>logTileHeight), data})
				data = nil
			}
		}
	}
	var keys [][]byte
	_ = b.ForEach(func(k, _ []byte) error {
		if len(k) == 8 {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	b.SetFillPercent(1) // tiles are written in key order: the top level's first
	for i := len(tiles) - 1; i >= 0; i-- {
		if err := b.Put(tiles[i][0], tiles[i][1]); err != nil {
			return err
		}
	}
	if err := b.Put(keyLogFormat, logTiled); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	got, err := tlog.TreeHash(n, tileHashes{b: b})
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("its tiles do not give the root its stored hashes give")
	}
	return nil
}

// tileLogsBatch is step 6 of the migrator: it tiles the log of the first
// organisation after the one named (nil: from the first) whose log is not
// tiled yet, in one transaction, and returns its name; nil when none is
// left. An organisation's log is tiled whole or not at all, so a rerun
// after a crash finds the next one by its format.
func tileLogsBatch(tx kv.Tx, after []byte, _ int, _ time.Time) ([]byte, error) {
	logs := tx.Bucket(bucketLogs)
	if logs == nil {
		return nil, nil
	}
	c := logs.Cursor()
	k, v := c.First()
	if after != nil {
		k, v = c.Seek(after)
	}
	for ; k != nil; k, v = c.Next() {
		b := logs.Bucket(k)
		if v != nil || b == nil || isTiled(b) {
			continue
		}
		if err := tileLog(b); err != nil {
			return nil, fmt.Errorf("the log of %s: %w", k, err)
		}
		return append([]byte(nil), k...), nil
	}
	return nil, nil
}

// leafRun is a case whose events are n leaves in a row of a log.
type leafRun struct {
	id string
	n  int
}

// appendTiledAll adds the leaf hashes hs as leaves n, n+1, ... of a tiled
// log, as appendTiled one by one would leave it, but putting each tile it
// touches once: a bulk write appends hundreds of thousands of leaves, and
// a tile put sixteen times, growing, was most of what logging cost. runs
// are the cases whose events the leaves are, in order (nil: none, as in the
// team table's log): each leaves' tile records them as its sources, and
// one they complete is not stored, only its root in the level above.
func appendTiledAll(b kv.Bucket, n int64, hs []tlog.Hash, runs []leafRun) error {
	const width = 1 << logTileHeight
	for level := 0; len(hs) > 0; level++ {
		var up []tlog.Hash // the roots of the tiles this level completes
		for len(hs) > 0 {
			k := tileKey(level, n>>logTileHeight)
			old := b.Get(k)
			at := int(n & (width - 1))
			if len(old) != at*tlog.HashSize {
				return fmt.Errorf("the log's tile %d/%d holds %d bytes, not %d", level, n>>logTileHeight, len(old), at*tlog.HashSize)
			}
			take := min(width-at, len(hs))
			data := make([]byte, 0, len(old)+take*tlog.HashSize)
			data = append(data, old...)
			for _, h := range hs[:take] {
				data = append(data, h[:]...)
			}
			sourced := false
			if level == 0 && runs != nil {
				var ids []string
				var err error
				ids, runs = takeRuns(runs, take)
				if sourced, err = putSources(b, n>>logTileHeight, at, ids); err != nil {
					return err
				}
			}
			var err error
			if at+take == width && sourced {
				err = b.Delete(k)
			} else {
				err = b.Put(k, data)
			}
			if err != nil {
				return err
			}
			if at+take == width {
				up = append(up, tileRoot(data))
			}
			hs, n = hs[take:], n+int64(take)
		}
		// The next level's leaves are the roots of the tiles completed,
		// the first of which is that level's leaf (first tile) >> height.
		n = (n >> logTileHeight) - int64(len(up))
		hs = up
	}
	return nil
}

// takeRuns is the cases of the first k leaves of runs, and the runs left
// (the first shortened in place when k ends inside it).
func takeRuns(runs []leafRun, k int) ([]string, []leafRun) {
	var ids []string
	for k > 0 && len(runs) > 0 {
		if runs[0].n == 0 {
			runs = runs[1:]
			continue
		}
		ids = append(ids, runs[0].id)
		if runs[0].n > k {
			runs[0].n -= k
			break
		}
		k -= runs[0].n
		runs = runs[1:]
	}
	return ids, runs
}

// Leaf sources (schema 8). A complete tile of a case organisation's leaves
// is not stored: each leaf is the hash of an event the timelines hold, so
// the tile is recomputed from those events when a proof needs it. What is
// stored instead, under sourceKey, is which cases' events the tile's
// leaves are (each case's entry in bucketLogLeaves gives which of its
// events is which leaf): 512 bytes of hashes become a case ID or two. The
// tile at the log's right edge, still filling, keeps its hashes, so that
// appending and signing a checkpoint never recompute anything; so do the
// team table's log, whose leaves are no case's, and the levels above,
// which hold the root of every complete tile (a recomputed tile must give
// it, or the proof is refused as rewritten).

// sourceKey is the key of the sources of the leaves' tile n: 's' and n,
// after every tile's key and before "size".
func sourceKey(n int64) []byte {
	k := make([]byte, 9)
	k[0] = 's'
	binary.BigEndian.PutUint64(k[1:], uint64(n))
	return k
}

// isSourceKey reports whether a log bucket's key is a tile's sources.
func isSourceKey(k []byte) bool { return len(k) == 9 && k[0] == 's' }

// addSource is a tile's sources v with case id added (each case once, in
// the order first logged), and whether it changed. Each ID is stored as
// how many leading bytes it shares with the one before and the rest, both
// lengths as uvarints: the cases of a tile were mostly numbered in a row.
func addSource(v []byte, id string) ([]byte, bool, error) {
	ids, err := sourceIDs(v)
	if err != nil {
		return nil, false, err
	}
	prev := ""
	for _, x := range ids {
		if x == id {
			return v, false, nil
		}
		prev = x
	}
	shared := 0
	for shared < len(prev) && shared < len(id) && prev[shared] == id[shared] {
		shared++
	}
	out := make([]byte, 0, len(v)+len(id)-shared+2)
	out = append(out, v...)
	out = binary.AppendUvarint(out, uint64(shared))
	out = binary.AppendUvarint(out, uint64(len(id)-shared))
	return append(out, id[shared:]...), true, nil
}

// sourceIDs decodes a tile's sources.
func sourceIDs(v []byte) ([]string, error) {
	var out []string
	prev := ""
	for len(v) > 0 {
		shared, n := binary.Uvarint(v)
		if n <= 0 || shared > uint64(len(prev)) {
			return nil, errors.New("unreadable leaf sources")
		}
		v = v[n:]
		rest, n := binary.Uvarint(v)
		if n <= 0 || rest > uint64(len(v)-n) {
			return nil, errors.New("unreadable leaf sources")
		}
		id := prev[:shared] + string(v[n:n+int(rest)])
		v = v[n+int(rest):]
		out = append(out, id)
		prev = id
	}
	return out, nil
}

// putSources adds the cases ids to the sources of the leaves' tile n; at
// is how many leaves the tile held before (0: it is new, and any sources
// stored under its key are not its own). It reports whether the sources
// name the cases of all the tile's leaves so far: not if the tile's first
// leaves were appended without.
func putSources(b kv.Bucket, n int64, at int, ids []string) (bool, error) {
	k := sourceKey(n)
	var v []byte
	if at > 0 {
		v = b.Get(k)
	}
	whole := at == 0 || v != nil
	changed := v == nil
	for _, id := range ids {
		var c bool
		var err error
		if v, c, err = addSource(v, id); err != nil {
			return false, fmt.Errorf("the sources of the log's tile %d: %w", n, err)
		}
		changed = changed || c
	}
	if !changed {
		return whole, nil
	}
	return whole, b.Put(k, bytes.Clone(v))
}

// caseLeaves is the leaf indexes of case id's events in the log of org;
// ok is false if its log entry is unreadable or names another log.
func caseLeaves(leaves kv.Bucket, id, org string) (indexes []int64, ok bool) {
	var entry []byte
	if leaves != nil {
		entry = leaves.Get([]byte(id))
	}
	o, indexes, err := logLeaves(entry)
	return indexes, err == nil && o == org
}

// tileCases counts how many leaves of the leaves' tile n of the log of org
// the cases ids (its sources) have between them; ok is false if one of
// them has none there or is not in that log.
func tileCases(leaves kv.Bucket, org string, n int64, ids []string) (total int, ok bool) {
	for _, id := range ids {
		indexes, ok := caseLeaves(leaves, id, org)
		if !ok {
			return 0, false
		}
		in := 0
		for _, x := range indexes {
			if x>>logTileHeight == n {
				in++
			}
		}
		if in == 0 {
			return 0, false
		}
		total += in
	}
	return total, true
}

// sourcedTile recomputes the complete leaves' tile n of the log of org
// from the events its sources name, and checks that it gives the root the
// level above stores for it.
func sourcedTile(tx kv.Tx, b kv.Bucket, org string, n int64) ([]byte, error) {
	ids, err := sourceIDs(b.Get(sourceKey(n)))
	if err != nil || len(ids) == 0 {
		return nil, fmt.Errorf("the log lacks its tile %d and its sources (run rightsdesk check)", n)
	}
	const width = 1 << logTileHeight
	var hs [width]tlog.Hash
	var have [width]bool
	got := 0
	leaves := tx.Bucket(bucketLogLeaves)
	for _, id := range ids {
		indexes, ok := caseLeaves(leaves, id, org)
		if !ok {
			return nil, fmt.Errorf("case %s, a source of the log's tile %d, is not in the log of %s (run rightsdesk check)", id, n, org)
		}
		tl, _ := timelineOf(tx, id)
		i := 0
		err = tl.forEach(func(_, v []byte) error {
			i++
			if i > len(indexes) || indexes[i-1]>>logTileHeight != n {
				return nil
			}
			seq, digest, err := envelopeLeaf(v)
			if err != nil {
				return fmt.Errorf("case %s: %w", id, err)
			}
			at := indexes[i-1] & (width - 1)
			if !have[at] {
				have[at], got = true, got+1
			}
			hs[at] = leafHash(id, seq, digest)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if got != width {
		return nil, fmt.Errorf("the events named by the log's tile %d give %d of its %d leaves (an event was removed; run rightsdesk check)", n, got, width)
	}
	data := make([]byte, 0, width*tlog.HashSize)
	for _, h := range hs {
		data = append(data, h[:]...)
	}
	up, err := tileHashes{b: b}.ReadHashes([]int64{tlog.StoredHashIndex(logTileHeight, n)})
	if err != nil {
		return nil, err
	}
	if tileRoot(data) != up[0] {
		return nil, fmt.Errorf("the events of the log's tile %d do not give the root the log stores (an event was rewritten; run rightsdesk check)", n)
	}
	return data, nil
}
