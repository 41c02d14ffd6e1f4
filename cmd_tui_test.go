package main

import (
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"

	"rightsdesk/storage"
	"rightsdesk/ui"
)

// TestStartAheadOnce: the app's first page, read while the registers are
// parsed, answers the app's first Start only; a later Start (the queue
// read again) sees a case added since.
func TestStartAheadOnce(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	releaseDB(d.db)
	st := storage.Open(d.db, storage.Options{})
	defer st.Close()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	ahead := readAhead(st, now).(*startAhead)
	first, err := ahead.Start(now, ui.FirstPage)
	if err != nil || len(first.Rows) != 1 {
		t.Fatalf("first page: %v, %+v", err, first)
	}
	releaseDB(d.db)
	d.add("--controller", "crisp", "--right", "erasure", "--received", "2026-03-03")
	releaseDB(d.db)
	again, err := ahead.Start(now, ui.FirstPage)
	if err != nil || len(again.Rows) != 2 {
		t.Fatalf("the second Start did not read the store again: %v, %d rows", err, len(again.Rows))
	}
}

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
