package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage"
)

func TestStoreCommandsEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "cases.db")
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-20T10:00:00Z", "RIGHTSDESK_ACTOR": "anna",
		"XDG_CONFIG_HOME": t.TempDir()}
	// Only init and demo create a database (TRUST.md): a read or a write on
	// a path with none is bad input naming the path and how to make one,
	// and creates nothing, not even the folder.
	for _, args := range [][]string{{"list", "--json"}, {"check"}, {"add", "--controller", "crisp", "--right", "access",
		"--subject", "Zoé", "--email", "zoe@example.org"}, {"import", "-"}, {"backup", filepath.Join(t.TempDir(), "b.db")}} {
		status, out, errOut := runCLI(t, env, append(args, "--db", db)...)
		if status != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 ||
			!strings.Contains(errOut, "no database at "+db+" (rightsdesk init --db "+db+" creates one)") {
			t.Errorf("%s on no database: %d %q %q", args[0], status, out, errOut)
		}
	}
	if _, err := os.Stat(filepath.Dir(db)); err == nil {
		t.Fatal("a command on a missing database made its folder")
	}
	if status, _, errOut := runCLI(t, env, "init", "--db", db); status != 0 {
		t.Fatalf("init: %d %s", status, errOut)
	}
	if info, _ := os.Stat(db); info.Mode().Perm() != 0o600 {
		t.Fatalf("database mode %v", info.Mode())
	}
	status, out, errOut := runCLI(t, env, "add", "--controller", "crystalqore", "--right", "access,erasure",
		"--subject", "Zoé \x1b[2JLefèvre", "--email", "zoe@example.org", "--received", "2026-11-02", "--db", db, "--json")
	if status != 0 {
		t.Fatalf("add: %d %s", status, errOut)
	}
	// An identifier type given twice is refused, not silently replaced.
	if status, _, errOut := runCLI(t, env, "add", "--controller", "crisp", "--right", "access", "--subject", "Ola",
		"--email", "ola@example.org", "--identifier", "customer=1", "--identifier", "customer=2", "--db", db); status != 2 ||
		!strings.Contains(errOut, `identifier "customer" given twice`) {
		t.Fatalf("a type given twice: %d %s", status, errOut)
	}
	var added []map[string]any
	if err := json.Unmarshal([]byte(out), &added); err != nil || len(added) != 2 {
		t.Fatalf("add --json: %v %s", err, out)
	}
	// CrystalQore promises 30 days: 2 December, the same as the statute here.
	if added[0]["effective_due"] != "2026-12-02" || added[0]["request_id"] != added[1]["request_id"] {
		t.Errorf("added: %v", added[0])
	}
	status, out, _ = runCLI(t, env, "show", added[0]["id"].(string), "--db", db)
	if status != 0 || strings.ContainsRune(out, 0x1b) || !strings.Contains(out, "Zoé ^[[2JLefèvre") {
		t.Fatalf("show must neutralise the escape sequence: %q", out)
	}
	if status, out, _ = runCLI(t, env, "show", "--json", "--db", db, added[0]["id"].(string)); status != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("show --json: %d %q", status, out)
	}
	if status, _, errOut = runCLI(t, env, "show", "DSR-2026-999999", "--db", db); status != 2 || !strings.Contains(errOut, "no case") {
		t.Fatalf("unknown case: %d %s", status, errOut)
	}
	if status, _, errOut = runCLI(t, env, "add", "--controller", "acme", "--right", "access", "--subject", "X", "--email", "x@example.org", "--db", db); status != 2 || !strings.Contains(errOut, "unknown organisation") {
		t.Fatalf("unknown organisation: %d %s", status, errOut)
	}
	if status, _, errOut = runCLI(t, env, "add", "--controller", "crisp", "--right", "access", "--subject", "X", "--db", db); status != 2 || !strings.Contains(errOut, "contact route") {
		t.Fatalf("no contact route: %d %s", status, errOut)
	}
	if status, out, _ = runCLI(t, env, "list", "--db", db, "--due-within", "14d"); status != 0 || strings.Count(out, "\n") != 2 {
		t.Fatalf("list --due-within: %d %q", status, out)
	}
	if status, out, _ = runCLI(t, env, "check", "--db", db); status != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("check: %d %q", status, out)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if status, _, errOut = runCLI(t, env, "backup", backup, "--db", db); status != 0 {
		t.Fatalf("backup: %d %s", status, errOut)
	}
	if info, _ := os.Stat(backup); info.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v", info.Mode())
	}
	// A file that is not a database: exit 3 with advice, nothing written.
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notDB, []byte("hello, this is not a database at all, just text that is long enough"), 0o600)
	status, _, errOut = runCLI(t, env, "list", "--db", notDB)
	if status != 3 || !strings.Contains(errOut, "not a rightsdesk database") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("foreign file: %d %q", status, errOut)
	}
}

