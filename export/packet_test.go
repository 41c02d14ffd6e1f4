package export

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

// section returns the Markdown letter's section under the heading that
// starts with title, up to the next heading.
func section(t testing.TB, letter, title string) string {
	t.Helper()
	i := strings.Index(letter, "\n## "+title)
	if i < 0 {
		t.Fatalf("no section %q in the letter:\n%s", title, letter)
	}
	rest := letter[i+4:]
	if j := strings.Index(rest, "\n#"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestAccessPacketEveryOrganisation: for each organisation, a fulfilled
// access request gives the sections of Art. 15(1)(a)-(h) and 15(2): (b)
// the categories of the systems where data were found, never the
// register's list; (c) the host of a system where data were found, with
// its country and safeguard, apart from the register's other recipients,
// which may receive the data; never an invalid transfer mechanism.
func TestAccessPacketEveryOrganisation(t *testing.T) {
	rs := registers(t)
	for _, reg := range rs.All() {
		t.Run(reg.ID, func(t *testing.T) {
			p := closedScenario(t, reg, cases.RightAccess, cases.OutcomeFulfilled).build("")
			files := unzip(t, p)
			letter := string(files["letter.md"])
			for _, title := range []string{"(a) ", "(b) ", "(c) ", "(d) ", "(e) ", "(f) ", "(g) ", "(h) "} {
				section(t, letter, title)
			}
			systems, _ := testMap(reg)
			// Only app-db was found (closedScenario): its categories, its host.
			categories := section(t, letter, "(b) ")
			for _, s := range systems {
				for _, c := range s.Categories {
					if strings.Contains(categories, "- "+c+"\n") != (s.ID == "app-db") {
						t.Errorf("(b) and the category %q of %s (found: %v):\n%s", c, s.ID, s.ID == "app-db", categories)
					}
				}
			}
			for i := range reg.Categories {
				if v := reg.Categories[i].Name.Value; v != "" && strings.Contains(categories, v) {
					t.Errorf("(b) lists the register's category %q", v)
				}
			}
			recipients := section(t, letter, "(c) ")
			went := recipients
			_, may, _ := strings.Cut(letter, "### Who may receive")
			may, _, _ = strings.Cut(may, "\n## ")
			for i := range reg.Recipients {
				r := &reg.Recipients[i]
				if !r.Name.Known() {
					continue
				}
				row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(cell(r.Name.Value)) + ` \|.*$`).FindString(went)
				if r.Name.Value != systems[0].Recipient {
					if row != "" || (r.Kind.Value != "authority" && !strings.Contains(may, "- "+md(r.Name.Value))) {
						t.Errorf("recipient %q, which hosts no system where data were found, is not apart as one that may receive them:\n%s", r.Name.Value, recipients)
					}
					continue
				}
				if row == "" {
					t.Errorf("the host %q of the system where data were found is not named in (c):\n%s", r.Name.Value, recipients)
					continue
				}
				if !strings.Contains(row, cell(r.Country.Value)) {
					t.Errorf("recipient %q without its country %q: %s", r.Name.Value, r.Country.Value, row)
				}
				if r.Safeguard.Known() && !strings.HasPrefix(r.Safeguard.Value, "none needed") && !strings.Contains(row, cell(r.Safeguard.Value)) {
					t.Errorf("recipient %q without its safeguard %q: %s", r.Name.Value, r.Safeguard.Value, row)
				}
			}
			for _, text := range [][]byte{files["letter.md"], files["letter.html"]} {
				if regexp.MustCompile(`(?i)privacy\s*shield|safe\s*harbou?r`).Match(text) {
					t.Errorf("an invalid transfer mechanism is named in the letter")
				}
			}
			var m manifestJSON
			if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
				t.Fatal(err)
			}
			blocking := slices.ContainsFunc(p.Gaps, func(g LetterGap) bool { return g.Blocking })
			if m.Draft != blocking || p.Draft != blocking || strings.Contains(letter, "# DRAFT") != blocking {
				t.Errorf("draft %v (manifest %v, letter %v) but blocking gaps %v", p.Draft, m.Draft, strings.Contains(letter, "# DRAFT"), blocking)
			}
			gapFields := map[string]bool{}
			for _, g := range p.Gaps {
				gapFields[g.Field] = true
			}
			// What the register does not know is never invented.
			if !reg.AutomatedDecisions.Known() && !gapFields["automated_decisions"] {
				t.Errorf("automated decisions unknown but no gap")
			}
			if !reg.Authority.Name.Known() && !strings.Contains(section(t, letter, "(f) "), "Art. 77") {
				t.Errorf("no authority: the Art. 77 wording is missing")
			}
		})
	}
}

