package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
	"rightsdesk/storage/kv/kvtest"
)

// fakeCluster is a cluster in memory for replicas (kv.Replicator's
// contract): a head revision and every change committed, in order. A change
// is taken only at the head (at == head), as etcdstore's transaction
// compares the revision.
type fakeCluster struct {
	mu      sync.Mutex
	head    int64
	changes []fakeChange
	// fail, when set, is the error of the next Commit (one that is not a
	// conflict: the cluster unreachable).
	fail error
}

type fakeChange struct {
	rev int64
	ops []kv.Op
}

// fakeReplica is one server's Replicator on the cluster; store is the
// store it feeds (set once the store is opened with it).
type fakeReplica struct {
	c     *fakeCluster
	store *Store
	// conflicts counts the Commits refused for a newer change.
	conflicts int
}

func (r *fakeReplica) Commit(_ context.Context, at int64, ops []kv.Op) (int64, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail; err != nil {
		c.fail = nil
		return 0, err
	}
	if at != c.head {
		r.conflicts++
		return 0, fmt.Errorf("at revision %d, the cluster is at %d: %w", at, c.head, kv.ErrConflict)
	}
	c.head++
	c.changes = append(c.changes, fakeChange{rev: c.head, ops: slices.Clone(ops)})
	return c.head, nil
}

func (r *fakeReplica) CatchUp(context.Context) error { return r.follow() }

// follow feeds the store every change after the revision it has applied,
// as etcdstore's follower does from its watch.
func (r *fakeReplica) follow() error {
	rev, err := r.store.ReplicaRevision()
	if err != nil {
		return err
	}
	r.c.mu.Lock()
	var todo []fakeChange
	for _, ch := range r.c.changes {
		if ch.rev > rev {
			todo = append(todo, ch)
		}
	}
	r.c.mu.Unlock()
	for _, ch := range todo {
		if err := r.store.ApplyReplicated(ch.rev, ch.ops); err != nil {
			return err
		}
	}
	return nil
}

// replicaStore is a held store on its own file in dir, a replica of c.
func replicaStore(t *testing.T, c *fakeCluster, dir, name string) (*Store, *fakeReplica) {
	t.Helper()
	r := &fakeReplica{c: c}
	return replicaStoreWith(t, r, dir, name, Options{}), r
}

