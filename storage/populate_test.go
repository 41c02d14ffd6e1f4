package storage

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage/kv"
)

// populateTestDB is a bbolt file whose bucket "b" holds n keys (8-byte
// big-endian numbers 0..n-1, put in random order, so that its leaf pages
// lie out of key order), each with a 100-byte value.
func populateTestDB(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)
	for len(order) > 0 { // several transactions, so that pages are allocated apart
		chunk := order[:min(len(order), 3000)]
		order = order[len(chunk):]
		if err := kv.Update(db, func(tx kv.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			for _, k := range chunk {
				if err := b.Put(binary.BigEndian.AppendUint64(nil, uint64(k)), make([]byte, 100)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// leafKeys are the keys on leaf page id, read as bbolt lays a leaf out.
func leafKeys(data []byte, pageSize, id uint64) []uint64 {
	p := data[id*pageSize : (id+1)*pageSize]
	var keys []uint64
	for i := range int(binary.LittleEndian.Uint16(p[10:])) {
		at := pageHeaderSize + i*leafElemSize
		from := at + int(binary.LittleEndian.Uint32(p[at+4:]))
		keys = append(keys, binary.BigEndian.Uint64(p[from:from+8]))
	}
	return keys
}

// TestLeafPagesAreTheRangesLeaves: the pages a register maps ahead of its
// cursor are leaf pages of its bucket, all of them for the whole bucket,
// and for a range of keys every page holding one of them and at most one
// page besides.
func TestLeafPagesAreTheRangesLeaves(t *testing.T) {
	const n = 20_000
	db, err := bolt.Open(populateTestDB(t, n), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = kv.View(db, func(tx kv.Tx) error {
		b := tx.Bucket([]byte("b"))
		data, pageSize := txMap(tx)
		all := leafPages(tx, b, nil, nil)
		if stats := b.Bolt().Stats(); len(all) != stats.LeafPageN || stats.Depth < 3 {
			t.Fatalf("%d leaf pages of %d (depth %d)", len(all), stats.LeafPageN, stats.Depth)
		}
		if !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != len(all) {
			t.Fatalf("pages not in order or repeated: %v", all)
		}
		key := func(k uint64) []byte { return binary.BigEndian.AppendUint64(nil, k) }
		for _, r := range [][2]uint64{{0, n}, {0, 1}, {n - 1, n}, {5000, 5001}, {7321, 12345}, {100, 19999}} {
			pages := leafPages(tx, b, key(r[0]), key(r[1]))
			found, extra := 0, 0
			for _, id := range pages {
				if flags := pageFlags(data[id*pageSize:]); flags != leafPageFlag {
					t.Fatalf("page %d is not a leaf: flags %x", id, flags)
				}
				in := 0
				for _, k := range leafKeys(data, pageSize, id) {
					if k >= r[0] && k < r[1] {
						in++
					}
				}
				found += in
				if in == 0 {
					extra++
				}
			}
			if found != int(r[1]-r[0]) || extra > 1 {
				t.Errorf("keys %d to %d: %d pages hold %d of them, %d pages none", r[0], r[1], len(pages), found, extra)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLeafPagesOfADamagedTreeEnd: a branch page whose child is itself (a
// cycle) ends the walk with no pages, not a loop or a panic.
func TestLeafPagesOfADamagedTreeEnd(t *testing.T) {
	path := populateTestDB(t, 20_000)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	_ = kv.View(db, func(tx kv.Tx) error { root = uint64(tx.Bucket([]byte("b")).Bolt().Root()); return nil })
	pageSize := uint64(db.Info().PageSize)
	db.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Every child of the root page is made the root page itself.
	p := make([]byte, pageSize)
	if _, err := f.ReadAt(p, int64(root*pageSize)); err != nil {
		t.Fatal(err)
	}
	for i := range int(binary.LittleEndian.Uint16(p[10:])) {
		binary.LittleEndian.PutUint64(p[pageHeaderSize+i*branchElemSize+8:], root)
	}
	if _, err := f.WriteAt(p, int64(root*pageSize)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = kv.View(db, func(tx kv.Tx) error {
		if pages := leafPages(tx, tx.Bucket([]byte("b")), nil, nil); pages != nil {
			t.Errorf("a cyclic tree gave %d pages", len(pages))
		}
		return nil
	})
}
