package main

import (
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
	sock := "rd-e2e-" + filepath.Base(dir)
	tm := func(args ...string) string {
		out, _ := exec.Command(tmux, append([]string{"-L", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		return string(out)
	}
	defer tm("kill-server")
	// The demo database lives in XDG_DATA_HOME; its clock is fixed so the
	// demo names are known: seed 1 on 22 November 2026.
	env := "XDG_DATA_HOME=" + dir + " XDG_CONFIG_HOME=" + dir + " RIGHTSDESK_NOW=2026-11-22T15:00:00Z RIGHTSDESK_ACTOR=anna TERM=xterm-256color"
	tm("new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", env+" "+bin+" --demo --color none; echo RIGHTSDESK-EXITED $?; sleep 60")
	screen := func() string { return tm("capture-pane", "-p") }
	waitFor := func(what string, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := screen()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waited for %s; the screen shows:\n%s", what, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
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