// replicaStoreWith is replicaStore for the fakeReplica r, with opts (a
// signer; a Replicator that wraps r, which feeds the store all the same).
func replicaStoreWith(t *testing.T, r *fakeReplica, dir, name string, opts Options) *Store {
	t.Helper()
	if err := os.Mkdir(filepath.Join(dir, name), 0o700); err != nil {
		t.Fatal(err)
	}
	if opts.Replica == nil {
		opts.Replica = r
	}
	s := Open(filepath.Join(dir, name, "cases.db"), opts)
	r.store = s
	if err := s.Hold(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// twoReplicas are two servers' stores on one fake cluster, the database
// made through the first (InitReplica) and followed by the second.
func twoReplicas(t *testing.T) (c *fakeCluster, a, b *Store, ra, rb *fakeReplica) {
	t.Helper()
	dir := t.TempDir()
	c = &fakeCluster{}
	a, ra = replicaStore(t, c, dir, "a")
	b, rb = replicaStore(t, c, dir, "b")
	// Held before it has applied anything, a replica is no database yet
	// (as a missing file: an empty queue), not a damaged one.
	if q, _, err := b.Queue(testNow); err != nil || len(q) != 0 {
		t.Fatalf("an empty replica: queue of %d, %v", len(q), err)
	}
	if err := ra.follow(); err != nil {
		t.Fatal(err)
	}
	if err := a.InitReplica(); err != nil {
		t.Fatal(err)
	}
	if err := rb.follow(); err != nil {
		t.Fatal(err)
	}
	return c, a, b, ra, rb
}

// dumpStore is every bucket, key, value and sequence of the store's file
// but the replica's own bucket, in order (kv_test.go's dump).
func dumpStore(t *testing.T, s *Store) string {
	t.Helper()
	var out string
	if err := s.view(func(tx kv.Tx) (err error) {
		out, err = kvtest.Dump(tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameFiles(t *testing.T, a, b *Store) {
	t.Helper()
	if da, db := dumpStore(t, a), dumpStore(t, b); da != db {
		t.Fatalf("the replicas differ:\n%s", firstLineDiffering(da, db))
	}
	ra, erra := a.ReplicaRevision()
	rb, errb := b.ReplicaRevision()
	if erra != nil || errb != nil || ra != rb {
		t.Fatalf("revisions %d (%v) and %d (%v)", ra, erra, rb, errb)
	}
}

// firstLineDiffering is the first line where a and b differ, from each.
func firstLineDiffering(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  %.300s\n  %.300s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines and %d lines", len(la), len(lb))
}

// TestReplicaChangeReachesTheOther: an add, a note and a closing made
// through one server's store reach the other's through ApplyReplicated,
// the two files then hold the same data, and the other store's OnCommit
// functions are told each change, as the team server needs to push it.
func TestReplicaChangeReachesTheOther(t *testing.T) {
	c, a, b, _, rb := twoReplicas(t)
	var told []uint64
	b.OnCommit(func(n uint64) { told = append(told, n) })
	sameFiles(t, a, b)

	cs := addCase(t, a, "Zoé Lefèvre")
	id := cs[0].ID
	res, err := a.Apply(id, cases.Event{Kind: cases.EventNoted, Text: "called back", Actor: "dpo"}, NoRevision, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Apply(id, cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeNoData, Actor: "dpo"}, res.Revision, testNow); err != nil {
		t.Fatal(err)
	}
	if err := rb.follow(); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, a, b)
	loaded, err := b.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := loaded.Case.Derive(testNow); err != nil || st.Status != cases.StatusClosed {
		t.Fatalf("the other replica's case: %+v %v", st, err)
	}
	counter, _, err := a.Changes(0)
	if err != nil {
		t.Fatal(err)
	}
	// One commit told per change applied (the add, the note, the closing),
	// the last with the writer's counter.
	if len(told) != 3 || told[len(told)-1] != counter {
		t.Fatalf("OnCommit told %v, want 3 commits ending at the writer's counter %d", told, counter)
	}
	rev, _ := b.ReplicaRevision()
	if c.head != rev {
		t.Fatalf("replica at revision %d, cluster at %d", rev, c.head)
	}
	// Applying a change again (a watch resumed from an earlier revision)
	// changes nothing and tells nothing.
	if err := b.ApplyReplicated(c.changes[len(c.changes)-1].rev, c.changes[len(c.changes)-1].ops); err != nil {
		t.Fatal(err)
	}
	if len(told) != 3 {
		t.Fatalf("a change applied twice was told again: %v", told)
	}
	// A second server starting on the cluster's database makes no change.
	head := c.head
	if err := b.InitReplica(); err != nil || c.head != head {
		t.Fatalf("InitReplica on a database: cluster %d -> %d, %v", head, c.head, err)
	}
	sameFiles(t, a, b)
}

// TestAReplicaRewritesNothingForNothing: the echo of a replica's own change
// (its watch may bring it before its transaction committed) and a server
// started again on its replica leave the file's bytes as they were: an
// empty write transaction would still rewrite its meta page, and a test,
// or a DPO, comparing the file before and after a refused command would
// see a change where none was made. A revision that changed no data (an
// erasure's mark) is recorded, since Erase compacts the history at it: a
// replica left behind it could resume only by a reload.
func TestAReplicaRewritesNothingForNothing(t *testing.T) {
	c, a, _, _, _ := twoReplicas(t)
	addCase(t, a, "Zoé Lefèvre")
	before, err := os.ReadFile(a.Path())
	if err != nil {
		t.Fatal(err)
	}
	last := c.changes[len(c.changes)-1]
	if err := a.ApplyReplicated(last.rev, last.ops); err != nil {
		t.Fatal(err)
	}
	if err := a.InitReplica(); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(a.Path()); !bytes.Equal(after, before) {
		t.Fatal("the replica's file was rewritten for a change it held already, or a restart")
	}
	if err := a.ApplyReplicated(last.rev+1, nil); err != nil {
		t.Fatal(err)
	}
	if rev, _ := a.ReplicaRevision(); rev != last.rev+1 {
		t.Fatalf("the replica's revision is %d after a revision without data, want %d", rev, last.rev+1)
	}
}

// TestReplicaConflictCatchesUpAndRunsAgain: two servers writing at the same
// revision: the second is refused by the cluster, catches up, runs its
// transaction again on the newer data, and nothing is lost; the change
// counters, IDs and revisions agree.
func TestReplicaConflictCatchesUpAndRunsAgain(t *testing.T) {
	c, a, b, ra, rb := twoReplicas(t)
	first := addCase(t, a, "Zoé Lefèvre")[0].ID
	// b has not seen a's case: its add conflicts, catches up, runs again.
	second := addCase(t, b, "Łukasz Ó'Brien")[0].ID
	if rb.conflicts != 1 {
		t.Fatalf("%d conflicts, want 1", rb.conflicts)
	}
	if first == second {
		t.Fatalf("both servers numbered their case %s", first)
	}
	if err := ra.follow(); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, a, b)
	for _, s := range []*Store{a, b} {
		q, _, err := s.Queue(testNow)
		if err != nil || len(q) != 2 {
			t.Fatalf("queue: %d cases, %v", len(q), err)
		}
		counter, ids, err := s.Changes(0)
		if err != nil || len(ids) != 2 || counter != 2 {
			t.Fatalf("changes: counter %d, %v, %v: want 2 changes of 2 cases", counter, ids, err)
		}
	}
	if rev, _ := a.ReplicaRevision(); rev != c.head || int(c.head) != len(c.changes) {
		t.Fatalf("revision %d, cluster head %d, %d changes", rev, c.head, len(c.changes))
	}
}

// TestReplicaCommitFailureLeavesNothing: a Commit that fails other than by
// a conflict rolls the replica's transaction back and says the change may
// or may not have been recorded; the store is unavailable (exit 3).
func TestReplicaCommitFailureLeavesNothing(t *testing.T) {
	c, a, _, _, _ := twoReplicas(t)
	addCase(t, a, "Zoé Lefèvre")
	before, head := dumpStore(t, a), c.head
	c.fail = errors.New("context deadline exceeded")
	_, err := a.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Łukasz Ó'Brien", Email: "lukasz@example.org"}, ReceivedAt: testNow}, testRules, testNow, "dpo")
	var se *StoreError
	if !errors.As(err, &se) || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "may or may not have been recorded") {
		t.Fatalf("error %v, want the store unavailable, the change maybe recorded", err)
	}
	if strings.Contains(err.Error(), "Łukasz") || strings.Contains(err.Error(), "lukasz@") {
		t.Fatalf("the error names the subject: %v", err)
	}
	if after := dumpStore(t, a); after != before || c.head != head {
		t.Fatalf("a failed commit left a change (cluster %d -> %d):\n%s", head, c.head, firstLineDiffering(before, after))
	}
	// The next write goes through.
	addCase(t, a, "Ana Anders")
	// A change the cluster refuses for good (over its members' limits)
	// was not recorded, and the error says so.
	before, head = dumpStore(t, a), c.head
	c.fail = fmt.Errorf("the transaction needs --max-txn-ops of at least 9000: %w", kv.ErrRefused)
	_, err = a.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Ben Berger", Email: "ben@example.org"}, ReceivedAt: testNow}, testRules, testNow, "dpo")
	var refused *cases.Refused
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "nothing was recorded") || !strings.Contains(err.Error(), "--max-txn-ops") {
		t.Fatalf("a refused change: %v, want a refusal said unrecorded, naming the limit", err)
	}
	if after := dumpStore(t, a); after != before || c.head != head {
		t.Fatalf("a refused change left a change:\n%s", firstLineDiffering(before, after))
	}
}

// TestReplicaRefusesWhatOnlyAFileDoes: a restore is refused on a replica;
// a compaction is the file's own: it keeps the replica's revision and the
// data, and writes go on from there.
func TestReplicaRefusesWhatOnlyAFileDoes(t *testing.T) {
	_, a, b, _, rb := twoReplicas(t)
	addCase(t, a, "Zoé Lefèvre")
	if _, err := a.Restore(filepath.Join(t.TempDir(), "backup.db"), testNow); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("restore on a replica: %v", err)
	}
	rev, _ := a.ReplicaRevision()
	if _, err := a.Compact(); err != nil {
		t.Fatal(err)
	}
	if after, err := a.ReplicaRevision(); err != nil || after != rev {
		t.Fatalf("compaction: revision %d -> %d (%v)", rev, after, err)
	}
	addCase(t, a, "Ana Anders")
	if err := rb.follow(); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, a, b)
}

