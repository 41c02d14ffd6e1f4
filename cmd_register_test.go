package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"rightsdesk/storage"
)

// editorScript writes a shell script that the edit command runs as
// $EDITOR: each run counts itself, keeps a copy of the file it was given
// (seen-N) and runs the step for its run number (the file is "$1").
func editorScript(t *testing.T, steps ...string) (editor, dir string) {
	t.Helper()
	dir = t.TempDir()
	var b strings.Builder
	b.WriteString("#!/bin/sh\nset -e\ndir='" + dir + "'\nn=$(( $(cat \"$dir/count\" 2>/dev/null || echo 0) + 1 ))\n")
	b.WriteString("echo $n > \"$dir/count\"\ncp \"$1\" \"$dir/seen-$n\"\ncase $n in\n")
	for i, s := range steps {
		b.WriteString(strings.Repeat(" ", 2) + string(rune('1'+i)) + ") " + s + " ;;\n")
	}
	b.WriteString("esac\n")
	script := filepath.Join(dir, "editor.sh")
	if err := os.WriteFile(script, []byte(b.String()), 0o700); err != nil {
		t.Fatal(err)
	}
	return "sh " + script, dir
}

// sedLine is a step that replaces the line of the register starting with
// key by line.
func sedLine(key, line string) string {
	return `sed -i 's|^` + key + ` = .*|` + strings.ReplaceAll(line, "&", `\&`) + `|' "$1"`
}

func (d *desk) history(id string) []storage.RegisterVersion {
	d.t.Helper()
	status, out, errOut := d.run("controllers", id, "history", "--json")
	if status != 0 {
		d.t.Fatalf("history: %d %s", status, errOut)
	}
	var vs []storage.RegisterVersion
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		d.t.Fatal(err)
	}
	return vs
}

func seen(t *testing.T, dir string, n int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "seen-"+string(rune('0'+n))))
	if err != nil {
		t.Fatalf("the editor did not run a %d. time: %v", n, err)
	}
	return string(b)
}

// TestEditRegister: controllers ID edit with a scripted editor. A valid
// change stores one version by the actor, the changed fact the DPO's; an
// invalid one reopens with the error on top and stores nothing until it is
// fixed, or nothing at all when it is saved again unchanged; an unchanged
// file stores nothing.
func TestEditRegister(t *testing.T) {
	legal := `legal_name = { value = "Crisp IM SAS", source = "seed", section = "1. Collection and processing of personal data" }`
	badZone := `zone = { value = "Europe/Bruxelles", source = "dpo" }`
	t.Run("valid", func(t *testing.T) {
		d := newDesk(t, "2026-03-10T12:00:00Z")
		editor, _ := editorScript(t, sedLine("legal_name", legal))
		d.env["EDITOR"] = editor
		status, out, errOut := d.run("controllers", "crisp", "edit", "--reason", "legal name from the Kbis")
		if status != 0 || !strings.HasPrefix(out, "crisp: version 2 stored (sha256 ") || !strings.HasSuffix(out, " by anna: legal name from the Kbis\n") {
			t.Fatalf("edit: %d %q %q", status, out, errOut)
		}
		vs := d.history("crisp")
		if len(vs) != 2 || vs[1].Actor != "anna" || vs[1].Reason != "legal name from the Kbis" || vs[0].Actor != storage.SeedActor {
			t.Fatalf("history: %+v", vs)
		}
		// The value typed is the DPO's, whatever source the line said.
		_, toml, _ := d.run("controllers", "crisp", "--toml")
		if want := `legal_name = { value = "Crisp IM SAS", source = "dpo", note = "set by anna on 2026-03-10" }`; !strings.Contains(toml, want+"\n") {
			t.Errorf("the changed fact is not the DPO's:\n%.600s", toml)
		}
		_, diff, _ := d.run("controllers", "crisp", "diff")
		if !strings.Contains(diff, "version 1 -> version 2, 1 fact(s) changed") || !strings.Contains(diff, "~ legal_name: (missing) [missing] -> Crisp IM SAS [dpo]") {
			t.Errorf("diff:\n%s", diff)
		}
		if status, out, _ := d.run("check"); status != 0 {
			t.Errorf("check: %s", out)
		}
	})
	t.Run("invalid, then fixed", func(t *testing.T) {
		d := newDesk(t, "2026-03-10T12:00:00Z")
		fixed := sedLine("zone", `zone = { value = "Europe/Paris", source = "dpo" }`)
		editor, dir := editorScript(t, sedLine("zone", badZone), fixed+" && "+sedLine("legal_name", legal))
		d.env["EDITOR"] = editor
		if status, out, errOut := d.run("controllers", "crisp", "edit"); status != 0 || !strings.Contains(out, "version 2 stored") {
			t.Fatalf("edit: %d %q %q", status, out, errOut)
		}
		second := seen(t, dir, 2)
		if !regexp.MustCompile(`(?m)^#\| ERROR: crisp\.toml:\d+: clock\.zone: unknown time zone "Europe/Bruxelles"`).MatchString(second) ||
			!strings.Contains(second, badZone) {
			t.Errorf("the editor did not reopen on the text with the error on top:\n%.800s", second)
		}
		if vs := d.history("crisp"); len(vs) != 2 {
			t.Errorf("%d versions, want 2 (one stored once valid)", len(vs))
		}
	})
	t.Run("invalid, saved again unchanged", func(t *testing.T) {
		d := newDesk(t, "2026-03-10T12:00:00Z")
		editor, _ := editorScript(t, sedLine("zone", badZone), "true")
		d.env["EDITOR"] = editor
		status, out, errOut := d.run("controllers", "crisp", "edit")
		if status != exitRefused || out != "" || !strings.Contains(errOut, "edit abandoned") {
			t.Fatalf("edit: %d %q %q", status, out, errOut)
		}
		if vs := d.history("crisp"); len(vs) != 1 {
			t.Errorf("%d versions, want 1: nothing stored", len(vs))
		}
	})
	t.Run("unchanged", func(t *testing.T) {
		d := newDesk(t, "2026-03-10T12:00:00Z")
		d.env["EDITOR"] = "true"
		if status, out, errOut := d.run("controllers", "crisp", "edit"); status != 0 || out != "crisp: nothing changed (version 1)\n" {
			t.Fatalf("edit: %d %q %q", status, out, errOut)
		}
		if vs := d.history("crisp"); len(vs) != 1 {
			t.Errorf("%d versions, want 1: nothing stored", len(vs))
		}
	})
}

