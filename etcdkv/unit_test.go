package etcdkv

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a", "b"}, {"cases/", "cases0"}, {"a\xff", "b"}, {"\xff\xff", "\x00"}, {"", "\x00"},
	} {
		if got := string(prefixEnd([]byte(tc.in))); got != tc.want {
			t.Errorf("prefixEnd(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	notPEM := dir + "/ca.pem"
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{
		"no endpoint":        {},
		"blank endpoint":     {Endpoints: []string{" "}},
		"other scheme":       {Endpoints: []string{"unix:///tmp/etcd.sock"}},
		"path":               {Endpoints: []string{"http://h:2379/v3"}},
		"cert without key":   {Endpoints: []string{"h:2379"}, CertFile: "c.pem"},
		"missing CA file":    {Endpoints: []string{"h:2379"}, CAFile: dir + "/none.pem"},
		"CA file not PEM":    {Endpoints: []string{"h:2379"}, CAFile: notPEM},
		"missing cert files": {Endpoints: []string{"h:2379"}, CertFile: dir + "/c.pem", KeyFile: dir + "/k.pem"},
	} {
		_, err := New(cfg)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error of several lines: %q", name, err)
		}
	}
	c, err := New(Config{Endpoints: []string{"10.0.0.1:2379", "https://10.0.0.2:2379/"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Endpoints(); got[0] != "http://10.0.0.1:2379" || got[1] != "https://10.0.0.2:2379" {
		t.Fatalf("endpoints: %q", got)
	}
}

// The gateway's failed answers, as etcd 3.7.3 gave them to the probes this
// client was written from, sorted into the kinds callers act on.
func TestGatewayFailures(t *testing.T) {
	c := &Client{}
	for _, tc := range []struct {
		status   int
		body     string
		kind     error // nil: a member failure to pass on, or a plain error
		retry    bool
		notTaken bool
	}{
		{400, `{"code":3,"message":"etcdserver: request is too large"}`, ErrTooLarge, false, false},
		{429, `{"code":8,"message":"grpc: received message larger than max (3145738 vs. 2097152)"}`, ErrTooLarge, false, false},
		{400, `{"code":11,"message":"etcdserver: mvcc: required revision has been compacted"}`, ErrCompacted, false, false},
		{503, `{"code":14,"message":"etcdserver: no leader"}`, nil, true, true},
		{503, `{"code":14,"message":"etcdserver: request timed out"}`, nil, true, false},
		{504, `{"code":4,"message":"context deadline exceeded"}`, nil, true, false},
		{503, `{"code":14,"message":"etcdserver: leader changed"}`, nil, true, false},
		{500, `{"code":2,"message":"raft: stopped"}`, nil, true, false},
		{503, `{"code":14,"message":"etcdserver: server stopped"}`, nil, true, false},
		{502, `<html>bad gateway</html>`, nil, true, true},
		{400, `{"code":11,"message":"etcdserver: mvcc: required revision is a future revision"}`, nil, false, false},
	} {
		err := c.gatewayFailure("http://m1:2379", "/v3/kv/txn", tc.status, []byte(tc.body))
		var f *failure
		isFailure := errors.As(err, &f)
		switch {
		case tc.kind != nil && !errors.Is(err, tc.kind):
			t.Errorf("%s: %v, want %v", tc.body, err, tc.kind)
		case tc.retry != isFailure || isFailure && (f.retry != tc.retry || f.notTaken != tc.notTaken):
			t.Errorf("%s: %#v, want retry %v, not taken %v", tc.body, err, tc.retry, tc.notTaken)
		case strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: error of several lines", tc.body)
		}
	}
}

// A delete range and a keys-only range reach the gateway as etcd's
// range_end and keys_only, under the client's prefix; a range that ends
// before it starts is refused before it is sent.
func TestDeleteRangeAndKeysOnlyOnTheWire(t *testing.T) {
	c := &Client{prefix: "p/"}
	ops, err := c.wireOps([]Op{OpDeleteRange("a", "b"), OpDelete("k")})
	if err != nil {
		t.Fatal(err)
	}
	if d := ops[0].DeleteRange; d == nil || string(d.Key) != "p/a" || string(d.RangeEnd) != "p/b" {
		t.Errorf("OpDeleteRange(a, b): %+v, want [p/a, p/b)", d)
	}
	if d := ops[1].DeleteRange; d == nil || string(d.Key) != "p/k" || d.RangeEnd != nil {
		t.Errorf("OpDelete(k): %+v, want p/k alone", d)
	}
	if _, err := c.wireOps([]Op{OpDeleteRange("b", "a")}); err == nil {
		t.Error("a delete range ending before its start was accepted")
	}
	w, err := c.wireRange(RangeRequest{Key: "a", End: "b", KeysOnly: true})
	if err != nil || !w.KeysOnly || string(w.RangeEnd) != "p/b" {
		t.Errorf("keys-only range: %+v %v", w, err)
	}
}
