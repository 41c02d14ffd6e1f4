package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// desk is a database driven through the command line, as a script would.
type desk struct {
	t   *testing.T
	db  string
	env map[string]string
	// injectClock runs the commands on the desk's clock given in-process
	// (runInjected), not through RIGHTSDESK_NOW: their events do not say
	// the clock was overridden.
	injectClock bool
}

func newDesk(t *testing.T, now string) *desk {
	t.Helper()
	d := &desk{t: t, db: filepath.Join(t.TempDir(), "cases.db"),
		env: map[string]string{"RIGHTSDESK_NOW": now, "RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": t.TempDir()}}
	if status, _, errOut := d.run("init"); status != 0 {
		t.Fatalf("init: %s", errOut)
	}
	return d
}

func (d *desk) run(args ...string) (int, string, string) {
	d.t.Helper()
	if d.injectClock {
		return runInjected(d.t, d.env, append(args, "--db", d.db)...)
	}
	return runCLI(d.t, d.env, append(args, "--db", d.db)...)
}

// add records a request and returns its first case's ID.
func (d *desk) add(args ...string) string {
	d.t.Helper()
	status, out, errOut := d.run(append([]string{"add", "--subject", "Zoé Lefèvre", "--email", "zoe@example.org"}, args...)...)
	if status != 0 {
		d.t.Fatalf("add %v: %s", args, errOut)
	}
	return strings.Fields(out)[0]
}

// show is the case as show --json prints it.
func (d *desk) show(id string) map[string]any {
	d.t.Helper()
	status, out, errOut := d.run("show", id, "--json")
	if status != 0 {
		d.t.Fatalf("show %s: %s", id, errOut)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		d.t.Fatal(err)
	}
	return v
}

func lastEvent(v map[string]any) map[string]any {
	evs := v["events"].([]any)
	return evs[len(evs)-1].(map[string]any)
}

// calculator is what the deadline command says for the same receipt and
// clock events.
func calculator(t *testing.T, args ...string) map[string]any {
	t.Helper()
	status, out, errOut := runCLI(t, nil, append([]string{"deadline", "--json"}, args...)...)
	if status != 0 {
		t.Fatalf("deadline %v: %s", args, errOut)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// fillRegister gives configHome its own copy of a built-in register with
// the facts every letter needs (who the controller is, where to reply)
// filled in by the DPO, as a DPO does before the first letter leaves.
func fillRegister(t *testing.T, env map[string]string, db, id string) {
	t.Helper()
	importRegister(t, env, db, id, filledRegister(t, id))
}

// filledRegister is the built-in register id with the legal name and the
// privacy contact filled in by the DPO.
func filledRegister(t *testing.T, id string) string {
	t.Helper()
	src, err := os.ReadFile("cases/register/registers/" + id + ".toml")
	if err != nil {
		t.Fatal(err)
	}
	filled := string(src)
	for fact, value := range map[string]string{"legal_name": "Crisp IM SAS", "privacy_contact": "privacy@crisp.example"} {
		filled = regexp.MustCompile(`(?m)^`+fact+` = .*$`).ReplaceAllString(filled,
			fact+` = { value = "`+value+`", source = "dpo" }`)
	}
	return filled
}

// importRegister stores text as the next version of register id in db, as
// a DPO does with controllers ID import FILE.
func importRegister(t *testing.T, env map[string]string, db, id, text string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), id+".toml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if status, _, errOut := runCLI(t, env, "controllers", id, "import", file, "--db", db); status != 0 {
		t.Fatalf("controllers %s import: %d %s", id, status, errOut)
	}
}

