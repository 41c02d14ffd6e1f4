package server

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// TestAPanicAnswers500AndTheServerGoesOn: a handler that panics (here an
// index out of range and an explicit panic) answers one line with status 500,
// is logged, and the next request is served.
func TestAPanicAnswers500AndTheServerGoesOn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.db")
	if err := storage.Init(path, false, ""); err != nil {
		t.Fatal(err)
	}
	st := storage.Open(path, storage.Options{})
	if err := st.MarkTest([]byte("fault test")); err != nil {
		t.Fatal(err)
	}
	if err := st.Hold(); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var log syncBuffer
	me := Peer{UID: 50001, Name: "tester"}
	srv, err := New(Config{Store: st, Clock: cases.FixedClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)), Admin: me.Name,
		LookupUser: func(string) (int, error) { return me.UID, nil },
		Identify:   func(net.Conn) (Peer, error) { return me, nil }, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	srv.handle("GET /v1/test/panic", storage.RoleViewer, func(*call) error { panic("boom") })
	srv.handle("GET /v1/test/index", storage.RoleViewer, func(c *call) error {
		parts := strings.Split(c.r.URL.RawQuery, ",")
		return errors.New(parts[len(parts)+1]) // out of range
	})
	dir, err := os.MkdirTemp("/tmp", "rd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	socket := filepath.Join(dir, "s")
	l, err := Listen(socket)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	c, err := Dial(socket, DialOptions{ServiceUID: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range []string{"/v1/test/panic", "/v1/test/index"} {
		err := c.call("GET", p, nil, nil)
		var remote *remoteError
		if !errors.As(err, &remote) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "internal fault") {
			t.Errorf("%s: %v", p, err)
		}
		if _, err := c.Whoami(); err != nil {
			t.Fatalf("after %s the server does not answer: %v", p, err)
		}
	}
	if n := strings.Count(log.String(), "fault answering GET /v1/test/"); n != 2 {
		t.Errorf("the log:\n%s", log.String())
	}
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
