package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/server"
)

// runInjected runs the command line in-process on the clock that env's
// RIGHTSDESK_NOW names, given as the team server's tests give theirs (not
// through the environment): events are recorded at that time without
// saying the clock was overridden.
func runInjected(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	now, err := time.Parse(time.RFC3339, env["RIGHTSDESK_NOW"])
	if err != nil {
		t.Fatalf("runInjected needs RIGHTSDESK_NOW: %v", err)
	}
	personal := func() (int, string, string) {
		var out, errOut bytes.Buffer
		getenv := func(k string) string {
			switch k {
			case "RIGHTSDESK_NOW":
				return ""
			case "RIGHTSDESK_CONFIG":
				if env[k] == "" {
					return noConfig
				}
			}
			return env[k]
		}
		status := runWith(args, &out, &errOut, getenv, cases.FixedClock(now))
		return status, out.String(), errOut.String()
	}
	if teamTests {
		return runTeam(t, env, args, personal)
	}
	return personal()
}

// osName is the name the program finds for the OS user running the tests.
func osName(t *testing.T) string {
	t.Helper()
	return osUserName(user.Current, user.Lookup, server.NSSName, func(string) string { return "" }, os.Getuid())
}

func TestAnOverriddenActorIsRecordedAndShown(t *testing.T) {
	personalOnly(t, "RIGHTSDESK_ACTOR is refused in team mode: the server records who calls")
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	// The OS user runs a command as bob, over SSH, on the system's clock.
	d.injectClock = true
	d.env["RIGHTSDESK_ACTOR"] = "bob"
	d.env["SSH_CONNECTION"] = "203.0.113.7 52000 10.0.0.1 22"
	d.ok("note", id, "--text", "called the subject")
	ev := lastEvent(d.show(id))
	if ev["actor"] != "bob" || !slices.Equal(stringsOf(ev["overridden"]), []string{"actor"}) || ev["reported_origin"] != "203.0.113.7" {
		t.Fatalf("show --json: actor %v overridden %v origin %v, want bob, [actor], 203.0.113.7", ev["actor"], ev["overridden"], ev["reported_origin"])
	}
	_, out, _ := d.run("show", id)
	line := lastLine(t, out)
	if !strings.Contains(line, "bob (actor overridden)") || !strings.Contains(line, "reported origin: 203.0.113.7") {
		t.Fatalf("show's timeline does not say it: %q", line)
	}
	// The case record says it too.
	dir := t.TempDir()
	d.ok("export", id, "--record", "--out", dir)
	rec := readRecordJSON(t, dir)
	evs := rec["events"].([]any)
	last := evs[len(evs)-1].(map[string]any)
	if !slices.Equal(stringsOf(last["overridden"]), []string{"actor"}) || last["reported_origin"] != "203.0.113.7" {
		t.Fatalf("record.json: %v", last)
	}
	html := readFileIn(t, dir, "record.html")
	if !strings.Contains(html, "actor overridden") || !strings.Contains(html, "reported origin 203.0.113.7") {
		t.Fatal("record.html does not say the actor was overridden and the origin reported")
	}
	// Naming oneself overrides nothing; the origin is still reported.
	d.env["RIGHTSDESK_ACTOR"] = osName(t)
	d.ok("note", id, "--text", "again")
	if ev := lastEvent(d.show(id)); ev["overridden"] != nil || ev["actor"] != osName(t) || ev["reported_origin"] != "203.0.113.7" {
		t.Fatalf("RIGHTSDESK_ACTOR naming the OS user: %v", ev)
	}
	// No override, no SSH: neither key.
	delete(d.env, "RIGHTSDESK_ACTOR")
	delete(d.env, "SSH_CONNECTION")
	d.ok("note", id, "--text", "and again")
	if ev := lastEvent(d.show(id)); ev["overridden"] != nil || ev["reported_origin"] != nil || ev["actor"] != osName(t) {
		t.Fatalf("the OS user on the system clock: %v", ev)
	}
}

