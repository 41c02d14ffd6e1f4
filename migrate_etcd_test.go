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

// onACluster starts a three-member cluster for t and returns its store
// address (etcd://...), a folder of t's, and run, which runs the built
// binary with args, its homes in that folder, and returns what it printed
// and its exit status.
func onACluster(t *testing.T) (store, dir string, run func(args ...string) (string, int)) {
	t.Helper()
	cl := etcdtest.Start(t, 3, nil)
	var hosts []string
	for _, u := range cl.Endpoints() {
		hosts = append(hosts, strings.TrimPrefix(u, "http://"))
	}
	bin := buildBinary(t)
	dir = t.TempDir()
	run = func(args ...string) (string, int) {
		t.Helper()
		c := exec.Command(bin, args...)
		c.Env = []string{"HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_STATE_HOME=" + dir, "XDG_CONFIG_HOME=" + dir,
			"RIGHTSDESK_CONFIG=" + filepath.Join(dir, "none.toml"), "PATH=" + os.Getenv("PATH"), "TZ=Europe/Paris"}
		out, err := c.CombinedOutput()
		return string(out), exitCode(err)
	}
	return "etcd://" + strings.Join(hosts, ","), dir, run
}

// TestMigrateIntoEtcdAndBack is issue 21's "moving a team": a database
// copied into a three-member cluster and out again into a new file lists,
// reports and checks exactly as the original; a second copy into the same
// prefix, and a copy out into an existing file, are refused and change
// nothing.
func TestMigrateIntoEtcdAndBack(t *testing.T) {
	store, dir, run := onACluster(t)
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

// TestRotateAServersKeyOnACluster: the service account of a stopped server
// on a cluster rotates that server's own key through its replica
// (checkpoint --rotate-key --store): the rotation is one change on the
// cluster, named for the server; a second rotation is signed by the key the
// first wrote to the server's key file; the cluster's data, copied out,
// checks clean (each statement signed by the old and the new key, no key
// replaced). --store without --rotate-key is a usage error.
func TestRotateAServersKeyOnACluster(t *testing.T) {
	store, dir, run := onACluster(t)
	src, replica, back := filepath.Join(dir, "src", "cases.db"), filepath.Join(dir, "site-a", "cases.db"), filepath.Join(dir, "back", "cases.db")
	if out, code := run("init", "--db", src); code != 0 {
		t.Fatalf("init: %d %s", code, out)
	}
	if out, code := run("add", "--db", src, "--controller", "crisp", "--right", "access", "--received", "2026-11-02",
		"--subject", "Zoé Lefèvre", "--email", "zoe@example.org"); code != 0 {
		t.Fatalf("add: %d %s", code, out)
	}
	site := []string{"--etcd-prefix", "rd/keys/", "--etcd-name", "site-a"}
	if err := os.Mkdir(filepath.Dir(replica), 0o700); err != nil { // the stopped server's folder
		t.Fatal(err)
	}
	if out, code := run(append([]string{"migrate", "--from", src, "--to", store}, site...)...); code != 0 {
		t.Fatalf("migrate into the cluster: %d %s", code, out)
	}
	if out, code := run(append([]string{"checkpoint", "--db", replica, "--store", store}, site...)...); code != 2 || !strings.Contains(out, "only with --rotate-key") {
		t.Errorf("--store without --rotate-key: %d %s", code, out)
	}
	for range 2 {
		out, code := run(append([]string{"checkpoint", "--rotate-key", "--db", replica, "--store", store}, site...)...)
		if code != 0 || !strings.Contains(out, "key_rotated") {
			t.Fatalf("rotate site-a's key: %d %s", code, out)
		}
	}
	if out, code := run(append([]string{"migrate", "--from", store, "--to", back}, site...)...); code != 0 {
		t.Fatalf("migrate out of the cluster: %d %s", code, out)
	}
	out, code := run("check", "--db", back)
	if code != 0 || strings.Contains(out, "replaced") {
		t.Fatalf("check of the cluster's data after two rotations: %d %s", code, out)
	}
	f := filepath.Join(dir, "keys.json")
	if out, code := run("checkpoint", "--db", back, "--out", f); code != 0 {
		t.Fatalf("checkpoint --out: %d %s", code, out)
	}
	js, _ := os.ReadFile(f)
	if n := strings.Count(string(js), `"key_rotated"`); n != 2 || !strings.Contains(string(js), `"site-a"`) || strings.Contains(string(js), `"key_replaced"`) {
		t.Errorf("the key chain holds %d rotations (want 2, by site-a, and no key replaced):\n%s", n, js)
	}
}
