package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// Config is what a Server is made from.
type Config struct {
	// Store is the database, held (Store.Hold) by whoever runs the server
	// for the server's whole life.
	Store *storage.Store
	// Clock is the server's own clock: every write is recorded at its time,
	// never at a time a client says (default the system clock).
	Clock cases.Clock
	// Identify says who is at the other end of a connection; it is called
	// once per connection (default IdentifyPeer: SO_PEERCRED and NSS).
	Identify func(net.Conn) (Peer, error)
	// LookupUser resolves an account name to its uid for team edits and
	// the first admin (default UserID, through NSS).
	LookupUser func(name string) (int, error)
	// Admin is the account made the first admin (of every organisation)
	// of a team table that has no member yet (`serve --admin USER`).
	Admin string
	// Shared are accounts used by several people: they may never be
	// members, since their uid names no one.
	Shared []string
	// ServiceUID is the uid the server runs as: refused as a member, like
	// uid 0 (0 or -1: none but root).
	ServiceUID int
	// Log receives one line per refusal and per fault; nothing personal
	// (default io.Discard).
	Log io.Writer
	// MaxConnsPerUID caps the open connections of one uid (default 32).
	MaxConnsPerUID int
	// MaxRequestBytes caps a request's body (default: room for the largest
	// attachment the store accepts, base64-encoded, and 1 MiB more).
	MaxRequestBytes int64
	// ReadHeaderTimeout bounds the wait for a request's headers (default
	// 10 s).
	ReadHeaderTimeout time.Duration
	// FlushReadsEvery is how often the reads logged since the last write
	// are written when no write came to carry them (storage batches them
	// into the next write transaction): a read stays in memory at most that
	// long, and costs one fsync per period, not one per read (default 5 s).
	FlushReadsEvery time.Duration
	// Erase, for a store kept on a cluster (serve --store), removes what a
	// purge deleted from the cluster's history and from every member's
	// database (etcdstore's Erase); it runs after every real purge, so
	// that a purge run again after a failed erase erases.
	Erase func(ctx context.Context) error
	// ErasureProblems, for a store kept on a cluster, checks on every
	// member that the latest purge was erased (etcdstore's
	// ErasureProblems); check adds what it finds to the store's problems.
	ErasureProblems func(ctx context.Context) ([]storage.Problem, error)
	// Current, for a store kept on a cluster, returns once the store
	// holds every change the cluster has acknowledged (etcdstore's
	// CatchUp), or fails; the server asks it every second and refuses
	// every request while it has not answered for 3 s (current.go).
	Current func(ctx context.Context) error
	// Digest builds, through the caller's view of the cases (svc), the
	// files a seal asks for (a packet or a case record, as the command
	// line builds them) and returns what the seal names and the SHA-256
	// it signs: the server seals only files it built itself, never a
	// digest a client sends (GET /v1/cases/{id}/seal). Nil: no seals.
	Digest func(svc storage.Service, id string, req SealRequest) (subject, digest string, err error)
	// Exported rebuilds, through the caller's view, the packet an
	// exported event a client records names (its letter and date), sealed
	// with seal, and returns the event as the server built it: a client
	// records only the checksum, draft state and gaps of a packet the
	// server builds too, never figures of its own. Nil: exported events
	// are refused.
	Exported func(svc storage.Service, id string, ev cases.Event, seal func(subject, digest string) (string, error)) (cases.Event, error)
}

// SealRequest names the files to seal: What is "packet" (with Letter and
// Date, as export takes them) or "record".
type SealRequest struct {
	What, Letter, Date string
}

// Server is the team server (TRUST.md): the one process that holds the
// database, serving the command line and the app over a Unix socket.
type Server struct {
	cfg   Config
	store *storage.Store
	http  *http.Server
	mux   *http.ServeMux
	hub   *hub

	logMu sync.Mutex

	teamMu sync.RWMutex
	team   map[int]storage.Member

	connMu sync.Mutex
	perUID map[int]int
	conns  map[net.Conn]*connection

	current currency
}

// connection is one client connection: who it is, found once, at its
// first request.
type connection struct {
	conn    net.Conn
	once    sync.Once
	peer    Peer
	err     error
	counted bool
	over    bool
}

type connKey struct{}