// fileOnly skips t when the suite runs on replicas (RIGHTSDESK_TEST_REPLICA):
// what it tests (why) is refused on a replica by design, or is a file's
// own, and TestReplicaRefusesWhatOnlyAFileDoes shows the refusal.
func fileOnly(t *testing.T, why string) {
	t.Helper()
	if replicaForTests != nil {
		t.Skip("a file of its own only, not a replica: " + why)
	}
}

// TestAServerRotatesItsOwnKeyOnACluster: a rotation through a replica
// retires that server's key alone, its statement signed by its old and new
// key and naming it; refused once by the cluster for another server's
// newer change, it runs again with a key of its own, and the key file
// holds the key the chain names: no change after it records a lost or
// replaced key, and both replicas check clean.
func TestAServerRotatesItsOwnKeyOnACluster(t *testing.T) {
	c := &fakeCluster{}
	dir := t.TempDir()
	ra, rb := &fakeReplica{c: c}, &fakeReplica{c: c}
	a := replicaStoreWith(t, ra, dir, "site-a", Options{Signer: "site-a"})
	b := replicaStoreWith(t, rb, dir, "site-b", Options{Signer: "site-b"})
	if err := ra.follow(); err != nil {
		t.Fatal(err)
	}
	if err := a.InitReplica(); err != nil {
		t.Fatal(err)
	}
	addCase(t, a, "Zoé Lefèvre")
	if err := rb.follow(); err != nil {
		t.Fatal(err)
	}
	addCase(t, b, "Ana Anders") // site-a has not seen it: its rotation is refused once
	ev, err := a.RotateKey()
	if err != nil {
		t.Fatal(err)
	}
	if ra.conflicts == 0 {
		t.Fatal("the rotation was not refused for the newer change: the test shows no run again")
	}
	if ev.Kind != KeyRotated || ev.Signer != "site-a" {
		t.Fatalf("rotation event %+v, want key_rotated by site-a", ev)
	}
	addCase(t, a, "Ben Berger")
	addCase(t, b, "Cleo Costa")
	if err := ra.follow(); err != nil {
		t.Fatal(err)
	}
	if err := rb.follow(); err != nil {
		t.Fatal(err)
	}
	events, err := b.KeyEvents()
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind+" "+e.Signer)
	}
	if want := "key_created site-a,key_created site-b,key_rotated site-a"; strings.Join(kinds, ",") != want {
		t.Fatalf("key chain %q, want %q", strings.Join(kinds, ","), want)
	}
	keys, err := KeyDir()
	if err != nil {
		t.Fatal(err)
	}
	f, err := a.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(keys, f.Database+".site-a.key"))
	if err != nil {
		t.Fatal(err)
	}
	if vkey, err := publicKey(strings.TrimSpace(string(raw))); err != nil || vkey != ev.Key {
		t.Fatalf("site-a's key file holds %q (%v), the chain names %q", vkey, err, ev.Key)
	}
	for _, s := range []*Store{a, b} {
		if problems, err := s.Check(); err != nil || len(problems) > 0 {
			t.Fatalf("check of %s: %v %v", s.Path(), problems, err)
		}
	}
	sameFiles(t, a, b)
}

