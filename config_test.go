package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		path := filepath.Join(dir, "config.toml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	env := func(path string) func(string) string {
		return func(k string) string {
			if k == "RIGHTSDESK_CONFIG" {
				return path
			}
			return ""
		}
	}
	// None: personal mode, the default service user.
	c, err := loadConfig(env(filepath.Join(dir, "none.toml")))
	if err != nil || c.Socket != "" || teamSocket("", env(""), c) != "" {
		t.Fatalf("no configuration: %+v %v", c, err)
	}
	// Every key; service_user by name or by uid.
	c, err = loadConfig(env(write(`socket = "/run/rightsdesk/rightsdesk.sock"
service_user = 998
shared_accounts = ["dpo-shared", "backup"]
state_dir = "/var/lib/rightsdesk"
`)))
	if err != nil || c.Socket != "/run/rightsdesk/rightsdesk.sock" || c.ServiceUser != "998" || len(c.SharedAccounts) != 2 || c.StateDir != "/var/lib/rightsdesk" {
		t.Fatalf("full configuration: %+v %v", c, err)
	}
	if uid, err := c.ServiceUser.uid(); err != nil || uid != 998 {
		t.Errorf("service_user 998: %d %v", uid, err)
	}
	c, err = loadConfig(env(write("socket = \"/s\"\n")))
	if err != nil || c.ServiceUser != defaultServiceUser {
		t.Fatalf("default service user: %+v %v", c, err)
	}
	if _, err := serviceUser("no-such-account-here").uid(); err == nil || !strings.Contains(err.Error(), "no-such-account-here") {
		t.Errorf("an unknown service user: %v", err)
	}
	// The socket: --socket, then $RIGHTSDESK_SOCKET, then the file.
	withSocket := func(k string) string {
		if k == "RIGHTSDESK_SOCKET" {
			return "/env.sock"
		}
		return ""
	}
	if s := teamSocket("/flag.sock", withSocket, c); s != "/flag.sock" {
		t.Errorf("--socket first: %q", s)
	}
	if s := teamSocket("", withSocket, c); s != "/env.sock" {
		t.Errorf("$RIGHTSDESK_SOCKET next: %q", s)
	}
	if s := teamSocket("", env(""), c); s != "/s" {
		t.Errorf("the file last: %q", s)
	}
	// Malformed: one line naming the file.
	for text, want := range map[string]string{
		"socket = ":                        "line 1",
		"sockett = \"/s\"\n":               `unknown key "sockett"`,
		"socket = \"relative.sock\"\n":     "absolute path",
		"service_user = 1.5\n":             "service_user",
		"shared_accounts = [\"\"]\n":       "empty name",
		"state_dir = \"var/lib/x\"\n":      "absolute path",
		"socket = [\"/a\", \"/b\"]\n":      "socket",
		"[socket]\npath = \"/s\"\n":        "socket",
		"service_user = -4\n":              "not a uid",
		"shared_accounts = \"dpo\"\n":      "shared_accounts",
		"socket = \"/s\"\nsocket = \"/t\"": "line 2",
	} {
		path := write(text)
		_, err := loadConfig(env(path))
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want one line naming %s and %q", text, err, path, want)
		}
	}
	// Not a regular file: refused at once, never waited on.
	if _, err := loadConfig(env(dir)); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a folder as configuration: %v", err)
	}
}
