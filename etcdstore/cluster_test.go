//go:build !race

// The tests against a real cluster are left out of race builds, as
// etcdkv's are: compiling etcd's server with -race costs CI minutes (see
// .ci/run).

package etcdstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/etcdkv"
	"rightsdesk/internal/etcdtest"
	"rightsdesk/storage"
	"rightsdesk/storage/kv"
	"rightsdesk/storage/kv/kvtest"
)

// TestCluster runs the tests one three-member cluster serves, one after
// the other, each on its own prefix; the ones that stop members come last.
func TestCluster(t *testing.T) {
	cl := etcdtest.Start(t, 3, nil)
	etcdtest.RunSteps(t, cl, []etcdtest.Step{
		{Name: "ReplicasConverge", Test: testConverge},
		{Name: "ConflictNamesTheWriter", Test: testConflictNamesTheWriter},
		{Name: "MembersLimits", Test: testMembersLimits},
		{Name: "CommitLatency", Test: testCommitLatency},
		{Name: "ImportInterruptedThenExport", Test: testImportExport},
		{Name: "MemberKilledMidRun", Test: testMemberKilled},
		{Name: "QuorumLost", Test: testQuorumLost},
		{Name: "TurnGivenBack", Test: testTurnGivenBack},
		{Name: "EraseAfterPurge", Test: testErase},
	})
}

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// replica is what a team server on etcd keeps: a bbolt file that Follow
// keeps up to date and that writes go through (as storage will, with
// kv.Record and its ApplyReplicated).
type replica struct {
	t      *testing.T
	db     *bolt.DB
	c      *Cluster
	stop   context.CancelFunc
	done   chan error
	server string
}