func lastLine(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

func readFileIn(t *testing.T, dir, name string) string {
	t.Helper()
	var found string
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err == nil && filepath.Base(path) == name {
			found = path
		}
		return nil
	})
	data, err := os.ReadFile(found)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestAnOverriddenClockIsRecordedAndShown(t *testing.T) {
	personalOnly(t, "RIGHTSDESK_NOW is refused in team mode: the server records on its own clock")
	// The present is 20 February 2026. A case received Monday 5 January
	// must be extended by Thursday 5 February.
	d := newDesk(t, "2026-02-20T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-01-05")
	d.injectClock = true
	delete(d.env, "RIGHTSDESK_ACTOR")
	d.ok("extend", id, "--reason", "complex", "--at", "2026-01-20", "--late", "entered from the paper file")
	notice := []string{"send", id, "--letter", "extension-notice", "--outside", "--reason", "written in the DPO's mailbox"}
	// On the system's clock a notice dated 21 January needs --late: it is
	// a late entry, allowed and shown.
	if status, _, errOut := d.run(append(notice, "--at", "2026-01-21")...); status != 1 || !strings.Contains(errOut, "say why it is recorded late") {
		t.Fatalf("a backdated notice on the system clock: %d %q", status, errOut)
	}
	// RIGHTSDESK_NOW set to 21 January hides nothing: the event says its
	// clock was overridden, show and the working say so.
	d.injectClock = false
	d.env["RIGHTSDESK_NOW"] = "2026-01-21T10:00:00Z"
	d.ok(notice...)
	d.env["RIGHTSDESK_NOW"] = "2026-02-20T12:00:00Z"
	v := d.show(id)
	ev := lastEvent(v)
	if ev["letter"] != "extension-notice" || !slices.Equal(stringsOf(ev["overridden"]), []string{"clock"}) || ev["recorded_at"] != "2026-01-21T10:00:00Z" {
		t.Fatalf("the notice under RIGHTSDESK_NOW: %v", ev)
	}
	steps := strings.Join(stringsOf(v["steps"]), "\n")
	if !strings.Contains(steps, "the extension notice of 2026-01-21 was recorded under an overridden clock (RIGHTSDESK_NOW)") {
		t.Fatalf("the working does not say the notice's clock was overridden:\n%s", steps)
	}
	_, out, _ := d.run("show", id)
	if line := lastLine(t, out); !strings.Contains(line, "sent") || !strings.Contains(line, "(clock overridden)") {
		t.Fatalf("show's timeline does not say it: %q", line)
	}
}

func TestAnApprovalUnderAnOverriddenClockNeverCounts(t *testing.T) {
	personalOnly(t, "RIGHTSDESK_NOW is refused in team mode: the server records on its own clock")
	d := newDesk(t, "2026-03-10T12:00:00Z")
	approvalRegister(t, d, `"refusal"`)
	id := d.refusedCase("anna", "anna")
	// The OS user, who neither exported nor decided, under RIGHTSDESK_NOW
	// only: recorded, shown, never counted.
	delete(d.env, "RIGHTSDESK_ACTOR")
	status, _, errOut := d.run("approve", id)
	if status != 0 || !strings.Contains(errOut, "warning: recorded under RIGHTSDESK_NOW") {
		t.Fatalf("an approval under RIGHTSDESK_NOW: %d %q", status, errOut)
	}
	if ev := lastEvent(d.show(id)); ev["kind"] != "approved" || !slices.Equal(stringsOf(ev["overridden"]), []string{"clock"}) {
		t.Fatalf("recorded as such: %v", ev)
	}
	d.as("anna")
	d.refused(id, 1, "does not count: recorded under an overridden clock (RIGHTSDESK_NOW)", "send", id)
	dir := t.TempDir()
	d.ok("export", id, "--record", "--out", dir)
	approvals := readRecordJSON(t, dir)["approvals"].([]any)
	if a := approvals[0].(map[string]any); a["counts"] != false || !strings.Contains(a["not_counted"].(string), "overridden clock") {
		t.Fatalf("the record counts it: %v", a)
	}
	// The same approval on the system's clock counts.
	d.as("")
	d.ok("approve", id)
	d.as("anna")
	d.ok("send", id)
}