func TestEachAction(t *testing.T) {
	// Crisp: EU GDPR, Paris, French holidays. Received Monday 2 March 2026;
	// the month ends Thursday 2 April (Art. 12(3), EDPB example: same day
	// of the next month).
	d := newDesk(t, "2026-03-10T12:00:00Z")
	fillRegister(t, d.env, d.db, "crisp")
	attachment := filepath.Join(t.TempDir(), "orders.csv")
	os.WriteFile(attachment, []byte("order,date\n1042,2026-01-05\n"), 0o600)
	type step = []string
	tests := []struct {
		name      string
		setup     []step // commands run on the case first (ID is appended)
		action    step
		status    int
		errHas    string
		event     string // the kind of the event recorded
		wantState string // status/clock after
	}{
		{"acknowledge", nil, step{"acknowledge"}, 0, "", "acknowledged", "in-progress/running"},
		{"acknowledge twice", []step{{"acknowledge"}}, step{"acknowledge"}, 1, "already acknowledged", "", ""},
		{"request-id", nil, step{"request-id", "--reason", "the address differs"}, 0, "", "id-requested", "awaiting-id/paused"},
		{"request-id needs a reason", nil, step{"request-id"}, 1, "reason", "", ""},
		{"id-received", []step{{"request-id", "--reason", "r", "--at", "2026-03-03", "--late", "entered from the paper file"}}, step{"id-received"}, 0, "", "id-received", "in-progress/running"},
		{"id-received unasked", nil, step{"id-received"}, 1, "nothing was asked", "", ""},
		{"verify ends the wait", []step{{"request-id", "--reason", "r", "--at", "2026-03-03", "--late", "entered from the paper file"}}, step{"verify", "--method", "account login"}, 0, "", "identity-verified", "in-progress/running"},
		{"verify needs a method", nil, step{"verify"}, 1, "--method", "", ""},
		{"request-info", nil, step{"request-info", "--reason", "which account?"}, 0, "", "clarification-requested", "awaiting-info/paused"},
		{"info-received", []step{{"request-info", "--reason", "r", "--at", "2026-03-03", "--late", "entered from the paper file"}}, step{"info-received"}, 0, "", "clarification-received", "in-progress/running"},
		{"request-authority of the subject", nil, step{"request-authority"}, 1, "this request is from the subject", "", ""},
		{"request-fee", nil, step{"request-fee", "--amount", "EUR 25"}, 0, "", "fee-requested", "awaiting-info/running"},
		{"request-fee needs an amount", nil, step{"request-fee"}, 1, "amount", "", ""},
		{"fee-paid", []step{{"request-fee", "--amount", "EUR 25"}}, step{"fee-paid"}, 0, "", "fee-paid", "in-progress/running"},
		{"extend", nil, step{"extend", "--reason", "complex: 14 systems"}, 0, "", "extension-decided", "in-progress/running"},
		{"extend needs reasons", nil, step{"extend"}, 1, "reasons", "", ""},
		{"send", []step{{"export", "--letter", "acknowledgement", "--out", t.TempDir()}},
			step{"send", "--letter", "acknowledgement", "--channel", "email", "--to", "zoe@example.org"}, 0, "", "sent", "in-progress/running"},
		{"send what was not exported", nil, step{"send", "--letter", "acknowledgement"}, 1, "no acknowledgement letter was exported", "", ""},
		{"send another way", nil, step{"send", "--letter", "acknowledgement", "--outside", "--reason", "written by hand at the desk"}, 0, "", "sent", "in-progress/running"},
		{"send another way without why", nil, step{"send", "--letter", "acknowledgement", "--outside"}, 1, "(--reason)", "", ""},
		{"send an unknown letter", nil, step{"send", "--letter", "postcard"}, 2, "unknown letter", "", ""},
		{"notify", nil, step{"notify", "--recipient", "Public authorities, in criminal investigations or where disclosure is required by law or a public authority decision"}, 0, "", "recipient-notified", "in-progress/running"},
		{"notify one the register does not name", nil, step{"notify", "--recipient", "Stripe"}, 2, "not a recipient in the register of crisp", "", ""},
		{"notify whom", nil, step{"notify"}, 1, "recipient", "", ""},
		{"recipients", nil, step{"recipients"}, 0, "", "recipients-chosen", "new/running"},
		{"recipients not in the register", nil, step{"recipients", "--only", "Acme Ltd"}, 2, "not a recipient", "", ""},
		{"assign", nil, step{"assign", "--to", "marc"}, 0, "", "assigned", "new/running"},
		{"assign to whom", nil, step{"assign"}, 1, "--to", "", ""},
		{"tag", nil, step{"tag", "vip", "press"}, 0, "", "tagged", "new/running"},
		{"untag what is not there", nil, step{"untag", "vip"}, 1, "no tag", "", ""},
		{"note", nil, step{"note", "--text", "called back"}, 0, "", "noted", "new/running"},
		{"note needs text", nil, step{"note"}, 1, "text", "", ""},
		{"attach", nil, step{"attach", attachment, "--category", "orders", "--system", "shop"}, 0, "", "attached", "in-progress/running"},
		{"attach a missing file", nil, step{"attach", "/nonexistent/x.csv"}, 2, "x.csv", "", ""},
		{"withhold", []step{{"attach", attachment}}, step{"withhold", "orders.csv", "--ground", "rights-of-others", "--reason", "names a colleague"}, 0, "", "withheld", "in-progress/running"},
		{"withhold an unknown file", nil, step{"withhold", "x.csv", "--ground", "rights-of-others", "--reason", "r"}, 1, "no attached file", "", ""},
		{"close", nil, step{"close", "--outcome", "fulfilled"}, 0, "", "closed", "closed/stopped"},
		{"close without an outcome", nil, step{"close"}, 1, "outcome", "", ""},
		{"refuse without grounds", nil, step{"close", "--outcome", "refused", "--reason", "r"}, 1, "ground", "", ""},
		{"refuse", nil, step{"close", "--outcome", "refused", "--ground", "manifestly-unfounded", "--reason", "the fourth identical request this month"}, 0, "", "closed", "closed/stopped"},
		{"redirect what is the organisation's own", nil, step{"close", "--outcome", "redirected", "--redirect-to", "Acme SAS, privacy@example.com"}, 1, "every item is for-customer", "", ""},
		{"close a closed case", []step{{"close", "--outcome", "no-data"}}, step{"close", "--outcome", "fulfilled"}, 1, "already closed", "", ""},
		{"reopen", []step{{"close", "--outcome", "fulfilled"}}, step{"reopen", "--reason", "complaint"}, 0, "", "reopened", "in-progress/running"},
		{"reopen an open case", nil, step{"reopen", "--reason", "complaint"}, 1, "not closed", "", ""},
		{"reopen for no reason", []step{{"close", "--outcome", "fulfilled"}}, step{"reopen", "--reason", "whim"}, 2, "reopen reason", "", ""},
		{"rebaseline", nil, step{"rebaseline", "--reason", "register version 2"}, 0, "", "rebaselined", "new/running"},
		{"rebaseline needs a reason", nil, step{"rebaseline"}, 1, "reason", "", ""},
		{"an action over a day back", nil, step{"note", "--text", "x", "--at", "2026-03-08"}, 1, "(--late)", "", ""},
		{"an action over a day back, said why", nil, step{"note", "--text", "x", "--at", "2026-03-08", "--late", "the call was logged on paper"}, 0, "", "noted", "new/running"},
		{"an action in the future", nil, step{"note", "--text", "x", "--at", "2026-03-11"}, 1, "in the future", "", ""},
		{"an action before receipt", nil, step{"note", "--text", "x", "--at", "2026-03-01"}, 1, "before the receipt", "", ""},
		{"a malformed time", nil, step{"note", "--text", "x", "--at", "2026-02-30"}, 2, "malformed time", "", ""},
		{"an unknown case", nil, step{"acknowledge", "--if-revision", "1"}, 2, "no case", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.t = t
			id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
			for _, s := range tc.setup {
				if status, _, errOut := d.run(append([]string{s[0], id}, s[1:]...)...); status != 0 {
					t.Fatalf("setup %v: %s", s, errOut)
				}
			}
			target := id
			if tc.name == "an unknown case" {
				target = "DSR-2026-999999"
			}
			before := d.show(id)
			status, out, errOut := d.run(append([]string{tc.action[0], target, "--json"}, tc.action[1:]...)...)
			if status != tc.status || !strings.Contains(errOut, tc.errHas) {
				t.Fatalf("status %d (want %d), stderr %q (want %q)", status, tc.status, errOut, tc.errHas)
			}
			after := d.show(id)
			if tc.status != 0 {
				if after["revision"] != before["revision"] || out != "" || strings.Count(errOut, "\n") != 1 {
					t.Fatalf("a refusal changed the case or printed more than one line: rev %v -> %v, %q %q", before["revision"], after["revision"], out, errOut)
				}
				return
			}
			var printed map[string]any
			if err := json.Unmarshal([]byte(out), &printed); err != nil || strings.Count(out, "\n") != 1 {
				t.Fatalf("--json must print one value on one line: %v %q", err, out)
			}
			ev := lastEvent(after)
			if ev["kind"] != tc.event || ev["actor"] != "anna" || ev["recorded_at"] != "2026-03-10T12:00:00Z" {
				t.Fatalf("recorded event %v, want %s by anna", ev, tc.event)
			}
			if got := fmt.Sprintf("%s/%s", after["status"], after["clock"]); got != tc.wantState {
				t.Fatalf("after %s: %s, want %s", tc.name, got, tc.wantState)
			}
			if printed["revision"] != after["revision"] || after["revision"].(float64) != before["revision"].(float64)+1 {
				t.Fatalf("revision: printed %v, stored %v, before %v", printed["revision"], after["revision"], before["revision"])
			}
		})
	}
}

