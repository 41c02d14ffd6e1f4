package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestExportCommand: the packet goes to $XDG_DATA_HOME/rightsdesk/packets
// (0700) as <ID>-<kind>.zip (0600), its path printed; the exported event
// carries the zip's SHA-256, which send then records; exporting again the
// same state gives the same bytes.
func TestExportCommand(t *testing.T) {
	d := newDesk(t, "2025-03-20T12:00:00Z")
	data := t.TempDir()
	d.env["XDG_DATA_HOME"] = data
	id := d.add("--controller", "callrix", "--right", "access", "--received", "2025-03-03")
	status, out, errOut := d.run("export", id)
	want := filepath.Join(data, "rightsdesk", "packets", id+"-acknowledgement.zip")
	if status != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("export: %d %q %q", status, out, errOut)
	}
	if info, err := os.Stat(filepath.Dir(want)); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("packets folder: %v %v", err, info)
	}
	// --out names a folder: a file there is bad input (exit 2), nothing
	// written, nothing recorded.
	file := filepath.Join(t.TempDir(), "notes.txt")
	_ = os.WriteFile(file, []byte("mine"), 0o600)
	for _, extra := range [][]string{nil, {"--record"}} {
		d.refused(id, 2, "is a file; --out names the folder", append([]string{"export", id, "--out", file}, extra...)...)
	}
	if b, _ := os.ReadFile(file); string(b) != "mine" {
		t.Fatalf("the file given to --out was changed: %q", b)
	}
	zipBytes, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(want); info.Mode().Perm() != 0o600 {
		t.Errorf("zip mode %s", info.Mode())
	}
	sum := sha256.Sum256(zipBytes)
	events := d.show(id)["events"].([]any)
	last := events[len(events)-1].(map[string]any)
	if last["kind"] != "exported" || last["letter"] != "acknowledgement" || last["checksum"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("exported event %v", last)
	}
	if status, _, errOut := d.run("export", id); status != 0 {
		t.Fatal(errOut)
	}
	again, _ := os.ReadFile(want)
	if !bytes.Equal(again, zipBytes) {
		t.Error("a second export of the same state differs")
	}
	if status, _, errOut := d.run("send", id, "--letter", "acknowledgement"); status != 0 {
		t.Fatal(errOut)
	}
	events = d.show(id)["events"].([]any)
	if sent := events[len(events)-1].(map[string]any); sent["checksum"] != hex.EncodeToString(sum[:]) {
		t.Errorf("send did not record the packet's checksum: %v", sent)
	}
}

// TestExportCommandDraftJSON: a register gap that leaves no lawful wording
// makes a DRAFT, listed on stderr, exit 0; --json gives path, sha256,
// letter, draft and gaps; a letter whose step was not taken is refused.
func TestExportCommandDraftJSON(t *testing.T) {
	d := newDesk(t, "2025-03-20T12:00:00Z")
	out := t.TempDir()
	id := d.add("--controller", "crystalqore", "--right", "access", "--received", "2025-03-03")
	status, stdout, stderr := d.run("export", id, "--out", out, "--json")
	if status != 0 {
		t.Fatalf("%d %s", status, stderr)
	}
	var v struct {
		Path, SHA256, Letter string
		Draft                bool
		Gaps                 []struct {
			Field    string
			Blocking bool
		}
	}
	if err := json.Unmarshal([]byte(stdout), &v); err != nil || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("--json: %v %q", err, stdout)
	}
	if !v.Draft || v.Letter != "acknowledgement" || len(v.SHA256) != 64 || filepath.Dir(v.Path) != out {
		t.Errorf("json %+v", v)
	}
	if len(v.Gaps) == 0 || v.Gaps[0].Field != "legal_name" || !v.Gaps[0].Blocking {
		t.Errorf("crystalqore names no legal entity: gaps %+v", v.Gaps)
	}
	if !strings.Contains(stderr, "legal_name") || !strings.Contains(stderr, "DRAFT") {
		t.Errorf("stderr %q", stderr)
	}
	if status, _, stderr := d.run("export", id, "--out", out, "--letter", "final"); status != 1 || !strings.Contains(stderr, "not closed") {
		t.Errorf("final letter of an open case: %d %q", status, stderr)
	}
	if status, _, _ := d.run("export", id, "--letter", "nonsense"); status != 2 {
		t.Errorf("unknown letter: %d", status)
	}
	if status, _, _ := d.run("export", "DSR-2099-999999", "--out", out); status != 2 {
		t.Errorf("unknown case: %d", status)
	}
}