func TestWritesWaitForAClockThatSteppedBack(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	d.injectClock = true
	d.ok("note", id, "--text", "at noon")
	// The system's clock steps back an hour: every write is refused with
	// one line and exit 3, nothing recorded.
	d.env["RIGHTSDESK_NOW"] = "2026-03-10T11:00:00Z"
	d.refused(id, 3, "rightsdesk: the clock is behind the last recorded change", "note", id, "--text", "an hour back")
	status, _, errOut := d.run("add", "--subject", "Other", "--email", "o@example.org", "--controller", "crisp", "--right", "access")
	if status != 3 || !strings.Contains(errOut, "writes are refused until it catches up") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("add under a clock an hour back: %d %q", status, errOut)
	}
	if teamTests {
		return // team mode has no RIGHTSDESK_NOW: the rest is personal mode's
	}
	// RIGHTSDESK_NOW is outside the rule: it says so on the event.
	d.injectClock = false
	d.ok("note", id, "--text", "under RIGHTSDESK_NOW")
	// Caught up: writes again, and check finds the order kept.
	d.injectClock = true
	d.env["RIGHTSDESK_NOW"] = "2026-03-10T12:00:01Z"
	d.ok("note", id, "--text", "caught up")
	if status, out, errOut := d.run("check"); status != 0 {
		t.Fatalf("check: %s %s", out, errOut)
	}
}

func TestTheOSUserWhenTheSystemCannotSay(t *testing.T) {
	none := func() (*user.User, error) { return nil, user.UnknownUserIdError(1000) }
	accounts := map[string]string{"bob": "1000", "root": "0"}
	lookup := func(name string) (*user.User, error) {
		if uid, ok := accounts[name]; ok {
			return &user.User{Username: name, Uid: uid}, nil
		}
		return nil, user.UnknownUserError(name)
	}
	noGetent := func(int) string { return "" }
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	for _, tt := range []struct {
		name   string
		getent func(int) string
		vars   map[string]string
		want   string
	}{
		{"a directory-service account NSS knows", func(int) string { return "ldap.anna" }, map[string]string{"USER": "bob"}, "ldap.anna"},
		{"$USER naming the account", noGetent, map[string]string{"USER": "bob"}, "bob"},
		{"$LOGNAME naming the account", noGetent, map[string]string{"USER": "root", "LOGNAME": "bob"}, "bob"},
		{"$USER naming another account", noGetent, map[string]string{"USER": "root"}, "uid:1000"},
		{"nothing", noGetent, nil, "uid:1000"},
	} {
		if got := osUserName(none, lookup, tt.getent, env(tt.vars), 1000); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := osUserName(user.Current, user.Lookup, server.NSSName, env(map[string]string{"USER": "someone-else"}), os.Getuid()); got == "someone-else" {
		t.Errorf("$USER was taken over the system's answer")
	}
}

// rawControl finds a character a terminal acts on, raw in b: C0 but line
// ends and tabs, DEL, C1.
func rawControl(b []byte) (rune, bool) {
	for _, r := range string(b) {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return r, true
		}
	}
	return 0, false
}

