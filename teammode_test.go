package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/server"
	"rightsdesk/storage"
)

// teamEnv is the environment of a client of the harness's server for db,
// as actor: the socket and the configuration, and nothing that names a
// local database. The harness makes the actors it knows (testActors)
// members; others are whatever the test makes them.
func teamEnv(t *testing.T, db, actor string) map[string]string {
	t.Helper()
	h, err := serverFor(t, db, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	count(t, true)
	socket, err := h.socketOf(actor)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"RIGHTSDESK_SOCKET": socket, "RIGHTSDESK_CONFIG": h.config,
		"XDG_STATE_HOME": t.TempDir(), "XDG_CONFIG_HOME": t.TempDir()}
}

// runClient runs a command line as a client, on the real clock: nothing
// of the harness's per-command set-up.
func runClient(env map[string]string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	status := run(args, &out, &errOut, func(k string) string { return env[k] })
	return status, out.String(), errOut.String()
}

// oneLine1 checks that a refusal is one line saying want.
func refusedWith(t *testing.T, what string, status, wantStatus int, out, errOut, want string) {
	t.Helper()
	if status != wantStatus || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, want) {
		t.Errorf("%s: %d %q %q, want %d and one line with %q", what, status, out, errOut, wantStatus, want)
	}
}

// TestTeamModeIsSetByConfigurationOnly: a socket named by the
// configuration file, $RIGHTSDESK_SOCKET or --socket (anywhere on the
// line) makes every command a client; a server that does not answer is
// exit 3 with one line, and the local database the command would have
// used otherwise is never opened.
func TestTeamModeIsSetByConfigurationOnly(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	local := filepath.Join(data, "rightsdesk", "cases.db")
	env := map[string]string{"XDG_DATA_HOME": data, "RIGHTSDESK_CONFIG": filepath.Join(dir, "none.toml"), "RIGHTSDESK_ACTOR": "anna",
		"RIGHTSDESK_NOW": "2026-03-10T12:00:00Z"}
	if status, _, errOut := runClient(env, "init"); status != 0 {
		t.Fatal(errOut)
	}
	if status, _, errOut := runClient(env, "add", "--controller", "crisp", "--right", "access", "--subject", "Ola", "--email", "ola@example.org"); status != 0 {
		t.Fatal(errOut)
	}
	before, _ := os.ReadFile(local)
	info, _ := os.Stat(local)
	time.Sleep(10 * time.Millisecond)

	// A socket nobody answers on: a stale socket file, and no file at all.
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	config := filepath.Join(dir, "config.toml")
	os.WriteFile(config, []byte(fmt.Sprintf("socket = %q\nservice_user = %d\n", stale, os.Getuid())), 0o600)
	service := filepath.Join(dir, "service.toml") // no socket: the service user only
	os.WriteFile(service, []byte(fmt.Sprintf("service_user = %d\n", os.Getuid())), 0o600)
	client := map[string]string{"XDG_DATA_HOME": data, "RIGHTSDESK_DB": local, "XDG_STATE_HOME": t.TempDir()}
	for _, how := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"the configuration's socket", map[string]string{"RIGHTSDESK_CONFIG": config}, nil},
		{"$RIGHTSDESK_SOCKET", map[string]string{"RIGHTSDESK_SOCKET": filepath.Join(dir, "none.sock"), "RIGHTSDESK_CONFIG": service}, nil},
		{"--socket after the arguments", map[string]string{"RIGHTSDESK_CONFIG": service}, []string{"--socket", stale}},
	} {
		e := map[string]string{}
		for k, v := range client {
			e[k] = v
		}
		for k, v := range how.env {
			e[k] = v
		}
		for _, args := range [][]string{{"list", "--json"}, {"show", "DSR-2026-000001"}, {"check"}, {"note", "DSR-2026-000001", "--text", "x"}} {
			status, out, errOut := runClient(e, append(args, how.args...)...)
			refusedWith(t, how.name+": "+args[0], status, exitStore, out, errOut, "does not answer")
		}
	}
	if after, _ := os.ReadFile(local); !bytes.Equal(after, before) {
		t.Error("the local database changed")
	}
	if again, _ := os.Stat(local); !again.ModTime().Equal(info.ModTime()) {
		t.Error("the local database was written")
	}
	// Without any of them: personal mode, the local file.
	if status, out, errOut := runClient(env, "list"); status != 0 || !strings.Contains(out, "Ola") {
		t.Errorf("personal mode: %d %q %q", status, out, errOut)
	}
	// A configuration that does not read: one line naming it, exit 2.
	os.WriteFile(config, []byte("socket = \n"), 0o600)
	e := map[string]string{"RIGHTSDESK_CONFIG": config, "XDG_DATA_HOME": data}
	status, out, errOut := runClient(e, "list")
	refusedWith(t, "a malformed configuration", status, exitUsage, out, errOut, config)
	// ... but help and the calculator do not need it.
	if status, _, errOut := runClient(e, "help", "list"); status != 0 {
		t.Errorf("help under a malformed configuration: %d %q", status, errOut)
	}
	// team needs team mode.
	status, out, errOut = runClient(env, "team")
	refusedWith(t, "team in personal mode", status, exitUsage, out, errOut, "team needs team mode")
	status, out, errOut = runClient(env, "team", "set", "bob", "--role", "viewer", "--all")
	refusedWith(t, "team set in personal mode", status, exitUsage, out, errOut, "team set needs team mode")
}

