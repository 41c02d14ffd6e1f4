//go:build !race

package etcdstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/etcdkv"
	"rightsdesk/internal/etcdtest"
	"rightsdesk/storage/kv"
)

// TestChunks runs the tests of large values (chunks.go) on one
// three-member cluster whose members keep etcd's default limits (1.5 MiB
// a request, 128 operations), each on its own prefix; the ones that erase
// come last.
func TestChunks(t *testing.T) {
	cl := etcdtest.Start(t, 3, nil)
	etcdtest.RunSteps(t, cl, []etcdtest.Step{
		{Name: "ValuesStartingWithTheMark", Test: testMarkedValues},
		{Name: "DamagedChunk", Test: testDamagedChunk},
		{Name: "TamperedUploadIsRefused", Test: testTamperedUpload},
		{Name: "UploadOutlivesTheWriteDeadline", Test: testUploadDeadline},
		{Name: "ImportLargeValue", Test: testImportLargeValue},
		{Name: "OrphansSwept", Test: testOrphansSwept},
		{Name: "LargeAttachment", Test: testLargeAttachment},
		{Name: "SentAhead", Test: testSentAhead},
	})
}

var attached = []byte("attached")

// putValue is a write that puts value at key in the bucket attached.
func putValue(key string, value []byte) func(kv.Tx) error {
	return func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(attached)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), value)
	}
}

// valueIn is key's value in the bucket attached of db (nil: none).
func valueIn(t *testing.T, db *bolt.DB, key string) []byte {
	t.Helper()
	var v []byte
	if err := db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(attached); b != nil {
			v = bytes.Clone(b.Get([]byte(key)))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

// chunkKeys lists the chunk keys under c's prefix with their revisions.
func chunkKeys(t *testing.T, ctx context.Context, c *Cluster) map[string]int64 {
	t.Helper()
	r, err := c.client.Range(ctx, etcdkv.RangeRequest{Key: c.prefix + chunkSuffix, End: c.prefix + chunkSuffixEnd, KeysOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, item := range r.KVs {
		if len(item.Value) != 0 {
			t.Fatalf("a keys-only range returned a value of %d bytes", len(item.Value))
		}
		out[item.Key] = item.ModRevision
	}
	return out
}

// exported is c's store exported into a new file.
func exported(t *testing.T, ctx context.Context, c *Cluster, name string) (*bolt.DB, error) {
	t.Helper()
	db := openFile(t, name)
	return db, c.Export(ctx, db)
}

// Values that start with 0xFE, the mark of a manifest, among them one
// that looks like a manifest, come back as they were through a follower,
// a load and an export, and are stored escaped.
func testMarkedValues(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, time.Minute)
	const prefix = "chunks/marked/"
	a, b := newReplica(t, cl, prefix, "site-a"), newReplica(t, cl, prefix, "site-b")
	values := map[string][]byte{
		"mark": {0xFE}, "escaped": {0xFE, 0x00}, "manifest-mark": {0xFE, 0x01}, "other": {0xFE, 0xFF, 0x01},
		"lookalike": manifest{size: 3 * chunkSize, count: 3}.encode(), "plain": []byte("x"), "empty": {},
	}
	for k, v := range values {
		if _, err := a.write(ctx, putValue(k, v)); err != nil {
			t.Fatal(err)
		}
	}
	b.catchUp(ctx)
	late := newReplica(t, cl, prefix, "late")
	late.catchUp(ctx)
	back, err := exported(t, ctx, a.c, "back.db")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		for name, db := range map[string]*bolt.DB{"site-a": a.db, "follower": b.db, "loaded": late.db, "exported": back} {
			if got := valueIn(t, db, k); !bytes.Equal(got, v) {
				t.Errorf("%s: %s holds %x, want %x", k, name, got, v)
			}
		}
		raw, _, err := a.c.client.Get(ctx, encodeKey(prefix, [][]byte{attached}, []byte(k)))
		if err != nil {
			t.Fatal(err)
		}
		if escaped := len(v) > 0 && v[0] == 0xFE; escaped != bytes.Equal(raw.Value, append([]byte{0xFE, 0x00}, v...)) {
			t.Errorf("%s: stored as %x", k, raw.Value)
		}
	}
}

// A chunk overwritten or deleted on the cluster makes the value's reader
// (a replica's load, an export) fail with ErrDamaged naming the chunk
// where it can, never give a wrong value.
func testDamagedChunk(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, time.Minute)
	const prefix = "chunks/damaged/"
	a := newReplica(t, cl, prefix, "site-a")
	value := seededBytes(7, 3*chunkSize+100)
	if _, err := a.write(ctx, putValue("scan", value)); err != nil {
		t.Fatal(err)
	}
	_, chunks, _ := a.c.stored(encodeKey(prefix, [][]byte{attached}, []byte("scan")), value)
	// A Cluster of its own: a replica's is for its one follower.
	reader := dial(t, cl, prefix, "reader")
	damaged := bytes.Clone(chunks[1].value)
	damaged[100] ^= 1
	for _, tc := range []struct {
		name   string
		damage func() error
		says   string
	}{
		{"a byte changed", func() error { _, err := a.c.client.Put(ctx, chunks[1].key, damaged); return err }, "do not match its SHA-256"},
		{"cut short", func() error { _, err := a.c.client.Put(ctx, chunks[1].key, damaged[:5]); return err }, fmt.Sprintf("chunk 1 of the %d-byte value of a key in bucket \"attached\" is 5 bytes, not %d", len(value), chunkSize)},
		{"deleted", func() error { _, _, err := a.c.client.Delete(ctx, chunks[1].key); return err }, "chunk 1 of the"},
	} {
		if err := tc.damage(); err != nil {
			t.Fatal(err)
		}
		err := reader.Follow(ctx, 0, func(int64, []kv.Op) error { return nil })
		if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), "scan") {
			t.Errorf("%s: a load: %v, want ErrDamaged saying %q", tc.name, err, tc.says)
		}
		t.Logf("%s: %v", tc.name, err)
		if _, err := exported(t, ctx, reader, "back.db"); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: an export: %v, want ErrDamaged", tc.name, err)
		}
	}
}

