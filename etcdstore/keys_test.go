package etcdstore

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"rightsdesk/etcdkv"
	"rightsdesk/storage/kv"
)

// nasty are names and keys that an escape scheme gets wrong: the escape
// byte alone, doubled, at either end, followed by each tag, 0xFF, the
// prefix's separator, and the head key's own suffix.
var nasty = [][]byte{
	{0}, {0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 0xff}, {0xff}, {0xff, 0}, {1, 0},
	[]byte("a\x00"), []byte("\x00a"), []byte("a/b"), []byte("/"), []byte(headSuffix), []byte("head"),
	[]byte("cases"), []byte("é"), {},
}

func randomBytes(rng *rand.Rand) []byte {
	if rng.IntN(3) == 0 {
		return slices.Clone(nasty[rng.IntN(len(nasty))])
	}
	b := make([]byte, rng.IntN(6))
	for i := range b {
		b[i] = []byte{0, 1, 2, 3, 4, 0xff, 'a', 'b'}[rng.IntN(8)]
	}
	return b
}

func randomPath(rng *rand.Rand) [][]byte {
	path := make([][]byte, 1+rng.IntN(3))
	for i := range path {
		path[i] = randomBytes(rng)
	}
	return path
}

// Every key, marker and sequence decodes back to its kind, bucket path and
// key, whatever bytes the names hold.
func TestKeyEncodingRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 2))
	const prefix = "rightsdesk/acme/"
	for range 5000 {
		path, key := randomPath(rng), randomBytes(rng)
		for _, tc := range []struct {
			encoded string
			kind    entryKind
			key     []byte
		}{
			{encodeKey(prefix, path, key), entryKey, key},
			{encodeMarker(prefix, path), entryMarker, nil},
			{encodeSequence(prefix, path), entrySequence, nil},
		} {
			if !strings.HasPrefix(tc.encoded, prefix) {
				t.Fatalf("%q is not under the prefix", tc.encoded)
			}
			kind, gotPath, gotKey, err := decodeKey([]byte(tc.encoded[len(prefix):]))
			if err != nil {
				t.Fatalf("decode %q (path %q key %q): %v", tc.encoded, path, key, err)
			}
			if kind != tc.kind || !slices.EqualFunc(gotPath, path, bytes.Equal) || !bytes.Equal(gotKey, tc.key) {
				t.Fatalf("%q decodes as kind %d path %q key %q, want kind %d path %q key %q", tc.encoded, kind, gotPath, gotKey, tc.kind, path, tc.key)
			}
		}
	}
	if kind, _, _, err := decodeKey([]byte(headSuffix)); kind != entryHead || err != nil {
		t.Fatalf("the head decodes as %d, %v", kind, err)
	}
}

// Within one bucket, etcd's (bytewise) order of the encoded keys is
// bbolt's (bytewise) order of the keys; and two different things never
// have the same etcd key.
func TestKeyEncodingOrderAndUniqueness(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 3))
	seen := map[string]string{headKey("p/"): "head"}
	for range 300 {
		path := randomPath(rng)
		keys := [][]byte{}
		for range 20 {
			keys = append(keys, randomBytes(rng))
		}
		keys = append(keys, nasty...)
		slices.SortFunc(keys, bytes.Compare)
		keys = slices.CompactFunc(keys, bytes.Equal)
		var encoded []string
		for _, k := range keys {
			encoded = append(encoded, encodeKey("p/", path, k))
		}
		if !slices.IsSorted(encoded) {
			t.Fatalf("bucket %q: the encoded keys are not in the keys' order", path)
		}
		what := func(kind string, k []byte) string { return fmt.Sprintf("%s %q %q", kind, path, k) }
		for i, e := range encoded {
			seen[e] = what("key", keys[i])
		}
		for kind, e := range map[string]string{"marker": encodeMarker("p/", path), "sequence": encodeSequence("p/", path)} {
			if other, ok := seen[e]; ok && other != what(kind, nil) {
				t.Fatalf("%s and %s have the same etcd key %q", other, what(kind, nil), e)
			}
			seen[e] = what(kind, nil)
		}
	}
	// Check uniqueness across buckets too: re-encode every decoded entry.
	for e, w := range seen {
		kind, path, key, err := decodeKey([]byte(e[len("p/"):]))
		if err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		var again string
		switch kind {
		case entryKey:
			again = encodeKey("p/", path, key)
		case entryMarker:
			again = encodeMarker("p/", path)
		case entrySequence:
			again = encodeSequence("p/", path)
		case entryHead:
			again = headKey("p/")
		}
		if again != e {
			t.Fatalf("%s: %q decodes to what encodes as %q", w, e, again)
		}
	}
}

