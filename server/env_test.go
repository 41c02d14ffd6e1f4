package server_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/server"
	"rightsdesk/server/servertest"
	"rightsdesk/storage"
)

// The team of these tests: no real accounts, the identity is injected.
var (
	dave  = server.Peer{UID: 51004, Name: "dave"}  // admin, every organisation
	alice = server.Peer{UID: 51001, Name: "alice"} // handler for callrix and crisp
	bob   = server.Peer{UID: 51002, Name: "bob"}   // handler for closeq
	carol = server.Peer{UID: 51003, Name: "carol"} // viewer, every organisation
	erin  = server.Peer{UID: 51005, Name: "erin"}  // approver, every organisation
	eve   = server.Peer{UID: 51006, Name: "eve"}   // not in the team
)

// start is the server's clock in these tests.
var start = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// testClock is a clock a test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// env is a test database served in-process, with the team above.
type env struct {
	t      testing.TB
	st     *storage.Store
	clock  *testClock
	socket string
	srv    *server.Server

	mu       sync.Mutex
	who      server.Peer
	bySocket map[string]server.Peer
}

func (e *env) peer() server.Peer {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.who
}

func newEnv(t testing.TB) *env {
	return newEnvWith(t, server.Config{})
}

func newEnvWith(t testing.TB, cfg server.Config) *env {
	t.Helper()
	e := &env{t: t, clock: &testClock{now: start}, who: dave, bySocket: map[string]server.Peer{}}
	e.st = servertest.NewStore(t, filepath.Join(t.TempDir(), "cases.db"), storage.Options{Clock: e.clock})
	e.start(cfg)
	admin := e.dial(dave)
	for _, m := range []storage.Member{
		{UID: alice.UID, Name: alice.Name, Role: storage.RoleHandler, Organisations: []string{"callrix", "crisp"}},
		{UID: bob.UID, Name: bob.Name, Role: storage.RoleHandler, Organisations: []string{"closeq"}},
		{UID: carol.UID, Name: carol.Name, Role: storage.RoleViewer, All: true},
		{UID: erin.UID, Name: erin.Name, Role: storage.RoleApprover, All: true},
	} {
		admin.setMember(t, m)
	}
	admin.Close()
	return e
}

// start serves e.st.
func (e *env) start(cfg server.Config) {
	e.t.Helper()
	cfg.Store, cfg.Clock = e.st, e.clock
	cfg.LookupUser = lookup
	// Each peer of these tests has a socket of its own, so that clients of
	// several peers can run at once: a connection is who its socket says.
	cfg.Identify = func(conn net.Conn) (server.Peer, error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		if p, ok := e.bySocket[conn.LocalAddr().String()]; ok {
			return p, nil
		}
		return e.who, nil
	}
	e.socket, e.srv = servertest.StartServer(e.t, cfg, e.peer)
}

// serveAt serves on one more socket, at path, as p's.
func (e *env) serveAt(path string, p server.Peer) {
	e.t.Helper()
	l, err := server.Listen(path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	e.bySocket[path] = p
	e.mu.Unlock()
	go e.srv.Serve(l)
}

// lookupExtra are more names a test adds to the team's.
var lookupExtra atomic.Pointer[map[string]int]

// lookup resolves the test team's names (no real accounts).
func lookup(name string) (int, error) {
	if extra := lookupExtra.Load(); extra != nil {
		if uid, ok := (*extra)[name]; ok {
			return uid, nil
		}
	}
	for _, p := range []server.Peer{dave, alice, bob, carol, erin, eve} {
		if p.Name == name {
			return p.UID, nil
		}
	}
	return server.UserID(name)
}

// socketOf is p's own socket on the test server.
func (e *env) socketOf(p server.Peer) string {
	e.t.Helper()
	path := filepath.Join(filepath.Dir(e.socket), p.Name)
	e.mu.Lock()
	_, ok := e.bySocket[path]
	e.mu.Unlock()
	if !ok {
		e.serveAt(path, p)
	}
	return path
}

// dial connects as p: every connection the client opens is p's.
func (e *env) dial(p server.Peer) *client {
	e.t.Helper()
	return e.dialWith(p, server.DialOptions{ServiceUID: -1})
}

func (e *env) dialWith(p server.Peer, o server.DialOptions) *client {
	e.t.Helper()
	c, err := server.Dial(e.socketOf(p), o)
	if err != nil {
		e.t.Fatalf("dial as %s: %v", p.Name, err)
	}
	e.t.Cleanup(func() { c.Close() })
	return &client{Client: c, e: e, p: p}
}

// client is a Client whose calls are made as its peer: the env's identity
// is set before each call, since a connection is identified when it opens.
type client struct {
	*server.Client
	e *env
	p server.Peer
}

func (c *client) setMember(t testing.TB, m storage.Member) {
	t.Helper()
	if _, err := c.SetMember(m.Name, m.Role, m.Organisations, m.All); err != nil {
		t.Fatalf("team set %s: %v", m.Name, err)
	}
}

// rulesOf are an organisation's rules from the embedded registers.
func rulesOf(t testing.TB, org string) cases.Rules {
	t.Helper()
	rs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	_, rules, err := rs.RulesFor(org, "")
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// intake is a request to org from a subject.
func intake(org, subject string) cases.Intake {
	return cases.Intake{Controller: org, Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: subject, Email: "someone@example.org"}, Channel: cases.Channel("email"),
		ReceivedAt: start.Add(-24 * time.Hour)}
}

// add records a request to org through the local store, and returns its
// case ID.
func (e *env) add(org, subject string) string {
	e.t.Helper()
	created, err := e.st.As(storage.Caller{Actor: "dave"}).Add(intake(org, subject), rulesOf(e.t, org), e.clock.Now(), "dave")
	if err != nil {
		e.t.Fatalf("add: %v", err)
	}
	return created[0].ID
}

// raw sends one request on socket and returns the status and the body as
// they came.
func raw(t testing.TB, socket, method, path, body string) (int, []byte) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", socket)
	}}}
	defer hc.CloseIdleConnections()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://rightsdesk"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// syncBuffer is a log the server writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