// TestEditRegisterTwoDPOs: anna edits while bob stores a version: anna's
// save is refused naming bob, and her editor reopens on bob's version with
// her text below it as comments; she makes her change again and both are
// kept.
func TestEditRegisterTwoDPOs(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	annas := `legal_name = { value = "Crisp IM SAS", source = "dpo" }`
	bobs := `privacy_contact = { value = "privacy@crisp.example", source = "dpo" }`
	editor, dir := editorScript(t,
		// anna edits, then waits in her editor until bob has stored his.
		sedLine("legal_name", annas)+` && touch "$dir/edited" && while [ ! -e "$dir/go" ]; do sleep 0.02; done`,
		sedLine("legal_name", annas))
	d.env["EDITOR"] = editor
	type result struct {
		status   int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		status, out, errOut := runCLI(t, d.env, "controllers", "crisp", "edit", "--db", d.db)
		done <- result{status, out, errOut}
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "edited")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("anna's editor never ran")
		}
	}
	bob := map[string]string{"RIGHTSDESK_NOW": "2026-03-10T12:05:00Z", "RIGHTSDESK_ACTOR": "bob", "XDG_CONFIG_HOME": t.TempDir()}
	file := filepath.Join(t.TempDir(), "crisp.toml")
	src, _ := os.ReadFile("cases/register/registers/crisp.toml")
	os.WriteFile(file, []byte(regexp.MustCompile(`(?m)^privacy_contact = .*$`).ReplaceAllString(string(src), bobs)), 0o600)
	if status, _, errOut := runCLI(t, bob, "controllers", "crisp", "import", file, "--db", d.db, "--reason", "contact from the web site"); status != 0 {
		t.Fatalf("bob's import: %s", errOut)
	}
	os.WriteFile(filepath.Join(dir, "go"), nil, 0o600)
	r := <-done
	if r.status != 0 || !strings.HasPrefix(r.out, "crisp: version 3 stored") {
		t.Fatalf("anna's edit: %d %q %q", r.status, r.out, r.err)
	}
	second := seen(t, dir, 2)
	if !strings.Contains(second, "#| ERROR: not stored: bob stored version 2 at 2026-03-10 12:05 UTC (contact from the web site) while you edited version 1.") {
		t.Errorf("the refusal does not name bob:\n%.600s", second)
	}
	mine := strings.Index(second, "#| "+annas)
	theirs := strings.Index(second, "\n"+bobs+"\n")
	if theirs < 0 || mine < theirs {
		t.Errorf("the editor did not reopen on bob's version with anna's text below it as comments:\n%s", second)
	}
	vs := d.history("crisp")
	if len(vs) != 3 || vs[1].Actor != "bob" || vs[2].Actor != "anna" {
		t.Fatalf("history: %+v", vs)
	}
	_, toml, _ := d.run("controllers", "crisp", "--toml")
	// anna's edit is marked as hers; bob's import is stored as he wrote it.
	annasMarked := strings.TrimSuffix(annas, " }") + `, note = "set by anna on 2026-03-10" }`
	if !strings.Contains(toml, annasMarked+"\n") || !strings.Contains(toml, bobs+"\n") {
		t.Errorf("both changes should be kept:\n%.800s", toml)
	}
}

