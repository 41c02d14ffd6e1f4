//go:build !race

package etcdstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/etcdkv"
	"rightsdesk/etcdstore"
	"rightsdesk/internal/etcdtest"
	"rightsdesk/storage"
	"rightsdesk/storage/kv"
	"rightsdesk/storage/kv/kvtest"
)

// TestLeaderProcessKilled is issue 21's "a member killed with SIGKILL
// while 4 clients make 250 changes each: nothing acknowledged lost,
// revisions exact", on a cluster whose members are processes of their own:
// half way, the leader's process is sent SIGKILL. Each writer notes its
// own case through one of two team servers' replicas; a note whose outcome
// the store could not confirm is looked up once the cluster answers again,
// and made again only if it is not there. Afterwards, with the killed
// member back: every case holds its writer's 250 notes once each, in the
// order made, at revisions one apart; every acknowledged note is at the
// revision it was acknowledged with on both replicas and on a replica
// loaded from the member that was killed; the three members hold the same
// keys, values and revisions; the replicas' files hold the same data.
func TestLeaderProcessKilled(t *testing.T) {
	const writers, notes = 4, 250
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cl := etcdtest.StartProcesses(t, 3, nil)
	const prefix = "rightsdesk/sigkill/"
	a := openReplica(t, cl.Endpoints(), prefix, "site-a")
	b := openReplica(t, cl.Endpoints(), prefix, "site-b")
	ids := addCases(t, a.st, writers)
	b.catchUp(t, ctx)

	run := &sigkillRun{cl: cl, half: writers * notes / 2, killed: -1, halfWay: make(chan struct{}), kill: make(chan struct{})}
	go run.killLeaderHalfWay(t)
	start := time.Now()
	var wg sync.WaitGroup
	out := make([]noteLog, writers)
	errs := make(chan error, writers)
	for w := range writers {
		r := []*sigkillReplica{a, b}[w%2]
		wg.Go(func() {
			if err := run.writeNotes(ctx, r, ids[w], w, notes, &out[w]); err != nil {
				errs <- fmt.Errorf("writer %d on %s: %w", w, r.name, err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	<-run.kill
	if run.killed < 0 {
		t.Fatal("no member was killed: the test proved nothing")
	}
	run.report(t, out, elapsed)

	cl.Restart(run.killed)
	cl.WaitReady(run.killed)
	back := openReplica(t, []string{cl.Endpoints()[run.killed]}, prefix, "from-killed")
	for _, r := range []*sigkillReplica{a, b, back} {
		r.catchUp(t, ctx)
		checkNotes(t, r, ids, out)
	}
	if da, db, dk := a.dump(t), b.dump(t), back.dump(t); da != db || da != dk {
		t.Errorf("the replicas' files differ\nsite-a:\n%s\nsite-b:\n%s\nloaded from the killed member:\n%s", da, db, dk)
	}
	checkMembersEqual(t, ctx, cl, prefix)
}

// sigkillReplica is one team server's replica of the cluster's store.
type sigkillReplica struct {
	name string
	st   *storage.Store
	c    *etcdstore.Cluster
}

func openReplica(t *testing.T, endpoints []string, prefix, name string) *sigkillReplica {
	t.Helper()
	st, c := followingReplica(t, etcdstore.Config{Endpoints: endpoints, Prefix: prefix, Server: name, Timeout: time.Second}, cases.SystemClock{})
	return &sigkillReplica{name: name, st: st, c: c}
}

// catchUp waits until the replica holds every change the cluster
// acknowledged, for as long as the cluster does not answer (a quorum
// being elected), up to a minute.
func (r *sigkillReplica) catchUp(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := settle(ctx, r); err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
}

func settle(ctx context.Context, r *sigkillReplica) error {
	deadline := time.Now().Add(time.Minute)
	for {
		one, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := r.c.CatchUp(one)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("catch up with the cluster: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *sigkillReplica) dump(t *testing.T) string {
	t.Helper()
	var out string
	err := r.st.ReadFile(func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) (err error) {
			out, err = kvtest.Dump(kv.Wrap(tx))
			return err
		})
	})
	if err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
	return out
}

// addCases adds n cases, one for each writer.
func addCases(t *testing.T, st *storage.Store, n int) []string {
	t.Helper()
	rules := crispRules(t)
	var ids []string
	now := time.Now()
	for w := range n {
		intake := cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
			Subject:    cases.Subject{Name: fmt.Sprintf("Writer %d", w), Email: fmt.Sprintf("writer%d@example.org", w)},
			Channel:    cases.Channel("email"),
			ReceivedAt: now.Add(-time.Hour)}
		added, err := st.Add(intake, rules, now, fmt.Sprintf("writer%d", w))
		if err != nil {
			t.Fatalf("add case %d: %v", w, err)
		}
		ids = append(ids, added[0].ID)
	}
	return ids
}

// noteLog is what one writer knows of its notes: the revision each
// acknowledged one was given (0: not acknowledged, its outcome found
// afterwards), how many of its writes failed, and how many of those had
// been made after all.
type noteLog struct {
	revs         []int
	failures     int
	kinds        map[string]int // failureKind's
	madeAfterAll int            // failed writes whose note was found on the case
	// first is the case's revision before the writer's first note.
	first int
	// ackedAfterKill are the instants (since the kill) of the acknowledgements
	// of writes started after the kill.
	ackedAfterKill []time.Duration
	// lastFailure is how long after the kill the last write failed for
	// the cluster not answering (not for other writers' changes).
	lastFailure time.Duration
}

// sigkillRun is the state of the run the writers share: how many notes
// were acknowledged, and the kill made half way.
type sigkillRun struct {
	cl   *etcdtest.Cluster
	half int

	mu      sync.Mutex
	made    int
	halfWay chan struct{} // closed when half the notes are made
	// killed is the member killed, killedAt when its process was gone;
	// kill is closed then.
	killed   int
	killedAt time.Time
	kill     chan struct{}
}

// ackOne counts an acknowledged note.
func (run *sigkillRun) ackOne() {
	run.mu.Lock()
	run.made++
	now := run.made == run.half
	run.mu.Unlock()
	if now {
		close(run.halfWay)
	}
}

// killLeaderHalfWay sends SIGKILL to the leader's process once half the
// notes are acknowledged, the leader found by the members' own status.
func (run *sigkillRun) killLeaderHalfWay(t *testing.T) {
	defer close(run.kill)
	<-run.halfWay
	leader := -1
	for deadline := time.Now().Add(10 * time.Second); leader < 0 && time.Now().Before(deadline); {
		if leader = run.cl.Leader(); leader < 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if leader < 0 {
		t.Error("no member said it was the leader half way")
		return
	}
	pid := run.cl.ProcessID(leader)
	run.cl.Kill(leader)
	run.mu.Lock()
	run.killed, run.killedAt = leader, time.Now()
	run.mu.Unlock()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("member %s's process %d after SIGKILL: %v, want it gone", run.cl.Members[leader].Name, pid, err)
	}
}

// sinceKill is how long after the kill t is, and false before the kill.
func (run *sigkillRun) sinceKill(t time.Time) (time.Duration, bool) {
	run.mu.Lock()
	defer run.mu.Unlock()
	if run.killedAt.IsZero() || t.Before(run.killedAt) {
		return 0, false
	}
	return t.Sub(run.killedAt), true
}

// writeNotes makes writer w's notes on its case id, one after the other,
// each at the revision the writer read.
func (run *sigkillRun) writeNotes(ctx context.Context, r *sigkillReplica, id string, w, notes int, out *noteLog) error {
	for n := range notes {
		text := noteText(w, n)
		for {
			l, err := r.st.Get(id)
			if err != nil {
				return err
			}
			if n == 0 && out.first == 0 {
				out.first = l.Revision
			}
			started := time.Now()
			res, err := r.st.Do(id, []storage.Action{{Event: cases.Event{Kind: cases.EventNoted, Text: text, Actor: fmt.Sprintf("writer%d", w)}, IfRevision: l.Revision}}, started)
			if err == nil {
				out.revs = append(out.revs, res[0].Revision)
				if _, after := run.sinceKill(started); after {
					d, _ := run.sinceKill(time.Now())
					out.ackedAfterKill = append(out.ackedAfterKill, d)
				}
				run.ackOne()
				break
			}
			made, err := run.failed(ctx, r, id, text, err, out)
			if err != nil {
				return fmt.Errorf("note %d: %w", n, err)
			}
			if made {
				out.revs = append(out.revs, 0)
				break
			}
		}
	}
	return nil
}

// failed handles a note's failed write: one whose outcome the store could
// not confirm (ErrUnavailable), or refused for a revision that moved, which
// only the writer's own note, made after all, can have moved. Once the
// replica has caught up with the cluster, the case says whether the note
// was made.
func (run *sigkillRun) failed(ctx context.Context, r *sigkillReplica, id, text string, err error, out *noteLog) (made bool, _ error) {
	var conflict *storage.Conflict
	if !errors.Is(err, storage.ErrUnavailable) && !errors.As(err, &conflict) {
		return false, err
	}
	out.failures++
	kind := failureKind(err)
	if out.kinds == nil {
		out.kinds = map[string]int{}
	}
	out.kinds[kind]++
	if d, after := run.sinceKill(time.Now()); after && kind != "kept changing" {
		out.lastFailure = max(out.lastFailure, d)
	}
	if err := settle(ctx, r); err != nil {
		return false, err
	}
	l, err := r.st.Get(id)
	if err != nil {
		return false, err
	}
	events := l.Case.Events
	if last := events[len(events)-1]; last.Kind == cases.EventNoted && last.Text == text {
		out.madeAfterAll++
		return true, nil
	}
	if conflict != nil {
		return false, fmt.Errorf("a conflict on the writer's own case, which does not hold its note: %v", conflict)
	}
	return false, nil
}

// failureKind names what a failed write met, for the report: the store's
// words for it (replica.go).
func failureKind(err error) string {
	var se *storage.StoreError
	switch {
	case errors.As(err, &se) && strings.Contains(se.Detail, "may or may not"):
		return "outcome unknown"
	case errors.As(err, &se) && strings.Contains(se.Detail, "newer change at each"):
		return "kept changing"
	case errors.As(err, &se) && strings.Contains(se.Detail, "catching up"):
		return "no catching up"
	case errors.As(err, new(*storage.Conflict)):
		return "case moved"
	}
	return "other"
}

func noteText(w, n int) string { return fmt.Sprintf("w%d-%03d", w, n) }

func (run *sigkillRun) report(t *testing.T, out []noteLog, elapsed time.Duration) {
	t.Helper()
	total, failures, made := 0, 0, 0
	kinds := map[string]int{}
	var firstAck, lastFailure time.Duration = -1, 0
	for _, o := range out {
		total += len(o.revs)
		failures += o.failures
		made += o.madeAfterAll
		for k, n := range o.kinds {
			kinds[k] += n
		}
		lastFailure = max(lastFailure, o.lastFailure)
		for _, d := range o.ackedAfterKill {
			if firstAck < 0 || d < firstAck {
				firstAck = d
			}
		}
	}
	t.Logf("%d writers on 2 replicas, %d notes with the leader (%s) killed by SIGKILL half way: %v, %.0f notes/s",
		len(out), total, run.cl.Members[run.killed].Name, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	t.Logf("after the kill: first note acknowledged after %v, last write failed for the cluster after %v; %d writes failed in all %v, %d of them made after all",
		firstAck.Round(time.Millisecond), lastFailure.Round(time.Millisecond), failures, kinds, made)
}

// checkNotes: each case holds its writer's notes once each, in the order
// made, each one revision after the one before; an acknowledged note is at
// the revision it was acknowledged with.
func checkNotes(t *testing.T, r *sigkillReplica, ids []string, out []noteLog) {
	t.Helper()
	for w, id := range ids {
		l, err := r.st.Get(id)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		var texts []string
		for _, ev := range l.Case.Events {
			if ev.Kind == cases.EventNoted {
				texts = append(texts, ev.Text)
			}
		}
		var want []string
		for n := range out[w].revs {
			want = append(want, noteText(w, n))
		}
		if !slices.Equal(texts, want) {
			t.Errorf("%s: writer %d's case holds notes %v, want %v", r.name, w, texts, want)
			continue
		}
		if l.Revision != out[w].first+len(want) {
			t.Errorf("%s: writer %d's case at revision %d after %d notes from revision %d", r.name, w, l.Revision, len(want), out[w].first)
		}
		for n, rev := range out[w].revs {
			if rev != 0 && rev != out[w].first+n+1 {
				t.Errorf("%s: writer %d's note %d acknowledged at revision %d, its place makes it %d", r.name, w, n, rev, out[w].first+n+1)
			}
		}
	}
}

// checkMembersEqual: every member, asked alone, holds the same keys under
// prefix with the same values and revisions, at one revision of the
// cluster. A member answers a range from its own database (a linearizable
// read is confirmed with the leader, then read locally).
func checkMembersEqual(t *testing.T, ctx context.Context, cl *etcdtest.Cluster, prefix string) {
	t.Helper()
	var at int64
	var first []etcdkv.KeyValue
	answered := map[uint64]bool{}
	for i, endpoint := range cl.Endpoints() {
		c, err := etcdkv.New(etcdkv.Config{Endpoints: []string{endpoint}, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Range(ctx, etcdkv.RangeRequest{Key: prefix, Prefix: true, Revision: at})
		c.Close()
		if err != nil {
			t.Fatalf("member %s: %v", cl.Members[i].Name, err)
		}
		answered[resp.Header.MemberID] = true
		if i == 0 {
			at, first = resp.Header.Revision, resp.KVs
			if len(first) == 0 {
				t.Fatal("no key under the prefix: the comparison would prove nothing")
			}
			continue
		}
		if !slices.EqualFunc(first, resp.KVs, func(x, y etcdkv.KeyValue) bool {
			return x.Key == y.Key && string(x.Value) == string(y.Value) && x.ModRevision == y.ModRevision &&
				x.CreateRevision == y.CreateRevision && x.Version == y.Version
		}) {
			t.Errorf("member %s's keys at revision %d differ from member %s's (%d keys, %d)",
				cl.Members[i].Name, at, cl.Members[0].Name, len(resp.KVs), len(first))
		}
	}
	if len(answered) != len(cl.Members) {
		t.Errorf("%d members answered for %d endpoints: the comparison did not reach each member", len(answered), len(cl.Members))
	}
}