// New makes a server for cfg.Store. A store whose team table is empty gets
// its first admin, cfg.Admin, here.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if cfg.Clock == nil {
		cfg.Clock = cases.SystemClock{}
	}
	if cfg.Identify == nil {
		cfg.Identify = IdentifyPeer
	}
	if cfg.LookupUser == nil {
		cfg.LookupUser = UserID
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.MaxConnsPerUID <= 0 {
		cfg.MaxConnsPerUID = 32
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = cfg.Store.MaxFileSize()/3*4 + 4 + 1<<20
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = 10 * time.Second
	}
	if cfg.FlushReadsEvery <= 0 {
		cfg.FlushReadsEvery = 5 * time.Second
	}
	s := &Server{cfg: cfg, store: cfg.Store, mux: http.NewServeMux(), hub: newHub(),
		perUID: map[int]int{}, conns: map[net.Conn]*connection{}}
	s.current.confirmed, s.current.lost = time.Now(), make(chan struct{})
	if err := s.loadTeam(); err != nil {
		return nil, err
	}
	if err := s.firstAdmin(); err != nil {
		return nil, err
	}
	s.routes()
	s.store.OnCommit(s.hub.publish)
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(logLines{s}, "", 0),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			cs := &connection{conn: c}
			s.connMu.Lock()
			s.conns[c] = cs
			s.connMu.Unlock()
			return context.WithValue(ctx, connKey{}, cs)
		},
		ConnState: func(c net.Conn, state http.ConnState) {
			if state == http.StateClosed || state == http.StateHijacked {
				s.forget(c)
			}
		},
	}
	s.http.RegisterOnShutdown(s.hub.close)
	return s, nil
}

// Serve answers on l until Shutdown; it returns http.ErrServerClosed then.
func (s *Server) Serve(l net.Listener) error {
	done := make(chan struct{})
	defer close(done)
	go every(done, s.cfg.FlushReadsEvery, s.flushReads)
	if s.cfg.Current != nil {
		go every(done, confirmEvery, s.confirm)
	}
	return s.http.Serve(l)
}

// every calls fn every period until done.
func every(done <-chan struct{}, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			fn()
		}
	}
}

// flushReads writes the pending read log.
func (s *Server) flushReads() {
	if err := s.store.FlushReads(); err != nil {
		s.logf("the read log could not be written: %v", err)
	}
}

// Shutdown stops taking connections, ends the change streams, and returns
// once the requests in flight (a change being committed among them) have
// been answered, or ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// logf writes one line to the server's log.
func (s *Server) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	line = strings.ReplaceAll(line, "\n", " ")
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.Log, "%s rightsdesk serve: %s\n", s.cfg.Clock.Now().UTC().Format(time.RFC3339), line)
}

// logLines is the server's log as net/http's error log.
type logLines struct{ s *Server }

func (l logLines) Write(p []byte) (int, error) {
	l.s.logf("%s", strings.TrimSpace(string(p)))
	return len(p), nil
}

// loadTeam reads the team table into memory: the server is the only one
// who changes it, so it reads it again only after its own edits.
func (s *Server) loadTeam() error {
	members, err := s.store.Team()
	if err != nil {
		return fmt.Errorf("the team table: %w", err)
	}
	team := make(map[int]storage.Member, len(members))
	for _, m := range members {
		team[m.UID] = m
	}
	s.teamMu.Lock()
	s.team = team
	s.teamMu.Unlock()
	return nil
}

func (s *Server) member(uid int) (storage.Member, bool) {
	s.teamMu.RLock()
	defer s.teamMu.RUnlock()
	m, ok := s.team[uid]
	return m, ok
}

// firstAdmin gives an empty team table its first admin, of every
// organisation.
func (s *Server) firstAdmin() error {
	s.teamMu.RLock()
	empty := len(s.team) == 0
	s.teamMu.RUnlock()
	if !empty {
		return nil
	}
	if s.cfg.Admin == "" {
		return errors.New("the team table is empty: name its first admin (serve --admin USER)")
	}
	uid, err := s.cfg.LookupUser(s.cfg.Admin)
	if err != nil {
		return fmt.Errorf("the first admin: %w", err)
	}
	if err := s.mayBeMember(uid, s.cfg.Admin); err != nil {
		return fmt.Errorf("the first admin: %w", err)
	}
	m := storage.Member{UID: uid, Name: s.cfg.Admin, Role: storage.RoleAdmin, All: true}
	if _, err := s.store.SetMember(m, storage.SeedActor, s.cfg.Clock.Now()); err != nil {
		return fmt.Errorf("the first admin: %w", err)
	}
	s.logf("team table started: uid %d is its first admin", uid)
	return s.loadTeam()
}

// mayBeMember refuses the accounts that name no one person: root, the
// service's own, and those the configuration lists as shared.
func (s *Server) mayBeMember(uid int, name string) error {
	switch {
	case uid == 0:
		return &Forbidden{Reason: "root cannot be a member of the team"}
	case s.cfg.ServiceUID >= 0 && uid == s.cfg.ServiceUID && s.cfg.ServiceUID != 0:
		return &Forbidden{Reason: fmt.Sprintf("%s is the service's own account: it cannot be a member of the team", cases.Printable(name))}
	case slices.Contains(s.cfg.Shared, name):
		return &Forbidden{Reason: fmt.Sprintf("%s is a shared account: it names no one person, so it cannot be a member", cases.Printable(name))}
	}
	return nil
}

