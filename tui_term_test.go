package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// colourSGR finds a colour in an SGR escape: a foreground or background of
// the 8 colours (30-37, 40-47), their bright forms (90-97, 100-107) or an
// indexed or RGB one (38, 48). The defaults (39, 49) that tmux writes when
// it shows a pane's attributes are no colour.
var colourSGR = regexp.MustCompile(`\x1b\[(?:[0-9:]*;)*(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:[;:][0-9:;]*)?m`)

// nonASCII is the first character of s that is not ASCII, or "".
func nonASCII(s string) string {
	for i, r := range s {
		if r >= utf8.RuneSelf {
			return s[i:min(len(s), i+20)]
		}
	}
	return ""
}

// TestASCIITerminalsInTmux runs the app at 80x24 as a VT100 sees it
// (TERM=vt100: no colour, no UTF-8) and under LANG=C and LC_ALL=C (no
// UTF-8): the queue, a case, the actions menu, a form with text typed in
// it, help and the overview each show only ASCII characters, on the VT100
// without a colour; every byte the app wrote to the VT100 is checked too,
// so that a colour shown and overwritten between two captures is caught.
func TestASCIITerminalsInTmux(t *testing.T) {
	tx := startTmux(t)
	for _, c := range []struct {
		name, env string
		colour    bool
	}{
		{"vt100", "TERM=vt100 LANG=en_GB.UTF-8", false},
		{"lang-c", "TERM=xterm-256color LANG=C LC_ALL=C", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx.t = t // waitFor fails this subtest, not its parent
			data := filepath.Join(tx.dir, c.name)
			raw := filepath.Join(tx.dir, c.name+".out")
			tx.target = c.name
			// tmux sets TERM in the pane: the app runs under env, which
			// sets it again; the pane's output is kept from the start.
			tx.tm("new-session", "-d", "-s", c.name, "-x", "80", "-y", "24", "sh")
			tx.tm("pipe-pane", "-t", c.name, "-o", "cat >> "+raw)
			tx.tm("send-keys", "-t", c.name, "exec env "+c.env+" XDG_DATA_HOME="+data+" XDG_CONFIG_HOME="+data+
				" RIGHTSDESK_NOW=2026-11-22T15:00:00Z RIGHTSDESK_ACTOR=anna "+tx.bin+" --demo", "Enter")
			screens := map[string]string{}
			look := func(name, key string, ok func(string) bool) {
				t.Helper()
				if key != "" {
					tx.tm("send-keys", "-t", c.name, key)
				}
				s := tx.waitFor(name, ok)
				screens[name] = s
				if g := nonASCII(s); g != "" {
					t.Errorf("%s: %q is not ASCII:\n%s", name, g, s)
				}
				withEscapes := tx.tm("capture-pane", "-p", "-e", "-t", c.name)
				if !c.colour && colourSGR.MatchString(withEscapes) {
					t.Errorf("%s: a colour on the screen: %q", name, colourSGR.FindString(withEscapes))
				}
			}
			look("the queue", "", func(s string) bool { return strings.Contains(s, "DSR-2026-") && strings.Contains(s, "case 1 of") })
			look("a case", "Enter", func(s string) bool { return strings.Contains(s, "subject ") && strings.Contains(s, "received") })
			look("the actions", "Enter", func(s string) bool { return strings.Contains(s, "Actions on DSR-") })
			look("a form", "n", func(s string) bool { return strings.Contains(s, "Add an internal note") })
			tx.tm("send-keys", "-t", c.name, "-l", "Zoé rang — «urgent»")
			look("the typed note", "", func(s string) bool { return strings.Contains(s, "Zoe rang - <urgent>") })
			tx.tm("send-keys", "-t", c.name, "Escape")
			look("the case again", "", func(s string) bool {
				return !strings.Contains(s, "Add an internal note") && strings.Contains(s, "subject ")
			})
			look("help", "?", func(s string) bool { return strings.Contains(s, "Any key closes this help") })
			tx.tm("send-keys", "-t", c.name, "x")
			tx.waitFor("help closed", func(s string) bool { return !strings.Contains(s, "Any key closes this help") })
			// Escape, then the queue before v: ESC and v at once are alt+v.
			look("the queue again", "Escape", func(s string) bool { return strings.Contains(s, "case 1 of") })
			look("the overview", "v", func(s string) bool { return strings.Contains(s, "Requests received per week") })
			if !strings.Contains(screens["the overview"], "##") || !strings.Contains(screens["the queue"], " . ") {
				t.Errorf("the glyphs' ASCII forms are missing:\n%s\n%s", screens["the queue"], screens["the overview"])
			}
			tx.tm("send-keys", "-t", c.name, "q")
			time.Sleep(300 * time.Millisecond)
			tx.tm("pipe-pane", "-t", c.name)
			out, err := os.ReadFile(raw)
			if err != nil || len(out) < 1000 {
				t.Fatalf("the pane's output: %d bytes, %v", len(out), err)
			}
			if g := nonASCII(string(out)); g != "" {
				t.Errorf("a character that is not ASCII was written: %q", g)
			}
			if !c.colour && colourSGR.Match(out) {
				t.Errorf("a colour was written: %q", colourSGR.Find(out))
			}
			if c.colour && !colourSGR.Match(out) {
				t.Error("LANG=C on a colour terminal lost its colours: only UTF-8 is missing there")
			}
		})
	}
}

