package cases

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable returns s with every control character made visible (ESC as
// "^[", DEL as "^?", C1 controls and bidirectional overrides as <U+XXXX>,
// invalid UTF-8 as U+FFFD), so that text a subject typed cannot drive a
// terminal. Stored values stay verbatim: they are evidence; this is only for
// display.
func Printable(s string) string { return printable(s, false) }

// PrintableLines is Printable but keeps line breaks, for multi-line text such
// as a request's wording.
func PrintableLines(s string) string { return printable(s, true) }

func printable(s string, keepNewlines bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + 0x40)
		case r == 0x7f:
			b.WriteString("^?")
		case r >= 0x80 && r < 0xa0, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
			r == 0x200e, r == 0x200f, r == 0x061c:
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// EscapeC1 writes the C1 control characters (U+0080 to U+009F) inside
// JSON as \u0080...\u009f. encoding/json escapes C0 (ESC among them) but
// passes C1 through, and some terminals act on U+009B as a control sequence
// introducer: what a subject typed must not drive the terminal that reads
// the output. JSON that holds none is returned as it is.
func EscapeC1(b []byte) []byte {
	i := bytes.IndexByte(b, 0xC2)
	if i < 0 {
		return b
	}
	var out []byte
	for i >= 0 {
		if i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9F {
			if out == nil {
				out = make([]byte, 0, len(b)+16)
			}
			out = append(out, b[:i]...)
			out = fmt.Appendf(out, "\\u%04x", b[i+1]) // C2 80..C2 9F encode U+0080..U+009F
			b = b[i+2:]
		} else {
			out = append(out, b[:i+1]...)
			b = b[i+1:]
		}
		i = bytes.IndexByte(b, 0xC2)
	}
	if out == nil {
		return b
	}
	return append(out, b...)
}
