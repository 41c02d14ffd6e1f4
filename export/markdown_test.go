package export

import "testing"

// TestMarkdownEscapesOnlyWhatIsMisread: outside text keeps its characters
// as typed unless Markdown would read them as markup there; what is escaped
// reads back as the text (inline), and a table cell also guards its bars.
func TestMarkdownEscapesOnlyWhatIsMisread(t *testing.T) {
	for _, tc := range []struct{ in, md, cell string }{
		{"Cloud infrastructure & hosting", "Cloud infrastructure & hosting", ""},
		{"automated_decisions", "automated_decisions", ""},
		{"_emphasis_", `\_emphasis\_`, ""},
		{"a *b* c", `a \*b\* c`, ""},
		{"# heading", `\# heading`, ""},
		{"#hashtag", "#hashtag", ""},
		{"C# and F#", "C# and F#", ""},
		{"- item", `\- item`, ""},
		{"-5 days", "-5 days", ""},
		{"===", `\===`, ""},
		{"=SUM(A1)", "=SUM(A1)", ""},
		{"1. first", `1\. first`, ""},
		{"1.5 kg", "1.5 kg", ""},
		{"[link](http://x)", `\[link\](http://x)`, ""},
		{"see [link](http://x)", `see [link\](http://x)`, ""},
		{"a [b][c]", `a [b\][c]`, ""},
		{"recipients[4].safeguard", "recipients[4].safeguard", ""},
		{"the operator is [Company Name]", "the operator is [Company Name]", ""},
		{"x <script> y", `x \<script> y`, ""},
		{"3 < 4 > 2", "3 < 4 > 2", ""},
		{"> quoted", `\> quoted`, ""},
		{"a | b", "a | b", `a \| b`},
		{"| a", `\| a`, `\| a`},
		{`C:\Users\zoe`, `C:\Users\zoe`, ""},
		{`ends in \`, `ends in \\`, ""},
		{`a \* b`, `a \\\* b`, ""},
		{"&amp; and AT&T", `\&amp; and AT&T`, ""},
		{"~~gone~~ a~b", `\~\~gone\~\~ a~b`, ""},
		{"`code`", "\\`code\\`", ""},
	} {
		if got := md(tc.in); got != tc.md {
			t.Errorf("md(%q) = %q, want %q", tc.in, got, tc.md)
		}
		want := tc.cell
		if want == "" {
			want = tc.md
		}
		if got := cell(tc.in); got != want {
			t.Errorf("cell(%q) = %q, want %q", tc.in, got, want)
		}
		if back := plain(inline(md(tc.in))); back != tc.in {
			t.Errorf("inline(md(%q)) reads back %q", tc.in, back)
		}
	}
}