func TestMachineOutputCarriesNoRawControls(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	data := t.TempDir()
	d.env["XDG_DATA_HOME"] = data
	hostile := "Zoé\x1b]0;pwned\x07\u009b2J\x7f\u0085\u202eLefèvre"
	status, out, errOut := d.run("add", "--controller", "crisp", "--right", "access", "--received", "2026-03-02",
		"--subject", hostile, "--email", "zoe@example.org", "--text", "give me my data\x1b[31m\u009b1m please")
	if status != 0 {
		t.Fatal(errOut)
	}
	id := strings.TrimSpace(out)
	d.ok("note", id, "--text", "called\x1b[2J her \u009b back")
	outputs := map[string][]byte{}
	for _, args := range [][]string{{"show", id, "--json"}, {"list", "--json"}, {"report", "--json"}, {"report", "--csv"},
		{"export", id, "--json"}, {"check", "--json"}} {
		status, out, errOut := d.run(args...)
		if status != 0 {
			t.Fatalf("%v: %d %s", args, status, errOut)
		}
		outputs[strings.Join(args, " ")] = []byte(out)
	}
	var v map[string]any
	if err := json.Unmarshal(outputs["show "+id+" --json"], &v); err != nil || v["subject"].(map[string]any)["name"] != hostile {
		t.Fatalf("show --json reads back as %v (%v), want the name verbatim", v["subject"], err)
	}
	records := t.TempDir()
	d.ok("export", id, "--record", "--out", records)
	filepath.WalkDir(data, func(path string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && !strings.HasSuffix(path, ".db") {
			b, _ := os.ReadFile(path)
			outputs[path] = b
		}
		return nil
	})
	filepath.WalkDir(records, func(path string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			b, _ := os.ReadFile(path)
			outputs[path] = b
		}
		return nil
	})
	for name, b := range outputs {
		if strings.HasSuffix(name, ".zip") {
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range zr.File {
				rc, _ := f.Open()
				content, _ := io.ReadAll(rc)
				rc.Close()
				if r, found := rawControl(content); found {
					t.Errorf("%s in %s carries a raw U+%04X", f.Name, filepath.Base(name), r)
				}
			}
			continue
		}
		if r, found := rawControl(b); found {
			t.Errorf("%s carries a raw U+%04X", name, r)
		}
	}
	if len(outputs) < 9 {
		t.Fatalf("only %d outputs scanned", len(outputs))
	}
}

func TestImportRefusesOversizedText(t *testing.T) {
	// The review's 5 MB name and 30 MB request: each names its line and
	// its limit (a name 1 KB, a request 256 KB), and nothing is imported.
	good := "crisp,access,Zoé Lefèvre,zoe@example.org,2026-11-02,email,send me my data\n"
	hugeName := "crisp,access," + strings.Repeat("N", 5<<20) + ",n@example.org,2026-11-02,email,t\n"
	textMB := 30
	if testing.Short() {
		textMB = 2 // the race detector's step
	}
	hugeText := "crisp,erasure,Y,y@example.org,2026-11-02,email," + strings.Repeat("w", textMB<<20) + "\n"
	atLimit := "crisp,access," + strings.Repeat("n", cases.MaxNameBytes) + ",m@example.org,2026-11-02,email," +
		strings.Repeat("t", cases.MaxRequestBytes) + "\n"
	env := importEnv(t)
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	file := writeFile(t, "requests.csv", importHeader+good+hugeName+good+hugeText)
	start := time.Now()
	status, out, errOut := runCLI(t, env, "import", file, "--db", db)
	if status != 2 || out != "" || !strings.Contains(errOut, "2 bad rows") || !strings.Contains(errOut, "nothing was imported") ||
		!strings.Contains(errOut, file+":3: subject is 5.0 MB long: at most 1 KB") ||
		!strings.Contains(errOut, fmt.Sprintf("%s:5: text is %d.0 MB long: at most 256 KB", file, textMB)) || strings.Count(errOut, "\n") != 3 {
		t.Fatalf("status %d, stdout %q, stderr %.500q", status, out, errOut)
	}
	t.Logf("refused a %d MB file in %s", 5+textMB, time.Since(start).Round(time.Millisecond))
	if status, out, _ := runCLI(t, env, "list", "--all", "--db", db); status == 0 && strings.TrimSpace(out) != "" {
		t.Fatalf("something was imported: %q", out)
	}
	// At the limits exactly: imported.
	if status, _, errOut := runCLI(t, env, "import", writeFile(t, "ok.csv", importHeader+atLimit), "--db", db); status != 0 {
		t.Fatalf("a name of 1 KB and a request of 256 KB: %d %s", status, errOut)
	}
}

