package server_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/server"
	"rightsdesk/server/servertest"
	"rightsdesk/storage"
)

// TestConnectionsPerAccountAreCapped: past the cap, a further connection
// of the same account is refused; another account's is not.
func TestConnectionsPerAccountAreCapped(t *testing.T) {
	e := newEnvWith(t, server.Config{MaxConnsPerUID: 2})
	whoami := func(socket string) (net.Conn, int) {
		conn, err := net.Dial("unix", socket)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(conn, "GET /v1/whoami HTTP/1.1\r\nHost: rightsdesk\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return conn, resp.StatusCode
	}
	for i := range 2 {
		conn, status := whoami(e.socketOf(alice))
		defer conn.Close()
		if status != http.StatusOK {
			t.Fatalf("alice's connection %d: %d", i+1, status)
		}
	}
	conn, status := whoami(e.socketOf(alice))
	conn.Close()
	if status != http.StatusForbidden {
		t.Errorf("alice's third connection: %d, want 403", status)
	}
	conn, status = whoami(e.socketOf(bob))
	conn.Close()
	if status != http.StatusOK {
		t.Errorf("bob's first connection: %d", status)
	}
}

// TestRequestSizeIsLimited: a body above MaxRequestBytes is refused with
// one line, and nothing is written.
func TestRequestSizeIsLimited(t *testing.T) {
	e := newEnvWith(t, server.Config{MaxRequestBytes: 64 << 10})
	id := e.add("crisp", "Lea L")
	a := e.dial(alice)
	big := []storage.Action{{Event: cases.Event{Kind: cases.EventAttached, Attachment: &cases.Attachment{Name: "big.csv", Kind: cases.AttachmentDataCopy, Category: "orders"}},
		IfRevision: storage.NoRevision, Content: bytes.Repeat([]byte("x"), 100<<10)}}
	_, err := a.Do(id, big, time.Time{})
	var bad *server.BadRequest
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), "larger than the server accepts") {
		t.Errorf("a big body: %v", err)
	}
	if l, _ := e.st.Get(id); l.Revision != 1 {
		t.Errorf("the case changed: revision %d", l.Revision)
	}
	// Within the limit, the store's own limit speaks as it does locally.
	if _, err := a.Do(id, note("small"), time.Time{}); err != nil {
		t.Errorf("a small body: %v", err)
	}
}

// TestStartServesAFreshTestDatabase: servertest.Start on a database made
// as init --test makes the peer the first admin, holds the store, and
// shuts down at the end; who calls changes between commands.
func TestStartServesAFreshTestDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	if err := storage.Init(path, false, ""); err != nil {
		t.Fatal(err)
	}
	st := storage.Open(path, storage.Options{})
	if err := st.MarkTest([]byte(servertest.InitTestSeed)); err != nil {
		t.Fatal(err)
	}
	who := dave
	socket := servertest.Start(t, st, cases.FixedClock(start), func() server.Peer { return who })
	if len(socket) > 100 {
		t.Errorf("the socket path is %d bytes long", len(socket))
	}
	if !st.Held() {
		t.Error("the store is not held")
	}
	c, err := server.Dial(socket, server.DialOptions{ServiceUID: -1})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Whoami()
	if err != nil || m.Name != "dave" || m.Role != storage.RoleAdmin || !m.All {
		t.Errorf("the first member: %+v %v", m, err)
	}
	c.Close()
	who = eve
	_, err = server.Dial(socket, server.DialOptions{ServiceUID: -1})
	var forbidden *server.Forbidden
	if !errors.As(err, &forbidden) {
		t.Errorf("eve: %v", err)
	}
}

