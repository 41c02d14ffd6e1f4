package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// formsApp is one database with cases made by the command line, and the
// app on it at a size in tmux, both on the same fixed clock.
type formsApp struct {
	*tmuxDriver
	db, now string
}

// startFormsApp makes the database, lets add make the cases, and starts
// the app at width x height, waiting for the queue.
func startFormsApp(t *testing.T, now, width, height string, add func(cli func(args ...string) string)) *formsApp {
	tx := startTmux(t)
	a := &formsApp{tmuxDriver: tx, db: filepath.Join(tx.dir, "cases.db"), now: now}
	a.cli("init")
	add(a.cli)
	env := "XDG_DATA_HOME=" + tx.dir + " XDG_CONFIG_HOME=" + tx.dir + " RIGHTSDESK_NOW=" + now + " RIGHTSDESK_ACTOR=anna TERM=xterm-256color"
	tx.tm("new-session", "-d", "-x", width, "-y", height, "sh", "-c", env+" "+tx.bin+" --db "+a.db+" --color none; echo RIGHTSDESK-EXITED $?; sleep 60")
	tx.waitFor("the queue", func(s string) bool { return strings.Contains(s, "DSR-2026-") })
	return a
}

// cli runs the command line on the app's database and clock.
func (a *formsApp) cli(args ...string) string {
	a.t.Helper()
	cmd := exec.Command(a.bin, append(args, "--db", a.db)...)
	cmd.Env = append(os.Environ(), "RIGHTSDESK_NOW="+a.now, "RIGHTSDESK_ACTOR=anna", "XDG_CONFIG_HOME="+a.dir)
	out, err := cmd.Output()
	if err != nil {
		a.t.Fatalf("%v: %v", args, err)
	}
	return string(out)
}

// openCase filters the queue to one case and opens it.
func (a *formsApp) openCase(id string) {
	a.tm("send-keys", "/")
	a.tm("send-keys", "-l", id)
	a.waitFor("the filter's result", func(s string) bool { return strings.Contains(s, "filter: /"+id) && strings.Contains(s, " of ") })
	a.tm("send-keys", "Enter")
	a.waitFor("the case screen", func(s string) bool { return strings.Contains(s, "Deadline") })
}

