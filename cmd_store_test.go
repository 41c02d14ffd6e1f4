package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStoreCommandsEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "cases.db")
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-20T10:00:00Z", "RIGHTSDESK_ACTOR": "anna",
		"XDG_CONFIG_HOME": t.TempDir()}
	// Reading a database that does not exist prints an empty result and creates nothing.
	if status, out, _ := runCLI(t, env, "list", "--json", "--db", db); status != 0 || out != "[]\n" {
		t.Fatalf("list on no database: %d %q", status, out)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("a read created the database")
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
