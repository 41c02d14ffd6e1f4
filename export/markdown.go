package export

import (
	"strings"
	"unicode"

	"rightsdesk/cases"
)

// The letter is written once, in Markdown, by the templates of its kind
// (text/template, with every outside string escaped); the HTML letter is
// that Markdown's blocks laid out by html/template, which escapes every
// piece of text again. One source keeps the two letters saying the same.
//
// The Markdown the templates write is a small subset: headings (#, ##,
// ###), paragraphs (a line ending in a backslash breaks the line), lists
// ("- "), tables ("| a | b |" with a "|---|" rule under the header), quotes
// ("> "), **strong** text and backslash escapes.

// md escapes one line of outside text (a name, a request's words, a
// register fact) for Markdown, escaping only what Markdown would misread
// there, so that the letter.md a subject opens reads as plain text: control
// characters made visible; a backslash before punctuation or at the end; a
// leading heading, list, quote or table marker; a run of - or = that would
// underline a heading; every * and ` (emphasis, code); an _ that is not
// inside a word; an opening [ (a link or an image), a ] that a ( follows;
// a < that would open a tag; ~~; an &...; entity. Table cells use cell,
// which also escapes |.
func md(s string) string { return escapeMarkdown(s, false) }

// cell escapes outside text for a table cell: as md, and every | (a cell's
// border).
func cell(s string) string { return escapeMarkdown(s, true) }

func escapeMarkdown(s string, table bool) string {
	s = cases.Printable(s)
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if mdMisread(rs, i) || (table && r == '|') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if m := orderedStart().FindStringSubmatchIndex(out); m != nil && (len(out) == m[5] || out[m[5]] == ' ') {
		out = out[:m[4]] + "\\" + out[m[4]:]
	}
	return out
}

var orderedStart = lazyRegexp(`^(\d+)([.)])`)

// mdMisread reports whether the rune at i would be read as Markdown.
func mdMisread(rs []rune, i int) bool {
	r := rs[i]
	at := func(j int) rune {
		if j < 0 || j >= len(rs) {
			return 0
		}
		return rs[j]
	}
	word := func(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }
	switch r {
	case '\\':
		next := at(i + 1)
		return next == 0 || next < 128 && unicode.IsPunct(next) || next < 128 && unicode.IsSymbol(next)
	case '*', '`':
		return true
	case '_':
		return !word(at(i-1)) || !word(at(i+1))
	case '[':
		// Brackets make a link only with a ( or [ after the closing one, or
		// as a definition starting a line: "[Company Name]" stays as typed.
		return i == 0
	case ']':
		return at(i+1) == '(' || at(i+1) == '[' || at(i+1) == ':'
	case '<':
		next := at(i + 1)
		return unicode.IsLetter(next) || next == '/' || next == '!' || next == '?'
	case '~':
		return at(i+1) == '~' || at(i-1) == '~'
	case '&':
		return entity().MatchString(string(rs[i:]))
	case '>', '|':
		return i == 0
	case '#':
		j := 0
		for at(j) == '#' {
			j++
		}
		return i == 0 && j <= 6 && (at(j) == 0 || at(j) == ' ')
	case '-', '+', '=':
		if i != 0 {
			return false
		}
		return at(1) == 0 || at(1) == ' ' || strings.Trim(string(rs), string(r)+" ") == ""
	}
	return false
}

var entity = lazyRegexp(`^&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);`)

// mdQuote renders multi-line outside text (a request's wording) as a quote,
// each line escaped.
func mdQuote(s string) string {
	lines := strings.Split(strings.ReplaceAll(cases.PrintableLines(s), "\r\n", "\n"), "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			lines[i] = ">"
			continue
		}
		lines[i] = "> " + md(l)
	}
	return strings.Join(lines, "\n")
}

// Block is one block of the letter: the HTML layout lays it out, the
// approval screen draws it on the terminal.
type Block struct {
	Kind  string // h1, h2, h3, p, ul, table, quote
	Lines [][]Span
	Items [][]Span
	Head  [][]Span
	Rows  [][][]Span
}

// Span is a run of text, strong or not.
type Span struct {
	Text   string
	Strong bool
}

