package export

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

// PacketFormat is the version of the packet's layout (PACKETS.md), written
// in the manifest.
const PacketFormat = 1

// Generator names the program in the manifest. It is a constant, not a
// build stamp, so that the same case state gives the same bytes.
const Generator = "rightsdesk export 1"

// FileReader returns the bytes of a file attached to the case.
type FileReader func(name string) ([]byte, error)

// Input is what a packet is made from: the case, the register of its
// organisation (as loaded now), a way to read its attached files, and the
// letter wanted (empty: the one for the case's current step).
type Input struct {
	Case     *cases.Case
	Register *register.Register
	Files    FileReader
	Letter   cases.LetterKind
	// Date is the letter's date (export --date): the letter states only
	// what was recorded by the end of that day in the case's zone. Zero:
	// the day of the event the letter answers, with everything recorded.
	Date cases.Date
	// Linked are the other cases of the same request (Case.Linked), so
	// that one acknowledgement names every right asked for.
	Linked []*cases.Case
	// Proof is proof.json: the signed checkpoint of the case's log and the
	// inclusion proofs of the events the packet reflects (nil: none).
	Proof []byte
	// Seal signs the packet's files: given the folder's name and the
	// SHA-256 of manifest.json (which lists every other file with its
	// own), it returns the signed seal written as manifest.sig (nil: no
	// seal, for the demo's packets that are never written).
	Seal Sealer
}

// Sealer signs the seal of a set of files (subject: a packet's folder, or
// "record") whose listing file has SHA-256 digest (storage.SignFileSeal).
type Sealer func(subject, digest string) (string, error)

// SealFile is the file that holds a packet's seal (SHA256SUMS lists it;
// the manifest it seals cannot).
const SealFile = "manifest.sig"

// Packet is a built response packet.
type Packet struct {
	// Name is the zip's file name, <ID>-<kind>.zip.
	Name   string
	Letter cases.LetterKind
	Zip    []byte
	// SHA256 is the zip's checksum, recorded in the exported event.
	SHA256 string
	// Draft is set when a blocking gap remains: the packet must not be sent.
	Draft bool
	// Gaps are the register's (or the case's) gaps this letter met.
	Gaps []LetterGap
	// Date is the letter's date, recorded in the exported event.
	Date cases.Date
}

// packetCase is the case as a packet sees it: its timeline without export
// events, derived as of its last change, in its legal time zone.
type packetCase struct {
	c    *cases.Case
	st   *cases.State
	reg  *register.Register
	loc  *time.Location
	at   time.Time // the state's moment: the last event's
	read FileReader
	gaps []LetterGap
	// date is the letter's date asked for (zero: its event's day); day
	// is the date the letter carries, modified the time of its zip
	// entries (that day's start, in UTC).
	date     cases.Date
	day      cases.Date
	modified time.Time
	linked   []*cases.Case

	files []packetFile      // the data copy
	paths map[string]string // an attached file's path in the packet
	err   error             // reading the data copy failed
}

type packetFile struct {
	path string // inside the folder
	data []byte
}

// withoutExports is the case with its exported events left out: exporting
// never shapes a packet.
func withoutExports(c *cases.Case) *cases.Case {
	cp := *c
	cp.Events = slices.DeleteFunc(slices.Clone(c.Events), func(e cases.Event) bool { return e.Kind == cases.EventExported })
	return &cp
}

func newPacketCase(in Input) (*packetCase, error) {
	if in.Case == nil || len(in.Case.Events) == 0 {
		return nil, errors.New("export: no case")
	}
	if in.Register == nil {
		return nil, fmt.Errorf("export %s: no register for %s", in.Case.ID, in.Case.Controller)
	}
	c := withoutExports(in.Case)
	if !in.Date.IsZero() {
		var err error
		if c, err = recordedBy(c, in.Date); err != nil {
			return nil, err
		}
	}
	at := c.ReceivedAt
	for _, e := range c.Events {
		if e.RecordedAt.After(at) {
			at = e.RecordedAt
		}
		if e.At.After(at) {
			at = e.At
		}
	}
	st, err := c.Derive(at)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", c.ID, err)
	}
	loc, err := cases.LoadZone(st.Rules.Zone)
	if err != nil {
		return nil, err
	}
	return &packetCase{c: c, st: st, reg: in.Register, loc: loc, at: at, read: in.Files, date: in.Date, linked: in.Linked,
		paths: map[string]string{}}, nil
}

