package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorrectAndVoidInTmux corrects an intake mistake and voids a case
// from the app alone, at 80x24: C on the case screen opens the correction
// form (the fact a choice, starting on the subject), the case screen shows
// the corrected name; V asks for why, asks before it voids, and the case
// screen says VOIDED at its top; back on the queue the case is gone from
// the rows and the count, and the overview counts it apart. The command
// line then finds both events in the case's timeline.
func TestCorrectAndVoidInTmux(t *testing.T) {
	tx := startTmux(t)
	db := filepath.Join(tx.dir, "cases.db")
	now := "2026-11-23T09:00:00Z"
	cli := tx.cli(t, db, now)
	cli("init")
	kept := strings.TrimSpace(cli("add", "--controller", "crisp", "--right", "access", "--subject", "Anna Kowalska",
		"--email", "anna.k@example.org", "--received", "2026-11-20"))
	id := strings.TrimSpace(cli("add", "--controller", "crisp", "--right", "erasure", "--subject", "Zofia Nowakowska",
		"--email", "zofia@example.org", "--received", "2026-11-20"))
	env := "XDG_DATA_HOME=" + tx.dir + " XDG_CONFIG_HOME=" + tx.dir + " RIGHTSDESK_NOW=" + now + " RIGHTSDESK_ACTOR=anna TERM=xterm-256color"
	tx.tm("new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", env+" "+tx.bin+" --db "+db+" --color none; echo RIGHTSDESK-EXITED $?; sleep 60")
	tx.waitFor("the queue", func(s string) bool { return strings.Contains(s, id) && strings.Contains(s, "case 1 of 2") })

	tx.tm("send-keys", "/")
	tx.tm("send-keys", "-l", id)
	tx.waitFor("the filter's result", func(s string) bool { return strings.Contains(s, "1 of 2 cases") })
	tx.tm("send-keys", "Enter")
	tx.waitFor("the case screen", func(s string) bool { return strings.Contains(s, "Zofia Nowakowska") && strings.Contains(s, "Deadline") })

	tx.tm("send-keys", "C")
	tx.waitFor("the correction form", func(s string) bool {
		return strings.Contains(s, "Correct an intake fact · "+id) && strings.Contains(s, "‹ subject (now Zofia Nowakowska) ›")
	})
	tx.tm("send-keys", "Tab")
	tx.tm("send-keys", "-l", "Zofia Nowak")
	tx.tm("send-keys", "Tab")
	tx.tm("send-keys", "-l", "misspelt at intake")
	tx.tm("send-keys", "Enter")
	tx.waitFor("the corrected name", func(s string) bool {
		return strings.Contains(s, "corrected recorded (revision 2)") && strings.Contains(s, "subject              Zofia Nowak\n")
	})

	tx.tm("send-keys", "V")
	tx.waitFor("the void form", func(s string) bool { return strings.Contains(s, "Void a case recorded by mistake · "+id) })
	tx.tm("send-keys", "-l", "recorded twice; the request is "+kept)
	tx.tm("send-keys", "Enter")
	tx.waitFor("the question", func(s string) bool { return strings.Contains(s, "Void "+id+"? It leaves the queue") })
	tx.tm("send-keys", "y")
	tx.waitFor("VOIDED on the case screen", func(s string) bool {
		return strings.Contains(s, "voided recorded (revision 3)") && strings.Contains(s, "VOIDED Mon 23 Nov 2026 10:00 CET by anna: recorded twice") &&
			strings.Contains(s, " voided\n") // the header's countdown
	})

	tx.tm("send-keys", "Escape")
	tx.waitFor("the filtered queue", func(s string) bool { return strings.Contains(s, "filter: /"+id) && !strings.Contains(s, "VOIDED") })
	tx.tm("send-keys", "Escape") // clears the filter (two escapes at once would read as alt+esc)
	queue := tx.waitFor("the queue without the voided case", func(s string) bool {
		return strings.Contains(s, kept) && strings.Contains(s, "case 1 of 1") && strings.Contains(s, "1 open")
	})
	if strings.Contains(queue, id) {
		t.Errorf("the voided case is still in the queue:\n%s", queue)
	}
	tx.tm("send-keys", "v")
	tx.waitFor("the overview counting it apart", func(s string) bool {
		return strings.Contains(s, "all organisations: 1 case,") && strings.Contains(s, "voided, in no figure 1")
	})
	tx.tm("send-keys", "q")
	tx.waitFor("the exit", func(s string) bool { return strings.Contains(s, "RIGHTSDESK-EXITED 0") })

	var v struct {
		Subject struct{ Name string } `json:"subject"`
		Voided  *struct{ By, Reason string }
		Events  []struct{ Kind, Field, Value, Reason string }
	}
	if err := json.Unmarshal([]byte(cli("show", id, "--json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.Subject.Name != "Zofia Nowak" || v.Voided == nil || v.Voided.By != "anna" || len(v.Events) != 3 ||
		v.Events[1].Kind != "corrected" || v.Events[1].Field != "subject" || v.Events[1].Reason != "misspelt at intake" ||
		v.Events[2].Kind != "voided" {
		t.Errorf("show --json after the app: %+v", v)
	}
}
