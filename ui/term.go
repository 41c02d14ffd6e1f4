package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
)

// Terminal is what the terminal can show beyond plain ASCII, read once
// from the environment at start (TerminalOf). The zero value is a UTF-8
// terminal with colour.
type Terminal struct {
	// ASCII: no UTF-8, so every glyph the app draws is replaced by one
	// ASCII character of the same width (asciiGlyphs).
	ASCII bool
	// NoColour: the terminal shows bold, underline and reverse but no
	// colour, whatever the colour profile detected from TERM says.
	NoColour bool
}

// TerminalOf reads the terminal from the environment: TERM=dumb, and the
// DEC VT terminals (vt52, vt100, vt220...) that TERM names without
// "color", have neither colour nor UTF-8, although the colour detection
// of Bubble Tea gives any TERM but dumb 16 colours; a locale that is set
// and is not UTF-8 (LANG=C, POSIX, ISO-8859-1; LC_ALL, then LC_CTYPE, then
// LANG, as setlocale reads them) has no UTF-8. An unset locale is taken
// as UTF-8: over SSH the locale is often not passed on while the terminal
// is a UTF-8 one.
func TerminalOf(getenv func(string) string) Terminal {
	term := strings.ToLower(getenv("TERM"))
	mono := term == "dumb" || (strings.HasPrefix(term, "vt") && !strings.Contains(term, "color"))
	locale := ""
	for _, name := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if locale = getenv(name); locale != "" {
			break
		}
	}
	l := strings.ToLower(locale)
	utf := locale == "" || strings.Contains(l, "utf-8") || strings.Contains(l, "utf8")
	return Terminal{ASCII: mono || !utf, NoColour: mono}
}

// asciiGlyphs are the app's glyphs (and those of the components it uses:
// help, text input, the letter's bullets, quotes and tables) as one ASCII character
// each, so that what was fitted to the width still fits.
var asciiGlyphs = map[rune]rune{
	'✓': 'x', '○': 'o', '●': '*', '•': '*', '⚠': '!',
	'–': '-', '—': '-', '─': '-', '━': '-', '│': '|', '┃': '|', '┼': '+', '▏': '|', '█': '#', '░': '.',
	'‹': '<', '›': '>', '«': '<', '»': '>', '·': '.', '…': '.',
	'↓': 'v', '↑': '^', '←': '<', '→': '>', '⏎': '~',
	'‘': '\'', '’': '\'', '“': '"', '”': '"', '\u00a0': ' ',
	// Letters with no accent to take off, in one cell as they were: "Gros"
	// reads better than "Gro?" for Groß.
	'ß': 's', 'ẞ': 'S', 'æ': 'a', 'Æ': 'A', 'œ': 'o', 'Œ': 'O', 'ð': 'd', 'Ð': 'D', 'þ': 't', 'Þ': 'T', 'ı': 'i',
}

// asciiRune is one rune for an ASCII terminal: the glyph's ASCII
// character, an accented Latin letter without its accent (cases.PlainLetter),
// else '?' for each cell the rune takes.
func asciiRune(b *strings.Builder, r rune) {
	switch {
	case r < utf8.RuneSelf:
		b.WriteRune(r)
		return
	case asciiGlyphs[r] != 0:
		b.WriteRune(asciiGlyphs[r])
		return
	}
	lower := unicode.ToLower(r)
	if plain, ok := cases.PlainLetter(lower); ok && plain < utf8.RuneSelf {
		if lower != r {
			plain = unicode.ToUpper(plain)
		}
		b.WriteRune(plain)
		return
	}
	b.WriteString(strings.Repeat("?", ansi.StringWidth(string(r))))
}

// asciiFrame is a frame for an ASCII terminal, cell for cell as wide as
// the UTF-8 one.
func asciiFrame(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		asciiRune(&b, r)
	}
	return b.String()
}

// noColour keeps the renderer's colour profile at ASCII (attributes, no
// colour) on a terminal without colour: Bubble Tea sends the profile it
// detected from TERM, and the model answers with this one, which the
// renderer then takes.
func noColour() tea.Msg { return tea.ColorProfileMsg{Profile: colorprofile.Ascii} }
