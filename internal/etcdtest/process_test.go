//go:build !race

package etcdtest

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	RunMemberIfAsked()
	os.Exit(m.Run())
}

// A cluster of member processes, with TLS: one leader, found by status;
// Kill leaves no process behind and the two others elect a leader among
// themselves; the killed member restarts on its data and is ready; Stop
// ends a member's process by SIGTERM, which the member takes as a stop,
// not a failure (its process exits 0).
func TestProcesses(t *testing.T) {
	cl := StartProcesses(t, 3, NewTLS(t))
	leader := cl.Leader()
	if leader < 0 {
		t.Fatal("no member is the leader once all are ready")
	}
	pid := cl.ProcessID(leader)
	if pid == 0 || pid == os.Getpid() {
		t.Fatalf("member %s's process ID %d: not a process of its own", cl.Members[leader].Name, pid)
	}
	cl.Kill(leader)
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("member %s's process after Kill: %v, want it gone", cl.Members[leader].Name, err)
	}
	next := -1
	for deadline := time.Now().Add(10 * time.Second); next < 0; time.Sleep(20 * time.Millisecond) {
		if next = cl.Leader(); next < 0 && time.Now().After(deadline) {
			t.Fatal("no leader 10 s after the leader was killed")
		}
	}
	if next == leader {
		t.Fatalf("member %s, killed, is the leader", cl.Members[leader].Name)
	}
	cl.Restart(leader)
	cl.WaitReady(leader)
	if cl.ProcessID(leader) == pid {
		t.Fatal("the restarted member has the killed one's process ID")
	}
	p := cl.Members[next].proc
	cl.Stop(next)
	if p.err != nil {
		t.Fatalf("member %s stopped by SIGTERM: %v (log: %s.stderr)", cl.Members[next].Name, p.err, cl.Members[next].LogFile)
	}
}
