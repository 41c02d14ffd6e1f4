package server

import (
	"bytes"
	"reflect"
	"strings"
	"sync"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// cases.Date writes its zero value ("no date") as "0000-00-00", which its
// UnmarshalText refuses as a date that does not exist. Summaries are full
// of zero dates (a case not yet answered has no AnsweredOn), so the client
// reads such a value of a Date field as JSON null, which leaves the field
// at its zero value: the same Date the server sent.

// zeroDate is the zero cases.Date as JSON.
var zeroDate = []byte(`"0000-00-00"`)

// dateKeys are the JSON keys of the cases.Date fields (not pointers: those
// are omitted when nil) of everything the client decodes.
// They are found when first needed, not in the package's init, which
// every command of the binary pays for.
var dateKeys = sync.OnceValue(func() map[string]bool {
	return collectDateKeys(reflect.TypeFor[cases.Summary](), reflect.TypeFor[cases.View](), reflect.TypeFor[storage.Loaded](),
		reflect.TypeFor[storage.Result](), reflect.TypeFor[storage.PurgePlan](), reflect.TypeFor[storage.CaseProof]())
})

func collectDateKeys(types ...reflect.Type) map[string]bool {
	keys := map[string]bool{}
	seen := map[reflect.Type]bool{}
	dateType := reflect.TypeFor[cases.Date]()
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || t == dateType {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if f.Type == dateType {
				keys[name] = true
				continue
			}
			walk(f.Type)
		}
	}
	for _, t := range types {
		walk(t)
	}
	return keys
}

// nullZeroDates rewrites, in JSON that encoding/json wrote, each zero date
// held by a Date field's key as null. A key is recognised only where a key
// can be (after '{' or ','), so no string's content is touched: inside a
// string, a quote is escaped.
func nullZeroDates(b []byte) []byte {
	if !bytes.Contains(b, zeroDate) {
		return b
	}
	var out []byte
	last := 0
	for i := 0; ; {
		j := bytes.Index(b[i:], zeroDate)
		if j < 0 {
			break
		}
		at := i + j
		i = at + len(zeroDate)
		// Before the value: "key": after '{' or ','.
		if at < 1 || b[at-1] != ':' || at < 2 || b[at-2] != '"' {
			continue
		}
		start := bytes.LastIndexByte(b[:at-2], '"')
		if start < 1 || (b[start-1] != '{' && b[start-1] != ',') || !dateKeys()[string(b[start+1:at-2])] {
			continue
		}
		out = append(out, b[last:at]...)
		out = append(out, "null"...)
		last = i
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}
