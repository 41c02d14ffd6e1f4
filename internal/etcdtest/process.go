//go:build !race

package etcdtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// A cluster of member processes: each member is the test binary run again
// with memberEnv set to the member's configuration, which RunMemberIfAsked
// (called from the package's TestMain) turns into an embedded member that
// runs until it is stopped (SIGTERM) or killed (SIGKILL). Killed, a member
// loses what it had not written out, and its connections drop at once, as
// a member on a machine that fails does; an in-process member's Kill does
// neither.

// memberEnv holds a member process's configuration (processConfig, JSON).
const memberEnv = "RIGHTSDESK_ETCD_MEMBER"

// readyLine is what a member process writes on its standard output once
// its member is ready (embed's ReadyNotify: it has joined its cluster).
const readyLine = "ready"

// processConfig is what a member process needs to start its member.
type processConfig struct {
	Name, Dir, LogFile string
	ClientURL, PeerURL string
	InitialCluster     string
	Existing           bool // restarted on its data: the cluster exists
	TLS                *TLS
}

// process is a running member process.
type process struct {
	cmd    *exec.Cmd
	ready  chan struct{} // closed when the member said it is ready
	exited chan struct{} // closed when the process has ended
	err    error         // why it ended, once exited is closed
}

// RunMemberIfAsked makes this process an etcd member when it was started
// as one (StartProcesses) and then never returns; otherwise it returns at
// once. A test package that uses StartProcesses calls it first thing in
// its TestMain.
func RunMemberIfAsked() {
	raw, ok := os.LookupEnv(memberEnv)
	if !ok {
		return
	}
	if err := runMember(raw); err != nil {
		fmt.Fprintf(os.Stderr, "etcd member process: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runMember starts the member raw describes, says when it is ready, and
// runs it until SIGTERM (a graceful stop) or until the process that
// started it is gone.
func runMember(raw string) error {
	var pc processConfig
	if err := json.Unmarshal([]byte(raw), &pc); err != nil {
		return fmt.Errorf("%s: %w", memberEnv, err)
	}
	m := &Member{Name: pc.Name, Dir: pc.Dir, LogFile: pc.LogFile}
	for _, u := range []struct {
		into *url.URL
		raw  string
	}{{&m.ClientURL, pc.ClientURL}, {&m.PeerURL, pc.PeerURL}} {
		parsed, err := url.Parse(u.raw)
		if err != nil {
			return fmt.Errorf("member %s: %w", pc.Name, err)
		}
		*u.into = *parsed
	}
	cfg := (&Cluster{TLS: pc.TLS}).config(m, pc.InitialCluster)
	if pc.Existing {
		cfg.ClusterState = embed.ClusterStateFlagExisting
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	parent := os.Getppid()
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("member %s: %w", pc.Name, err)
	}
	defer e.Close()
	go func() {
		<-e.Server.ReadyNotify()
		fmt.Println(readyLine)
	}()
	orphaned := time.NewTicker(200 * time.Millisecond)
	defer orphaned.Stop()
	for {
		select {
		case err := <-e.Err():
			return fmt.Errorf("member %s: %w", pc.Name, err)
		case <-stop:
			return nil
		case <-orphaned.C:
			// Pdeathsig ends the process with its parent on Linux; this is
			// for where it does not exist.
			if os.Getppid() != parent {
				return errors.New("the test process is gone")
			}
		}
	}
}

// StartProcesses starts a cluster of n members, each in a process of its
// own, and waits until every member is ready. The Cluster's Stop, Kill,
// Restart, WaitReady and Leader act on the processes: Kill is a SIGKILL.
// The test binary must call RunMemberIfAsked in its TestMain.
func StartProcesses(t testing.TB, n int, tls *TLS) *Cluster {
	t.Helper()
	c := newCluster(t, n, tls, Limits{})
	c.processes = true
	c.starts = make(chan func())
	go c.starter()
	stop := func() {
		c.stopAll()
		close(c.starts)
	}
	for _, m := range c.Members {
		if err := c.startProcess(m, false); err != nil {
			stop()
			t.Fatalf("start the cluster: %v", err)
		}
	}
	t.Cleanup(stop)
	for i := range c.Members {
		c.WaitReady(i)
	}
	return c
}

// startProcess starts m's process (existing: on its data, after a stop).
func (c *Cluster) startProcess(m *Member, existing bool) error {
	raw, err := json.Marshal(processConfig{
		Name: m.Name, Dir: m.Dir, LogFile: m.LogFile,
		ClientURL: m.ClientURL.String(), PeerURL: m.PeerURL.String(),
		InitialCluster: c.initialCluster(), Existing: existing, TLS: c.TLS,
	})
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	// -test.run matches no test: should the variable be lost, the process
	// runs no test, and never the one that started it.
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), memberEnv+"="+string(raw))
	cmd.SysProcAttr = dieWithParent()
	stderr, err := os.OpenFile(m.LogFile+".stderr", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer stderr.Close() // the child has its own copy
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	started := make(chan error)
	c.starts <- func() { started <- cmd.Start() }
	if err := <-started; err != nil {
		return fmt.Errorf("member %s: %w", m.Name, err)
	}
	p := &process{cmd: cmd, ready: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if lines.Text() == readyLine {
				close(p.ready)
			}
		}
		p.err = cmd.Wait()
		close(p.exited)
	}()
	m.mu.Lock()
	m.proc = p
	m.mu.Unlock()
	return nil
}

// starter starts the member processes (the functions c.starts gets) on
// one thread, which lives until the cluster is stopped: on Linux a child's
// Pdeathsig comes when the thread that started it ends, not the process,
// and Go ends a thread whose goroutine exits locked to it. This goroutine
// stays locked until c.starts is closed, after every process has ended.
func (c *Cluster) starter() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for start := range c.starts {
		start()
	}
}

