package ui

import (
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// TestTerminalOf: the DEC VT terminals and dumb have neither colour nor
// UTF-8; a locale set to other than UTF-8 has no UTF-8 (LC_ALL before
// LC_CTYPE before LANG); an unset locale and the usual terminals keep both.
func TestTerminalOf(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want Terminal
	}{
		{map[string]string{"TERM": "vt100", "LANG": "en_GB.UTF-8"}, Terminal{ASCII: true, NoColour: true}},
		{map[string]string{"TERM": "vt220"}, Terminal{ASCII: true, NoColour: true}},
		{map[string]string{"TERM": "dumb"}, Terminal{ASCII: true, NoColour: true}},
		{map[string]string{"TERM": "xterm-256color", "LANG": "C"}, Terminal{ASCII: true}},
		{map[string]string{"TERM": "xterm-256color", "LANG": "en_GB.UTF-8", "LC_ALL": "POSIX"}, Terminal{ASCII: true}},
		{map[string]string{"TERM": "xterm-256color", "LANG": "C", "LC_CTYPE": "fr_FR.utf8"}, Terminal{}},
		{map[string]string{"TERM": "linux", "LANG": "de_DE.ISO-8859-1"}, Terminal{ASCII: true}},
		{map[string]string{"TERM": "linux", "LANG": "de_DE.UTF-8"}, Terminal{}},
		{map[string]string{"TERM": "tmux-256color"}, Terminal{}},
	} {
		if got := TerminalOf(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %+v, want %+v", c.env, got, c.want)
		}
	}
}

// TestEveryGlyphHasAnASCIIOne: every non-ASCII character in the app's
// string literals has an ASCII character in asciiGlyphs, one cell wide as
// the glyph is, so that a glyph added later is not shown as "?" on a VT100.
func TestEveryGlyphHasAnASCIIOne(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var s scanner.Scanner
		fs := token.NewFileSet()
		s.Init(fs.AddFile(name, -1, len(src)), src, nil, 0)
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok != token.STRING && tok != token.CHAR {
				continue
			}
			text := lit
			if tok == token.STRING {
				if u, err := strconv.Unquote(lit); err == nil {
					text = u
				}
			}
			for _, r := range text {
				if r < utf8.RuneSelf || r == utf8.RuneError {
					continue
				}
				seen++
				a, ok := asciiGlyphs[r]
				if !ok {
					t.Errorf("%s: %q has no ASCII glyph", fs.Position(pos), r)
				} else if a >= utf8.RuneSelf || ansi.StringWidth(string(r)) != 1 {
					t.Errorf("%q -> %q is not one cell for one cell", r, a)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no glyph found in the app's sources: the scan reads nothing")
	}
}

// TestVT100Frames: on an ASCII terminal without colour every frame is
// ASCII, each line as wide as on a UTF-8 terminal, with the glyphs'
// ASCII characters; the colour profile Bubble Tea detects from TERM is
// answered with ASCII (attributes, no colour).
func TestVT100Frames(t *testing.T) {
	utf, s, c, _ := start(t, 80, 24)
	vt := New(Options{Store: s, Clock: c, Actor: "anna", Title: "test", Tick: utf.opt.Tick, Poll: utf.opt.Poll,
		Terminal: Terminal{ASCII: true, NoColour: true}})
	vt = drive(t, vt, tea.WindowSizeMsg{Width: 80, Height: 24})
	vt = drive(t, vt, vt.loadQueue("")())
	for _, keys := range [][]string{nil, {"enter"}, {"n"}} {
		u, v := press(t, utf, keys...), press(t, vt, keys...)
		uf, vf := frame(u), frame(v)
		asciiAsWide(t, keys, uf, vf)
		if strings.Contains(uf, "·") && !strings.Contains(vf, " . ") {
			t.Errorf("after %v: no ASCII separator:\n%s", keys, vf)
		}
	}
	if frame(vt) == frame(utf) {
		t.Fatal("the queue looks the same on both terminals: the fixture shows no glyph")
	}
	if _, cmd := step(vt, tea.ColorProfileMsg{Profile: colorprofile.ANSI}); cmd == nil || cmd() != (tea.ColorProfileMsg{Profile: colorprofile.Ascii}) {
		t.Fatal("the colour profile detected from TERM is not answered with ASCII")
	}
	if _, cmd := step(utf, tea.ColorProfileMsg{Profile: colorprofile.ANSI}); cmd != nil {
		t.Fatal("a colour terminal's profile is answered")
	}
	if got := asciiFrame("Łódź · ‹ok› ✓ 漢 Groß Ærø"); got != "Lodz . <ok> x ?? Gros Aro" {
		t.Errorf("asciiFrame: %q", got)
	}
}

// TestVT100LetterHelpAndOverview: on an ASCII terminal the letter to
// approve (rendered by glamour: its bullets, rules and quotes), the help and
// the overview are ASCII too, line for line as wide as on UTF-8.
func TestVT100LetterHelpAndOverview(t *testing.T) {
	s, clk, ids := approvalFixture(t)
	open := func(term Terminal) Model {
		m := New(Options{Store: s, Clock: clk, Actor: "anna", Title: "test", Registers: registers(t), Letter: approvalLetterOf, Terminal: term})
		m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
		m = drive(t, m, m.loadQueue("")())
		m.moveTo(ids[3])
		return m
	}
	utf, vt := open(Terminal{}), open(Terminal{ASCII: true, NoColour: true})
	for _, keys := range [][]string{{"enter", "L"}, {"enter", "L", "G"}, {"?"}, {"v"}} {
		u, v := press(t, utf, keys...), press(t, vt, keys...)
		uf, vf := frame(u), frame(v)
		asciiAsWide(t, keys, uf, vf)
		if keys[len(keys)-1] == "L" && (!strings.Contains(uf, "Inès Duval") || !strings.Contains(vf, "Ines Duval")) {
			t.Errorf("the letter is not on screen:\n%s", vf)
		}
		if keys[len(keys)-1] == "G" && (!strings.Contains(uf, "• You may complain") || !strings.Contains(vf, "* You may complain")) {
			t.Errorf("the letter's list lost its bullets:\n%s\n%s", uf, vf)
		}
	}
}

// asciiAsWide fails the test unless the ASCII terminal's frame vf is only
// ASCII, with as many lines as the UTF-8 terminal's frame uf, each as wide.
func asciiAsWide(t *testing.T, keys []string, uf, vf string) {
	t.Helper()
	if g := strings.IndexFunc(vf, func(r rune) bool { return r >= utf8.RuneSelf }); g >= 0 {
		t.Fatalf("after %v: %q is not ASCII:\n%s", keys, []rune(vf[g:])[0], vf)
	}
	ul, vl := strings.Split(uf, "\n"), strings.Split(vf, "\n")
	if len(ul) != len(vl) {
		t.Fatalf("after %v: %d lines, %d on UTF-8", keys, len(vl), len(ul))
	}
	for i := range ul {
		if ansi.StringWidth(ul[i]) != ansi.StringWidth(vl[i]) {
			t.Errorf("after %v: line %d is %d cells, %d on UTF-8:\n%s\n%s", keys, i, ansi.StringWidth(vl[i]), ansi.StringWidth(ul[i]), vl[i], ul[i])
		}
	}
}
