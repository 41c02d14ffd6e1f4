package main

import (
	"testing"

	"github.com/charmbracelet/colorprofile"
)

func TestColorProfile(t *testing.T) {
	env := func(noColor string) func(string) string {
		return func(k string) string {
			if k == "NO_COLOR" {
				return noColor
			}
			return ""
		}
	}
	for _, c := range []struct {
		flag, noColor string
		want          colorprofile.Profile
		pin, bad      bool
	}{
		{"auto", "", colorprofile.Ascii, false, false}, // detected from the terminal
		{"auto", "1", colorprofile.Ascii, true, false},
		{"auto", "yes", colorprofile.Ascii, true, false}, // any value, not only a boolean
		{"256", "", colorprofile.ANSI256, true, false},
		{"16", "1", colorprofile.ANSI, true, false}, // an explicit flag wins
		{"none", "", colorprofile.Ascii, true, false},
		{"rainbow", "", 0, false, true},
	} {
		p, pin, err := colorProfile(c.flag, env(c.noColor))
		if (err != nil) != c.bad || (!c.bad && (pin != c.pin || (pin && p != c.want))) {
			t.Errorf("--color %s NO_COLOR=%q: %v %v %v", c.flag, c.noColor, p, pin, err)
		}
	}
}