// TestTeamModeRefusesWhatIsTheServers: a client refuses the overrides of
// who and when (the server's), a local --db, and the commands that make,
// replace or re-key the server's database.
func TestTeamModeRefusesWhatIsTheServers(t *testing.T) {
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	env := teamEnv(t, db, "anna")
	// A local --db, refused to anyone but the service account (whose file
	// it is: it works on it while serve is stopped).
	other := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(other, []byte("service_user = 65534\n"), 0o600)
	status, out, errOut := runClient(map[string]string{"RIGHTSDESK_SOCKET": env["RIGHTSDESK_SOCKET"], "RIGHTSDESK_CONFIG": other}, "list", "--db", db)
	refusedWith(t, "--db", status, exitUsage, out, errOut, "in team mode the database is the team server's")
	for _, tt := range []struct {
		name, key, value string
		args             []string
		want             string
	}{
		{"RIGHTSDESK_ACTOR", "RIGHTSDESK_ACTOR", "bob", []string{"list"}, "RIGHTSDESK_ACTOR is not taken in team mode"},
		{"RIGHTSDESK_NOW", "RIGHTSDESK_NOW", "2026-01-01T00:00:00Z", []string{"note", "X", "--text", "t"}, "RIGHTSDESK_NOW is not taken in team mode"},
		{"init", "", "", []string{"init"}, "the team server makes and holds the database"},
		{"demo", "", "", []string{"demo", "--cases", "3"}, "rightsdesk serve"},
		{"restore", "", "", []string{"restore", db}, "rightsdesk serve"},
		{"rotate-key", "", "", []string{"checkpoint", "--rotate-key"}, "the signing key is the team server's own"},
		{"purge --registers", "", "", []string{"purge", "--registers", t.TempDir()}, "--registers is not taken"},
	} {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		if tt.key != "" {
			e[tt.key] = tt.value
		}
		status, out, errOut := runClient(e, tt.args...)
		refusedWith(t, tt.name, status, exitUsage, out, errOut, tt.want)
	}
}

