package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorrectEachFieldFromTheCommandLine: every fact a correction
// changes, through correct, shows in show --json; the received event
// keeps what was first recorded, and each correction is an event with its
// fact, value and reason.
func TestCorrectEachFieldFromTheCommandLine(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02", "--identifier", "customer=C-1")
	subject := func(v map[string]any) map[string]any { return v["subject"].(map[string]any) }
	tests := []struct {
		field, value string
		holds        func(v map[string]any) bool
	}{
		{"subject", "Zoé Lefebvre", func(v map[string]any) bool { return subject(v)["name"] == "Zoé Lefebvre" }},
		{"phone", "+33 6 00 00 00 00", func(v map[string]any) bool { return subject(v)["phone"] == "+33 6 00 00 00 00" }},
		{"email", "zoe@example.com", func(v map[string]any) bool { return subject(v)["email"] == "zoe@example.com" }},
		{"postal-address", "1 rue de Rivoli, 75001 Paris", func(v map[string]any) bool {
			return subject(v)["postal_address"] == "1 rue de Rivoli, 75001 Paris"
		}},
		{"identifier", "customer=C-2", func(v map[string]any) bool {
			return subject(v)["identifiers"].(map[string]any)["customer"] == "C-2"
		}},
		{"requester", "Maître Martin", func(v map[string]any) bool {
			r, _ := v["requester"].(map[string]any)
			return r != nil && r["name"] == "Maître Martin" && r["relation"] == "agent"
		}},
		{"relation", "parent", func(v map[string]any) bool { return v["requester"].(map[string]any)["relation"] == "parent" }},
		{"channel", "post", func(v map[string]any) bool { return v["channel"] == "post" }},
		{"language", "fr", func(v map[string]any) bool { return v["language"] == "fr" }},
		{"text", "Je demande une copie de mes données.", func(v map[string]any) bool { return v["text"] == "Je demande une copie de mes données." }},
		// DEADLINES.md section 2, rule 1: received 2 March, due 2 April;
		// received 16 February, due 16 March.
		{"received", "2026-02-16", func(v map[string]any) bool {
			return v["received_at"] == "2026-02-16T00:00:00+01:00" && v["due"] == "2026-03-16"
		}},
	}
	if v := d.show(id); v["due"] != "2026-04-02" {
		t.Fatalf("due %v before the receipt is corrected", v["due"])
	}
	for _, tt := range tests {
		status, out, errOut := d.run("correct", id, "--field", tt.field, "--value", tt.value, "--reason", "typed wrong at intake")
		if status != 0 || !strings.Contains(out, "corrected recorded") {
			t.Fatalf("correct %s: %d %q %q", tt.field, status, out, errOut)
		}
		if v := d.show(id); !tt.holds(v) {
			t.Errorf("correct %s to %q: show --json says %v", tt.field, tt.value, v)
		}
	}
	v := d.show(id)
	events := v["events"].([]any)
	first, last := events[0].(map[string]any), events[len(events)-1].(map[string]any)
	if first["kind"] != "received" || last["kind"] != "corrected" || last["field"] != "received" ||
		last["value"] != "2026-02-16" || last["reason"] != "typed wrong at intake" || len(events) != 1+len(tests) {
		t.Errorf("timeline: first %v, last %v, %d events", first, last, len(events))
	}
	_, text, _ := d.run("show", id)
	if !strings.Contains(text, "corrected") || !strings.Contains(text, "fact: subject | new value: Zoé Lefebvre | reason: typed wrong at intake") {
		t.Errorf("show lists each correction with its fact, value and reason:\n%s", text)
	}
	if status, out, errOut := d.run("check"); status != 0 {
		t.Errorf("check after corrections: %q %q", out, errOut)
	}
}

// TestCorrectAndVoidRefusals: a fact outside the list is bad input (2)
// naming the choices, the organisation with what to do instead; a reason
// missing is a refusal (1) naming --reason.
func TestCorrectAndVoidRefusals(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	choices := "subject, email, phone, postal-address, identifier, requester, relation, channel, language, text, received"
	tests := []struct {
		args   []string
		status int
		want   []string
	}{
		{[]string{"correct", id, "--field", "colour", "--value", "blue", "--reason", "r"}, 2, []string{`rightsdesk: correct: unknown fact "colour"`, choices, "(--field)"}},
		{[]string{"correct", id, "--field", "controller", "--value", "callrix", "--reason", "r"}, 2, []string{"cannot be corrected", "void the case", "add", choices}},
		{[]string{"correct", id, "--field", "regime", "--value", "uk-gdpr", "--reason", "r"}, 2, []string{"the regime cannot be corrected", "void the case"}},
		{[]string{"correct", id, "--field", "subject", "--value", "Zoé Lefebvre"}, 1, []string{"rightsdesk: correct: a correction needs why the intake was wrong (--reason)"}},
		{[]string{"correct", id, "--value", "Zoé Lefebvre", "--reason", "r"}, 1, []string{"fact is required", choices, "(--field)"}},
		{[]string{"correct", id, "--field", "email", "--value", "", "--reason", "r"}, 1, []string{"one contact route must remain: an e-mail, a phone number or a postal address (--value)"}},
		{[]string{"correct", id, "--field", "received", "--value", "2026-03-11", "--reason", "r"}, 1, []string{"in the future (--value)"}},
		{[]string{"correct", id, "--field", "received", "--value", "yesterday-ish", "--reason", "r"}, 1, []string{"(--value)"}},
		{[]string{"void", id}, 1, []string{"rightsdesk: void: voiding a case needs why it was recorded by mistake (--reason)"}},
	}
	for _, tt := range tests {
		status, out, errOut := d.run(tt.args...)
		ok := status == tt.status && out == "" && strings.Count(errOut, "\n") == 1
		for _, w := range tt.want {
			ok = ok && strings.Contains(errOut, w)
		}
		if !ok {
			t.Errorf("%v: %d %q %q, want %d and %q", tt.args, status, out, errOut, tt.status, tt.want)
		}
	}
	if v := d.show(id); v["revision"] != float64(1) {
		t.Errorf("refusals wrote something: revision %v", v["revision"])
	}
}

