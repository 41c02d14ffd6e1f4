//go:build !race

// The tests against a real cluster are left out of race builds: compiling
// etcd's server with -race costs CI minutes (see .ci/run).

package etcdkv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"rightsdesk/internal/etcdtest"
	"strings"
	"sync"
	"testing"
	"time"
)

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestCluster runs the tests that one three-member cluster can serve one
// after the other (a cluster start is about 2 s); the ones that stop
// members come last.
func TestCluster(t *testing.T) {
	cl := etcdtest.Start(t, 3, nil)
	etcdtest.RunSteps(t, cl, []etcdtest.Step{
		{Name: "TxnConflictOnModRevision", Test: testTxnConflict},
		{Name: "RevisionsExactAndIncreasing", Test: testRevisions},
		{Name: "Range", Test: testRange},
		{Name: "Compares", Test: testCompares},
		{Name: "PrefixSeparatesDeployments", Test: testPrefix},
		{Name: "TooLarge", Test: testTooLarge},
		{Name: "LeasedKeyExpires", Test: testLease},
		{Name: "FailoverToTheNextMember", Test: testFailover},
		{Name: "WatchAcrossDropAndRestart", Test: testWatch},
		{Name: "EraseCompactDefragment", Test: testErase},
		{Name: "WatchFromCompactedRevision", Test: testWatchCompacted},
		{Name: "QuorumLost", Test: testQuorumLost},
	})
}

