package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage"
)

// TestCommandsTakeIDsNumberedPerOrganisation: a team server numbers cases
// per organisation (DSR-CRISP-2025-000001, storage.Options.IDsPerOrganisation);
// every command that takes, lists, exports or verifies a case takes that
// form as it takes the older one.
func TestCommandsTakeIDsNumberedPerOrganisation(t *testing.T) {
	personalOnly(t, "in team mode the server numbers every case per organisation: the whole suite takes that form there")
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	env := map[string]string{"RIGHTSDESK_DB": db, "XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
	if status, _, errOut := runCLI(t, env, "add", "--controller", "crisp", "--right", "access", "--subject", "Olga Old",
		"--email", "olga@example.org", "--received", "2025-03-03"); status != exitOK {
		t.Fatalf("add: %s", errOut)
	}
	rs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := rs.Get("crisp")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := reg.Rules("")
	if err != nil {
		t.Fatal(err)
	}
	st := storage.Open(db, storage.Options{IDsPerOrganisation: true})
	cs, err := st.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject:    cases.Subject{Name: "Anna Berg", Email: "anna@example.org"},
		ReceivedAt: time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)}, rules, time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC), "dpo")
	if err != nil {
		t.Fatal(err)
	}
	id := cs[0].ID
	if id != "DSR-CRISP-2025-000001" {
		t.Fatalf("ID %s", id)
	}
	packets := t.TempDir()
	for _, args := range [][]string{
		{"show", id}, {"show", id, "--json"}, {"acknowledge", id}, {"note", id, "--text", "called"},
		{"list"}, {"list", "--json"}, {"report", "--json"}, {"export", id, "--letter", "acknowledgement", "--out", packets},
		{"export", id, "--record", "--out", packets}, {"check"},
	} {
		status, out, errOut := runCLI(t, env, args...)
		if status != exitOK {
			t.Fatalf("%s: status %d: %s", strings.Join(args, " "), status, errOut)
		}
		if (args[0] == "list" || args[0] == "show") && !strings.Contains(out, id) {
			t.Errorf("%s does not show %s:\n%s", strings.Join(args, " "), id, out)
		}
	}
	zips, _ := filepath.Glob(filepath.Join(packets, "*"))
	if len(zips) == 0 {
		t.Fatal("no packet was written")
	}
	for _, z := range zips {
		if !strings.Contains(filepath.Base(z), id) {
			t.Errorf("the packet %s is not named by its case", filepath.Base(z))
		}
		if status, _, errOut := runCLI(t, env, "verify", z); status != exitOK {
			t.Errorf("verify %s: %s", filepath.Base(z), errOut)
		}
	}
	_, out, _ := runCLI(t, env, "show", id, "--json")
	var shown struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil || shown.ID != id {
		t.Fatalf("show --json: %v %q", err, shown.ID)
	}
}