// TestWhenFromTheFormInTmux is the extension of issue 19: the notice
// window closes on Monday 23 November 2026 (Paris); the decision and the
// notice e-mailed at 17:00 that day are recorded from the app on Tuesday
// morning with when "yesterday 17:00". The form shows what it reads, in
// the case's zone with its abbreviation; both events are dated 17:00 CET
// on Monday, and the extension is in force: the case is due on the
// extended date.
func TestWhenFromTheFormInTmux(t *testing.T) {
	var id string
	a := startFormsApp(t, "2026-11-24T08:00:00Z", "80", "24", func(cli func(args ...string) string) {
		id = strings.TrimSpace(cli("add", "--controller", "crisp", "--right", "access", "--subject", "Anna Kowalska",
			"--email", "anna.k@example.org", "--received", "2026-10-23"))
	})
	a.openCase(id)

	a.tm("send-keys", "x")
	a.waitFor("the extension form with its warning", func(s string) bool {
		return strings.Contains(s, "Extend the deadline · "+id) && strings.Contains(s, "the notice window closed on Mon 23 Nov 2026")
	})
	a.tm("send-keys", "-l", "records in twelve systems")
	a.tm("send-keys", "Tab")
	a.tm("send-keys", "Tab")
	a.tm("send-keys", "-l", "yesterday 17:00")
	a.waitFor("the time read in the case's zone, in time for the notice", func(s string) bool {
		return strings.Contains(s, "= Mon 23 Nov 2026 17:00 CET") && !strings.Contains(s, "notice window closed")
	})
	a.tm("send-keys", "Enter")
	a.waitFor("the decision recorded", func(s string) bool { return strings.Contains(s, "extension-decided recorded (revision 2)") })
	// Back to the queue and in again: the case as read now.
	a.tm("send-keys", "Escape")
	a.waitFor("the queue", func(s string) bool { return strings.Contains(s, "filter: /"+id) })
	a.tm("send-keys", "Enter")
	a.waitFor("the case screen", func(s string) bool { return strings.Contains(s, "Deadline") })

	a.tm("send-keys", "s")
	a.waitFor("the send form", func(s string) bool { return strings.Contains(s, "Mark a letter sent to the requester · "+id) })
	// The letter went out by hand: the extension notice, another way, why.
	a.focus("letter")
	for range 12 {
		if strings.Contains(a.screen(), "‹ extension-notice ›") {
			break
		}
		form := a.screen()
		a.tm("send-keys", "Right")
		a.waitFor("the next letter", func(s string) bool { return s != form })
	}
	a.focus("sent otherwise")
	a.tm("send-keys", "Right")
	a.waitFor("sent another way", func(s string) bool { return strings.Contains(s, "letter file") })
	a.focus("reason")
	a.tm("send-keys", "-l", "e-mailed from the shared mailbox")
	a.focus("when")
	a.tm("send-keys", "-l", "yesterday 17:00")
	a.waitFor("the time read", func(s string) bool { return strings.Contains(s, "= Mon 23 Nov 2026 17:00 CET") })
	a.tm("send-keys", "Enter")
	a.waitFor("the question", func(s string) bool { return strings.Contains(s, "was sent another way?") })
	a.tm("send-keys", "y")
	a.waitFor("the letter recorded", func(s string) bool { return strings.Contains(s, "sent recorded (revision 3)") })

	var shown struct {
		DueAt  string `json:"due_at"`
		Events []struct {
			Kind string `json:"kind"`
			At   string `json:"at"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(a.cli("show", id, "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	at := map[string]string{}
	for _, e := range shown.Events {
		at[e.Kind] = e.At
	}
	for _, kind := range []string{"extension-decided", "sent"} {
		if at[kind] != "2026-11-23T17:00:00+01:00" {
			t.Errorf("%s at %q, want yesterday 17:00 in Paris (2026-11-23T17:00:00+01:00); events %v", kind, at[kind], shown.Events)
		}
	}
	if shown.DueAt != "2027-01-25T22:59:59Z" {
		t.Errorf("due at %s: the extension is not in force (want the extended due date, 25 Jan 2027)", shown.DueAt)
	}
}

// focus tabs round the form to the field of that label.
func (a *formsApp) focus(label string) {
	a.t.Helper()
	for range 30 {
		before := focusedLabel(a.screen())
		if before == label {
			return
		}
		// The label, not the line: text typed just before may still be
		// arriving in the field, which changes the line but not the focus.
		a.tm("send-keys", "Tab")
		a.waitFor("the focus to move", func(s string) bool { return focusedLabel(s) != before })
	}
	a.t.Fatalf("no field %q in the form:\n%s", label, a.screen())
}

// focusedLabel is the label of the focused field: the form draws it in
// 14 columns after the focus mark.
func focusedLabel(screen string) string {
	r := []rune(strings.TrimPrefix(focusedLine(screen), "› "))
	return strings.TrimSpace(string(r[:min(14, len(r))]))
}

// focusedLine is the form's line with the focus mark.
func focusedLine(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "› ") {
			return l
		}
	}
	return ""
}

// TestRefusalStaysInTmux: a refusal is on screen with its field marked,
// and still there 3 seconds later, although meanwhile the app polled and
// merged a colleague's change to another case; the next key clears it.
func TestRefusalStaysInTmux(t *testing.T) {
	var id, other string
	a := startFormsApp(t, "2026-11-24T08:00:00Z", "80", "24", func(cli func(args ...string) string) {
		id = strings.TrimSpace(cli("add", "--controller", "crisp", "--right", "access", "--subject", "Anna Kowalska",
			"--email", "anna.k@example.org", "--received", "2026-11-20"))
		other = strings.TrimSpace(cli("add", "--controller", "crisp", "--right", "erasure", "--subject", "Jan Nowak",
			"--email", "jan@example.org", "--received", "2026-11-21"))
	})
	a.openCase(id)
	a.tm("send-keys", "n")
	a.waitFor("the note form", func(s string) bool { return strings.Contains(s, "Add an internal note · "+id) })
	a.tm("send-keys", "-l", "called her back")
	a.focus("when")
	a.tm("send-keys", "-l", "tomorrow")
	a.tm("send-keys", "BSpace")
	a.tm("send-keys", "C-u")
	a.tm("send-keys", "-l", "2026-11-25 09:00")
	a.waitFor("the time read", func(s string) bool { return strings.Contains(s, "(in the future)") })
	a.tm("send-keys", "Enter")
	refused := func(s string) bool {
		return strings.Contains(s, "! when: Wed 25 Nov 2026 09:00 CET is in the future") && strings.Contains(s, "!› when ")
	}
	a.waitFor("the refusal, its field marked", refused)
	a.cli("tag", other, "vip") // a colleague's change the app merges meanwhile
	time.Sleep(3 * time.Second)
	if s := a.screen(); !refused(s) {
		t.Fatalf("the refusal did not stay 3 s:\n%s", s)
	}
	a.tm("send-keys", "C-u")
	a.waitFor("the refusal cleared by the next key", func(s string) bool {
		return !strings.Contains(s, "is in the future") && strings.Contains(s, "› when ")
	})
}

// TestNewRequestFormScrollsAt40x12: at 40x12 the new-request form is
// taller than the window; tabbing to its last field scrolls it into
// view, with a line saying how many are above, and the keys below.
func TestNewRequestFormScrollsAt40x12(t *testing.T) {
	a := startFormsApp(t, "2026-11-24T08:00:00Z", "40", "12", func(cli func(args ...string) string) {
		cli("add", "--controller", "crisp", "--right", "access", "--subject", "Anna Kowalska", "--email", "anna.k@example.org", "--received", "2026-11-20")
	})
	a.tm("send-keys", "n")
	a.waitFor("the new request form", func(s string) bool {
		return strings.Contains(s, "── New request") && strings.Contains(s, "› organisation") && strings.Contains(s, "more lines")
	})
	a.focus("text")
	a.tm("send-keys", "-l", "Please send me a copy")
	s := a.waitFor("the last field typed into, on screen", func(s string) bool {
		return strings.Contains(s, "› text ") && strings.Contains(s, "Please send me a copy")
	})
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 12 || !strings.HasPrefix(lines[0], "── New request") || !regexp.MustCompile(`↑ \d+ more lines`).MatchString(s) || !strings.Contains(s, "enter send") {
		t.Errorf("the form does not scroll to its last field with its title, the lines above counted and its keys:\n%s", s)
	}
	if regexp.MustCompile(`↓ \d+ more`).MatchString(s) {
		t.Errorf("nothing is below the last field:\n%s", s)
	}
}