// A chunk changed between its upload and the commit that refers to it
// (by hand, or by an erase's sweep) makes the commit a conflict, never a
// value with a damaged chunk; the write made again succeeds.
func testTamperedUpload(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, time.Minute)
	const prefix = "chunks/tampered/"
	a := newReplica(t, cl, prefix, "site-a")
	value := seededBytes(8, 2*chunkSize+1)
	_, chunks, _ := a.c.stored(encodeKey(prefix, [][]byte{attached}, []byte("scan-overwritten")), value)
	for name, tamper := range map[string]func() error{
		"overwritten": func() error { _, err := a.c.client.Put(ctx, chunks[0].key, []byte("x")); return err },
		"swept":       func() error { return a.c.sweepChunks(ctx) },
	} {
		tampered := 0
		a.c.afterUpload = func() {
			if tampered++; tampered == 1 {
				if err := tamper(); err != nil {
					t.Error(err)
				}
			}
		}
		_, err := a.c.Commit(ctx, a.revision(), []kv.Op{
			{Kind: kv.CreateBucket, Path: [][]byte{attached}},
			{Kind: kv.Put, Path: [][]byte{attached}, Key: []byte("scan-" + name), Value: value},
		})
		if !errors.Is(err, kv.ErrConflict) {
			t.Fatalf("%s: a commit whose chunk changed after its upload: %v, want a conflict", name, err)
		}
		t.Logf("%s: %v", name, err)
		if _, err := a.write(ctx, putValue("scan-"+name, value)); err != nil {
			t.Fatal(err)
		}
		a.c.afterUpload = nil
	}
	late := newReplica(t, cl, prefix, "late")
	late.catchUp(ctx)
	for _, k := range []string{"scan-overwritten", "scan-swept"} {
		if !bytes.Equal(valueIn(t, late.db, k), value) {
			t.Errorf("%s: the value written again does not read back", k)
		}
	}
}