// TestTeamCommand: the team table through the server: listed, a member
// set and removed (each a chained event), refused to a member who is not
// an admin, and bad input refused before anything is asked.
func TestTeamCommand(t *testing.T) {
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	admin := teamEnv(t, db, "anna")
	status, out, errOut := runClient(admin, "team", "set", "carol", "--role", "viewer", "--org", "crisp,callrix")
	if status != 0 || !strings.Contains(out, "member_set  carol") || !strings.Contains(out, "viewer  callrix, crisp") || !strings.Contains(out, "by anna") {
		t.Fatalf("team set: %d %q %q", status, out, errOut)
	}
	status, out, _ = runClient(admin, "team")
	if status != 0 || !strings.Contains(out, "ACCOUNT") || !strings.Contains(out, "carol") || !strings.Contains(out, "anna") {
		t.Fatalf("team: %d %q", status, out)
	}
	status, out, _ = runClient(admin, "team", "--json")
	var members []storage.Member
	if err := json.Unmarshal([]byte(out), &members); status != 0 || err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("team --json: %d %v %q", status, err, out)
	}
	found := false
	for _, m := range members {
		if m.Name == "carol" {
			found = m.Role == storage.RoleViewer && len(m.Organisations) == 2 && !m.All
		}
	}
	if !found {
		t.Errorf("carol in team --json: %+v", members)
	}
	// Bad input: one line, exit 2, nothing sent.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"team", "set", "dave", "--role", "boss", "--all"}, "boss"},
		{[]string{"team", "set", "dave", "--role", "handler"}, "--org ID (repeatable) or --all"},
		{[]string{"team", "set", "dave", "--role", "handler", "--all", "--org", "crisp"}, "not both"},
		{[]string{"team", "set", "dave", "--role", "handler", "--org", "acme"}, "acme"},
		{[]string{"team", "set", "dave"}, "--role is required"},
	} {
		status, out, errOut := runClient(admin, tt.args...)
		refusedWith(t, strings.Join(tt.args, " "), status, exitUsage, out, errOut, tt.want)
	}
	// A viewer may not edit the table: refused, exit 1.
	viewer := teamEnv(t, db, "carol")
	status, out, errOut = runClient(viewer, "team", "set", "carol", "--role", "admin", "--all")
	refusedWith(t, "a viewer's team set", status, exitRefused, out, errOut, "")
	// Removed: carol's commands are refused from then on.
	status, out, errOut = runClient(admin, "team", "remove", "carol")
	if status != 0 || !strings.Contains(out, "member_removed  carol") {
		t.Fatalf("team remove: %d %q %q", status, out, errOut)
	}
	status, out, errOut = runClient(viewer, "list")
	refusedWith(t, "a removed member's list", status, exitRefused, out, errOut, "")
	// The table's events are chained and signed: check verifies them.
	if status, out, errOut := runClient(admin, "check"); status != 0 {
		t.Errorf("check after the team edits: %d %q %q", status, out, errOut)
	}
}

// TestFileCommandsThroughTheServer: the client writes what the server
// streams with its own credentials: a backup (0600, checked, with its
// checkpoints beside it) and the checkpoints file.
func TestFileCommandsThroughTheServer(t *testing.T) {
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	env := teamEnv(t, db, "anna")
	if status, _, errOut := runClient(env, "add", "--controller", "crisp", "--right", "access", "--subject", "Ola", "--email", "ola@example.org"); status != 0 {
		t.Fatal(errOut)
	}
	dir := t.TempDir()
	dest := filepath.Join(dir, "backup.db")
	if status, out, errOut := runClient(env, "backup", dest); status != 0 || strings.TrimSpace(out) != dest {
		t.Fatalf("backup: %d %q %q", status, out, errOut)
	}
	for _, f := range []string{dest, storage.CheckpointsOf(dest)} {
		if info, err := os.Stat(f); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, info, err)
		}
	}
	if problems, err := storage.Open(dest, storage.Options{}).Check(); err != nil || len(problems) > 0 {
		t.Errorf("the backup does not check: %v %v", problems, err)
	}
	out := filepath.Join(dir, "checkpoints.json")
	if status, _, errOut := runClient(env, "checkpoint", "--out", out); status != 0 {
		t.Fatalf("checkpoint --out: %d %q", status, errOut)
	}
	if f, err := storage.ReadCheckpointFile(out); err != nil || len(f.Logs) == 0 {
		t.Errorf("the checkpoints: %v %v", f, err)
	}
	if info, _ := os.Stat(out); info.Mode().Perm() != 0o600 {
		t.Errorf("checkpoints mode %v", info.Mode())
	}
	status, text, _ := runClient(env, "checkpoint")
	if status != 0 || !strings.Contains(text, "database ") {
		t.Errorf("checkpoint: %d %q", status, text)
	}
	status, text, errOut := runClient(env, "purge", "--dry-run")
	if status != 0 || !strings.Contains(text, "0 cases would purge") {
		t.Errorf("purge --dry-run: %d %q %q", status, text, errOut)
	}
}

