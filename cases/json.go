package cases

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// JSON is json.Marshal for everything the program writes for machines
// (show --json, list --json, reports, records, manifests, data copies):
// the same value, with no raw character a terminal acts on or that
// disguises text (EscapeJSON).
func JSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return EscapeJSON(b), nil
}

// JSONIndent is JSON indented as json.MarshalIndent does.
func JSONIndent(v any, prefix, indent string) ([]byte, error) {
	b, err := json.MarshalIndent(v, prefix, indent)
	if err != nil {
		return nil, err
	}
	return EscapeJSON(b), nil
}

// EscapeJSON writes as \u escapes, inside JSON that encoding/json made,
// the characters it leaves raw that a terminal acts on or that disguise
// text on a screen: DEL, the C1 controls U+0080 to U+009F (some terminals
// take U+009B as a control sequence introducer), the bidirectional
// overrides and isolates, and the directional marks. encoding/json already
// escapes C0 (ESC among them) and U+2028, U+2029. The values read back the
// same; JSON that holds none is returned as it is.
func EscapeJSON(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	return AppendEscapedJSON(make([]byte, 0, len(b)+16), b)
}

// AppendEscapedJSON appends b to dst escaped as EscapeJSON escapes it: a
// caller joining many values (list --json) reuses one buffer.
func AppendEscapedJSON(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		if b[i] < 0x7f {
			j := i + 1
			for j < len(b) && b[j] < 0x7f {
				j++
			}
			dst = append(dst, b[i:j]...)
			i = j
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if disguising(r) {
			dst = fmt.Appendf(dst, "\\u%04x", r)
		} else {
			dst = append(dst, b[i:i+size]...)
		}
		i += size
	}
	return dst
}

// disguising reports whether r, raw in machine output, could drive a
// terminal or make text read other than it is.
func disguising(r rune) bool {
	return r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 ||
		r == 0x200e || r == 0x200f || r == 0x061c
}