func TestInitShared(t *testing.T) {
	personalOnly(t, "init --shared sets up a shared local file; a team server replaces it (serve --adopt)")
	if os.Getuid() != 0 {
		t.Skip("giving a folder to a group needs root or membership; CI runs as root")
	}
	g, err := user.LookupGroupId("1") // daemon on Debian: any group other than the user's own
	if err != nil {
		t.Skip("no group 1 here")
	}
	db := filepath.Join(t.TempDir(), "team", "cases.db")
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-20T10:00:00Z", "RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": t.TempDir()}
	if status, _, errOut := runCLI(t, env, "init", "--shared", "--db", db); status != 2 || !strings.Contains(errOut, "--group") {
		t.Fatalf("--shared without a group: %d %q", status, errOut)
	}
	if status, _, errOut := runCLI(t, env, "init", "--shared", "--group", "no-such-group-here", "--db", db); status != 2 || !strings.Contains(errOut, "unknown group") {
		t.Fatalf("unknown group: %d %q", status, errOut)
	}
	if status, _, errOut := runCLI(t, env, "init", "--shared", "--group", g.Name, "--db", db); status != 0 {
		t.Fatalf("init --shared: %s", errOut)
	}
	dir, _ := os.Stat(filepath.Dir(db))
	if dir.Mode()&os.ModeSetgid == 0 || dir.Mode().Perm() != 0o770 || fmt.Sprint(dir.Sys().(*syscall.Stat_t).Gid) != g.Gid {
		t.Fatalf("shared folder: mode %v gid %d, want setgid 2770 owned by %s", dir.Mode(), dir.Sys().(*syscall.Stat_t).Gid, g.Gid)
	}
	// A case added later keeps the file group-writable, never world-readable.
	if status, _, errOut := runCLI(t, env, "add", "--controller", "crisp", "--right", "access", "--subject", "Ana", "--email", "ana@example.org", "--db", db); status != 0 {
		t.Fatal(errOut)
	}
	file, _ := os.Stat(db)
	if file.Mode().Perm() != 0o660 || fmt.Sprint(file.Sys().(*syscall.Stat_t).Gid) != g.Gid {
		t.Fatalf("shared database: mode %v gid %d, want 0660 owned by group %s", file.Mode(), file.Sys().(*syscall.Stat_t).Gid, g.Gid)
	}
}

// TestBusyDatabaseExitsWithinItsBound: while another process holds the
// file, a command waits its bound (a few seconds), then exits 3 saying so.
func TestBusyDatabaseExitsWithinItsBound(t *testing.T) {
	personalOnly(t, "another process holding the local file; in team mode only the server opens it")
	db := filepath.Join(t.TempDir(), "cases.db")
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-20T10:00:00Z", "RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": t.TempDir()}
	if status, _, errOut := runCLI(t, env, "init", "--db", db); status != 0 {
		t.Fatal(errOut)
	}
	holder := exec.Command(os.Args[0])
	holder.Env = append(os.Environ(), "RIGHTSDESK_TEST_HOLD="+db)
	stdin, _ := holder.StdinPipe()
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); holder.Wait() }()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "held\n" {
		t.Fatalf("the holder did not take the lock: %q %v", line, err)
	}
	for _, args := range [][]string{{"list"}, {"add", "--controller", "crisp", "--right", "access", "--subject", "Ana", "--email", "ana@example.org"}} {
		start := time.Now()
		status, _, errOut := runCLI(t, env, append(args, "--db", db)...)
		took := time.Since(start)
		if status != 3 || !strings.Contains(errOut, "busy") || strings.Count(errOut, "\n") != 1 {
			t.Fatalf("%s while another process holds the file: %d %q", args[0], status, errOut)
		}
		if took < storage.DefaultLockTimeout-100*time.Millisecond || took > storage.DefaultLockTimeout+2*time.Second {
			t.Fatalf("%s waited %s, want its bound of %s", args[0], took, storage.DefaultLockTimeout)
		}
	}
}

