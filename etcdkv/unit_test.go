package etcdkv

import (
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
