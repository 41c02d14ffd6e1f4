package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// publicKey is the database's current public key, as checkpoint prints it.
func (d *desk) publicKey() string {
	d.t.Helper()
	status, out, errOut := d.run("checkpoint")
	if status != 0 {
		d.t.Fatalf("checkpoint: %s", errOut)
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 5 && f[0] == "key" {
			return f[4]
		}
	}
	d.t.Fatalf("checkpoint printed no key: %s", out)
	return ""
}

func TestVerifyChecksAnUntouchedPacketAndRecordOnACopyElsewhere(t *testing.T) {
	d := newDesk(t, "2025-03-20T12:00:00Z")
	id := d.add("--controller", "callrix", "--right", "access", "--received", "2025-03-03")
	d.add("--controller", "callrix", "--right", "erasure", "--received", "2025-03-04")
	if status, _, errOut := d.run("verify", id, "--method", "e-mail"); status != 0 {
		t.Fatalf("verify ID --method is still the action: %s", errOut)
	}
	out := filepath.Join(t.TempDir(), "out")
	status, path, errOut := d.run("export", id, "--out", out)
	if status != 0 {
		t.Fatal(errOut)
	}
	path = strings.TrimSpace(strings.Split(path, "\n")[0])
	key := d.publicKey()
	// Elsewhere: a copy, no database, no key folder.
	elsewhere := filepath.Join(t.TempDir(), "copy.zip")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (export printed %q)", err, path)
	}
	if err := os.WriteFile(elsewhere, data, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "RIGHTSDESK_DB": filepath.Join(t.TempDir(), "none.db")}
	status, got, errOut := runCLI(t, env, "verify", elsewhere, "--key", key)
	if status != 0 || !strings.Contains(got, "ok: 2 events of "+id) || !strings.Contains(got, "the key given") {
		t.Fatalf("verify of the packet: %d %s %s", status, got, errOut)
	}
	if status, got, _ = runCLI(t, env, "verify", elsewhere); status != 0 || !strings.Contains(got, "carries") {
		t.Fatalf("verify without --key: %d %s", status, got)
	}
	// The same case state gives the same packet: proof.json included.
	again := filepath.Join(t.TempDir(), "again")
	if status, p2, errOut := d.run("export", id, "--out", again); status != 0 {
		t.Fatal(errOut)
	} else if b, _ := os.ReadFile(strings.TrimSpace(strings.Split(p2, "\n")[0])); !bytes.Equal(b, data) {
		t.Fatal("the same case state gave another packet")
	}
	// Another database's key does not verify it.
	other := newDesk(t, "2025-03-20T12:00:00Z")
	other.add("--controller", "callrix", "--right", "access", "--received", "2025-03-03")
	if status, _, errOut = runCLI(t, env, "verify", elsewhere, "--key", other.publicKey()); status != 1 || !strings.Contains(errOut, "none of the keys given") {
		t.Fatalf("verify with another key: %d %s", status, errOut)
	}

	// The case record, as written.
	status, rec, errOut := d.run("export", id, "--record", "--out", out)
	if status != 0 {
		t.Fatal(errOut)
	}
	rec = strings.TrimSpace(rec)
	// received, verified, and the two exports
	if status, got, errOut = runCLI(t, env, "verify", rec, "--key", key); status != 0 || !strings.Contains(got, "ok: 4 events") {
		t.Fatalf("verify of the record: %d %s %s", status, got, errOut)
	}
	// record.json alone: its proof holds, but nothing shows its events'
	// facts are the ones written.
	if status, got, errOut = runCLI(t, env, "verify", filepath.Join(rec, "record.json"), "--key", key); status != 1 || got != "" || !strings.Contains(errOut, "give the record's folder") {
		t.Fatalf("verify of record.json alone: %d %s %s", status, got, errOut)
	}
	// A record whose shown event was swapped for another digest fails.
	js, _ := os.ReadFile(filepath.Join(rec, "record.json"))
	var r map[string]any
	if err := json.Unmarshal(js, &r); err != nil {
		t.Fatal(err)
	}
	r["events"].([]any)[1].(map[string]any)["digest"] = strings.Repeat("ab", 32)
	forged, _ := json.Marshal(r)
	fp := filepath.Join(t.TempDir(), "record.json")
	_ = os.WriteFile(fp, forged, 0o600)
	if status, _, errOut = runCLI(t, env, "verify", fp, "--key", key); status != 1 || !strings.Contains(errOut, "altered") {
		t.Fatalf("verify of an altered record: %d %s", status, errOut)
	}
	if status, _, errOut = runCLI(t, env, "verify", t.TempDir()); status != 2 {
		t.Fatalf("verify of a folder with no proof: %d %s", status, errOut)
	}
}

