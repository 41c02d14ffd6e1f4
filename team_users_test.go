package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The team on one jump host with real Unix accounts (TRUST.md, "Tests in
// team mode"): the server runs as its own system user and every member's
// commands run as that member through runuser, so that the identity the
// server records is the one the kernel gives it. CI runs as root; elsewhere
// the test says why it does not run.

// testAccountMark is the comment of every account this test creates, so
// that it never takes over or removes an account it did not make.
const testAccountMark = "rightsdesk team test"

// realTeam is a server and its members on this host.
type realTeam struct {
	t                          *testing.T
	dir, bin, db, socket, conf string
	service, group             string
	server                     *exec.Cmd
	serverErr                  *lockedBuffer
}

// realAccounts creates the group and the accounts, and removes them at the
// end; it skips the test with the reason when it cannot.
func realAccounts(t *testing.T, group string, service string, members map[string]bool) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("real-user team tests need root (CI runs them): they create Unix accounts")
	}
	for _, tool := range []string{"useradd", "userdel", "groupadd", "groupdel", "runuser", "getent"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("real-user team tests need %s", tool)
		}
	}
	must := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
		}
	}
	// An account of the same name that this test did not make is someone's:
	// the test does not run rather than act as them.
	for name := range members {
		if u, err := user.Lookup(name); err == nil && !strings.Contains(u.Name, testAccountMark) {
			t.Skipf("an account %q exists that this test did not make", name)
		}
	}
	removeAll := func() {
		for name := range members {
			if u, err := user.Lookup(name); err == nil && strings.Contains(u.Name, testAccountMark) {
				_ = exec.Command("userdel", name).Run()
			}
		}
		if u, err := user.Lookup(service); err == nil && strings.Contains(u.Name, testAccountMark) {
			_ = exec.Command("userdel", service).Run()
		}
		_ = exec.Command("groupdel", group).Run()
	}
	removeAll() // a run killed before its cleanup
	t.Cleanup(removeAll)
	must("groupadd", group)
	// The service user is in the group so that it may give the socket to
	// it (serve --group, without systemd's socket unit).
	must("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "-c", testAccountMark, "-G", group, service)
	for name, inGroup := range members {
		args := []string{"--no-create-home", "--shell", "/usr/sbin/nologin", "-c", testAccountMark}
		if inGroup {
			args = append(args, "-G", group)
		}
		must("useradd", append(args, name)...)
	}
}