// A key put under a lease is there until the lease expires, and then
// deleted by the cluster, at a revision of its own.
func testLease(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	c := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "lease/"})
	id, ttl, err := c.LeaseGrant(ctx, 1)
	if err != nil || id == 0 || ttl < 1 {
		t.Fatalf("LeaseGrant(1): %d %d %v", id, ttl, err)
	}
	put, err := c.Txn(ctx, Txn{Then: []Op{OpPutLeased("turn", []byte("a"), id)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.Get(ctx, "turn"); !ok || err != nil {
		t.Fatalf("the leased key right after its put: %v %v", ok, err)
	}
	deadline := time.Now().Add(time.Duration(ttl)*time.Second + 5*time.Second)
	for {
		kv, ok, err := c.Get(ctx, "turn")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if kv.ModRevision != put.Header.Revision || time.Now().After(deadline) {
			t.Fatalf("the leased key %+v still there %d s after a lease of %d s", kv, ttl+5, ttl)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := c.Txn(ctx, Txn{Then: []Op{OpPutLeased("again", nil, id)}}); err == nil {
		t.Error("a put under an expired lease was taken")
	}
}

// A txn comparing a key's mod_revision succeeds once: the second writer,
// who read the same revision, fails as a conflict and changes nothing.
func testTxnConflict(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	c := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "conflict/"})
	rev, err := c.Put(ctx, "case/1", []byte("v1"))
	if err != nil {
		t.Fatal(err)
	}
	kv, ok, err := c.Get(ctx, "case/1")
	if err != nil || !ok || kv.ModRevision != rev {
		t.Fatalf("Get after Put at %d: %+v %v %v", rev, kv, ok, err)
	}
	// Two writers read revision rev and race; one wins.
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			_, results[i] = c.Txn(ctx, Txn{
				If:   []Compare{ModRevisionIs("case/1", rev)},
				Then: []Op{OpPut("case/1", fmt.Appendf(nil, "writer %d", i))},
				Else: []Op{OpRange(RangeRequest{Key: "case/1"})},
			})
		})
	}
	wg.Wait()
	won, lost := -1, -1
	for i, err := range results {
		switch {
		case err == nil:
			won = i
		case errors.Is(err, ErrConflict):
			lost = i
		default:
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if won < 0 || lost < 0 {
		t.Fatalf("want one winner and one conflict, got %v", results)
	}
	kv, _, err = c.Get(ctx, "case/1")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("writer %d", won); string(kv.Value) != want || kv.Version != 2 {
		t.Fatalf("after the race the key holds %q version %d, want %q version 2", kv.Value, kv.Version, want)
	}
	// The loser's response shows what it lost to, through its Else branch.
	resp, err := c.Txn(ctx, Txn{
		If:   []Compare{ModRevisionIs("case/1", rev)},
		Then: []Op{OpPut("case/1", []byte("late"))},
		Else: []Op{OpRange(RangeRequest{Key: "case/1"})},
	})
	var conflict *ConflictError
	if !errors.As(err, &conflict) || resp == nil || resp.Succeeded {
		t.Fatalf("a stale txn: %v, %+v", err, resp)
	}
	if got := resp.Responses[0].Range.KVs[0]; got.ModRevision != kv.ModRevision || got.Key != "case/1" {
		t.Fatalf("the Else range read %+v, want the winner's revision %d", got, kv.ModRevision)
	}
	if strings.Contains(err.Error(), "writer") || !strings.Contains(err.Error(), "case/1") {
		t.Fatalf("the conflict error names the key and no value: %q", err)
	}
}

// Every write gets the next revision, which the response returns; writes
// that change nothing do not take one.
func testRevisions(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	c := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "revisions/"})
	first, err := c.Put(ctx, "a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(1); i <= 20; i++ {
		rev, err := c.Put(ctx, fmt.Sprintf("k%02d", i), []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if rev != first+i {
			t.Fatalf("write %d got revision %d, want %d", i, rev, first+i)
		}
	}
	// One transaction of several puts is one revision.
	resp, err := c.Txn(ctx, Txn{Then: []Op{OpPut("b", nil), OpPut("c", []byte("3")), OpDelete("a")}})
	if err != nil || resp.Header.Revision != first+21 || resp.Responses[2].Deleted != 1 {
		t.Fatalf("a three-op txn: %+v %v, want revision %d", resp, err, first+21)
	}
	for _, k := range []string{"b", "c"} {
		kv, ok, err := c.Get(ctx, k)
		if err != nil || !ok || kv.ModRevision != first+21 || kv.CreateRevision != first+21 || kv.Version != 1 {
			t.Fatalf("%s after the txn: %+v %v %v", k, kv, ok, err)
		}
	}
	// Deleting what does not exist changes nothing and takes no revision.
	deleted, rev, err := c.Delete(ctx, "nothing")
	if err != nil || deleted != 0 || rev != first+21 {
		t.Fatalf("delete of a missing key: %d %d %v", deleted, rev, err)
	}

	// Four writers at once, through different members: every write gets
	// its own revision, the revisions leave no gap, and each key holds the
	// revision its last write was told.
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		eps := cl.Endpoints()
		wc := newClient(t, Config{Endpoints: append(eps[w%3:], eps[:w%3]...), Prefix: "revisions/"})
		wg.Go(func() {
			for i := range 25 {
				key := fmt.Sprintf("w%d/%d", w, i%5)
				rev, err := wc.Put(ctx, key, fmt.Appendf(nil, "%d", i))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if other, dup := seen[rev]; dup {
					t.Errorf("revision %d given to %s and %s", rev, other, key)
				}
				seen[rev] = key
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for r := first + 22; r <= first+121; r++ {
		if _, ok := seen[r]; !ok {
			t.Fatalf("no write got revision %d of %d..%d", r, first+22, first+121)
		}
	}
	last := map[string]int64{}
	for r, key := range seen {
		last[key] = max(last[key], r)
	}
	for key, r := range last {
		if kv, _, err := c.Get(ctx, key); err != nil || kv.ModRevision != r {
			t.Errorf("%s: mod revision %d (%v), its last write was told %d", key, kv.ModRevision, err, r)
		}
	}
}

func testRange(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	c := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "range/"})
	var revs []int64
	for i := range 10 {
		rev, err := c.Put(ctx, fmt.Sprintf("cases/%02d", i), fmt.Appendf(nil, "v%d", i))
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, rev)
	}
	if _, err := c.Put(ctx, "casesX", []byte("not under cases/")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "cases/03", []byte("changed")); err != nil {
		t.Fatal(err)
	}

	all, err := c.Range(ctx, RangeRequest{Key: "cases/", Prefix: true})
	if err != nil || len(all.KVs) != 10 || all.Count != 10 || all.More {
		t.Fatalf("prefix: %+v %v", all, err)
	}
	for i, kv := range all.KVs {
		if kv.Key != fmt.Sprintf("cases/%02d", i) {
			t.Fatalf("key %d is %q: not in order or not unprefixed", i, kv.Key)
		}
	}
	if string(all.KVs[3].Value) != "changed" || all.KVs[3].Version != 2 {
		t.Fatalf("cases/03 now: %+v", all.KVs[3])
	}

	limited, err := c.Range(ctx, RangeRequest{Key: "cases/", Prefix: true, Limit: 4})
	if err != nil || len(limited.KVs) != 4 || !limited.More || limited.Count != 10 {
		t.Fatalf("limit 4: %d keys, more %v, count %d, %v", len(limited.KVs), limited.More, limited.Count, err)
	}

	past, err := c.Range(ctx, RangeRequest{Key: "cases/03", Revision: revs[9]})
	if err != nil || len(past.KVs) != 1 || string(past.KVs[0].Value) != "v3" {
		t.Fatalf("cases/03 at revision %d: %+v %v", revs[9], past, err)
	}

	count, err := c.Range(ctx, RangeRequest{Key: "cases/", Prefix: true, CountOnly: true})
	if err != nil || count.Count != 10 || len(count.KVs) != 0 {
		t.Fatalf("count only: %+v %v", count, err)
	}

	between, err := c.Range(ctx, RangeRequest{Key: "cases/02", End: "cases/05"})
	if err != nil || len(between.KVs) != 3 || between.KVs[0].Key != "cases/02" || between.KVs[2].Key != "cases/04" {
		t.Fatalf("[cases/02, cases/05): %+v %v", between, err)
	}

	if _, ok, err := c.Get(ctx, "cases/99"); ok || err != nil {
		t.Fatalf("a missing key: %v %v", ok, err)
	}
	if _, err := c.Range(ctx, RangeRequest{Key: "cases/01", Revision: 1 << 40}); err == nil {
		t.Fatal("a future revision was read")
	}
}