// sendingAhead is a fakeReplica that can send a value ahead of its change
// (kv.Preuploader): during runs while it sends, and sent records what.
type sendingAhead struct {
	*fakeReplica
	during  func()
	sent    []string
	dropped int // drop's calls
}

func (r *sendingAhead) Preupload(_ context.Context, path [][]byte, key, value []byte) (func(), error) {
	r.sent = append(r.sent, fmt.Sprintf("%s/%q: %d bytes", path[0], key, len(value)))
	if r.during != nil {
		r.during()
	}
	return func() { r.dropped++ }, nil
}

// TestALargeFileIsSentAheadOfItsWrite: a file stored apart from its case's
// file set is sent to the cluster before the write transaction, so that
// the server's other writes go on while it uploads: a write made during
// the sending is done before the attach, not after it. A small file, kept
// in the case's file set, is not sent ahead.
func TestALargeFileIsSentAheadOfItsWrite(t *testing.T) {
	r := &sendingAhead{fakeReplica: &fakeReplica{c: &fakeCluster{}}}
	s := replicaStoreWith(t, r.fakeReplica, t.TempDir(), "site-a", Options{Replica: r})
	if err := s.InitReplica(); err != nil {
		t.Fatal(err)
	}
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	if _, err := s.Do(id, []Action{attach("note.txt", "", []byte("small"))}, testNow); err != nil {
		t.Fatal(err)
	}
	if len(r.sent) != 0 {
		t.Fatalf("a small file was sent ahead: %v", r.sent)
	}
	var other string
	r.during = func() {
		done := make(chan string, 1)
		go func() {
			cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
				Subject: cases.Subject{Name: "Ana Anders", Email: "ana@example.org"}, ReceivedAt: testNow}, testRules, testNow, "dpo")
			if err != nil {
				t.Error(err)
				done <- ""
				return
			}
			done <- cs[0].ID
		}()
		select {
		case other = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a write made while the large file was sent waited for it: the sending holds the write lock")
		}
	}
	big := bytes.Repeat([]byte("scan "), 2<<20/5)
	if _, err := s.Do(id, []Action{attach("scan.pdf", "", big)}, testNow); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("attached/%q: %d bytes", bigFileKey(id, "scan.pdf"), len(big)); len(r.sent) != 1 || r.sent[0] != want {
		t.Fatalf("sent ahead %v, want %s", r.sent, want)
	}
	if got, err := s.File(id, "scan.pdf"); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("the large file reads back %d bytes (%v), want %d", len(got), err, len(big))
	}
	if _, err := s.Get(other); other == "" || err != nil {
		t.Fatalf("the case added during the sending: %q %v", other, err)
	}
	// A large file whose write is refused (a revision that moved on) is
	// sent, then what was sent is dropped: the refused file is left on no
	// member.
	r.during, r.dropped = nil, 0
	late := attach("late.pdf", "", big)
	late.IfRevision = 1
	if _, err := s.Do(id, []Action{late}, testNow); err == nil {
		t.Fatal("an attach at a revision the case has left was taken")
	}
	if len(r.sent) != 2 || r.dropped != 1 {
		t.Fatalf("a refused attach: sent %v, dropped %d times, want it sent and dropped", r.sent, r.dropped)
	}
}

