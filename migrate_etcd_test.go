//go:build !race

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rightsdesk/internal/etcdtest"
)

// TestMigrateIntoEtcdAndBack is issue 21's "moving a team": a database
// copied into a three-member cluster and out again into a new file lists,
// reports and checks exactly as the original; a second copy into the same
// prefix, and a copy out into an existing file, are refused and change
// nothing.
func TestMigrateIntoEtcdAndBack(t *testing.T) {
	cl := etcdtest.Start(t, 3, nil)
	var hosts []string
	for _, u := range cl.Endpoints() {
		hosts = append(hosts, strings.TrimPrefix(u, "http://"))
	}
	store := "etcd://" + strings.Join(hosts, ",")
	bin := buildBinary(t)
	dir := t.TempDir()
	run := func(args ...string) (string, int) {
		t.Helper()
		c := exec.Command(bin, args...)
		c.Env = []string{"HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_STATE_HOME=" + dir, "XDG_CONFIG_HOME=" + dir,
			"RIGHTSDESK_CONFIG=" + filepath.Join(dir, "none.toml"), "PATH=" + os.Getenv("PATH"), "TZ=Europe/Paris"}
		out, err := c.CombinedOutput()
		return string(out), exitCode(err)
	}
	src, back := filepath.Join(dir, "src", "cases.db"), filepath.Join(dir, "back", "cases.db")
	if out, code := run("demo", "--cases", "300", "--db", src); code != 0 {
		t.Fatalf("demo: %d %s", code, out)
	}
	out, code := run("migrate", "--from", src, "--to", store, "--etcd-prefix", "rd/move/", "--etcd-name", "test")
	if code != 0 || !strings.Contains(out, "read back equal and checked") {
		t.Fatalf("migrate into the cluster: %d %s", code, out)
	}
	if out, code := run("migrate", "--from", src, "--to", store, "--etcd-prefix", "rd/move/", "--etcd-name", "test"); code == 0 {
		t.Errorf("a second copy into the same prefix was taken: %s", out)
	}
	out, code = run("migrate", "--from", store, "--to", back, "--etcd-prefix", "rd/move/", "--etcd-name", "test")
	if code != 0 || !strings.Contains(out, "checked") {
		t.Fatalf("migrate out of the cluster: %d %s", code, out)
	}
	if info, err := os.Stat(back); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the copy's mode: %v %v, want 0600", info, err)
	}
	for _, args := range [][]string{{"list", "--all", "--json"}, {"report", "--json"}} {
		a, ca := run(append(args, "--db", src)...)
		b, cb := run(append(args, "--db", back)...)
		if ca != 0 || cb != 0 || a != b {
			t.Errorf("%v differs between the original (%d) and the copy back (%d)", args, ca, cb)
		}
	}
	if out, code := run("check", "--db", back); code != 0 {
		t.Errorf("check of the copy back: %d %s", code, out)
	}
	before, _ := os.ReadFile(back)
	if out, code := run("migrate", "--from", store, "--to", back, "--etcd-prefix", "rd/move/", "--etcd-name", "test"); code != 2 || !strings.Contains(out, "exists") {
		t.Errorf("a copy out into an existing file: %d %s", code, out)
	}
	if after, _ := os.ReadFile(back); !bytes.Equal(before, after) {
		t.Error("a refused copy out changed the existing file")
	}
	if out, code := run("migrate", "--from", src, "--to", "etcd://nohostport", "--etcd-prefix", "rd/x/"); code != 2 {
		t.Errorf("a malformed etcd address: %d %s", code, out)
	}
}
