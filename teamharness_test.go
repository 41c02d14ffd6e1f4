package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/etcdstore"
	"rightsdesk/server"
	"rightsdesk/storage"
)

// The command tests in both modes (TRUST.md, "Tests in team mode"):
// RIGHTSDESK_TEST_MODE=team go test . runs the same tests with every
// command that uses a database sent through an in-process team server on
// that database. The server is started at the first such command on a
// path and holds the file until the test ends; it runs on the clock the
// test's RIGHTSDESK_NOW names (set anew before each command) and sees the
// test's RIGHTSDESK_ACTOR as the caller's identity (each actor a member
// of the team, admin of every organisation, added through the server by
// the harness's own admin). The command itself runs as a client: with
// RIGHTSDESK_SOCKET and a configuration naming this process's uid as the
// service user, without --db, RIGHTSDESK_NOW or RIGHTSDESK_ACTOR, on an
// injected clock. init, demo and restore (which make or replace the file)
// run locally, with no server holding the file; a test of what only a
// local file can show says so with personalOnly.

// teamTests is set when the tests run in team mode;
// RIGHTSDESK_TEST_MODE=team-etcd runs them with the server's store on an
// etcd cluster (teamharness_etcd_test.go).
var (
	teamTests  = teamOnEtcd || os.Getenv("RIGHTSDESK_TEST_MODE") == "team"
	teamOnEtcd = os.Getenv("RIGHTSDESK_TEST_MODE") == "team-etcd"
)

// servedOnCluster, in a build that can start an etcd cluster (not -race),
// opens the store a team-etcd server serves for the database at path: the
// file copied into the cluster and kept there as a replica of it, the
// cluster, and the function that stops following and releases the file.
var servedOnCluster func(tb testing.TB, path string, opts storage.Options) (st *storage.Store, c *etcdstore.Cluster, release func(), err error)

// harnessServerName is the harness's servers' name on the cluster
// (serve's --etcd-name), which names their signing key.
const harnessServerName = "harness"

// fileStoreOnly skips t in team-etcd mode, saying why it needs the
// server's store to be the local file itself.
func fileStoreOnly(t testing.TB, why string) {
	t.Helper()
	if teamOnEtcd {
		t.Skip("a server on a local file only: " + why)
	}
}

// stopHarnessCluster stops the cluster of team-etcd mode, if one was
// started (TestMain, once the tests ran).
var stopHarnessCluster = func() {}

// personalOnly skips t in team mode, saying why it tests personal mode
// only.
func personalOnly(t testing.TB, why string) {
	t.Helper()
	if teamTests {
		t.Skip("personal mode only: " + why)
	}
}

// caseID is the ID of a test's case: in personal mode the database's nth
// (DSR-2026-000004), in team mode, where the server numbers cases per
// organisation, the organisation's perOrg-th (DSR-CRISP-2026-000003).
func caseID(org string, year, nth, perOrg int) string {
	if teamTests {
		return fmt.Sprintf("DSR-%s-%d-%06d", strings.ToUpper(org), year, perOrg)
	}
	return fmt.Sprintf("DSR-%d-%06d", year, nth)
}

// noConfig is a configuration path that never exists: the tests never read
// the host's /etc/rightsdesk/config.toml.
var noConfig = filepath.Join(os.TempDir(), "rightsdesk-tests-have-no-config", "config.toml")

// harnessAdmin is the account the harness adds the tests' actors as.
const harnessAdmin = "rightsdesk-harness"

// harnessClock is a team server's clock in the harness: the command's
// RIGHTSDESK_NOW, set before it runs.
type harnessClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *harnessClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *harnessClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// lockedBuffer is the server's log, written from its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// harnessServer is the in-process team server of one database. Each
// actor reaches it through a socket of their own, so that the identity
// the server finds on a connection is the actor's even when commands run
// at once.
type harnessServer struct {
	mu      sync.Mutex // guards sockets and members
	path    string
	st      *storage.Store
	release func() // releases the store's file
	srv     *server.Server
	dir     string // the sockets, the configuration and the clients' state
	config  string
	clock   *harnessClock
	log     lockedBuffer
	sockets map[string]string // actor -> socket
	peers   sync.Map          // socket -> server.Peer
	members map[string]bool
	served  sync.WaitGroup
}

