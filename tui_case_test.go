package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCaseHeaderStaysInTmux opens, at 80x24, a case with an assignee and
// tags and a body longer than the window: its two header lines (ID,
// organisation, right, status; assignee, tags, countdown) are the first
// lines of the screen at the top of the case, after G at its end and
// after pgdn in between, while the body scrolls under them. The masked
// address and the identifiers are in the body; r reveals the address.
func TestCaseHeaderStaysInTmux(t *testing.T) {
	tx := startTmux(t)
	db := filepath.Join(tx.dir, "cases.db")
	now := "2026-11-23T09:00:00Z"
	cli := tx.cli(t, db, now)
	cli("init")
	id := strings.TrimSpace(cli("add", "--controller", "crisp", "--right", "erasure", "--subject", "Zofia Nowakowska",
		"--email", "zofia@example.org", "--postal-address", "12 rue de l'Exemple, 75999 Paris", "--identifier", "customer=C-1042",
		"--received", "2026-11-20"))
	cli("assign", id, "--to", "marc")
	cli("tag", id, "press", "vip")
	env := "XDG_DATA_HOME=" + tx.dir + " XDG_CONFIG_HOME=" + tx.dir + " RIGHTSDESK_NOW=" + now + " RIGHTSDESK_ACTOR=anna TERM=xterm-256color"
	tx.tm("new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", env+" "+tx.bin+" --db "+db+" --color none; echo RIGHTSDESK-EXITED $?; sleep 60")
	tx.waitFor("the queue", func(s string) bool { return strings.Contains(s, id) && strings.Contains(s, "case 1 of 1") })

	header := func(s string) bool {
		lines := strings.Split(s, "\n")
		return len(lines) > 2 && strings.HasPrefix(lines[0], id+"  crisp  erasure  new") &&
			strings.HasPrefix(lines[1], "assigned to marc · tags press, vip") && strings.HasSuffix(strings.TrimRight(lines[1], " "), "28d 13h")
	}
	tx.tm("send-keys", "Enter")
	top := tx.waitFor("the case's top under its header", func(s string) bool {
		return header(s) && strings.Contains(s, "subject              Zofia Nowakowska")
	})
	for _, want := range []string{"e-mail               z***@example.org (r reveals)", "address              …, 75999 Paris",
		"identifiers          customer=C-1042", "received             Fri 20 Nov 2026 00:00 CET via email"} {
		if !strings.Contains(top, want) {
			t.Errorf("the case's top lacks %q:\n%s", want, top)
		}
	}
	if strings.Contains(top, "12 rue de") {
		t.Errorf("the street shows before r:\n%s", top)
	}
	tx.tm("send-keys", "G")
	tx.waitFor("the case's end under the same header", func(s string) bool {
		return header(s) && strings.Contains(s, "Organisation") && !strings.Contains(s, "subject   ")
	})
	tx.tm("send-keys", "g")
	tx.waitFor("the top again", func(s string) bool { return header(s) && strings.Contains(s, "subject   ") })
	tx.tm("send-keys", "PgDn")
	tx.waitFor("a page down, the header kept", func(s string) bool {
		return header(s) && !strings.Contains(s, "subject   ") && !strings.Contains(s, "Organisation")
	})
	tx.tm("send-keys", "g")
	tx.tm("send-keys", "r")
	tx.waitFor("the address revealed", func(s string) bool {
		return header(s) && strings.Contains(s, "address              12 rue de l'Exemple, 75999 Paris") &&
			strings.Contains(s, "e-mail               zofia@example.org")
	})
	tx.tm("send-keys", "q")
	tx.waitFor("the exit", func(s string) bool { return strings.Contains(s, "RIGHTSDESK-EXITED 0") })
}
