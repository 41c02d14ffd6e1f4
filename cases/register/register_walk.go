package register

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"
)

// fieldPath is where a value sits in a register file: table keys and list
// indexes, as in ["recipients", 2, "safeguard"].
type fieldPath []any

// String renders the path as recipients[2].safeguard.
func (p fieldPath) String() string {
	var b strings.Builder
	for _, seg := range p {
		switch s := seg.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

func (p fieldPath) with(seg any) fieldPath {
	out := make(fieldPath, len(p), len(p)+1)
	copy(out, p)
	return append(out, seg)
}

// FactRef is one fact of a register with where it sits, for listing every
// fact (the screen, the gaps, the tests).
type FactRef struct {
	// Field is the fact's path, such as "authority.name" or
	// "recipients[2].safeguard".
	Field string
	// Item is the path of the list item the fact belongs to, or "".
	Item string
	Fact interface {
		Present() bool
		Known() bool
		Text() string
	}
	// Provenance is the fact's own (after inheriting its item's).
	Provenance *Provenance
	path       fieldPath
	fact       factLike
}

// itemRef is a list item with its own provenance (a Role, a Recipient...).
type itemRef struct {
	path  fieldPath
	prov  *Provenance
	empty bool // no field present: a marker that the whole list is missing
}

var (
	factLikeType   = reflect.TypeFor[factLike]()
	provenanceType = reflect.TypeFor[Provenance]()
)

// walk visits every fact and every item of the register in file order of
// the struct (not of the file).
func (r *Register) walk(fact func(FactRef), item func(itemRef)) {
	walkValue(reflect.ValueOf(r).Elem(), nil, nil, fact, item)
}

func walkValue(v reflect.Value, p fieldPath, inherited *Provenance, fact func(FactRef), item func(itemRef)) {
	if v.CanAddr() && v.Addr().Type().Implements(factLikeType) {
		f := v.Addr().Interface().(factLike)
		ref := FactRef{Field: p.String(), Fact: f, Provenance: f.provenance(), path: p, fact: f}
		if inherited != nil && len(p) > 1 {
			ref.Item = p[:len(p)-1].String()
		}
		fact(ref)
		return
	}
	switch v.Kind() {
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walkValue(v.Index(i), p.with(i), nil, fact, item)
		}
	case reflect.Struct:
		t := v.Type()
		var own *Provenance
		for i := 0; i < t.NumField(); i++ {
			if sf := t.Field(i); sf.Anonymous && sf.Type == provenanceType {
				own = v.Field(i).Addr().Interface().(*Provenance)
			}
		}
		if own != nil && item != nil {
			item(itemRef{path: p, prov: own, empty: !anyFieldPresent(v)})
		}
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
			if !sf.IsExported() || sf.Anonymous || name == "-" || name == "" {
				continue
			}
			walkValue(v.Field(i), p.with(name), own, fact, item)
		}
	}
}

func anyFieldPresent(v reflect.Value) bool {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.CanAddr() && f.Addr().Type().Implements(factLikeType) && f.Addr().Interface().(factLike).Present() {
			return true
		}
	}
	return false
}

// Facts lists every fact of the register that the file has an entry for.
func (r *Register) Facts() []FactRef {
	var out []FactRef
	r.walk(func(f FactRef) {
		if f.Fact.Present() {
			out = append(out, f)
		}
	}, nil)
	return out
}

// lineOf finds the line of the file where the value at p is defined: the
// first line such that the file up to it, parsed on its own, holds p. A
// field that is nowhere is reported at the line of the nearest table that
// holds it (a list item's missing id at its [[...]] line), a missing
// top-level field at line 1. It is slow (it parses many prefixes) and only
// used to report an error.
func lineOf(data []byte, p fieldPath) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	for k := len(p); k > 0; k-- {
		for n := 1; n <= len(lines); n++ {
			var m map[string]any
			if _, err := toml.Decode(string(bytes.Join(lines[:n], nil)), &m); err != nil {
				continue
			}
			if hasPath(m, p[:k]) {
				return n
			}
		}
	}
	return 1
}

func hasPath(v any, p fieldPath) bool {
	for _, seg := range p {
		switch s := seg.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			if v, ok = m[s]; !ok {
				return false
			}
		case int:
			switch list := v.(type) {
			case []map[string]any:
				if s >= len(list) {
					return false
				}
				v = list[s]
			case []any:
				if s >= len(list) {
					return false
				}
				v = list[s]
			default:
				return false
			}
		}
	}
	return true
}

// indexedPath turns a key of toml.MetaData (which has no list indexes) into
// the path of its first occurrence, with indexes, in the parsed file.
func indexedPath(data []byte, key toml.Key) fieldPath {
	var m map[string]any
	if _, err := toml.Decode(string(data), &m); err != nil {
		return keyPath(key)
	}
	if p, ok := findKey(m, key, nil); ok {
		return p
	}
	return keyPath(key)
}

func keyPath(key toml.Key) fieldPath {
	p := make(fieldPath, len(key))
	for i, k := range key {
		p[i] = k
	}
	return p
}

func findKey(v any, key toml.Key, p fieldPath) (fieldPath, bool) {
	if len(key) == 0 {
		return p, true
	}
	switch t := v.(type) {
	case map[string]any:
		next, ok := t[key[0]]
		if !ok {
			return nil, false
		}
		return findKey(next, key[1:], p.with(key[0]))
	case []map[string]any:
		for i, e := range t {
			if found, ok := findKey(e, key, p.with(i)); ok {
				return found, true
			}
		}
	case []any:
		for i, e := range t {
			if found, ok := findKey(e, key, p.with(i)); ok {
				return found, true
			}
		}
	}
	return nil, false
}