// With RIGHTSDESK_TEST_REPLICA set, every store the tests open (but Init's)
// is a replica of a recording cluster of its own path: each write goes
// through kv.Record and Replicator.Commit as on a team server on etcd, so
// that the whole suite shows what a replica does differently. The file is
// the only replica, so it is always caught up: the recorder takes every
// change at the revision the file has applied or later (a file written by
// several stores or processes), and catching up has nothing to do.
//
//	RIGHTSDESK_TEST_REPLICA=1 go test ./storage/
//
// RIGHTSDESK_TEST_REPLICA=etcd makes each a replica on a real etcd cluster
// instead (replica_etcd_test.go).
func init() {
	if v := os.Getenv("RIGHTSDESK_TEST_REPLICA"); v == "" || v == "etcd" {
		return
	}
	replicaForTests = func(path string) kv.Replicator {
		r, _ := recorders.LoadOrStore(path, &recordingCluster{})
		return r.(*recordingCluster)
	}
}

// recorders are the recording clusters by path.
var recorders sync.Map

// recordingCluster is a Replicator that takes every change of a file that
// is its only replica, and keeps how many it took.
type recordingCluster struct {
	mu      sync.Mutex
	head    int64
	changes int
}

func (c *recordingCluster) Commit(_ context.Context, at int64, ops []kv.Op) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(ops) == 0 {
		return 0, errors.New("a commit of no change")
	}
	c.head = max(c.head, at) + 1
	c.changes++
	return c.head, nil
}