func TestEUPauseThroughTheCommandsMatchesTheCalculator(t *testing.T) {
	d := newDesk(t, "2026-03-20T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	for _, s := range [][]string{
		{"request-id", id, "--reason", "the address differs", "--at", "2026-03-04", "--late", "entered from the paper file"},
		{"verify", id, "--method", "video call", "--at", "2026-03-09", "--late", "entered from the paper file"},
	} {
		if status, _, errOut := d.run(s...); status != 0 {
			t.Fatalf("%v: %s", s, errOut)
		}
	}
	got := d.show(id)
	want := calculator(t, "--regime", "eu-gdpr", "--calendar", "FR", "--tz", "Europe/Paris", "--received", "2026-03-02",
		"--event", "id-requested@2026-03-04", "--event", "id-received@2026-03-09")
	for _, f := range []string{"due", "base_due", "due_without_pause", "clock", "paused_days"} {
		if fmt.Sprint(got[f]) != fmt.Sprint(want[f]) {
			t.Errorf("%s: the case says %v, the calculator %v", f, got[f], want[f])
		}
	}
	if got["due"] == got["due_without_pause"] {
		t.Errorf("a pause inside the window must move the deadline: due %v", got["due"])
	}
}

func TestUKRestartThroughTheCommandsMatchesTheCalculator(t *testing.T) {
	d := newDesk(t, "2026-03-20T12:00:00Z")
	crisp, err := os.ReadFile("cases/register/registers/crisp.toml")
	if err != nil {
		t.Fatal(err)
	}
	uk := strings.Replace(string(crisp), `id = "crisp"`, `id = "ukshop"`, 1)
	clock := regexp.MustCompile(`(?m)^(regime|zone|calendar) = .*$`)
	uk = clock.ReplaceAllStringFunc(uk, func(line string) string {
		name := strings.Fields(line)[0]
		return name + ` = { value = "` + map[string]string{"regime": "uk-gdpr", "zone": "Europe/London", "calendar": "GB-EAW"}[name] + `", source = "dpo" }`
	})
	importRegister(t, d.env, d.db, "ukshop", uk)
	id := d.add("--controller", "ukshop", "--right", "access", "--received", "2026-03-02")
	if status, _, errOut := d.run("request-id", id, "--reason", "r", "--at", "2026-03-04", "--late", "entered from the paper file"); status != 0 {
		t.Fatal(errOut)
	}
	if v := d.show(id); v["clock"] != "awaiting-restart" || v["status"] != "awaiting-id" {
		t.Fatalf("UK: asking for identity awaits a restart: %v/%v", v["status"], v["clock"])
	}
	if status, _, errOut := d.run("id-received", id, "--at", "2026-03-09", "--late", "entered from the paper file"); status != 0 {
		t.Fatal(errOut)
	}
	got := d.show(id)
	want := calculator(t, "--regime", "uk-gdpr", "--calendar", "GB-EAW", "--tz", "Europe/London", "--received", "2026-03-02",
		"--event", "id-requested@2026-03-04", "--event", "id-received@2026-03-09")
	// ICO: the month restarts from the day the information arrives: 9 April.
	if got["due"] != "2026-04-09" || got["due"] != want["due"] || got["clock"] != want["clock"] {
		t.Fatalf("UK restart: case due %v clock %v, calculator due %v clock %v", got["due"], got["clock"], want["due"], want["clock"])
	}
}

