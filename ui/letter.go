package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/export"
)

// The letter on the approval screen is the Markdown the templates wrote,
// read by the same parser that lays out the HTML letter (export.ParseMarkdown:
// headings, paragraphs with their line breaks, lists, quotes, tables,
// **strong** text), so the approver reads what the subject will. A
// general Markdown renderer (glamour) was used before; its syntax
// highlighters and HTML sanitiser cost every command ~35 ms of package
// initialisation for letters that never hold code or HTML.

// letterMargin is the letter's left margin, which sets it apart from the
// screen's own lines around it.
const letterMargin = "  "

// renderLetter draws the letter's Markdown for the terminal, width cells
// wide at most, its text made printable first: a letter quotes what a
// subject typed.
func renderLetter(md []byte, width int, st *Styles) []string {
	lines := strings.Split(string(md), "\n")
	for i := range lines {
		lines[i] = cases.Printable(lines[i]) // line by line: the breaks are the Markdown's
	}
	w := max(20, width-2*len(letterMargin))
	out := []string{""} // a blank line under the section's heading
	for i, b := range export.ParseMarkdown(strings.Join(lines, "\n")) {
		if i > 0 {
			out = append(out, "")
		}
		out = append(out, letterBlock(b, w, st)...)
	}
	for i, l := range out {
		if l != "" {
			out[i] = letterMargin + l
		}
	}
	return out
}

// letterBlock is one block's lines, w cells wide at most.
func letterBlock(b export.Block, w int, st *Styles) []string {
	var out []string
	switch b.Kind {
	case "h1", "h2", "h3":
		style := st.Title
		if b.Kind == "h1" {
			style = st.Header
		}
		out = wrapHang(spansText(b.Lines[0], style), w, 0)
	case "ul":
		for _, item := range b.Items {
			out = append(out, wrapHang("• "+spansText(item, st.Title), w, 2)...)
		}
	case "quote":
		for _, l := range b.Lines {
			for _, wl := range wrapHang(spansText(l, st.Title), w-2, 0) {
				out = append(out, st.Dim.Render("│")+" "+wl)
			}
		}
	case "table":
		out = letterTable(b, w, st)
	default: // a paragraph, its hard line breaks kept
		for _, l := range b.Lines {
			out = append(out, wrapHang(spansText(l, st.Title), w, 0)...)
		}
	}
	return out
}

// spansText is a line's runs of text with the strong ones in strong, each
// word styled on its own so that a line broken at a space breaks no style.
func spansText(spans []export.Span, strong lipgloss.Style) string {
	var b strings.Builder
	for _, s := range spans {
		if !s.Strong {
			b.WriteString(s.Text)
			continue
		}
		for i, word := range strings.Split(s.Text, " ") {
			if i > 0 {
				b.WriteByte(' ')
			}
			if word != "" {
				b.WriteString(strong.Render(word))
			}
		}
	}
	return b.String()
}

// letterTable lays a table out in columns as wide as their widest cell,
// the widest narrowed (its cells wrapped) until the table fits w cells.
// Should it not fit even so, each row is shown as its cells under their
// headings, one to a line.
func letterTable(b export.Block, w int, st *Styles) []string {
	const sep, sepWidth, minCol = " │ ", 3, 8
	rows := append([][][]export.Span{b.Head}, b.Rows...)
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	text := make([][]string, len(rows))
	widths := make([]int, cols)
	for i, r := range rows {
		text[i] = make([]string, cols)
		for j, c := range r {
			if i == 0 { // the headings, strong throughout
				c = []export.Span{{Text: ansi.Strip(spansText(c, st.Title)), Strong: true}}
			}
			text[i][j] = spansText(c, st.Title)
			widths[j] = max(widths[j], ansi.StringWidth(text[i][j]))
		}
	}
	total := func() int {
		n := sepWidth * (cols - 1)
		for _, cw := range widths {
			n += cw
		}
		return n
	}
	for total() > w {
		widest := 0
		for j := range widths {
			if widths[j] > widths[widest] {
				widest = j
			}
		}
		if widths[widest] <= minCol {
			return letterRecords(b, w, st)
		}
		widths[widest]--
	}
	var out []string
	for i, r := range text {
		cells := make([][]string, cols)
		height := 1
		for j, c := range r {
			cells[j] = wrapHang(c, widths[j], 0)
			height = max(height, len(cells[j]))
		}
		for k := range height {
			parts := make([]string, cols)
			for j := range cols {
				line := ""
				if k < len(cells[j]) {
					line = cells[j][k]
				}
				parts[j] = fit(line, widths[j])
			}
			out = append(out, strings.TrimRight(strings.Join(parts, st.Dim.Render(sep)), " "))
		}
		if i == 0 {
			rule := make([]string, cols)
			for j, cw := range widths {
				rule[j] = strings.Repeat("─", cw)
			}
			out = append(out, st.Dim.Render(strings.Join(rule, "─┼─")))
		}
	}
	return out
}

// letterRecords shows a table too wide for the screen row by row, each
// cell on its own line after its heading.
func letterRecords(b export.Block, w int, st *Styles) []string {
	var out []string
	for i, r := range b.Rows {
		if i > 0 {
			out = append(out, "")
		}
		for j, c := range r {
			head := ""
			if j < len(b.Head) {
				head = ansi.Strip(spansText(b.Head[j], st.Title)) + ": "
			}
			out = append(out, wrapHang(st.Label.Render(head)+spansText(c, st.Title), w, 2)...)
		}
	}
	return out
}
