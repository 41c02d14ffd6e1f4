package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"rightsdesk/cases"
	"rightsdesk/export"
	"rightsdesk/server"
	"rightsdesk/storage"
)

// Seals (storage/fileseal.go): a packet's manifest.json and a case
// record's SHA256SUMS list every other file with its SHA-256; the seal
// signs that listing with the key of the case's log, so that verify shows
// a letter, a data copy or a record changed after it was written, by
// anyone who does not hold the key.

// localSeals is a store that holds the signing key (*storage.Store, and
// the app's read-ahead wrapper of it).
type localSeals interface {
	SignFileSeal(id, subject, digest string) (string, error)
}

// sealerFor is how the files built from st's case id are sealed: with the
// local store's key, or in team mode by the server, which builds the same
// files itself (req says which) and signs only what it built.
func sealerFor(st storage.Service, id string, req server.SealRequest) export.Sealer {
	switch s := st.(type) {
	case localSeals:
		return func(subject, digest string) (string, error) { return s.SignFileSeal(id, subject, digest) }
	case *server.Client:
		return func(subject, digest string) (string, error) {
			seal, err := s.FileSeal(id, req)
			if err != nil {
				return "", err
			}
			f, err := storage.ParseFileSeal(seal)
			if err != nil {
				return "", fmt.Errorf("the server's seal: %w", err)
			}
			if f.Subject != subject || f.SHA256 != digest || f.Case != id {
				return "", errors.New("the server built other files than this command did (is it another version of rightsdesk, or were registers given with --registers that it does not hold?)")
			}
			return seal, nil
		}
	}
	return nil
}

// serveDigest is the team server's Digest: it builds what a client asks
// to seal through the caller's view of the cases, as the client built it,
// and returns what the seal names and signs.
func serveDigest(svc storage.Service, id string, req server.SealRequest) (subject, digest string, err error) {
	switch req.What {
	case export.RecordSubject:
		rec, err := buildRecord(svc, id)
		if err != nil {
			return "", "", err
		}
		digest, err := export.RecordDigest(rec)
		return export.RecordSubject, digest, err
	case "packet":
	default:
		return "", "", &server.BadRequest{Reason: fmt.Sprintf("a seal is of a packet or a record, not %q", cases.Printable(req.What))}
	}
	var kind cases.LetterKind
	if req.Letter != "" {
		if kind, err = cases.ParseLetterKind(req.Letter); err != nil {
			return "", "", &server.BadRequest{Reason: err.Error()}
		}
	}
	var date cases.Date
	if req.Date != "" {
		if date, err = cases.ParseDate(req.Date); err != nil {
			return "", "", &server.BadRequest{Reason: err.Error()}
		}
	}
	l, err := svc.Get(id)
	if err != nil {
		return "", "", err
	}
	regs, err := registersIn(svc, "")
	if err != nil {
		return "", "", err
	}
	reg, err := regs.Get(l.Case.Controller)
	if err != nil {
		return "", "", err
	}
	capture := func(s, d string) (string, error) {
		subject, digest = s, d
		return "", nil
	}
	if _, err := buildPacketSealed(svc, l, reg, kind, date, capture); err != nil {
		return "", "", err
	}
	return subject, digest, nil
}

// serveExported is the team server's Exported: it builds the packet an
// exported event names, as the client's export did, sealed with the
// server's key, and returns the event that packet makes.
func serveExported(svc storage.Service, id string, ev cases.Event, seal func(subject, digest string) (string, error)) (cases.Event, error) {
	if _, err := cases.ParseLetterKind(string(ev.Letter)); err != nil {
		return cases.Event{}, &cases.Refused{Field: "letter", Reason: err.Error()}
	}
	var date cases.Date
	if ev.LetterDate != nil {
		date = *ev.LetterDate
	}
	l, err := svc.Get(id)
	if err != nil {
		return cases.Event{}, err
	}
	regs, err := registersIn(svc, "")
	if err != nil {
		return cases.Event{}, err
	}
	reg, err := regs.Get(l.Case.Controller)
	if err != nil {
		return cases.Event{}, err
	}
	p, err := buildPacketSealed(svc, l, reg, ev.Letter, date, seal)
	if err != nil {
		return cases.Event{}, err
	}
	return p.Event(ev.Actor), nil
}