var harness = struct {
	sync.Mutex
	servers map[string]*harnessServer
	uids    map[string]int
	// used counts, per top-level test, the commands run through a server
	// and those run locally.
	used map[string]*[2]int
	dirs map[string]string // database -> the folder of its servers and clients
}{servers: map[string]*harnessServer{}, uids: map[string]int{}, used: map[string]*[2]int{}, dirs: map[string]string{}}

// testActors are the RIGHTSDESK_ACTOR the command tests name.
var testActors = []string{"anna", "bob", "ben", "marc", "importer", "dpo-test"}

// harnessUID is the uid the harness gives an account name: made up, the
// same name always the same uid, never root's nor this process's.
func harnessUID(name string) (int, error) {
	harness.Lock()
	defer harness.Unlock()
	uid, ok := harness.uids[name]
	if !ok {
		uid = 70000 + len(harness.uids)
		harness.uids[name] = uid
	}
	return uid, nil
}

// serverFor is the server holding path, started for tb when there is none
// (its clock at now).
func serverFor(tb testing.TB, path string, now time.Time) (*harnessServer, error) {
	harness.Lock()
	h := harness.servers[path]
	harness.Unlock()
	if h != nil {
		return h, nil
	}
	h = &harnessServer{path: path, clock: &harnessClock{now: now}, sockets: map[string]string{}, members: map[string]bool{}}
	cfg := server.Config{Clock: h.clock, Admin: harnessAdmin, LookupUser: harnessUID,
		ServiceUID: os.Getuid(), Log: &h.log, Identify: h.identify, Digest: serveDigest, Exported: serveExported}
	opts := storage.Options{IDsPerOrganisation: true, Clock: h.clock}
	var err error
	if teamOnEtcd {
		if servedOnCluster == nil {
			tb.Fatal("RIGHTSDESK_TEST_MODE=team-etcd: this build starts no etcd cluster (built with -race)")
		}
		var c *etcdstore.Cluster
		if h.st, c, h.release, err = servedOnCluster(tb, path, opts); err != nil {
			return nil, err
		}
		cfg = clusterConfig(cfg, c)
	} else {
		h.st = storage.Open(path, opts)
		if err := h.st.Hold(); err != nil {
			return nil, err
		}
		h.release = func() { h.st.Close() }
	}
	cfg.Store = h.st
	if h.dir, err = harnessDir(tb, path); err != nil {
		h.close()
		return nil, err
	}
	h.config = filepath.Join(h.dir, "config.toml")
	config := fmt.Sprintf("service_user = %d\n", os.Getuid())
	if err := os.WriteFile(h.config, []byte(config), 0o600); err != nil {
		h.close()
		return nil, err
	}
	h.srv, err = server.New(cfg)
	if err != nil {
		h.close()
		return nil, err
	}
	members, err := h.st.Team()
	if err != nil {
		h.close()
		return nil, err
	}
	for _, m := range members {
		h.members[m.Name] = true
	}
	harness.Lock()
	harness.servers[path] = h
	harness.Unlock()
	tb.Cleanup(func() {
		stopServer(path)
		if tb.Failed() {
			if log := h.log.String(); log != "" {
				tb.Logf("the team server's log for %s:\n%s", filepath.Base(path), log)
			}
		}
	})
	if len(members) <= 1 { // a new team table: only the harness's admin
		// The actors the tests name are members from the start, so that
		// a test that compares the file before and after a refused
		// command sees no member added in between.
		me := osUserName(user.Current, user.Lookup, server.NSSName, func(string) string { return "" }, os.Getuid())
		for _, name := range append([]string{me}, testActors...) {
			if err := h.member(name); err != nil {
				stopServer(path)
				return nil, err
			}
		}
	}
	return h, nil
}

// identify is who is at the other end of a connection: the actor whose
// socket it came in on.
func (h *harnessServer) identify(conn net.Conn) (server.Peer, error) {
	if p, ok := h.peers.Load(conn.LocalAddr().String()); ok {
		return p.(server.Peer), nil
	}
	return server.Peer{}, fmt.Errorf("a connection on no actor's socket (%v)", conn.LocalAddr())
}

// socketOf is the socket the server answers actor on, made at its first
// command.
func (h *harnessServer) socketOf(actor string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.sockets[actor]; ok {
		return s, nil
	}
	uid, _ := harnessUID(actor)
	socket := filepath.Join(h.dir, strconv.Itoa(uid)) // the same for the same actor, server after server
	h.peers.Store(socket, server.Peer{UID: uid, Name: actor})
	l, err := server.Listen(socket)
	if err != nil {
		return "", err
	}
	h.served.Add(1)
	go func() {
		defer h.served.Done()
		_ = h.srv.Serve(l)
	}()
	h.sockets[actor] = socket
	return socket, nil
}

