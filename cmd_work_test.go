package main

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// The work behind an answer and what may leave (WORK.md), through the
// command line.

// workItem is the entry of show --json's work list for item.
func workItem(t *testing.T, v map[string]any, item string) map[string]any {
	t.Helper()
	for _, w := range v["work"].([]any) {
		if w := w.(map[string]any); w["item"] == item {
			return w
		}
	}
	t.Fatalf("no work item %s in %v", item, v["work"])
	return nil
}

// refused runs a command that must be refused with status and a message
// holding want, and checks that nothing was recorded.
func (d *desk) refused(id string, status int, want string, args ...string) {
	d.t.Helper()
	before := d.show(id)["revision"]
	got, out, errOut := d.run(args...)
	if got != status || out != "" || !strings.Contains(errOut, want) || strings.Count(errOut, "\n") != 1 {
		d.t.Fatalf("%v: %d %q %q, want %d and %q", args, got, out, errOut, status, want)
	}
	if after := d.show(id)["revision"]; after != before {
		d.t.Fatalf("%v was refused and still recorded: revision %v -> %v", args, before, after)
	}
}

func (d *desk) ok(args ...string) {
	d.t.Helper()
	if status, _, errOut := d.run(args...); status != 0 {
		d.t.Fatalf("%v: %d %s", args, status, errOut)
	}
}

func TestWorkCommand(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "erasure", "--received", "2026-03-02")
	// Systems of this case only, beside the six of Crisp's data map (core,
	// ip-log, chats and the assumed mailboxes, paper and backups).
	d.ok("work", id, "--add-system", "our customer database")
	d.ok("work", id, "--add-system", "the 2019 archive")
	v := d.show(id)
	if v["work_open"] != 8.0 || workItem(t, v, "the-2019-archive")["result"] != nil || workItem(t, v, "the-2019-archive")["name"] != "the 2019 archive" {
		t.Fatalf("two open items: %v %v", v["work_open"], v["work"])
	}

	d.ok("work", id, "our-customer-database", "erased", "--at", "2026-03-10T09:00:00Z")
	// kept without an end is refused naming --until (WORK.md: a kept item
	// without an end is refused); nothing is recorded.
	kept := []string{"work", id, "the-2019-archive", "kept", "--ground", "art17-3-b", "--what", "invoices", "--law", "Code de commerce, art. L123-22"}
	d.refused(id, 1, "(--until)", kept...)
	d.refused(id, 1, "(--law)", "work", id, "the-2019-archive", "kept", "--ground", "art17-3-b", "--what", "invoices", "--until", "2036-03-10")
	d.refused(id, 2, "RESULT is required", "work", id, "the-2019-archive")
	d.refused(id, 2, `unknown result "postcard"`, "work", id, "the-2019-archive", "postcard")
	d.refused(id, 1, "(ITEM)", "work", id, "crm", "erased")
	d.refused(id, 1, "is not a result for erasure requests (one of: erased, ", "work", id, "the-2019-archive", "found") // found is not an erasure result
	d.ok(append(kept, "--until", "2036-03-10")...)

	v = d.show(id)
	db, bk := workItem(t, v, "our-customer-database"), workItem(t, v, "the-2019-archive")
	if v["work_open"] != 6.0 || db["result"] != "erased" || db["at"] != "2026-03-10T09:00:00Z" || db["history"] != 1.0 {
		t.Errorf("erased: %v (work_open %v)", db, v["work_open"])
	}
	if bk["result"] != "kept" || bk["ground"] != "art17-3-b" || bk["law"] != "Code de commerce, art. L123-22" ||
		bk["until"] != "2036-03-10" || bk["end"] != "2036-03-10" || bk["what"] != "invoices" {
		t.Errorf("kept: %v", bk)
	}
	// list --json carries the counts the queue shows ("work 2/8").
	status, out, _ := d.run("list", "--json")
	var listed []map[string]any
	if err := json.Unmarshal([]byte(out), &listed); status != 0 || err != nil || len(listed) != 1 ||
		listed[0]["work_open"] != 6.0 || listed[0]["work_total"] != 8.0 {
		t.Errorf("list --json: %v %s", err, out)
	}
	status, out, _ = d.run("show", id)
	for _, want := range []string{"work (6 of 8 open):", "our-customer-database  our customer database: erased on 2026-03-10",
		"the-2019-archive       the 2019 archive: kept on 2026-03-10 (ground art17-3-b (a legal obligation); invoices; law: Code de commerce, art. L123-22; until 2036-03-10)"} {
		if status != 0 || !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}

	// A correction: the last result counts, every one stays.
	d.ok("work", id, "the-2019-archive", "erased")
	if bk = workItem(t, d.show(id), "the-2019-archive"); bk["result"] != "erased" || bk["history"] != 2.0 || bk["end"] != nil {
		t.Errorf("corrected: %v", bk)
	}

	// The request forwarded to whose data they are.
	d.ok("forward", id, "--to", "Acme SAS", "--at", "2026-03-10T10:00:00Z")
	if f, _ := d.show(id)["forwarded"].(map[string]any); f["to"] != "Acme SAS" || f["at"] != "2026-03-10T10:00:00Z" {
		t.Errorf("forwarded: %v", f)
	}
	d.refused(id, 2, "rightsdesk: work: add-system takes no what (--what)", "work", id, "--add-system", "x", "--what", "y")

	// Completion: the case's items, then the results of its right.
	if got := complete(t, d.env, "work", "--db", d.db, id, ""); !slices.Equal(got, []string{"core", "ip-log", "chats", "mailboxes", "paper", "backups", "our-customer-database", "the-2019-archive"}) {
		t.Errorf("items: %v", got)
	}
	if got := complete(t, d.env, "work", "--db", d.db, id, "the-2019-archive", ""); !slices.Equal(got, cases.Slugs(cases.ResultsFor(cases.RightErasure))) {
		t.Errorf("results: %v", got)
	}
}

