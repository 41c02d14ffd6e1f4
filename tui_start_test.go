package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rightsdesk/storage"
)

// TestClosedCasesOnRequestInTmux (issue 20): the app starts on the cases
// owing an answer; the closed ones, most of a desk's archive, are read
// when asked for: G to the last open case brings them after it, and a
// query finds a closed case by its subject.
func TestClosedCasesOnRequestInTmux(t *testing.T) {
	tx := startTmux(t)
	db := filepath.Join(tx.dir, "cases.db")
	demo := exec.Command(tx.bin, "demo", "--db", db, "--cases", "300")
	demo.Env = append(os.Environ(), "XDG_DATA_HOME="+tx.dir, "XDG_CONFIG_HOME="+tx.dir, "RIGHTSDESK_NOW=2026-11-23T09:00:00Z")
	if out, err := demo.CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	screen := startQueue(t, tx)
	count := regexp.MustCompile(`case 1 of (\d+)`).FindStringSubmatch(screen)
	if count == nil {
		t.Fatalf("no count:\n%s", screen)
	}
	open, _ := strconv.Atoi(count[1])
	if open >= 300 || open < 20 || strings.Contains(screen, " closed ") {
		t.Fatalf("the queue at start should hold the open cases only, %d of 300:\n%s", open, screen)
	}
	tx.tm("send-keys", "G")
	tx.waitFor("the closed cases after the last open one", func(s string) bool {
		m := regexp.MustCompile(`case \d+ of (\d+)`).FindStringSubmatch(s)
		return m != nil && m[1] != count[1] && !strings.Contains(s, "loading closed")
	})
	tx.tm("send-keys", "G")
	screen = tx.waitFor("the last case, closed", func(s string) bool {
		m := regexp.MustCompile(`case (\d+) of (\d+)`).FindStringSubmatch(s)
		return m != nil && m[1] == m[2] && strings.Contains(s, "closed")
	})
	id := ""
	for _, line := range strings.Split(screen, "\n") {
		if f := strings.Fields(line); len(f) > 5 && strings.Contains(line, " closed ") && strings.HasPrefix(f[0], "DSR-") {
			id = f[0]
		}
	}
	if id == "" {
		t.Fatalf("no closed case on the last screen:\n%s", screen)
	}
	tx.tm("send-keys", "g", "/")
	tx.tm("send-keys", "-l", id)
	tx.waitFor("the closed case by its ID", func(s string) bool {
		return strings.Contains(s, "filter: /"+id) && strings.Contains(rowOf(s, id), "closed") && !strings.Contains(s, "searching")
	})
}

// TestTheAppReadsARegisterChangedSinceItStarted: the registers the app's
// export and approval screen use are the ones stored when they act: a
// register imported meanwhile (elsewhere) is read again, so that a packet
// states the register's facts of today.
func TestTheAppReadsARegisterChangedSinceItStarted(t *testing.T) {
	personalOnly(t, "the app's store is opened in-process")
	d := newDesk(t, "2026-03-10T12:00:00Z")
	importRegister(t, d.env, d.db, "crisp", filledRegister(t, "crisp"))
	st := storage.Open(d.db, storage.Options{})
	defer st.Close()
	regs := &startRegisters{src: st, done: make(chan struct{})}
	legal := func() string {
		t.Helper()
		cur, err := regs.fresh()
		if err != nil {
			t.Fatal(err)
		}
		r, err := cur.Get("crisp")
		if err != nil {
			t.Fatal(err)
		}
		return r.LegalName.Value
	}
	if got := legal(); got != "Crisp IM SAS" {
		t.Fatalf("at start: %q", got)
	}
	importRegister(t, d.env, d.db, "crisp", strings.Replace(filledRegister(t, "crisp"), "Crisp IM SAS", "Crisp Renamed SAS", 1))
	if got := legal(); got != "Crisp Renamed SAS" {
		t.Fatalf("after a change elsewhere: %q", got)
	}
}
