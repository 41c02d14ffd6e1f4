package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTerminalAppInTmux drives the built binary at 80x24 in tmux on a demo
// database, as a DPO would: cases visible, / and a surname narrow the queue
// to that subject, enter opens the case with its deadline, ? shows help, q
// exits and the shell's screen comes back.
func TestTerminalAppInTmux(t *testing.T) {
	tx := startTmux(t)
	dir, bin := tx.dir, tx.bin
	tm, waitFor := tx.tm, tx.waitFor
	// The demo database lives in XDG_DATA_HOME; its clock is fixed so the
	// demo names are known: seed 1 on 22 November 2026.
	env := "XDG_DATA_HOME=" + dir + " XDG_CONFIG_HOME=" + dir + " RIGHTSDESK_NOW=2026-11-22T15:00:00Z RIGHTSDESK_ACTOR=anna TERM=xterm-256color"
	tm("new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", env+" "+bin+" --demo --color none; echo RIGHTSDESK-EXITED $?; sleep 60")
	first := waitFor("the queue", func(s string) bool { return strings.Contains(s, "DSR-2026-") && strings.Contains(s, "case 1 of") })
	// Take the subject of the first row and filter by its surname.
	var surname, id string
	for _, line := range strings.Split(first, "\n") {
		if f := strings.Fields(line); len(f) > 5 && strings.HasPrefix(strings.TrimLeft(line, "!· "), "DSR-") {
			for i, w := range f {
				if w = strings.TrimLeft(w, "!·"); strings.HasPrefix(w, "DSR-") {
					id = w
					surname = f[i+4] // ID, organisation, right, first name, surname
					break
				}
			}
			break
		}
	}
	if surname == "" || strings.ContainsAny(surname, "<…") {
		t.Fatalf("no surname on the first row:\n%s", first)
	}
	// Bytes written to the terminal: moving the cursor down one row, and an
	// idle stretch with live countdowns.
	pipe := filepath.Join(dir, "pane.out")
	tm("pipe-pane", "-o", "cat >> "+pipe)
	time.Sleep(300 * time.Millisecond)
	size := func() int64 {
		info, err := os.Stat(pipe)
		if err != nil {
			return 0
		}
		return info.Size()
	}
	base := size()
	tm("send-keys", "j")
	waitFor("the cursor on the second row", func(s string) bool { return strings.Contains(s, "case 2 of") })
	time.Sleep(300 * time.Millisecond)
	scroll := size() - base
	base = size()
	time.Sleep(3 * time.Second)
	idle := size() - base
	tm("pipe-pane")
	t.Logf("bytes written: %d moving down one row, %d in 3 idle seconds", scroll, idle)
	if scroll > 1000 {
		t.Errorf("moving down one row wrote %d bytes (target 250)", scroll)
	}
	if idle > 64 { // the clock is fixed: nothing on screen changes
		t.Errorf("an idle screen wrote %d bytes in 3 seconds", idle)
	}
	tm("send-keys", "k")
	tm("send-keys", "/")
	tm("send-keys", "-l", surname)
	// Wait for the result, not the keystrokes: "searching" while it is
	// on its way, then "N of M cases".
	filtered := waitFor("the filter's result", func(s string) bool {
		return strings.Contains(s, "filter: /"+surname) && strings.Contains(s, " of ") && !strings.Contains(s, "searching")
	})
	rows := 0
	for _, line := range strings.Split(filtered, "\n") {
		if strings.Contains(line, "DSR-") {
			rows++
			if !strings.Contains(line, surname) && !strings.Contains(line, "…") {
				t.Errorf("a row without %s after filtering: %q", surname, line)
			}
		}
	}
	if m := regexp.MustCompile(`(\d+) of (\d+) cases`).FindStringSubmatch(filtered); rows == 0 || m == nil || m[1] == m[2] {
		t.Errorf("the filter did not narrow the queue:\n%s", filtered)
	}
	tm("send-keys", "Enter")
	tm("send-keys", "Enter")
	waitFor("the case screen", func(s string) bool {
		return strings.Contains(s, "Deadline") && strings.Contains(s, "effective due") && strings.Contains(s, surname)
	})
	tm("send-keys", "Escape")
	waitFor("the queue again", func(s string) bool { return strings.Contains(s, "filter: /"+surname) })
	tm("send-keys", "?")
	waitFor("help", func(s string) bool { return strings.Contains(s, "filter as you type") })
	tm("send-keys", "x")
	tm("send-keys", "q")
	restored := waitFor("the exit", func(s string) bool { return strings.Contains(s, "RIGHTSDESK-EXITED 0") })
	if strings.Contains(restored, id) {
		t.Fatalf("the app's screen was not restored on exit:\n%s", restored)
	}
}