// TestProgressBarInTmux runs demo --cases 3000 in a terminal at 80x24: the
// bar is on screen part way, with its percentage and count, redrawn in
// place on one line; it ends at 100% with the command's one line of output
// below it. On a VT100 the bar is ASCII.
func TestProgressBarInTmux(t *testing.T) {
	tx := startTmux(t)
	for _, c := range []struct{ name, env, full string }{
		{"utf8", "TERM=xterm-256color LANG=en_GB.UTF-8", "█"},
		{"vt100", "TERM=vt100", "#"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx.t = t
			db := filepath.Join(tx.dir, c.name+".db")
			tx.target = c.name
			// In the test's folder, so that the path fits on one line.
			tx.tm("new-session", "-d", "-s", c.name, "-x", "80", "-y", "24", "-c", tx.dir, "sh", "-c",
				"env "+c.env+" XDG_CONFIG_HOME="+tx.dir+" RIGHTSDESK_NOW=2026-11-22T15:00:00Z RIGHTSDESK_ACTOR=anna "+
					tx.bin+" demo --cases 3000 --db "+filepath.Base(db)+"; echo RIGHTSDESK-EXITED $?; sleep 60")
			part := regexp.MustCompile(`(?m)^demo  \S+ +([1-9][0-9]?)%  ([0-9,]+) of 3,000 cases$`)
			midway := tx.waitFor("the bar part way", func(s string) bool { return part.MatchString(s) })
			bar := strings.Fields(part.FindString(midway))[1]
			if !strings.Contains(bar, c.full) || (c.name == "vt100" && !strings.HasPrefix(bar, "[#")) {
				t.Errorf("bar %q, want %q filling it:\n%s", bar, c.full, midway)
			}
			end := tx.waitFor("the end", func(s string) bool { return strings.Contains(s, "RIGHTSDESK-EXITED") })
			lines := strings.Split(strings.TrimSpace(end), "\n")
			if len(lines) != 3 || !regexp.MustCompile(`^demo  \S+ 100%  3,0\d\d of 3,0\d\d cases$`).MatchString(lines[0]) ||
				!regexp.MustCompile(`^3\d\d\d demo cases written to `).MatchString(lines[1]) || lines[2] != "RIGHTSDESK-EXITED 0" {
				t.Errorf("want the bar at 100%%, the command's line and its exit:\n%s", end)
			}
		})
	}
}
