package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"rightsdesk/cases"
)

// uncategorised is the folder of a data-copy file attached without a
// category.
const uncategorised = "uncategorised"

// dataCopy puts the case's data-copy attachments under data/<category>/,
// leaves the withheld ones out and lists them, and for portability adds
// each structured file in the other format with a README.
func (p *packetCase) dataCopy(d *letterData) {
	d.HasDataCopy = true
	used := map[string]bool{}
	for _, a := range p.st.Attachments {
		if a.Kind != cases.AttachmentDataCopy {
			continue
		}
		category := a.Category
		if strings.TrimSpace(category) == "" {
			category = uncategorised
		}
		if w, ok := p.st.Withheld[a.Name]; ok {
			row := withheldRow{Name: a.Name, Category: category, Reason: w.Reason}
			if len(w.Grounds) > 0 {
				row.Provision, row.Ground = provision(w.Grounds[0], p.c.Right, d.Law), groundWording[w.Grounds[0]]
			}
			d.Withheld = append(d.Withheld, row)
			continue
		}
		dir := "data/" + cases.SafeName(category) + "/"
		name := uniqueName(dir, cases.SafeName(a.Name), used)
		p.paths[a.Name] = dir + name
		if p.read == nil { // Check: no file is read
			continue
		}
		data, err := p.read(a.Name)
		if err != nil {
			p.err = fmt.Errorf("export %s: read %s: %w", p.c.ID, a.Name, err)
			return
		}
		if sum := sha256.Sum256(data); a.SHA256 != "" && hex.EncodeToString(sum[:]) != a.SHA256 {
			p.err = fmt.Errorf("export %s: %s does not match the checksum recorded when it was attached", p.c.ID, a.Name)
			return
		}
		p.files = append(p.files, packetFile{path: dir + name, data: data})
		d.Files = append(d.Files, fileRow{Path: dir + name, Category: category, System: a.System, Size: int64(len(data))})
		if p.c.Right == cases.RightPortability {
			p.convert(d, dir, name, data, used)
		}
	}
	if p.c.Right == cases.RightPortability && p.read != nil {
		p.files = append(p.files, packetFile{path: "data/README.md", data: portabilityReadme(d)})
	}
}

// uniqueName keeps two files whose sanitised names collide apart.
func uniqueName(dir, name string, used map[string]bool) string {
	out := name
	ext := path.Ext(name)
	for n := 2; used[dir+out]; n++ {
		out = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), n, ext)
	}
	used[dir+out] = true
	return out
}

// structuredFile describes a file of the portability copy for its README
// and the letter: each file as gathered says which file gives it in the
// other format (Other), or why none does (Note).
type structuredFile struct {
	Path, From string
	Other      string
	Fields     []string
	Rows       int
	Note       string
}

// convert adds a CSV file's JSON form, and a JSON file's CSV form: an
// array of flat objects as a table, any other JSON (an object, nested
// values) as two columns of paths and values. A file that cannot be read
// as what its name says is given as it is, and the README says so.
func (p *packetCase) convert(d *letterData, dir, name string, data []byte, used map[string]bool) {
	ext := strings.ToLower(path.Ext(name))
	stem := strings.TrimSuffix(name, path.Ext(name))
	switch ext {
	case ".csv":
		fields, rows, err := readCSV(data)
		if err != nil {
			d.Portability = append(d.Portability, structuredFile{Path: dir + name, Note: "given as it is, not converted to JSON: " + err.Error()})
			return
		}
		out := uniqueName(dir, stem+".json", used)
		p.addConverted(d, dir+out, rowsJSON(fields, rows))
		d.Portability = append(d.Portability, structuredFile{Path: dir + name, Other: dir + out, Fields: fields, Rows: len(rows)},
			structuredFile{Path: dir + out, From: dir + name, Fields: fields, Rows: len(rows)})
	case ".json":
		fields, rows, err := readFlatJSON(data)
		nested := err != nil
		if nested {
			fields, rows, err = readJSONPaths(data)
		}
		if err != nil {
			d.Portability = append(d.Portability, structuredFile{Path: dir + name, Note: "given as it is, not converted to CSV: " + err.Error()})
			return
		}
		out := uniqueName(dir, stem+".csv", used)
		p.addConverted(d, dir+out, rowsCSV(fields, rows))
		original := structuredFile{Path: dir + name, Other: dir + out, Fields: fields, Rows: len(rows)}
		if nested {
			// Its own structure is not a table: the path and value fields
			// are the CSV's, one row per value of it.
			original = structuredFile{Path: dir + name, Other: dir + out,
				Note: fmt.Sprintf("JSON that is not a list of flat records: %s gives each of its %s as a row, by its path", out, cases.Plural(len(rows), "value"))}
		}
		d.Portability = append(d.Portability, original,
			structuredFile{Path: dir + out, From: dir + name, Fields: fields, Rows: len(rows)})
	default:
		d.Portability = append(d.Portability, structuredFile{Path: dir + name, Note: "given as it is: not a structured format (CSV or JSON)"})
	}
}