// ParseMarkdown reads the subset above into blocks.
func ParseMarkdown(src string) []Block {
	var out []Block
	var cur *Block
	flush := func() {
		if cur != nil {
			out = append(out, *cur)
			cur = nil
		}
	}
	for _, line := range strings.Split(src, "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case strings.HasPrefix(line, "### "), strings.HasPrefix(line, "## "), strings.HasPrefix(line, "# "):
			flush()
			level, text, _ := strings.Cut(line, " ")
			out = append(out, Block{Kind: "h" + string(rune('0'+len(level))), Lines: [][]Span{inline(text)}})
		case strings.HasPrefix(line, "- "):
			if cur == nil || cur.Kind != "ul" {
				flush()
				cur = &Block{Kind: "ul"}
			}
			cur.Items = append(cur.Items, inline(line[2:]))
		case strings.HasPrefix(line, "  ") && cur != nil && cur.Kind == "ul":
			last := &cur.Items[len(cur.Items)-1]
			*last = append(*last, Span{Text: " "})
			*last = append(*last, inline(strings.TrimSpace(line))...)
		case strings.HasPrefix(line, "|"):
			if cur == nil || cur.Kind != "table" {
				flush()
				cur = &Block{Kind: "table"}
			}
			cells := splitRow(line)
			switch {
			case cur.Head == nil:
				cur.Head = cells
			case isRule(line):
			default:
				cur.Rows = append(cur.Rows, cells)
			}
		case line == ">" || strings.HasPrefix(line, "> "):
			if cur == nil || cur.Kind != "quote" {
				flush()
				cur = &Block{Kind: "quote"}
			}
			cur.Lines = append(cur.Lines, inline(strings.TrimPrefix(strings.TrimPrefix(line, ">"), " ")))
		default:
			text, hard := hardBreak(line)
			if cur == nil || cur.Kind != "p" {
				flush()
				cur = &Block{Kind: "p", Lines: [][]Span{nil}}
			}
			l := &cur.Lines[len(cur.Lines)-1]
			if len(*l) > 0 {
				*l = append(*l, Span{Text: " "}) // a soft break joins the lines
			}
			*l = append(*l, inline(text)...)
			if hard {
				cur.Lines = append(cur.Lines, nil)
			}
		}
	}
	flush()
	for i := range out {
		if n := len(out[i].Lines); out[i].Kind == "p" && n > 1 && out[i].Lines[n-1] == nil {
			out[i].Lines = out[i].Lines[:n-1]
		}
	}
	return out
}

// hardBreak reports whether a line ends in an unescaped backslash (a line
// break inside a paragraph) and returns it without.
func hardBreak(line string) (string, bool) {
	n := len(line) - len(strings.TrimRight(line, "\\"))
	if n%2 == 1 {
		return line[:len(line)-1], true
	}
	return line, false
}

func isRule(line string) bool {
	return strings.Trim(line, "|-: ") == ""
}

// splitRow splits a table row on the bars that are not escaped.
func splitRow(line string) [][]Span {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	var cells [][]Span
	var cell strings.Builder
	escaped := false
	for _, r := range line {
		switch {
		case escaped:
			cell.WriteRune('\\')
			cell.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case r == '|':
			cells = append(cells, inline(strings.TrimSpace(cell.String())))
			cell.Reset()
		default:
			cell.WriteRune(r)
		}
	}
	if rest := strings.TrimSpace(cell.String()); rest != "" {
		cells = append(cells, inline(rest))
	}
	return cells
}

// inline reads **strong** runs and backslash escapes.
func inline(s string) []Span {
	var out []Span
	var b strings.Builder
	strong := false
	emit := func() {
		if b.Len() > 0 {
			out = append(out, Span{Text: b.String(), Strong: strong})
			b.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			b.WriteByte(s[i+1])
			i++
		case c == '*' && i+1 < len(s) && s[i+1] == '*':
			emit()
			strong = !strong
			i++
		default:
			b.WriteByte(c)
		}
	}
	emit()
	return out
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// htmlLetter is what the HTML layout receives.
type htmlLetter struct {
	Lang   string
	Title  string
	Draft  bool
	Blocks []Block
}