// TestSendRefusesADraft: a DRAFT packet, or one the case has changed since,
// is refused (exit 1, nothing recorded); a draft that went out is recorded
// with why, as such, and the report says the case was answered with a
// draft.
func TestSendRefusesADraft(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	fillRegister(t, d.env, d.db, "crisp")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	d.ok("close", id, "--outcome", "no-data")
	// The final letter exported as a DRAFT (a gap in the register), as the
	// export command records it.
	releaseDB(d.db)
	st := storage.Open(d.db, storage.Options{})
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	if _, err := st.Apply(id, cases.Event{Kind: cases.EventExported, Letter: cases.LetterFinal, Draft: true,
		Gaps: []string{"no legal name"}, Checksum: strings.Repeat("ab", 32), Actor: "anna"}, storage.NoRevision, now); err != nil {
		t.Fatal(err)
	}
	d.refused(id, 1, "DRAFT", "send", id, "--letter", "final")
	d.refused(id, 1, "(--reason)", "send", id, "--letter", "final", "--draft-sent")
	d.ok("send", id, "--letter", "final", "--draft-sent", "--reason", "posted by a colleague before the gap was seen")
	ev := lastEvent(d.show(id))
	if ev["draft_sent"] != true || ev["checksum"] != strings.Repeat("ab", 32) {
		t.Fatalf("sent %v", ev)
	}
	status, out, errOut := d.run("report", "--json")
	if status != 0 {
		t.Fatal(errOut)
	}
	var rep struct {
		Rows []struct {
			AnsweredWithDraft bool `json:"answered_with_draft"`
		}
		Totals struct {
			AnsweredWithDraft int `json:"answered_with_draft"`
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Rows) != 1 || !rep.Rows[0].AnsweredWithDraft || rep.Totals.AnsweredWithDraft != 1 {
		t.Fatalf("report: %v %s", err, out)
	}
	_, out, _ = d.run("report", "--csv")
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(records) != 2 || records[0][14] != "answered_with_draft" || records[1][14] != "yes" {
		t.Fatalf("csv: %v %q", err, out)
	}
	if _, out, _ = d.run("report"); !strings.Contains(out, "answered with a draft 1") {
		t.Fatalf("text report: %s", out)
	}

	// A packet the case has changed since is refused too.
	other := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	d.ok("export", other, "--letter", "acknowledgement", "--out", t.TempDir())
	d.ok("work", other, "--add-system", "our customer database")
	d.refused(other, 1, "changed after", "send", other, "--letter", "acknowledgement")
}

// TestSendOutside: a letter written and sent another way is recorded with
// why, and with the SHA-256 of its file when one is given, the file
// directly after --outside or as --outside=FILE.
func TestSendOutside(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	letter := filepath.Join(t.TempDir(), "answer.pdf")
	content := []byte("%PDF-1.4 the answer as posted\n")
	if err := os.WriteFile(letter, content, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	want := hex.EncodeToString(sum[:])
	d.refused(id, 1, "(--reason)", "send", id, "--letter", "acknowledgement", "--outside", letter)
	d.refused(id, 2, "--outside", "send", id, "--letter", "acknowledgement", "--outside", "/nonexistent/letter.pdf", "--reason", "r")
	for _, args := range [][]string{
		{"send", id, "--letter", "acknowledgement", "--outside", letter, "--reason", "posted from the office"},
		{"send", "--outside", letter, id, "--letter", "acknowledgement", "--reason", "posted again"},
		{"send", id, "--outside=" + letter, "--letter", "acknowledgement", "--reason", "and again"},
	} {
		d.ok(args...)
		if ev := lastEvent(d.show(id)); ev["outside"] != true || ev["checksum"] != want {
			t.Errorf("%v: recorded %v, want outside with the file's SHA-256 %s", args, ev, want)
		}
	}
	d.ok("send", id, "--letter", "acknowledgement", "--outside", "--reason", "read out on the phone")
	if ev := lastEvent(d.show(id)); ev["outside"] != true || ev["checksum"] != nil {
		t.Errorf("without a file: %v", ev)
	}
}

// TestLateEntries: an event more than a day back needs why (--late); it is
// recorded with it and flagged in show.
func TestLateEntries(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	d.refused(id, 1, "(--late)", "note", id, "--text", "called back", "--at", "2026-03-07T12:00:00Z")
	d.ok("note", id, "--text", "called back", "--at", "2026-03-07T12:00:00Z", "--late", "the call was logged on paper")
	d.ok("note", id, "--text", "within the day", "--at", "2026-03-09T13:00:00Z")
	v := d.show(id)
	late := v["late"].([]any)
	if len(late) != 1 || late[0].(map[string]any)["why"] != "the call was logged on paper" || late[0].(map[string]any)["kind"] != "noted" {
		t.Fatalf("late entries: %v", late)
	}
	_, out, _ := d.run("show", id)
	if !strings.Contains(out, "recorded 3 days late: the call was logged on paper") || !strings.Contains(out, "recorded late (1):") {
		t.Fatalf("show does not flag the late entry:\n%s", out)
	}
}

// TestNeedsAndDisclosure: request-id --need (repeatable) and recipients
// --disclosed-on are recorded.
func TestNeedsAndDisclosure(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	d.ok("request-id", id, "--reason", "the address differs", "--need", "the order number of a recent purchase",
		"--need", "the last four digits of the card used")
	if ev := lastEvent(d.show(id)); len(ev["needs"].([]any)) != 2 {
		t.Fatalf("needs: %v", ev)
	}
	d.ok("recipients", id, "--disclosed-on", "2026-03-05")
	if ev := lastEvent(d.show(id)); ev["disclosed_on"] != "2026-03-05" {
		t.Fatalf("disclosed on: %v", ev)
	}
	d.refused(id, 2, "(--disclosed-on)", "recipients", id, "--disclosed-on", "2026-02-30")
}

// TestAWithdrawalWithNoPurposesSaysWhatWorks: Crisp's register names no
// purpose on consent, so a withdrawal of consent has no work list; the
// export's gap names what the DPO can do (the register, reopen and
// rebaseline, or no-data), not work --add-system, which a purpose-based
// right refuses.
func TestAWithdrawalWithNoPurposesSaysWhatWorks(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "withdraw-consent", "--received", "2026-03-02")
	d.refused(id, 1, "no systems to add", "work", id, "--add-system", "our newsletter")
	d.ok("close", id, "--outcome", "fulfilled")
	status, _, errOut := d.run("export", id, "--out", t.TempDir())
	if status != 0 || strings.Contains(errOut, "--add-system") ||
		!strings.Contains(errOut, "rightsdesk reopen "+id+", then rightsdesk rebaseline "+id) || !strings.Contains(errOut, "close the case as no-data") {
		t.Errorf("export: %d %s", status, errOut)
	}
}

// TestGapsOfAClosedCaseSayReopenFirst: a case closed with open items is
// exported as a DRAFT whose gap names reopen before work, which a closed
// case refuses.
func TestGapsOfAClosedCaseSayReopenFirst(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	d.ok("close", id, "--outcome", "no-data")
	d.refused(id, 1, "reopen it first", "work", id, "paper", "none")
	status, _, errOut := d.run("export", id, "--out", t.TempDir())
	if status != 0 || !strings.Contains(errOut, "record each result (rightsdesk reopen "+id+", then rightsdesk work "+id+" ITEM RESULT)") {
		t.Errorf("export: %d %s", status, errOut)
	}
}
