package register

import (
	"rightsdesk/cases"

	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Source says where a register fact comes from.
type Source string

// The sources of a register fact (PACKETS.md, "Facts come from the register").
const (
	// SourceSeed: stated by the organisation's privacy policy, in the section
	// the fact names.
	SourceSeed Source = "seed"
	// SourceAssumed: not stated, filled by a documented rule the DPO should
	// confirm.
	SourceAssumed Source = "assumed"
	// SourceDPO: filled in by the DPO.
	SourceDPO Source = "dpo"
	// SourceMissing: neither stated nor assumable; it counts as a gap.
	SourceMissing Source = "missing"
)

// Sources lists the known sources.
var Sources = []Source{SourceSeed, SourceAssumed, SourceDPO, SourceMissing}

// Provenance is where a fact comes from. A fact of a list item may leave it
// empty and inherit the item's.
type Provenance struct {
	Source Source `toml:"source" json:"source"`
	// Section is, for a seed fact, the heading of the policy it comes from.
	Section string `toml:"section" json:"section,omitempty"`
	// Quote is the policy's own words, verbatim, where a fact paraphrases
	// or interprets them.
	Quote string `toml:"quote" json:"quote,omitempty"`
	// Rule is, for an assumed fact, the documented rule that filled it.
	Rule string `toml:"rule" json:"rule,omitempty"`
	// Note is anything the DPO should know (why a fact is missing...).
	Note string `toml:"note" json:"note,omitempty"`
}

// Describe says where a fact comes from in a few words, for the screen:
// "seed: 13. Supervisory Authority", "assumed: RULE", "dpo", "missing".
func (p Provenance) Describe() string {
	switch p.Source {
	case SourceSeed:
		return "seed: " + p.Section
	case SourceAssumed:
		return "assumed, confirm: " + p.Rule
	}
	return string(p.Source)
}

// FactValue is what a fact can hold: text (dates and codes are text too)
// or a whole number.
type FactValue interface{ ~string | ~int }

// Fact is one register fact with its provenance. In TOML it is either a
// table { value = ..., source = ..., section = ..., quote = ..., rule = ...,
// note = ... } or, inside a list item that carries its own provenance, a bare
// value.
type Fact[T FactValue] struct {
	Value T
	Provenance
	present  bool
	hasValue bool
	err      error // a decoding problem, reported by validation with its line
}

// Present reports whether the register file has an entry for the fact.
func (f *Fact[T]) Present() bool { return f.present }

// Known reports whether the fact has a value (stated, assumed or given by
// the DPO), as opposed to missing or absent.
func (f *Fact[T]) Known() bool {
	return f.present && f.Source != SourceMissing && f.Source != ""
}

// Text is the value as text ("" for a missing fact).
func (f *Fact[T]) Text() string {
	if !f.Known() {
		return ""
	}
	switch v := any(f.Value).(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	}
	return fmt.Sprint(f.Value)
}

// factFields are the keys a fact table may hold.
var factFields = []string{"value", "source", "section", "quote", "rule", "note"}

// UnmarshalTOML implements toml.Unmarshaler. It never fails: a problem is
// kept and reported by validation, which knows the field's path and line.
func (f *Fact[T]) UnmarshalTOML(data any) error {
	*f = Fact[T]{present: true}
	table, ok := data.(map[string]any)
	if !ok {
		f.err = f.setValue(data)
		return nil
	}
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := table[k]
		if k == "value" {
			if err := f.setValue(v); err != nil && f.err == nil {
				f.err = err
			}
			continue
		}
		s, isString := v.(string)
		if !slices.Contains(factFields, k) {
			if f.err == nil {
				f.err = fmt.Errorf("unknown key %q in a fact (want value, source, section, quote, rule, note)", k)
			}
			continue
		}
		if !isString {
			if f.err == nil {
				f.err = fmt.Errorf("%s must be a string", k)
			}
			continue
		}
		switch k {
		case "source":
			f.Source = Source(s)
		case "section":
			f.Section = s
		case "quote":
			f.Quote = s
		case "rule":
			f.Rule = s
		case "note":
			f.Note = s
		}
	}
	return nil
}

