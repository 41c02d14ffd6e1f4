//go:build !race

package etcdtest

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/storage/wal"
)

// Cluster is a running (or partly stopped) etcd cluster.
type Cluster struct {
	t testing.TB
	// Members are the cluster's members, in the order of their names
	// m0, m1...
	Members []*Member
	TLS     *TLS // nil for plain HTTP
	// Limits are the members' request limits (zero: etcd's defaults).
	Limits Limits

	// processes: each member runs in a process of its own
	// (StartProcesses), which starts gets to start.
	processes bool
	starts    chan func()
}

// Member is one member: its fixed ports and data folder survive a stop,
// so that a restart brings back the same member with its data.
type Member struct {
	Name      string
	Dir       string // the member's data folder
	LogFile   string // etcd's own log, for a test that fails
	ClientURL url.URL
	PeerURL   url.URL

	mu   sync.Mutex
	etcd *embed.Etcd
	proc *process // in a cluster of processes
}

// FreePorts reserves n distinct loopback ports. They are closed before etcd
// binds them, so another process could in principle take one in between;
// on loopback in a test run that window is a few milliseconds.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports, err := freePorts(n)
	if err != nil {
		t.Fatal(err)
	}
	return ports
}

func freePorts(n int) ([]int, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve a port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Limits are members' --max-txn-ops, --max-request-bytes and
// --quota-backend-bytes.
type Limits struct {
	MaxTxnOps, MaxRequestBytes uint
	QuotaBackendBytes          int64
	// MaxWALs and SnapshotCount are the members' --max-wals and
	// --snapshot-count (0: etcd's defaults).
	MaxWALs       uint
	SnapshotCount uint64
}

// Recommended are the limits the README gives every member of a
// production cluster, with room for a million cases.
var Recommended = Limits{MaxTxnOps: 8192, MaxRequestBytes: 10 << 20, QuotaBackendBytes: 8 << 30}

// QuickWAL are settings of the erasure's sweep of the members' logs
// (etcdstore.WAL converts from it) for the tests of the erasure from the
// members' databases, on members that keep etcd's default logs: the sweep
// is about 1 MiB, which does not reach those logs. The test of the logs'
// erasure runs its members to match its own settings (UseSegmentBytes,
// Limits.MaxWALs and SnapshotCount).
var QuickWAL = struct {
	SegmentBytes           int64
	MaxWALs, SnapshotCount int
}{SegmentBytes: 1, MaxWALs: 1, SnapshotCount: 1}

// UseSegmentBytes makes the write-ahead log segments of every member this
// process starts from now on n bytes (etcd's are 64 MB: a variable of its
// wal package, which no member flag sets) until restore is called.
func UseSegmentBytes(n int64) (restore func()) {
	old := wal.SegmentSizeBytes
	wal.SegmentSizeBytes = n
	return func() { wal.SegmentSizeBytes = old }
}

// StartWith is Start with members run under limits.
func StartWith(t testing.TB, n int, tls *TLS, limits Limits) *Cluster {
	t.Helper()
	return start(t, newCluster(t, n, tls, limits))
}

// Start starts a cluster of n members and waits until it has a
// leader. With tls set, the members' client URLs are HTTPS and require a
// client certificate signed by tls's CA.
func Start(t testing.TB, n int, tls *TLS) *Cluster {
	t.Helper()
	return start(t, newCluster(t, n, tls, Limits{}))
}

func start(t testing.TB, c *Cluster) *Cluster {
	t.Helper()
	if err := c.startAll(); err != nil {
		t.Fatalf("start the cluster: %v", err)
	}
	t.Cleanup(c.stopAll)
	return c
}

// StartShared starts a cluster of n members under limits, their data in a
// temporary folder of its own, for a whole test process rather than one
// test (a TestMain's): stop stops it and removes the folder. Its members
// are not stopped, killed or restarted one by one (Stop, Kill, Restart,
// WaitReady and DataFiles are for a test's own cluster).
func StartShared(n int, limits Limits) (c *Cluster, stop func(), err error) {
	dir, err := os.MkdirTemp("", "rdetcd")
	if err != nil {
		return nil, nil, err
	}
	ports, err := freePorts(2 * n)
	folders := make([]string, n)
	for i := 0; i < n && err == nil; i++ {
		folders[i], err = os.MkdirTemp(dir, "m")
	}
	if err == nil {
		c = layout(n, nil, limits, ports, func(i int) string { return folders[i] })
		if err = c.startAll(); err != nil {
			err = fmt.Errorf("start the cluster: %w", err)
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return c, func() {
		c.stopAll()
		os.RemoveAll(dir)
	}, nil
}

// startAll starts every member and waits until each is ready; on an error
// none is left running.
func (c *Cluster) startAll() error {
	// The members wait for each other's first contact, so they start
	// together.
	errs := make(chan error, len(c.Members))
	for _, m := range c.Members {
		go func() { errs <- c.start(m, c.initialCluster()) }()
	}
	var first error
	for range c.Members {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		c.stopAll()
	}
	return first
}

// newCluster makes the members of a cluster of n: their names, ports and
// folders.
func newCluster(t testing.TB, n int, tls *TLS, limits Limits) *Cluster {
	t.Helper()
	c := layout(n, tls, limits, FreePorts(t, 2*n), func(int) string { return t.TempDir() })
	c.t = t
	return c
}

// layout is a cluster of n members on ports (two each), member i's files
// in folder(i).
func layout(n int, tls *TLS, limits Limits, ports []int, folder func(i int) string) *Cluster {
	c := &Cluster{TLS: tls, Limits: limits}
	scheme := "http"
	if tls != nil {
		scheme = "https"
	}
	for i := range n {
		dir := folder(i)
		m := &Member{
			Name:      fmt.Sprintf("m%d", i),
			Dir:       filepath.Join(dir, "member"),
			LogFile:   filepath.Join(dir, "etcd.log"),
			ClientURL: url.URL{Scheme: scheme, Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i])},
			PeerURL:   url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i+1])},
		}
		c.Members = append(c.Members, m)
	}
	return c
}