// tmuxDriver runs the built binary in tmux sessions of one private server.
type tmuxDriver struct {
	t        *testing.T
	dir, bin string
	tm       func(args ...string) string
	target   string // the session screen and waitFor look at ("" the current one)
}

func startTmux(t *testing.T) *tmuxDriver {
	t.Helper()
	personalOnly(t, "the terminal app as a process of its own on a local file; the app through the server is tested in ui/ and server/")
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is missing: .ci/run must install it")
		}
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(t.TempDir(), "rightsdesk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sock := tmuxSocket(dir)
	tm := func(args ...string) string {
		out, _ := exec.Command(tmux, append([]string{"-L", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		return string(out)
	}
	t.Cleanup(func() { tm("kill-server") })
	return &tmuxDriver{t: t, dir: dir, bin: bin, tm: tm}
}

// cli is the built binary run on db as anna at the fixed time now, with
// the test's own configuration folder: it returns what the command wrote
// on stdout, and a command that fails fails the test.
func (d *tmuxDriver) cli(t *testing.T, db, now string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(d.bin, append(args, "--db", db)...)
		cmd.Env = append(os.Environ(), "RIGHTSDESK_NOW="+now, "RIGHTSDESK_ACTOR=anna", "XDG_CONFIG_HOME="+d.dir)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return string(out)
	}
}

// tmuxSocket names the private tmux server of one test by process and test
// folder, so that two runs (two checkouts, two go test processes) never
// share a server, and one's cleanup never kills the other's.
func tmuxSocket(dir string) string {
	return fmt.Sprintf("rd-e2e-%d-%s", os.Getpid(), filepath.Base(dir))
}

func TestTmuxSocketIsPerProcess(t *testing.T) {
	a, b := tmuxSocket(t.TempDir()), tmuxSocket(t.TempDir())
	if !strings.HasPrefix(a, fmt.Sprintf("rd-e2e-%d-", os.Getpid())) || a == b {
		t.Errorf("sockets %q and %q: want one per process and test folder", a, b)
	}
}

func (d *tmuxDriver) screen() string {
	if d.target != "" {
		return d.tm("capture-pane", "-p", "-t", d.target)
	}
	return d.tm("capture-pane", "-p")
}

// waitFor polls the screen until ok, for at most 20 seconds.
func (d *tmuxDriver) waitFor(what string, ok func(string) bool) string {
	d.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := d.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("waited for %s; the screen shows:\n%s", what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTerminalWorkflowInTmux takes a request from receipt to a sent answer
// in the terminal app alone, at 80x24, while a colleague's session on the
// same database watches the queue: n records the request, v verifies the
// identity, W records each system's result, x extends, e exports and s
// sends the extension notice, c closes it as fulfilled, e exports the final letter's packet (its path and checksum on
// screen, the file on disk), s records it sent with that checksum, E writes
// the case record, R on the overview writes crisp's register of requests
// (the case on time), and the row changes in both sessions.
func TestTerminalWorkflowInTmux(t *testing.T) {
	tx := startTmux(t)
	db := filepath.Join(tx.dir, "cases.db")
	if out, err := exec.Command(tx.bin, "init", "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	fillCrisp(t, db)
	env := func(actor string) string {
		return "XDG_DATA_HOME=" + tx.dir + " XDG_CONFIG_HOME=" + tx.dir + " RIGHTSDESK_NOW=2026-11-23T09:00:00Z RIGHTSDESK_ACTOR=" + actor + " TERM=xterm-256color"
	}
	for _, actor := range []string{"anna", "marc"} {
		tx.tm("new-session", "-d", "-s", actor, "-x", "80", "-y", "24", "sh", "-c",
			env(actor)+" "+tx.bin+" --db "+db+" --color none; echo RIGHTSDESK-EXITED $?; sleep 60")
	}
	anna, marc := func() { tx.target = "anna" }, func() { tx.target = "marc" }
	keys := func(session string, k ...string) { tx.tm(append([]string{"send-keys", "-t", session}, k...)...) }
	text := func(session, s string) { tx.tm("send-keys", "-t", session, "-l", s) }
	for _, who := range []func(){anna, marc} {
		who()
		tx.waitFor("an empty queue", func(s string) bool { return strings.Contains(s, "0 open") })
	}

	anna()
	keys("anna", "n")
	tx.waitFor("the new request form", func(s string) bool { return strings.Contains(s, "New request") })
	keys("anna", "Right", "Right", "Tab", "Space", "Tab") // crisp; access
	text("anna", "Ewa Kowalska")
	keys("anna", "Tab")
	text("anna", "ewa@example.org")
	keys("anna", "Enter")
	created := tx.waitFor("the new case", func(s string) bool { return strings.Contains(s, "created") && strings.Contains(s, "effective due") })
	id := regexp.MustCompile(`DSR-2026-\d{6}`).FindString(created)
	// Received Mon 23 Nov 2026 in Paris: due Wed 23 Dec 2026 (one month).
	if id == "" || !strings.Contains(created, "Wed 23 Dec 2026") {
		t.Fatalf("the new case:\n%s", created)
	}
	seen := time.Now()
	marc()
	tx.waitFor("anna's case in marc's queue", func(s string) bool { return strings.Contains(s, id) && strings.Contains(s, "Ewa Kowalska") })
	t.Logf("marc's session showed the new case %.1f s after anna's screen did", time.Since(seen).Seconds())

	anna()
	keys("anna", "v")
	tx.waitFor("the verify form", func(s string) bool { return strings.Contains(s, "Identity verified") })
	text("anna", "video call")
	keys("anna", "Enter")
	tx.waitFor("the verification", func(s string) bool { return strings.Contains(s, "identity-verified recorded") })
	// W records what each system held: nothing, in this case (the first
	// open item is offered first; the second result of access is none).
	for k := 1; k <= 6; k++ {
		keys("anna", "W")
		tx.waitFor("the work form", func(s string) bool { return strings.Contains(s, "Record the result of a work item") })
		keys("anna", "Tab", "Right")
		tx.waitFor("none chosen", func(s string) bool { return strings.Contains(s, "‹ none ›") })
		keys("anna", "Enter")
		tx.waitFor("the result", func(s string) bool { return strings.Contains(s, fmt.Sprintf("work %d/6", k)) })
	}
	keys("anna", "x")
	tx.waitFor("the extend form", func(s string) bool { return strings.Contains(s, "Extend the deadline") })
	text("anna", "records in twelve systems")
	keys("anna", "Enter")
	tx.waitFor("the extension", func(s string) bool { return strings.Contains(s, "extension-decided recorded") })
	// Only a letter exported may be recorded sent: e exports the notice.
	keys("anna", "e")
	tx.waitFor("the export form", func(s string) bool { return strings.Contains(s, "‹ extension-notice ›") })
	keys("anna", "Enter")
	if notice := tx.waitFor("the notice's packet", func(s string) bool { return strings.Contains(s, "Packet written") }); strings.Contains(notice, "DRAFT") {
		t.Fatalf("the extension notice is a draft:\n%s", notice)
	}
	keys("anna", "Escape")
	tx.waitFor("the case screen", func(s string) bool { return !strings.Contains(s, "Packet written") })
	keys("anna", "s")
	tx.waitFor("the send form", func(s string) bool { return strings.Contains(s, "‹ extension-notice ›") })
	keys("anna", "Enter")
	tx.waitFor("the question", func(s string) bool { return strings.Contains(s, "letter of "+id+" was sent?") })
	keys("anna", "y")
	// In force: the extended deadline, three months from receipt, is the one that counts.
	tx.waitFor("the extension in force", func(s string) bool {
		return strings.Contains(s, "sent recorded") && strings.Contains(s, "in force") && strings.Contains(s, "Tue 23 Feb 2027")
	})
	keys("anna", "c")
	tx.waitFor("the close form", func(s string) bool { return strings.Contains(s, "‹ fulfilled ›") })
	keys("anna", "Enter")
	tx.waitFor("the question", func(s string) bool { return strings.Contains(s, "Close "+id+" as fulfilled?") })
	keys("anna", "y")
	tx.waitFor("the closed case", func(s string) bool { return strings.Contains(s, "closed recorded") })

	keys("anna", "e")
	form := tx.waitFor("the export form", func(s string) bool { return strings.Contains(s, "‹ final ›") })
	keys("anna", "Enter")
	done := tx.waitFor("the packet", func(s string) bool { return strings.Contains(s, "Packet written") })
	if strings.Contains(form+done, "DRAFT") {
		t.Fatalf("the final letter is a draft:\n%s\n%s", form, done)
	}
	zip := filepath.Join(tx.dir, "rightsdesk", "packets", id+"-final.zip")
	data, err := os.ReadFile(zip)
	if err != nil {
		t.Fatalf("the packet is not where it should be: %v\n%s", err, done)
	}
	sum := sha256.Sum256(data)
	if !strings.Contains(done, "sha256 "+hex.EncodeToString(sum[:])) {
		t.Fatalf("the screen does not show the zip's checksum %x:\n%s", sum, done)
	}
	if info, _ := os.Stat(zip); info.Mode().Perm() != 0o600 {
		t.Errorf("the packet is %v, want 0600", info.Mode().Perm())
	}
	// E writes the case record; R on the overview writes crisp's register of requests.
	// Escape followed at once by a letter reads as alt+letter: wait between.
	keys("anna", "Escape")
	tx.waitFor("the case screen", func(s string) bool { return !strings.Contains(s, "Packet written") })
	// s records the final letter as sent, with the packet's checksum.
	keys("anna", "s")
	tx.waitFor("the send form", func(s string) bool { return strings.Contains(s, "‹ final ›") })
	keys("anna", "Enter")
	tx.waitFor("the question", func(s string) bool { return strings.Contains(s, "final letter of "+id+" was sent?") })
	keys("anna", "y")
	tx.waitFor("the answer sent", func(s string) bool { return strings.Contains(s, "sent recorded") })
	keys("anna", "E")
	tx.waitFor("the case record", func(s string) bool { return strings.Contains(s, "Case record written") })
	if _, err := os.Stat(filepath.Join(tx.dir, "rightsdesk", "records", id+"-record", "SHA256SUMS")); err != nil {
		t.Errorf("the case record: %v", err)
	}
	keys("anna", "Escape")
	tx.waitFor("the case screen", func(s string) bool { return !strings.Contains(s, "Case record written") })
	keys("anna", "Escape")
	tx.waitFor("the queue", func(s string) bool { return strings.Contains(s, "1 open") || strings.Contains(s, "0 open") })
	keys("anna", "v", "c", "c", "c")
	tx.waitFor("crisp's overview", func(s string) bool { return strings.Contains(s, "crisp: 1 case") })
	keys("anna", "R")
	tx.waitFor("the register", func(s string) bool { return strings.Contains(s, "Register of requests written") })
	reports, _ := filepath.Glob(filepath.Join(tx.dir, "rightsdesk", "reports", "register-crisp-*.csv"))
	if len(reports) != 1 {
		t.Errorf("the register of requests: %v", reports)
	} else if csv, _ := os.ReadFile(reports[0]); !strings.Contains(string(csv), id+",") || !strings.Contains(string(csv), "on-time") {
		t.Errorf("the register lacks the case answered on time:\n%s", csv)
	}
	keys("anna", "Escape")
	tx.waitFor("the overview", func(s string) bool { return !strings.Contains(s, "Register of requests written") })
	keys("anna", "Escape")
	row := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, id) {
				return l
			}
		}
		return ""
	}
	tx.waitFor("the closed row in anna's queue", func(s string) bool { return strings.Contains(row(s), "closed") })
	marc()
	tx.waitFor("the closed row in marc's queue", func(s string) bool {
		return strings.Contains(row(s), "closed") && strings.Contains(row(s), "fulfilled")
	})
	for _, s := range []string{"anna", "marc"} {
		keys(s, "q")
		tx.target = s
		tx.waitFor("the exit", func(s string) bool { return strings.Contains(s, "RIGHTSDESK-EXITED 0") })
	}
	// The timeline holds every step, each by anna.
	out, err := exec.Command(tx.bin, "show", id, "--json", "--db", db).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"received", "identity-verified", "extension-decided", "sent", "closed", "exported"} {
		if !strings.Contains(string(out), `"kind":"`+kind+`"`) {
			t.Errorf("the timeline lacks %s", kind)
		}
	}
	if !strings.Contains(string(out), `"letter":"final","channel":"email","checksum":"`+hex.EncodeToString(sum[:])) {
		t.Errorf("the final letter's sending does not record the packet's checksum:\n%s", out)
	}
	// The send form left as it opens records a letter exported and sent
	// by rightsdesk: neither sent another way nor a draft that went out.
	if strings.Contains(string(out), `"outside"`) || strings.Contains(string(out), `"draft_sent"`) {
		t.Errorf("a send left at the form's defaults recorded outside or draft_sent:\n%s", out)
	}
}

// fillCrisp stores in db a Crisp register with the facts its letters need
// filled in by the DPO (fillRegister's, and that no automated decisions are
// made), so that its packets are not drafts.
func fillCrisp(t *testing.T, db string) {
	t.Helper()
	src := filledRegister(t, "crisp")
	filled := regexp.MustCompile(`(?m)^automated_decisions = .*$`).ReplaceAllString(src,
		`automated_decisions = { value = "none", source = "dpo" }`)
	if filled == src {
		t.Fatal("the Crisp register has no automated_decisions line to fill")
	}
	importRegister(t, map[string]string{"RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": t.TempDir()}, db, "crisp", filled)
}

// TestRegisterEditedFromTheApp: E on the register screen hands the terminal
// to rightsdesk controllers ID edit in the DPO's editor (here a script that
// fills Callrix's DPO contact), and the app comes back on the new version,
// one gap fewer (issue 16).
func TestRegisterEditedFromTheApp(t *testing.T) {
	tx := startTmux(t)
	dir, bin := tx.dir, tx.bin
	editor := filepath.Join(dir, "editor.sh")
	script := "#!/bin/sh\nsed -i 's/^dpo_contact = .*/dpo_contact = { value = \"dpo@callrix.example\", source = \"dpo\" }/' \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	env := "EDITOR=" + editor + " XDG_DATA_HOME=" + dir + " XDG_CONFIG_HOME=" + dir +
		" RIGHTSDESK_NOW=2026-11-22T15:00:00Z RIGHTSDESK_ACTOR=anna TERM=xterm-256color"
	tx.tm("new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", env+" "+bin+" --demo --color none; sleep 60")
	tx.waitFor("the queue", func(s string) bool { return strings.Contains(s, "case 1 of") })
	tx.tm("send-keys", "v")
	tx.waitFor("the overview", func(s string) bool { return strings.Contains(s, "register") })
	tx.tm("send-keys", "O")
	before := tx.waitFor("Callrix's register", func(s string) bool { return strings.Contains(s, "Register · callrix") })
	if !strings.Contains(before, "version 1 ") || !strings.Contains(before, "Gaps (6)") {
		t.Fatalf("the built-in register:\n%s", before)
	}
	tx.tm("send-keys", "E")
	// The command's own line ("version 2 stored") shows while the app
	// resumes: wait for the register screen drawn again.
	after := tx.waitFor("the edited register", func(s string) bool {
		return strings.Contains(s, "Register · callrix") && strings.Contains(s, "version 2 (sha256")
	})
	if !strings.Contains(after, "Gaps (5)") {
		t.Errorf("after the edit:\n%s", after)
	}
	status, out, _ := runCLI(t, map[string]string{"RIGHTSDESK_ACTOR": "anna"}, "controllers", "callrix", "history",
		"--db", filepath.Join(dir, "rightsdesk", "demo.db"))
	if status != 0 || !strings.Contains(out, "anna") || !strings.Contains(out, "edited with rightsdesk controllers callrix edit") {
		t.Errorf("history: %d %s", status, out)
	}
}
