// Package etcdkv is the team server's way to an etcd cluster (issue 21): a
// small client for etcd's v3 API over the JSON gateway that every etcd
// member serves on its client URL (POST /v3/kv/range, /v3/kv/txn, /v3/watch
// and so on), built on net/http and crypto/tls alone.
//
// Why not go.etcd.io/etcd/client/v3, which the issue names: every rightsdesk
// command is a short process of one binary, and Go runs the init of every
// linked package before main. Linking clientv3 (v3.7.3) into a hello-world
// binary made it start in 24.2 ms instead of 6.0 (perf stat -r 30; 651 page
// faults against 169), with 15.2-17.8 ms of package initialisation over 165
// packages (GODEBUG=inittrace=1: protobuf descriptors, etcd's generated
// messages, gRPC, genproto). That would be paid by every `list` and `note`,
// whether or not it talks to etcd. net/http and crypto/tls are linked
// already, so this client costs the binary's start nothing.
//
// What it offers is the part of the API the store needs: Range (one key, a
// prefix, with a limit, at a revision, or a count), Txn with compares on
// mod_revision, version, create_revision and value, Put and Delete as
// one-operation transactions, Watch on a prefix that resumes after a
// dropped connection, Compact, Defragment and Status of each member, and
// MemberList. Every key is put under the deployment's prefix (Config.Prefix)
// on the way in and taken out of it on the way back.
//
// Failures come as four kinds that callers test with errors.Is:
// ErrUnavailable (no member reachable, no leader, or no answer within the
// timeout: the command line's exit 3), ErrCompacted, ErrTooLarge and
// ErrConflict. Error strings carry the endpoints and the key names the
// caller passed, never a value.
package etcdkv

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds one request to one member when Config.Timeout is
// zero. A healthy cluster answers in milliseconds; a member that has lost
// its leader answers at once (the client asks it to, see requireLeader), so
// the timeout only matters for a member that hangs.
const DefaultTimeout = 2 * time.Second

// Config says where the cluster is and how to reach it.
type Config struct {
	// Endpoints are the members' client URLs ("https://10.0.0.1:2379") or
	// addresses ("10.0.0.1:2379", HTTPS when a CA file is given, else
	// HTTP). Requests go to the first that answers.
	Endpoints []string
	// Prefix is put before every key, so that several deployments can share
	// one cluster ("rightsdesk/acme/"). It may be empty.
	Prefix string
	// Timeout bounds each request to one member; zero means DefaultTimeout.
	Timeout time.Duration
	// CAFile is the PEM file of the authority that signed the members'
	// certificates; CertFile and KeyFile are the client's certificate and
	// key, for clusters that require client certificates.
	CAFile, CertFile, KeyFile string
}

// Client talks to one etcd cluster. It is safe for concurrent use; its zero
// value is not usable, New makes one.
type Client struct {
	endpoints []string // base URLs, without a trailing slash
	prefix    string
	timeout   time.Duration
	http      *http.Client
	transport *http.Transport

	mu        sync.Mutex
	preferred int // the endpoint that answered last
}

// New checks cfg and returns a client. It does not contact the cluster.
func New(cfg Config) (*Client, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("etcd: no endpoint given")
	}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return nil, errors.New("etcd: a client certificate needs both its certificate and key files")
	}
	secure := cfg.CAFile != "" || cfg.CertFile != ""
	var endpoints []string
	for _, e := range cfg.Endpoints {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if !strings.Contains(e, "://") {
			if secure {
				e = "https://" + e
			} else {
				e = "http://" + e
			}
		}
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("etcd: endpoint %q is not host:port nor http(s)://host:port", e)
		}
		endpoints = append(endpoints, u.Scheme+"://"+u.Host)
	}
	if len(endpoints) == 0 {
		return nil, errors.New("etcd: no endpoint given")
	}
	tlsConfig, err := loadTLS(cfg)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	transport := &http.Transport{
		Proxy: nil, // a cluster's members are never reached through an HTTP proxy
		DialContext: (&net.Dialer{
			Timeout:   timeout,
			KeepAlive: 15 * time.Second, // finds a watch whose member vanished
		}).DialContext,
		TLSClientConfig:     tlsConfig,
		TLSHandshakeTimeout: timeout,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Client{
		endpoints: endpoints,
		prefix:    cfg.Prefix,
		timeout:   timeout,
		transport: transport,
		http:      &http.Client{Transport: transport},
	}, nil
}

