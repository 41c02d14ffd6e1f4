package main

import (
	"path/filepath"
	"strings"
	"testing"

	"rightsdesk/storage"
)

// TestDemoAndInitTestMakeTestDatabases: demo and init --test mark their
// database as a test one (its salts derive from its seed: TRUST.md); a
// plain init does not; init --test on a database with real cases is
// refused.
func TestDemoAndInitTestMakeTestDatabases(t *testing.T) {
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-23T15:00:00Z", "RIGHTSDESK_ACTOR": "dpo-test", "XDG_CONFIG_HOME": t.TempDir()}
	dir := t.TempDir()
	demoDB, testDB, realDB := filepath.Join(dir, "demo.db"), filepath.Join(dir, "test.db"), filepath.Join(dir, "real.db")
	if status, _, errOut := runCLI(t, env, "demo", "--db", demoDB, "--cases", "5", "--seed", "3"); status != 0 {
		t.Fatalf("demo: %d %q", status, errOut)
	}
	if status, _, errOut := runCLI(t, env, "init", "--test", "--db", testDB); status != 0 {
		t.Fatalf("init --test: %d %q", status, errOut)
	}
	if status, _, errOut := runCLI(t, env, "init", "--db", realDB); status != 0 {
		t.Fatalf("init: %d %q", status, errOut)
	}
	for db, want := range map[string]bool{demoDB: true, testDB: true, realDB: false} {
		releaseDB(db)
		if test, err := storage.Open(db, storage.Options{}).IsTest(); err != nil || test != want {
			t.Errorf("%s: test database %v, want %v (%v)", filepath.Base(db), test, want, err)
		}
	}
	if status, _, errOut := runCLI(t, env, "add", "--controller", "crisp", "--right", "access", "--subject", "Real Person",
		"--email", "real@example.org", "--db", realDB); status != 0 {
		t.Fatalf("add: %d %q", status, errOut)
	}
	if status, _, errOut := runCLI(t, env, "init", "--test", "--db", realDB); status != 1 || !strings.Contains(errOut, "real cases") {
		t.Fatalf("init --test on real cases: %d %q", status, errOut)
	}
}
