package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rightsdesk/storage"
)

func TestCaseRecord(t *testing.T) {
	fileStoreOnly(t, "the record is exported by a direct call on the server's file, which on a cluster is a replica whose key is the server's")
	d := newDesk(t, "2026-03-10T12:00:00Z")
	status, out, errOut := d.run("add", "--controller", "crisp", "--right", "access", "--received", "2026-03-02",
		"--subject", "<script>alert(1)</script> \x1b[31mMallory \u009b2J", "--email", "m@example.org", "--text", "send me <b>everything</b>")
	if status != 0 {
		t.Fatal(errOut)
	}
	id := strings.TrimSpace(out)
	for _, s := range [][]string{
		// Recorded 10 March at noon: 7 days and 13 hours late.
		{"acknowledge", id, "--at", "2026-03-03", "--late", "acknowledged by phone, entered a week later"},
		{"note", id, "--text", "called the subject"},
		{"send", id, "--letter", "acknowledgement", "--channel", "email", "--to", "m@example.org",
			"--outside", "--reason", "written in the DPO's mailbox"},
		{"work", id, "core", "found"},
	} {
		if status, _, errOut := d.run(s...); status != 0 {
			t.Fatal(errOut)
		}
	}
	releaseDB(d.db) // exportRecord is called directly, on the local file
	a := &app{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer), getenv: func(k string) string { return d.env[k] }}
	a.clock, _ = clockFrom(a.getenv)
	dir := t.TempDir()
	if status := a.exportRecord(d.db, id, dir, false); status != 0 {
		t.Fatalf("export --record: %s", a.stderr)
	}
	folder := strings.TrimSpace(a.stdout.(*bytes.Buffer).String())
	if folder != filepath.Join(dir, id+"-record") {
		t.Fatalf("printed %q", folder)
	}
	first := map[string][]byte{}
	for _, f := range []string{"record.json", "record.html", "SHA256SUMS"} {
		info, err := os.Stat(filepath.Join(folder, f))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", f, info, err)
		}
		first[f], _ = os.ReadFile(filepath.Join(folder, f))
	}
	if info, _ := os.Stat(folder); info.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v", info.Mode())
	}
	// The same case state gives the same bytes.
	a.stdout = new(bytes.Buffer)
	releaseDB(d.db)
	if status := a.exportRecord(d.db, id, dir, false); status != 0 {
		t.Fatal(a.stderr)
	}
	for f, b := range first {
		again, _ := os.ReadFile(filepath.Join(folder, f))
		if !bytes.Equal(again, b) {
			t.Fatalf("%s differs between two exports of the same case", f)
		}
	}
	if sum, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(sum, "-c", "SHA256SUMS")
		cmd.Dir = folder
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sha256sum -c: %v %s", err, out)
		}
	}
	html := string(first["record.html"])
	// The subject's name is evidence as typed; the files show its control
	// characters as text, so that cat record.html does not drive the terminal.
	for f, b := range first {
		if bytes.ContainsAny(b, "\x1b\x07") || bytes.Contains(b, []byte("\u009b")) {
			t.Errorf("%s carries raw control characters from the subject's name", f)
		}
	}
	if !strings.Contains(html, "^[[31mMallory &lt;U+009B&gt;2J") {
		t.Errorf("record.html does not show the name's control characters as text")
	}
	// The work list: each item with its result, or open (WORK.md: the case
	// record shows it); the letter sent another way says so, with why.
	for _, want := range []string{"<h2>Work</h2>", "(core)</span></td><td>found</td>", "(backups)</span></td><td>open</td>",
		"sent another way: written in the DPO&#39;s mailbox"} {
		if !strings.Contains(html, want) {
			t.Errorf("record.html lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "<b>everything") || !strings.Contains(html, "&lt;script&gt;") {
		t.Fatalf("the HTML record does not escape subject text")
	}
	var rec struct {
		ChainHead string `json:"chain_head"`
		Events    []struct {
			Kind       string    `json:"kind"`
			LateRecord string    `json:"late_record"`
			RecordedAt time.Time `json:"recorded_at"`
		}
		Letters []struct{ Letter, To string }
		Notes   []struct{ Text string }
	}
	if err := json.Unmarshal(first["record.json"], &rec); err != nil {
		t.Fatal(err)
	}
	head, _ := newStoreFor(d).Get(id)
	if rec.ChainHead != head.Head || len(rec.Events) != 5 || rec.Events[1].LateRecord != "recorded 7 days after it happened" ||
		// Received at midnight on 2 March in Paris, entered on 10 March at
		// noon UTC: the receipt is entered as found, never flagged late
		// (as show), its recorded_at still says when.
		rec.Events[0].LateRecord != "" || !rec.Events[0].RecordedAt.Equal(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)) || rec.Events[2].LateRecord != "" || len(rec.Letters) != 1 || rec.Letters[0].To != "m@example.org" || rec.Notes[0].Text != "called the subject" {
		t.Fatalf("record: %+v (head %s)", rec, head.Head)
	}
	// Exporting the record is in the access log, not the timeline.
	log, _ := newStoreFor(d).AccessLog(id)
	if teamTests {
		log = withoutReads(log) // the team server logs every read by its reader too
	}
	if len(log) != 2 || log[0].What != "exported the case record" {
		t.Fatalf("access log: %+v", log)
	}
	if v := d.show(id); v["revision"] != 5.0 {
		t.Fatalf("exporting the record changed the case: revision %v", v["revision"])
	}
}

// withoutReads is an access log without its entries for reads.
func withoutReads(log []storage.Access) []storage.Access {
	var out []storage.Access
	for _, a := range log {
		if a.What != "read" {
			out = append(out, a)
		}
	}
	return out
}

func newStoreFor(d *desk) interface {
	Get(string) (*storage.Loaded, error)
	AccessLog(string) ([]storage.Access, error)
} {
	releaseDB(d.db)
	return storage.Open(d.db, storage.Options{})
}

func TestExportCommandWritesTheRecord(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	out := t.TempDir()
	status, stdout, errOut := d.run("export", id, "--record", "--out", out)
	if status != 0 || strings.TrimSpace(stdout) != filepath.Join(out, id+"-record") {
		t.Fatalf("export --record: %d %q %q", status, stdout, errOut)
	}
	if status, _, errOut := d.run("export", id, "--record", "--letter", "final", "--out", out); status != 2 || !strings.Contains(errOut, "--record") {
		t.Fatalf("--letter goes with a packet, not the record: %d %q", status, errOut)
	}
	if status, _, _ := d.run("export", "DSR-2026-999999", "--record", "--out", out); status != 2 {
		t.Fatal("an unknown case is exit 2")
	}
}