func (c *Cluster) config(m *Member, initialCluster string) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = m.Name
	cfg.Dir = m.Dir
	cfg.ListenClientUrls = []url.URL{m.ClientURL}
	cfg.AdvertiseClientUrls = []url.URL{m.ClientURL}
	cfg.ListenPeerUrls = []url.URL{m.PeerURL}
	cfg.AdvertisePeerUrls = []url.URL{m.PeerURL}
	cfg.InitialCluster = initialCluster
	cfg.InitialClusterToken = "rightsdesk-test"
	cfg.ClusterState = embed.ClusterStateFlagNew
	// Faster elections than the defaults (100 ms, 1 s), so that a lost
	// member or quorum is noticed quickly, yet slow enough for a loaded
	// 2-core CI machine.
	cfg.TickMs = 50
	cfg.ElectionMs = 500
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{m.LogFile}
	if c.Limits.MaxTxnOps > 0 {
		cfg.MaxTxnOps = c.Limits.MaxTxnOps
	}
	if c.Limits.MaxRequestBytes > 0 {
		cfg.MaxRequestBytes = c.Limits.MaxRequestBytes
	}
	if c.Limits.QuotaBackendBytes > 0 {
		cfg.QuotaBackendBytes = c.Limits.QuotaBackendBytes
	}
	if c.Limits.MaxWALs > 0 {
		cfg.MaxWalFiles = c.Limits.MaxWALs
	}
	if c.Limits.SnapshotCount > 0 {
		cfg.SnapshotCount = c.Limits.SnapshotCount
	}
	if c.TLS != nil {
		cfg.ClientTLSInfo.CertFile = c.TLS.ServerCert
		cfg.ClientTLSInfo.KeyFile = c.TLS.ServerKey
		cfg.ClientTLSInfo.TrustedCAFile = c.TLS.CAFile
		cfg.ClientTLSInfo.ClientCertAuth = true
	}
	return cfg
}

func (c *Cluster) start(m *Member, initialCluster string) error {
	cfg := c.config(m, initialCluster)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("member %s: %w", m.Name, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		e.Close()
		return fmt.Errorf("member %s: not ready after 30 s (log: %s)", m.Name, m.LogFile)
	}
	m.mu.Lock()
	m.etcd = e
	m.mu.Unlock()
	return nil
}