func (c *recordingCluster) CatchUp(context.Context) error { return nil }

// TestSuiteRunsOnReplicas: under RIGHTSDESK_TEST_REPLICA, a store the
// tests open is a replica, and its writes reach the recording cluster.
func TestSuiteRunsOnReplicas(t *testing.T) {
	if replicaForTests == nil {
		t.Skip("RIGHTSDESK_TEST_REPLICA=1 (or =etcd) runs the suite on replicas")
	}
	s := newStore(t)
	if s.replica == nil {
		t.Fatal("a store opened by a test is not a replica")
	}
	addCase(t, s, "Zoé Lefèvre")
	rev, err := s.ReplicaRevision()
	r, recording := s.replica.(*recordingCluster)
	if !recording { // on etcd: the change is at a revision of the cluster's
		if err != nil || rev == 0 {
			t.Fatalf("replica at revision %d (%v)", rev, err)
		}
		return
	}
	if err != nil || r.changes == 0 || rev != r.head {
		t.Fatalf("cluster took %d changes, head %d; replica at %d (%v)", r.changes, r.head, rev, err)
	}
}

// TestReplicaPurgeErasesFromEveryReplica: a purge made through one server
// erases the case's personal data from both replicas' files, the other's
// too: applying the purge compacts its file, so that the erased bytes do
// not stay in its free pages.
func TestReplicaPurgeErasesFromEveryReplica(t *testing.T) {
	_, a, b, _, rb := twoReplicas(t)
	oldCase(t, a, "Aurélie Ancienne", time.Date(2022, 1, 3, 9, 0, 0, 0, time.UTC), "ANCIENTMARKER")
	if err := rb.follow(); err != nil {
		t.Fatal(err)
	}
	contains := func(s *Store) bool {
		raw, err := os.ReadFile(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Contains(raw, []byte("ANCIENTMARKER"))
	}
	if !contains(b) {
		t.Fatal("the other replica's file does not hold the case before the purge")
	}
	plan, err := a.Purge(func(string) (Retention, bool) { return Retention{CopiesMonths: 6, RecordYears: 3}, true },
		time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), "dpo", false)
	if err != nil || len(plan.Items) != 1 {
		t.Fatalf("purge: %+v %v", plan, err)
	}
	if err := rb.follow(); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, a, b)
	for _, s := range []*Store{a, b} {
		if contains(s) {
			t.Errorf("%s still holds the purged case's bytes", s.Path())
		}
	}
	// Both go on writing and following.
	addCase(t, b, "Zoé Lefèvre")
}