func (f *Fact[T]) setValue(data any) error {
	switch p := any(&f.Value).(type) {
	case *string:
		switch v := data.(type) {
		case string:
			*p = v
		case time.Time: // a TOML local date: 2026-05-08
			*p = v.Format("2006-01-02")
		default:
			return fmt.Errorf("value must be text, not %s", tomlTypeName(data))
		}
		f.hasValue = strings.TrimSpace(*p) != ""
	case *int:
		v, ok := data.(int64)
		if !ok {
			return fmt.Errorf("value must be a whole number, not %s", tomlTypeName(data))
		}
		if v < 0 || v > 1_000_000 {
			return fmt.Errorf("value %d is out of range", v)
		}
		*p = int(v)
		f.hasValue = true
	}
	return nil
}

func tomlTypeName(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case int64:
		return "a number"
	case float64:
		return "a decimal number"
	case bool:
		return "true/false"
	case time.Time:
		return "a date"
	case []any, []map[string]any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// MarshalJSON writes {"value": ..., "source": ..., "section": ...}; a missing
// fact has no value.
func (f Fact[T]) MarshalJSON() ([]byte, error) {
	type out struct {
		Value any `json:"value,omitempty"`
		Provenance
	}
	o := out{Provenance: f.Provenance}
	if f.Known() {
		o.Value = f.Value
	}
	return json.Marshal(o)
}

// inherit fills an empty provenance from the enclosing item's.
func (f *Fact[T]) inherit(item *Provenance) {
	if !f.present || f.Source != "" || item == nil {
		return
	}
	f.Provenance = Provenance{Source: item.Source, Section: item.Section, Quote: item.Quote, Rule: item.Rule, Note: f.Note}
}

// factLike lets the register walk every fact whatever its value type.
type factLike interface {
	Present() bool
	Known() bool
	Text() string
	provenance() *Provenance
	decodeErr() error
	valueGiven() bool
	inheritFrom(*Provenance)
}

func (f *Fact[T]) provenance() *Provenance   { return &f.Provenance }
func (f *Fact[T]) decodeErr() error          { return f.err }
func (f *Fact[T]) valueGiven() bool          { return f.hasValue }
func (f *Fact[T]) inheritFrom(p *Provenance) { f.inherit(p) }

// Version is the register's version, which the DPO bumps on every change:
// a whole number or a date (YYYY-MM-DD). Cases record the version they
// froze their rules from.
type Version struct {
	text string
	err  error
}

// String is the version as written.
func (v Version) String() string { return v.text }

// IsZero reports whether no version was given.
func (v Version) IsZero() bool { return v.text == "" && v.err == nil }

// UnmarshalTOML implements toml.Unmarshaler; problems are reported by
// validation with the line.
func (v *Version) UnmarshalTOML(data any) error {
	switch d := data.(type) {
	case int64:
		if d < 1 {
			v.err = fmt.Errorf("must be a positive whole number or a date, not %d", d)
		}
		v.text = strconv.FormatInt(d, 10)
	case time.Time:
		v.text = d.Format("2006-01-02")
	case string:
		v.text = d
		if _, err := cases.ParseDate(d); err != nil {
			if n, err := strconv.Atoi(d); err != nil || n < 1 {
				v.err = fmt.Errorf("must be a positive whole number or a date YYYY-MM-DD, not %q", d)
			}
		}
	default:
		v.err = fmt.Errorf("must be a whole number or a date, not %s", tomlTypeName(data))
	}
	return nil
}

// MarshalJSON writes the version as text.
func (v Version) MarshalJSON() ([]byte, error) { return json.Marshal(v.text) }