// Stop stops member i (gracefully: its data stays in its folder).
func (c *Cluster) Stop(i int) {
	if c.processes {
		c.stopProcess(i, syscall.SIGTERM)
		return
	}
	m := c.Members[i]
	m.mu.Lock()
	e := m.etcd
	m.etcd = nil
	m.mu.Unlock()
	if e != nil {
		e.Close()
	}
}

// Kill stops member i abruptly. A member process is sent SIGKILL. An
// in-process member is stopped the nearest it comes to that: its raft node
// stops at once, without handing its leadership over (which Stop does)
// nor finishing what it was proposing; then its listeners close. Its data
// stays in its folder for Restart.
func (c *Cluster) Kill(i int) {
	if c.processes {
		c.stopProcess(i, syscall.SIGKILL)
		return
	}
	m := c.Members[i]
	m.mu.Lock()
	e := m.etcd
	m.etcd = nil
	m.mu.Unlock()
	if e != nil {
		e.Server.HardStop()
		e.Close()
	}
}

// Restart starts a stopped member i again on its data folder, without
// waiting for it to be ready: a member alone in a cluster of three is ready
// only once it finds a quorum.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	m := c.Members[i]
	if c.processes {
		if err := c.startProcess(m, true); err != nil {
			c.t.Fatalf("restart member %s: %v", m.Name, err)
		}
		return
	}
	cfg := c.config(m, c.initialCluster())
	cfg.ClusterState = embed.ClusterStateFlagExisting
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		c.t.Fatalf("restart member %s: %v", m.Name, err)
	}
	m.mu.Lock()
	m.etcd = e
	m.mu.Unlock()
}

// WaitReady waits until member i has joined its cluster again.
func (c *Cluster) WaitReady(i int) {
	c.t.Helper()
	if c.processes {
		c.waitProcessReady(i)
		return
	}
	m := c.Members[i]
	m.mu.Lock()
	e := m.etcd
	m.mu.Unlock()
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		c.t.Fatalf("member %s not ready 30 s after its restart", m.Name)
	}
}

func (c *Cluster) initialCluster() string {
	var s []string
	for _, m := range c.Members {
		s = append(s, m.Name+"="+m.PeerURL.String())
	}
	return strings.Join(s, ",")
}

func (c *Cluster) stopAll() {
	for i := range c.Members {
		c.Stop(i)
	}
}

// Endpoints are the members' client addresses, as a user would give them.
func (c *Cluster) Endpoints() []string {
	var s []string
	for _, m := range c.Members {
		s = append(s, m.ClientURL.String())
	}
	return s
}

// DataFiles lists every file in member i's data folder (bbolt database,
// write-ahead log, snapshots).
func (c *Cluster) DataFiles(i int) []string {
	c.t.Helper()
	var files []string
	err := filepath.WalkDir(c.Members[i].Dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		c.t.Fatalf("list member %s's files: %v", c.Members[i].Name, err)
	}
	return files
}

// DBFile is member i's bbolt database, where etcd keeps every key's
// revisions.
func (c *Cluster) DBFile(i int) string {
	return filepath.Join(c.Members[i].Dir, "member", "snap", "db")
}

// MembersHolding counts the members whose database file holds b.
func (c *Cluster) MembersHolding(b []byte) int {
	n := 0
	for i := range c.Members {
		data, err := os.ReadFile(c.DBFile(i))
		if err == nil && bytes.Contains(data, b) {
			n++
		}
	}
	return n
}

// Leader is the index of the member that leads the cluster now, -1 when
// no running member is the leader.
func (c *Cluster) Leader() int {
	if c.processes {
		return c.processLeader()
	}
	for i, m := range c.Members {
		m.mu.Lock()
		e := m.etcd
		m.mu.Unlock()
		if e != nil && e.Server.Leader() == e.Server.MemberID() {
			return i
		}
	}
	return -1
}

// Step is one test of a series that share a cluster.
type Step struct {
	Name string
	Test func(*testing.T, *Cluster)
}

// RunSteps runs steps on cl one after the other, each as a subtest, and
// stops at the first that fails: a failed step leaves the cluster in a
// state the next do not expect.
func RunSteps(t *testing.T, cl *Cluster, steps []Step) {
	t.Helper()
	for _, s := range steps {
		if !t.Run(s.Name, func(t *testing.T) { s.Test(t, cl) }) {
			return
		}
	}
}
