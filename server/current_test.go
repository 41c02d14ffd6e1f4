package server_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rightsdesk/server"
	"rightsdesk/storage"
)

// TestNotCurrentRefusesReadsToo: a server whose store is a replica of a
// cluster refuses every request, reads too, with the store unavailable
// (exit 3) and one line saying why, once it has not confirmed for 3 s that
// its replica is current (Config.Current: no quorum); an app's change
// stream ends at once then; requests are taken again, and a stream can be
// made again, once Current says yes again.
func TestNotCurrentRefusesReadsToo(t *testing.T) {
	var fail atomic.Pointer[error]
	e := newEnvWith(t, server.Config{Current: func(context.Context) error {
		if err := fail.Load(); err != nil {
			return *err
		}
		return nil
	}})
	c := e.dial(dave)
	if _, err := c.Whoami(); err != nil {
		t.Fatalf("a read while current: %v", err)
	}
	changes, err := c.Subscribe(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	noQuorum := errors.New("etcdserver: no leader")
	fail.Store(&noQuorum)
	lost := time.Now()
	deadline := lost.Add(10 * time.Second)
	for {
		_, err := c.Whoami()
		if err != nil {
			if !errors.Is(err, storage.ErrUnavailable) || strings.Contains(err.Error(), "\n") ||
				!strings.Contains(err.Error(), "changes made through other servers could be missing") ||
				!strings.Contains(err.Error(), "etcdserver: no leader") {
				t.Fatalf("a read without the cluster: %v, want the store unavailable, in one line, saying why", err)
			}
			t.Logf("refused %v after the cluster stopped answering: %v", time.Since(lost).Round(100*time.Millisecond), err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("reads still answered 10 s after the cluster stopped answering")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Within 3 s of the last confirmation (up to 1 s before the failure),
	// the replica is taken as current.
	if took := time.Since(lost); took < 2*time.Second {
		t.Errorf("refused %v after the cluster stopped answering, want 2 to 4 s", took)
	}
	select {
	case _, ok := <-changes:
		for ok {
			_, ok = <-changes
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the change stream did not end once the replica was not current")
	}
	if _, err := c.Subscribe(context.Background(), 0); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("a subscription without the cluster: %v, want the store unavailable", err)
	}
	fail.Store(nil)
	deadline = time.Now().Add(5 * time.Second)
	for {
		if _, err := c.Whoami(); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("reads still refused 5 s after the cluster answered again: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := c.Subscribe(context.Background(), 0); err != nil {
		t.Fatalf("a subscription once current again: %v", err)
	}
}
