package cases

import (
	"fmt"
	"strings"
	"unicode"
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

// SafeName makes outside text (a file name, a category, an ID) one harmless
// path segment: letters, digits, '.', '-' and '_' only, no leading dot, no
// separators, at most 100 bytes, never empty and never a reserved name
// (export's files in a packet, storage's key file of a server).
func SafeName(s string) string {
	var b strings.Builder
	last := rune(0)
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_':
		default:
			r = '_'
		}
		if r == '_' && last == '_' {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > 100 {
			break
		}
		b.WriteRune(r)
		last = r
	}
	out := b.String()
	for {
		next := strings.Trim(strings.ReplaceAll(out, "..", "."), "._")
		if next == out {
			break
		}
		out = next
	}
	if out == "" {
		return "file"
	}
	base, _, _ := strings.Cut(strings.ToUpper(out), ".")
	switch base {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "LPT1", "LPT2", "LPT3":
		out = "_" + out
	}
	return out
}