// maxSealedFile bounds each file verify reads of a packet or record.
const maxSealedFile = 1 << 30

// fileSet is the files of a packet or case record, by their path in its
// folder.
type fileSet map[string][]byte

// readFileSet reads the files of a packet's or a record's folder, or of a
// packet's zip (its one folder); nil for a single file.
func readFileSet(p string) (fileSet, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		files := fileSet{}
		var dirs []string
		err := filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if rel, err := filepath.Rel(p, name); err == nil && rel != "." {
					dirs = append(dirs, filepath.ToSlash(rel))
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return fmt.Errorf("%s is not a regular file", name)
			}
			rel, err := filepath.Rel(p, name)
			if err != nil {
				return err
			}
			data, err := readCapped(name)
			files[filepath.ToSlash(rel)] = data
			return err
		})
		if d := files.emptyFolder(dirs); err == nil && d != "" {
			err = fmt.Errorf("%s holds the empty folder %s, which export never writes (added after export)", p, cases.Printable(d))
		}
		return files, err
	}
	if !strings.HasSuffix(strings.ToLower(p), ".zip") {
		return nil, nil
	}
	z, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable zip: %w", p, err)
	}
	defer z.Close()
	if z.Comment != "" {
		return nil, fmt.Errorf("%s carries a comment, which export never writes (added after export)", p)
	}
	files, folder := fileSet{}, ""
	var dirs []string
	for _, f := range z.File {
		top, rest, ok := strings.Cut(f.Name, "/")
		if !ok || (folder != "" && top != folder) || (rest != "" && !fs.ValidPath(strings.TrimSuffix(rest, "/"))) {
			return nil, fmt.Errorf("%s holds %s outside its one folder (not a packet as export writes it)", p, cases.Printable(f.Name))
		}
		folder = top
		if strings.HasSuffix(f.Name, "/") {
			dirs = append(dirs, strings.TrimSuffix(rest, "/"))
			continue
		}
		if _, twice := files[rest]; twice {
			// Tools differ on which of two entries of one name they show.
			return nil, fmt.Errorf("%s holds %s twice (added after export)", p, cases.Printable(f.Name))
		}
		if f.UncompressedSize64 > maxSealedFile {
			return nil, fmt.Errorf("%s in %s is too large", cases.Printable(f.Name), p)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", cases.Printable(f.Name), p, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s in %s is damaged: %w", cases.Printable(f.Name), p, err)
		}
		files[rest] = data
	}
	if d := files.emptyFolder(dirs); d != "" {
		return nil, fmt.Errorf("%s holds the empty folder %s/, which export never writes (added after export)", p, cases.Printable(folder+"/"+d))
	}
	return files, nil
}

// emptyFolder is the first of the folders dirs (paths in the set, "" for
// its top) that holds no file of the set: export writes none.
func (files fileSet) emptyFolder(dirs []string) string {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		held := false
		for name := range files {
			held = held || strings.HasPrefix(name, d+"/")
		}
		if !held {
			return d
		}
	}
	return ""
}