func TestCheckAgainstAnExportShowsARollback(t *testing.T) {
	d := newDesk(t, "2025-03-20T12:00:00Z")
	id := d.add("--controller", "callrix", "--right", "access", "--received", "2025-03-03")
	early := filepath.Join(t.TempDir(), "early.json")
	if status, _, errOut := d.run("checkpoint", "--out", early); status != 0 {
		t.Fatal(errOut)
	}
	snapshot, _ := os.ReadFile(d.db)
	out := filepath.Join(t.TempDir(), "out")
	if status, _, errOut := d.run("verify", id, "--method", "e-mail"); status != 0 {
		t.Fatal(errOut)
	}
	status, path, errOut := d.run("export", id, "--out", out)
	if status != 0 {
		t.Fatal(errOut)
	}
	late := filepath.Join(t.TempDir(), "late.json")
	if status, _, errOut := d.run("checkpoint", "--out", late); status != 0 {
		t.Fatal(errOut)
	}
	if status, got, errOut := d.run("check", "--against", early); status != 0 || !strings.Contains(got, "ok") {
		t.Fatalf("check --against an earlier export: %d %s %s", status, got, errOut)
	}
	// The file put back as it was: it verifies alone, not against what was
	// exported since, nor against the packet made since.
	releaseDB(d.db)
	if err := os.WriteFile(d.db, snapshot, 0o600); err != nil {
		t.Fatal(err)
	}
	if teamTests {
		// A client keeps the last checkpoints it verified: the server of
		// the rolled-back file is refused at once, before any check.
		if status, _, errOut := d.run("check"); status != 3 || !strings.Contains(errOut, "rolled back") {
			t.Fatalf("a client of the rolled-back file: %d %s", status, errOut)
		}
		return
	}
	if status, _, errOut := d.run("check"); status != 0 {
		t.Fatalf("the earlier file alone: %s", errOut)
	}
	status, got, _ := d.run("check", "--against", late)
	if status != 1 || !strings.Contains(got, "rolled back") {
		t.Fatalf("check --against after a rollback: %d %s", status, got)
	}
	if status, got, _ = d.run("check", "--against", strings.TrimSpace(strings.Split(path, "\n")[0])); status != 1 || !strings.Contains(got, "rolled back") {
		t.Fatalf("check --against a later packet after a rollback: %d %s", status, got)
	}
	if status, _, errOut = d.run("check", "--against", filepath.Join(t.TempDir(), "missing.json")); status != 2 {
		t.Fatalf("check --against a missing file: %d %s", status, errOut)
	}
}

// zipNames lists a packet's files.
func zipNames(t *testing.T, path string) []string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var out []string
	for _, f := range z.File {
		out = append(out, f.Name)
	}
	return out
}

func TestAPacketCarriesItsProofInItsChecksums(t *testing.T) {
	d := newDesk(t, "2025-03-20T12:00:00Z")
	id := d.add("--controller", "callrix", "--right", "access", "--received", "2025-03-03")
	status, path, errOut := d.run("export", id, "--out", t.TempDir())
	if status != 0 {
		t.Fatal(errOut)
	}
	names := strings.Join(zipNames(t, strings.TrimSpace(strings.Split(path, "\n")[0])), " ")
	if !strings.Contains(names, "/proof.json") {
		t.Fatalf("no proof.json in %s", names)
	}
}

