//go:build !race

package etcdstore_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/etcdstore"
	"rightsdesk/internal/etcdtest"
	"rightsdesk/server"
	"rightsdesk/server/servertest"
	"rightsdesk/storage"
)

// serveReplica starts a team server named name on a replica of the
// deployment at prefix on cl, and returns its store, its socket and a
// client of it; all stop when the test ends. The first server of a new
// deployment gives the cluster its schema and the team table, peer() its
// first admin; the others load both.
func serveReplica(t testing.TB, cl *etcdtest.Cluster, prefix, name string, clock cases.Clock, peer func() server.Peer) (*storage.Store, string, *server.Client) {
	t.Helper()
	st, c := followingReplica(t, etcdstore.Config{Endpoints: cl.Endpoints(), Prefix: prefix, Server: name}, clock)
	socket, _ := servertest.StartServer(t, server.Config{Store: st, Clock: clock, Current: c.CatchUp}, peer)
	client, err := server.Dial(socket, server.DialOptions{ServiceUID: -1})
	if err != nil {
		t.Fatalf("%s: dial: %v", name, err)
	}
	t.Cleanup(func() { client.Close() })
	return st, socket, client
}

// followingReplica dials the deployment cfg names, opens a replica of it
// that follows the cluster, and returns the replica's store and its
// Cluster; following must not end before the test does, which then stops
// it and releases the file.
func followingReplica(t testing.TB, cfg etcdstore.Config, clock cases.Clock) (*storage.Store, *etcdstore.Cluster) {
	t.Helper()
	c, err := etcdstore.Dial(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	st, followed, stop, err := etcdstore.OpenReplica(context.Background(), t.TempDir()+"/cases.db",
		storage.Options{Clock: clock, IDsPerOrganisation: true}, c)
	if err != nil {
		t.Fatalf("%s: open the replica: %v", cfg.Server, err)
	}
	t.Cleanup(func() {
		select {
		case err := <-followed:
			t.Errorf("%s: following the cluster ended: %v", cfg.Server, err)
		default:
		}
		stop()
	})
	return st, c
}

// TestTwoServersOneCluster is issue 21's team in two places: two team
// servers, each with its own replica, on one three-member cluster. A case
// added through one is pushed to an app subscribed to the other (the
// issue's "within a second"), a note made through the other reaches the
// first, and both replicas hold the same timeline.
func TestTwoServersOneCluster(t *testing.T) {
	cl := etcdtest.Start(t, 3, nil)
	dave := server.Peer{UID: 51004, Name: "dave"}
	peer := func() server.Peer { return dave }
	clock := cases.SystemClock{}
	serve := func(name string) (*storage.Store, *server.Client) {
		st, _, client := serveReplica(t, cl, "rightsdesk/two/", name, clock, peer)
		return st, client
	}
	// The first server of a new team gives the cluster its schema and the
	// team table (dave its first admin); the second loads both.
	sa, a := serve("site-a")
	sb, b := serve("site-b")

	rules := crispRules(t)
	since, _, err := b.Changes(0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pushed, err := b.Subscribe(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	intake := cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Ada Example", Email: "ada@example.org"}, Channel: cases.Channel("email"), ReceivedAt: now.Add(-time.Hour)}
	added, err := a.Add(intake, rules, now, "")
	if err != nil {
		t.Fatalf("add through site-a: %v", err)
	}
	id := added[0].ID
	select {
	case counter, ok := <-pushed:
		if !ok {
			t.Fatal("site-b's change stream closed")
		}
		took := time.Since(now)
		t.Logf("a case added through site-a pushed by site-b in %v", took)
		if took > time.Second {
			t.Errorf("pushed after %v, issue 21 says within a second", took)
		}
		_, ids, err := b.Changes(since)
		if err != nil || !slices.Contains(ids, id) {
			t.Errorf("site-b's changes since %d (pushed %d): %v %v, want %s", since, counter, ids, err, id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("site-b pushed nothing within 5 s of a case added through site-a")
	}
	// A note through site-b, at the revision site-b read, reaches site-a.
	got, err := b.Get(id)
	if err != nil {
		t.Fatalf("site-b reads %s: %v", id, err)
	}
	note := storage.Action{Event: cases.Event{Kind: cases.EventNoted, Text: "called back"}, IfRevision: got.Revision}
	if _, err := b.Do(id, []storage.Action{note}, time.Now()); err != nil {
		t.Fatalf("note through site-b: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		seen, err := a.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if seen.Revision == got.Revision+1 {
			last := seen.Case.Events[len(seen.Case.Events)-1]
			if last.Kind != cases.EventNoted || last.Text != "called back" {
				t.Errorf("site-a's last event %v %q, want the note", last.Kind, last.Text)
			}
			if seen.Head == "" {
				t.Error("no chain head on site-a")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("site-a still at revision %d 5 s after site-b's note", seen.Revision)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Each server signed with a key of its own: one creation each, no
	// replacement (which would say a key was lost); both replicas check.
	f, err := sa.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	signers := map[string]int{}
	for _, ev := range f.Keys {
		signers[ev.Signer]++
		if ev.Kind != storage.KeyCreated {
			t.Errorf("key event %d: %s by %q (%s), want none but creations", ev.Seq, ev.Kind, ev.Signer, ev.Reason)
		}
	}
	if signers["site-a"] != 1 || signers["site-b"] != 1 {
		t.Errorf("key events by signer: %v, want one for each server", signers)
	}
	for _, st := range []*storage.Store{sa, sb} {
		if problems, err := st.Check(); err != nil || len(problems) > 0 {
			t.Errorf("check of a replica: %v %v", problems, err)
		}
	}
	// The same note again at the old revision is a conflict on either
	// server: the cluster serialised the first.
	if _, err := a.Do(id, []storage.Action{note}, time.Now()); err == nil {
		t.Error("a note at a revision that has moved on was taken through site-a")
	}
}

// TestAReplicaStartsAgainAfterAnErasure: a server stopped before an
// erasure (Erase compacts the history past the revision its replica
// applied) starts again: OpenReplica finds the history gone
// (etcdstore.ErrReload) and loads the replica again, rather than refusing
// to start until someone moves the file away. And stop returns once the
// caller has taken why following ended from the channel (serve does, then
// stops): it used to wait for that same value, for ever.
func TestAReplicaStartsAgainAfterAnErasure(t *testing.T) {
	cl := etcdtest.Start(t, 3, nil)
	cfg := func(name string) etcdstore.Config {
		return etcdstore.Config{Endpoints: cl.Endpoints(), Prefix: "rightsdesk/again/", Server: name, WAL: etcdstore.WAL(etcdtest.QuickWAL)}
	}
	ca, err := etcdstore.Dial(cfg("site-a"))
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	path := t.TempDir() + "/cases.db"
	open := func(ctx context.Context) (*storage.Store, <-chan error, func()) {
		t.Helper()
		c, err := etcdstore.Dial(cfg("site-b"))
		if err != nil {
			t.Fatal(err)
		}
		st, followed, stop, err := etcdstore.OpenReplica(ctx, path, storage.Options{IDsPerOrganisation: true}, c)
		if err != nil {
			c.Close()
			t.Fatalf("site-b: open the replica: %v", err)
		}
		return st, followed, func() { stop(); c.Close() }
	}
	st, _, stop := open(t.Context())
	before, err := st.ReplicaRevision()
	if err != nil || before == 0 {
		t.Fatalf("site-b's replica at revision %d: %v", before, err)
	}
	stop()
	if err := ca.Erase(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	st, followed, stopAgain := open(ctx)
	if rev, err := st.ReplicaRevision(); err != nil || rev <= before {
		t.Fatalf("site-b started again at revision %d (%v), want past %d, the erasure's", rev, err, before)
	}
	if _, err := os.Stat(path + ".reload"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the replica moved aside for the reload is still there: %v", err)
	}
	cancel()
	select {
	case <-followed:
	case <-time.After(10 * time.Second):
		t.Fatal("following did not end with its context")
	}
	// A reload the process did not live to finish (killed with the
	// replica moved aside and a load cut short in its place): the next
	// start puts the replica back and goes on, and nothing is left aside.
	defer func() {
		if err := os.Rename(path, path+".reload"); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("a load cut short"), 0o600); err != nil {
			t.Fatal(err)
		}
		st, _, stop := open(t.Context())
		defer stop()
		if rev, err := st.ReplicaRevision(); err != nil || rev <= before {
			t.Fatalf("site-b after a reload cut short: revision %d (%v), want past %d", rev, err, before)
		}
		if _, err := os.Stat(path + ".reload"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the replica moved aside by a reload cut short is still there: %v", err)
		}
	}()
	stopped := make(chan struct{})
	go func() { stopAgain(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("stop waits for ever once why following ended was taken")
	}
}

// TestAQuorumLostThroughAServer is issue 21's quorum lost, as a member of
// the team meets it: with two of three members gone, a note through the
// team server is refused within 5 s as the store unavailable (exit 3 at
// the command line), never as a refusal or a conflict; reads are refused
// as well once the server has not confirmed its replica current for 3 s
// (server's current.go); once a member is back, the same note is taken
// and the case read.
func TestAQuorumLostThroughAServer(t *testing.T) {
	cl := etcdtest.Start(t, 3, nil)
	dave := server.Peer{UID: 51004, Name: "dave"}
	_, _, a := serveReplica(t, cl, "rightsdesk/quorum/", "site-a", cases.SystemClock{}, func() server.Peer { return dave })
	now := time.Now()
	added, err := a.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Ada Example", Email: "ada@example.org"}, Channel: cases.Channel("email"),
		ReceivedAt: now.Add(-time.Hour)}, crispRules(t), now, "")
	if err != nil {
		t.Fatal(err)
	}
	id := added[0].ID
	note := storage.Action{Event: cases.Event{Kind: cases.EventNoted, Text: "called back"}, IfRevision: storage.NoRevision}
	cl.Kill(1)
	cl.Kill(2)
	start := time.Now()
	_, err = a.Do(id, []storage.Action{note}, time.Now())
	took := time.Since(start)
	var refused *cases.Refused
	var conflict *storage.Conflict
	if !errors.Is(err, storage.ErrUnavailable) || errors.As(err, &refused) || errors.As(err, &conflict) {
		t.Fatalf("a note without a quorum: %v, want the store unavailable", err)
	}
	if took > 5*time.Second {
		t.Fatalf("a note without a quorum refused after %v, want within 5 s", took)
	}
	t.Logf("a note without a quorum refused after %v: %v", took.Round(time.Millisecond), err)
	// Reads too, once the server has not confirmed its replica for 3 s:
	// another server's change could be missing from it.
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		_, err := a.Get(id)
		if errors.Is(err, storage.ErrUnavailable) {
			t.Logf("a read without a quorum refused %v after the note was: %v", time.Since(start).Round(100*time.Millisecond), err)
			break
		}
		if err != nil || time.Since(start) > 10*time.Second {
			t.Fatalf("a read without a quorum, %v after the refused note: %v, want the store unavailable within about 5 s", time.Since(start), err)
		}
	}
	cl.Restart(1)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := a.Do(id, []storage.Action{note}, time.Now())
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a note once a member is back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got, err := a.Get(id); err != nil || got.Case.ID != id {
		t.Fatalf("a read once a member is back: %v", err)
	}
	cl.WaitReady(1)
	cl.Restart(2)
	cl.WaitReady(2)
}
