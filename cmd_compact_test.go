package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"testing"
)

// TestCompactCommand: compact rewrites a demo file smaller, says its sizes
// before and after and per case, and check passes on the result; every
// case lists as before.
func TestCompactCommand(t *testing.T) {
	personalOnly(t, "compact rewrites a --db file on this host")
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-23T15:00:00Z", "RIGHTSDESK_ACTOR": "dpo-test", "XDG_CONFIG_HOME": t.TempDir()}
	db := filepath.Join(t.TempDir(), "demo.db")
	if status, _, errOut := runCLI(t, env, "demo", "--db", db, "--cases", "300"); status != 0 {
		t.Fatalf("demo: %s", errOut)
	}
	_, before, _ := runCLI(t, env, "list", "--all", "--json", "--db", db)
	status, out, errOut := runCLI(t, env, "compact", "--db", db, "--json")
	var res struct {
		SizeBefore int64 `json:"size_before"`
		SizeAfter  int64 `json:"size_after"`
		Cases      int   `json:"cases"`
	}
	if status != 0 || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("compact: %d %q %q", status, out, errOut)
	}
	if res.Cases < 300 || res.SizeAfter <= 0 || res.SizeAfter >= res.SizeBefore {
		t.Fatalf("compact: %+v", res)
	}
	if status, out, _ := runCLI(t, env, "check", "--db", db); status != 0 {
		t.Fatalf("check after compact: %s", out)
	}
	if _, after, _ := runCLI(t, env, "list", "--all", "--json", "--db", db); after != before {
		t.Fatal("the cases list differently after compact")
	}
	status, out, _ = runCLI(t, env, "compact", "--db", db)
	if status != 0 || !regexp.MustCompile(`^compacted .+: \d+ bytes before, \d+ after; \d+ cases, \d+ bytes per case before, \d+ after\n$`).MatchString(out) {
		t.Fatalf("compact again: %d %q", status, out)
	}
}