func testCompares(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	c := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "compares/"})
	// Create only if absent: mod_revision 0.
	if _, err := c.Txn(ctx, Txn{If: []Compare{ModRevisionIs("k", 0)}, Then: []Op{OpPut("k", []byte("one"))}}); err != nil {
		t.Fatalf("create if absent: %v", err)
	}
	if _, err := c.Txn(ctx, Txn{If: []Compare{ModRevisionIs("k", 0)}, Then: []Op{OpPut("k", []byte("two"))}}); !errors.Is(err, ErrConflict) {
		t.Fatalf("second create if absent: %v, want a conflict", err)
	}
	if _, err := c.Put(ctx, "empty", nil); err != nil {
		t.Fatal(err)
	}
	kv, _, err := c.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cmp  Compare
		want bool
	}{
		{"version", VersionIs("k", 1), true},
		{"version wrong", VersionIs("k", 2), false},
		{"create revision", CreateRevisionIs("k", kv.CreateRevision), true},
		{"create revision wrong", CreateRevisionIs("k", kv.CreateRevision+1), false},
		{"value", ValueIs("k", []byte("one")), true},
		{"value wrong", ValueIs("k", []byte("two")), false},
		{"mod revision greater", Compare{Key: "k", Target: ModRevision, Relation: Greater, Number: kv.ModRevision - 1}, true},
		{"mod revision less", Compare{Key: "k", Target: ModRevision, Relation: Less, Number: kv.ModRevision}, false},
		{"version not equal", Compare{Key: "k", Target: Version, Relation: NotEqual, Number: 5}, true},
		{"missing key's version", VersionIs("missing", 0), true},
		{"empty value against a value", ValueIs("k", nil), false},
		{"empty value", ValueIs("empty", nil), true},
		{"empty value against another", ValueIs("empty", []byte("one")), false},
	} {
		resp, err := c.Txn(ctx, Txn{If: []Compare{tc.cmp}, Then: []Op{OpRange(RangeRequest{Key: "k"})}})
		if tc.want && (err != nil || !resp.Succeeded) || !tc.want && !errors.Is(err, ErrConflict) {
			t.Errorf("%s: %+v %v, want succeeded %v", tc.name, resp, err, tc.want)
		}
	}
	if _, err := c.Txn(ctx, Txn{If: []Compare{{Key: "k", Target: 9}}}); err == nil {
		t.Error("an unknown compare target was sent")
	}
}