// readJSONPaths reads any JSON value as rows of two fields, path and value:
// one row per scalar, its path from the top ("account.emails[0]").
func readJSONPaths(data []byte) ([]string, []map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var rows []map[string]string
	if err := flatten(dec, "", &rows); err != nil {
		return nil, nil, fmt.Errorf("not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("not valid JSON")
	}
	return []string{"path", "value"}, rows, nil
}

// flatten reads one JSON value from dec, adding a row for each scalar.
func flatten(dec *json.Decoder, at string, rows *[]map[string]string) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := k.(string)
				next := key
				if at != "" {
					next = at + "." + key
				}
				if err := flatten(dec, next, rows); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if err := flatten(dec, fmt.Sprintf("%s[%d]", at, i), rows); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("unexpected %v", x)
		}
		_, err := dec.Token() // the closing delimiter
		return err
	case nil:
		*rows = append(*rows, map[string]string{"path": at, "value": ""})
	case string:
		*rows = append(*rows, map[string]string{"path": at, "value": utcTimestamp(x)})
	default:
		*rows = append(*rows, map[string]string{"path": at, "value": fmt.Sprint(x)})
	}
	return nil
}

// addConverted adds a file converted from another of the data copy.
func (p *packetCase) addConverted(d *letterData, path string, data []byte) {
	p.files = append(p.files, packetFile{path: path, data: data})
	last := d.Files[len(d.Files)-1]
	d.Files = append(d.Files, fileRow{Path: path, Category: last.Category, System: "converted from " + last.Path, Size: int64(len(data))})
}

// readCSV reads a CSV file with a header row.
func readCSV(data []byte) ([]string, [][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, nil, fmt.Errorf("not UTF-8")
	}
	r := csv.NewReader(bytes.NewReader(data))
	all, err := r.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("not valid CSV: %v", err)
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("empty")
	}
	return all[0], all[1:], nil
}

// rowsJSON writes rows as a JSON array of objects, keys in the header's
// order, timestamps normalised to UTC.
func rowsJSON(fields []string, rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString("[")
	for i, row := range rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for j, f := range fields {
			if j > 0 {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(f)
			v := ""
			if j < len(row) {
				v = utcTimestamp(row[j])
			}
			vs, _ := json.Marshal(v)
			b.Write(k)
			b.WriteString(": ")
			b.Write(vs)
		}
		b.WriteString("}")
	}
	if len(rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return cases.EscapeJSON(b.Bytes())
}

// readFlatJSON reads an array of objects whose values are all scalars,
// keeping the keys in order of first appearance.
func readFlatJSON(data []byte) ([]string, []map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw []json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, fmt.Errorf("not a JSON array")
	}
	var fields []string
	var rows []map[string]string
	for _, item := range raw {
		d := json.NewDecoder(bytes.NewReader(item))
		d.UseNumber()
		t, err := d.Token()
		if err != nil || t != json.Delim('{') {
			return nil, nil, fmt.Errorf("not an array of objects")
		}
		row := map[string]string{}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, nil, fmt.Errorf("not valid JSON")
			}
			key := kt.(string)
			var v any
			if err := d.Decode(&v); err != nil {
				return nil, nil, fmt.Errorf("not valid JSON")
			}
			switch x := v.(type) {
			case nil:
				row[key] = ""
			case string:
				row[key] = utcTimestamp(x)
			case json.Number:
				row[key] = x.String()
			case bool:
				row[key] = fmt.Sprint(x)
			default:
				return nil, nil, fmt.Errorf("field %q holds a nested value: not flat", key)
			}
			if !slices.Contains(fields, key) {
				fields = append(fields, key)
			}
		}
		rows = append(rows, row)
	}
	return fields, rows, nil
}

