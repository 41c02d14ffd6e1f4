// Package servertest runs the team server in-process for tests (TRUST.md,
// "Tests in team mode"): on a short socket path, with the test's clock and
// an identity the test chooses, so that the same command tests run against
// the local file and through the server.
package servertest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/server"
	"rightsdesk/storage"
)

// Start serves st (held here if it is not yet, and released at the end)
// on a new socket and returns the socket's path. Every connection is
// identified as peer() says when it connects, so a test changes who calls
// between commands by changing what peer returns. A store whose team table
// is empty gets peer() at the start as its first admin, of every
// organisation. The server is shut down when the test ends.
func Start(t testing.TB, st *storage.Store, clock cases.Clock, peer func() server.Peer) string {
	t.Helper()
	socket, _ := StartServer(t, server.Config{Store: st, Clock: clock}, peer)
	return socket
}

// StartServer is Start with the rest of the configuration given (cfg.Store
// and cfg.Clock set; Identify, LookupUser and Admin are filled in from
// peer when empty). It also returns the server.
func StartServer(t testing.TB, cfg server.Config, peer func() server.Peer) (string, *server.Server) {
	t.Helper()
	st := cfg.Store
	if !st.Held() {
		if err := st.Hold(); err != nil {
			t.Fatalf("servertest: hold the store: %v", err)
		}
		t.Cleanup(func() { st.Close() })
	}
	if cfg.Identify == nil {
		cfg.Identify = func(net.Conn) (server.Peer, error) { return peer(), nil }
	}
	if cfg.LookupUser == nil {
		first := peer()
		cfg.LookupUser = func(name string) (int, error) {
			if name == first.Name {
				return first.UID, nil
			}
			return server.UserID(name)
		}
	}
	if cfg.Admin == "" {
		cfg.Admin = peer().Name
	}
	if cfg.ServiceUID == 0 {
		cfg.ServiceUID = -1
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	// Socket paths are limited to 108 bytes: a short folder under /tmp,
	// which others may traverse but not list (TRUST.md).
	dir, err := os.MkdirTemp("/tmp", "rd")
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatalf("servertest: %v", err)
	}
	socket := filepath.Join(dir, "s")
	l, err := server.Listen(socket)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("servertest: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("servertest: shutdown: %v", err)
		}
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("servertest: serve: %v", err)
		}
		os.RemoveAll(dir)
	})
	return socket, srv
}

// NewStore makes a test database at path as `init --test` does
// (storage.Init, then MarkTest with init's seed) and holds it for the
// test's life.
func NewStore(t testing.TB, path string, opts storage.Options) *storage.Store {
	t.Helper()
	if err := storage.Init(path, false, ""); err != nil {
		t.Fatalf("servertest: init: %v", err)
	}
	st := storage.Open(path, opts)
	if err := st.MarkTest([]byte(InitTestSeed)); err != nil {
		t.Fatalf("servertest: mark test: %v", err)
	}
	if err := st.Hold(); err != nil {
		t.Fatalf("servertest: hold: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// InitTestSeed is the seed `rightsdesk init --test` marks a database with.
const InitTestSeed = "rightsdesk init --test"
