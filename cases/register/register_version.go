package register

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Registers are kept in the database, each change a numbered version
// (storage). These helpers tie a parsed register to its stored version and
// compare two versions fact by fact.

// Stored marks r as read from its stored version number n, whose TOML has
// the SHA-256 sha (hex): its version reads "n (sha256 1a2b3c4d)", which the
// rules frozen from it cite (Rules.Source), so that every letter and case
// record names the version its rules came from.
func (r *Register) Stored(n int, sha string) {
	r.Version = Version{text: fmt.Sprintf("%d (sha256 %.8s)", n, sha)}
	r.File = "database"
}

// Unstored marks r as read from a file given for one command (--registers)
// and not stored in the database: its version says so, and the rules
// frozen from it cite the file.
func (r *Register) Unstored() {
	r.Version = Version{text: fmt.Sprintf("%s from %s, not stored", r.Version.text, r.File)}
}

// FromRegisters builds the set of registers from registers already parsed.
func FromRegisters(all ...*Register) *Registers {
	rs := &Registers{byID: map[string]*Register{}}
	for _, r := range all { // a later one replaces an earlier one with its id
		rs.byID[r.ID] = r
	}
	return rs
}

// Change is one fact that differs between two versions of a register.
type Change struct {
	Field      string `json:"field"`
	Old        string `json:"old"` // "(missing)" when the fact had no value, "" when it had no entry
	New        string `json:"new"`
	OldSource  Source `json:"old_source,omitempty"`
	NewSource  Source `json:"new_source,omitempty"`
	ValueAlike bool   `json:"-"` // only the provenance changed
}

// Diff lists the facts whose value or provenance differ from old to new,
// in the order of new's file, then the facts new no longer has.
func Diff(old, new *Register) []Change {
	before := map[string]FactRef{}
	for _, f := range old.Facts() {
		before[f.Field] = f
	}
	var out []Change
	for _, f := range new.Facts() {
		o, had := before[f.Field]
		delete(before, f.Field)
		c := Change{Field: f.Field, New: factText(f), NewSource: f.Provenance.Source}
		if had {
			c.Old, c.OldSource = factText(o), o.Provenance.Source
		}
		if had && c.Old == c.New && c.OldSource == c.NewSource {
			continue
		}
		c.ValueAlike = had && c.Old == c.New
		out = append(out, c)
	}
	var gone []string
	for field := range before {
		gone = append(gone, field)
	}
	sort.Strings(gone)
	for _, field := range gone {
		o := before[field]
		out = append(out, Change{Field: field, Old: factText(o), OldSource: o.Provenance.Source})
	}
	return out
}

func factText(f FactRef) string {
	if !f.Fact.Known() {
		return "(missing)"
	}
	return f.Fact.Text()
}

// MarkDPO gives every fact whose value changed from old to the register in
// data, and whose provenance still names the policy or a rule (or is dpo
// without a note), the provenance dpo with who set it and when: a value the
// DPO typed is theirs, not the policy's. The fact's line "key = { value = ..., source = ... }"
// is rewritten as "key = { value = ..., source = "dpo", note = "set by
// ACTOR on DATE" }" (the section, quote or rule described the old value).
// It returns the new TOML and the fields it could not mark, because their
// provenance is their list item's: the DPO sets that one.
func MarkDPO(old *Register, data []byte, actor string, on time.Time) ([]byte, []string, error) {
	new, err := ParseRegister(old.ID+".toml", data)
	if err != nil {
		return nil, nil, err
	}
	facts := map[string]FactRef{}
	for _, f := range new.Facts() {
		facts[f.Field] = f
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	var unmarked []string
	for _, c := range Diff(old, new) {
		f, ok := facts[c.Field]
		if !ok || c.ValueAlike || c.NewSource == SourceDPO && f.Provenance.Note != "" || !f.Fact.Known() {
			continue
		}
		n := lineOf(data, f.path) - 1
		line, ok := dpoLine(lines[n], f.path, actor, on)
		if !ok {
			unmarked = append(unmarked, c.Field)
			continue
		}
		lines[n] = line
	}
	out := bytes.Join(lines, nil)
	if _, err := ParseRegister(old.ID+".toml", out); err != nil {
		return nil, nil, fmt.Errorf("marking the changed facts as the DPO's: %w", err)
	}
	return out, unmarked, nil
}

// dpoLine rewrites one line "key = { value = ... }" with the provenance
// dpo; false when the line is not a fact of its own on one line.
func dpoLine(line []byte, p fieldPath, actor string, on time.Time) ([]byte, bool) {
	key, ok := p[len(p)-1].(string)
	if !ok {
		return nil, false
	}
	var m map[string]any
	if _, err := toml.Decode(string(line), &m); err != nil || len(m) != 1 {
		return nil, false
	}
	table, ok := m[key].(map[string]any)
	if !ok {
		return nil, false
	}
	value, ok := tomlValue(table["value"])
	if !ok {
		return nil, false
	}
	indent := line[:len(line)-len(bytes.TrimLeft(line, " \t"))]
	eol := ""
	if bytes.HasSuffix(line, []byte("\n")) {
		eol = "\n"
	}
	note := fmt.Sprintf("set by %s on %s", actor, on.Format("2006-01-02"))
	return fmt.Appendf(nil, "%s%s = { value = %s, source = \"dpo\", note = %s }%s", indent, tomlKey(key), value,
		tomlString(note), eol), true
}

// tomlValue writes a decoded TOML value back as TOML.
func tomlValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return tomlString(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case bool:
		return strconv.FormatBool(x), true
	case time.Time:
		switch x.Location().String() { // the decoder's zones for local dates and times
		case "date-local":
			return x.Format("2006-01-02"), true
		case "datetime-local":
			return x.Format("2006-01-02T15:04:05"), true
		}
		return x.Format(time.RFC3339), true
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			s, ok := tomlValue(e)
			if !ok {
				return "", false
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ", ") + "]", true
	}
	return "", false
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlKey writes a key bare when TOML allows it, else quoted.
func tomlKey(k string) string {
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return tomlString(k)
		}
	}
	return k
}