// BenchmarkExportCommand20MB: rightsdesk export of a case with 20 MB of
// attachments end to end: read from the database, build, write with fsync,
// record the exported event. Target: 300 ms.
func BenchmarkExportCommand20MB(b *testing.B) {
	dir := b.TempDir()
	env := map[string]string{"RIGHTSDESK_NOW": "2025-03-20T12:00:00Z", "RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": dir}
	db := filepath.Join(dir, "cases.db")
	must := func(args ...string) string {
		status, out, errOut := runCLIb(b, env, append(args, "--db", db)...)
		if status != 0 {
			b.Fatalf("%v: %s", args, errOut)
		}
		return strings.TrimSpace(out)
	}
	must("init")
	id := must("add", "--controller", "callrix", "--right", "access", "--subject", "Zoé Lefèvre", "--email", "zoe@example.org", "--received", "2025-03-03")
	for i := range 10 {
		data := bytes.Repeat([]byte(strings.Repeat("x", i+1)+",2025-01-02T10:00:00Z,login,192.0.2.1,ok\n"), 2<<20/(40+i)+1)
		name := filepath.Join(dir, "export-"+string(rune('a'+i))+".csv")
		if err := os.WriteFile(name, data[:2<<20], 0o600); err != nil {
			b.Fatal(err)
		}
		must("attach", id, name, "--category", "usage")
	}
	must("verify", id, "--method", "e-mail")
	must("close", id, "--outcome", "fulfilled")
	out := filepath.Join(dir, "packets")
	b.ResetTimer()
	for b.Loop() {
		must("export", id, "--out", out)
	}
}

// unzipLetter reads letter.md from a packet written at path.
func unzipLetter(t *testing.T, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/letter.md") {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("no letter.md in %s", path)
	return ""
}

