package storage

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// Import columns (CSV header names and JSON Lines keys): the required ones
// of CLI.md, then the optional ones named like the add command's flags.
var (
	importRequired = []string{"controller", "right", "subject", "email", "received", "channel", "text"}
	importOptional = []string{"phone", "postal-address", "identifier", "requester", "relation", "regime", "language"}
)

// DuplicateTag marks an imported request that repeats an open one.
const DuplicateTag = "possible-duplicate"

// RowError is a bad row of an import file, by physical line (the header is
// line 1).
type RowError struct {
	File   string
	Line   int
	Reason string
}

func (e *RowError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason) }

// RulesFor resolves an organisation (and an optional regime) to its
// canonical ID and the rules its register freezes into a new case.
type RulesFor = cases.RulesFor

// ImportRow is one request of an import file, with its physical line.
type ImportRow struct {
	Line   int
	Fields map[string]string // by column name
	// Identifiers given as a JSON object, kept apart from Fields so that a
	// value may hold ';' or '='.
	Identifiers map[string]string
}

// ParseImport reads CSV or JSON Lines (detected from the first
// non-blank byte: '{' is JSON Lines) into rows. It reports every bad row,
// by the line where the row starts: syntax errors, text that is not UTF-8,
// unknown or repeated columns.
func ParseImport(name string, r io.Reader) ([]ImportRow, []error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, []error{fmt.Errorf("%s: %w", name, err)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM from a spreadsheet
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, []error{&RowError{File: name, Line: 1, Reason: "the file is empty"}}
	}
	if bytes.TrimLeft(data, " \t\r\n")[0] == '{' {
		return parseJSONLines(name, data)
	}
	return parseCSV(name, data)
}

const notUTF8 = "not valid UTF-8 (save the file as UTF-8)"

func validUTF8(fields []string) bool {
	for _, f := range fields {
		if !utf8.ValidString(f) {
			return false
		}
	}
	return true
}

func knownColumn(c string) bool {
	return slices.Contains(importRequired, c) || slices.Contains(importOptional, c)
}

func parseCSV(name string, data []byte) ([]ImportRow, []error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, []error{csvError(name, err)}
	}
	headerLine, _ := cr.FieldPos(0) // blank lines before the header count
	var errs []error
	if !validUTF8(header) {
		return nil, []error{&RowError{File: name, Line: headerLine, Reason: notUTF8}}
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		header[i] = h
		switch {
		case !knownColumn(h):
			errs = append(errs, &RowError{File: name, Line: headerLine, Reason: fmt.Sprintf("unknown column %q (columns: %s, optional %s)",
				cases.Printable(h), strings.Join(importRequired, ","), strings.Join(importOptional, ","))})
		case seen[h]:
			errs = append(errs, &RowError{File: name, Line: headerLine, Reason: fmt.Sprintf("column %q appears twice", h)})
		}
		seen[h] = true
	}
	for _, req := range importRequired {
		if !seen[req] {
			errs = append(errs, &RowError{File: name, Line: headerLine, Reason: fmt.Sprintf("the header lacks the column %q", req)})
		}
	}
	if errs != nil {
		return nil, errs
	}
	var rows []ImportRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The reader resumes at the next line after a syntax error (an
			// unclosed quote runs to the end of the file), so every bad
			// record is reported, not only the first.
			errs = append(errs, csvError(name, err))
			continue
		}
		line, _ := cr.FieldPos(0)
		if !validUTF8(rec) {
			errs = append(errs, &RowError{File: name, Line: line, Reason: notUTF8})
			continue
		}
		if len(rec) != len(header) {
			errs = append(errs, &RowError{File: name, Line: line, Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))})
			continue
		}
		row := ImportRow{Line: line, Fields: map[string]string{}}
		for i, v := range rec {
			row.Fields[header[i]] = v
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 && errs == nil {
		errs = append(errs, &RowError{File: name, Line: 2, Reason: "no requests after the header"})
	}
	return rows, errs
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		// Reported at the line where the record starts, like a good row;
		// the reason says where inside it the syntax broke.
		reason := fmt.Sprintf("%v (column %d)", pe.Err, pe.Column)
		if pe.Line != pe.StartLine {
			reason = fmt.Sprintf("%v (line %d, column %d)", pe.Err, pe.Line, pe.Column)
		}
		return &RowError{File: name, Line: pe.StartLine, Reason: reason}
	}
	return fmt.Errorf("%s: %w", name, err)
}