// takeProcess takes member i's process out of the cluster (nil: none).
func (c *Cluster) takeProcess(i int) *process {
	m := c.Members[i]
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.proc
	m.proc = nil
	return p
}

// stopProcess ends member i's process with sig and waits until it is
// gone: a SIGTERM'd member that does not end within 10 s is killed.
func (c *Cluster) stopProcess(i int, sig syscall.Signal) {
	p := c.takeProcess(i)
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
		return
	case <-time.After(10 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// waitProcessReady waits until member i's process says its member is
// ready, then until the member answers a status request through its
// client URL.
func (c *Cluster) waitProcessReady(i int) {
	c.t.Helper()
	m := c.Members[i]
	m.mu.Lock()
	p := m.proc
	m.mu.Unlock()
	if p == nil {
		c.t.Fatalf("member %s: no process to wait for", m.Name)
	}
	select {
	case <-p.ready:
	case <-p.exited:
		c.t.Fatalf("member %s's process ended before it was ready: %v (log: %s, %s.stderr)", m.Name, p.err, m.LogFile, m.LogFile)
	case <-time.After(30 * time.Second):
		c.t.Fatalf("member %s not ready 30 s after its start (log: %s)", m.Name, m.LogFile)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := c.status(i)
		if err == nil && st.Leader != 0 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("member %s ready but its status: %v %+v", m.Name, err, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// memberStatus is what a member says of itself in its status: its ID
// and the ID of the leader it follows (0: none).
type memberStatus struct {
	Header struct {
		MemberID uint64 `json:"member_id,string"`
	} `json:"header"`
	Leader uint64 `json:"leader,string"`
}

// status asks member i for its status over its client URL (etcd's JSON
// gateway, as etcdkv's Status does: this package cannot import etcdkv,
// whose tests import it).
func (c *Cluster) status(i int) (memberStatus, error) {
	var st memberStatus
	transport := &http.Transport{Proxy: nil}
	defer transport.CloseIdleConnections()
	if c.TLS != nil {
		cfg, err := c.TLS.ClientConfig()
		if err != nil {
			return st, err
		}
		transport.TLSClientConfig = cfg
	}
	client := &http.Client{Transport: transport, Timeout: time.Second}
	resp, err := client.Post(c.Members[i].ClientURL.String()+"/v3/maintenance/status", "application/json", strings.NewReader("{}"))
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return st, err
	}
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("member %s's status: %s: %s", c.Members[i].Name, resp.Status, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("member %s's status: %w", c.Members[i].Name, err)
	}
	return st, nil
}

// processLeader is the index of the member whose process leads the cluster
// by its own status, -1 when none does (or two say so, in the moment of an
// election).
func (c *Cluster) processLeader() int {
	leader := -1
	for i := range c.Members {
		st, err := c.status(i)
		if err != nil || st.Header.MemberID == 0 || st.Leader != st.Header.MemberID {
			continue
		}
		if leader != -1 {
			return -1
		}
		leader = i
	}
	return leader
}

// ProcessID is the operating system's ID of member i's process, 0 when it
// runs none (an in-process cluster, or a member stopped).
func (c *Cluster) ProcessID(i int) int {
	m := c.Members[i]
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.proc == nil {
		return 0
	}
	return m.proc.cmd.Process.Pid
}
