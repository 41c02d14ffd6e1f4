package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSpecialFilesAnsweredAtOnce: a named pipe, a device or a folder at the
// database's path is refused by every kind of command (a read, a write,
// check, backup, purge, import) within a second, with one line naming what
// it is, exit 3: opening a pipe waits for a writer, and hung every command.
func TestSpecialFilesAnsweredAtOnce(t *testing.T) {
	pipe := filepath.Join(t.TempDir(), "cases.db")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	env := map[string]string{"RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": t.TempDir(), "XDG_DATA_HOME": t.TempDir()}
	commands := [][]string{
		{"list", "--json"},
		{"show", "DSR-2026-000001"},
		{"add", "--controller", "crisp", "--right", "access", "--subject", "Zoé", "--email", "zoe@example.org"},
		{"note", "DSR-2026-000001", "--text", "called"},
		{"check"},
		{"backup", filepath.Join(t.TempDir(), "b.db")},
		{"purge", "--dry-run"},
		{"report"},
		{"controllers"},
	}
	for what, path := range map[string]string{"a named pipe": pipe, "a device": "/dev/null", "a folder": t.TempDir()} {
		for _, args := range commands {
			type result struct {
				status int
				out    string
				errOut string
			}
			done := make(chan result, 1)
			go func() {
				status, out, errOut := runCLI(t, env, append(args, "--db", path)...)
				done <- result{status, out, errOut}
			}()
			select {
			case r := <-done:
				if r.status != exitStore || r.out != "" || strings.Count(r.errOut, "\n") != 1 ||
					!strings.Contains(r.errOut, what+", not a regular file") || !strings.Contains(r.errOut, path) {
					t.Errorf("%s on %s: %d %q %q", args[0], what, r.status, r.out, r.errOut)
				}
			case <-time.After(time.Second):
				t.Fatalf("%s on %s: no answer within a second", args[0], what)
			}
		}
	}
}