// TestVoidedCaseIsKeptShownAndLeftOut: a voided case leaves list, the
// report's rows and totals, and the due and overdue lists; show says
// VOIDED first, show --json carries voided, list --voided lists it, the
// case record says it; it takes a note and nothing else.
func TestVoidedCaseIsKeptShownAndLeftOut(t *testing.T) {
	d := newDesk(t, "2026-04-10T12:00:00Z")
	kept := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	mistake := d.add("--controller", "crisp", "--right", "erasure", "--received", "2026-03-02", "--subject", "Jan Nowak")
	listed := func(args ...string) string {
		t.Helper()
		status, out, errOut := d.run(append([]string{"list"}, args...)...)
		if status != 0 {
			t.Fatalf("list %v: %s", args, errOut)
		}
		return out
	}
	report := func() (rows, cases float64) {
		t.Helper()
		status, out, errOut := d.run("report", "--json")
		if status != 0 {
			t.Fatalf("report: %s", errOut)
		}
		var r struct {
			Rows   []any `json:"rows"`
			Totals struct {
				Cases float64 `json:"cases"`
			} `json:"totals"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return float64(len(r.Rows)), r.Totals.Cases
	}
	if out := listed("--overdue"); !strings.Contains(out, mistake) || !strings.Contains(out, kept) {
		t.Fatalf("both overdue before voiding (due 2 April):\n%s", out)
	}
	if rows, n := report(); rows != 2 || n != 2 {
		t.Fatalf("report before voiding: %v rows, %v cases", rows, n)
	}

	status, out, errOut := d.run("void", mistake, "--reason", "recorded twice; the request is "+kept)
	if status != 0 || !strings.Contains(out, "voided recorded (revision 2); voided: kept, out of the queue") {
		t.Fatalf("void: %d %q %q", status, out, errOut)
	}
	for _, args := range [][]string{{}, {"--all"}, {"--overdue"}, {"--due-within", "30d"}, {"--status", "new"}, {"--query", "Nowak", "--all"}} {
		if out := listed(args...); strings.Contains(out, mistake) {
			t.Errorf("list %v shows the voided case:\n%s", args, out)
		}
	}
	if out := listed(); !strings.Contains(out, kept) {
		t.Errorf("list lost the case that stands:\n%s", out)
	}
	if out := listed("--voided"); !strings.Contains(out, mistake) || strings.Contains(out, kept) || !strings.Contains(out, "voided") {
		t.Errorf("list --voided:\n%s", out)
	}
	if rows, n := report(); rows != 1 || n != 1 {
		t.Errorf("report after voiding: %v rows, %v cases", rows, n)
	}

	_, text, _ := d.run("show", mistake)
	if !strings.HasPrefix(text, "VOIDED on Fri 10 Apr 2026 14:00 CEST by anna: recorded twice; the request is "+kept+"\n") {
		t.Errorf("show says VOIDED first:\n%s", text)
	}
	v := d.show(mistake)
	voided, _ := v["voided"].(map[string]any)
	if voided == nil || voided["by"] != "anna" || voided["reason"] != "recorded twice; the request is "+kept || voided["at"] != "2026-04-10T12:00:00Z" {
		t.Errorf("show --json voided: %v", v["voided"])
	}
	if _, has := d.show(kept)["voided"]; has {
		t.Error("a case that stands carries no voided")
	}

	for _, args := range [][]string{{"acknowledge", mistake}, {"void", mistake, "--reason", "again"},
		{"correct", mistake, "--field", "subject", "--value", "X", "--reason", "r"}, {"close", mistake, "--outcome", "withdrawn"}} {
		if status, _, errOut := d.run(args...); status != 1 || !strings.Contains(errOut, "voided on 2026-04-10") {
			t.Errorf("%v on a voided case: %d %q", args, status, errOut)
		}
	}
	if status, _, errOut := d.run("note", mistake, "--text", "the subject wrote once"); status != 0 {
		t.Errorf("a note on a voided case: %q", errOut)
	}

	dir := t.TempDir()
	if status, _, errOut := d.run("export", mistake, "--out", dir); status != 1 || !strings.Contains(errOut, "the case was voided on 2026-04-10: no letter goes out") {
		t.Errorf("a packet of a voided case: %d %q", status, errOut)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("a refused packet left %d files", len(files))
	}
	if status, _, errOut := d.run("export", mistake, "--record", "--out", dir); status != 0 {
		t.Fatalf("export --record of a voided case: %q", errOut)
	}
	page, err := os.ReadFile(filepath.Join(dir, mistake+"-record", "record.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<b>VOIDED</b> on 2026-04-10 12:00 UTC by anna: recorded twice; the request is "+kept) {
		t.Errorf("the case record says VOIDED:\n%.2000s", page)
	}
	raw, err := os.ReadFile(filepath.Join(dir, mistake+"-record", "record.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Case struct {
			Voided *struct{ Reason string } `json:"voided"`
		} `json:"case"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Case.Voided == nil {
		t.Errorf("record.json carries voided: %v %s", err, raw[:min(len(raw), 400)])
	}
	if status, out, errOut := d.run("check"); status != 0 {
		t.Errorf("check: %q %q", out, errOut)
	}
}
