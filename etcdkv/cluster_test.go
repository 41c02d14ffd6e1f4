//go:build !race

package etcdkv

// The harness: a real etcd cluster of three members on loopback, started in
// the test process with etcd's embed package. It lives in test files only,
// so that the product binary never links the etcd server (deps_test.go in
// the main package checks that).

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// testCluster is a running (or partly stopped) etcd cluster.
type testCluster struct {
	t       *testing.T
	members []*testMember
	tls     *testTLS // nil for plain HTTP
}

// testMember is one member: its fixed ports and data folder survive a stop,
// so that a restart brings back the same member with its data.
type testMember struct {
	name      string
	dir       string
	logFile   string
	clientURL url.URL
	peerURL   url.URL

	mu   sync.Mutex
	etcd *embed.Etcd
}

// freePorts reserves n distinct loopback ports. They are closed before etcd
// binds them, so another process could in principle take one in between;
// on loopback in a test run that window is a few milliseconds.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var listeners []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("reserve a port: %v", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range listeners {
		l.Close()
	}
	return ports
}

// startCluster starts a cluster of n members and waits until it has a
// leader. With tls set, the members' client URLs are HTTPS and require a
// client certificate signed by tls's CA.
func startCluster(t *testing.T, n int, tls *testTLS) *testCluster {
	t.Helper()
	c := &testCluster{t: t, tls: tls}
	ports := freePorts(t, 2*n)
	scheme := "http"
	if tls != nil {
		scheme = "https"
	}
	var initial []string
	for i := range n {
		m := &testMember{
			name:      fmt.Sprintf("m%d", i),
			dir:       filepath.Join(t.TempDir(), "member"),
			logFile:   filepath.Join(t.TempDir(), "etcd.log"),
			clientURL: url.URL{Scheme: scheme, Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i])},
			peerURL:   url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i+1])},
		}
		c.members = append(c.members, m)
		initial = append(initial, m.name+"="+m.peerURL.String())
	}
	initialCluster := strings.Join(initial, ",")
	// The members wait for each other's first contact, so they start
	// together.
	errs := make(chan error, n)
	for _, m := range c.members {
		go func() { errs <- c.start(m, initialCluster) }()
	}
	for range n {
		if err := <-errs; err != nil {
			c.stopAll()
			t.Fatalf("start the cluster: %v", err)
		}
	}
	t.Cleanup(c.stopAll)
	return c
}

func (c *testCluster) config(m *testMember, initialCluster string) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = m.name
	cfg.Dir = m.dir
	cfg.ListenClientUrls = []url.URL{m.clientURL}
	cfg.AdvertiseClientUrls = []url.URL{m.clientURL}
	cfg.ListenPeerUrls = []url.URL{m.peerURL}
	cfg.AdvertisePeerUrls = []url.URL{m.peerURL}
	cfg.InitialCluster = initialCluster
	cfg.InitialClusterToken = "rightsdesk-test"
	cfg.ClusterState = embed.ClusterStateFlagNew
	// Faster elections than the defaults (100 ms, 1 s), so that a lost
	// member or quorum is noticed quickly, yet slow enough for a loaded
	// 2-core CI machine.
	cfg.TickMs = 50
	cfg.ElectionMs = 500
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{m.logFile}
	if c.tls != nil {
		cfg.ClientTLSInfo.CertFile = c.tls.serverCert
		cfg.ClientTLSInfo.KeyFile = c.tls.serverKey
		cfg.ClientTLSInfo.TrustedCAFile = c.tls.caFile
		cfg.ClientTLSInfo.ClientCertAuth = true
	}
	return cfg
}

func (c *testCluster) start(m *testMember, initialCluster string) error {
	cfg := c.config(m, initialCluster)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("member %s: %w", m.name, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		e.Close()
		return fmt.Errorf("member %s: not ready after 30 s (log: %s)", m.name, m.logFile)
	}
	m.mu.Lock()
	m.etcd = e
	m.mu.Unlock()
	return nil
}

// stop stops member i (gracefully: its data stays in its folder).
func (c *testCluster) stop(i int) {
	m := c.members[i]
	m.mu.Lock()
	e := m.etcd
	m.etcd = nil
	m.mu.Unlock()
	if e != nil {
		e.Close()
	}
}

// restart starts a stopped member i again on its data folder, without
// waiting for it to be ready: a member alone in a cluster of three is ready
// only once it finds a quorum.
func (c *testCluster) restart(i int) {
	c.t.Helper()
	m := c.members[i]
	cfg := c.config(m, c.initialCluster())
	cfg.ClusterState = embed.ClusterStateFlagExisting
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		c.t.Fatalf("restart member %s: %v", m.name, err)
	}
	m.mu.Lock()
	m.etcd = e
	m.mu.Unlock()
}

// waitReady waits until member i has joined its cluster again.
func (c *testCluster) waitReady(i int) {
	c.t.Helper()
	m := c.members[i]
	m.mu.Lock()
	e := m.etcd
	m.mu.Unlock()
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		c.t.Fatalf("member %s not ready 30 s after its restart", m.name)
	}
}

func (c *testCluster) initialCluster() string {
	var s []string
	for _, m := range c.members {
		s = append(s, m.name+"="+m.peerURL.String())
	}
	return strings.Join(s, ",")
}

func (c *testCluster) stopAll() {
	for i := range c.members {
		c.stop(i)
	}
}

// endpoints are the members' client addresses, as a user would give them.
func (c *testCluster) endpoints() []string {
	var s []string
	for _, m := range c.members {
		s = append(s, m.clientURL.String())
	}
	return s
}

// dataFiles lists every file in member i's data folder (bbolt database,
// write-ahead log, snapshots).
func (c *testCluster) dataFiles(i int) []string {
	c.t.Helper()
	var files []string
	err := filepath.WalkDir(c.members[i].dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		c.t.Fatalf("list member %s's files: %v", c.members[i].name, err)
	}
	return files
}

// dbFile is member i's bbolt database, where etcd keeps every key's
// revisions.
func (c *testCluster) dbFile(i int) string {
	return filepath.Join(c.members[i].dir, "member", "snap", "db")
}
