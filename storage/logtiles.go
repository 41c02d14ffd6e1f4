package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
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
func isTiled(b *bolt.Bucket) bool { return bytes.Equal(b.Get(keyLogFormat), logTiled) }

// logHashes is the reader of a log bucket's hashes, in whichever layout it
// holds them.
func logHashes(b *bolt.Bucket) tlog.HashReader {
	if isTiled(b) {
		return tileHashes{b}
	}
	return bucketHashes{b}
}

// tileHashes reads a tiled log's hashes.
type tileHashes struct{ b *bolt.Bucket }

func (r tileHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		t := tlog.TileForIndex(logTileHeight, x)
		data := r.b.Get(tileKey(t.L, t.N))
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
// tile its root.
func appendTiled(b *bolt.Bucket, n int64, h tlog.Hash) error {
	for level := 0; ; level++ {
		k := tileKey(level, n>>logTileHeight)
		old := b.Get(k)
		at := int(n & (1<<logTileHeight - 1))
		if len(old) != at*tlog.HashSize {
			return fmt.Errorf("the log's tile %d/%d holds %d bytes, not %d", level, n>>logTileHeight, len(old), at*tlog.HashSize)
		}
		data := make([]byte, 0, len(old)+tlog.HashSize)
		data = append(append(data, old...), h[:]...)
		if err := b.Put(k, data); err != nil {
			return err
		}
		if at != 1<<logTileHeight-1 {
			return nil
		}
		h = tileRoot(data)
		n >>= logTileHeight
	}
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
func tileLog(b *bolt.Bucket) error {
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
	b.FillPercent = 1 // tiles are written in key order: the top level's first
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
	got, err := tlog.TreeHash(n, tileHashes{b})
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
func tileLogsBatch(tx *bolt.Tx, after []byte, _ int, _ time.Time) ([]byte, error) {
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

// appendTiledAll adds the leaf hashes hs as leaves n, n+1, ... of a tiled
// log, as appendTiled one by one would leave it, but putting each tile it
// touches once: a bulk write appends hundreds of thousands of leaves, and
// a tile put sixteen times, growing, was most of what logging cost.
func appendTiledAll(b *bolt.Bucket, n int64, hs []tlog.Hash) error {
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
			if err := b.Put(k, data); err != nil {
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