// stopServer stops the server holding path, if any, after the change in
// flight, and releases the file: a local command or a direct look at the
// file may follow, and the next command starts a server again.
func stopServer(path string) {
	harness.Lock()
	h := harness.servers[path]
	delete(harness.servers, path)
	harness.Unlock()
	if h == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = h.srv.Shutdown(ctx)
	h.served.Wait()
	h.close()
}

// close releases the file.
func (h *harnessServer) close() { h.release() }

// releaseDB lets a test look at its database file directly (storage.Open,
// a direct run): in team mode the server holding it stops first.
func releaseDB(path string) {
	if teamTests {
		stopServer(path)
	}
}

// member makes name a member of the team: admin of every organisation,
// added through the server by the harness's admin.
func (h *harnessServer) member(name string) error {
	h.mu.Lock()
	known := h.members[name] || name == harnessAdmin
	h.mu.Unlock()
	if known {
		return nil
	}
	socket, err := h.socketOf(harnessAdmin)
	if err != nil {
		return err
	}
	c, err := server.Dial(socket, server.DialOptions{ServiceUID: -1})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.SetMember(name, storage.RoleAdmin, nil, true); err != nil {
		return err
	}
	h.mu.Lock()
	h.members[name] = true
	h.mu.Unlock()
	return nil
}

// count records that a command of tb ran through a server (or locally).
func count(tb testing.TB, served bool) {
	name, _, _ := strings.Cut(tb.Name(), "/")
	harness.Lock()
	defer harness.Unlock()
	c := harness.used[name]
	if c == nil {
		c = new([2]int)
		harness.used[name] = c
	}
	if served {
		c[0]++
	} else {
		c[1]++
	}
}

// harnessSummary says, after a team-mode run, how many tests sent at least
// one command through a team server and which ran every command locally.
func harnessSummary(w io.Writer) {
	if !teamTests {
		return
	}
	harness.Lock()
	defer harness.Unlock()
	var served, local []string
	for name, c := range harness.used {
		if c[0] > 0 {
			served = append(served, name)
		} else {
			local = append(local, name)
		}
	}
	sort.Strings(local)
	fmt.Fprintf(w, "team mode: %d tests sent commands through a team server; %d ran only local commands (init, demo, restore, no database): %s\n",
		len(served), len(local), strings.Join(local, " "))
}

// runTeam runs one command line in team mode: through the server of its
// database when it uses one, else as in personal mode.
func runTeam(tb testing.TB, env map[string]string, args []string, personal func() (int, string, string)) (int, string, string) {
	getenv := func(k string) string { return env[k] }
	clock, err := clockFrom(testEnv(env))
	if err != nil {
		count(tb, false)
		return personal() // the refusal of a bad clock, as in personal mode
	}
	now := clock.Now()
	actor := strings.TrimSpace(env["RIGHTSDESK_ACTOR"])
	if actor == "" {
		actor = osUserName(user.Current, user.Lookup, server.NSSName, getenv, os.Getuid())
	}
	path, use := teamDatabase(args, getenv)
	switch use {
	case useLocal:
		count(tb, false)
		return personal()
	case useLocalThenServe:
		// A database made (or put back) locally is served at once, its
		// maker a member: what the test reads of the file next is what
		// the server made of it.
		count(tb, false)
		status, out, errOut := personal()
		if status == exitOK {
			if h, err := serverFor(tb, path, now); err == nil {
				if err := h.member(actor); err != nil {
					tb.Fatalf("team harness: making %s a member: %v", actor, err)
				}
			}
		}
		return status, out, errOut
	}
	h, err := serverFor(tb, path, now)
	if err != nil {
		// A file no server can hold (damaged, not a database, busy):
		// the command says so as it would locally.
		count(tb, false)
		return personal()
	}
	count(tb, true)
	h.clock.set(now)
	if err := h.member(actor); err != nil {
		tb.Fatalf("team harness: making %s a member: %v", actor, err)
	}
	socket, err := h.socketOf(actor)
	if err != nil {
		tb.Fatalf("team harness: a socket for %s: %v", actor, err)
	}
	clientEnv := func(k string) string {
		switch k {
		case "RIGHTSDESK_NOW", "RIGHTSDESK_ACTOR", "RIGHTSDESK_DB":
			return ""
		case "RIGHTSDESK_SOCKET":
			return socket
		case "RIGHTSDESK_CONFIG":
			return h.config
		case "XDG_STATE_HOME":
			if v := env[k]; v != "" {
				return v
			}
			return filepath.Join(h.dir, "state")
		}
		return env[k]
	}
	var out, errOut bytes.Buffer
	status := runWith(withoutDB(args), &out, &errOut, clientEnv, cases.FixedClock(now))
	return status, out.String(), errOut.String()
}

