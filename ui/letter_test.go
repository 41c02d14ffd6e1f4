package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// letterFixture has every construct the letter templates write: a heading,
// an address block of hard line breaks, a quote of what the subject typed
// (with a control character and Markdown escapes in it), a list, strong
// text and a table.
const letterFixture = "KCraft Studio LTD\\\nContact: hello@callrix.io\n\n" +
	"# Our answer to your request\n\n" +
	"Your request, as we received it:\n\n> Please send me \\*everything\\*\x1b[31m.\n> Thank you.\n\n" +
	"**We confirm that we process personal data about you.** Below is a copy.\n\n" +
	"- account details\n- how you use the service\n\n" +
	"| File | Category | Size (bytes) |\n|---|---|---|\n| data/account.csv | account | 124 |\n| data/usage/logins.json | usage | 128 |\n"

func plainLetter(width int) []string {
	st := DefaultStyles()
	out := renderLetter([]byte(letterFixture), width, &st)
	for i := range out {
		out[i] = ansi.Strip(out[i])
	}
	return out
}

// TestLetterKeepsItsLines: the approver reads the letter as the subject
// will: the address block's line breaks and the quote's lines kept, escapes
// undone, no Markdown markers left, the subject's control character shown
// as text rather than sent to the terminal, no line wider than the screen.
func TestLetterKeepsItsLines(t *testing.T) {
	out := plainLetter(80)
	for _, want := range []string{
		"  KCraft Studio LTD", "  Contact: hello@callrix.io", // one line each: the \ broke the line
		"  Our answer to your request",
		"  │ Please send me *everything*", "  │ Thank you.",
		"  We confirm that we process personal data about you. Below is a copy.",
		"  • account details", "  • how you use the service",
	} {
		if !slices.ContainsFunc(out, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Errorf("no line starts %q:\n%s", want, strings.Join(out, "\n"))
		}
	}
	all := strings.Join(out, "\n")
	for _, marker := range []string{"**", "# ", "\\", "|---", "\x1b"} {
		if strings.Contains(all, marker) {
			t.Errorf("%q left on screen:\n%s", marker, all)
		}
	}
	for _, l := range out {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("%d cells wide: %q", ansi.StringWidth(l), l)
		}
	}
}

// TestLetterTable: a table is laid out in columns, its cells aligned under
// their headings; on a screen too narrow for its columns each row is shown
// as its cells under their headings.
func TestLetterTable(t *testing.T) {
	out := plainLetter(80)
	head := slices.IndexFunc(out, func(l string) bool { return strings.Contains(l, "File") })
	if head < 0 || len(out) < head+4 {
		t.Fatalf("no table:\n%s", strings.Join(out, "\n"))
	}
	col := strings.Index(out[head], "Category") // the rows' text before it is ASCII as the heading's
	for i, want := range []string{"account ", "usage "} {
		if row := out[head+2+i]; len(row) < col || !strings.HasPrefix(row[col:], want) {
			t.Errorf("row %q: %q not under Category in %q", row, want, out[head])
		}
	}
	narrow := plainLetter(30)
	for _, want := range []string{"File: data/account.csv", "Category: account", "Size (bytes): 128"} {
		if !slices.ContainsFunc(narrow, func(l string) bool { return strings.TrimSpace(l) == want }) {
			t.Errorf("at 30 cells no line %q:\n%s", want, strings.Join(narrow, "\n"))
		}
	}
	for _, l := range narrow {
		if ansi.StringWidth(l) > 30 {
			t.Errorf("%d cells wide at 30: %q", ansi.StringWidth(l), l)
		}
	}
}
