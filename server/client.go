package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// DialOptions configure a Client.
type DialOptions struct {
	// ServiceUID is the uid the server runs as: the socket file must be
	// owned by it or by root, and so must the process that answers on it
	// (under socket activation the peer credentials are those of whoever
	// called listen). -1: not checked (tests).
	ServiceUID int
	// StateDir is where the client keeps the last checkpoints it verified,
	// its witness of the server's logs ("": none kept).
	StateDir string
	// ReportedOrigin is the SSH origin the client reports (recorded as
	// reported_origin on what it records).
	ReportedOrigin string
	// Notice is told what the client accepted and the user should know: a
	// restore of the server's database from a backup since this client's
	// last connection (nil: not told).
	Notice func(string)
}

// Unreachable is a server that does not answer: no socket, nobody
// listening on it, or a connection cut mid-answer. The command line exits
// 3 and opens no local file.
type Unreachable struct {
	Socket string
	Err    error
}

func (e *Unreachable) Error() string {
	if errors.Is(e.Err, fs.ErrPermission) {
		// The socket is the team group's (0660): someone outside it is
		// told so, not sent looking for a server that is running.
		return fmt.Sprintf("you may not connect to the rightsdesk server at %s (permission denied): an administrator adds your account to the team's group, and an admin of the team to the team table", e.Socket)
	}
	return fmt.Sprintf("the rightsdesk server at %s does not answer (%v); is rightsdesk serve running?", e.Socket, e.Err)
}

func (e *Unreachable) Unwrap() error { return e.Err }

// Untrusted is a socket or a server that is not the configured service's:
// the client refuses to talk to it.
type Untrusted struct {
	Socket, Reason string
}

func (e *Untrusted) Error() string {
	return fmt.Sprintf("the socket %s is not the rightsdesk service's: %s", e.Socket, e.Reason)
}

// Client is the team server's client: it implements storage.Service over
// the socket, with the same answers and the same error types as the local
// store, so that the command line and the app need not know which one
// they use.
type Client struct {
	socket  string
	opts    DialOptions
	http    *http.Client
	maxFile int64
	// wrote is set by a change the server accepted: Close then keeps the
	// checkpoints that change made as the witness, so that a rollback that
	// takes it away is refused on the next connection.
	wrote atomic.Bool
}

// readPosts are the POST routes that only read.
var readPosts = []string{"/v1/each", "/v1/list", "/v1/listviews", "/v1/rows", "/v1/consistency"}

var _ storage.Service = (*Client)(nil)

