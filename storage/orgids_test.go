package storage

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// TestIDsPerOrganisation: with Options.IDsPerOrganisation, new cases are
// numbered per organisation and year with its code (the register's, by
// default its ID in capitals); cases numbered before keep their IDs, and
// every read, check and proof takes both forms.
func TestIDsPerOrganisation(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path := filepath.Join(t.TempDir(), "db", "cases.db")
	old := created(t, path, Options{})
	legacy := addCase(t, old, "Olga Old")[0].ID
	s := Open(path, Options{IDsPerOrganisation: true})
	add := func(org, name string, received time.Time, rights ...cases.Right) []string {
		t.Helper()
		cs, err := s.Add(cases.Intake{Controller: org, Rights: rights, Subject: cases.Subject{Name: name, Email: "x@example.org"},
			ReceivedAt: received}, testRules, testNow, "dpo")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		return ids
	}
	march := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	got := [][]string{
		add("crisp", "Anna Berg", march, cases.RightAccess, cases.RightErasure),
		add("callrix", "Bob Stone", march, cases.RightAccess),
		add("crisp", "Carl Holm", time.Date(2025, 12, 30, 9, 0, 0, 0, time.UTC), cases.RightAccess),
		add("acme", "Dora Ames", march, cases.RightAccess), // no register: its ID in capitals
		add("crmsoftware", "Emil Ek", march, cases.RightAccess),
	}
	want := [][]string{
		{"DSR-CRISP-2026-000001", "DSR-CRISP-2026-000002"},
		{"DSR-CALLRIX-2026-000001"},
		{"DSR-CRISP-2025-000001"},
		{"DSR-ACME-2026-000001"},
		{"DSR-CRMSOFTWARE-2026-000001"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("IDs %v, want %v", got, want)
	}
	if l, err := s.Get(want[0][1]); err != nil || l.Case.RequestID != want[0][0] || !reflect.DeepEqual(l.Case.Linked, []string{want[0][0]}) {
		t.Fatalf("the request's second case: %+v %v", l, err)
	}
	// A register's own code is used from its next case on.
	regs, err := s.RegisterHistory("callrix")
	if err != nil {
		t.Fatal(err)
	}
	src := bytes.Replace(regs[len(regs)-1].TOML, []byte("\nversion = 1\n"), []byte("\nversion = 1\ncode = \"CX\"\n"), 1)
	if _, _, err := s.PutRegister("callrix", src, 0, "dave", "a shorter code", testNow); err != nil {
		t.Fatal(err)
	}
	if ids := add("callrix", "Fay Fox", march, cases.RightAccess); ids[0] != "DSR-CX-2026-000001" {
		t.Fatalf("after the code changed: %v", ids)
	}
	// An import is numbered the same way.
	requests, errs := ReadImport("in", strings.NewReader("controller,right,subject,email,received,channel,text\n"+
		"crisp,access,Gina Gold,gina@example.org,2026-03-03,web,please\n"), embeddedRules(t), testNow, "dpo")
	if errs != nil {
		t.Fatal(errs)
	}
	res, err := s.Import(requests, testNow, "dpo")
	if err != nil || !reflect.DeepEqual(res.IDs, []string{"DSR-CRISP-2026-000003"}) {
		t.Fatalf("import %+v %v", res, err)
	}
	// Both forms are read, listed, proved and checked alike.
	q, _, err := s.Queue(testNow)
	if err != nil || len(q) != 9 {
		t.Fatalf("queue %d %v", len(q), err)
	}
	for _, id := range []string{legacy, "DSR-CX-2026-000001", "DSR-CRISP-2025-000001"} {
		if _, err := s.Get(id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Proof(id, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Do(id, []Action{{Event: cases.Event{Kind: cases.EventNoted, Text: "called", Actor: "dpo"}, IfRevision: NoRevision}}, testNow); err != nil {
			t.Fatal(err)
		}
	}
	var listed []string
	if err := s.List(Filter{Controller: "crisp"}, testNow, func(sum *cases.Summary, _ func() []byte) error {
		listed = append(listed, sum.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 5 {
		t.Fatalf("crisp's cases %v", listed)
	}
	mustCheck(t, s)
	// A backup of one organisation carries its own sequence, not another's.
	dest := filepath.Join(t.TempDir(), "crisp.db")
	if _, err := s.Backup(dest, "crisp"); err != nil {
		t.Fatal(err)
	}
	var seqs []string
	b := Open(dest, Options{})
	if err := b.view(func(tx kv.Tx) error {
		return tx.Bucket(bucketIDs).ForEach(func(k, _ []byte) error { seqs = append(seqs, string(k)); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(seqs, " ") != "2026 CRISP-2025 CRISP-2026" {
		t.Fatalf("the crisp backup's sequences: %v", seqs)
	}
}