// TestExportDate: --date dates the letter and is recorded in the exported
// event with the draft state; the same date gives the same bytes; an
// acknowledgement names every right of the request; an extension notice
// dated after its window is refused and points to the delay letter, which
// is refused while the answer is not late and written once it is.
func TestExportDate(t *testing.T) {
	d := newDesk(t, "2025-03-20T12:00:00Z")
	out := t.TempDir()
	id := d.add("--controller", "callrix", "--right", "access", "--right", "erasure", "--received", "2025-03-03")
	exportJSON := func(args ...string) map[string]any {
		t.Helper()
		status, stdout, stderr := d.run(append([]string{"export", id, "--out", out, "--json"}, args...)...)
		if status != 0 {
			t.Fatalf("export %v: %d %s", args, status, stderr)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(stdout), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	d.env["RIGHTSDESK_NOW"] = "2025-03-22T12:00:00Z"
	first := exportJSON("--date", "2025-03-21")
	if first["date"] != "2025-03-21" || first["draft"] != false {
		t.Fatalf("export --date: %v", first)
	}
	events := d.show(id)["events"].([]any)
	last := events[len(events)-1].(map[string]any)
	if last["kind"] != "exported" || last["letter_date"] != "2025-03-21" || last["checksum"] != first["sha256"] {
		t.Errorf("exported event %v", last)
	}
	letter := unzipLetter(t, first["path"].(string))
	for _, want := range []string{"Date: 21 March 2025", "access to your personal data (Art. 15), our reference " + id, "erasure of your personal data (Art. 17), our reference "} {
		if !strings.Contains(letter, want) {
			t.Errorf("the acknowledgement lacks %q:\n%s", want, letter)
		}
	}
	if again := exportJSON("--date", "2025-03-21"); again["sha256"] != first["sha256"] {
		t.Error("the same case and date gave other bytes")
	}
	if today := exportJSON(); today["date"] != "2025-03-22" || today["sha256"] == first["sha256"] {
		t.Errorf("the default date is not today in the case's zone: %v", today)
	}
	if status, _, stderr := d.run("export", id, "--out", out, "--letter", "delay"); status != 1 || !strings.Contains(stderr, "not late") {
		t.Errorf("a delay letter before the deadline: %d %q", status, stderr)
	}
	if status, _, stderr := d.run("export", id, "--date", "2025-02-01", "--out", out); status != 1 || !strings.Contains(stderr, "after the letter's date") {
		t.Errorf("a letter dated before the case was recorded: %d %q", status, stderr)
	}
	if status, _, _ := d.run("export", id, "--date", "2025-13-01", "--out", out); status != 2 {
		t.Errorf("--date that is no date: %d", status)
	}
	if status, _, stderr := d.run("export", id, "--date", "2025-03-23", "--out", out); status != 1 || !strings.Contains(stderr, "today") {
		t.Errorf("--date after today: %d %q", status, stderr)
	}
	d.env["RIGHTSDESK_NOW"] = "2025-04-10T09:00:00Z"
	if status, _, stderr := d.run("extend", id, "--reason", "Your data are spread over five systems."); status != 0 {
		t.Fatalf("extend: %s", stderr)
	}
	status, _, stderr := d.run("export", id, "--out", out, "--letter", "extension-notice")
	if status != 1 || !strings.Contains(stderr, "delay letter") || !strings.Contains(stderr, "--letter") {
		t.Errorf("an extension notice after its window: %d %q", status, stderr)
	}
	delay := exportJSON("--letter", "delay")
	letter = unzipLetter(t, delay["path"].(string))
	for _, want := range []string{"is late", "by **", "complain"} {
		if !strings.Contains(letter, want) {
			t.Errorf("the delay letter lacks %q:\n%s", want, letter)
		}
	}
}

// TestAccessLetterStatesThePurposesAndSourcesOfWhatWasFound: with
// Callrix's register, whose billing and tax purposes and whose Stripe
// source are of payment data, an access letter where only the platform
// database was found states the purposes of account and usage data and
// neither billing nor Stripe; where the Stripe records were found too,
// it states them.
func TestAccessLetterStatesThePurposesAndSourcesOfWhatWasFound(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	file := filepath.Join(t.TempDir(), "account.csv")
	_ = os.WriteFile(file, []byte("name,email\nOla,ola@example.org\n"), 0o600)
	letter := func(found ...string) string {
		t.Helper()
		id := d.add("--controller", "callrix", "--right", "access", "--received", "2026-03-02", "--subject", "Ola", "--email", "ola@example.org")
		d.ok("verify", id, "--method", "e-mail")
		d.ok("attach", id, file, "--category", "account")
		for _, item := range []string{"platform-db", "stripe", "financial-records", "support", "logs", "licensee-platforms", "mailboxes", "paper", "backups"} {
			if slices.Contains(found, item) {
				d.ok("work", id, item, "found", "--file", "account.csv")
			} else {
				d.ok("work", id, item, "none")
			}
		}
		d.ok("close", id, "--outcome", "fulfilled")
		status, out, errOut := d.run("export", id, "--out", t.TempDir())
		if status != 0 {
			t.Fatal(errOut)
		}
		_, files := zipFiles(t, strings.TrimSpace(strings.Split(out, "\n")[0]))
		return string(files["letter.md"])
	}
	has := func(letter string, want bool, texts ...string) {
		t.Helper()
		for _, text := range texts {
			if strings.Contains(letter, text) != want {
				t.Errorf("the letter states %q: %v, want %v:\n%s", text, !want, want, letter)
			}
		}
	}
	platform := letter("platform-db")
	has(platform, true, "- Providing the Platform", "- Platform improvement and analytics", "- Security monitoring", "- the Licensee at sign-up")
	has(platform, false, "Processing payments and billing", "Tax records", "Stripe, for payment data")
	paid := letter("platform-db", "stripe")
	has(paid, true, "- Processing payments and billing", "- Tax records and accounting obligations", "- Stripe, for payment data")
}
