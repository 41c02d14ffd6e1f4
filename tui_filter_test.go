package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestFilterRanksByMatchThenUrgencyInTmux types queries into the queue's
// filter at 80x24, as a DPO would, on cases made with the command line: an
// overdue Zofia Wójcikowska and a closed Zofia Wójcik both match
// "wojcik", and the overdue one is above; "zofia" shows the two Zofias and
// not a look-alike (Zosia Fiałkowska, whose letters z, o, f, i, a come in
// order) nor a case merely assigned to a colleague called Zofia, whom
// @zofia finds; and the customer number typed at intake finds its case.
func TestFilterRanksByMatchThenUrgencyInTmux(t *testing.T) {
	tx := startTmux(t)
	db := filepath.Join(tx.dir, "cases.db")
	now := "2026-11-23T09:00:00Z"
	run := tx.cli(t, db, now)
	cli := func(args ...string) string { t.Helper(); return strings.TrimSpace(run(args...)) }
	add := func(name, email, received string, more ...string) string {
		t.Helper()
		return cli(append([]string{"add", "--controller", "crisp", "--right", "access", "--subject", name,
			"--email", email, "--received", received}, more...)...)
	}
	cli("init")
	overdue := add("Zofia Wójcikowska", "zw@example.org", "2026-09-15", "--identifier", "customer=C-1042")
	closed := add("Zofia Wójcik", "zofia.wojcik83@example.com", "2026-11-02")
	cli("close", closed, "--outcome", "fulfilled")
	lookalike := add("Zosia Fiałkowska", "zf@example.org", "2026-11-20")
	assigned := add("Mikołaj Szymański", "m.szymanski@example.org", "2026-11-21")
	cli("assign", assigned, "--to", "zofia")

	env := "XDG_DATA_HOME=" + tx.dir + " XDG_CONFIG_HOME=" + tx.dir + " RIGHTSDESK_NOW=" + now + " RIGHTSDESK_ACTOR=anna TERM=xterm-256color"
	tx.tm("new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", env+" "+tx.bin+" --db "+db+" --color none; echo RIGHTSDESK-EXITED $?; sleep 60")
	tx.waitFor("the queue", func(s string) bool { return strings.Contains(s, overdue) && strings.Contains(s, "case 1 of 4") })

	// filter types a query and waits for its result (the count, not the
	// keystrokes); esc then clears it, and the next waits for the whole
	// queue (an esc sent with the next key would be read as alt+key).
	filter := func(query, count string) string {
		t.Helper()
		tx.tm("send-keys", "/")
		tx.tm("send-keys", "-l", query)
		s := tx.waitFor("the filter's result for "+query, func(s string) bool {
			return strings.Contains(s, "filter: /"+query+"▏ — "+count+" of 4 cases")
		})
		tx.tm("send-keys", "Escape")
		tx.waitFor("the whole queue", func(s string) bool { return strings.Contains(s, " of 4\n") && !strings.Contains(s, "filter:") })
		return s
	}
	row := func(screen, id string) int {
		for i, line := range strings.Split(screen, "\n") {
			if strings.Contains(line, id) {
				return i
			}
		}
		return -1
	}

	s := filter("wojcik", "2")
	if o, c := row(s, overdue), row(s, closed); o < 0 || c < 0 || o > c {
		t.Errorf("wojcik: the overdue case (row %d) must be above the closed one (row %d):\n%s", o, c, s)
	}
	s = filter("zofia", "2")
	if o, c := row(s, overdue), row(s, closed); o < 0 || c < 0 || o > c {
		t.Errorf("zofia: the overdue case (row %d) must be above the closed one (row %d):\n%s", o, c, s)
	}
	for _, other := range []string{lookalike, assigned, "Fiałkowska", "Szymański"} {
		if strings.Contains(s, other) {
			t.Errorf("zofia shows %s, which is no Zofia:\n%s", other, s)
		}
	}
	if s = filter("@zofia", "1"); row(s, assigned) < 0 {
		t.Errorf("@zofia: the case assigned to zofia is not shown:\n%s", s)
	}
	if s = filter("C-1042", "1"); row(s, overdue) < 0 {
		t.Errorf("C-1042: the case of customer C-1042 is not shown:\n%s", s)
	}
	if s = filter("id:c-10", "1"); row(s, overdue) < 0 {
		t.Errorf("id:c-10: the case of customer C-1042 is not shown:\n%s", s)
	}
}

// TestListQueryFindsIdentifiersAndTerms: list --query finds a case by an
// identifier typed at intake (its value, exact or its start, case aside),
// and takes the filter's terms: @NAME the assignee, #TAG a tag, id:VALUE
// an identifier, combined with words.
func TestListQueryFindsIdentifiersAndTerms(t *testing.T) {
	env := map[string]string{"RIGHTSDESK_ACTOR": "anna"}
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	add := func(name string, more ...string) string {
		t.Helper()
		status, out, errOut := runCLI(t, env, append([]string{"add", "--db", db, "--controller", "crisp", "--right", "access",
			"--subject", name, "--email", "s@example.org", "--received", "2025-03-03"}, more...)...)
		if status != exitOK {
			t.Fatalf("add %s: %s", name, errOut)
		}
		return strings.TrimSpace(out)
	}
	nowak := add("Zofia Nowak", "--identifier", "customer=C-1042", "--identifier", "account=AB-77")
	kowalski := add("Jan Kowalski", "--identifier", "customer=C-2001")
	for _, args := range [][]string{{"assign", nowak, "--to", "marc"}, {"tag", kowalski, "urgent"}} {
		if status, _, errOut := runCLI(t, env, append(args, "--db", db)...); status != exitOK {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	for query, want := range map[string]string{
		"C-1042":             nowak,
		"c-1042":             nowak,
		"c-10":               nowak,
		"ab-77":              nowak,
		"id:customer=c-2":    kowalski,
		"id:C-":              nowak + " " + kowalski,
		"customer":           "",
		"@marc":              nowak,
		"@marc zofia":        nowak,
		"@marc jan":          "",
		"marc":               "",
		"#urg":               kowalski,
		"#urgent kowalski":   kowalski,
		"#urgent id:c-1042":  "",
		"zofia id:AB-77":     nowak,
		"jan c-20":           kowalski,
		"kowalski c-1042":    "",
		"  id:c-1042   ":     nowak,
		"Zofia @":            nowak,
		"#urgent @marc jan ": "",
	} {
		status, out, errOut := runCLI(t, env, "list", "--db", db, "--all", "--query", query)
		if status != exitOK {
			t.Fatalf("list --query %q: %d %s", query, status, errOut)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "DSR-") {
				got = append(got, f[0])
			}
		}
		if strings.Join(got, " ") != want {
			t.Errorf("list --query %q: %q, want %q", query, got, want)
		}
	}
}