// forget drops a closed connection's count.
func (s *Server) forget(c net.Conn) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	cs, ok := s.conns[c]
	if !ok {
		return
	}
	delete(s.conns, c)
	if cs.counted {
		s.perUID[cs.peer.UID]--
		if s.perUID[cs.peer.UID] <= 0 {
			delete(s.perUID, cs.peer.UID)
		}
	}
}

// identify finds who is at the other end of the request's connection, once
// per connection, and counts the connection against its uid's cap.
func (s *Server) identify(r *http.Request) (Peer, error) {
	cs, _ := r.Context().Value(connKey{}).(*connection)
	if cs == nil {
		return Peer{}, errors.New("a request with no connection")
	}
	cs.once.Do(func() {
		cs.peer, cs.err = s.cfg.Identify(cs.conn)
		if cs.err != nil {
			return
		}
		s.connMu.Lock()
		if _, open := s.conns[cs.conn]; open {
			cs.counted = true
			s.perUID[cs.peer.UID]++
			cs.over = s.perUID[cs.peer.UID] > s.cfg.MaxConnsPerUID
		}
		s.connMu.Unlock()
	})
	if cs.err != nil {
		return Peer{}, cs.err
	}
	if cs.over {
		return cs.peer, errTooManyConnections
	}
	return cs.peer, nil
}

var errTooManyConnections = errors.New("too many connections from this account")

// ServeHTTP answers one request: identity, then the route, each request
// guarded so that a panic or a memory fault answers 500 and is logged,
// never ends the server.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logf("fault answering %s %s: %T", r.Method, r.URL.Path, v)
			writeError(w, &remoteError{message: "the server met an internal fault answering this request (logged)"})
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// call is one request being answered, for a route's handler.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	member storage.Member
	svc    storage.Service // the caller's view of the store, scoped
	now    time.Time
}

// A handler answers one call; an error it returns is sent as the error
// object (nothing must have been written yet).
type handler func(c *call) error

// handle registers a route for members of at least role.
func (s *Server) handle(pattern string, role storage.Role, h handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c, err := s.admit(w, r, role)
		if err == nil {
			err = s.notCurrent()
		}
		if err != nil {
			writeError(w, err)
			return
		}
		if err := h(c); err != nil {
			writeError(w, err)
		}
	})
}

// admit identifies the caller and checks the team table and role.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, role storage.Role) (*call, error) {
	peer, err := s.identify(r)
	switch {
	case errors.Is(err, errTooManyConnections):
		s.logf("refused uid %d: more than %d connections", peer.UID, s.cfg.MaxConnsPerUID)
		w.Header().Set("Connection", "close")
		return nil, &Forbidden{Reason: fmt.Sprintf("too many connections from this account (at most %d)", s.cfg.MaxConnsPerUID)}
	case err != nil:
		s.logf("refused a connection: its identity could not be read: %v", err)
		return nil, &Forbidden{Reason: "the server could not tell who is connecting"}
	}
	m, ok := s.member(peer.UID)
	if !ok {
		s.logf("refused uid %d: not in the team table", peer.UID)
		return nil, &Forbidden{Reason: fmt.Sprintf("%s is not a member of the team (an admin adds members: rightsdesk team set)", cases.Printable(peer.Name))}
	}
	if m.Name != peer.Name {
		s.logf("refused uid %d: its account name no longer matches the team table", peer.UID)
		return nil, &Forbidden{Reason: fmt.Sprintf("uid %d is in the team table under another name: an admin must set the member again", peer.UID)}
	}
	if !m.Role.AtLeast(role) {
		return nil, &Forbidden{Reason: fmt.Sprintf("%s is a %s: this needs the %s role", cases.Printable(m.Name), m.Role, role)}
	}
	origin := r.Header.Get("X-Reported-Origin")
	if len(origin) > 256 {
		origin = origin[:256]
	}
	view := s.store.As(storage.Caller{Actor: m.Name, ReportedOrigin: cases.Printable(origin), LogReads: true, Scope: scopeOf(m)})
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes)
	}
	return &call{w: w, r: r, member: m, svc: view, now: s.cfg.Clock.Now()}, nil
}

// writeJSON sends v as the answer.
func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	// Its length said, an answer longer than the server's buffer (a case's
	// view is) goes as it is rather than in chunks, and the client reads it
	// into a buffer of its size.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}

// writeError sends err as the error object, with its status.
func writeError(w http.ResponseWriter, err error) {
	we, status := encodeError(err)
	b, _ := json.Marshal(errorBody{Error: we})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// readJSON decodes the request's body into v.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			return err
		}
		return &BadRequest{Reason: "the request's body is not what " + r.URL.Path + " takes: " + err.Error()}
	}
	return nil
}