// TestCompleteRegisterIsNoDraft: once the DPO gives the facts the letter
// needs (source = "dpo"), the same case gives a packet that is not a draft.
func TestCompleteRegisterIsNoDraft(t *testing.T) {
	rs := registers(t)
	callrix, _ := rs.Get("callrix")
	before := closedScenario(t, callrix, cases.RightAccess, cases.OutcomeFulfilled).build("")
	if !before.Draft || !slices.ContainsFunc(before.Gaps, func(g LetterGap) bool { return g.Field == "automated_decisions" && g.Blocking }) {
		t.Fatalf("callrix's policy says nothing on automated decisions: the access letter must be a draft: %+v", before.Gaps)
	}
	src := strings.Replace(string(callrix.Source()),
		`automated_decisions = { source = "missing", note = "the policy does not say whether automated decisions are made" }`,
		`automated_decisions = { value = "No decision about you is made solely by automated means.", source = "dpo" }`, 1)
	fixed, err := register.ParseRegister("callrix.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	after := closedScenario(t, fixed, cases.RightAccess, cases.OutcomeFulfilled).build("")
	letter := string(unzip(t, after)["letter.md"])
	if after.Draft || strings.Contains(letter, "DRAFT") {
		t.Fatalf("still a draft: %+v", after.Gaps)
	}
	if !strings.Contains(section(t, letter, "(h) "), "No decision about you is made solely by automated means.") {
		t.Errorf("(h) does not give the DPO's fact")
	}
}

// TestDeterministic: the same case state gives the same bytes, and export
// events recorded in between change nothing.
func TestDeterministic(t *testing.T) {
	reg, _ := registers(t).Get("crystalqore")
	s := closedScenario(t, reg, cases.RightPortability, cases.OutcomePartiallyFulfilled)
	first := s.build("")
	s.do(first.Event("anna"))
	second := s.build("")
	if !bytes.Equal(first.Zip, second.Zip) || first.SHA256 != second.SHA256 {
		t.Fatal("two exports of the same case state differ")
	}
	s.do(cases.Event{Kind: cases.EventNoted, Text: "checked the copy"})
	if third := s.build(""); !bytes.Equal(first.Zip, third.Zip) {
		// A note is not in the packet, and the letter's date is its step's.
		t.Fatal("a note changed the packet")
	}
	zr, err := zip.NewReader(bytes.NewReader(first.Zip), int64(len(first.Zip)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(zr.File[0].Modified) || f.Modified.Year() != 2025 {
			t.Errorf("%s: time %s, not the letter's", f.Name, f.Modified)
		}
		mode := f.Mode()
		if (f.FileInfo().IsDir() && mode.Perm() != 0o700) || (!f.FileInfo().IsDir() && mode.Perm() != 0o600) {
			t.Errorf("%s: mode %s", f.Name, mode)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("entries not sorted: %v", names)
	}
}

// TestExtractedFolder: unzip, then sha256sum -c passes; modes are 0600 and
// 0700; the portability copy has each structured file in the other format.
func TestExtractedFolder(t *testing.T) {
	for _, tool := range []string{"unzip", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	reg, _ := registers(t).Get("callrix")
	p := closedScenario(t, reg, cases.RightPortability, cases.OutcomeFulfilled).build("")
	dir := t.TempDir()
	path, err := p.Write(filepath.Join(dir, "packets"))
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("zip mode %s", info.Mode())
	}
	if info, _ := os.Stat(filepath.Dir(path)); info.Mode().Perm() != 0o700 {
		t.Errorf("packets folder mode %s", info.Mode())
	}
	out := filepath.Join(dir, "x")
	if b, err := exec.Command("unzip", "-q", path, "-d", out).CombinedOutput(); err != nil {
		t.Fatalf("unzip: %v %s", err, b)
	}
	folder := filepath.Join(out, "DSR-2025-000042-final")
	cmd := exec.Command("sha256sum", "-c", "--strict", "SHA256SUMS")
	cmd.Dir = folder
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, b)
	}
	err = filepath.Walk(folder, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if info.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %s", path, info.Mode())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"data/account/account.csv", "data/account/account.json", "data/usage/logins.json", "data/usage/logins.csv", "data/README.md", "personal-data.json", "manifest.json", "letter.md", "letter.html"} {
		if _, err := os.Stat(filepath.Join(folder, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	var rows []map[string]string
	data, _ := os.ReadFile(filepath.Join(folder, "data/account/account.json"))
	if err := json.Unmarshal(data, &rows); err != nil || len(rows) != 2 || rows[0]["value"] != "Zoé Lefèvre" ||
		rows[0]["updated_at"] != "2025-01-02T09:00:00Z" {
		t.Errorf("account.json: %v %s", err, data)
	}
	csvData, _ := os.ReadFile(filepath.Join(folder, "data/usage/logins.csv"))
	if string(csvData) != "at,ip,ok\n2025-02-01T07:15:00Z,192.0.2.10,true\n2025-02-03T18:02:00Z,192.0.2.11,false\n" {
		t.Errorf("logins.csv:\n%s", csvData)
	}
}

// hostile is a subject-supplied string meant to escape a folder, inject
// HTML or Markdown, and drive a terminal.
const hostile = "../../../etc/passwd\\..\\x <script>alert(1)</script><img src=x onerror=alert(1)> | # **bold** [link](http://evil.example) \x1b]0;pwned\x07\x1b[31mred\u202egnp.exe"

func TestHostileSubject(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	s := newScenario(t, reg, cases.RightAccess, func(in *cases.Intake) {
		in.Subject.Name, in.Text = hostile, hostile+"\n# heading\n| cell |"
		in.Requester = &cases.Requester{Name: hostile, Relation: cases.RelationAgent}
	})
	s.do(cases.Event{Kind: cases.EventIdentityVerified, Method: hostile})
	s.attach(hostile, hostile, hostile, []byte("x"))
	s.attach("../"+hostile, "..", "", []byte("y"))
	s.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	p := s.build("")
	zr, err := zip.NewReader(bytes.NewReader(p.Zip), int64(len(p.Zip)))
	if err != nil {
		t.Fatal(err)
	}
	safe := regexp.MustCompile(`^DSR-2025-000042-final/([\p{L}\p{N}_-][\p{L}\p{N}._-]*/)*([\p{L}\p{N}_-][\p{L}\p{N}._-]*)?$`)
	for _, f := range zr.File {
		if !safe.MatchString(f.Name) || strings.Contains(f.Name, "..") {
			t.Errorf("unsafe entry name %q", f.Name)
		}
	}
	files := unzip(t, p)
	var data []string
	for name := range files {
		if strings.HasPrefix(name, "data/") {
			data = append(data, name)
		}
	}
	if len(data) != 2 {
		t.Errorf("the two data files are not both in the packet: %v", data)
	}
	for name, data := range files {
		for _, bad := range []string{"\x1b", "\x07", "\u202e"} {
			if bytes.Contains(data, []byte(bad)) {
				t.Errorf("%s carries the control character %q", name, bad)
			}
		}
	}
	html := string(files["letter.html"])
	for _, tag := range regexp.MustCompile(`<[^>]*>`).FindAllString(html, -1) {
		for _, bad := range []string{"script", "img", "onerror", "src=", "href="} {
			if strings.Contains(tag, bad) {
				t.Errorf("letter.html has the tag %q", tag)
			}
		}
	}
	letter := string(files["letter.md"])
	// Markup is only markup when its characters are not backslash-escaped.
	for _, bad := range []string{`(^|[^\\])<script`, `(^|[^\\])\]\(http`, `(?m)^> # heading`, `(?m)^# heading`, `(^|[^\\])\*\*bold`} {
		if regexp.MustCompile(bad).MatchString(letter) {
			t.Errorf("letter.md lets the name's markup through (%s):\n%s", bad, letter)
		}
	}
	// The name is still there, readable: nothing a subject typed is lost.
	if !strings.Contains(html, "alert(1)") || !strings.Contains(html, "^[[31mred") {
		t.Errorf("the name is not shown in the HTML letter")
	}
}

// TestLetterNeedsItsStep: a letter for a step the case never took is
// refused with the reason, nothing is built.
func TestLetterNeedsItsStep(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	s := newScenario(t, reg, cases.RightAccess, nil)
	for _, kind := range []cases.LetterKind{cases.LetterFinal, cases.LetterRedirect, cases.LetterLapse, cases.LetterIdentityRequest,
		cases.LetterClarificationRequest, cases.LetterFeeRequest, cases.LetterExtensionNotice} {
		_, err := Build(s.input(kind))
		var refused *cases.Refused
		if err == nil || !errors.As(err, &refused) {
			t.Errorf("%s on a new case: %v", kind, err)
		}
	}
	if _, err := Build(s.input(cases.LetterAcknowledgement)); err != nil {
		t.Errorf("acknowledgement: %v", err)
	}
}

// TestEveryPacketIndexesWhatTheCaseHolds: PACKETS.md lists
// personal-data.json in every packet: an erasure's final letter and an
// acknowledgement carry it too, with the request as the case holds it and
// no data-copy file.
func TestEveryPacketIndexesWhatTheCaseHolds(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	for _, p := range []*Packet{
		closedScenario(t, reg, cases.RightErasure, cases.OutcomeFulfilled).build(""),
		newScenario(t, reg, cases.RightRectification, nil).build(cases.LetterAcknowledgement),
	} {
		raw, ok := unzip(t, p)["personal-data.json"]
		var pd struct {
			Request struct {
				ID    string `json:"id"`
				Right string `json:"right"`
			} `json:"request"`
			Files []any `json:"files"`
		}
		if !ok || json.Unmarshal(raw, &pd) != nil || pd.Request.ID != "DSR-2025-000042" || pd.Request.Right == "" || pd.Files == nil || len(pd.Files) != 0 {
			t.Errorf("%s: personal-data.json %v: %s", p.Name, ok, raw)
		}
	}
}

// TestPooledDeflate: a deflate writer kept from an earlier zip entry writes
// the same bytes for the next entry as a new writer at the same level, so a
// packet's checksum does not depend on what was exported before it.
func TestPooledDeflate(t *testing.T) {
	first := bytes.Repeat([]byte("an earlier entry, another text entirely "), 400)
	entry := bytes.Repeat([]byte("Article 15(1)(a): the purposes of the processing. "), 300)
	var fresh bytes.Buffer
	fw, _ := flate.NewWriter(&fresh, flate.BestSpeed)
	fw.Write(entry)
	fw.Close()
	for i, data := range [][]byte{first, entry} {
		var out bytes.Buffer
		w, err := newPooledDeflate(&out)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if i == 1 && !bytes.Equal(out.Bytes(), fresh.Bytes()) {
			t.Fatal("a kept writer wrote other bytes than a new one")
		}
		got, err := io.ReadAll(flate.NewReader(&out))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("entry %d does not inflate to what was written: %v", i, err)
		}
	}
}