// harnessDir is the folder of the database at path's servers and
// clients: the actors' sockets, the configuration, the clients' state
// (their witness, the last checkpoints they verified). It is kept while
// the test runs, when a server stops and another starts on the file, so
// that the sockets keep their paths and a file rolled back in between
// shows to a client as it would to a real one. Short, under the system's
// temporary folder: a socket path has at most 108 bytes.
func harnessDir(tb testing.TB, path string) (string, error) {
	harness.Lock()
	defer harness.Unlock()
	if dir, ok := harness.dirs[path]; ok {
		return dir, nil
	}
	dir, err := os.MkdirTemp("", "rdh")
	if err != nil {
		return "", err
	}
	harness.dirs[path] = dir
	tb.Cleanup(func() {
		stopServer(path)
		harness.Lock()
		delete(harness.dirs, path)
		harness.Unlock()
		os.RemoveAll(dir)
	})
	return dir, nil
}

// How the harness runs a command line.
const (
	useServer         = iota // through the server of its database
	useLocal                 // as in personal mode: it uses no database, or one not there yet
	useLocalThenServe        // locally, and the database it made is served from then on
)

// teamDatabase is the database a command line uses and how the harness
// runs it: locally for a command that uses none, reads a packet offline,
// or names a path with nothing there yet; locally then served for one
// that makes the database (init, demo) or puts it back (restore), with
// the server of that path stopped first; else through the server.
func teamDatabase(args []string, getenv func(string) string) (string, int) {
	probe := &app{stdout: io.Discard, stderr: io.Discard, getenv: getenv, clock: cases.SystemClock{}}
	root := probe.newRoot()
	find := args
	if len(find) > 0 && find[0] == "__complete" {
		find = find[1:]
	}
	cmd, rest, err := root.Find(find)
	if err != nil || cmd.Flags().Lookup("db") == nil || cmd.Name() == "serve" {
		return "", useLocal
	}
	path := probe.dbPath(argValue(args, "db"))
	if createsDatabase[cmd.Name()] && args[0] != "__complete" {
		stopServer(path)
		return path, useLocalThenServe
	}
	if argValue(args, "demo") != "" || (cmd.Name() == "verify" && len(rest) == 1 && isPath(rest[0])) {
		return "", useLocal
	}
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return "", useLocal
	}
	return path, useServer
}

// argValue is the value of --name in a command line ("true" for a flag
// given without one), "" when it is not there.
func argValue(args []string, name string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case a == "--"+name:
			if name == "demo" {
				return "true"
			}
			if i+1 < len(args) {
				return args[i+1]
			}
		case strings.HasPrefix(a, "--"+name+"="):
			return strings.TrimPrefix(a, "--"+name+"=")
		}
	}
	return ""
}

// withoutDB is a command line without its --db: in team mode the database
// is the server's.
func withoutDB(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case a == "--db":
			i++
		case strings.HasPrefix(a, "--db="):
		default:
			out = append(out, a)
		}
	}
	return out
}

// TestTeamHarnessStripsOnlyTheDatabase: the harness's reading of a
// command line: --db goes (before or after the arguments, with = or not),
// everything after -- stays.
func TestTeamHarnessStripsOnlyTheDatabase(t *testing.T) {
	got := withoutDB([]string{"--db", "a.db", "tag", "X", "--db=b.db", "--json", "--", "--db", "c"})
	if want := []string{"tag", "X", "--json", "--", "--db", "c"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("withoutDB = %q, want %q", got, want)
	}
	if v := argValue([]string{"show", "X", "--db=x.db"}, "db"); v != "x.db" {
		t.Errorf("argValue = %q", v)
	}
	if v := argValue([]string{"tag", "X", "--", "--db", "x.db"}, "db"); v != "" {
		t.Errorf("argValue after -- = %q", v)
	}
	if uid, _ := harnessUID("someone"); uid == os.Getuid() || uid == 0 {
		t.Errorf("a made-up uid %d is a real one", uid)
	}
}