func dial(t *testing.T, cl *etcdtest.Cluster, prefix, server string) *Cluster {
	t.Helper()
	c, err := Dial(Config{Endpoints: cl.Endpoints(), Prefix: prefix, Server: server, Timeout: time.Second, WAL: WAL(etcdtest.QuickWAL)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// newReplica opens an empty replica of prefix's store and starts following
// the cluster.
func newReplica(t *testing.T, cl *etcdtest.Cluster, prefix, server string) *replica {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), server+".db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{t: t, db: db, c: dial(t, cl, prefix, server), stop: cancel, done: make(chan error, 1), server: server}
	go func() { r.done <- r.c.Follow(ctx, 0, r.apply) }()
	t.Cleanup(func() {
		r.close()
		db.Close()
	})
	return r
}

// close stops the follower; it reports how the follower ended if not by
// being stopped.
func (r *replica) close() {
	if r.stop == nil {
		return
	}
	r.stop()
	r.stop = nil
	if err := <-r.done; !errors.Is(err, context.Canceled) {
		r.t.Errorf("%s's follower ended: %v", r.server, err)
	}
}

// apply is the store's ApplyReplicated as the design says it: a revision
// the file holds already (its own change, come back through the watch) is
// skipped; a load's pages (revision 0) are applied without a revision.
func (r *replica) apply(rev int64, ops []kv.Op) error {
	return r.db.Update(func(btx *bolt.Tx) error {
		tx := kv.Wrap(btx)
		if rev > 0 && kv.Revision(tx) >= rev {
			return nil
		}
		if err := kv.Apply(tx, ops); err != nil {
			return err
		}
		if rev > 0 {
			return kv.SetRevision(tx, rev)
		}
		return nil
	})
}

// write runs fn as the store runs a write: on the replica through
// kv.Record, committed on the cluster before the file; a conflict or an
// uncertain outcome catches up and runs fn again. It returns the revision
// of the change acknowledged.
func (r *replica) write(ctx context.Context, fn func(tx kv.Tx) error) (int64, error) {
	for {
		var rev int64
		err := r.db.Update(func(btx *bolt.Tx) error {
			tx := kv.Wrap(btx)
			at := kv.Revision(tx)
			rec, ops := kv.Record(tx)
			if err := fn(rec); err != nil {
				return err
			}
			var err error
			if rev, err = r.c.Commit(ctx, at, ops()); err != nil {
				return err
			}
			return kv.SetRevision(tx, rev)
		})
		if err == nil {
			return rev, nil
		}
		if !errors.Is(err, kv.ErrConflict) && !errors.Is(err, etcdkv.ErrUnavailable) {
			return 0, err
		}
		if ctx.Err() != nil {
			return 0, err
		}
		for {
			err := r.c.CatchUp(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return 0, err
			}
			time.Sleep(20 * time.Millisecond) // no quorum yet
		}
	}
}

// catchUp waits until the replica holds every change acknowledged so far.
func (r *replica) catchUp(ctx context.Context) {
	r.t.Helper()
	if err := r.c.CatchUp(ctx); err != nil {
		r.t.Fatalf("%s: catch up: %v", r.server, err)
	}
}

// dump is every bucket, key, value and sequence of the replica, in order
// (storage/kv's test dump): two replicas are equal when their dumps are.
func (r *replica) dump() string {
	r.t.Helper()
	return dump(r.t, r.db)
}

func dump(t *testing.T, db *bolt.DB) string {
	t.Helper()
	var out string
	if err := db.View(func(tx *bolt.Tx) (err error) {
		out, err = kvtest.Dump(kv.Wrap(tx))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func (r *replica) revision() int64 {
	var rev int64
	_ = r.db.View(func(btx *bolt.Tx) error {
		rev = kv.Revision(kv.Wrap(btx))
		return nil
	})
	return rev
}

var ackBucket = []byte("ack")

// randomChange is a random store transaction (kvtest.RandomChanges) and
// one key in the ack bucket (never deleted) that says the change was made.
func randomChange(rng *rand.Rand, ack string) func(tx kv.Tx) error {
	seed1, seed2 := rng.Uint64(), rng.Uint64()
	return func(tx kv.Tx) error {
		rng := rand.New(rand.NewPCG(seed1, seed2)) // the same change each run
		if err := kvtest.RandomChanges(rng, tx, 1+rng.IntN(8), ack); err != nil {
			return err
		}
		acks, err := tx.CreateBucketIfNotExists(ackBucket)
		if err != nil {
			return err
		}
		return acks.Put([]byte(ack), []byte(ack))
	}
}

// acked is one writer's acknowledged changes: their ack keys and
// revisions.
type acked struct {
	keys []string
	revs []int64
}

// runWriters runs writers goroutines spread over replicas, each making
// commits changes; during reaches its call when about half are made.
func runWriters(t *testing.T, ctx context.Context, replicas []*replica, writers, commits int, during func()) ([]acked, time.Duration) {
	t.Helper()
	out := make([]acked, writers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	made, half := 0, writers*commits/2
	errs := make(chan error, writers)
	start := time.Now()
	for w := range writers {
		r := replicas[w%len(replicas)]
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 21))
			for n := range commits {
				ack := fmt.Sprintf("w%d-%03d", w, n)
				rev, err := r.write(ctx, randomChange(rng, ack))
				if err != nil {
					errs <- fmt.Errorf("writer %d, change %d: %w", w, n, err)
					return
				}
				out[w].keys = append(out[w].keys, ack)
				out[w].revs = append(out[w].revs, rev)
				mu.Lock()
				made++
				now := made == half
				mu.Unlock()
				if now && during != nil {
					during()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return out, elapsed
}

// checkAcked: every acknowledged change is in every replica, at the
// revision acknowledged (its ack key's mod_revision on the cluster), and
// each writer's revisions strictly increase, no two changes sharing one.
func checkAcked(t *testing.T, ctx context.Context, c *Cluster, out []acked, replicas ...*replica) {
	t.Helper()
	all := map[int64]string{}
	for w, a := range out {
		for i, rev := range a.revs {
			if i > 0 && rev <= a.revs[i-1] {
				t.Errorf("writer %d: revision %d after %d", w, rev, a.revs[i-1])
			}
			if other, ok := all[rev]; ok {
				t.Errorf("revision %d acknowledged for %s and %s", rev, other, a.keys[i])
			}
			all[rev] = a.keys[i]
		}
	}
	r, err := c.client.Range(ctx, etcdkv.RangeRequest{Key: encodeKey(c.prefix, [][]byte{ackBucket}, nil), Prefix: true})
	if err != nil {
		t.Fatal(err)
	}
	onCluster := map[string]int64{}
	for _, item := range r.KVs {
		op, _, err := c.decode(item.Key, false, item.Value)
		if err != nil {
			t.Fatal(err)
		}
		onCluster[string(op.Key)] = item.ModRevision
	}
	for rev, key := range all {
		if got, ok := onCluster[key]; !ok || got != rev {
			t.Errorf("%s: acknowledged at revision %d, on the cluster at %d (present %v)", key, rev, got, ok)
		}
		for _, rep := range replicas {
			if err := rep.db.View(func(tx *bolt.Tx) error {
				if b := tx.Bucket(ackBucket); b == nil || b.Get([]byte(key)) == nil {
					t.Errorf("%s: acknowledged at revision %d, missing in %s", key, rev, rep.server)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Two servers writing concurrently, through conflicts and catching up,
// leave replicas equal to each other and to one loaded afterwards from the
// cluster (in pages: more keys than a page), with no acknowledged change
// lost.
func testConverge(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, 3*time.Minute)
	const prefix = "converge/"
	a, b := newReplica(t, cl, prefix, "site-a"), newReplica(t, cl, prefix, "site-b")
	out, elapsed := runWriters(t, ctx, []*replica{a, b}, 4, 80, nil)
	t.Logf("4 writers on 2 replicas, 320 changes: %v, %.0f changes/s", elapsed.Round(time.Millisecond), 320/elapsed.Seconds())
	a.catchUp(ctx)
	b.catchUp(ctx)
	// Listed and read in several pages of each kind.
	defer func(keys int64) { loadKeys = keys }(loadKeys)
	loadKeys = loadPage + loadPage/4
	late := newReplica(t, cl, prefix, "late")
	late.catchUp(ctx)
	da, db, dl := a.dump(), b.dump(), late.dump()
	if da != db || da != dl {
		t.Fatalf("the replicas differ\nsite-a:\n%s\nsite-b:\n%s\nloaded late:\n%s", da, db, dl)
	}
	if ra, rb, rl := a.revision(), b.revision(), late.revision(); ra != rb || ra != rl {
		t.Errorf("revisions %d, %d, %d, want one", ra, rb, rl)
	}
	checkAcked(t, ctx, a.c, out, a, b, late)
	n, _ := a.c.client.Range(ctx, etcdkv.RangeRequest{Key: prefix, Prefix: true, CountOnly: true})
	if n == nil || n.Count <= loadKeys {
		t.Errorf("the late replica's load read %v keys, want more than a listing (%d)", n, loadKeys)
	}
	// A replica that stops and follows again from its revision gets what
	// it missed.
	b.close()
	missed, err := a.write(ctx, randomChange(rand.New(rand.NewPCG(9, 9)), "while-b-was-away"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.c.CatchUp(ctx); err == nil {
		t.Fatal("CatchUp with no follower running returned as if caught up")
	}
	ctx2, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.c.Follow(ctx2, b.revision(), b.apply) }()
	b.catchUp(ctx)
	cancel()
	<-done
	if b.revision() != missed || b.dump() != a.dump() {
		t.Fatalf("site-b resumed at revision %d, want %d with site-a's data", b.revision(), missed)
	}
}

// A conflict names the server that made the newer change.
func testConflictNamesTheWriter(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, time.Minute)
	a, b := dial(t, cl, "names/", "site-a"), dial(t, cl, "names/", "site-b")
	put := []kv.Op{{Kind: kv.CreateBucket, Path: [][]byte{[]byte("b")}}}
	rev, err := a.Commit(ctx, 0, put)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Commit(ctx, 0, put)
	var conflict *ConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, kv.ErrConflict) || conflict.Writer != "site-a" || conflict.Revision != rev {
		t.Fatalf("site-b's commit on a stale revision: %v, want a conflict naming site-a at %d", err, rev)
	}
	if _, err := b.Commit(ctx, rev, put); err != nil {
		t.Fatalf("site-b's commit on the latest revision: %v", err)
	}
	// A change the replica cannot apply ends Follow with the reason.
	refused := errors.New("disk full")
	err = b.Follow(ctx, rev, func(int64, []kv.Op) error { return refused })
	if !errors.Is(err, refused) {
		t.Fatalf("Follow whose apply fails: %v, want the apply's error", err)
	}
}

// Commit latency on the loopback cluster: one writer, changes of a few
// keys, one after the other (a figure for the README; the bound only
// catches a commit that waits on a timeout).
func testCommitLatency(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, time.Minute)
	r := newReplica(t, cl, "latency/", "site-a")
	rng := rand.New(rand.NewPCG(1, 1))
	var took []time.Duration
	for n := range 200 {
		start := time.Now()
		if _, err := r.write(ctx, randomChange(rng, fmt.Sprint(n))); err != nil {
			t.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	t.Logf("a replica's write on the 3-member loopback cluster, 200 one after the other: median %v, 90th percentile %v, max %v",
		took[len(took)/2], took[len(took)*9/10], took[len(took)-1])
	if took[len(took)/2] > 500*time.Millisecond {
		t.Errorf("median write %v: a commit waits on something", took[len(took)/2])
	}
}

// 4 writers (2 servers, 2 writers each) make 250 changes each while the
// leader is killed half way: every acknowledged change is on the cluster
// at its revision and in both replicas, revisions strictly increase.
func testMemberKilled(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, 5*time.Minute)
	const prefix = "killed/"
	a, b := newReplica(t, cl, prefix, "site-a"), newReplica(t, cl, prefix, "site-b")
	killed := -1
	out, elapsed := runWriters(t, ctx, []*replica{a, b}, 4, 250, func() {
		killed = max(cl.Leader(), 0)
		t.Logf("killing member %s (leader: %v)", cl.Members[killed].Name, cl.Leader() == killed)
		cl.Kill(killed)
	})
	t.Logf("4 writers on 2 replicas, 1000 changes with a member killed half way: %v, %.0f changes/s", elapsed.Round(time.Millisecond), 1000/elapsed.Seconds())
	a.catchUp(ctx)
	b.catchUp(ctx)
	if da, db := a.dump(), b.dump(); da != db {
		t.Fatalf("the replicas differ\nsite-a:\n%s\nsite-b:\n%s", da, db)
	}
	checkAcked(t, ctx, a.c, out, a, b)
	cl.Restart(killed)
	cl.WaitReady(killed)
	// The member back has every change too.
	one, err := Dial(Config{Endpoints: []string{cl.Endpoints()[killed]}, Prefix: prefix, Server: "check"})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		h, _, err := one.client.Get(ctx, one.head)
		if err == nil && h.ModRevision == a.revision() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("member %s back: head %+v %v, want revision %d", cl.Members[killed].Name, h, err, a.revision())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Without a quorum a commit fails within 5 s as ErrUnavailable, never as a
// conflict; once a member is back it succeeds.
func testQuorumLost(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, 2*time.Minute)
	r := newReplica(t, cl, "quorum/", "site-a")
	if _, err := r.write(ctx, randomChange(rand.New(rand.NewPCG(3, 3)), "before")); err != nil {
		t.Fatal(err)
	}
	// The follower's first load done before the quorum goes (serve's
	// OpenReplica waits for it too): a load cut short by the loss ends the
	// follower, and nothing would apply the write made once a member is
	// back (seen on a loaded machine).
	r.catchUp(ctx)
	cl.Kill(1)
	cl.Kill(2)
	at := r.revision()
	op := []kv.Op{{Kind: kv.Put, Path: [][]byte{ackBucket}, Key: []byte("during"), Value: []byte("x")}}
	start := time.Now()
	_, err := r.c.Commit(ctx, at, op)
	took := time.Since(start)
	if !errors.Is(err, etcdkv.ErrUnavailable) || errors.Is(err, kv.ErrConflict) {
		t.Fatalf("commit without a quorum: %v, want ErrUnavailable", err)
	}
	if took > 5*time.Second {
		t.Fatalf("commit without a quorum failed after %v, want within 5 s", took)
	}
	t.Logf("commit without a quorum failed after %v: %v", took.Round(time.Millisecond), err)
	cl.Restart(1)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rev, err := r.write(wctx, func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(ackBucket)
		if err != nil {
			return err
		}
		return b.Put([]byte("after"), []byte("x"))
	})
	if err != nil {
		t.Fatalf("a write once a member is back: %v", err)
	}
	if rev <= at {
		t.Fatalf("revision %d after %d", rev, at)
	}
	cl.WaitReady(1)
	cl.Restart(2)
	cl.WaitReady(2)
}

// purge deletes the bucket name as a purge: the deletion counts itself as
// a purge, as storage's purge does in each transaction that erases.
func (r *replica) purge(ctx context.Context, name []byte) {
	r.t.Helper()
	if _, err := r.write(ctx, func(tx kv.Tx) error {
		metaPath, purgesKey := storage.PurgesKey()
		meta, err := tx.CreateBucketIfNotExists(metaPath[0])
		if err != nil {
			return err
		}
		if err := meta.Put(purgesKey, []byte{0, 0, 0, 0, 0, 0, 0, 1}); err != nil {
			return err
		}
		return tx.DeleteBucket(name)
	}); err != nil {
		r.t.Fatal(err)
	}
}

// After a purge deletes a value, Erase leaves its bytes in no member's
// database file (the write-ahead logs are TestEraseSweepsTheWriteAheadLogs's:
// this cluster keeps etcd's default logs), and a follower from before the
// erase is told to reload.
func testErase(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, 2*time.Minute)
	const prefix = "erase/"
	r := newReplica(t, cl, prefix, "site-a")
	// The address is a key as well as a value: the store's index keys hold
	// personal data too.
	secret := []byte("erase-me-7c1e9a@example.org")
	path := [][]byte{[]byte("people")}
	if _, err := r.write(ctx, func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(path[0])
		if err != nil {
			return err
		}
		return b.Put(secret, secret)
	}); err != nil {
		t.Fatal(err)
	}
	before := r.revision()
	deadline := time.Now().Add(20 * time.Second)
	for cl.MembersHolding(secret) < len(cl.Members) {
		if time.Now().After(deadline) {
			t.Fatal("the value never reached every member's database: the test would prove nothing")
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.purge(ctx, path[0])
	if n := cl.MembersHolding(secret); n == 0 {
		t.Fatal("no member holds the deleted value before Erase: the test would prove nothing")
	}
	// check, before the erasure: every member still answers reads of the
	// history that holds the value, and no sweep of the logs followed the
	// purge.
	if problems := erasureProblems(t, ctx, r.c); len(problems) != len(cl.Members)+1 ||
		!strings.Contains(problems[0].Detail, "still answers reads of the history before the latest purge") ||
		!strings.Contains(problems[len(cl.Members)].Detail, "was not swept out of the etcd members' write-ahead logs") {
		t.Fatalf("before Erase: %v, want each of the %d members to still answer, and the sweep missing", problems, len(cl.Members))
	}
	if err := r.c.Erase(ctx); err != nil {
		t.Fatal(err)
	}
	if problems := erasureProblems(t, ctx, r.c); len(problems) != 0 {
		t.Errorf("after Erase: %v, want none", problems)
	}
	defer checkErasureWithAMemberDown(t, ctx, cl, r.c)
	for i, m := range cl.Members {
		if data, err := os.ReadFile(cl.DBFile(i)); err != nil || bytes.Contains(data, secret) {
			t.Errorf("member %s's database: still holds the erased value (or unreadable: %v)", m.Name, err)
		}
	}
	// The erase's own revision reaches the followers, as a change without
	// data.
	r.catchUp(ctx)
	if da := r.dump(); bytes.Contains([]byte(da), secret) {
		t.Errorf("the replica still holds the purged bucket:\n%s", da)
	}
	// The replica's own data is the store's to purge; a follower that
	// starts before the erase's revision cannot.
	err := r.c.Follow(ctx, before-1, func(int64, []kv.Op) error { return nil })
	if !errors.Is(err, ErrReload) {
		t.Fatalf("a follower from before the erase: %v, want ErrReload", err)
	}
	t.Logf("%v", err)
}

// A server refused for a newer change claims the turn; when its write then
// ends without a Commit (a case's own revision check refused it once run
// again), it gives the turn back: another server waits about turnUnused
// for it, not the turn's whole lease.
func testTurnGivenBack(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, time.Minute)
	const prefix = "turn/"
	a := newReplica(t, cl, prefix, "site-a")
	b := newReplica(t, cl, prefix, "site-b")
	put := func(k string) func(tx kv.Tx) error {
		return func(tx kv.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			return bk.Put([]byte(k), []byte("v"))
		}
	}
	if _, err := a.write(ctx, put("1")); err != nil {
		t.Fatal(err)
	}
	b.catchUp(ctx)
	_, err := a.c.Commit(ctx, 0, []kv.Op{{Kind: kv.Put, Path: [][]byte{[]byte("b")}, Key: []byte("2"), Value: []byte("v")}})
	if !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("site-a's commit at revision 0: %v, want a conflict", err)
	}
	if _, held, err := a.c.client.Get(ctx, a.c.turnKey); err != nil || !held {
		t.Fatalf("site-a holds no turn after its refusal (%v): the test would prove nothing", err)
	}
	// site-b, caught up, is refused for site-a's turn alone, and told so;
	// it then waits for the turn and takes one of its own.
	start := time.Now()
	_, err = b.c.Commit(ctx, b.revision(), []kv.Op{{Kind: kv.Put, Path: [][]byte{[]byte("b")}, Key: []byte("3"), Value: []byte("v")}})
	var conflict *ConflictError
	if !errors.As(err, &conflict) || !conflict.Turn || conflict.Writer != "site-a" ||
		!strings.Contains(err.Error(), "it was site-a's turn to write") {
		t.Fatalf("site-b's commit during site-a's turn: %v, want a conflict naming site-a's turn", err)
	}
	if _, err := b.write(ctx, put("3")); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("site-b's write took %v while site-a held a turn it did not use", took)
	if took > 2*time.Second {
		t.Errorf("site-b waited %v; want the unused turn given back after %v, not held for its %d s lease", took, turnUnused, turnTTL)
	}
}

// erasureProblems is what check says of the latest purge's erasure.
func erasureProblems(t *testing.T, ctx context.Context, c *Cluster) []storage.Problem {
	t.Helper()
	problems, err := c.ErasureProblems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return problems
}

// checkErasureWithAMemberDown: a member that does not answer is not
// verified, and check says so, naming it; it answers again once restarted.
func checkErasureWithAMemberDown(t *testing.T, ctx context.Context, cl *etcdtest.Cluster, c *Cluster) {
	down := (cl.Leader() + 1) % len(cl.Members)
	cl.Stop(down)
	problems := erasureProblems(t, ctx, c)
	cl.Restart(down)
	cl.WaitReady(down)
	if len(problems) != 1 || !strings.Contains(problems[0].Detail, cl.Members[down].ClientURL.Host) ||
		!strings.Contains(problems[0].Detail, "not verified") {
		t.Errorf("member %s stopped: %v, want one problem naming it, not verified", cl.Members[down].Name, problems)
	}
}

func openFile(t *testing.T, name string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), name), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A file imported in batches under small limits, interrupted and resumed,
// then exported, gives back the same buckets, keys and sequences; a
// replica that follows the imported store has them too and can write.
func testImportExport(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, 2*time.Minute)
	source := openFile(t, "source.db")
	rng := rand.New(rand.NewPCG(5, 5))
	if err := source.Update(func(btx *bolt.Tx) error {
		tx := kv.Wrap(btx)
		for n := range 150 {
			if err := randomChange(rng, fmt.Sprintf("file-%03d", n))(tx); err != nil {
				return err
			}
		}
		b, err := tx.CreateBucketIfNotExists([]byte("files"))
		if err != nil {
			return err
		}
		if err := b.Put([]byte("big"), bytes.Repeat([]byte("x"), 40<<10)); err != nil {
			return err
		}
		return kv.SetRevision(tx, 99) // a replica's own bucket is not data
	}); err != nil {
		t.Fatal(err)
	}
	const prefix = "imported/"
	c, err := Dial(Config{Endpoints: cl.Endpoints(), Prefix: prefix, Server: "migrate", MaxTxnOps: 10, MaxRequestBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	interrupted := errors.New("interrupted")
	batches := 0
	err = c.importFile(ctx, source, func(int) error {
		if batches++; batches == 3 {
			return interrupted
		}
		return nil
	})
	if !errors.Is(err, interrupted) {
		t.Fatalf("the interrupted import: %v", err)
	}
	other := openFile(t, "other.db")
	if err := other.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err }); err != nil {
		t.Fatal(err)
	}
	if err := c.Import(ctx, other); err == nil {
		t.Fatal("another file resumed the interrupted import")
	}
	batches = 0
	if err := c.importFile(ctx, source, func(int) error { batches++; return nil }); err != nil {
		t.Fatalf("the resumed import: %v", err)
	}
	if batches < 5 {
		t.Errorf("the resumed import took %d batches: the limits did not cut it", batches)
	}
	if err := c.Import(ctx, source); err == nil {
		t.Fatal("an import into a prefix that holds a store was accepted")
	}
	back := openFile(t, "back.db")
	if err := c.Export(ctx, back); err != nil {
		t.Fatal(err)
	}
	want := dump(t, source)
	if got := dump(t, back); got != want {
		t.Fatalf("exported file differs from the imported one\nimported:\n%s\nexported:\n%s", want, got)
	}
	if err := c.Export(ctx, back); err == nil {
		t.Fatal("an export into a file that holds data was accepted")
	}
	r := newReplica(t, cl, prefix, "site-a")
	r.catchUp(ctx)
	if got := r.dump(); got != want {
		t.Fatalf("a replica of the imported store differs from the file\nfile:\n%s\nreplica:\n%s", want, got)
	}
	if _, err := r.write(ctx, randomChange(rng, "after-import")); err != nil {
		t.Fatalf("a write on the imported store: %v", err)
	}
}

// A store configured with larger limits than its members run with gets
// the members' refusal, naming the flag to raise, as no conflict and no
// unavailability.
func testMembersLimits(t *testing.T, cl *etcdtest.Cluster) {
	ctx := testContext(t, time.Minute)
	c, err := Dial(Config{Endpoints: cl.Endpoints(), Prefix: "limits/", Server: "site-a", MaxTxnOps: 1000, MaxRequestBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	many := make([]kv.Op, DefaultMaxTxnOps+1)
	for i := range many {
		many[i] = kv.Op{Kind: kv.Put, Path: [][]byte{[]byte("b")}, Key: fmt.Appendf(nil, "%d", i), Value: []byte("v")}
	}
	big := []kv.Op{{Kind: kv.Put, Path: [][]byte{[]byte("b")}, Key: []byte("k"), Value: make([]byte, 2<<20)}}
	for flag, ops := range map[string][]kv.Op{"--max-txn-ops": many, "--max-request-bytes": big} {
		_, err := c.Commit(ctx, 0, ops)
		if err == nil || !strings.Contains(err.Error(), flag) || errors.Is(err, kv.ErrConflict) || errors.Is(err, etcdkv.ErrUnavailable) {
			t.Errorf("a transaction over the members' %s: %v, want their refusal naming the flag", flag, err)
		}
		t.Logf("%s: %v", flag, err)
	}
}