// Two deployments on one cluster see only their own keys, and a prefix
// delete stays inside its prefix.
func testPrefix(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	a := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "deploy/a/"})
	b := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "deploy/a2/"})
	for _, c := range []*Client{a, b} {
		if _, err := c.Put(ctx, "x", []byte("1")); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := a.Txn(ctx, Txn{Then: []Op{OpDeletePrefix("")}})
	if err != nil || resp.Responses[0].Deleted != 1 {
		t.Fatalf("delete a's whole prefix: %+v %v", resp, err)
	}
	if _, ok, err := b.Get(ctx, "x"); !ok || err != nil {
		t.Fatalf("b's key after a's prefix delete: %v %v", ok, err)
	}
	root := newClient(t, Config{Endpoints: cl.Endpoints()})
	if kv, ok, err := root.Get(ctx, "deploy/a2/x"); !ok || err != nil || kv.Key != "deploy/a2/x" {
		t.Fatalf("b's key seen without a prefix: %+v %v %v", kv, ok, err)
	}
	// Without a prefix, the empty prefix is every key in the cluster.
	everything, err := root.Range(ctx, RangeRequest{Key: "", Prefix: true, CountOnly: true})
	under, err2 := root.Range(ctx, RangeRequest{Key: "deploy/", Prefix: true, CountOnly: true})
	if err != nil || err2 != nil || everything.Count <= under.Count || under.Count != 1 {
		t.Fatalf("count of every key %+v %v, of deploy/ %+v %v", everything, err, under, err2)
	}
}

// etcd refuses requests over its limit (1.5 MiB by default); the client
// says so as ErrTooLarge, whether etcd or its gRPC layer refused.
func testTooLarge(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	c := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "large/", Timeout: 10 * time.Second})
	for _, size := range []int{1600 << 10, 3 << 20} {
		_, err := c.Put(ctx, "big", bytes.Repeat([]byte("x"), size))
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("a put of %d bytes: %v, want ErrTooLarge", size, err)
		}
	}
	if _, err := c.Put(ctx, "fits", bytes.Repeat([]byte("x"), 1<<20)); err != nil {
		t.Errorf("a put of 1 MiB: %v", err)
	}
}

// A member that refuses connections is passed over for the next.
func testFailover(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	dead := etcdtest.FreePorts(t, 1)[0]
	c := newClient(t, Config{Endpoints: append([]string{fmt.Sprintf("127.0.0.1:%d", dead)}, cl.Endpoints()...), Prefix: "failover/"})
	if _, err := c.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatalf("put with a dead first endpoint: %v", err)
	}
	if _, ok, err := c.Get(ctx, "k"); !ok || err != nil {
		t.Fatalf("get with a dead first endpoint: %v %v", ok, err)
	}
}

// cutProxy forwards TCP connections to a member and can drop them all, as
// a network would.
type cutProxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{l: l, target: target}
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(func() { l.Close(); p.cut() })
	return p
}

func (p *cutProxy) cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.conns)
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	return n
}

