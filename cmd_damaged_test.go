package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildBinary builds rightsdesk once for tests that run it as a process of
// its own (a crash or a hang must not take the test binary with it).
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rightsdesk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// unpack writes the gzipped corpus file src as dst.
func unpack(t *testing.T, src, dst string) []byte {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDamagedCorpus runs every kind of command on each file of the damaged
// corpus (storage/testdata/damaged, made by its make.go from a small real
// database) and holds the contract of TRUST.md: no command crashes with a
// stack trace or hangs, none changes a byte of a damaged file, and once a
// read or check has found the damage every write is refused with one
// line. The sound base file shows the same commands do read and write.
func TestDamagedCorpus(t *testing.T) {
	personalOnly(t, "damaged local files, run as processes: a team server refuses to hold them")
	variants, err := filepath.Glob("storage/testdata/damaged/*.db.gz")
	if err != nil || len(variants) < 40 {
		t.Fatalf("the corpus holds %d files: %v", len(variants), err)
	}
	if testing.Short() {
		var short []string
		for i, v := range variants {
			if i%4 == 0 || strings.HasSuffix(v, "/base.db.gz") || strings.Contains(v, "meta0-zeroed") {
				short = append(short, v)
			}
		}
		variants = short
	}
	bin := buildBinary(t)
	requests := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(requests, []byte("controller,right,subject,email,received,channel,text\n"+
		"crisp,access,Ana,ana@example.org,2026-03-02,email,send it\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := "DSR-2026-000001"
	commands := func(work string) (reads, writes [][]string) {
		return [][]string{
				{"list", "--json"}, {"show", id}, {"show", id, "--json"}, {"report"}, {"purge", "--dry-run"},
				{"check"}, {"backup", filepath.Join(work, "backup.db")},
			}, [][]string{
				{"add", "--controller", "crisp", "--right", "access", "--subject", "Zoé", "--email", "zoe@example.org"},
				{"note", id, "--text", "called"},
				{"import", requests},
				{"export", id, "--out", filepath.Join(work, "packets")},
				{"purge"},
			}
	}
	for _, variant := range variants {
		name := strings.TrimSuffix(filepath.Base(variant), ".db.gz")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			reads, writes := commands(work)
			db := filepath.Join(t.TempDir(), "cases.db")
			before := unpack(t, variant, db)
			env := append(os.Environ(), "RIGHTSDESK_NOW=2026-03-10T12:00:00Z", "RIGHTSDESK_ACTOR=anna",
				"XDG_CONFIG_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
			run := func(args []string) (int, string) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				cmd := exec.CommandContext(ctx, bin, append(args, "--db", db)...)
				cmd.Env = env
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				err := cmd.Run()
				if ctx.Err() != nil {
					t.Fatalf("%s: no answer in 20 s", args[0])
				}
				status := 0
				if ee, ok := err.(*exec.ExitError); ok {
					status = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				text := out.String()
				for _, word := range []string{"goroutine ", "panic", "runtime.", "runtime error", "out of range", "fatal error", "SIGSEGV", "SIGBUS"} {
					if strings.Contains(text, word) {
						t.Fatalf("%s: a crash (%q):\n%.2000s", args[0], word, text)
					}
				}
				return status, text
			}
			unchanged := func(after string) {
				t.Helper()
				now, err := os.ReadFile(db)
				if err != nil {
					t.Fatalf("after %s: %v", after, err)
				}
				if !bytes.Equal(now, before) {
					t.Fatalf("%s changed the damaged file", after)
				}
			}
			if name == "base" {
				for _, args := range append(reads, writes...) {
					if status, out := run(args); status != 0 {
						t.Errorf("%s on the sound file: %d %s", args[0], status, out)
					}
				}
				return
			}
			found := false
			for _, args := range reads {
				status, out := run(args)
				found = found || status != 0
				if status != 0 && strings.Count(strings.TrimSpace(out), "\n") > 0 && args[0] != "check" {
					t.Errorf("%s: more than one line:\n%s", args[0], out)
				}
				unchanged(args[0])
			}
			if !found {
				t.Fatal("no read and no check found the damage")
			}
			for _, args := range writes {
				status, out := run(args)
				if status == 0 || strings.Count(strings.TrimSpace(out), "\n") != 0 {
					t.Errorf("%s after the damage was found: %d %q", args[0], status, out)
				}
				unchanged(args[0])
			}
		})
	}
}
