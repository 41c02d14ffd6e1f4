package main

import (
	"crypto/sha256"
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

// Four eyes before a letter leaves (WORK.md, "Approval"), through the
// command line. The desk's actor is RIGHTSDESK_ACTOR, which names someone
// other than the OS user running the tests, and its clock RIGHTSDESK_NOW:
// approvals recorded under either never count, so the counting ones are
// recorded without them, as the OS user on a clock given in-process.

// approvalRegister is Crisp's register filled in by the DPO, asking
// approval for the conditions given.
func approvalRegister(t *testing.T, d *desk, conditions string) {
	t.Helper()
	filled := filledRegister(t, "crisp")
	withApproval := strings.Replace(filled, "\nversion = ", "\napproval = ["+conditions+"]\nversion = ", 1)
	importRegister(t, d.env, d.db, "crisp", withApproval)
}

// as sets the actor of the next commands: a name through RIGHTSDESK_ACTOR,
// or "" for the OS user on the desk's clock given in-process, with nothing
// overridden (an approval recorded under an override never counts).
func (d *desk) as(actor string) {
	d.injectClock = actor == ""
	if actor == "" {
		delete(d.env, "RIGHTSDESK_ACTOR")
		return
	}
	d.env["RIGHTSDESK_ACTOR"] = actor
}

// refusedCase is an access request refused by decider, its final letter
// exported by exporter (DRAFT-free: the register is filled in).
func (d *desk) refusedCase(decider, exporter string) string {
	d.t.Helper()
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	d.as(decider)
	d.ok("close", id, "--outcome", "refused", "--ground", "manifestly-unfounded", "--reason", "the fifth identical request this month")
	d.as(exporter)
	d.exportFinal(id)
	return id
}

// exportFinal exports the final letter and fails when it is a DRAFT.
func (d *desk) exportFinal(id string) {
	d.t.Helper()
	status, _, errOut := d.run("export", id, "--letter", "final", "--out", d.t.TempDir())
	if status != 0 || strings.Contains(errOut, "DRAFT") {
		d.t.Fatalf("export %s: %d %s", id, status, errOut)
	}
}

func TestSendWaitsForApproval(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	approvalRegister(t, d, `"refusal"`)
	id := d.refusedCase("anna", "anna")

	d.refused(id, 1, "the final letter needs approval before it leaves (refusal)", "send", id)
	// The exporter and the decider cannot approve.
	d.refused(id, 1, "anna cannot approve the final letter: four eyes", "approve", id)
	other := d.refusedCase("ben", "anna")
	d.as("ben")
	d.refused(other, 1, "who decided what it answers", "approve", other, "--letter", "final")

	// An approval under RIGHTSDESK_ACTOR naming someone else is recorded,
	// shown, and never counts (team mode has no such override: there marc
	// would be a member who approves).
	if !teamTests {
		d.as("marc")
		status, _, errOut := d.run("approve", id)
		if status != 0 || !strings.Contains(errOut, "warning: recorded under RIGHTSDESK_ACTOR (marc)") {
			t.Fatalf("overridden approval: %d %q", status, errOut)
		}
		if ev := lastEvent(d.show(id)); ev["kind"] != "approved" || ev["overridden"] == nil {
			t.Fatalf("the overridden approval is recorded as such: %v", ev)
		}
		d.as("anna")
		d.refused(id, 1, "does not count: recorded under an overridden actor", "send", id)
	}

	// The OS user, who neither exported nor decided, approves: it leaves.
	d.as("")
	d.ok("approve", id)
	d.as("anna")
	d.ok("send", id)
	sent := lastEvent(d.show(id))
	if sent["kind"] != "sent" || !strings.Contains(strings.Join(stringsOf(sent["approval"]), ","), "refusal") {
		t.Fatalf("send records the conditions that applied: %v", sent)
	}
}

func TestANewExportNeedsANewApproval(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	approvalRegister(t, d, `"final"`)
	id := d.refusedCase("anna", "anna")
	d.as("")
	d.ok("approve", id)
	// Other bytes: the letter exported the next day carries that date.
	d.as("anna")
	d.env["RIGHTSDESK_NOW"] = "2026-03-11T12:00:00Z"
	d.exportFinal(id)
	d.refused(id, 1, "does not count: for another packet", "send", id)
	d.as("")
	d.ok("approve", id)
	d.as("anna")
	d.ok("send", id)
}

func TestTheControllersSignoffStoresItsEvidence(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	approvalRegister(t, d, `"refusal", "discretionary"`)
	id := d.refusedCase("", "") // the OS user decided and exported
	evidence := filepath.Join(t.TempDir(), "signed.pdf")
	content := []byte("%PDF-1.4 approved: Eva Lind, CEO\n")
	if err := os.WriteFile(evidence, content, 0o600); err != nil {
		t.Fatal(err)
	}
	d.refused(id, 1, "needs its evidence (--evidence FILE", "approve", id, "--external", "Eva Lind, CEO, Crisp IM SAS")
	d.refused(id, 2, `approve: "Eva Lind": want "NAME, ROLE, ORGANISATION" (--external)`, "approve", id, "--external", "Eva Lind", "--evidence", evidence)
	d.ok("approve", id, "--external", "Eva Lind, CEO, Crisp IM SAS", "--evidence", evidence)
	ev := lastEvent(d.show(id))
	att, _ := ev["attachment"].(map[string]any)
	sum := sha256.Sum256(content)
	if att == nil || att["name"] != "approval-1/signed.pdf" || att["sha256"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("evidence %v", ev)
	}
	if status, _, errOut := d.run("check"); status != 0 {
		t.Fatalf("check after a sign-off: %s", errOut)
	}
	d.ok("send", id)

	// The case record names who signed off what, and the evidence.
	out := t.TempDir()
	d.ok("export", id, "--record", "--out", out)
	record := readRecordJSON(t, out)
	approvals, _ := record["approvals"].([]any)
	if len(approvals) != 1 {
		t.Fatalf("record approvals %v", record["approvals"])
	}
	a := approvals[0].(map[string]any)
	// And so does the register of requests.
	_, report, _ := d.run("report", "--json")
	var rep struct {
		Rows []struct{ Approvals []string }
	}
	if err := json.Unmarshal([]byte(report), &rep); err != nil || len(rep.Rows) != 1 ||
		!slices.Equal(rep.Rows[0].Approvals, []string{"final signed off by Eva Lind, CEO, Crisp IM SAS on 2026-03-10 (recorded by " + ev["actor"].(string) + ")"}) {
		t.Fatalf("report: %v %s", err, report)
	}
	if a["signed_off_by"] != "Eva Lind, CEO, Crisp IM SAS" || a["counts"] != true || a["evidence_sha256"] != hex.EncodeToString(sum[:]) ||
		a["letter"] != "final" {
		t.Fatalf("record approval %v", a)
	}
}

func TestRejectKeepsTheCaseAsItIs(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	approvalRegister(t, d, `"extension-notice"`)
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	d.ok("extend", id, "--reason", "twelve systems to search")
	d.ok("export", id, "--letter", "extension-notice", "--out", t.TempDir())
	d.refused(id, 1, "a rejection says why", "reject", id)
	d.as("")
	d.ok("reject", id, "--reason", "say which systems")
	v := d.show(id)
	if ev := lastEvent(v); v["status"] != "in-progress" || ev["kind"] != "rejected" || ev["reason"] != "say which systems" ||
		ev["letter"] != "extension-notice" {
		t.Fatalf("after reject: %v %v", v["status"], ev)
	}
	d.as("anna")
	d.refused(id, 1, "rejected by", "send", id, "--letter", "extension-notice")
}

func stringsOf(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// readRecordJSON reads the case record export --record wrote into dir.
func readRecordJSON(t *testing.T, dir string) map[string]any {
	t.Helper()
	var found string
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".json") {
			found = path
		}
		return nil
	})
	data, err := os.ReadFile(found)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestALetterLeavesUnderTheRegisterStoredWhenItLeaves: the approval a
// letter needs is the stored register's when it is sent, whatever the
// caller read: a sent event completed from a register read before it
// changed (an app open since, or a client saying none) is refused.
func TestALetterLeavesUnderTheRegisterStoredWhenItLeaves(t *testing.T) {
	personalOnly(t, "the store is opened in-process, as the app holds it")
	d := newDesk(t, "2026-03-10T12:00:00Z")
	approvalRegister(t, d, "")
	id := d.refusedCase("anna", "bob")
	approvalRegister(t, d, `"refusal"`) // after the export, while an app was open
	st := storage.Open(d.db, storage.Options{})
	defer st.Close()
	sent := cases.Event{Kind: cases.EventSent, Letter: cases.LetterFinal, Channel: cases.ChannelEmail, Actor: "bob"}
	_, err := st.Do(id, []storage.Action{{Event: sent, IfRevision: storage.NoRevision}}, time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC))
	if err == nil || !strings.Contains(err.Error(), "needs approval before it leaves") {
		t.Fatalf("a letter sent under the register read before it changed: %v", err)
	}
}