func TestExtensionNoticeInTimeAndLate(t *testing.T) {
	d := newDesk(t, "2026-02-20T12:00:00Z")
	// Received Monday 5 January 2026: the month ends Thursday 5 February;
	// the notice of an extension must reach the subject by then.
	inTime := d.add("--controller", "crisp", "--right", "access", "--received", "2026-01-05")
	late := d.add("--controller", "crisp", "--right", "erasure", "--received", "2026-01-05")
	// The letters were written and e-mailed from the DPO's mailbox, and
	// entered on 20 February: what is tested is the day each went out.
	mailed := []string{"--outside", "--reason", "written in the DPO's mailbox", "--late", "entered from the sent folder"}
	for _, id := range []string{inTime, late} {
		if status, _, errOut := d.run("extend", id, "--reason", "complex", "--at", "2026-01-20", "--late", "entered from the paper file"); status != 0 {
			t.Fatal(errOut)
		}
	}
	if status, _, errOut := d.run(append([]string{"send", inTime, "--letter", "extension-notice", "--at", "2026-01-21"}, mailed...)...); status != 0 || errOut != "" {
		t.Fatalf("notice in time: %d %q", status, errOut)
	}
	v := d.show(inTime)
	want := calculator(t, "--regime", "eu-gdpr", "--calendar", "FR", "--tz", "Europe/Paris", "--received", "2026-01-05",
		"--event", "extension-notified@2026-01-21")
	if v["extension_valid"] != true || v["due"] != v["extended_due"] || v["due"] != want["due"] {
		t.Fatalf("in time: valid %v due %v extended %v calculator %v", v["extension_valid"], v["due"], v["extended_due"], want["due"])
	}

	status, _, errOut := d.run(append([]string{"send", late, "--letter", "extension-notice", "--at", "2026-02-10"}, mailed...)...)
	if status != 0 || !strings.Contains(errOut, "warning") || !strings.Contains(errOut, "not in force") {
		t.Fatalf("a late notice is recorded with a warning: %d %q", status, errOut)
	}
	v = d.show(late)
	if v["extension_valid"] != false || v["due"] != "2026-02-05" || lastEvent(v)["letter"] != "extension-notice" {
		t.Fatalf("late: valid %v due %v (want false, 2026-02-05)", v["extension_valid"], v["due"])
	}

	// The final letter sets the answer date; sent after the deadline, it is late.
	status, _, errOut = d.run(append([]string{"send", late, "--letter", "final", "--at", "2026-02-12"}, mailed...)...)
	if status != 0 || !strings.Contains(errOut, "late") {
		t.Fatalf("a late answer: %d %q", status, errOut)
	}
	if v = d.show(late); v["answered_at"] != "2026-02-12T00:00:00+01:00" || lastEvent(v)["letter"] != "final" {
		t.Fatalf("answered_at %v (want midnight 12 February in Paris), letter %v", v["answered_at"], lastEvent(v)["letter"])
	}
}

