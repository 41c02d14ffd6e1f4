package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// queueDesk is a database of three crisp access requests at the clock of
// 23 November 2026, and a command that runs the built binary on it.
func queueDesk(t *testing.T, tx *tmuxDriver) (cli func(args ...string)) {
	t.Helper()
	db := filepath.Join(tx.dir, "cases.db")
	env := append(os.Environ(), "XDG_DATA_HOME="+tx.dir, "XDG_CONFIG_HOME="+tx.dir, "RIGHTSDESK_NOW=2026-11-23T09:00:00Z",
		"RIGHTSDESK_ACTOR=anna")
	cli = func(args ...string) {
		t.Helper()
		cmd := exec.Command(tx.bin, append(args, "--db", db)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rightsdesk %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	cli("init")
	for _, r := range []struct{ name, email, received string }{
		{"Ewa Kowalska", "ewa@example.org", "2026-11-20"},      // DSR-2026-000001, due late December
		{"Jan Nowak", "jan@example.org", "2026-10-26"},         // DSR-2026-000002, due 26 November
		{"Olga Tokarczuk", "olga@example.org", "2026-11-02"},   // DSR-2026-000003, due 2 December
		{"Piotr Zieliński", "piotr@example.org", "2026-11-16"}, // DSR-2026-000004, due mid-December
	} {
		cli("add", "--controller", "crisp", "--right", "access", "--subject", r.name, "--email", r.email, "--received", r.received)
	}
	return cli
}

// startQueue runs the app at 80x24 on the desk's database and waits for its queue.
func startQueue(t *testing.T, tx *tmuxDriver) string {
	t.Helper()
	vars := "XDG_DATA_HOME=" + tx.dir + " XDG_CONFIG_HOME=" + tx.dir +
		" RIGHTSDESK_NOW=2026-11-23T09:00:00Z RIGHTSDESK_ACTOR=anna TERM=xterm-256color"
	tx.tm("new-session", "-d", "-x", "80", "-y", "24", "sh", "-c",
		vars+" "+tx.bin+" --db "+filepath.Join(tx.dir, "cases.db")+" --color none; echo RIGHTSDESK-EXITED $?; sleep 60")
	return tx.waitFor("the queue", func(s string) bool { return strings.Contains(s, "case 1 of") })
}

// rowOf is the screen's line of a case.
func rowOf(screen, id string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, id) {
			return l
		}
	}
	return ""
}

// TestAnswerNotSentInTmux (issue 19, item 3): a case closed as fulfilled
// with no letter sent is not finished: at 80x24 its row says "not sent"
// with the days left to its due date, second only to the case due sooner,
// above the open case due later; the header counts it; u shows it alone;
// once the command line records the letter sent, the row reads closed and
// fulfilled and sinks to the bottom.
func TestAnswerNotSentInTmux(t *testing.T) {
	tx := startTmux(t)
	cli := queueDesk(t, tx)
	cli("close", "DSR-2026-000003", "--outcome", "fulfilled")
	screen := startQueue(t, tx)
	lines := strings.Split(screen, "\n")
	if len(lines) < 5 || !strings.Contains(lines[2], "DSR-2026-000002") || !strings.Contains(lines[3], "DSR-2026-000003") {
		t.Fatalf("the case whose answer was not sent should be second, by its due date:\n%s", screen)
	}
	row := lines[3]
	if !strings.Contains(row, "not sent") || !strings.Contains(row, "9d ") || strings.Contains(row, "fulfilled") {
		t.Fatalf("its row should say not sent and count down 9 days: %q", row)
	}
	if !strings.Contains(lines[0], "1 answer not sent") {
		t.Errorf("the header should count it: %q", lines[0])
	}
	tx.tm("send-keys", "u")
	// The filter runs off the update loop: "searching 4 cases…" may show
	// first, and the result's count once it is done.
	filtered := tx.waitFor("the answer-not-sent filter's result", func(s string) bool {
		return strings.Contains(s, "filter: answer not sent") && strings.Contains(s, " of 4 cases")
	})
	if !strings.Contains(filtered, "1 of 4 cases") || rowOf(filtered, "DSR-2026-000003") == "" ||
		rowOf(filtered, "DSR-2026-000002") != "" || rowOf(filtered, "DSR-2026-000001") != "" {
		t.Fatalf("u shows the case whose answer was not sent, and only it:\n%s", filtered)
	}
	tx.tm("send-keys", "u")
	tx.waitFor("the whole queue", func(s string) bool { return !strings.Contains(s, "filter:") && rowOf(s, "DSR-2026-000001") != "" })
	cli("send", "DSR-2026-000003", "--letter", "final", "--outside", "--reason", "posted by hand at the desk")
	after := tx.waitFor("the answer sent", func(s string) bool {
		r := rowOf(s, "DSR-2026-000003")
		return strings.Contains(r, "closed") && strings.Contains(r, "fulfilled")
	})
	lines = strings.Split(after, "\n")
	if !strings.Contains(lines[5], "DSR-2026-000003") || strings.Contains(after, "answer not sent") {
		t.Fatalf("sent, the case is finished: at the bottom, no longer counted:\n%s", after)
	}
}