// TestBackupIsStreamed: the backup's bytes come over the socket and are
// a database with the cases; a member of some organisations backs up only
// one of theirs.
func TestBackupIsStreamed(t *testing.T) {
	e := newEnv(t)
	id := e.add("crisp", "Bo B")
	var buf bytes.Buffer
	if err := e.dial(dave).Backup(&buf, ""); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(dest, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	copied := storage.Open(dest, storage.Options{})
	if l, err := copied.Get(id); err != nil || l.Case.Subject.Name != "Bo B" {
		t.Errorf("the backup's case: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(e.st.Path()), ".backup-*"))
	if len(leftovers) > 0 {
		t.Errorf("left beside the database: %v", leftovers)
	}
	dave2 := server.Peer{UID: 51008, Name: "dora"}
	extra := map[string]int{"dora": dave2.UID}
	lookupExtra.Store(&extra)
	if _, err := e.dial(dave).SetMember("dora", storage.RoleAdmin, []string{"crisp"}, false); err != nil {
		t.Fatal(err)
	}
	var forbidden *server.Forbidden
	if err := e.dial(dave2).Backup(io.Discard, ""); !errors.As(err, &forbidden) {
		t.Errorf("a crisp admin backs up everything: %v", err)
	}
	if err := e.dial(dave2).Backup(io.Discard, "closeq"); !errors.As(err, &forbidden) {
		t.Errorf("a crisp admin backs up closeq: %v", err)
	}
}

// TestStreamResumesAndNeverBlocks: a stream resumes from a counter
// (Last-Event-ID or since) with what changed meanwhile; a subscriber that
// reads nothing never holds a commit back.
func TestStreamResumesAndNeverBlocks(t *testing.T) {
	e := newEnv(t)
	id := e.add("crisp", "Rosa R")
	since, _, _ := e.st.Changes(0)
	a := e.dial(alice)
	for range 3 {
		if _, err := a.Do(id, note("meanwhile"), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	now, _, _ := e.st.Changes(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := e.dial(carol).Subscribe(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-stream:
		if n != now {
			t.Errorf("resumed at %d: first event %d, want %d", since, n, now)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing arrived on resuming")
	}
	// A subscriber that never reads: commits go on at their pace.
	conn, err := net.Dial("unix", e.socketOf(carol))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /v1/changes?since=%d HTTP/1.1\r\nHost: rightsdesk\r\nAccept: text/event-stream\r\n\r\n", now)
	began := time.Now()
	for range 50 {
		if _, err := a.Do(id, note("while one does not read"), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("50 changes with a subscriber that does not read: %v", time.Since(began))
}

// TestReportedOrigin: the origin a client reports is recorded on what it
// records.
func TestReportedOrigin(t *testing.T) {
	e := newEnv(t)
	id := e.add("crisp", "Ola O")
	a := e.dialWith(alice, server.DialOptions{ServiceUID: -1, ReportedOrigin: "192.0.2.7 51234 22"})
	if _, err := a.Do(id, note("from afar"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	l, _ := e.st.Get(id)
	if ev := l.Case.Events[len(l.Case.Events)-1]; ev.ReportedOrigin != "192.0.2.7 51234 22" {
		t.Errorf("reported origin %q", ev.ReportedOrigin)
	}
}

// TestATeamChangeEndsTheStreams: a stream is admitted when it starts, so a
// change of the team table ends every stream; a member removed cannot
// subscribe again.
func TestATeamChangeEndsTheStreams(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := e.dial(bob)
	stream, err := b.Subscribe(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.dial(dave).RemoveMember("bob"); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-stream:
		case <-deadline:
			t.Fatal("bob's stream is still open after his removal")
		}
	}
	var forbidden *server.Forbidden
	if _, err := b.Subscribe(ctx, 0); !errors.As(err, &forbidden) {
		t.Errorf("bob subscribes again: %v", err)
	}
}

// TestShutdownAfterTheChangesInFlight: changes under way when the server
// is shut down are answered; every one acknowledged is stored; the ones
// after are Unreachable.
func TestShutdownAfterTheChangesInFlight(t *testing.T) {
	e := newEnv(t)
	id := e.add("crisp", "Fay F")
	a := e.dial(alice)
	acked := make(chan string, 1000)
	done := make(chan error, 1)
	go func() {
		defer close(acked)
		for i := 0; ; i++ {
			text := fmt.Sprintf("change %d", i)
			if _, err := a.Do(id, note(text), time.Time{}); err != nil {
				done <- err
				return
			}
			acked <- text
		}
	}()
	time.Sleep(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	err := <-done
	var unreachable *server.Unreachable
	if !errors.As(err, &unreachable) {
		t.Errorf("a change after shutdown: %v, want Unreachable", err)
	}
	l, err := e.st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, ev := range l.Case.Events {
		stored[ev.Text] = true
	}
	n := 0
	for text := range acked {
		n++
		if !stored[text] {
			t.Errorf("acknowledged %q is lost", text)
		}
	}
	if n == 0 {
		t.Error("no change was acknowledged before the shutdown")
	}
}