// Keys that the encoding does not make are refused with an error, never a
// panic, and the error does not quote the key.
func TestDecodeRefusesForeignKeys(t *testing.T) {
	for _, k := range []string{"", "secret", "secret\x00", "secret\x00\x09", "\x00\x02secret", "a\x00\x01\x00\x03secret", "a\x00\x01\x00\x04\x00", "\x00\x00hea"} {
		_, _, _, err := decodeKey([]byte(k))
		if !errors.Is(err, errNotOurs) {
			t.Errorf("%q: %v, want errNotOurs", k, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: the error quotes the key: %v", k, err)
		}
	}
}

func testCluster(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	cfg.Endpoints = append(cfg.Endpoints, "127.0.0.1:1")
	cfg.Prefix = cmpOr(cfg.Prefix, "p/")
	cfg.Server = cmpOr(cfg.Server, "site-a")
	c, err := Dial(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// A transaction's ops become one change per etcd key, the last op on a key
// deciding it, deletions before creations, the head put last.
func TestCommitReducesToTheNetEffect(t *testing.T) {
	c := testCluster(t, Config{})
	b, sub := []byte("b"), []byte("sub")
	ops := []kv.Op{
		{Kind: kv.CreateBucket, Path: [][]byte{b}},
		{Kind: kv.Put, Path: [][]byte{b}, Key: []byte("k"), Value: []byte("1")},
		{Kind: kv.Put, Path: [][]byte{b}, Key: []byte("k"), Value: []byte("2")},
		{Kind: kv.Put, Path: [][]byte{b}, Key: []byte("gone"), Value: []byte("x")},
		{Kind: kv.Delete, Path: [][]byte{b}, Key: []byte("gone")},
		{Kind: kv.CreateBucket, Path: [][]byte{b, sub}},
		{Kind: kv.SetSequence, Path: [][]byte{b, sub}, Seq: 7},
		{Kind: kv.DeleteBucket, Path: [][]byte{b, sub}},
		{Kind: kv.SetSequence, Path: [][]byte{b}, Seq: 3},
	}
	changes, err := c.changes(ops)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range changes {
		got = append(got, ch.op.String()+fmt.Sprintf(" v=%q seq=%d", ch.op.Value, ch.op.Seq))
	}
	want := []string{
		`delete ["b"] "gone" v="" seq=0`,
		`set-sequence ["b" "sub"] "" v="" seq=0`,
		`delete-bucket ["b" "sub"] "" v="" seq=0`,
		`create-bucket ["b"] "" v="" seq=0`,
		`put ["b"] "k" v="2" seq=0`,
		`set-sequence ["b"] "" v="" seq=3`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	p, err := c.txnOps(changes, false)
	if err != nil {
		t.Fatal(err)
	}
	then := p.then
	if len(then) != len(changes)+1 {
		t.Fatalf("%d etcd ops for %d changes, want one more (the head)", len(then), len(changes))
	}
	if want := etcdkv.OpPut(headKey("p/"), []byte("site-a")); fmt.Sprint(then[len(then)-1]) != fmt.Sprint(want) {
		t.Fatalf("last op %v, want the head's put %v", then[len(then)-1], want)
	}
}

// A transaction over etcd's limits is refused before it is sent, naming
// the member flag to raise.
func TestCommitRefusesWhatTheMembersWould(t *testing.T) {
	c := testCluster(t, Config{})
	many := make([]kv.Op, DefaultMaxTxnOps) // + the head: one too many
	for i := range many {
		many[i] = kv.Op{Kind: kv.Put, Path: [][]byte{[]byte("b")}, Key: fmt.Appendf(nil, "%d", i), Value: []byte("v")}
	}
	// Values kept whole (none over a chunk) that add up to more than a
	// request: a large value alone goes in chunks (chunks_unit_test.go).
	var big []kv.Op
	for i := range DefaultMaxRequestBytes/chunkSize + 1 {
		big = append(big, kv.Op{Kind: kv.Put, Path: [][]byte{[]byte("b")}, Key: fmt.Appendf(nil, "%d", i), Value: make([]byte, chunkSize)})
	}
	for name, tc := range map[string]struct {
		ops  []kv.Op
		flag string
	}{"ops": {many, "--max-txn-ops"}, "bytes": {big, "--max-request-bytes"}} {
		_, err := c.Commit(t.Context(), 0, tc.ops)
		var limit *LimitError
		if !errors.As(err, &limit) || limit.Flag != tc.flag || !errors.Is(err, etcdkv.ErrTooLarge) || !errors.Is(err, kv.ErrRefused) || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("%s: %v, want a LimitError naming %s, a refusal (nothing sent)", name, err, tc.flag)
		}
	}
	// One fewer fits the default.
	if _, err := c.txnOps(mustChanges(t, c, many[1:]), false); err != nil {
		t.Errorf("127 puts and the head: %v", err)
	}
	// A member run with a larger limit takes more.
	wide := testCluster(t, Config{MaxTxnOps: 1024, MaxRequestBytes: 4 << 20})
	for _, ops := range [][]kv.Op{many, big} {
		if _, err := wide.txnOps(mustChanges(t, wide, ops), false); err != nil {
			t.Errorf("with raised limits: %v", err)
		}
	}
}

func mustChanges(t *testing.T, c *Cluster, ops []kv.Op) []change {
	t.Helper()
	ch, err := c.changes(ops)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestDialRefusesABadPrefix(t *testing.T) {
	for _, p := range []string{"", "rightsdesk"} {
		if _, err := Dial(Config{Endpoints: []string{"127.0.0.1:2379"}, Prefix: p, Server: "a"}); err == nil {
			t.Errorf("prefix %q accepted", p)
		}
	}
}