// A write's deadline (the store gives each Commit 5 s) bounds its
// transaction, not the uploads of its chunks before it: a Commit whose
// uploads end after its context's deadline (made sure of by a pause after
// them) still commits, its transaction given the time the context had.
func testUploadDeadline(t *testing.T, cl *etcdtest.Cluster) {
	const prefix = "chunks/deadline/"
	a := newReplica(t, cl, prefix, "site-a")
	value := seededBytes(14, 2*chunkSize+1)
	const deadline = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	a.c.afterUpload = func() { <-ctx.Done() }
	defer func() { a.c.afterUpload = nil }()
	start := time.Now()
	rev, err := a.c.Commit(ctx, a.revision(), []kv.Op{
		{Kind: kv.CreateBucket, Path: [][]byte{attached}},
		{Kind: kv.Put, Path: [][]byte{attached}, Key: []byte("scan"), Value: value},
	})
	if err != nil {
		t.Fatalf("a commit whose uploads ended after its deadline of %v: %v after %v", deadline, err, time.Since(start))
	}
	t.Logf("a commit whose uploads ended after its deadline of %v: revision %d after %v", deadline, rev, time.Since(start).Round(time.Millisecond))
	late := newReplica(t, cl, prefix, "late")
	late.catchUp(testContext(t, time.Minute))
	if !bytes.Equal(valueIn(t, late.db, "scan"), value) {
		t.Error("the value committed does not read back")
	}
}

// A file holding large values and values that start with 0xFE, imported
// with etcd's default limits (a chunk a transaction), interrupted and
// resumed in the middle of a large value, exports equal and loads equal.
func testImportLargeValue(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, 2*time.Minute)
	source := openFile(t, "source.db")
	rng := rand.New(rand.NewPCG(6, 6))
	if err := source.Update(func(btx *bolt.Tx) error {
		tx := kv.Wrap(btx)
		for n := range 40 {
			if err := randomChange(rng, fmt.Sprintf("file-%03d", n))(tx); err != nil {
				return err
			}
		}
		for k, v := range map[string][]byte{"big": seededBytes(9, 5*chunkSize+3), "chunk": seededBytes(10, chunkSize),
			"bigger": seededBytes(11, 2*chunkSize+1), "mark": {0xFE, 0x01, 0x02}} {
			if err := putValue(k, v)(tx); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, cl, "chunks/imported/", "migrate")
	interrupted := errors.New("interrupted")
	batches := 0
	if err := c.importFile(ctx, source, func(int) error {
		if batches++; batches == 3 {
			return interrupted
		}
		return nil
	}); !errors.Is(err, interrupted) {
		t.Fatalf("the interrupted import: %v", err)
	}
	if err := c.Import(ctx, source); err != nil {
		t.Fatalf("the resumed import: %v", err)
	}
	if n := len(chunkKeys(t, ctx, c)); n != 6+3 {
		t.Errorf("%d chunks on the cluster, want 9 (6 of 5 MiB and 3 bytes, 3 of 2 MiB and a byte)", n)
	}
	want := dump(t, source)
	back, err := exported(t, ctx, c, "back.db")
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(t, back); got != want {
		t.Fatal("the exported file differs from the imported one")
	}
	r := newReplica(t, cl, "chunks/imported/", "site-a")
	r.catchUp(ctx)
	if got := r.dump(); got != want {
		t.Fatal("a replica of the imported store differs from the file")
	}
}

// Chunks no manifest refers to (an upload whose commit was refused) are
// swept by Erase; those of a value are kept.
func testOrphansSwept(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, time.Minute)
	const prefix = "chunks/orphans/"
	a := newReplica(t, cl, prefix, "site-a")
	kept := seededBytes(12, 2*chunkSize+5)
	if _, err := a.write(ctx, putValue("kept", kept)); err != nil {
		t.Fatal(err)
	}
	// A commit at a revision the cluster has moved past: its chunks are
	// uploaded, then it is refused.
	_, err := a.c.Commit(ctx, 1, []kv.Op{{Kind: kv.Put, Path: [][]byte{attached}, Key: []byte("refused"), Value: seededBytes(13, 3*chunkSize)}})
	if !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("a commit at a stale revision: %v, want a conflict", err)
	}
	if n := len(chunkKeys(t, ctx, a.c)); n != 3+3 {
		t.Fatalf("%d chunks before Erase, want 6 (3 of the value, 3 of the refused upload)", n)
	}
	if err := a.c.Erase(ctx); err != nil {
		t.Fatal(err)
	}
	left := chunkKeys(t, ctx, a.c)
	_, keptChunks, _ := a.c.stored(encodeKey(prefix, [][]byte{attached}, []byte("kept")), kept)
	for _, ch := range keptChunks {
		delete(left, ch.key)
	}
	if len(left) != 0 {
		t.Errorf("%d chunks left after Erase that no value refers to", len(left))
	}
	late := newReplica(t, cl, prefix, "late")
	late.catchUp(ctx)
	if !bytes.Equal(valueIn(t, late.db, "kept"), kept) {
		t.Error("the value whose chunks Erase kept does not read back")
	}
}