func TestCheckReportsAReplacedAndARotatedKey(t *testing.T) {
	d := newDesk(t, "2025-03-20T12:00:00Z")
	id := d.add("--controller", "callrix", "--right", "access", "--received", "2025-03-03")
	early := filepath.Join(t.TempDir(), "early.json")
	if status, _, errOut := d.run("checkpoint", "--out", early); status != 0 {
		t.Fatal(errOut)
	}
	keys, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_STATE_HOME"), "rightsdesk", "*.key"))
	// The store reads the process's XDG_STATE_HOME: the tests' own folder.
	var f struct{ Database string }
	js, _ := os.ReadFile(early)
	_ = json.Unmarshal(js, &f)
	name := f.Database
	if teamOnEtcd {
		name += "." + harnessServerName // each server on a cluster signs with a key of its own
	}
	key := filepath.Join(os.Getenv("XDG_STATE_HOME"), "rightsdesk", name+".key")
	if err := os.Remove(key); err != nil {
		t.Fatalf("%v (keys %v)", err, keys)
	}
	if status, _, errOut := d.run("verify", id, "--method", "e-mail"); status != 0 {
		t.Fatal(errOut)
	}
	status, out, errOut := d.run("check", "--against", early)
	if status != 0 || !strings.Contains(out, "note: signing key replaced") || !strings.Contains(out, "was missing") {
		t.Fatalf("check after a lost key: %d %s %s", status, out, errOut)
	}
	if teamTests {
		return // rotating the key is the service account's, on the server's file (--db)
	}
	if status, out, errOut = d.run("checkpoint", "--rotate-key"); status != 0 || !strings.Contains(out, "key_rotated") {
		t.Fatalf("rotate: %d %s %s", status, out, errOut)
	}
	if status, _, errOut := d.run("note", id, "--text", "after the rotation"); status != 0 {
		t.Fatal(errOut)
	}
	if status, out, errOut = d.run("check", "--against", early); status != 0 || !strings.Contains(out, "note: signing key rotated") {
		t.Fatalf("check after a rotation: %d %s %s", status, out, errOut)
	}
}

// BenchmarkVerifyPacket: rightsdesk verify of a packet's zip with --key,
// end to end (read the zip, the signature, each event's inclusion proof)
// in the log of a 300-case demo.
func BenchmarkVerifyPacket(b *testing.B) {
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
	must("demo", "--cases", "300")
	id := must("add", "--controller", "callrix", "--right", "access", "--subject", "Zoé Lefèvre", "--email", "zoe@example.org", "--received", "2025-03-03")
	must("verify", id, "--method", "e-mail")
	path := strings.Split(must("export", id, "--out", filepath.Join(dir, "out")), "\n")[0]
	status, out, _ := runCLIb(b, env, "checkpoint", "--db", db)
	var key string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 5 && f[0] == "key" {
			key = f[4]
		}
	}
	if status != 0 || key == "" {
		b.Fatal(out)
	}
	for b.Loop() {
		if status, out, errOut := runCLIb(b, env, "verify", path, "--key", key); status != 0 {
			b.Fatal(out, errOut)
		}
	}
}

// zipFiles reads a packet's zip: its folder and its files by their path in
// it.
func zipFiles(t *testing.T, path string) (string, map[string][]byte) {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	folder, files := "", map[string][]byte{}
	for _, f := range z.File {
		top, rest, _ := strings.Cut(f.Name, "/")
		if rest == "" {
			continue
		}
		folder = top
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[rest] = b
	}
	return folder, files
}

// writeZip writes files under folder into a new zip at path.
func writeZip(t *testing.T, path, folder string, files map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := w.Create(folder + "/" + n)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(files[n])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// forge makes the listings match the files again, as anyone can without
// the key: the manifest's sizes and SHA-256s, and SHA256SUMS.
func forge(t *testing.T, files map[string][]byte, listing string) {
	t.Helper()
	hexSum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	if listing == "manifest.json" {
		var m map[string]any
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatal(err)
		}
		for _, f := range m["files"].([]any) {
			e := f.(map[string]any)
			data := files[e["path"].(string)]
			e["size"], e["sha256"] = len(data), hexSum(data)
		}
		files["manifest.json"], _ = json.MarshalIndent(m, "", "  ")
	}
	var sums bytes.Buffer
	names := make([]string, 0, len(files))
	for n := range files {
		if n != "SHA256SUMS" && n != "SHA256SUMS.sig" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&sums, "%s  %s\n", hexSum(files[n]), n)
	}
	files["SHA256SUMS"] = sums.Bytes()
}