// holdLock is the child of TestBusyDatabaseExitsWithinItsBound: it opens
// the database, says so, and holds it until its stdin closes.
func holdLock(path string) int {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	fmt.Println("held")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

func TestBackupOfOneOrganisation(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	crisp := d.add("--controller", "crisp", "--right", "access,erasure", "--received", "2026-03-02")
	callrix := d.add("--controller", "callrix", "--right", "access", "--received", "2026-03-02")
	file := filepath.Join(t.TempDir(), "orders.csv")
	os.WriteFile(file, []byte("order\n1042\n"), 0o600)
	for _, s := range [][]string{{"attach", crisp, file}, {"note", callrix, "--text", "CALLRIXONLY"}} {
		if status, _, errOut := d.run(s...); status != 0 {
			t.Fatal(errOut)
		}
	}
	dest := filepath.Join(t.TempDir(), "crisp.db")
	if status, _, errOut := d.run("backup", dest, "--controller", "crisp"); status != 0 {
		t.Fatalf("backup --controller: %s", errOut)
	}
	info, _ := os.Stat(dest)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v", info.Mode())
	}
	env := d.env
	status, out, _ := runCLI(t, env, "list", "--all", "--json", "--db", dest)
	var listed []map[string]any
	json.Unmarshal([]byte(out), &listed)
	if status != 0 || len(listed) != 2 || listed[0]["controller"] != "crisp" || listed[1]["controller"] != "crisp" {
		t.Fatalf("the copy holds %d cases: %s", len(listed), out)
	}
	if status, out, _ := runCLI(t, env, "check", "--db", dest); status != 0 {
		t.Fatalf("the copy does not check: %s", out)
	}
	if raw, _ := os.ReadFile(dest); strings.Contains(string(raw), "CALLRIXONLY") {
		t.Fatal("another organisation's case is in the copy")
	}
	if status, _, errOut := d.run("backup", dest+"2", "--controller", "acme"); status != 2 || !strings.Contains(errOut, "acme") {
		t.Fatalf("unknown organisation: %d %q", status, errOut)
	}
	// The next case numbered in the copy does not reuse a number.
	status, out, _ = runCLI(t, env, "add", "--controller", "crisp", "--right", "access", "--subject", "N", "--email", "n@example.org", "--db", dest)
	if status != 0 || strings.TrimSpace(out) != caseID("crisp", 2026, 4, 3) {
		t.Fatalf("next number in the copy: %q", out)
	}
}

// TestBackupOntoTheDatabaseIsRefused: a destination that is the live
// database (the same path, another spelling of it, a symbolic or a hard
// link) is refused with exit 2 before anything is written; renaming the
// copy over the live file lost acknowledged writes in the review.
func TestBackupOntoTheDatabaseIsRefused(t *testing.T) {
	personalOnly(t, "the client cannot reach the server's file; the same-file check is the local store's")
	d := newDesk(t, "2026-03-10T12:00:00Z")
	d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	before, err := os.ReadFile(d.db)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(d.db)
	symlink := filepath.Join(t.TempDir(), "link.db")
	hardlink := filepath.Join(dir, "hard.db")
	if err := os.Symlink(d.db, symlink); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(d.db, hardlink); err != nil {
		t.Fatal(err)
	}
	for _, dest := range []string{d.db, filepath.Join(dir, ".", "..", filepath.Base(dir), "cases.db"), symlink, hardlink} {
		status, out, errOut := d.run("backup", dest)
		if status != 2 || !strings.Contains(errOut, "is the database itself") || strings.Count(errOut, "\n") != 1 || out != "" {
			t.Errorf("backup onto %s: %d %q %q", dest, status, out, errOut)
		}
		if _, err := os.Lstat(dest + ".partial"); err == nil {
			t.Errorf("backup onto %s left a partial copy", dest)
		}
	}
	if after, _ := os.ReadFile(d.db); string(after) != string(before) {
		t.Error("the database changed")
	}
	if info, err := os.Lstat(symlink); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symbolic link was replaced: %v", err)
	}
	if status, out, _ := d.run("list", "--all", "--json"); status != 0 || strings.Count(out, `"id"`) != 1 {
		t.Errorf("the case is gone: %d %s", status, out)
	}
}