// TestRegisterChangeAndRebaseline: a case opened before a register change
// keeps the rules it was opened under; one opened after takes the new
// ones; after rebaseline the first takes them too. The case record and
// the packet's manifest name the version each used.
func TestRegisterChangeAndRebaseline(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	before := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	src, _ := os.ReadFile("cases/register/registers/crisp.toml")
	// The DPO learns that Crisp promises an answer within 20 days.
	changed := regexp.MustCompile(`(?m)^promise_days = .*$`).ReplaceAllString(string(src), `promise_days = { value = 20, source = "dpo" }`)
	importRegister(t, d.env, d.db, "crisp", changed)
	vs := d.history("crisp")
	if len(vs) != 2 {
		t.Fatalf("history: %+v", vs)
	}
	v1 := "register crisp version 1 (sha256 " + vs[0].SHA256[:8] + ")"
	v2 := "register crisp version 2 (sha256 " + vs[1].SHA256[:8] + ")"
	after := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	// Received 2 March, Paris: the month ends 2 April; 20 days promised
	// end on 22 March.
	for _, tc := range []struct{ id, register, promise string }{{before, v1, ""}, {after, v2, "2026-03-22"}} {
		if got := d.recordOf(tc.id); got.Register != tc.register || got.Promise != tc.promise {
			t.Errorf("%s: rules of %q (promise %q), want %q (promise %q)", tc.id, got.Register, got.Promise, tc.register, tc.promise)
		}
	}
	d.ok("rebaseline", before, "--reason", "the register now has Crisp's promise")
	if got := d.recordOf(before); got.Register != v2 || got.Promise != "2026-03-22" {
		t.Errorf("after rebaseline: rules of %q (promise %q), want %q", got.Register, got.Promise, v2)
	}
	if got := d.manifestOf(after); got != v2 {
		t.Errorf("the packet's manifest names %q, want %q", got, v2)
	}
	if status, out, _ := d.run("check"); status != 0 {
		t.Errorf("check: %s", out)
	}
}

// recordOf writes the case record and returns the register version it
// names and the promised date.
func (d *desk) recordOf(id string) (r struct{ Register, Promise string }) {
	d.t.Helper()
	dir := d.t.TempDir()
	status, out, errOut := d.run("export", id, "--record", "--out", dir, "--json")
	if status != 0 {
		d.t.Fatalf("export --record: %s", errOut)
	}
	var res struct{ Path string }
	json.Unmarshal([]byte(out), &res)
	b, err := os.ReadFile(filepath.Join(res.Path, "record.json"))
	if err != nil {
		d.t.Fatal(err)
	}
	var rec struct {
		Register string `json:"register"`
		Case     struct {
			Promise *string `json:"promise_due"`
		} `json:"case"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		d.t.Fatalf("%s: %v", res.Path, err)
	}
	r.Register = rec.Register
	if rec.Case.Promise != nil {
		r.Promise = *rec.Case.Promise
	}
	return r
}

// manifestOf exports the acknowledgement and returns the rules its
// manifest names.
func (d *desk) manifestOf(id string) string {
	d.t.Helper()
	dir := d.t.TempDir()
	status, out, errOut := d.run("export", id, "--letter", "acknowledgement", "--out", dir, "--json")
	if status != 0 {
		d.t.Fatalf("export: %s", errOut)
	}
	var res struct{ Path string }
	json.Unmarshal([]byte(out), &res)
	z, err := zip.OpenReader(res.Path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if filepath.Base(f.Name) != "manifest.json" {
			continue
		}
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		var m struct {
			CaseRules string `json:"case_rules"`
		}
		json.Unmarshal(b, &m)
		return m.CaseRules
	}
	d.t.Fatalf("no manifest in %s", res.Path)
	return ""
}