func readCapped(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSealedFile+1))
	if err == nil && len(data) > maxSealedFile {
		err = fmt.Errorf("%s is too large", name)
	}
	return data, err
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// checkSums checks SHA256SUMS against the files: each line's file is
// there with that SHA-256, and every file but SHA256SUMS and those in
// unlisted is listed.
func checkSums(files fileSet, unlisted ...string) error {
	sums, ok := files["SHA256SUMS"]
	if !ok {
		return errors.New("SHA256SUMS is missing")
	}
	listed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			return fmt.Errorf("SHA256SUMS has an unreadable line %q", cases.Printable(sc.Text()))
		}
		data, there := files[name]
		switch {
		case !there:
			return fmt.Errorf("%s, listed in SHA256SUMS, is missing", cases.Printable(name))
		case sha256Hex(data) != sum:
			return fmt.Errorf("%s does not match SHA256SUMS (changed or damaged)", cases.Printable(name))
		}
		listed[name] = true
	}
	for _, name := range sortedNames(files) {
		if !listed[name] && name != "SHA256SUMS" && !slices.Contains(unlisted, name) {
			return fmt.Errorf("%s is not in SHA256SUMS (added after export)", cases.Printable(name))
		}
	}
	return nil
}

func sortedNames(files fileSet) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// packetManifest is what verify reads of a packet's manifest.json.
type packetManifest struct {
	Case   string `json:"case"`
	Letter string `json:"letter"`
	Files  []struct {
		Path   string `json:"path"`
		Size   int    `json:"size"`
		SHA256 string `json:"sha256"`
	} `json:"files"`
}

// checkSealed checks a packet's or a case record's files against their
// listings and their seal, signed with keys, for the case p proves: every
// file as listed, nothing added, the listing sealed. It returns what it
// checked, for the line verify prints.
func checkSealed(files fileSet, p *storage.CaseProof, keys []string) (string, error) {
	if _, ok := files["manifest.json"]; ok {
		return checkPacketFiles(files, p, keys)
	}
	if _, ok := files["record.json"]; ok {
		if err := checkSums(files, export.RecordSealFile); err != nil {
			return "", err
		}
		seal, ok := files[export.RecordSealFile]
		if !ok {
			return "", fmt.Errorf("%s is missing: nothing shows the record's files are the ones written (export the record again)", export.RecordSealFile)
		}
		if err := storage.VerifyFileSeal(string(seal), keys, p.Organisation, p.Case, export.RecordSubject, sha256Hex(files["SHA256SUMS"])); err != nil {
			return "", err
		}
		return fmt.Sprintf("its %d files are the ones sealed", len(files)), nil
	}
	return "", errors.New("it holds neither manifest.json nor record.json")
}

func checkPacketFiles(files fileSet, p *storage.CaseProof, keys []string) (string, error) {
	if err := checkSums(files); err != nil {
		return "", err
	}
	raw := files["manifest.json"]
	var m packetManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", fmt.Errorf("manifest.json is unreadable: %v", err)
	}
	if m.Case != p.Case {
		return "", fmt.Errorf("the manifest is of %s, the proof of %s", cases.Printable(m.Case), cases.Printable(p.Case))
	}
	listed := map[string]bool{}
	for _, f := range m.Files {
		data, ok := files[f.Path]
		switch {
		case !ok:
			return "", fmt.Errorf("%s, listed in the manifest, is missing", cases.Printable(f.Path))
		case len(data) != f.Size || sha256Hex(data) != f.SHA256:
			return "", fmt.Errorf("%s does not match the manifest (changed or damaged)", cases.Printable(f.Path))
		}
		listed[f.Path] = true
	}
	for _, name := range sortedNames(files) {
		if !listed[name] && !slices.Contains([]string{"manifest.json", "SHA256SUMS", export.SealFile}, name) {
			return "", fmt.Errorf("%s is not in the manifest (added after export)", cases.Printable(name))
		}
	}
	seal, ok := files[export.SealFile]
	if !ok {
		return "", fmt.Errorf("%s is missing: nothing shows the letter and files are the ones exported (export the packet again)", export.SealFile)
	}
	subject := cases.SafeName(m.Case) + "-" + m.Letter
	if err := storage.VerifyFileSeal(string(seal), keys, p.Organisation, p.Case, subject, sha256Hex(raw)); err != nil {
		return "", err
	}
	return fmt.Sprintf("its %d files, letter included, are the ones sealed", len(files)), nil
}