// recordedBy is the case as it stood at the end of day (in its zone): a
// letter of that date states nothing recorded after it.
func recordedBy(c *cases.Case, day cases.Date) (*cases.Case, error) {
	loc, err := cases.LoadZone(c.Rules.Zone)
	if err != nil {
		return nil, err
	}
	end := day.AddDays(1).Start(loc)
	cp := *c
	cp.Events = slices.DeleteFunc(slices.Clone(c.Events), func(e cases.Event) bool { return !e.RecordedAt.Before(end) })
	if len(cp.Events) == 0 {
		return nil, &cases.Refused{Field: "date", Reason: fmt.Sprintf("the case was recorded on %s, after the letter's date %s",
			cases.DateOf(c.Events[0].RecordedAt, loc), day)}
	}
	return &cp, nil
}

// LetterDate is the default date of a letter exported at now: today in
// the case's zone.
func LetterDate(c *cases.Case, now time.Time) (cases.Date, error) {
	loc, err := cases.LoadZone(c.Rules.Zone)
	if err != nil {
		return cases.Date{}, err
	}
	return cases.DateOf(now, loc), nil
}

// Kind is the letter a packet for the case would hold: the one asked, or
// the case's current step's.
func Kind(c *cases.Case, asked cases.LetterKind) (cases.LetterKind, error) {
	if asked != "" {
		return cases.ParseLetterKind(string(asked))
	}
	p, err := newPacketCase(Input{Case: c, Register: &register.Register{}})
	if err != nil {
		return "", err
	}
	return cases.DefaultLetter(p.c, p.st), nil
}

// Check lists the gaps the packet would meet, without reading any file:
// what the terminal app shows before exporting.
func Check(in Input) (cases.LetterKind, []LetterGap, error) {
	p, err := newPacketCase(in)
	if err != nil {
		return "", nil, err
	}
	kind := in.Letter
	if kind == "" {
		kind = cases.DefaultLetter(p.c, p.st)
	}
	p.read = nil
	if _, err := buildLetter(p, kind); err != nil {
		return kind, nil, err
	}
	return kind, p.gaps, nil
}