// TestBackupNeverFollowsAPlantedPartial: the temporary copy beside DEST is
// never written through a link someone planted there, nor into a file
// another user made (the backup would be theirs); both are refused, named
// and left as they were. A leftover of our own is replaced.
func TestBackupNeverFollowsAPlantedPartial(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("someone else's file"), 0o644)
	refused := func(dest string, controller ...string) {
		t.Helper()
		status, _, errOut := d.run(append([]string{"backup", dest}, controller...)...)
		if status == 0 || !strings.Contains(errOut, dest+".partial") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("backup %s %v with a planted partial: %d %q", dest, controller, status, errOut)
		}
		if _, err := os.Lstat(dest); err == nil {
			t.Errorf("backup %s was written", dest)
		}
	}
	for _, controller := range [][]string{nil, {"--controller", "crisp"}} {
		dest := filepath.Join(dir, fmt.Sprintf("link%d.db", len(controller)))
		if err := os.Symlink(victim, dest+".partial"); err != nil {
			t.Fatal(err)
		}
		refused(dest, controller...)
		if b, _ := os.ReadFile(victim); string(b) != "someone else's file" {
			t.Fatalf("the link was followed: the victim now holds %d bytes", len(b))
		}
		if info, err := os.Lstat(dest + ".partial"); err != nil || info.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the planted link was removed: %v", err)
		}
	}
	if os.Geteuid() == 0 {
		dest := filepath.Join(dir, "theirs.db")
		os.WriteFile(dest+".partial", []byte("theirs"), 0o666)
		if err := os.Chown(dest+".partial", 4242, 4242); err != nil {
			t.Fatal(err)
		}
		refused(dest)
		info, err := os.Stat(dest + ".partial")
		if err != nil || info.Sys().(*syscall.Stat_t).Uid != 4242 || info.Size() != int64(len("theirs")) {
			t.Errorf("another user's file was touched: %v", err)
		}
	} else {
		t.Log("not root: cannot make a file of another user; the ownership refusal is untested here")
	}
	// A leftover of our own (an interrupted backup) is replaced.
	dest := filepath.Join(dir, "ours.db")
	os.WriteFile(dest+".partial", []byte("half a copy"), 0o600)
	if status, _, errOut := d.run("backup", dest); status != 0 {
		t.Fatalf("backup over our own leftover: %d %s", status, errOut)
	}
	if status, _, errOut := runCLI(t, d.env, "check", "--db", dest); status != 0 {
		t.Fatalf("the copy does not check: %s", errOut)
	}
	if _, err := os.Lstat(dest + ".partial"); err == nil {
		t.Error("the partial copy stayed behind")
	}
}

// TestEmptyFileIsNotADatabase: a zero-length file at the database path is
// never adopted as a new database by a command that writes (or read as
// one): only init makes a database of it.
func TestEmptyFileIsNotADatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cases.db")
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"RIGHTSDESK_NOW": "2026-03-10T12:00:00Z", "RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": t.TempDir()}
	csv := filepath.Join(t.TempDir(), "in.csv")
	os.WriteFile(csv, []byte("controller,right,subject,email,received,channel,text\ncrisp,access,Ola,ola@example.org,2026-03-02,email,my data\n"), 0o600)
	want := db + " is an empty file, not a rightsdesk database (rightsdesk init makes one)\n"
	for _, args := range [][]string{
		{"add", "--controller", "crisp", "--right", "access", "--subject", "Ola", "--email", "ola@example.org"},
		{"import", csv},
		{"note", "DSR-2026-000001", "--text", "x"},
		{"list", "--all"},
		{"check"},
	} {
		status, _, errOut := runCLI(t, env, append(args, "--db", db)...)
		if status != 3 || !strings.HasSuffix(errOut, want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s on an empty file: %d %q", args[0], status, errOut)
		}
		if info, err := os.Stat(db); err != nil || info.Size() != 0 {
			t.Fatalf("%s wrote to the empty file", args[0])
		}
	}
	if status, _, errOut := runCLI(t, env, "init", "--db", db); status != 0 {
		t.Fatalf("init of an empty file: %d %s", status, errOut)
	}
	if status, _, errOut := runCLI(t, env, "import", csv, "--db", db); status != 0 {
		t.Fatalf("import after init: %d %s", status, errOut)
	}
}

// TestCheckThatCannotReachTheFileSaysSo: check on a path it cannot look up
// (here a link to itself; for a user, a shared folder it may not enter)
// exits 3 naming why, and never prints "ok".
func TestCheckThatCannotReachTheFileSaysSo(t *testing.T) {
	personalOnly(t, "a path no server can hold; in team mode the client opens no file")
	loop := filepath.Join(t.TempDir(), "cases.db")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	status, out, errOut := runCLI(t, nil, "check", "--db", loop)
	if status != 3 || strings.Contains(out, "ok") || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, loop) {
		t.Errorf("check of an unreachable path: %d %q %q", status, out, errOut)
	}
}