// TestServeAsAProcess runs rightsdesk serve as its own process: it refuses
// a test database, makes a new database private, answers a client (here
// one who is no member: refused, exit 1), and stops on SIGTERM with exit 0.
// serve --adopt copies a shared-mode file into a new private one, leaving
// the old file as it was, and refuses to overwrite an existing database.
func TestServeAsAProcess(t *testing.T) {
	personalOnly(t, "serve is its own process; nothing goes through the harness")
	bin := buildBinary(t)
	dir, err := os.MkdirTemp("", "rds") // short: a socket path has 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	socket := filepath.Join(dir, "s")
	config := filepath.Join(dir, "config.toml")
	os.WriteFile(config, []byte(fmt.Sprintf("service_user = %d\n", os.Getuid())), 0o600)
	base := []string{"RIGHTSDESK_CONFIG=" + config, "XDG_STATE_HOME=" + dir, "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	cmd := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, args...)
		c.Env = base
		return c
	}
	// A test database is refused.
	testDB := filepath.Join(dir, "test", "cases.db")
	if out, err := cmd("init", "--test", "--db", testDB).CombinedOutput(); err != nil {
		t.Fatalf("init --test: %v %s", err, out)
	}
	out, err := cmd("serve", "--db", testDB, "--socket", socket, "--admin", "nobody").CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "test or demo database") {
		t.Fatalf("serve of a test database: %d %q", code, out)
	}
	// A new database, served, its socket given to a group (this process's
	// own: a user may give a file only to a group of theirs).
	group, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "team", "cases.db")
	srv := cmd("serve", "--db", db, "--socket", socket, "--admin", "nobody", "--group", group.Name)
	lines, _ := startServing(t, srv, db)
	for f, want := range map[string]os.FileMode{db: 0o600, filepath.Dir(db): 0o700, socket: 0o660} {
		if info, err := os.Stat(f); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v", f, info, err, want)
		}
	}
	if info, err := os.Stat(socket); err != nil || int(info.Sys().(*syscall.Stat_t).Gid) != os.Getgid() {
		t.Errorf("the socket's group: %v", err)
	}
	// Members that keep every log segment would keep every purged value:
	// refused before the cluster is asked.
	out, err = cmd("serve", "--store", "etcd://127.0.0.1:9", "--etcd-max-wals", "0", "--db", filepath.Join(dir, "r.db"), "--socket", filepath.Join(dir, "t")).CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "--max-wals 0) keep every purged value") || strings.Count(string(out), "\n") != 1 {
		t.Errorf("serve --etcd-max-wals 0: %d %q", code, out)
	}
	out, err = cmd("serve", "--db", db, "--socket", filepath.Join(dir, "t"), "--group", "no-such-group-here").CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "unknown group") {
		t.Errorf("serve --group of no group: %d %q", code, out)
	}
	// This process's account is no member (root and the service's own
	// account never are): refused with one line, exit 1.
	client := cmd("list", "--socket", socket)
	var cout, cerr bytes.Buffer
	client.Stdout, client.Stderr = &cout, &cerr
	code := exitCode(client.Run())
	if code != 1 || cout.Len() != 0 || strings.Count(cerr.String(), "\n") != 1 {
		t.Errorf("a client who is no member: %d %q %q", code, cout.String(), cerr.String())
	}
	srv.Process.Signal(syscall.SIGTERM)
	rest, _ := io.ReadAll(lines)
	if code := exitCode(srv.Wait()); code != 0 || !strings.Contains(string(rest), "stopped") {
		t.Errorf("serve after SIGTERM: %d %q", code, rest)
	}
	if _, err := os.Lstat(socket); err == nil {
		t.Error("the socket file stayed behind")
	}

	// --adopt: the old team's file (0660) is copied, never changed.
	old := filepath.Join(dir, "old", "cases.db")
	if out, err := cmd("init", "--db", old).CombinedOutput(); err != nil {
		t.Fatalf("init: %v %s", err, out)
	}
	add := cmd("add", "--db", old, "--controller", "crisp", "--right", "access", "--subject", "Ola", "--email", "ola@example.org")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("add: %v %s", err, out)
	}
	os.Chmod(old, 0o660)
	before, _ := os.ReadFile(old)
	out, err = cmd("serve", "--adopt", old, "--db", db, "--socket", socket, "--admin", "nobody").CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "exists") {
		t.Errorf("adopt onto an existing database: %d %q", code, out)
	}
	adopted := filepath.Join(dir, "adopted", "cases.db")
	srv = cmd("serve", "--adopt", old, "--db", adopted, "--socket", socket, "--admin", "nobody")
	lines, said := startServing(t, srv, adopted)
	if !strings.Contains(said, "adopted "+old) {
		t.Errorf("serve --adopt said %q", said)
	}
	srv.Process.Signal(syscall.SIGTERM)
	io.ReadAll(lines)
	if code := exitCode(srv.Wait()); code != 0 {
		t.Errorf("serve --adopt after SIGTERM: %d", code)
	}
	if info, err := os.Stat(adopted); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the adopted database: %v %v", info, err)
	}
	if info, _ := os.Stat(old); info.Mode().Perm() != 0o660 {
		t.Errorf("the old file's mode was changed: %v", info.Mode())
	}
	if after, _ := os.ReadFile(old); !bytes.Equal(after, before) {
		t.Error("the old file was changed")
	}
	// The adopted copy holds the old file's case.
	list := exec.Command(bin, "list", "--json", "--db", adopted)
	list.Env = append(base, "RIGHTSDESK_CONFIG="+filepath.Join(dir, "none.toml"))
	if out, err := list.Output(); err != nil || !strings.Contains(string(out), "Ola") {
		t.Errorf("the adopted copy: %v %s", err, out)
	}
}