// TestVerifyShowsAPacketOrRecordChangedAfterExport: verify PACKET checks
// the files, not only the events' proofs: a letter, a data file, the
// manifest or a record changed after export, with its listings made to
// match again by someone without the key, fails with exit 1 and says
// what; so do an added file, a removed seal and a damaged zip member. The
// untouched packet, unzipped into a folder of another name, passes.
func TestVerifyShowsAPacketOrRecordChangedAfterExport(t *testing.T) {
	d := newDesk(t, "2025-03-20T12:00:00Z")
	id := d.add("--controller", "callrix", "--right", "erasure", "--received", "2025-03-03", "--subject", "Ola Nordmann", "--email", "ola@example.org")
	d.ok("verify", id, "--method", "e-mail")
	d.ok("close", id, "--outcome", "fulfilled")
	status, path, errOut := d.run("export", id, "--out", t.TempDir())
	if status != 0 {
		t.Fatal(errOut)
	}
	path = strings.TrimSpace(strings.Split(path, "\n")[0])
	key := d.publicKey()
	env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "RIGHTSDESK_DB": filepath.Join(t.TempDir(), "none.db")}
	folder, files := zipFiles(t, path)
	if _, ok := files["manifest.sig"]; !ok {
		t.Fatalf("the packet has no seal: %v", sortedNames(files))
	}
	if status, got, errOut := runCLI(t, env, "verify", path, "--key", key); status != 0 || !strings.Contains(got, "are the ones sealed") {
		t.Fatalf("verify of the untouched packet: %d %s %s", status, got, errOut)
	}
	var asJSON struct {
		OK     bool   `json:"ok"`
		Case   string `json:"case"`
		Events int    `json:"events"`
		Files  string `json:"files"`
	}
	if status, got, errOut := runCLI(t, env, "verify", path, "--key", key, "--json"); status != 0 || strings.Count(got, "\n") != 1 ||
		json.Unmarshal([]byte(got), &asJSON) != nil || !asJSON.OK || asJSON.Case != id || asJSON.Events != 3 || !strings.Contains(asJSON.Files, "sealed") {
		t.Errorf("verify --json: %d %q %q", status, got, errOut)
	}
	if status, got, errOut := runCLI(t, env, "verify", path, "--key", "not-a-key"); status != 2 || got != "" || !strings.Contains(errOut, "--key: not a public key") {
		t.Errorf("verify with a key that is no key: %d %q %q", status, got, errOut)
	}
	// Unzipped into a folder of another name: the same files pass.
	dir := filepath.Join(t.TempDir(), "what-we-sent")
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		_ = os.MkdirAll(filepath.Dir(p), 0o700)
		_ = os.WriteFile(p, data, 0o600)
	}
	if status, got, errOut := runCLI(t, env, "verify", dir, "--key", key); status != 0 || !strings.Contains(got, "are the ones sealed") {
		t.Fatalf("verify of the unzipped folder: %d %s %s", status, got, errOut)
	}
	// The same case's acknowledgement, sealed by the same key.
	status, ack, errOut := d.run("export", id, "--letter", "acknowledgement", "--out", t.TempDir())
	if status != 0 {
		t.Fatal(errOut)
	}
	_, ackFiles := zipFiles(t, strings.TrimSpace(strings.Split(ack, "\n")[0]))
	otherSeal := ackFiles["manifest.sig"]
	clone := func() map[string][]byte {
		out := map[string][]byte{}
		for k, v := range files {
			out[k] = bytes.Clone(v)
		}
		return out
	}
	replace := func(f map[string][]byte, name, old, new string) {
		if !bytes.Contains(f[name], []byte(old)) {
			t.Fatalf("%s holds no %q", name, old)
		}
		f[name] = bytes.Replace(f[name], []byte(old), []byte(new), 1)
	}
	for _, tc := range []struct {
		what, want string
		change     func(f map[string][]byte)
	}{
		{"letter.md changed alone", "letter.md does not match SHA256SUMS", func(f map[string][]byte) {
			replace(f, "letter.md", "Ola Nordmann", "Ola Nordmannen")
		}},
		{"letter.md changed, its listings forged", "not the ones sealed", func(f map[string][]byte) {
			replace(f, "letter.md", "Ola Nordmann", "Ola Nordmannen")
			forge(t, f, "manifest.json")
		}},
		{"letter.html changed, its listings forged", "not the ones sealed", func(f map[string][]byte) {
			replace(f, "letter.html", "Ola Nordmann", "Ola Nordmannen")
			forge(t, f, "manifest.json")
		}},
		{"the manifest's language changed", "not the ones sealed", func(f map[string][]byte) {
			replace(f, "manifest.json", `"language": "en"`, `"language": "fr"`)
			forge(t, f, "manifest.json")
		}},
		{"a file added", "not in the manifest", func(f map[string][]byte) {
			f["data/extra.txt"] = []byte("more")
			forge(t, f, "manifest.json")
		}},
		{"the seal removed", "manifest.sig is missing", func(f map[string][]byte) {
			delete(f, "manifest.sig")
			forge(t, f, "manifest.json")
		}},
		{"the seal of another packet", "is of", func(f map[string][]byte) {
			f["manifest.sig"] = otherSeal
			forge(t, f, "manifest.json")
		}},
	} {
		f := clone()
		tc.change(f)
		forged := filepath.Join(t.TempDir(), "forged.zip")
		writeZip(t, forged, folder, f)
		status, got, errOut := runCLI(t, env, "verify", forged, "--key", key)
		if status != 1 || got != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s: %d %q %q, want exit 1 and one line with %q", tc.what, status, got, errOut, tc.want)
		}
	}
	// Entries beside the files: a second letter.md (first or last, tools
	// differ on which they show), an empty folder, a comment.
	rawZip := func(name string, comment string, entries ...[2]string) string {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		for _, e := range entries {
			f, _ := w.Create(e[0])
			f.Write([]byte(e[1]))
		}
		_ = w.SetComment(comment)
		_ = w.Close()
		p := filepath.Join(t.TempDir(), name)
		_ = os.WriteFile(p, buf.Bytes(), 0o600)
		return p
	}
	var real [][2]string
	for _, n := range sortedNames(files) {
		real = append(real, [2]string{folder + "/" + n, string(files[n])})
	}
	fake := [2]string{folder + "/letter.md", "# We hold no data about you\n"}
	for _, tc := range []struct {
		name, comment, want string
		entries             [][2]string
	}{
		{"fake-first.zip", "", "twice", append([][2]string{fake}, real...)},
		{"fake-last.zip", "", "twice", append(slices.Clone(real), fake)},
		{"empty-folder.zip", "", "empty folder", append(slices.Clone(real), [2]string{folder + "/extra/", ""})},
		{"comment.zip", "read me first", "comment", real},
	} {
		status, got, errOut := runCLI(t, env, "verify", rawZip(tc.name, tc.comment, tc.entries...), "--key", key)
		if status != 1 || got != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: %d %q %q, want exit 1 with %q", tc.name, status, got, errOut, tc.want)
		}
	}
	if status, got, errOut := runCLI(t, env, "verify", rawZip("same.zip", "", real...), "--key", key); status != 0 {
		t.Errorf("the same files zipped again: %d %q %q", status, got, errOut)
	}

	// A damaged member: the zip's own checksum fails.
	raw, _ := os.ReadFile(path)
	z, _ := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, "/letter.html") {
			off, _ := f.DataOffset()
			raw[off+5] ^= 0xff
		}
	}
	damaged := filepath.Join(t.TempDir(), "damaged.zip")
	_ = os.WriteFile(damaged, raw, 0o600)
	if status, got, errOut := runCLI(t, env, "verify", damaged, "--key", key); status != 1 || got != "" || !strings.Contains(errOut, "letter.html") {
		t.Errorf("a damaged member: %d %q %q", status, got, errOut)
	}

	// The case record: its outcome rewritten, the sums forged.
	status, rec, errOut := d.run("export", id, "--record", "--out", t.TempDir())
	if status != 0 {
		t.Fatal(errOut)
	}
	rec = strings.TrimSpace(rec)
	if status, got, errOut := runCLI(t, env, "verify", rec, "--key", key); status != 0 || !strings.Contains(got, "are the ones sealed") {
		t.Fatalf("verify of the record: %d %s %s", status, got, errOut)
	}
	recFiles := map[string][]byte{}
	for _, n := range []string{"record.json", "record.html", "SHA256SUMS", "SHA256SUMS.sig"} {
		b, err := os.ReadFile(filepath.Join(rec, n))
		if err != nil {
			t.Fatal(err)
		}
		recFiles[n] = b
	}
	if !bytes.Contains(recFiles["record.json"], []byte(`"outcome": "fulfilled"`)) {
		t.Fatalf("the record holds no fulfilled outcome:\n%s", recFiles["record.json"])
	}
	recFiles["record.json"] = bytes.ReplaceAll(recFiles["record.json"], []byte(`"outcome": "fulfilled"`), []byte(`"outcome": "refused"`))
	forge(t, recFiles, "SHA256SUMS")
	forgedRec := filepath.Join(t.TempDir(), "DSR-record")
	_ = os.MkdirAll(forgedRec, 0o700)
	for n, b := range recFiles {
		_ = os.WriteFile(filepath.Join(forgedRec, n), b, 0o600)
	}
	if status, got, errOut := runCLI(t, env, "verify", forgedRec, "--key", key); status != 1 || got != "" || !strings.Contains(errOut, "not the ones sealed") {
		t.Errorf("a record with its outcome rewritten: %d %q %q", status, got, errOut)
	}
}