func parseJSONLines(name string, data []byte) ([]ImportRow, []error) {
	var rows []ImportRow
	var errs []error
	line := 0
	for len(data) > 0 {
		// Lines are split by hand rather than with bufio.Scanner, which
		// gives up on a line longer than its buffer.
		text, rest, _ := bytes.Cut(data, []byte("\n"))
		data = rest
		line++
		text = bytes.TrimSpace(text)
		if len(text) == 0 {
			continue
		}
		if !utf8.Valid(text) { // encoding/json would quietly replace the bytes
			errs = append(errs, &RowError{File: name, Line: line, Reason: notUTF8})
			continue
		}
		row, reasons := decodeJSONRow(text)
		for _, r := range reasons {
			errs = append(errs, &RowError{File: name, Line: line, Reason: r})
		}
		if reasons == nil {
			row.Line = line
			rows = append(rows, row)
		}
	}
	return rows, errs
}

// decodeJSONRow reads one line of JSON Lines: an object whose values are
// strings or null; "right" may also be an array of rights and "identifier"
// an object of TYPE: VALUE. A key given twice is refused, as a repeated
// CSV column is.
func decodeJSONRow(text []byte) (ImportRow, []string) {
	row := ImportRow{Fields: map[string]string{}}
	dec := json.NewDecoder(bytes.NewReader(text))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return row, []string{"not a JSON object"}
	}
	var reasons []string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return row, append(reasons, "not a JSON object: "+err.Error())
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return row, append(reasons, "not a JSON object: "+err.Error())
		}
		switch {
		case !knownColumn(key):
			reasons = append(reasons, fmt.Sprintf("unknown key %q", cases.Printable(key)))
			continue
		case seen[key]:
			reasons = append(reasons, fmt.Sprintf("key %q appears twice", key))
			continue
		}
		seen[key] = true
		if reason := row.setJSON(key, raw); reason != "" {
			reasons = append(reasons, reason)
		}
	}
	if _, err := dec.Token(); err != nil {
		return row, append(reasons, "not a JSON object: "+err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return row, append(reasons, "not one JSON object")
	}
	return row, reasons
}

// setJSON stores one value of a JSON Lines row, or says why it cannot.
func (row *ImportRow) setJSON(key string, raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		row.Fields[key] = str
		return ""
	}
	switch {
	case string(raw) == "null":
		return ""
	case key == "right":
		var rights []string
		if json.Unmarshal(raw, &rights) != nil {
			return `"right" must be a string or an array of strings`
		}
		row.Fields[key] = strings.Join(rights, ",")
		return ""
	case key == "identifier":
		ids := map[string]string{}
		if json.Unmarshal(raw, &ids) != nil {
			return `"identifier" must be "TYPE=VALUE;..." or an object of strings`
		}
		row.Identifiers = ids
		return ""
	}
	return fmt.Sprintf("%q must be a string", key)
}

// ReadImport parses and validates a whole import file (ParseImport, then
// BuildImport) without touching any database. It returns the requests to
// write, or every bad row, in the order of the file.
func ReadImport(name string, r io.Reader, rulesFor RulesFor, now time.Time, actor string) ([][]*cases.Case, []error) {
	rows, errs := ParseImport(name, r)
	requests, buildErrs := BuildImport(name, rows, rulesFor, now, actor)
	errs = append(errs, buildErrs...)
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b error) int { return errorLine(a) - errorLine(b) })
		return nil, errs
	}
	return requests, nil
}

func errorLine(err error) int {
	var re *RowError
	if errors.As(err, &re) {
		return re.Line
	}
	return 0
}

// BuildImport validates every row into a request of linked cases, as add
// would make it, recorded by actor at now. It returns every bad row.
func BuildImport(name string, rows []ImportRow, rulesFor RulesFor, now time.Time, actor string) ([][]*cases.Case, []error) {
	var out [][]*cases.Case
	var errs []error
	for _, row := range rows {
		group, err := buildRow(row, rulesFor, now, actor)
		if err != nil {
			errs = append(errs, &RowError{File: name, Line: row.Line, Reason: cases.Printable(err.Error())})
			continue
		}
		out = append(out, group)
	}
	return out, errs
}