// membersHoldingAny counts the members whose database file holds one of
// samples (each file read once).
func membersHoldingAny(t *testing.T, cl *etcdtest.Cluster, samples [][]byte) int {
	t.Helper()
	n := 0
	for i := range cl.Members {
		data, err := os.ReadFile(cl.DBFile(i))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range samples {
			if bytes.Contains(data, s) {
				n++
				break
			}
		}
	}
	return n
}

// samplesOf is 32 bytes of each chunk of value: random bytes, which
// nothing else on the cluster holds.
func samplesOf(value []byte) [][]byte {
	var out [][]byte
	for at := 0; at < len(value); at += chunkSize {
		from := at + min(1000, (len(value)-at)/2)
		out = append(out, value[from:from+min(32, len(value)-from)])
	}
	return out
}

// Issue 21's attachment of 64 MiB, written through a replica on members
// with etcd's default limits (so uploaded a chunk a transaction), reads
// back byte-equal on a second replica and through an export; replaced by a smaller one (its chunks in its own transaction),
// its chunks go with it; after the case's purge and Erase, no byte of
// either is left in any member's database.
func testLargeAttachment(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, 5*time.Minute)
	const prefix = "chunks/attachment/"
	a, b := newReplica(t, cl, prefix, "site-a"), newReplica(t, cl, prefix, "site-b")
	key := "2026-0042\x00scan.pdf"
	value := seededBytes(64, 64<<20)
	start := time.Now()
	rev, err := a.write(ctx, putValue(key, value))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a 64 MiB attachment written through a replica (64 uploads of a chunk, then the commit): %v", time.Since(start).Round(time.Millisecond))
	chunks := chunkKeys(t, ctx, a.c)
	if len(chunks) != 64 {
		t.Fatalf("%d chunks on the cluster, want 64", len(chunks))
	}
	for _, r := range chunks {
		if r >= rev {
			t.Fatalf("a chunk at revision %d, not before the commit's %d: the members' limits should have made it an upload", r, rev)
		}
	}
	start = time.Now()
	b.catchUp(ctx)
	t.Logf("the same on the second replica (its follower reads the chunks): %v", time.Since(start).Round(time.Millisecond))
	// An export loads as a replica that starts does (the other tests'
	// late replicas).
	start = time.Now()
	back, err := exported(t, ctx, a.c, "back.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exported into a file: %v", time.Since(start).Round(time.Millisecond))
	for name, db := range map[string]*bolt.DB{"site-b": b.db, "exported": back} {
		if !bytes.Equal(valueIn(t, db, key), value) {
			t.Errorf("%s: the attachment does not read back byte-equal", name)
		}
	}
	// Replaced by a value small enough for its chunks to go in the
	// commit's own transaction: the 64 old chunks are deleted in it.
	smaller := seededBytes(65, chunkSize*6/5)
	rev, err = a.write(ctx, putValue(key, smaller))
	if err != nil {
		t.Fatal(err)
	}
	chunks = chunkKeys(t, ctx, a.c)
	for _, r := range chunks {
		if r != rev {
			t.Errorf("a chunk at revision %d, want the commit's %d", r, rev)
		}
	}
	if len(chunks) != 2 {
		t.Fatalf("%d chunks after the replacement, want the 2 of the new value", len(chunks))
	}
	b.catchUp(ctx)
	if !bytes.Equal(valueIn(t, b.db, key), smaller) {
		t.Error("site-b: the replacement does not read back")
	}
	samples := append(samplesOf(value), samplesOf(smaller)...)
	deadline := time.Now().Add(20 * time.Second)
	for cl.MembersHolding(samples[len(samples)-1]) < len(cl.Members) {
		if time.Now().After(deadline) {
			t.Fatal("the attachment never reached every member's database: the test would prove nothing")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The case's purge deletes its attachments' bucket.
	if _, err := a.write(ctx, func(tx kv.Tx) error { return tx.DeleteBucket(attached) }); err != nil {
		t.Fatal(err)
	}
	if n := len(chunkKeys(t, ctx, a.c)); n != 0 {
		t.Fatalf("%d chunks left after the purge", n)
	}
	if membersHoldingAny(t, cl, samples) == 0 {
		t.Fatal("no member holds the purged chunks before Erase: the test would prove nothing")
	}
	start = time.Now()
	if err := a.c.Erase(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("Erase (sweep, compaction, defragmentation of 3 members): %v", time.Since(start).Round(time.Millisecond))
	if n := membersHoldingAny(t, cl, samples); n != 0 {
		t.Errorf("%d members' databases still hold bytes of the erased attachments", n)
	}
}

// A large value sent ahead of its change (Preupload, outside the replica's
// write transaction) is not sent again by the change, whose transaction
// puts only the manifest; the other replica reads it back. Chunks sent
// ahead and then swept before the change (as Erase sweeps chunks no
// manifest refers to) fail the change's first try, which is then made
// sending them inside it: the value still arrives whole.
func testSentAhead(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, 2*time.Minute)
	const prefix = "chunks/ahead/"
	a, b := newReplica(t, cl, prefix, "site-a"), newReplica(t, cl, prefix, "site-b")
	key, value := "2026-0043\x00scan.pdf", seededBytes(66, 16*chunkSize+5)
	start := time.Now()
	drop, err := a.c.Preupload(ctx, [][]byte{attached}, []byte(key), value)
	if err != nil {
		t.Fatal(err)
	}
	ahead := time.Since(start)
	sent := chunkKeys(t, ctx, a.c)
	if len(sent) != 17 {
		t.Fatalf("%d chunks sent ahead, want 17", len(sent))
	}
	start = time.Now()
	rev, err := a.write(ctx, putValue(key, value))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("16 MiB sent ahead in %v, then the change's transaction (its manifest) in %v", ahead.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if after := chunkKeys(t, ctx, a.c); !maps.Equal(after, sent) {
		t.Fatalf("the change sent its chunks again: revisions %v, sent ahead at %v (the change at %d)", after, sent, rev)
	}
	drop() // taken by the change: nothing to drop
	// The same bytes sent ahead by another server, whose change then does
	// not come: its drop leaves the chunks the committed manifest uses.
	dropB, err := b.c.Preupload(ctx, [][]byte{attached}, []byte(key), value)
	if err != nil {
		t.Fatal(err)
	}
	dropB()
	if n := len(chunkKeys(t, ctx, a.c)); n != 17 {
		t.Fatalf("%d chunks after a drop by another server of the committed value's chunks, want 17", n)
	}
	b.catchUp(ctx)
	if !bytes.Equal(valueIn(t, b.db, key), value) {
		t.Fatal("site-b: a value sent ahead does not read back")
	}
	// Sent ahead of a change that never comes (refused before it reached
	// the cluster): dropped, the chunks leave the cluster.
	refused := "2026-0045\x00scan.pdf"
	dropR, err := a.c.Preupload(ctx, [][]byte{attached}, []byte(refused), seededBytes(68, chunkSize+1))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(chunkKeys(t, ctx, a.c)); n != 19 {
		t.Fatalf("%d chunks with a refused value's sent ahead, want 19", n)
	}
	dropR()
	if n := len(chunkKeys(t, ctx, a.c)); n != 17 {
		t.Fatalf("%d chunks after the refused value's were dropped, want 17", n)
	}
	// Swept before its change.
	other, otherValue := "2026-0044\x00scan.pdf", seededBytes(67, 2*chunkSize+1)
	if _, err := a.c.Preupload(ctx, [][]byte{attached}, []byte(other), otherValue); err != nil {
		t.Fatal(err)
	}
	owner := a.c.chunkOwner(encodeKey(prefix, [][]byte{attached}, []byte(other)))
	if _, err := a.c.client.Txn(ctx, etcdkv.Txn{Then: []etcdkv.Op{etcdkv.OpDeleteRange(owner, string(prefixEnd([]byte(owner))))}}); err != nil {
		t.Fatal(err)
	}
	rev, err = a.write(ctx, putValue(other, otherValue))
	if err != nil {
		t.Fatalf("a change whose chunks sent ahead were swept: %v", err)
	}
	b.catchUp(ctx)
	if !bytes.Equal(valueIn(t, b.db, other), otherValue) {
		t.Fatal("site-b: a value whose chunks were swept and sent again does not read back")
	}
	n := 0
	for k, r := range chunkKeys(t, ctx, a.c) {
		if strings.HasPrefix(k, owner) {
			n++
			if r >= rev {
				t.Errorf("a chunk of the value sent again at revision %d, not before its change's %d", r, rev)
			}
		}
	}
	if n != 3 {
		t.Fatalf("%d chunks of the value sent again, want 3", n)
	}
}