// Build makes the packet of PACKETS.md for the case: the letter in
// Markdown and HTML, the data copy for final access and portability
// letters, personal-data.json, manifest.json and SHA256SUMS, in one folder
// <ID>-<kind>/ of a zip. The same case state gives the same bytes.
func Build(in Input) (*Packet, error) {
	p, err := newPacketCase(in)
	if err != nil {
		return nil, err
	}
	kind := in.Letter
	if kind == "" {
		kind = cases.DefaultLetter(p.c, p.st)
	}
	if _, err := cases.ParseLetterKind(string(kind)); err != nil {
		return nil, &cases.Refused{Reason: err.Error()}
	}
	d, err := buildLetter(p, kind)
	if err != nil {
		return nil, err
	}
	if p.err != nil {
		return nil, p.err
	}
	lang := templateLanguage(p.c.Language)
	if lang != p.c.Language && p.c.Language != "" {
		p.gaps = append(p.gaps, LetterGap{Field: "case", Text: fmt.Sprintf("no letter templates in the case's language %q: the letter is in %s", p.c.Language, lang)})
	}
	letterMD, err := renderMarkdown(lang, d)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", p.c.ID, err)
	}
	letterHTML, err := renderHTML(lang, d, letterMD)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", p.c.ID, err)
	}
	folder := cases.SafeName(p.c.ID) + "-" + string(kind)
	files := []packetFile{{path: "letter.md", data: letterMD}, {path: "letter.html", data: letterHTML}}
	files = append(files, p.files...)
	if in.Proof != nil {
		files = append(files, packetFile{path: "proof.json", data: in.Proof})
	}
	// Every packet indexes what the case holds (PACKETS.md), its data copy
	// too when it has one.
	pd, err := p.personalData(d)
	if err != nil {
		return nil, err
	}
	files = append(files, packetFile{path: "personal-data.json", data: pd})
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	manifest, err := p.manifest(kind, lang, d.Draft, files)
	if err != nil {
		return nil, err
	}
	files = append(files, packetFile{path: "manifest.json", data: manifest})
	if in.Seal != nil {
		sum := sha256.Sum256(manifest)
		seal, err := in.Seal(folder, hex.EncodeToString(sum[:]))
		if err != nil {
			return nil, fmt.Errorf("export %s: the seal: %w", p.c.ID, err)
		}
		files = append(files, packetFile{path: SealFile, data: []byte(seal)})
	}
	files = append(files, packetFile{path: "SHA256SUMS", data: sums(files)})
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	z, err := zipFolder(folder, files, p.modified)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(z)
	return &Packet{Name: folder + ".zip", Letter: kind, Zip: z, SHA256: hex.EncodeToString(sum[:]), Draft: d.Draft,
		Gaps: p.gaps, Date: p.day}, nil
}

// gapTextMax bounds one gap's text in the exported event: the timeline
// keeps what made the packet a draft, the manifest keeps it all.
const gapTextMax = 160

// Event is the exported event that records the packet in the timeline:
// its checksum, its date, whether it is a draft and the blocking gaps that
// make it one (what send refuses, WORK.md "What may leave").
func (pk *Packet) Event(actor string) cases.Event {
	ev := cases.Event{Kind: cases.EventExported, Letter: pk.Letter, Checksum: pk.SHA256, Actor: actor, Draft: pk.Draft}
	if !pk.Date.IsZero() {
		d := pk.Date
		ev.LetterDate = &d
	}
	for _, g := range pk.Gaps {
		if g.Blocking {
			text := []rune(g.Field + ": " + g.Text)
			if len(text) > gapTextMax {
				text = append(text[:gapTextMax-1], '…')
			}
			ev.Gaps = append(ev.Gaps, string(text))
		}
	}
	return ev
}

// Write saves the zip as dir/<ID>-<kind>.zip (0600; dir created 0700) and
// returns its full path.
func (pk *Packet) Write(dir string) (string, error) { return WritePrivate(dir, pk.Name, pk.Zip) }

// WritePrivate saves data as dir/name (0600; dir created 0700) and returns
// its full path. The file is written beside and renamed, so that a reader
// never sees half of it.
func WritePrivate(dir, name string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	abs, err := filepath.Abs(filepath.Join(dir, name))
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, ".partial-*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", abs, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", abs, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", abs, err)
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), abs); err != nil {
		return "", fmt.Errorf("write %s: %w", abs, err)
	}
	return abs, nil
}