// TestRestoreFromTheCommandLine: backup exports its checkpoints beside the
// copy; restore puts the copy back, says what it did, and check then notes
// the restore and, against a checkpoint exported in between, the rollback.
func TestRestoreFromTheCommandLine(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	d.env["XDG_STATE_HOME"] = t.TempDir() // a team client's witness, for the restore below
	kept := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	dest := filepath.Join(t.TempDir(), "backup.db")
	if status, out, errOut := d.run("backup", dest); status != 0 || strings.TrimSpace(out) != dest {
		t.Fatalf("backup: %d %q %q", status, out, errOut)
	}
	if _, err := os.Stat(dest + ".checkpoints.json"); err != nil {
		t.Fatalf("the backup exported no checkpoints: %v", err)
	}
	lost := d.add("--controller", "crisp", "--right", "erasure", "--received", "2026-03-03")
	between := filepath.Join(t.TempDir(), "between.json")
	if status, _, errOut := d.run("checkpoint", "--out", between); status != 0 {
		t.Fatalf("checkpoint: %s", errOut)
	}
	status, out, errOut := d.run("restore", dest)
	if status != 0 || !strings.Contains(out, "restored from the backup backup.db (1 case)") {
		t.Fatalf("restore: %d %q %q", status, out, errOut)
	}
	if teamTests {
		// A team's client kept the checkpoints it verified before the
		// restore: the restored event in the server's key chain explains
		// the rollback, and the client says so once, then goes on.
		status, _, errOut := d.run("list")
		if status != 0 || !strings.Contains(errOut, "rightsdesk: note: the server's database was restored from a backup") {
			t.Fatalf("a client after the restore: %d %q", status, errOut)
		}
		if status, _, errOut := d.run("list"); status != 0 || errOut != "" {
			t.Fatalf("the next command: %d %q", status, errOut)
		}
	}
	if status, _, _ := d.run("show", kept); status != 0 {
		t.Errorf("the case in the backup: %d", status)
	}
	if status, _, _ := d.run("show", lost); status != 2 {
		t.Errorf("the case recorded after the backup: %d", status)
	}
	status, out, _ = d.run("check")
	if status != 0 || !strings.Contains(out, "note: restored from a backup") {
		t.Errorf("check after the restore: %d %q", status, out)
	}
	status, out, _ = d.run("check", "--against", between)
	if status != 1 || !strings.Contains(out, "rolled back") {
		t.Errorf("check against the checkpoint before the restore: %d %q", status, out)
	}
	if status, _, errOut := d.run("restore", d.db); status != 2 || !strings.Contains(errOut, "is the database itself") {
		t.Errorf("restore of the database onto itself: %d %q", status, errOut)
	}
	// Another database's backup is bad input too (exit 2), nothing replaced.
	other := newDesk(t, "2026-03-10T12:00:00Z")
	other.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	theirs := filepath.Join(t.TempDir(), "theirs.db")
	if status, _, errOut := other.run("backup", theirs); status != 0 {
		t.Fatal(errOut)
	}
	if status, _, errOut := d.run("restore", theirs); status != 2 || !strings.Contains(errOut, "is a backup of another database") {
		t.Errorf("restore of another database's backup: %d %q", status, errOut)
	}
}

// TestFileCommandsPrintJSON: demo, init, backup, restore and checkpoint
// take --json too (README: every command does), one JSON value on one line.
func TestFileCommandsPrintJSON(t *testing.T) {
	personalOnly(t, "init and restore are the local file's")
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "RIGHTSDESK_NOW": "2026-03-10T12:00:00Z", "RIGHTSDESK_ACTOR": "anna"}
	db := filepath.Join(t.TempDir(), "cases.db")
	dest := filepath.Join(t.TempDir(), "copy.db")
	status, out, errOut := runCLI(t, env, "demo", "--cases", "3", "--json", "--db", filepath.Join(t.TempDir(), "demo.db"))
	var demo struct {
		Path  string `json:"path"`
		Cases int    `json:"cases"`
	}
	if status != 0 || strings.Count(out, "\n") != 1 || json.Unmarshal([]byte(out), &demo) != nil || demo.Cases != 3 || demo.Path == "" {
		t.Errorf("demo --json: %d %q %q", status, out, errOut)
	}
	for _, c := range []struct {
		args []string
		keys []string
	}{
		{[]string{"init", "--json"}, []string{"path"}},
		{[]string{"backup", dest, "--json"}, []string{"path", "checkpoints"}},
		{[]string{"checkpoint", "--json"}, []string{"database", "keys", "logs"}},
		{[]string{"restore", dest, "--json"}, []string{"database", "from", "reason"}},
	} {
		status, out, errOut := runCLI(t, env, append(c.args, "--db", db)...)
		var v map[string]any
		if status != 0 || strings.Count(out, "\n") != 1 || json.Unmarshal([]byte(out), &v) != nil {
			t.Errorf("%v: %d %q %q", c.args, status, out, errOut)
			continue
		}
		for _, k := range c.keys {
			if _, ok := v[k]; !ok {
				t.Errorf("%v: no %q in %s", c.args, k, out)
			}
		}
	}
}
