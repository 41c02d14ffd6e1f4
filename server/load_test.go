package server_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/server"
	"rightsdesk/storage"
)

// TestManyClientsAtOnce: 8 clients, each of its own account, make 250
// changes each at once: notes with the revision they read on a few shared
// cases, and new requests. Every change the server acknowledged is in the
// database; every conflict is a *storage.Conflict naming who changed the
// case.
func TestManyClientsAtOnce(t *testing.T) {
	perClient := 250
	if testing.Short() {
		perClient = 60
	}
	e := newEnv(t)
	shared := []string{e.add("crisp", "Shared One"), e.add("crisp", "Shared Two"), e.add("callrix", "Shared Three")}
	var peers []server.Peer
	for i := range 8 {
		p := server.Peer{UID: 52000 + i, Name: fmt.Sprintf("dpo%d", i)}
		peers = append(peers, p)
	}
	admin := e.dial(dave)
	extra := map[string]int{}
	for _, p := range peers {
		extra[p.Name] = p.UID
	}
	lookupExtra.Store(&extra)
	for _, p := range peers {
		if _, err := admin.SetMember(p.Name, storage.RoleHandler, nil, true); err != nil {
			t.Fatal(err)
		}
	}
	type ack struct {
		id, text string
	}
	var (
		mu        sync.Mutex
		acked     []ack
		added     []string
		conflicts int
	)
	var wg sync.WaitGroup
	for n, p := range peers {
		c := e.dial(p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				if i%4 == 3 {
					created, err := c.Add(intake("crisp", fmt.Sprintf("Client %d request %d", n, i)), rulesOf(t, "crisp"), time.Time{}, "")
					if err != nil {
						t.Errorf("%s add: %v", p.Name, err)
						return
					}
					mu.Lock()
					added = append(added, created[0].ID)
					mu.Unlock()
					continue
				}
				id := shared[i%len(shared)]
				l, err := c.Get(id)
				if err != nil {
					t.Errorf("%s get: %v", p.Name, err)
					return
				}
				text := fmt.Sprintf("%s change %d", p.Name, i)
				_, err = c.Do(id, []storage.Action{{Event: cases.Event{Kind: cases.EventNoted, Text: text}, IfRevision: l.Revision}}, time.Time{})
				var conflict *storage.Conflict
				switch {
				case errors.As(err, &conflict):
					if conflict.ID != id || !strings.HasPrefix(conflict.UpdatedBy, "dpo") || conflict.Revision <= l.Revision {
						t.Errorf("a conflict that does not name who: %+v", conflict)
					}
					mu.Lock()
					conflicts++
					mu.Unlock()
				case err != nil:
					t.Errorf("%s note: %v", p.Name, err)
					return
				default:
					mu.Lock()
					acked = append(acked, ack{id, text})
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	notes := map[string][]string{}
	for _, id := range shared {
		l, err := e.st.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range l.Case.Events {
			if ev.Kind == cases.EventNoted {
				notes[id] = append(notes[id], ev.Text)
				if !strings.HasPrefix(ev.Text, ev.Actor+" ") {
					t.Errorf("%q recorded as %s", ev.Text, ev.Actor)
				}
			}
		}
	}
	for _, a := range acked {
		if !slices.Contains(notes[a.id], a.text) {
			t.Errorf("acknowledged %q on %s is lost", a.text, a.id)
		}
	}
	total := 0
	for _, n := range notes {
		total += len(n)
	}
	if total != len(acked) {
		t.Errorf("%d notes stored, %d acknowledged", total, len(acked))
	}
	for _, id := range added {
		if _, err := e.st.Get(id); err != nil {
			t.Errorf("acknowledged case %s: %v", id, err)
		}
	}
	t.Logf("%d notes acknowledged, %d conflicts, %d cases added", len(acked), conflicts, len(added))
	if problems, err := e.st.Check(); err != nil || len(problems) > 0 {
		t.Errorf("check: %v %v", problems, err)
	}
}

// TestAChangeReachesASubscriber: a change one client makes reaches
// another's change stream; a change outside a subscriber's organisations
// does not; the stream closes when the server goes away.
func TestAChangeReachesASubscriber(t *testing.T) {
	e := newEnv(t)
	crisp := e.add("crisp", "Sam S")
	closeq := e.add("closeq", "Cleo C")
	_, since, err := e.st.Queue(e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	carolStream, err := e.dial(carol).Subscribe(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	bobStream, err := e.dial(bob).Subscribe(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	a := e.dial(alice)
	_, err = a.Do(crisp, note("for carol"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	afterAlice, _, _ := e.st.Changes(0)
	select {
	case n := <-carolStream:
		if n != afterAlice {
			t.Errorf("carol's stream says %d, want %d", n, afterAlice)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("alice's change did not reach carol's stream")
	}
	if _, err := e.dial(bob).Do(closeq, note("for bob"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	afterBob, _, _ := e.st.Changes(0)
	select {
	case n := <-bobStream:
		if n != afterBob {
			t.Errorf("bob's stream first says %d (alice's crisp change is %d), want his own %d", n, afterAlice, afterBob)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("bob's change did not reach his stream")
	}
	// The server goes away: the stream closes.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := e.srv.Shutdown(ctx2); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-carolStream:
		case <-deadline:
			t.Fatal("the stream stayed open after the server shut down")
		}
	}
	var unreachable *server.Unreachable
	if _, err := a.Get(crisp); !errors.As(err, &unreachable) {
		t.Errorf("a request after shutdown: %v, want Unreachable", err)
	}
}

// BenchmarkChangeReachesSubscriber: from a client sending a change to its
// counter arriving on another client's stream (what a colleague waits
// for); after-ack-µs is the part after the writer's answer.
func BenchmarkChangeReachesSubscriber(b *testing.B) {
	e := newEnv(b)
	ids := e.cases(benchCases)
	since, _, _ := e.st.Changes(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := e.dial(carol).Subscribe(ctx, since)
	if err != nil {
		b.Fatal(err)
	}
	a := e.dial(alice)
	var afterAck time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := a.Do(ids[i%len(ids)], note("n"), time.Time{}); err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
		select {
		case <-stream:
		case <-time.After(10 * time.Second):
			b.Fatal("the change did not arrive")
		}
		afterAck += time.Since(acked)
	}
	b.ReportMetric(float64(afterAck.Microseconds())/float64(b.N), "after-ack-µs")
}

// BenchmarkDurableChangeThroughServer: one note through the server
// (request, scope, the store's transaction with its fsync, answer), next to
// a bare bbolt put with fsync on the same file system in the same run.
func BenchmarkDurableChangeThroughServer(b *testing.B) {
	b.Run("bbolt-put", func(b *testing.B) {
		db, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		value := make([]byte, 512)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			err := db.Update(func(tx *bolt.Tx) error {
				bk, err := tx.CreateBucketIfNotExists([]byte("b"))
				if err != nil {
					return err
				}
				return bk.Put([]byte(fmt.Sprintf("%016d", i)), value)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("server-note", func(b *testing.B) {
		e := newEnv(b)
		ids := e.cases(benchCases)
		a := e.dial(alice)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := a.Do(ids[i%len(ids)], note("n"), time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("local-note", func(b *testing.B) {
		e := newEnv(b)
		ids := e.cases(benchCases)
		v := e.st.As(storage.Caller{Actor: "alice"})
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := v.Do(ids[i%len(ids)], note("n"), e.clock.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchCases is how many cases a change benchmark spreads its changes
// over, so that a case's timeline stays as long as a real one's, whatever
// b.N is.
const benchCases = 200

// cases adds n crisp cases and returns their IDs.
func (e *env) cases(n int) []string {
	var requests [][]*cases.Case
	rules := rulesOf(e.t, "crisp")
	for i := range n {
		cs, err := cases.NewCases(intake("crisp", fmt.Sprintf("Subject %d", i)), rules, e.clock.Now(), "dave")
		if err != nil {
			e.t.Fatal(err)
		}
		requests = append(requests, cs)
	}
	res, err := e.st.As(storage.Caller{Actor: "dave"}).Import(requests, e.clock.Now(), "dave")
	if err != nil {
		e.t.Fatal(err)
	}
	return res.IDs
}