// TestAssigneeInQueueInTmux (issue 19, item 4): at 80x24 the queue says
// who has each case, a dash for nobody, and shows no e-mail address,
// masked or not.
func TestAssigneeInQueueInTmux(t *testing.T) {
	tx := startTmux(t)
	cli := queueDesk(t, tx)
	cli("assign", "DSR-2026-000002", "--to", "marc")
	screen := startQueue(t, tx)
	if r := rowOf(screen, "DSR-2026-000002"); !strings.Contains(r, " marc ") {
		t.Errorf("the assigned case's row should name marc: %q", r)
	}
	if r := rowOf(screen, "DSR-2026-000001"); !strings.Contains(r, " — ") {
		t.Errorf("an unassigned case's row should show a dash: %q", r)
	}
	if strings.Contains(screen, "@example") || strings.Contains(screen, "***") {
		t.Errorf("no e-mail address in the queue at 80 columns:\n%s", screen)
	}
	// r says where the address is rather than revealing an unseen one.
	tx.tm("send-keys", "r")
	tx.waitFor("the pointer to the case screen", func(s string) bool { return strings.Contains(s, "enter opens the case") })
}

// TestListUnanswered (issue 19, item 3): list --unanswered lists the cases
// closed with their answer not sent, and only them; a withdrawn request
// owes none; with --all and --overdue the answer not sent past its due
// date is overdue; once the letter is recorded sent the case leaves both.
func TestListUnanswered(t *testing.T) {
	d := newDesk(t, "2026-04-10T12:00:00Z")
	open := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	unsent := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-03")
	withdrawn := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-04")
	for _, c := range [][]string{{"close", unsent, "--outcome", "fulfilled"}, {"close", withdrawn, "--outcome", "withdrawn"}} {
		if status, _, errOut := d.run(c...); status != 0 {
			t.Fatalf("%v: %s", c, errOut)
		}
	}
	listed := func(args ...string) string {
		t.Helper()
		status, out, errOut := d.run(append([]string{"list"}, args...)...)
		if status != 0 {
			t.Fatalf("list %v: %s", args, errOut)
		}
		return out
	}
	out := listed("--unanswered")
	if !strings.Contains(out, unsent) || strings.Contains(out, open) || strings.Contains(out, withdrawn) ||
		!strings.Contains(out, "answer not sent · 7d OVERDUE") {
		t.Fatalf("list --unanswered:\n%s", out)
	}
	if out := listed("--overdue", "--all"); !strings.Contains(out, unsent) || !strings.Contains(out, open) || strings.Contains(out, withdrawn) {
		t.Errorf("list --overdue --all:\n%s", out)
	}
	if out := listed("--overdue"); strings.Contains(out, unsent) || !strings.Contains(out, open) {
		t.Errorf("list --overdue lists open cases:\n%s", out)
	}
	if status, _, errOut := d.run("send", unsent, "--letter", "final", "--outside", "--reason", "posted by hand"); status != 0 {
		t.Fatal(errOut)
	}
	if out := listed("--unanswered"); out != "" {
		t.Errorf("sent, the case leaves list --unanswered:\n%s", out)
	}
	if out := listed("--overdue", "--all"); strings.Contains(out, unsent) {
		t.Errorf("sent, the case is not overdue:\n%s", out)
	}
}

// TestListOfAnUnknownOrganisation: list --controller with an organisation
// the database has no register of is bad input (CLI.md: exit 2), while a
// known organisation without cases lists none, exit 0.
func TestListOfAnUnknownOrganisation(t *testing.T) {
	d := newDesk(t, "2026-04-10T12:00:00Z")
	d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	for _, args := range [][]string{{"list", "--controller", "nope"}, {"list", "--controller", "nope", "--json"}} {
		status, out, errOut := d.run(args...)
		if status != 2 || out != "" || !strings.Contains(errOut, `unknown organisation "nope" (known: callrix, closeq, crisp, crmsoftware, crystalqore)`) {
			t.Errorf("%v: %d %q %q", args, status, out, errOut)
		}
	}
	if status, out, errOut := d.run("list", "--controller", "callrix", "--json"); status != 0 || out != "[]\n" {
		t.Errorf("a known organisation without cases: %d %q %q", status, out, errOut)
	}
}