// startRealTeam builds the binary where every account can run it, writes
// the host's configuration and starts the server as the service user with
// dave as its first admin.
func startRealTeam(t *testing.T) *realTeam {
	t.Helper()
	rt := &realTeam{t: t, service: "rdserve", group: "rdteam"}
	realAccounts(t, rt.group, rt.service, map[string]bool{"alice": true, "bob": true, "carol": true, "dave": true, "eve": false})
	dir, err := os.MkdirTemp("/tmp", "rdteam")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// Short paths (a socket path is at most 108 bytes) that every account
	// may pass through, and nothing more.
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	rt.dir = dir
	rt.bin = filepath.Join(dir, "rightsdesk")
	if out, err := exec.Command("go", "build", "-o", rt.bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if err := os.Chmod(rt.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := filepath.Join(dir, "srv")
	run := filepath.Join(dir, "run")
	for _, d := range []string{srv, run} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := user.Lookup(rt.service)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(svc.Uid)
	gid, _ := strconv.Atoi(svc.Gid)
	if err := os.Chown(srv, uid, gid); err != nil {
		t.Fatal(err)
	}
	// The socket's folder: the service user creates the socket, members
	// pass through to it; the socket itself is 0660 for the group.
	if err := os.Chown(run, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(run, 0o711); err != nil {
		t.Fatal(err)
	}
	rt.db = filepath.Join(srv, "cases.db")
	rt.socket = filepath.Join(run, "rd.sock")
	rt.conf = filepath.Join(dir, "config.toml")
	conf := fmt.Sprintf("socket = %q\nservice_user = %q\n", rt.socket, rt.service)
	if err := os.WriteFile(rt.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "bob", "carol", "dave", "eve"} {
		home := filepath.Join(dir, "home", name)
		if err := os.MkdirAll(home, 0o700); err != nil {
			t.Fatal(err)
		}
		u, _ := user.Lookup(name)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(home, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.Chmod(filepath.Join(dir, "home"), 0o711)
	rt.start()
	t.Cleanup(rt.stop)
	return rt
}

// start runs the server as the service user and waits until it answers.
func (rt *realTeam) start() {
	rt.t.Helper()
	rt.serverErr = &lockedBuffer{}
	rt.server = exec.Command("runuser", "-u", rt.service, "--", "env", "-i", "PATH=/usr/bin:/bin",
		"HOME="+filepath.Dir(rt.db), "XDG_STATE_HOME="+filepath.Dir(rt.db),
		rt.bin, "serve", "--db", rt.db, "--socket", rt.socket, "--group", rt.group, "--admin", "dave")
	rt.server.Stderr = rt.serverErr
	rt.server.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := rt.server.Start(); err != nil {
		rt.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if status, _, _ := rt.as("dave", nil, "team"); status == 0 {
			return
		}
		if time.Now().After(deadline) {
			rt.t.Fatalf("the server did not answer within 20 s; it said:\n%s", rt.serverErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the server with SIGTERM and waits for it.
func (rt *realTeam) stop() {
	if rt.server == nil || rt.server.Process == nil {
		return
	}
	_ = syscall.Kill(-rt.server.Process.Pid, syscall.SIGTERM)
	_ = rt.server.Wait()
	rt.server = nil
}

// kill ends the server with SIGKILL, as a crash would.
func (rt *realTeam) kill() {
	_ = syscall.Kill(-rt.server.Process.Pid, syscall.SIGKILL)
	_ = rt.server.Wait()
	rt.server = nil
}

// as runs the command line as a member, with the host's configuration and
// the member's own folders; env adds variables.
func (rt *realTeam) as(name string, env []string, args ...string) (int, string, string) {
	rt.t.Helper()
	home := filepath.Join(rt.dir, "home", name)
	full := append([]string{"-u", name, "--", "env", "-i", "PATH=/usr/bin:/bin", "HOME=" + home,
		"XDG_DATA_HOME=" + home, "XDG_STATE_HOME=" + home, "XDG_CONFIG_HOME=" + home,
		"RIGHTSDESK_CONFIG=" + rt.conf}, env...)
	cmd := exec.Command("runuser", append(append(full, rt.bin), args...)...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	status := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		status = exit.ExitCode()
	} else if err != nil {
		rt.t.Fatal(err)
	}
	return status, out.String(), errOut.String()
}

// ok runs a command as a member that must succeed, and gives its output.
func (rt *realTeam) ok(name string, args ...string) string {
	rt.t.Helper()
	status, out, errOut := rt.as(name, nil, args...)
	if status != 0 {
		rt.t.Fatalf("%s: rightsdesk %s: exit %d: %s%s", name, strings.Join(args, " "), status, errOut, out)
	}
	return out
}

// addCase records a request as a member and gives its ID.
func (rt *realTeam) addCase(name, controller, subject, email string) string {
	rt.t.Helper()
	out := rt.ok(name, "add", "--controller", controller, "--right", "access", "--subject", subject,
		"--email", email, "--channel", "email", "--json")
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.ID == "" {
		rt.t.Fatalf("add as %s: %v: %s", name, err, out)
	}
	return created.ID
}

func TestTeamOfRealUsers(t *testing.T) {
	personalOnly(t, "its server is its own process, run as its own user; nothing goes through the harness")
	rt := startRealTeam(t)

	// dave, the first admin, sets up the team; each change is an event of
	// the team table's own chain.
	rt.ok("dave", "team", "set", "alice", "--role", "handler", "--org", "callrix", "--org", "crisp")
	rt.ok("dave", "team", "set", "bob", "--role", "handler", "--org", "closeq")
	// The fourth event of the table's chain (the first admin was the first),
	// which check verifies and the checkpoints sign.
	if out := rt.ok("dave", "team", "set", "carol", "--role", "viewer", "--all"); !strings.Contains(out, "team 4  member_set  carol") {
		t.Errorf("carol's line in the team table is not its fourth event: %q", out)
	}
	if out := rt.ok("dave", "checkpoint"); !strings.Contains(out, "~team") {
		t.Errorf("the checkpoints do not sign the team table's log:\n%s", out)
	}
	var team []struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := json.Unmarshal([]byte(rt.ok("dave", "team", "--json")), &team); err != nil || len(team) != 4 {
		t.Fatalf("the team table: %v %+v", err, team)
	}
	if status, _, errOut := rt.as("alice", nil, "team", "set", "eve", "--role", "admin", "--all"); status != 1 {
		t.Errorf("alice (a handler) edits the team table: exit %d %s", status, errOut)
	}

	aliceCase := rt.addCase("alice", "crisp", "Ada Callrix-Lovelace", "ada@example.org")
	bobCase := rt.addCase("bob", "closeq", "Zbigniew Quellton", "zbigniew@example.org")
	if !strings.HasPrefix(aliceCase, "DSR-CRISP-") || !strings.HasPrefix(bobCase, "DSR-CLOSEQ-") {
		t.Errorf("new IDs are numbered per organisation with its code: %s, %s", aliceCase, bobCase)
	}

	// Her events carry alice, whatever she claims, and she cannot claim.
	status, _, errOut := rt.as("alice", []string{"RIGHTSDESK_ACTOR=bob"}, "note", aliceCase, "--text", "as bob")
	if status != 2 || strings.Count(errOut, "\n") != 1 {
		t.Errorf("RIGHTSDESK_ACTOR in team mode: exit %d %q, want 2 and one line", status, errOut)
	}
	status, _, errOut = rt.as("alice", []string{"RIGHTSDESK_NOW=2020-01-01T00:00:00Z"}, "note", aliceCase, "--text", "then")
	if status != 2 {
		t.Errorf("RIGHTSDESK_NOW in team mode: exit %d %q, want 2", status, errOut)
	}
	rt.ok("alice", "note", aliceCase, "--text", "called back")
	var shown struct {
		Events []struct {
			Kind       string   `json:"kind"`
			Actor      string   `json:"actor"`
			Overridden []string `json:"overridden"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(rt.ok("alice", "show", aliceCase, "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	for _, e := range shown.Events {
		if e.Actor != "alice" || len(e.Overridden) > 0 {
			t.Errorf("an event of alice's case says actor %q overridden %v", e.Actor, e.Overridden)
		}
	}

	// alice sees nothing of closeq: lists, reports, a search for a closeq
	// subject's name, and an out-of-scope ID answers as an unknown one.
	for _, args := range [][]string{{"list", "--all", "--json"}, {"report", "--json"}, {"list", "--all", "--query", "Zbigniew"}} {
		out := rt.ok("alice", args...)
		for _, leak := range []string{"closeq", "Zbigniew", "Quellton", bobCase} {
			if strings.Contains(strings.ToLower(out), strings.ToLower(leak)) {
				t.Errorf("alice's %s shows %q:\n%s", strings.Join(args, " "), leak, out)
			}
		}
	}
	unknown := "DSR-CLOSEQ-2026-999999"
	s1, o1, e1 := rt.as("alice", nil, "show", bobCase)
	s2, o2, e2 := rt.as("alice", nil, "show", unknown)
	if s1 != s2 || o1 != o2 || strings.ReplaceAll(e1, bobCase, "ID") != strings.ReplaceAll(e2, unknown, "ID") {
		t.Errorf("an out-of-scope ID and an unknown one answer differently:\n%d %q %q\n%d %q %q", s1, o1, e1, s2, o2, e2)
	}
	if s1 == 0 {
		t.Errorf("alice reads bob's case: %s", o1)
	}

	// carol reads everything and records nothing.
	if out := rt.ok("carol", "show", bobCase); !strings.Contains(out, "Zbigniew") {
		t.Errorf("carol, a viewer of all organisations, cannot read bob's case:\n%s", out)
	}
	if status, _, errOut := rt.as("carol", nil, "note", bobCase, "--text", "looked"); status != 1 {
		t.Errorf("carol (a viewer) records a note: exit %d %s", status, errOut)
	}

	// A backup is a read of everything: carol, a viewer of every
	// organisation (the backup member of the README), makes one, written by
	// her client with her own permissions; alice, a handler of two, does not.
	backup := filepath.Join(rt.dir, "home", "carol", "cases-backup.db")
	if out := rt.ok("carol", "backup", backup); !strings.Contains(out, backup) {
		t.Errorf("carol's backup says %q", out)
	}
	for _, f := range []string{backup, backup + ".checkpoints.json"} {
		info, err := os.Stat(f)
		if err != nil {
			t.Errorf("the backup member's backup: %v", err)
			continue
		}
		carol, _ := user.Lookup("carol")
		if st, ok := info.Sys().(*syscall.Stat_t); !ok || strconv.Itoa(int(st.Uid)) != carol.Uid || info.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, not carol's 0600", f, info.Mode().Perm())
		}
	}
	if status, _, errOut := rt.as("alice", nil, "backup", filepath.Join(rt.dir, "home", "alice", "b.db")); status != 1 {
		t.Errorf("alice (a handler of two organisations) backs up: exit %d %s", status, errOut)
	}

	// eve is neither in the team nor in the group: no connection, no file.
	if status, _, errOut := rt.as("eve", nil, "list"); status != 3 || !strings.Contains(errOut, "the team's group") {
		t.Errorf("eve lists: exit %d %s, want 3 and why (the socket refuses her)", status, errOut)
	}
	if err := exec.Command("runuser", "-u", "eve", "--", "cat", rt.db).Run(); err == nil {
		t.Errorf("eve reads the database file")
	}

	// An attach of the server's key by alice fails with her own permission
	// error: the client opens the file, never the server.
	keys, _ := filepath.Glob(filepath.Join(filepath.Dir(rt.db), "*", "*.key"))
	more, _ := filepath.Glob(filepath.Join(filepath.Dir(rt.db), "*.key"))
	keys = append(keys, more...)
	if len(keys) == 0 {
		t.Fatalf("no key file beside the server's database")
	}
	status, _, errOut = rt.as("alice", nil, "attach", aliceCase, keys[0], "--kind", "internal")
	if status == 0 || !strings.Contains(errOut, "permission denied") {
		t.Errorf("alice attaches the server's key: exit %d %q, want her own permission error", status, errOut)
	}

	twoApps(t, rt, aliceCase)

	// The server killed mid-change: what it acknowledged is there after
	// the next start, and check finds the file consistent.
	done := make(chan []string)
	go func() {
		var acked []string
		for i := 0; ; i++ {
			status, out, _ := rt.as("alice", nil, "add", "--controller", "callrix", "--right", "erasure",
				"--subject", fmt.Sprintf("Kill %d", i), "--email", fmt.Sprintf("k%d@example.org", i), "--channel", "email", "--json")
			if status != 0 {
				done <- acked
				return
			}
			var created struct {
				ID string `json:"id"`
			}
			if json.Unmarshal([]byte(out), &created) == nil && created.ID != "" {
				acked = append(acked, created.ID)
			}
		}
	}()
	time.Sleep(1500 * time.Millisecond)
	rt.kill()
	acked := <-done
	rt.start()
	for _, id := range acked {
		if status, _, errOut := rt.as("alice", nil, "show", id); status != 0 {
			t.Errorf("%s was acknowledged before the kill and is lost: %s", id, errOut)
		}
	}
	if out := rt.ok("dave", "check"); !strings.Contains(out, "ok") {
		t.Errorf("check after the kill: %s", out)
	}
	t.Logf("%d cases acknowledged before SIGKILL, all there after the restart", len(acked))

	// The file cut short under the running server (a disk fault, a
	// careless root): reading it faults; the server says so in one line of
	// its log, goes read-only and goes on answering, never crashes.
	if err := os.Truncate(rt.db, 0); err != nil {
		t.Fatal(err)
	}
	status, _, errOut = rt.as("alice", nil, "show", aliceCase)
	if status != 3 || strings.Contains(errOut, "does not answer") {
		t.Errorf("a read of the cut file: exit %d %q, want 3 from a server that answers", status, errOut)
	}
	status, _, errOut = rt.as("alice", nil, "note", aliceCase, "--text", "after the fault")
	if status != 3 || !strings.Contains(errOut, "damaged") {
		t.Errorf("a write after the fault: exit %d %q, want 3 and damaged", status, errOut)
	}
	if rt.server.ProcessState != nil {
		t.Fatalf("the server ended after the fault:\n%s", rt.serverErr)
	}
	if log := rt.serverErr.String(); strings.Count(log, "went read-only after a fault") != 1 {
		t.Errorf("the server's log should say the fault once:\n%s", log)
	}
}

// twoApps runs two terminal apps as alice over the server at 80x24: a work
// result recorded in one shows in the other's open case as soon as it is pushed,
// and her overview counts only her organisations.
func twoApps(t *testing.T, rt *realTeam, id string) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatal("tmux is missing: .ci/run installs it")
	}
	sock := tmuxSocket(rt.dir)
	tm := func(args ...string) string {
		out, _ := exec.Command(tmux, append([]string{"-L", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		return string(out)
	}
	defer tm("kill-server")
	home := filepath.Join(rt.dir, "home", "alice")
	app := "runuser -u alice -- env -i PATH=/usr/bin:/bin HOME=" + home + " XDG_DATA_HOME=" + home +
		" XDG_STATE_HOME=" + home + " XDG_CONFIG_HOME=" + home + " RIGHTSDESK_CONFIG=" + rt.conf +
		" TERM=xterm-256color " + rt.bin + " --color none; echo RIGHTSDESK-EXITED $?; sleep 60"
	for _, s := range []string{"one", "two"} {
		tm("new-session", "-d", "-s", s, "-x", "80", "-y", "24", "sh", "-c", app)
	}
	waitFor := func(session, what string, ok func(string) bool) (string, time.Duration) {
		t.Helper()
		start := time.Now()
		for {
			s := tm("capture-pane", "-p", "-t", session)
			if ok(s) {
				return s, time.Since(start)
			}
			if time.Since(start) > 20*time.Second {
				t.Fatalf("%s: waited for %s; the screen shows:\n%s", session, what, s)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	open := func(session string) {
		waitFor(session, "the queue", func(s string) bool { return strings.Contains(s, id) })
		tm("send-keys", "-t", session, "/")
		tm("send-keys", "-t", session, "-l", id)
		tm("send-keys", "-t", session, "Enter")
		waitFor(session, "the case", func(s string) bool {
			return strings.Contains(s, "received             ") && strings.Contains(s, "work 0/6")
		})
	}
	open("one")
	open("two")
	// One records the result of a work item: "work 1/6" in both headers.
	tm("send-keys", "-t", "one", "W")
	waitFor("one", "the work form", func(s string) bool { return strings.Contains(s, "Record the result of a work item") })
	tm("send-keys", "-t", "one", "Tab", "Right")
	waitFor("one", "none chosen", func(s string) bool { return strings.Contains(s, "‹ none ›") })
	tm("send-keys", "-t", "one", "Enter")
	waitFor("one", "the result recorded", func(s string) bool { return strings.Contains(s, "work 1/6") })
	_, took := waitFor("two", "the result in the other app", func(s string) bool { return strings.Contains(s, "work 1/6") })
	t.Logf("the result showed in the other app %d ms after the first app showed it", took.Milliseconds())

	// Her overview: her open cases, nothing of closeq.
	tm("send-keys", "-t", "two", "Escape")
	waitFor("two", "the queue again", func(s string) bool { return strings.Contains(s, "ORGANISATION") || strings.Contains(s, "ORG") })
	tm("send-keys", "-t", "two", "v")
	overview, _ := waitFor("two", "the overview", func(s string) bool { return strings.Contains(strings.ToLower(s), "overview") })
	if strings.Contains(strings.ToLower(overview), "closeq") {
		t.Errorf("alice's overview shows closeq:\n%s", overview)
	}
}
