package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBenchRunQuick runs bench/run --quick end to end (a 2,000-case demo,
// one run of each figure, no terminal: tmux is started detached) and checks
// that every row of the table it prints has its figure, and the peers
// theirs, so that the script the README's performance table comes from is
// known to work on every change.
func TestBenchRunQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("bench/run --quick builds the binary and its benchmarks and measures them: about a minute")
	}
	personalOnly(t, "bench/run drives the binary on a local file")
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is missing: .ci/run must install it")
		}
		t.Skip("tmux is not installed")
	}
	out := filepath.Join(t.TempDir(), "table.md")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "bench/run", "--quick", "--out", out)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bench/run --quick: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	table := string(b)
	if !regexp.MustCompile(`load \(1, 5, 15 min\) [0-9.]+ [0-9.]+ [0-9.]+ before, [0-9.]+ [0-9.]+ [0-9.]+ after`).MatchString(table) {
		t.Errorf("the load before and after is not noted:\n%s", table)
	}
	figure := `[0-9][0-9,.]* (ms|s|MB|B)`
	if !regexp.MustCompile(`An empty process \(/[^)]*true\), timed as every whole process here, takes ` + figure).MatchString(table) {
		t.Errorf("the machine's floor for a whole process (an empty process's wall) is not noted:\n%s", table)
	}
	ratio := `[0-9.e+-]+x`
	for _, row := range []struct{ what, want string }{
		{"file bytes per case", `\| ` + figure + ` / [0-9]+% `},
		{"app start to first frame", `\| ` + figure + ` \|`},
		{"app peak memory", `\| ` + figure + ` \|`},
		{"filter keystroke", `naive sahilm/fuzzy: ` + figure + ` / ` + figure + ` \| ` + ratio},
		{"a queue frame at 80x24", `\| ` + figure + ` \| bubbles/table: ` + figure + ` \| ` + ratio},
		{"against bubbles/list", `bubbles/list: ` + figure + ` \| ` + ratio},
		{"`report --json`", `\| ` + figure + ` \(`},
		{"`demo --cases 2000`", `\| ` + figure + ` \(`},
		{"`list --overdue --json`", `\| ` + figure + ` \|`},
		{"durable change", `\| ` + figure + ` \| bare bbolt put .*: ` + figure + `; in-process .*: ` + figure + ` \| ` + ratio},
		{"a process that links every package rightsdesk links", `\| \| bare bbolt put .*bareputlinked.*: ` + figure + ` \| ` + ratio},
	} {
		line := ""
		for _, l := range strings.Split(table, "\n") {
			if strings.HasPrefix(l, "| "+row.what) || (strings.HasPrefix(l, "| ") && strings.Contains(l, row.what)) {
				line = l
				break
			}
		}
		if line == "" {
			t.Errorf("no row %q in:\n%s", row.what, table)
			continue
		}
		if !regexp.MustCompile(row.want).MatchString(line) {
			t.Errorf("row %q lacks its figures (%s):\n%s", row.what, row.want, line)
		}
	}
}