func loadTLS(cfg Config) (*tls.Config, error) {
	if cfg.CAFile == "" && cfg.CertFile == "" {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pemBytes, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("etcd: read the CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return nil, fmt.Errorf("etcd: the CA file %s holds no PEM certificate", cfg.CAFile)
		}
		c.RootCAs = pool
	}
	if cfg.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("etcd: load the client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

// Close releases the client's idle connections. Watches end with their
// contexts.
func (c *Client) Close() {
	c.transport.CloseIdleConnections()
}

// Endpoints returns the members' base URLs, in the order given.
func (c *Client) Endpoints() []string {
	return append([]string(nil), c.endpoints...)
}

// order returns the endpoints to try, the one that answered last first.
func (c *Client) order() []string {
	c.mu.Lock()
	first := c.preferred
	c.mu.Unlock()
	out := make([]string, 0, len(c.endpoints))
	for i := range c.endpoints {
		out = append(out, c.endpoints[(first+i)%len(c.endpoints)])
	}
	return out
}

func (c *Client) prefer(endpoint string) {
	for i, e := range c.endpoints {
		if e == endpoint {
			c.mu.Lock()
			c.preferred = i
			c.mu.Unlock()
			return
		}
	}
}

// requireLeaderHeader carries the gRPC metadata "hasleader: true" (the
// gateway passes a "Grpc-Metadata-" header on as metadata): a member without a leader then refuses a
// request at once with "no leader" instead of holding it until its own
// timeout (6 s measured on 3.7.3), and ends a watch when it loses its
// leader, so that the client can go to a member that has one.
const requireLeaderHeader = "Grpc-Metadata-Hasleader"

// call posts body to path on the first member that answers. A request that
// may have changed the cluster (write) is sent to another member only when
// the first certainly did not take it: it could not be reached, or it
// refused for want of a leader. Otherwise a write that timed out would be
// applied twice, or fail its compares against its own first attempt.
func (c *Client) call(ctx context.Context, path string, request, response any, write bool) error {
	body, err := json.Marshal(request)
	if err != nil {
		return fmt.Errorf("etcd %s: encode the request: %w", path, err)
	}
	var last error
	lastAnswered := false
	endpoints := c.order()
	for i, endpoint := range endpoints {
		err := c.callOne(ctx, endpoint, path, body, response, true, c.timeout)
		if err == nil {
			c.prefer(endpoint)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("etcd %s: %w", path, ctx.Err())
		}
		var fe *failure
		if !errors.As(err, &fe) || !fe.retry {
			return err
		}
		// The most telling failure is a member's own answer ("no leader"),
		// not another's refused connection.
		if last == nil || fe.answered || !lastAnswered {
			last, lastAnswered = fe.err, fe.answered
		}
		if write && !fe.notTaken {
			return &UnavailableError{Op: path, Tried: i + 1, Last: last, MayHaveApplied: true}
		}
	}
	return &UnavailableError{Op: path, Tried: len(endpoints), Last: last}
}

// failure is one member's failed answer: whether another member may be
// asked (retry) and whether the request certainly was not applied
// (notTaken).
type failure struct {
	err      error
	retry    bool
	notTaken bool
	answered bool // the member answered, with etcd's reason
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// gatewayError is the body of the gateway's answer to a failed request:
// the gRPC status code and etcd's message.
type gatewayError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// gRPC status codes the gateway returns (google.golang.org/grpc/codes).
const (
	codeDeadlineExceeded  = 4
	codeResourceExhausted = 8
	codeUnavailable       = 14
)

// callOne posts body to one member. requireLeader asks the member to refuse
// when it has no leader; the maintenance calls, which each member answers
// for itself, go without it. timeout bounds the request (0: only ctx).
func (c *Client) callOne(ctx context.Context, endpoint, path string, body []byte, response any, requireLeader bool, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("etcd %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if requireLeader {
		req.Header.Set(requireLeaderHeader, "true")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if tlsRefused(err) {
			// A certificate problem is the configuration's, not the
			// cluster's availability: say so rather than "unavailable".
			return fmt.Errorf("etcd %s: TLS with %s failed: %w", path, endpoint, err)
		}
		return &failure{err: fmt.Errorf("%s: %w", endpoint, err), retry: true, notTaken: notSent(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return &failure{err: fmt.Errorf("%s: read the answer: %w", endpoint, err), retry: true}
	}
	if resp.StatusCode != http.StatusOK {
		return c.gatewayFailure(endpoint, path, resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, response); err != nil {
		return fmt.Errorf("etcd %s: %s answered what is not etcd's JSON: %w", path, endpoint, err)
	}
	return nil
}

// tlsRefused tells whether a transport error is one side refusing the
// other's certificate (or its lack of one).
func tlsRefused(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostname) {
		return true
	}
	// The other side's TLS alert ("remote error: tls: certificate
	// required") comes as an OpError of its own kind.
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}

// notSent tells whether a transport error happened before the request
// could reach a member: refused or failed connection, failed TLS
// handshake.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var recordErr tls.RecordHeaderError
	return errors.As(err, &recordErr)
}

func (c *Client) gatewayFailure(endpoint, path string, status int, data []byte) error {
	var ge gatewayError
	if err := json.Unmarshal(data, &ge); err != nil || ge.Message == "" {
		// Not etcd's gateway (a proxy, a member starting): another member
		// may do better, and nothing was applied by a gateway that never
		// parsed the request.
		return &failure{err: fmt.Errorf("%s: HTTP %d", endpoint, status), retry: true, notTaken: status == http.StatusNotFound || status == http.StatusBadGateway}
	}
	msg := ge.Message
	switch {
	case strings.Contains(msg, "request is too large") || ge.Code == codeResourceExhausted && strings.Contains(msg, "larger than max"):
		return &TooLargeError{Op: path, Message: msg}
	case strings.Contains(msg, "required revision has been compacted"):
		return &CompactedError{Op: path}
	case msg == "etcdserver: no leader":
		// Refused before the request was proposed (requireLeaderHeader).
		return &failure{err: fmt.Errorf("%s: %s", endpoint, msg), retry: true, notTaken: true, answered: true}
	case ge.Code == codeUnavailable || ge.Code == codeDeadlineExceeded || strings.Contains(msg, "timed out") || strings.Contains(msg, "leader changed") ||
		msg == "raft: stopped":
		// "raft: stopped" (gRPC code 2, etcd does not map it) is a member
		// killed while it proposed: the proposal may have reached the
		// others (seen in etcdstore's TestCluster/MemberKilledMidRun).
		// The member may have proposed the request before it failed.
		return &failure{err: fmt.Errorf("%s: %s", endpoint, msg), retry: true, answered: true}
	}
	return fmt.Errorf("etcd %s: %s: %s", path, endpoint, msg)
}

// The kinds of failure, for errors.Is.
var (
	// ErrUnavailable: no member answered with a leader behind it (all
	// refused, timed out, or have lost their quorum). A write that met it
	// may or may not have been applied; read before writing again.
	ErrUnavailable = errors.New("etcd cluster unavailable")
	// ErrCompacted: the revision asked for is older than the cluster's
	// compacted history.
	ErrCompacted = errors.New("revision compacted")
	// ErrTooLarge: the request is larger than the cluster accepts
	// (--max-request-bytes, 1.5 MiB by default).
	ErrTooLarge = errors.New("request too large")
	// ErrConflict: a transaction's compares failed, so its Then operations
	// were not applied.
	ErrConflict = errors.New("conflict")
)

// UnavailableError is ErrUnavailable with what was tried.
type UnavailableError struct {
	Op    string // the gateway path, "/v3/kv/txn"
	Tried int    // how many members were tried
	Last  error  // the last member's failure
	// MayHaveApplied: a write reached a member that did not answer in
	// time, so it was not sent to another.
	MayHaveApplied bool
}

func (e *UnavailableError) Error() string {
	what := "no quorum or no member reachable"
	if e.MayHaveApplied {
		what = "no answer in time; the write may or may not have been applied"
	}
	if e.Tried == 1 {
		return fmt.Sprintf("etcd cluster unavailable (%s): %v", what, e.Last)
	}
	return fmt.Sprintf("etcd cluster unavailable (%s, %d members tried): last %v", what, e.Tried, e.Last)
}

func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }
func (e *UnavailableError) Unwrap() error        { return e.Last }

// CompactedError is ErrCompacted. Revision, when known (a watch learns
// it), is the oldest revision the cluster still holds.
type CompactedError struct {
	Op       string
	Revision int64
}

func (e *CompactedError) Error() string {
	if e.Revision > 0 {
		return fmt.Sprintf("etcd %s: revision compacted: history starts at revision %d", e.Op, e.Revision)
	}
	return fmt.Sprintf("etcd %s: revision compacted", e.Op)
}

func (e *CompactedError) Is(target error) bool { return target == ErrCompacted }

// TooLargeError is ErrTooLarge with etcd's message.
type TooLargeError struct {
	Op      string
	Message string
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("etcd %s: request too large for the cluster (%s)", e.Op, e.Message)
}

func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }
