package cases

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// escapedRuneByRune is EscapeJSON's rule applied a character at a time, as
// AppendEscapedJSON did before it skipped ahead: the definition the fast
// path must agree with.
func escapedRuneByRune(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if disguising(r) {
			out = fmt.Appendf(out, "\\u%04x", r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// TestAppendEscapedJSONAgreesRuneByRune: whatever a stored view holds
// (names in any script, the characters that disguise text or drive a
// terminal, broken UTF-8 at any place), list --json prints what escaping
// each character in turn prints.
func TestAppendEscapedJSONAgreesRuneByRune(t *testing.T) {
	pieces := []string{`{"name":"`, "Kowalska", "é", "Ελένη", "’", "“", "\u2028", "\u009b", "\u0085", "\x7f",
		"\u202e", "\u2066", "\u200f", "\u061c", "\u00a0", "\u00c2", "\xc2", "\xe2\x80", "\xe2", "\xd8", "\xff", "\x80",
		"€", "😀", `\"`, "0123456", "a"}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 20000 {
		var sb strings.Builder
		for range rng.IntN(12) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		in := []byte(sb.String())
		want := escapedRuneByRune(in)
		if got := AppendEscapedJSON([]byte("x"), in); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("case %d: %q escaped to %q, want %q", n, in, got, "x"+string(want))
		}
	}
}

func BenchmarkAppendEscapedJSON(b *testing.B) {
	view := []byte(`{"id":"DSR-2026-045037","controller":"callrix","subject":{"name":"Eléni Nikoláou","email":"eleni.nikolaou583@example.org"},` +
		`"text":"I left your service last year. Erase my data, including backups where possible.","due":"2026-12-23","status":"in-progress"}`)
	in := bytes.Repeat(view, 1700_000/len(view)) // the size of list --overdue --json at 100,000 cases
	var dst []byte
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		dst = AppendEscapedJSON(dst[:0], in)
	}
}