func TestTimesBeyondWhatTheEngineHoldsAreBadInput(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	// Each is exit 2, one line naming what was given and the years
	// accepted; nothing recorded.
	d.refused(id, 2, `--at: date "9999-01-01" is out of range (years 1970 to 2199)`, "note", id, "--text", "x", "--at", "9999-01-01")
	d.refused(id, 2, `"2262-04-12T00:00:00Z" is out of range (years 1970 to 2199)`, "note", id, "--text", "x", "--at", "2262-04-12T00:00:00Z")
	for _, now := range []string{"9999-01-01T00:00:00Z", "2262-04-12T00:00:00Z", "1969-12-31T23:59:59Z"} {
		env := map[string]string{"RIGHTSDESK_NOW": now, "RIGHTSDESK_ACTOR": "anna"}
		for _, args := range [][]string{{"list"}, {"show", id, "--json"}, {"note", id, "--text", "x"}} {
			status, out, errOut := runCLI(t, env, append(args, "--db", d.db)...)
			if status != 2 || out != "" || errOut != "rightsdesk: RIGHTSDESK_NOW: time \""+now+"\" is out of range (years 1970 to 2199)\n" {
				t.Errorf("RIGHTSDESK_NOW=%s %v: %d %q %q", now, args, status, out, errOut)
			}
		}
	}
	if status, _, errOut := d.run("add", "--subject", "A", "--email", "a@example.org", "--controller", "crisp", "--right", "access",
		"--received", "2300-01-01T00:00:00Z"); status != 2 || !strings.Contains(errOut, "out of range (years 1970 to 2199)") {
		t.Errorf("add --received 2300: %d %q", status, errOut)
	}
	if status, _, errOut := runCLI(t, nil, "deadline", "--regime", "eu-gdpr", "--calendar", "FR", "--tz", "Europe/Paris",
		"--received", "9999-12-31"); status != 2 || !strings.Contains(errOut, "out of range (years 1970 to 2199)") {
		t.Errorf("deadline --received 9999: %d %q", status, errOut)
	}
	// The last second accepted: the countdown counts the days since the
	// deadline (the end of 2 April 2026 in Paris is 63,460 days and two
	// hours before the end of 31 December 2199 in UTC, by Python's date
	// arithmetic, and the day begun counts), and the case's JSON holds its
	// dates.
	d.env["RIGHTSDESK_NOW"] = "2199-12-31T23:59:59Z"
	_, out, errOut := d.run("list")
	if !strings.Contains(out, "63461d OVERDUE") {
		t.Errorf("list in the last second of 2199: %q %q", out, errOut)
	}
	if v := d.show(id); v["due"] == nil {
		t.Errorf("show --json in 2199: %v", v)
	}
}

func TestAFileIsNamedOnceInAnError(t *testing.T) {
	for in, want := range map[string]string{
		"open /srv/cases.db: open /srv/cases.db: permission denied":                     "open /srv/cases.db: permission denied",
		"create /tmp/out: mkdir /tmp/out: not a directory":                              "create /tmp/out: not a directory",
		"import: read /tmp/a.csv: is a directory":                                       "import: read /tmp/a.csv: is a directory",
		"backup /b/x.db: open /b/x.db.partial: no such file or directory":               "backup /b/x.db: open /b/x.db.partial: no such file or directory",
		"add: received: date \"9999-01-01\" is out of range (years 1970 to 2199)":       "add: received: date \"9999-01-01\" is out of range (years 1970 to 2199)",
		"the clock is behind the last recorded change (it says a, recorded at b); wait": "the clock is behind the last recorded change (it says a, recorded at b); wait",
	} {
		if got := samePathOnce(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	// Through the command line: a packet folder that is a file.
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	file := writeFile(t, "not-a-folder", "x")
	status, _, errOut := d.run("export", id, "--out", file)
	if status == 0 || strings.Count(errOut, file) != 1 {
		t.Errorf("export --out FILE: %d %q names the file once", status, errOut)
	}
}