func TestIfRevisionNamesWhoChangedTheCase(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	d.env["RIGHTSDESK_ACTOR"] = "marc"
	if status, _, _ := d.run("assign", id, "--to", "marc", "--if-revision", "1"); status != 0 {
		t.Fatal("first change at the revision shown")
	}
	d.env["RIGHTSDESK_ACTOR"] = "anna"
	status, _, errOut := d.run("note", id, "--text", "x", "--if-revision", "1")
	if status != 1 || !strings.Contains(errOut, "revision 2, not 1") || !strings.Contains(errOut, "marc") {
		t.Fatalf("conflict: %d %q", status, errOut)
	}
	if status, _, errOut := d.run("note", id, "--text", "x", "--if-revision", "0"); status != 2 {
		t.Fatalf("--if-revision 0: %d %q", status, errOut)
	}
}

// TestTwoProcessesActingAtOnce runs two processes that record notes and
// tags on the same cases at once: every change each acknowledged is there.
func TestTwoProcessesActingAtOnce(t *testing.T) {
	personalOnly(t, "two processes sharing the local file's lock; the team server's own tests run clients at once")
	d := newDesk(t, "2026-03-10T12:00:00Z")
	ids := []string{
		d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02"),
		d.add("--controller", "crisp", "--right", "erasure", "--received", "2026-03-02"),
	}
	const each = 25
	var wg sync.WaitGroup
	acknowledged := make([][]string, 2)
	for p := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "RIGHTSDESK_TEST_ACTION_LOOP="+strconv.Itoa(each),
				"RIGHTSDESK_TEST_LOOP_DB="+d.db, "RIGHTSDESK_TEST_LOOP_IDS="+strings.Join(ids, ","),
				"RIGHTSDESK_ACTOR=process-"+strconv.Itoa(p), "RIGHTSDESK_NOW=2026-03-10T12:00:00Z")
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("process %d: %v", p, err)
			}
			acknowledged[p] = strings.Fields(string(out))
		}()
	}
	wg.Wait()
	for p := range 2 {
		if len(acknowledged[p]) != each*len(ids) {
			t.Fatalf("process %d acknowledged %d changes, want %d", p, len(acknowledged[p]), each*len(ids))
		}
	}
	for _, id := range ids {
		notes := map[string]bool{}
		for _, e := range d.show(id)["events"].([]any) {
			ev := e.(map[string]any)
			if ev["kind"] == "noted" {
				notes[ev["text"].(string)] = true
			}
		}
		for p := range 2 {
			for _, ack := range acknowledged[p] {
				if caseID, note, _ := strings.Cut(ack, "="); caseID == id && !notes[note] {
					t.Errorf("%s: acknowledged note %q is missing", id, note)
				}
			}
		}
		if v := d.show(id); int(v["revision"].(float64)) != 1+2*each {
			t.Errorf("%s: revision %v, want %d", id, v["revision"], 1+2*each)
		}
	}
	if status, out, _ := d.run("check"); status != 0 {
		t.Fatalf("check after concurrent actions: %s", out)
	}
}