// Dial connects to the server at socket: it checks who owns the socket
// and who answers, that this account is a member, and the server's logs
// against the checkpoints this client verified last time (DialOptions.StateDir).
func Dial(socket string, o DialOptions) (*Client, error) {
	if o.ServiceUID >= 0 {
		info, err := os.Lstat(socket)
		if err != nil {
			return nil, &Unreachable{Socket: socket, Err: err}
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		switch {
		case info.Mode()&fs.ModeSocket == 0:
			return nil, &Untrusted{Socket: socket, Reason: "it is not a socket"}
		case !ok:
			return nil, &Untrusted{Socket: socket, Reason: "its owner cannot be read"}
		case int(st.Uid) != o.ServiceUID && st.Uid != 0:
			return nil, &Untrusted{Socket: socket, Reason: fmt.Sprintf("it is owned by uid %d, not by the service (uid %d) or root", st.Uid, o.ServiceUID)}
		}
	}
	c := &Client{socket: socket, opts: o}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, "unix", socket)
			if err != nil {
				return nil, err
			}
			if o.ServiceUID >= 0 {
				uid, err := peerUID(conn)
				if err != nil {
					conn.Close()
					return nil, err
				}
				if uid != o.ServiceUID && uid != 0 {
					conn.Close()
					return nil, &Untrusted{Socket: socket, Reason: fmt.Sprintf("the process answering runs as uid %d, not as the service (uid %d) or root", uid, o.ServiceUID)}
				}
			}
			return conn, nil
		},
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     time.Minute,
	}
	c.http = &http.Client{Transport: transport}
	var limits limitsBody
	if err := c.call("GET", "/v1/limits", nil, &limits); err != nil {
		c.Close()
		return nil, err
	}
	c.maxFile = limits.MaxFileSize
	if o.StateDir != "" {
		if err := c.witness(); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Close keeps, after a change, the server's checkpoints as the witness
// (they hold the change), and releases the client's connections.
func (c *Client) Close() error {
	var err error
	if c.wrote.Swap(false) && c.opts.StateDir != "" {
		err = c.witness()
	}
	c.http.CloseIdleConnections()
	return err
}

// base is the URL every path is put after: the host is a name only, the
// connection goes to the socket.
const base = "http://rightsdesk"

// request sends one request and returns the response of a success; an
// answer that is an error object is decoded into its Go error.
func (c *Client) request(ctx context.Context, method, path string, body io.Reader, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.opts.ReportedOrigin != "" {
		req.Header.Set("X-Reported-Origin", c.opts.ReportedOrigin)
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var untrusted *Untrusted
		if errors.As(err, &untrusted) {
			return nil, untrusted
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Unreachable{Socket: c.socket, Err: unwrapURL(err)}
	}
	if resp.StatusCode/100 == 2 {
		if method != "GET" && !slices.Contains(readPosts, strings.SplitN(path, "?", 2)[0]) {
			c.wrote.Store(true)
		}
		return resp, nil
	}
	defer resp.Body.Close()
	var eb errorBody
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &Unreachable{Socket: c.socket, Err: err}
	}
	if err := json.Unmarshal(data, &eb); err != nil || eb.Error.Kind == "" {
		return nil, fmt.Errorf("the server answered %s", resp.Status)
	}
	return nil, decodeError(eb.Error)
}

// unwrapURL drops net/http's "Get "http://rightsdesk/...": " around a
// transport error: the URL is not the socket's.
func unwrapURL(err error) error {
	var u *url.Error
	if errors.As(err, &u) {
		return u.Err
	}
	return err
}

// call sends in (JSON, nil: no body) and decodes the answer into out.
func (c *Client) call(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.request(context.Background(), method, path, body, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	data, err := readBody(resp)
	if err != nil {
		return &Unreachable{Socket: c.socket, Err: fmt.Errorf("the answer was cut: %w", err)}
	}
	if err := json.Unmarshal(nullZeroDates(data), out); err != nil {
		return fmt.Errorf("the server's answer to %s %s does not read: %w", method, path, err)
	}
	return nil
}

// readBody reads a whole answer into a buffer of the size it announces
// (Content-Length, which the server sets): the queue's answer is megabytes,
// which io.ReadAll would copy again each time its buffer doubles. The
// answer's end is read too, so that its connection is kept for the next.
func readBody(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > maxPresized {
		return io.ReadAll(resp.Body)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		return nil, err
	}
	var more [1]byte
	if m, err := resp.Body.Read(more[:]); m != 0 || (err != nil && err != io.EOF) {
		return nil, errors.New("the answer is longer than it said")
	}
	return buf, nil
}

// maxPresized bounds the buffer an answer's announced length makes: above
// it, the buffer grows with what really comes.
const maxPresized = 1 << 30

// stream sends in and calls fn with each line of a streamed answer until
// its end; an error fn returns stops it.
func (c *Client) stream(path string, in any, fn func(streamLine) error) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := c.request(ctx, "POST", path, bytes.NewReader(b), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	for {
		data, err := r.ReadBytes('\n')
		if err != nil {
			return &Unreachable{Socket: c.socket, Err: fmt.Errorf("the answer was cut: %w", err)}
		}
		var line streamLine
		if err := json.Unmarshal(nullZeroDates(data), &line); err != nil {
			return fmt.Errorf("the server's answer to %s does not read: %w", path, err)
		}
		switch {
		case line.Error != nil:
			return decodeError(*line.Error)
		case line.End:
			return nil
		}
		if err := fn(line); err != nil {
			return err
		}
	}
}

func casePath(id string, rest ...string) string {
	p := "/v1/cases/" + url.PathEscape(id)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// Get reads one case.
func (c *Client) Get(id string) (*storage.Loaded, error) {
	var l storage.Loaded
	if err := c.call("GET", casePath(id), nil, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// Each reads many cases in one request, calling fn with each in order.
func (c *Client) Each(ids []string, fn func(l *storage.Loaded) error) error {
	return c.stream("/v1/each", idsBody{IDs: ids}, func(line streamLine) error {
		if line.Loaded == nil {
			return nil
		}
		return fn(line.Loaded)
	})
}

// Queue is every case in the caller's scope, in urgency order, as of the
// server's clock (now is the server's).
func (c *Client) Queue(time.Time) ([]cases.Summary, uint64, error) {
	return c.summaries("GET", "/v1/queue", nil)
}

// Start is the first n rows of the queue in the caller's scope, with the
// counts of their organisations (storage.Paged).
func (c *Client) Start(_ time.Time, n int) (*storage.Start, error) {
	resp, err := c.request(context.Background(), "GET", "/v1/start?rows="+strconv.Itoa(n), nil, http.Header{"Accept": {summariesType}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := readBody(resp)
	if err != nil {
		return nil, &Unreachable{Socket: c.socket, Err: fmt.Errorf("the answer was cut: %w", err)}
	}
	return decodeStart(data)
}

// OpenQueue is the cases owing an answer in the caller's scope, in
// urgency order (storage.Paged).
func (c *Client) OpenQueue(time.Time) ([]cases.Summary, uint64, error) {
	return c.summaries("GET", "/v1/open", nil)
}

// ClosedQueue is the other cases in the caller's scope, closed or voided
// (storage.Paged).
func (c *Client) ClosedQueue(time.Time) ([]cases.Summary, uint64, error) {
	return c.summaries("GET", "/v1/closed", nil)
}

// summaries asks for summaries in the compact form (summaries.go).
func (c *Client) summaries(method, path string, in any) ([]cases.Summary, uint64, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, 0, err
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.request(context.Background(), method, path, body, http.Header{"Accept": {summariesType}})
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	data, err := readBody(resp)
	if err != nil {
		return nil, 0, &Unreachable{Socket: c.socket, Err: fmt.Errorf("the answer was cut: %w", err)}
	}
	return decodeSummaries(data)
}

// Rows re-reads the rows of some cases.
func (c *Client) Rows(ids []string) ([]cases.Summary, uint64, error) {
	return c.summaries("POST", "/v1/rows", idsBody{IDs: ids})
}

// Changes names the cases in the caller's scope changed since a counter.
func (c *Client) Changes(since uint64) (uint64, []string, error) {
	var out changesBody
	if err := c.call("GET", "/v1/changes?since="+strconv.FormatUint(since, 10), nil, &out); err != nil {
		return 0, nil, err
	}
	return out.Counter, out.IDs, nil
}

// List streams the summaries of the cases matching f; a view is read from
// the server only when asked for.
func (c *Client) List(f storage.Filter, now time.Time, emit func(sum *cases.Summary, view func() []byte) error) error {
	return c.stream("/v1/list", f, func(line streamLine) error {
		if line.Summary == nil {
			return nil
		}
		id := line.Summary.ID
		return emit(line.Summary, func() []byte { return c.viewOf(id, now) })
	})
}

// viewOf is a case as list --json prints it, derived from the case read
// afresh.
func (c *Client) viewOf(id string, now time.Time) []byte {
	l, err := c.Get(id)
	var b []byte
	if err == nil {
		var st *cases.State
		if st, err = l.Case.DeriveDates(now); err == nil {
			b, err = json.Marshal(cases.NewView(l.Case, st, l.Revision, false))
		}
	}
	if err != nil {
		b, _ = json.Marshal(map[string]string{"id": id, "error": err.Error()})
	}
	return b
}

// ListViews streams the cases matching f as list --json prints them.
func (c *Client) ListViews(f storage.Filter, _ time.Time, emit func(view []byte) error) error {
	return c.stream("/v1/listviews", f, func(line streamLine) error {
		if line.View == nil {
			return nil
		}
		return emit(line.View)
	})
}

// Chain is a case's hash chain.
func (c *Client) Chain(id string) ([]storage.Link, error) {
	var out []storage.Link
	if err := c.call("GET", casePath(id, "chain"), nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Proof is a case's signed checkpoint and inclusion proofs.
func (c *Client) Proof(id string, upTo uint64) (*storage.CaseProof, error) {
	var out storage.CaseProof
	if err := c.call("GET", casePath(id, "proof")+"?upto="+strconv.FormatUint(upTo, 10), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FileSeal asks the server to build the files req names and seal them
// with its key (Config.Digest): the signed seal.
func (c *Client) FileSeal(id string, req SealRequest) (string, error) {
	q := url.Values{"what": {req.What}, "letter": {req.Letter}, "date": {req.Date}}
	var out sealBody
	if err := c.call("GET", casePath(id, "seal")+"?"+q.Encode(), nil, &out); err != nil {
		return "", err
	}
	return out.Seal, nil
}

// File is one attached file's bytes.
func (c *Client) File(id, name string) ([]byte, error) {
	resp, err := c.request(context.Background(), "GET", casePath(id, "files", url.PathEscape(name)), nil, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxFile+1))
	if err != nil {
		return nil, &Unreachable{Socket: c.socket, Err: fmt.Errorf("the answer was cut: %w", err)}
	}
	return b, nil
}

// Do applies actions to one case; the server records them at its own time
// and as the caller's account, whatever now and the events say.
func (c *Client) Do(id string, actions []storage.Action, _ time.Time) ([]*storage.Result, error) {
	var out []*wireResult
	if err := c.call("POST", casePath(id, "actions"), actionsBody{Actions: actions}, &out); err != nil {
		return nil, err
	}
	return fromWireResults(out), nil
}

// DoEach applies one action to many cases.
func (c *Client) DoEach(ids []string, action storage.Action, revisions map[string]int, _ time.Time) (*storage.Bulk, error) {
	var out bulkBody
	if err := c.call("POST", "/v1/bulk", bulkRequest{IDs: ids, Action: action, Revisions: revisions}, &out); err != nil {
		return nil, err
	}
	b := &storage.Bulk{Applied: map[string]*storage.Result{}, Refused: map[string]error{}}
	for id, w := range out.Applied {
		b.Applied[id] = w.result()
	}
	for id, we := range out.Refused {
		b.Refused[id] = decodeError(we)
	}
	return b, nil
}

// Add records a new request, as the caller's account at the server's time.
func (c *Client) Add(in cases.Intake, rules cases.Rules, _ time.Time, _ string) ([]*cases.Case, error) {
	var out []*cases.Case
	if err := c.call("POST", "/v1/cases", addBody{Intake: in, Rules: rules}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Import records many requests.
func (c *Client) Import(requests [][]*cases.Case, _ time.Time, _ string) (*storage.ImportResult, error) {
	var out storage.ImportResult
	if err := c.call("POST", "/v1/import", importBody{Requests: requests}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// LogAccess records reads of personal data; the server says who and when.
func (c *Client) LogAccess(entries ...storage.Access) error {
	return c.call("POST", "/v1/access", accessBody{Entries: entries}, nil)
}

// MaxFileSize is the largest attachment the server accepts.
func (c *Client) MaxFileSize() int64 { return c.maxFile }

// CurrentRegisters are the current registers of the caller's
// organisations.
func (c *Client) CurrentRegisters() ([]storage.RegisterVersion, error) {
	var out []*wireRegister
	if err := c.call("GET", "/v1/registers", nil, &out); err != nil {
		return nil, err
	}
	return fromWireRegisters(out), nil
}

// RegisterHistory is every version of one register.
func (c *Client) RegisterHistory(id string) ([]storage.RegisterVersion, error) {
	var out []*wireRegister
	if err := c.call("GET", "/v1/registers/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return fromWireRegisters(out), nil
}

// PutRegister stores a new version of a register (admin); the server
// records it as the caller's account at its own time.
func (c *Client) PutRegister(id string, data []byte, base int, _, reason string, _ time.Time) (storage.RegisterVersion, bool, error) {
	var out putRegisterAnswer
	if err := c.call("PUT", "/v1/registers/"+url.PathEscape(id), putRegisterBody{TOML: data, Base: base, Reason: reason}, &out); err != nil {
		return storage.RegisterVersion{}, false, err
	}
	if out.Version == nil {
		return storage.RegisterVersion{}, out.Stored, nil
	}
	return out.Version.version(), out.Stored, nil
}

// Whoami is the caller's entry in the team table.
func (c *Client) Whoami() (storage.Member, error) {
	var m storage.Member
	err := c.call("GET", "/v1/whoami", nil, &m)
	return m, err
}

// Team is the team table (admin).
func (c *Client) Team() ([]storage.Member, error) {
	var out []storage.Member
	err := c.call("GET", "/v1/team", nil, &out)
	return out, err
}

// SetMember adds an account to the team table or changes its role and
// organisations (admin).
func (c *Client) SetMember(name string, role storage.Role, orgs []string, all bool) (storage.TeamEvent, error) {
	var ev storage.TeamEvent
	err := c.call("PUT", "/v1/team/"+url.PathEscape(name), memberBody{Role: role, Organisations: orgs, All: all}, &ev)
	return ev, err
}

// RemoveMember takes an account out of the team table (admin).
func (c *Client) RemoveMember(name string) (storage.TeamEvent, error) {
	var ev storage.TeamEvent
	err := c.call("DELETE", "/v1/team/"+url.PathEscape(name), nil, &ev)
	return ev, err
}

// Checkpoints are the latest signed checkpoints of the logs of the
// caller's organisations and of the team table, with the key chain.
func (c *Client) Checkpoints() (*storage.CheckpointFile, error) {
	var f storage.CheckpointFile
	if err := c.call("GET", "/v1/checkpoints", nil, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Check runs the server's check of the whole database (admin of every
// organisation).
func (c *Client) Check() ([]storage.Problem, error) {
	var out []storage.Problem
	err := c.call("GET", "/v1/check", nil, &out)
	return out, err
}

// CheckAgainst checks that the server's logs still extend the checkpoints
// of an exported file (check --against FILE), as Store.CheckAgainst does,
// within the caller's organisations.
func (c *Client) CheckAgainst(f *storage.CheckpointFile) ([]storage.Problem, error) {
	var out []storage.Problem
	err := c.call("POST", "/v1/consistency", f, &out)
	return out, err
}

// Backup writes a backup of the database (or of one organisation's cases:
// controller) to w, as the server streams it; the caller makes the file.
func (c *Client) Backup(w io.Writer, controller string) error {
	path := "/v1/backup"
	if controller != "" {
		path += "?controller=" + url.QueryEscape(controller)
	}
	resp, err := c.request(context.Background(), "GET", path, nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return &Unreachable{Socket: c.socket, Err: fmt.Errorf("the backup was cut after %d of %d bytes", n, resp.ContentLength)}
	}
	return nil
}

// Purge applies retention as the stored registers set it (admin of every
// organisation); dry computes the plan and writes nothing.
func (c *Client) Purge(dry bool) (*storage.PurgePlan, error) {
	path := "/v1/purge"
	if dry {
		path += "?dry=1"
	}
	var plan storage.PurgePlan
	if err := c.call("POST", path, nil, &plan); err != nil {
		return nil, err
	}
	return &plan, nil
}
