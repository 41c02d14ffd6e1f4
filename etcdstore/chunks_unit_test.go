package etcdstore

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"rightsdesk/storage"
	"rightsdesk/storage/kv"
)

// seededBytes is n bytes that no other call with another seed repeats.
func seededBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 21))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// A value up to a chunk is stored whole, escaped when it starts with 0xFE
// (so that no value is read as a manifest); a larger one is a manifest
// of its length, chunk count and SHA-256, and chunks of a chunk each but
// the last, in key order, that add up to the value.
func TestStoredValues(t *testing.T) {
	c := testCluster(t, Config{})
	key := encodeKey(c.prefix, [][]byte{[]byte("files")}, []byte("case\x00name"))
	lookalike := manifest{size: 3 * chunkSize, count: 3}.encode()
	for _, v := range [][]byte{{}, []byte("x"), {0xFE}, {0xFE, 0x00}, lookalike, append([]byte{0xFE}, make([]byte, chunkSize-1)...)} {
		stored, chunks, sum := c.stored(key, v)
		escaped := len(v) > 0 && v[0] == 0xFE
		if chunks != nil || sum != nil || escaped != bytes.HasPrefix(stored, []byte{0xFE, 0x00}) || len(stored) != len(v)+2*btoi(escaped) {
			t.Errorf("a %d-byte value starting %x: stored as %d bytes starting %x with %d chunks", len(v), v[:min(2, len(v))], len(stored), stored[:min(2, len(stored))], len(chunks))
		}
		op := kv.Op{Kind: kv.Put, Path: [][]byte{[]byte("files")}, Key: []byte("k"), Value: stored}
		if err := c.resolveValue(t.Context(), 0, &op, nil); err != nil || !bytes.Equal(op.Value, v) {
			t.Errorf("a %d-byte value starting %x read back as %d bytes: %v", len(v), v[:min(2, len(v))], len(op.Value), err)
		}
	}
	for _, n := range []int{chunkSize + 1, 3 * chunkSize, 3*chunkSize + 17} {
		v := seededBytes(uint64(n), n)
		stored, chunks, sum := c.stored(key, v)
		m, ok := decodeManifest(stored)
		want := (n + chunkSize - 1) / chunkSize
		if !ok || m.size != uint64(n) || int(m.count) != want || m.sum != sha256.Sum256(v) || !bytes.Equal(sum, m.sum[:]) || len(chunks) != want {
			t.Fatalf("%d bytes: manifest %+v (%v), %d chunks, want %d", n, m, ok, len(chunks), want)
		}
		var joined []byte
		for i, ch := range chunks {
			if !strings.HasPrefix(ch.key, c.chunkOwner(key)) || i > 0 && ch.key <= chunks[i-1].key {
				t.Errorf("chunk %d's key is not after chunk %d's under the owner's", i, i-1)
			}
			if i < len(chunks)-1 && len(ch.value) != chunkSize {
				t.Errorf("chunk %d of %d is %d bytes, want %d", i, len(chunks), len(ch.value), chunkSize)
			}
			joined = append(joined, ch.value...)
		}
		if !bytes.Equal(joined, v) {
			t.Errorf("%d bytes: the chunks do not add up to the value", n)
		}
		if owner, ok := c.chunksOwnerKey(chunks[0].key[:len(chunks[0].key)-4]); !ok || owner != key {
			t.Errorf("the owner of a chunk: %q %v, want %q", owner, ok, key)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A value that replaced a chunked one deletes every chunk of the key but
// its own (etcd refuses a put inside a range the same transaction
// deletes), and no other key's chunks, even of a key that starts with
// this one's.
func TestOldChunksSpareTheNew(t *testing.T) {
	c := testCluster(t, Config{})
	key := encodeKey(c.prefix, [][]byte{[]byte("b")}, []byte("k"))
	longer := encodeKey(c.prefix, [][]byte{[]byte("b")}, []byte("k2"))
	newValue := seededBytes(1, 2*chunkSize+5)
	_, newChunks, newSum := c.stored(key, newValue)
	_, oldChunks, _ := c.stored(key, seededBytes(2, 3*chunkSize))
	_, otherChunks, _ := c.stored(longer, seededBytes(3, 2*chunkSize))
	for _, tc := range []struct {
		name string
		sum  []byte
	}{{"replaced by a chunked value", newSum}, {"deleted or replaced by a small value", nil}} {
		ranges := c.oldChunkRanges(key, 3*chunkSize, tc.sum)
		deleted := func(k string) bool {
			for _, r := range ranges {
				if k >= r[0] && k < r[1] {
					return true
				}
			}
			return false
		}
		for _, ch := range oldChunks {
			if !deleted(ch.key) {
				t.Errorf("%s: an old chunk is kept", tc.name)
			}
		}
		for _, ch := range otherChunks {
			if deleted(ch.key) {
				t.Errorf("%s: another key's chunk is deleted", tc.name)
			}
		}
		for _, ch := range newChunks {
			if deleted(ch.key) == (tc.sum != nil) {
				t.Errorf("%s: the new value's chunk deleted: %v", tc.name, deleted(ch.key))
			}
		}
	}
	if ops, _ := c.oldChunks(key, chunkSize, nil); ops != nil {
		t.Errorf("a value of a chunk replaced (never chunked): %d deletes", len(ops))
	}
}

// A transaction keeps its chunks when the limits allow, else uploads them
// first in batches as large as the limits allow; it refuses what they can
// never take, naming the flag.
func TestChunksFitTheLimits(t *testing.T) {
	put := func(n int, seed uint64) []kv.Op {
		return []kv.Op{{Kind: kv.Put, Path: [][]byte{[]byte("b")}, Key: fmt.Appendf(nil, "k%d", seed), Value: seededBytes(seed, n)}}
	}
	for _, tc := range []struct {
		name      string
		cfg       Config
		size      int
		inline    bool
		perBatch  int // chunks per upload batch
		limitFlag string
	}{
		// 1.2 MiB: two chunks and a manifest fit in etcd's 1.5 MiB.
		{"1.2 MiB, default limits", Config{}, chunkSize * 6 / 5, true, 0, ""},
		// 3 MiB: two chunks do not fit in a request, one does.
		{"3 MiB, default limits", Config{}, 3 * chunkSize, false, 1, ""},
		// 64 MiB at the README's limits: nine chunks of 1 MiB and their
		// keys fit in 10 MiB, ten do not.
		{"64 MiB, 10 MiB requests", Config{MaxTxnOps: 8192, MaxRequestBytes: 10 << 20}, 64 * chunkSize, false, 9, ""},
		{"64 MiB, 16 ops", Config{MaxTxnOps: 16, MaxRequestBytes: 10 << 20}, 64 * chunkSize, false, 0, "--max-txn-ops"},
		{"2 MiB, 512 KiB requests", Config{MaxRequestBytes: 512 << 10}, 2 * chunkSize, false, 0, "--max-request-bytes"},
	} {
		c := testCluster(t, tc.cfg)
		p, err := c.txnOps(mustChanges(t, c, put(tc.size, 1)), false)
		var limit *LimitError
		if tc.limitFlag != "" {
			if !errors.As(err, &limit) || limit.Flag != tc.limitFlag {
				t.Errorf("%s: %v, want a LimitError naming %s", tc.name, err, tc.limitFlag)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		chunks := (tc.size + chunkSize - 1) / chunkSize
		if tc.inline {
			if len(p.uploads) != 0 || len(p.then) != chunks+2 {
				t.Errorf("%s: %d ops and %d upload batches, want %d ops (the chunks, the manifest, the head) in one", tc.name, len(p.then), len(p.uploads), chunks+2)
			}
			continue
		}
		wantBatches := (chunks + tc.perBatch - 1) / tc.perBatch
		if len(p.then) != 2 || len(p.uploads) != wantBatches || len(p.uploads[0]) != tc.perBatch {
			t.Errorf("%s: %d ops, %d batches of %d, want 2 ops (manifest, head) and %d batches of %d", tc.name, len(p.then), len(p.uploads), len(p.uploads[0]), wantBatches, tc.perBatch)
		}
	}
}

// A key put twice in a transaction replaced what the cluster holds, what
// its first put replaced: the second's Replaced is the first's value,
// which never reached the cluster.
func TestChangesKeepWhatTheClusterHeld(t *testing.T) {
	c := testCluster(t, Config{})
	path := [][]byte{[]byte("b")}
	changes := mustChanges(t, c, []kv.Op{
		{Kind: kv.Put, Path: path, Key: []byte("k"), Value: []byte("1"), Replaced: 5 * chunkSize},
		{Kind: kv.Put, Path: path, Key: []byte("k"), Value: []byte("2"), Replaced: 1},
	})
	if len(changes) != 1 || changes[0].op.Replaced != 5*chunkSize || string(changes[0].op.Value) != "2" {
		t.Fatalf("changes %+v, want the second put replacing the first's 5 MiB", changes)
	}
	p, err := c.txnOps(changes, false)
	if err != nil {
		t.Fatal(err)
	}
	// The value, the old chunks' deletion, the head.
	if len(p.then) != 3 {
		t.Fatalf("%d ops, want 3", len(p.then))
	}
}

// A damaged value is ErrDamaged and storage's ErrDamaged, in one line
// that names its bucket but not its key.
func TestDamagedIsStorageDamaged(t *testing.T) {
	c := testCluster(t, Config{})
	op := kv.Op{Kind: kv.Put, Path: [][]byte{[]byte("attached")}, Key: []byte("secret-name.pdf"), Value: []byte{0xFE, 0x07}}
	err := c.resolveValue(t.Context(), 0, &op, nil)
	if !errors.Is(err, ErrDamaged) || !errors.Is(err, storage.ErrDamaged) || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), `"attached"`) {
		t.Fatalf("%v, want ErrDamaged naming the bucket only", err)
	}
}