// actionLoop is the child of TestTwoProcessesActingAtOnce: it records
// notes through the command line and prints each acknowledged one.
func actionLoop() int {
	n, _ := strconv.Atoi(os.Getenv("RIGHTSDESK_TEST_ACTION_LOOP"))
	ids := strings.Split(os.Getenv("RIGHTSDESK_TEST_LOOP_IDS"), ",")
	actor := os.Getenv("RIGHTSDESK_ACTOR")
	for i := range n {
		for _, id := range ids {
			note := fmt.Sprintf("%s-%d", actor, i)
			if status := run([]string{"note", id, "--text", note, "--db", os.Getenv("RIGHTSDESK_TEST_LOOP_DB")},
				discard{}, os.Stderr, os.Getenv); status != 0 {
				return status
			}
			fmt.Printf("%s=%s\n", id, note)
		}
	}
	return 0
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestMain(m *testing.M) {
	if os.Getenv("RIGHTSDESK_TEST_ACTION_LOOP") != "" {
		os.Exit(actionLoop())
	}
	if path := os.Getenv("RIGHTSDESK_TEST_HOLD"); path != "" {
		os.Exit(holdLock(path))
	}
	status := m.Run()
	stopHarnessCluster()
	harnessSummary(os.Stderr)
	os.Exit(status)
}
