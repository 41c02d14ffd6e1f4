package server_test

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rightsdesk/server"
	"rightsdesk/storage"
)

// TestDialChecksWhoServes: a client checks the socket's owner and the
// peer's uid against the service's; nothing at the socket is Unreachable.
func TestDialChecksWhoServes(t *testing.T) {
	e := newEnv(t)
	sock := e.socketOf(dave)
	me := os.Getuid()
	if c, err := server.Dial(sock, server.DialOptions{ServiceUID: me}); err != nil {
		t.Errorf("the service's own socket: %v", err)
	} else {
		c.Close()
	}
	if me != 0 {
		_, err := server.Dial(sock, server.DialOptions{ServiceUID: me + 1})
		var untrusted *server.Untrusted
		if !errors.As(err, &untrusted) || !strings.Contains(err.Error(), "owned by uid") {
			t.Errorf("a socket of another uid: %v", err)
		}
	}
	var unreachable *server.Unreachable
	if _, err := server.Dial(filepath.Join(filepath.Dir(sock), "nothing"), server.DialOptions{ServiceUID: -1}); !errors.As(err, &unreachable) {
		t.Errorf("no socket: %v", err)
	}
	// A socket file nobody listens on.
	dead := filepath.Join(filepath.Dir(sock), "dead")
	l, err := net.Listen("unix", dead)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := server.Dial(dead, server.DialOptions{ServiceUID: -1}); !errors.As(err, &unreachable) {
		t.Errorf("a socket nobody listens on: %v", err)
	}
}

// TestListen: the socket is made 0660; a file that is not a socket is
// refused; a stale socket is replaced; one a server answers on is not.
func TestListen(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "rd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "s")
	l, err := server.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Lstat(path)
	if err != nil || info.Mode()&fs.ModeSocket == 0 || info.Mode().Perm() != 0o660 {
		t.Errorf("the socket: %v %v", info.Mode(), err)
	}
	if _, err := server.Listen(path); err == nil || !strings.Contains(err.Error(), "another server") {
		t.Errorf("a second server on the same socket: %v", err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	l, err = server.Listen(path)
	if err != nil {
		t.Fatalf("a stale socket: %v", err)
	}
	l.Close()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Listen(plain); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("a regular file: %v", err)
	}
	if b, _ := os.ReadFile(plain); string(b) != "x" {
		t.Errorf("the regular file was changed")
	}
}

// TestWitnessCatchesARollback: a client keeps the checkpoints it verified;
// a server whose database was put back to an older copy is refused, with
// the rollback named.
func TestWitnessCatchesARollback(t *testing.T) {
	e, state, older := grownAfterACopy(t)
	e.dialWith(dave, server.DialOptions{ServiceUID: -1, StateDir: state}) // verifies and keeps the grown log
	files, _ := filepath.Glob(filepath.Join(state, "witness-*.json"))
	if len(files) != 1 {
		t.Fatalf("witness files: %v", files)
	}
	if info, err := os.Stat(files[0]); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the witness file: %v %v", info.Mode(), err)
	}
	if info, err := os.Stat(state); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("the state folder: %v %v", info.Mode(), err)
	}

	rollBack(t, e, older)
	_, err := server.Dial(e.socketOf(dave), server.DialOptions{ServiceUID: -1, StateDir: state})
	var witness *server.WitnessError
	if !errors.As(err, &witness) || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("dial after the rollback: %v", err)
	}
}

// TestWitnessKeepsTheClientsOwnWrites: a client that wrote keeps, when it
// closes, the checkpoints its own write made, so that a rollback that
// takes away only its own write is refused on its next connection (it
// was seen only by the clients that read after that write).
func TestWitnessKeepsTheClientsOwnWrites(t *testing.T) {
	e := newEnv(t)
	id := e.add("crisp", "Will W")
	state := filepath.Join(t.TempDir(), "state")
	older := filepath.Join(t.TempDir(), "older.db")
	if _, err := e.st.Backup(older, ""); err != nil {
		t.Fatal(err)
	}
	c := e.dialWith(dave, server.DialOptions{ServiceUID: -1, StateDir: state})
	if _, err := c.Do(id, note("mine, after the copy"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	rollBack(t, e, older)
	_, err := server.Dial(e.socketOf(dave), server.DialOptions{ServiceUID: -1, StateDir: state})
	var witness *server.WitnessError
	if !errors.As(err, &witness) || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("dial after a rollback of the client's own write: %v", err)
	}
}

// rollBack stops e's server, puts the older copy in place and serves it
// again at dave's socket.
func rollBack(t *testing.T, e *env, older string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(older)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.st.Path(), b, 0o600); err != nil {
		t.Fatal(err)
	}
	st := storage.Open(e.st.Path(), storage.Options{Clock: e.clock})
	again := &env{t: t, st: st, clock: e.clock, who: dave, bySocket: map[string]server.Peer{}}
	again.start(server.Config{})
	again.serveAt(e.socketOf(dave), dave) // the socket the client knows
}

// TestIdentifyPeerReadsTheKernelsWord: the default identity of a
// connection is the uid SO_PEERCRED gives and its account name.
func TestIdentifyPeerReadsTheKernelsWord(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "rd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	l, err := server.Listen(filepath.Join(dir, "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err := net.Dial("unix", filepath.Join(dir, "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p, err := server.IdentifyPeer(conn)
	if err != nil {
		t.Fatal(err)
	}
	want, err := server.UserName(os.Getuid())
	if err != nil {
		t.Fatal(err)
	}
	if p.UID != os.Getuid() || p.Name != want || want == "" {
		t.Errorf("identified %+v, want uid %d %q", p, os.Getuid(), want)
	}
	if uid, err := server.UserID(want); err != nil || uid != os.Getuid() {
		t.Errorf("UserID(%q) = %d, %v", want, uid, err)
	}
}

// TestWitnessTakesARestoreItIsTold: a backup put back with restore (a
// chained restored event) is not a silent rollback: the client takes the
// new state and tells the user, once; the next connection is quiet.
func TestWitnessTakesARestoreItIsTold(t *testing.T) {
	e, state, older := grownAfterACopy(t)
	e.dialWith(dave, server.DialOptions{ServiceUID: -1, StateDir: state}) // keeps the grown log

	if _, err := e.st.Restore(older, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	var told []string
	notice := func(s string) { told = append(told, s) }
	if _, err := server.Dial(e.socketOf(dave), server.DialOptions{ServiceUID: -1, StateDir: state, Notice: notice}); err != nil {
		t.Fatalf("dial after a restore: %v", err)
	}
	if len(told) != 1 || !strings.Contains(told[0], "restored from a backup") {
		t.Fatalf("the user is told %q, want the restore said once", told)
	}
	told = nil
	if _, err := server.Dial(e.socketOf(dave), server.DialOptions{ServiceUID: -1, StateDir: state, Notice: notice}); err != nil || len(told) != 0 {
		t.Fatalf("the next dial: %v, told %q", err, told)
	}
}

// grownAfterACopy is a served database copied (older), then grown by a
// note through a client that keeps its witness in state.
func grownAfterACopy(t *testing.T) (e *env, state, older string) {
	t.Helper()
	e = newEnv(t)
	id := e.add("crisp", "Will W")
	state = filepath.Join(t.TempDir(), "state")
	older = filepath.Join(t.TempDir(), "older.db")
	if _, err := e.st.Backup(older, ""); err != nil {
		t.Fatal(err)
	}
	first := e.dialWith(dave, server.DialOptions{ServiceUID: -1, StateDir: state})
	if _, err := first.Do(id, note("after the copy"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	return e, state, older
}
