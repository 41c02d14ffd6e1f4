package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDemoCommand(t *testing.T) {
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-22T15:00:00Z", "RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": t.TempDir()}
	dir := t.TempDir()
	if status, _, errOut := runCLI(t, env, "demo"); status != 2 || !strings.Contains(errOut, "--db") {
		t.Fatalf("demo without --db: %d %q", status, errOut)
	}
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	for _, db := range []string{a, b} {
		if status, out, errOut := runCLI(t, env, "demo", "--db", db, "--cases", "120", "--seed", "42"); status != 0 || !strings.Contains(out, "demo cases written") {
			t.Fatalf("demo: %d %q %q", status, out, errOut)
		}
	}
	_, listA, _ := runCLI(t, env, "list", "--all", "--json", "--db", a)
	_, listB, _ := runCLI(t, env, "list", "--all", "--json", "--db", b)
	if listA != listB || strings.Count(listA, `"id":`) < 120 {
		t.Fatalf("the same seed and clock must give the same database (%d cases)", strings.Count(listA, `"id":`))
	}
	if status, out, _ := runCLI(t, env, "check", "--db", a); status != 0 {
		t.Fatalf("demo database does not check: %s", out)
	}
	if status, _, errOut := runCLI(t, env, "demo", "--db", a); status != 1 || !strings.Contains(errOut, "already holds") {
		t.Fatalf("a database with cases must be refused: %d %q", status, errOut)
	}
	if status, _, _ := runCLI(t, env, "demo", "--db", filepath.Join(dir, "c.db"), "--seed", "x"); status != 2 {
		t.Fatal("a bad seed is bad input")
	}
}

func TestDemoDatabaseIsRemadeWhenADayOld(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-22T15:00:00Z", "XDG_DATA_HOME": data, "XDG_CONFIG_HOME": t.TempDir()}
	a := &app{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer), getenv: func(k string) string { return env[k] }}
	a.clock, _ = clockFrom(a.getenv)
	path, err := a.demoDatabase()
	if err != nil || path != filepath.Join(data, "rightsdesk", "demo.db") {
		t.Fatalf("%q %v", path, err)
	}
	info, _ := os.Stat(path)
	dir, _ := os.Stat(filepath.Dir(path))
	if info.Mode().Perm() != 0o600 || dir.Mode().Perm() != 0o700 {
		t.Fatalf("modes %v %v", info.Mode(), dir.Mode())
	}
	// Less than a day later the same file is used.
	marker := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	os.Chtimes(path, marker, marker)
	if _, err := a.demoDatabase(); err != nil {
		t.Fatal(err)
	}
	if info, _ = os.Stat(path); !info.ModTime().Equal(marker) {
		t.Fatal("a demo database made five hours ago was remade")
	}
	// A day later it is made again, dated from the new clock.
	env["RIGHTSDESK_NOW"] = "2026-11-24T09:00:00Z"
	a.clock, _ = clockFrom(a.getenv)
	if _, err := a.demoDatabase(); err != nil {
		t.Fatal(err)
	}
	if info, _ = os.Stat(path); info.ModTime().Equal(marker) {
		t.Fatal("a two-day-old demo database was kept")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
}

// BenchmarkDemo100k is demo --cases 100000 into a fresh file (target 30 s).
func BenchmarkDemo100k(b *testing.B) {
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-22T15:00:00Z", "RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": b.TempDir()}
	for b.Loop() {
		db := filepath.Join(b.TempDir(), "demo.db")
		var out, errOut bytes.Buffer
		if status := run([]string{"demo", "--db", db, "--cases", "100000"}, &out, &errOut, func(k string) string { return env[k] }); status != 0 {
			b.Fatal(errOut.String())
		}
	}
}
