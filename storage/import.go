package storage

import (
	"bufio"
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

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
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
type RulesFor func(controller, regime string) (id string, rules cases.Rules, err error)

// ImportRow is one request of an import file, with its physical line.
type ImportRow struct {
	Line   int
	Fields map[string]string
}

// ParseImport reads CSV or JSON Lines (detected from the first
// non-blank byte: '{' is JSON Lines) into rows. It reports every bad row it
// can; a CSV syntax error stops it, with its line.
func ParseImport(name string, r io.Reader) ([]ImportRow, []error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, []error{fmt.Errorf("%s: %w", name, err)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM from a spreadsheet
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, []error{&RowError{File: name, Line: 1, Reason: "the file is empty"}}
	}
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte("\n"))
		return nil, []error{&RowError{File: name, Line: line, Reason: "not valid UTF-8 (save the file as UTF-8)"}}
	}
	if bytes.TrimLeft(data, " \t\r\n")[0] == '{' {
		return parseJSONLines(name, data)
	}
	return parseCSV(name, data)
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
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
	var errs []error
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		header[i] = h
		switch {
		case !knownColumn(h):
			errs = append(errs, &RowError{File: name, Line: 1, Reason: fmt.Sprintf("unknown column %q (columns: %s, optional %s)",
				cases.Printable(h), strings.Join(importRequired, ","), strings.Join(importOptional, ","))})
		case seen[h]:
			errs = append(errs, &RowError{File: name, Line: 1, Reason: fmt.Sprintf("column %q appears twice", h)})
		}
		seen[h] = true
	}
	for _, req := range importRequired {
		if !seen[req] {
			errs = append(errs, &RowError{File: name, Line: 1, Reason: fmt.Sprintf("the header lacks the column %q", req)})
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
			return nil, append(errs, csvError(name, err))
		}
		line, _ := cr.FieldPos(0)
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
		return &RowError{File: name, Line: pe.Line, Reason: pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", name, err)
}

func parseJSONLines(name string, data []byte) ([]ImportRow, []error) {
	var rows []ImportRow
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(text))
		if err := dec.Decode(&obj); err != nil || dec.More() {
			reason := "not one JSON object"
			if err != nil {
				reason = "not a JSON object: " + err.Error()
			}
			errs = append(errs, &RowError{File: name, Line: line, Reason: reason})
			continue
		}
		row := ImportRow{Line: line, Fields: map[string]string{}}
		bad := false
		for k, v := range obj {
			if !knownColumn(k) {
				errs = append(errs, &RowError{File: name, Line: line, Reason: fmt.Sprintf("unknown key %q", cases.Printable(k))})
				bad = true
				continue
			}
			switch x := v.(type) {
			case string:
				row.Fields[k] = x
			case nil:
			case map[string]any:
				if k != "identifier" {
					errs = append(errs, &RowError{File: name, Line: line, Reason: fmt.Sprintf("%q must be a string", k)})
					bad = true
					continue
				}
				var parts []string
				for t, id := range x {
					s, ok := id.(string)
					if !ok {
						errs = append(errs, &RowError{File: name, Line: line, Reason: "identifier values must be strings"})
						bad = true
					}
					parts = append(parts, t+"="+s)
				}
				slices.Sort(parts)
				row.Fields[k] = strings.Join(parts, ";")
			default:
				errs = append(errs, &RowError{File: name, Line: line, Reason: fmt.Sprintf("%q must be a string", k)})
				bad = true
			}
		}
		if !bad {
			rows = append(rows, row)
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, &RowError{File: name, Line: line + 1, Reason: err.Error()})
	}
	return rows, errs
}

// BuildImport validates every row into a request of linked cases, as add
// would make it, recorded by actor at now. It returns every bad row.
func BuildImport(name string, rows []ImportRow, rulesFor RulesFor, now time.Time, actor string) ([][]*cases.Case, []error) {
	var out [][]*cases.Case
	var errs []error
	for _, row := range rows {
		group, err := buildRow(row.Fields, rulesFor, now, actor)
		if err != nil {
			errs = append(errs, &RowError{File: name, Line: row.Line, Reason: cases.Printable(err.Error())})
			continue
		}
		out = append(out, group)
	}
	return out, errs
}

func buildRow(f map[string]string, rulesFor RulesFor, now time.Time, actor string) ([]*cases.Case, error) {
	get := func(k string) string { return strings.TrimSpace(f[k]) }
	if get("controller") == "" {
		return nil, errors.New("controller is empty")
	}
	id, rules, err := rulesFor(get("controller"), get("regime"))
	if err != nil {
		return nil, err
	}
	in := cases.Intake{Controller: id, Subject: cases.Subject{Name: f["subject"], Email: get("email"), Phone: get("phone"),
		PostalAddress: f["postal-address"]}, Language: get("language"), Text: f["text"]}
	if get("right") == "" {
		return nil, errors.New("right is empty")
	}
	if in.Rights, err = cases.ParseRights(get("right")); err != nil {
		return nil, err
	}
	if ids := get("identifier"); ids != "" {
		in.Subject.Identifiers = map[string]string{}
		for _, part := range strings.Split(ids, ";") {
			k, v, ok := strings.Cut(part, "=")
			if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
				return nil, fmt.Errorf("identifier %q: want TYPE=VALUE, several separated by ';'", part)
			}
			in.Subject.Identifiers[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if get("requester") != "" || get("relation") != "" {
		rel := cases.RelationAgent
		if get("relation") != "" {
			if rel, err = cases.ParseRelation(get("relation")); err != nil {
				return nil, err
			}
		}
		if rel != cases.RelationSelf {
			in.Requester = &cases.Requester{Name: f["requester"], Relation: rel}
		}
	}
	if get("channel") != "" {
		if in.Channel, err = cases.ParseChannel(get("channel")); err != nil {
			return nil, err
		}
	}
	if get("received") != "" {
		loc, err := cases.LoadZone(rules.Zone)
		if err != nil {
			return nil, err
		}
		if in.ReceivedAt, err = cases.ParseTime(get("received"), loc); err != nil {
			return nil, fmt.Errorf("received: %w", err)
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
	res := &ImportResult{}
	write := s.update
	if len(requests) > 100 {
		write = s.updateBulk
	}
	err := write(func(tx *bolt.Tx) error {
		*res = ImportResult{IDs: make([]string, 0, len(requests))}
		open := map[string]bool{}
		err := tx.Bucket(bucketRows).ForEach(func(k, v []byte) error {
			sum, _, err := decodeRow(v)
			if err != nil || sum.Closed() {
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
		for _, b := range [][]byte{bucketCases, bucketTimelines, bucketRows, bucketChanges} {
			tx.Bucket(b).FillPercent = 0.95
		}
		batch := &indexBatch{}
		for _, group := range requests {
			for _, c := range group {
				key := contactKey(c.Controller, c.Right, c.Subject)
				if open[key] {
					ev, _, err := cases.Apply(c, cases.Event{Kind: cases.EventTagged, Tags: []string{DuplicateTag}, Actor: actor}, now)
					if err != nil {
						return err
					}
					c.Events = append(c.Events, ev)
					res.Duplicates++
				}
				open[key] = true
			}
			if err := insertRequest(tx, group, now, batch); err != nil {
				return err
			}
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