// A watch from revision R delivers every change after R, in order and
// once, while its connection to one member is dropped and while the member
// it then watches on is stopped and restarted.
func testWatch(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	writer := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "watch/"})
	proxy := newCutProxy(t, cl.Members[0].ClientURL.Host)
	// The watcher reaches member 0 through the proxy first, then member 1,
	// then 2.
	watcher := newClient(t, Config{Endpoints: append([]string{proxy.l.Addr().String()}, cl.Endpoints()[1:]...), Prefix: "watch/"})

	type change struct {
		key, value string
		rev        int64
		del        bool
	}
	var want []change
	n := 0
	write := func(count int) {
		t.Helper()
		for range count {
			n++
			key := fmt.Sprintf("cases/%d", n%4)
			if n%5 == 0 {
				_, rev, err := writer.Delete(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, change{key: key, rev: rev, del: true})
				continue
			}
			value := fmt.Sprintf("value %d", n)
			rev, err := writer.Put(ctx, key, []byte(value))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, change{key: key, value: value, rev: rev})
		}
	}
	// Not watched: another prefix, and what came before R.
	other := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "watchX/"})
	if _, err := other.Put(ctx, "cases/1", []byte("elsewhere")); err != nil {
		t.Fatal(err)
	}
	write(3)
	r := want[len(want)-1].rev
	want = nil
	write(5) // after R, before the watch starts

	w := watcher.Watch(ctx, "cases/", r+1)
	var got []change
	receive := func() {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for len(got) < len(want) {
			select {
			case ev, ok := <-w.Events():
				if !ok {
					t.Fatalf("the watch ended after %d changes: %v", len(got), w.Err())
				}
				got = append(got, change{key: ev.KV.Key, value: string(ev.KV.Value), rev: ev.KV.ModRevision, del: ev.Type == Delete})
			case <-deadline:
				t.Fatalf("after 30 s the watch delivered %d of %d changes", len(got), len(want))
			}
		}
	}
	receive()

	if proxy.cut() == 0 {
		t.Fatal("the watcher had no connection through the proxy to drop")
	}
	write(5)
	receive()

	cl.Stop(1) // the member the watcher moved to
	write(5)
	receive()
	cl.Restart(1)
	cl.WaitReady(1)
	write(5)
	receive()

	// Nothing more, nothing twice.
	select {
	case ev := <-w.Events():
		t.Fatalf("an extra event: %+v", ev)
	case <-time.After(300 * time.Millisecond):
	}
	if len(got) != len(want) {
		t.Fatalf("got %d changes, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("change %d: got %+v, want %+v", i, got[i], want[i])
		}
		if i > 0 && got[i].rev <= got[i-1].rev {
			t.Fatalf("change %d at revision %d after %d", i, got[i].rev, got[i-1].rev)
		}
	}
}

// After a value is deleted, the history compacted past the delete and
// every member defragmented, the value's bytes are in no member's
// database file.
func testErase(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	c := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "erase/"})
	secret := make([]byte, 16)
	rand.Read(secret)
	value := []byte("erase-me-" + hex.EncodeToString(secret) + "@example.org")
	if _, err := c.Put(ctx, "subject", value); err != nil {
		t.Fatal(err)
	}
	// Several versions, as a case's history would have.
	if _, err := c.Put(ctx, "subject", append([]byte("v2 "), value...)); err != nil {
		t.Fatal(err)
	}
	// The test must be able to fail: the bytes are there first (etcd
	// commits its bbolt transaction every 100 ms).
	waitFor(t, func() bool { return cl.MembersHolding(value) == len(cl.Members) }, "the value in every member's database")

	_, rev, err := c.Delete(ctx, "subject")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Compact(ctx, rev, true); err != nil {
		t.Fatalf("compact at %d: %v", rev, err)
	}
	if n := cl.MembersHolding(value); n == 0 {
		t.Log("compaction alone already freed the pages' bytes; defragmenting anyway")
	}
	before, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Defragment(ctx); err != nil {
		t.Fatalf("defragment: %v", err)
	}
	after, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cl.Members {
		if after[i].Err != nil || before[i].Err != nil {
			t.Fatalf("status of %s: %v / %v", after[i].Endpoint, before[i].Err, after[i].Err)
		}
		if after[i].DBSize >= before[i].DBSize {
			t.Errorf("%s: defragment left the database at %d bytes (%d before)", after[i].Endpoint, after[i].DBSize, before[i].DBSize)
		}
		data, err := os.ReadFile(cl.DBFile(i))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, value) {
			t.Errorf("member %s's database still holds the erased value", cl.Members[i].Name)
		}
		// The write-ahead log keeps the request that wrote the value until
		// its 64 MB segment is dropped (see Compact): said here, not
		// asserted (etcdstore's TestEraseSweepsTheWriteAheadLogs asserts
		// that the erasure after a purge reaches it).
		for _, f := range cl.DataFiles(i) {
			if strings.HasSuffix(f, ".wal") {
				if data, err := os.ReadFile(f); err == nil && bytes.Contains(data, value) {
					t.Logf("member %s's write-ahead log %s still holds the value", cl.Members[i].Name, f[len(cl.Members[i].Dir):])
				}
			}
		}
	}
	if _, err := c.Range(ctx, RangeRequest{Key: "subject", Revision: rev - 1}); !errors.Is(err, ErrCompacted) {
		t.Fatalf("a read before the compaction: %v, want ErrCompacted", err)
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s, still not: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A watch from a compacted revision ends with ErrCompacted, naming where
// the history now starts.
func testWatchCompacted(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	c := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "compacted/"})
	rev, err := c.Put(ctx, "k", []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Compact(ctx, rev, false); err != nil {
		t.Fatal(err)
	}
	w := c.Watch(ctx, "", rev-1)
	for ev := range w.Events() {
		t.Fatalf("an event from a compacted revision: %+v", ev)
	}
	var compacted *CompactedError
	if !errors.As(w.Err(), &compacted) || compacted.Revision != rev {
		t.Fatalf("watch from %d after compacting at %d: %v", rev-1, rev, w.Err())
	}
}