// exitCode is a finished process's exit status (0 when err is nil).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := err.(*exec.ExitError); ok {
		return e.ExitCode()
	}
	return -1
}

// TestServeTakesTheSocketFromSystemd: under socket activation (the
// README's rightsdesk.socket) systemd binds the socket and hands it to
// serve as file descriptor 3 with LISTEN_FDS=1 and LISTEN_PID=its pid;
// serve answers on it without binding its own. systemd is not run here:
// the test binds the socket and passes it the way systemd does (sh sets
// LISTEN_PID to its own pid, which exec keeps).
func TestServeTakesTheSocketFromSystemd(t *testing.T) {
	personalOnly(t, "serve is its own process; nothing goes through the harness")
	bin := buildBinary(t)
	dir, err := os.MkdirTemp("", "rds")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	socket := filepath.Join(dir, "s")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := l.(*net.UnixListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	config := filepath.Join(dir, "config.toml")
	// The configuration names another path: a serve that ignored systemd's
	// socket would bind it.
	own := filepath.Join(dir, "own")
	os.WriteFile(config, []byte(fmt.Sprintf("socket = %q\nservice_user = %d\n", own, os.Getuid())), 0o600)
	db := filepath.Join(dir, "team", "cases.db")
	srv := exec.Command("sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" serve --db "$1" --admin nobody`, bin, db)
	srv.Env = []string{"RIGHTSDESK_CONFIG=" + config, "XDG_STATE_HOME=" + dir, "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	srv.ExtraFiles = []*os.File{f} // fd 3
	lines, _ := startServing(t, srv, db)
	// The server answers on the socket systemd bound: this account is no
	// member, so the answer is the server's refusal (exit 1), not exit 3.
	if _, err := os.Lstat(own); err == nil {
		t.Errorf("serve bound a socket of its own (%s) beside systemd's", own)
	}
	client := exec.Command(bin, "list", "--socket", socket)
	client.Env = srv.Env
	var cerr bytes.Buffer
	client.Stderr = &cerr
	if code := exitCode(client.Run()); code != 1 || !strings.Contains(cerr.String(), "not a member") {
		t.Errorf("a client on the activated socket: %d %q", code, cerr.String())
	}
	srv.Process.Signal(syscall.SIGTERM)
	io.ReadAll(lines)
	if code := exitCode(srv.Wait()); code != 0 {
		t.Errorf("serve after SIGTERM: %d", code)
	}
}

// startServing starts a serve process and waits until it says it serves
// db; a process that ends first fails the test with what it said. It
// returns the reader of the rest of its stderr and what it said so far.
func startServing(t *testing.T, srv *exec.Cmd, db string) (*bufio.Reader, string) {
	t.Helper()
	stderr, _ := srv.StderrPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(stderr)
	var said string
	for !strings.Contains(said, "serving "+db) {
		line, err := lines.ReadString('\n')
		said += line
		if err != nil {
			srv.Process.Kill()
			t.Fatalf("serve said %q %v", said, err)
		}
	}
	return lines, said
}

// TestTheServerRecordsOnlyPacketsItBuilds: through the server, an export
// records the checksum of the packet the server builds too; an exported
// event sent straight to the API with a checksum of the client's own, or
// claiming a DRAFT is final, is refused, so send cannot then record it as
// sent. A viewer's export is refused before anything is written or
// signed.
func TestTheServerRecordsOnlyPacketsItBuilds(t *testing.T) {
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	anna := teamEnv(t, db, "anna")
	status, id, errOut := runClient(anna, "add", "--controller", "crisp", "--right", "access", "--subject", "Ola", "--email", "ola@example.org")
	if status != 0 {
		t.Fatal(errOut)
	}
	id = strings.TrimSpace(id)
	h, err := serverFor(t, db, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	socket, err := h.socketOf("anna")
	if err != nil {
		t.Fatal(err)
	}
	c, err := server.Dial(socket, server.DialOptions{ServiceUID: -1, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	today := cases.DateOf(time.Now(), time.UTC)
	forged := cases.Event{Kind: cases.EventExported, Letter: cases.LetterAcknowledgement, Checksum: strings.Repeat("22", 32), LetterDate: &today}
	_, err = c.Do(id, []storage.Action{{Event: forged, IfRevision: storage.NoRevision}}, time.Now())
	var refused *cases.Refused
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "is not the one the server builds") {
		t.Fatalf("a forged export: %v", err)
	}
	if status, out, errOut := runClient(anna, "send", id, "--letter", "acknowledgement"); status != 1 || !strings.Contains(errOut, "no acknowledgement letter was exported") {
		t.Fatalf("send after a refused forged export: %d %q %q", status, out, errOut)
	}
	// Crisp's register has gaps: the real export is a DRAFT, and stays
	// one when the client says otherwise.
	out := t.TempDir()
	status, path, errOut := runClient(anna, "export", id, "--letter", "acknowledgement", "--out", out)
	if status != 0 || !strings.Contains(errOut, "DRAFT") {
		t.Fatalf("export: %d %q %q", status, path, errOut)
	}
	raw, err := os.ReadFile(strings.TrimSpace(strings.Split(path, "\n")[0]))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	final := forged
	final.Checksum, final.Draft = hex.EncodeToString(sum[:]), false
	if _, err := c.Do(id, []storage.Action{{Event: final, IfRevision: storage.NoRevision}}, time.Now()); err != nil {
		t.Fatalf("the same packet recorded again: %v", err)
	}
	if status, _, errOut := runClient(anna, "send", id, "--letter", "acknowledgement"); status != 1 || !strings.Contains(errOut, "DRAFT") {
		t.Fatalf("send of a DRAFT recorded as final by the client: %d %q", status, errOut)
	}

	status, _, errOut = runClient(anna, "team", "set", "carol", "--role", "viewer", "--org", "crisp")
	if status != 0 {
		t.Fatal(errOut)
	}
	carol := teamEnv(t, db, "carol")
	dir := filepath.Join(t.TempDir(), "carol")
	status, got, errOut := runClient(carol, "export", id, "--letter", "acknowledgement", "--out", dir)
	if status != 1 || got != "" || !strings.Contains(errOut, "needs the handler role") {
		t.Fatalf("a viewer's export: %d %q %q", status, got, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a viewer's refused export wrote %v", entries)
	}
}