// manifestFile is one file of the manifest.
type manifestFile struct {
	Path   string `json:"path"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

type manifestJSON struct {
	Format          int            `json:"format"`
	Generator       string         `json:"generator"`
	Case            string         `json:"case"`
	Controller      string         `json:"controller"`
	Letter          string         `json:"letter"`
	Language        string         `json:"language"`
	Register        string         `json:"register"`
	RegisterVersion string         `json:"register_version"`
	CaseRules       string         `json:"case_rules"`
	Date            string         `json:"date"`
	Draft           bool           `json:"draft"`
	Gaps            []manifestGap  `json:"gaps"`
	Files           []manifestFile `json:"files"`
}

// manifestGap is a gap as the packet's manifest lists it: what is missing,
// without the register's field, example or command, which are for the DPO
// (LetterGap) and not for the subject who receives the packet.
type manifestGap struct {
	Field    string `json:"field"`
	Text     string `json:"text"`
	Blocking bool   `json:"blocking"`
	Wording  string `json:"wording,omitempty"`
}

func (p *packetCase) manifest(kind cases.LetterKind, lang string, draft bool, files []packetFile) ([]byte, error) {
	m := manifestJSON{Format: PacketFormat, Generator: Generator, Case: p.c.ID, Controller: p.c.Controller,
		Letter: string(kind), Language: lang, Register: p.reg.ID, RegisterVersion: p.reg.Version.String(),
		CaseRules: p.st.Rules.Source, Date: p.day.String(), Draft: draft,
		Gaps: []manifestGap{}, Files: []manifestFile{}}
	for _, g := range p.gaps {
		m.Gaps = append(m.Gaps, manifestGap{Field: g.Field, Text: g.Text, Blocking: g.Blocking, Wording: g.Wording})
	}
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		m.Files = append(m.Files, manifestFile{Path: f.path, Size: len(f.data), SHA256: hex.EncodeToString(sum[:])})
	}
	out, err := cases.JSONIndent(m, "", "  ")
	return append(out, '\n'), err
}

// sums is SHA256SUMS in the format sha256sum -c reads.
func sums(files []packetFile) []byte {
	var b bytes.Buffer
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), f.path)
	}
	return b.Bytes()
}

// zipFolder writes the files under one folder, sorted, every entry with
// the same time and mode 0600 (folders 0700), no extra fields beyond the
// ones archive/zip derives from the fixed time.
func zipFolder(folder string, files []packetFile, modified time.Time) ([]byte, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.RegisterCompressor(zip.Deflate, newPooledDeflate)
	dirs := map[string]bool{}
	var names []string
	for _, f := range files {
		names = append(names, f.path)
		for d := filepath.ToSlash(filepath.Dir(f.path)); d != "."; d = filepath.ToSlash(filepath.Dir(d)) {
			dirs[d+"/"] = true
		}
	}
	dirs[""] = true
	var entries []string
	for d := range dirs {
		entries = append(entries, d)
	}
	entries = append(entries, names...)
	sort.Strings(entries)
	byPath := map[string][]byte{}
	for _, f := range files {
		byPath[f.path] = f.data
	}
	for _, e := range entries {
		h := &zip.FileHeader{Name: folder + "/" + e, Modified: modified}
		if e == "" || strings.HasSuffix(e, "/") {
			h.SetMode(os.ModeDir | 0o700)
			if _, err := w.CreateHeader(h); err != nil {
				return nil, err
			}
			continue
		}
		h.SetMode(0o600)
		h.Method = zip.Deflate
		if compressed(e) {
			h.Method = zip.Store
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(byPath[e]); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// deflaters keeps the deflate writers of zip entries written: a writer
// holds about a megabyte of tables and windows, made afresh for every
// file of every packet until it was kept (a demo of 20,000 cases made 285
// MB of them, a tenth of all it allocated). A writer Reset onto another
// output writes the same bytes a new one would.
var deflaters sync.Pool

// pooledDeflate is a kept deflate writer for one zip entry; Close flushes
// the entry and gives the writer back.
type pooledDeflate struct{ *flate.Writer }

func newPooledDeflate(out io.Writer) (io.WriteCloser, error) {
	if fw, ok := deflaters.Get().(*flate.Writer); ok {
		fw.Reset(out)
		return pooledDeflate{fw}, nil
	}
	fw, err := flate.NewWriter(out, flate.BestSpeed)
	return pooledDeflate{fw}, err
}

func (p pooledDeflate) Close() error {
	err := p.Writer.Close()
	deflaters.Put(p.Writer)
	return err
}

// compressed are formats that deflate cannot shrink: stored as they are.
func compressed(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".zip", ".gz", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp3", ".mp4", ".m4a", ".ogg", ".pdf", ".docx", ".xlsx", ".7z", ".heic":
		return true
	}
	return false
}