func buildRow(row ImportRow, rulesFor RulesFor, now time.Time, actor string) ([]*cases.Case, error) {
	f := row.Fields
	// Unlike add, an import has no "now" to fall back on: the rows were
	// received some time ago, and the clock starts on that day.
	for _, col := range []string{"controller", "right", "received"} {
		if strings.TrimSpace(f[col]) == "" {
			if col == "received" {
				return nil, errors.New("received is empty (RFC 3339 or YYYY-MM-DD)")
			}
			return nil, fmt.Errorf("%s is empty", col)
		}
	}
	values := cases.Values{}
	for col, v := range f {
		if col == "identifier" {
			if ids := cases.SplitIdentifiers(v); len(ids) > 0 {
				values[col] = ids
			}
			continue
		}
		if v != "" {
			values[col] = []string{v}
		}
	}
	in, rules, err := cases.ParseIntake(values, rulesFor)
	if errors.Is(err, cases.ErrIdentifierFormat) {
		return nil, fmt.Errorf("%w, several separated by ';'", err)
	}
	if err != nil {
		return nil, err
	}
	for k, v := range row.Identifiers {
		if err := in.Subject.SetIdentifier(k, v); err != nil {
			return nil, err
		}
	}
	return cases.NewCases(in, rules, now, actor)
}

// ImportResult is what an import wrote.
type ImportResult struct {
	Requests   int      `json:"requests"`
	Cases      int      `json:"cases"`
	Duplicates int      `json:"possible_duplicates"`
	IDs        []string `json:"ids"`
}

// contactKey is how a request is recognised as repeating another: the same
// organisation, right and contact (e-mail, else phone, else postal address).
func contactKey(controller string, right cases.Right, s cases.Subject) string {
	contact := strings.ToLower(strings.TrimSpace(s.Email))
	if contact == "" {
		contact = "phone:" + strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '+' {
				return r
			}
			return -1
		}, s.Phone)
		if contact == "phone:" {
			contact = "post:" + strings.Join(strings.Fields(strings.ToLower(s.PostalAddress)), " ")
		}
	}
	return controller + "\x00" + string(right) + "\x00" + contact
}

// Import writes the requests in one transaction: all of them or none. A
// case repeating an open case (in the database or earlier in the file) is
// tagged possible-duplicate by a tagged event in its timeline.
func (s *Store) Import(requests [][]*cases.Case, now time.Time, actor string) (*ImportResult, error) {
	return s.importRequests(requests, now, actor, s.own())
}

// importRequests is Import recorded by w (caller.go).
func (s *Store) importRequests(requests [][]*cases.Case, now time.Time, actor string, w recorder) (*ImportResult, error) {
	actor = w.actor(actor)
	res := &ImportResult{}
	write := s.update
	if len(requests) > 100 {
		write = s.updateBulk
	}
	w.stampAll(requests, now)
	err := write(func(tx kv.Tx) error {
		*res = ImportResult{IDs: make([]string, 0, len(requests))}
		at, err := s.recordAtBy(tx, now, w)
		if err != nil {
			return err
		}
		recordRequestsAt(requests, now, at)
		now := at
		open := map[string]bool{}
		err = tx.Bucket(bucketRows).ForEach(func(k, v []byte) error {
			sum, _, err := decodeRow(v)
			if err != nil || sum.Closed() || sum.Voided { // a case recorded by mistake is repeated by nothing
				return nil
			}
			if sum.Email != "" {
				open[contactKey(sum.Controller, sum.Right, cases.Subject{Email: sum.Email})] = true
				return nil
			}
			// No e-mail: the phone or postal address is in the record.
			rec, err := loadRecord(tx, string(k))
			if err == nil {
				open[contactKey(sum.Controller, sum.Right, rec.Case.Subject)] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, b := range [][]byte{bucketCases, bucketEvents, bucketRows, bucketChanges} {
			tx.Bucket(b).SetFillPercent(0.95)
		}
		batch := &indexBatch{}
		for _, group := range requests {
			for _, c := range group {
				key := contactKey(c.Controller, c.Right, c.Subject)
				if open[key] {
					tag := cases.Event{Kind: cases.EventTagged, Tags: []string{DuplicateTag}, Actor: actor}
					w.stamp(&tag)
					ev, _, err := cases.Apply(c, tag, now)
					if err != nil {
						return err
					}
					c.Events = append(c.Events, ev)
					res.Duplicates++
				}
				open[key] = true
			}
		}
		if err := insertRequests(tx, requests, now, batch, s.perOrg, s.report); err != nil {
			return err
		}
		for _, group := range requests {
			res.Requests++
			for _, c := range group {
				res.Cases++
				res.IDs = append(res.IDs, c.ID)
			}
		}
		return batch.flush(tx)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