// TestNotesAndTagsLeaveThePacketAlone: a note, a tag or an assignment
// after an export shapes nothing (WORK.md), so exporting again gives the
// same bytes, proof.json and its checkpoint included; an event that
// shapes the letter gives other bytes.
func TestNotesAndTagsLeaveThePacketAlone(t *testing.T) {
	d := newDesk(t, "2025-03-20T12:00:00Z")
	id := d.add("--controller", "callrix", "--right", "access", "--received", "2025-03-03")
	export := func() []byte {
		t.Helper()
		status, path, errOut := d.run("export", id, "--letter", "acknowledgement", "--date", "2025-03-20", "--out", t.TempDir())
		if status != 0 {
			t.Fatal(errOut)
		}
		b, err := os.ReadFile(strings.TrimSpace(strings.Split(path, "\n")[0]))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := export()
	d.ok("note", id, "--text", "called the subject back")
	d.ok("tag", id, "press")
	if !bytes.Equal(export(), first) {
		t.Fatal("a note and a tag changed the packet")
	}
	d.ok("verify", id, "--method", "e-mail")
	if bytes.Equal(export(), first) {
		t.Fatal("the identity verified left the acknowledgement's packet the same: its proof must cover it")
	}
}

// TestVerifyIDBesideAFileOfItsName: verify ID --method is the identity
// action even when the folder holds a file named like the case; and a
// case record exported into a relative folder is printed in full.
func TestVerifyIDBesideAFileOfItsName(t *testing.T) {
	personalOnly(t, "the working folder is this process's")
	d := newDesk(t, "2025-03-20T12:00:00Z")
	id := d.add("--controller", "callrix", "--right", "access", "--received", "2025-03-03")
	t.Chdir(t.TempDir())
	if err := os.WriteFile(id, []byte("notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if status, out, errOut := d.run("verify", id, "--method", "e-mail"); status != 0 || !strings.Contains(out, "identity-verified recorded") {
		t.Fatalf("verify ID --method beside a file of its name: %d %q %q", status, out, errOut)
	}
	status, out, errOut := d.run("export", id, "--record", "--out", "records")
	if want, _ := filepath.Abs(filepath.Join("records", id+"-record")); status != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("export --record --out records: %d %q %q, want %s", status, out, errOut, want)
	}
}