// rowsCSV writes rows as CSV with a header row, every cell guarded
// against being read as a formula by a spreadsheet.
func rowsCSV(fields []string, rows []map[string]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := make([]string, len(fields))
	for i, f := range fields {
		head[i] = safeCell(f)
	}
	_ = w.Write(head)
	for _, r := range rows {
		rec := make([]string, len(fields))
		for i, f := range fields {
			rec[i] = safeCell(r[f])
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

// safeCell prefixes with ' a cell a spreadsheet would run as a formula
// (one starting with =, +, -, @, a tab or a carriage return): the value
// reads the same, and opening the file runs nothing.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// utcTimestamp writes an RFC 3339 timestamp with an offset in UTC; any
// other value is returned as it is.
func utcTimestamp(s string) string {
	if len(s) < 20 || s[4] != '-' || s[10] != 'T' {
		return s
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// portabilityReadme describes the portable copy: files, fields, format.
func portabilityReadme(d *letterData) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Your data in a portable format\n\nFormat version %d. Files are UTF-8. Each CSV file is also given as JSON (an array of objects with the CSV's fields), and each JSON file as CSV: an array of flat objects as a table with one row per object, any other JSON as two columns, path and value, one row per value. Timestamps in the converted files are ISO 8601 in UTC. In the CSV files we write, a cell that begins with =, +, -, @, a tab or a carriage return starts with an apostrophe, so that no spreadsheet runs it as a formula. The files as we gathered them are given unchanged.\n\nReceiving a copy of your data erases nothing: if you also want the data erased, ask for erasure.\n", PacketFormat)
	for _, f := range d.Portability {
		fmt.Fprintf(&b, "\n## %s\n\n", md(f.Path))
		if f.From != "" {
			fmt.Fprintf(&b, "Converted from %s.\\\n", md(f.From))
		}
		if f.Note != "" {
			fmt.Fprintf(&b, "%s\n", md(f.Note))
			continue
		}
		fmt.Fprintf(&b, "%s. Fields:\n\n", cases.Plural(f.Rows, "record"))
		for _, field := range f.Fields {
			fmt.Fprintf(&b, "- %s\n", md(field))
		}
	}
	return []byte(b.String())
}

// personalData is personal-data.json: the index of the data copy and what
// the case itself holds about the subject.
func (p *packetCase) personalData(d *letterData) ([]byte, error) {
	type file struct {
		Path     string `json:"path"`
		Category string `json:"category"`
		System   string `json:"system,omitempty"`
		Size     int64  `json:"size"`
	}
	type withheld struct {
		File      string `json:"file"`
		Category  string `json:"category"`
		Provision string `json:"provision"`
		Reason    string `json:"reason"`
	}
	type request struct {
		ID         string           `json:"id"`
		Right      cases.Right      `json:"right"`
		ReceivedAt string           `json:"received_at"`
		Channel    cases.Channel    `json:"channel"`
		Text       string           `json:"text,omitempty"`
		Subject    cases.Subject    `json:"subject"`
		Requester  *cases.Requester `json:"requester,omitempty"`
		Verified   string           `json:"identity_verified,omitempty"`
	}
	out := struct {
		Format   int        `json:"format"`
		Request  request    `json:"request"`
		Files    []file     `json:"files"`
		Withheld []withheld `json:"withheld"`
	}{Format: PacketFormat, Files: []file{}, Withheld: []withheld{}}
	c := p.c
	out.Request = request{ID: c.ID, Right: c.Right, ReceivedAt: c.ReceivedAt.UTC().Format(time.RFC3339), Channel: c.Channel,
		Text: c.Text, Subject: c.Subject, Requester: c.Requester, Verified: d.Verified}
	for _, f := range d.Files {
		out.Files = append(out.Files, file(f))
	}
	for _, w := range d.Withheld {
		out.Withheld = append(out.Withheld, withheld{File: w.Name, Category: w.Category, Provision: w.Provision, Reason: w.Reason})
	}
	b, err := cases.JSONIndent(out, "", "  ")
	return append(b, '\n'), err
}