// With two of three members stopped, a write fails within 5 s as
// ErrUnavailable, and succeeds once a member returns.
func testQuorumLost(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t)
	c := newClient(t, Config{Endpoints: cl.Endpoints(), Prefix: "quorum/"})
	if _, err := c.Put(ctx, "k", []byte("before")); err != nil {
		t.Fatal(err)
	}
	cl.Stop(1)
	cl.Stop(2)
	for _, write := range []bool{true, false} {
		op := map[bool]string{true: "a write", false: "a read"}[write]
		start := time.Now()
		var err error
		if write {
			_, err = c.Put(ctx, "k", []byte("during"))
		} else {
			_, err = c.Range(ctx, RangeRequest{Key: "k"})
		}
		took := time.Since(start)
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("%s without a quorum: %v, want ErrUnavailable", op, err)
		}
		if took > 5*time.Second {
			t.Errorf("%s without a quorum took %v to fail, want under 5 s", op, took)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("the error is more than one line: %q", err)
		}
		t.Logf("%s without a quorum: failed in %v: %v", op, took.Round(time.Millisecond), err)
	}
	cl.Restart(1)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.Put(ctx, "k", []byte("after"))
		if err == nil {
			break
		}
		if !errors.Is(err, ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("write once a member is back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	kv, _, err := c.Get(ctx, "k")
	if err != nil || string(kv.Value) != "after" {
		t.Fatalf("after the quorum came back: %q %v", kv.Value, err)
	}
	members, err := c.MemberList(ctx)
	if err != nil || len(members) != 3 {
		t.Fatalf("member list: %+v %v", members, err)
	}
}

// A cluster that requires client certificates accepts the client with the
// right CA, certificate and key, and refuses one without a certificate or
// trusting another authority.
func TestTLS(t *testing.T) {
	certs := etcdtest.NewTLS(t)
	cl := etcdtest.Start(t, 3, certs)
	ctx := testContext(t)
	var hosts []string
	for _, m := range cl.Members {
		hosts = append(hosts, m.ClientURL.Host) // no scheme: the CA file makes it HTTPS
	}
	good := newClient(t, Config{Endpoints: hosts, Prefix: "tls/", CAFile: certs.CAFile, CertFile: certs.ClientCert, KeyFile: certs.ClientKey})
	if _, err := good.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatalf("the client with the right certificate: %v", err)
	}
	if kv, ok, err := good.Get(ctx, "k"); !ok || err != nil || string(kv.Value) != "v" {
		t.Fatalf("read back over TLS: %+v %v %v", kv, ok, err)
	}
	for name, cfg := range map[string]Config{
		"no client certificate": {Endpoints: hosts, CAFile: certs.CAFile},
		"another authority":     {Endpoints: hosts, CAFile: certs.OtherCAFile, CertFile: certs.ClientCert, KeyFile: certs.ClientKey},
		"plain HTTP":            {Endpoints: []string{"http://" + hosts[0]}},
	} {
		c := newClient(t, cfg)
		_, err := c.Put(ctx, "k", []byte("intruder"))
		if err == nil {
			t.Errorf("%s: the write was accepted", name)
			continue
		}
		// A certificate refused is the configuration's fault, said as
		// such; plain HTTP to a TLS port gets no answer it can read.
		if name != "plain HTTP" && (errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "TLS")) {
			t.Errorf("%s: %v, want a TLS error", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	if kv, _, err := good.Get(ctx, "k"); err != nil || string(kv.Value) != "v" {
		t.Fatalf("after the refused clients: %q %v", kv.Value, err)
	}
}
