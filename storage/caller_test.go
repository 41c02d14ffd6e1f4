package storage

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rightsdesk/cases"
)

// TestACallersViewRecordsAsTheCaller: every event written through the view
// carries the caller's actor and origin and no override, whatever the
// request and the store's own provenance say; the store's own writes keep
// its provenance.
func TestACallersViewRecordsAsTheCaller(t *testing.T) {
	s := created(t, filepath.Join(t.TempDir(), "db", "cases.db"), Options{
		Provenance: cases.Provenance{Overridden: []string{cases.OverriddenActor}, ReportedOrigin: "192.0.2.9 22 1"}})
	alice := s.As(Caller{Actor: "alice", ReportedOrigin: "198.51.100.7 50000 22"})
	isAlice := func(what string, ev cases.Event) {
		t.Helper()
		if ev.Actor != "alice" || len(ev.Overridden) != 0 || ev.ReportedOrigin != "198.51.100.7 50000 22" {
			t.Errorf("%s: actor %q overridden %v origin %q", what, ev.Actor, ev.Overridden, ev.ReportedOrigin)
		}
	}
	cs, err := alice.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess, cases.RightErasure},
		Subject: cases.Subject{Name: "Anna Berg", Email: "anna@example.org"}, ReceivedAt: testNow}, testRules, testNow, "bob")
	if err != nil {
		t.Fatal(err)
	}
	_, err = alice.Do(cs[0].ID, []Action{{Event: cases.Event{Kind: cases.EventNoted, Text: "called", Actor: "bob",
		Overridden: []string{cases.OverriddenActor, cases.OverriddenClock}, ReportedOrigin: "203.0.113.1 1 22"}, IfRevision: NoRevision}}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	bulk, err := alice.DoEach([]string{cs[0].ID, cs[1].ID}, Action{Event: cases.Event{Kind: cases.EventTagged, Tags: []string{"vip"}, Actor: "bob"}}, nil, testNow)
	if err != nil || len(bulk.Applied) != 2 {
		t.Fatalf("bulk: %+v %v", bulk, err)
	}
	// An import built by a client, by another actor at another time.
	requests := importFile(t, "controller,right,subject,email,received,channel,text\n"+
		"crisp,access,Anna Berg,anna@example.org,2026-03-02,web,again\n")
	imported, err := alice.Import(requests, testNow, "bob")
	if err != nil || imported.Duplicates != 1 {
		t.Fatalf("import: %+v %v", imported, err)
	}
	for _, id := range append([]string{cs[0].ID, cs[1].ID}, imported.IDs...) {
		l, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range l.Case.Events {
			isAlice(id+" "+string(ev.Kind), ev)
			if !ev.RecordedAt.Equal(testNow) {
				t.Errorf("%s %s recorded at %s, not the store's now", id, ev.Kind, ev.RecordedAt)
			}
		}
	}
	if err := alice.LogAccess(Access{At: testNow, Actor: "bob", CaseID: cs[0].ID, What: "revealed e-mail"}); err != nil {
		t.Fatal(err)
	}
	if log, err := s.AccessLog(cs[0].ID); err != nil || len(log) != 1 || log[0].Actor != "alice" {
		t.Fatalf("access log %+v %v", log, err)
	}
	regs, err := s.CurrentRegisters()
	if err != nil || len(regs) == 0 {
		t.Fatalf("registers %v %v", regs, err)
	}
	v, stored, err := alice.PutRegister(regs[0].Register, append(bytes.Clone(regs[0].TOML), "\n# reviewed\n"...), regs[0].Number, "bob", "reviewed", testNow)
	if err != nil || !stored || v.Actor != "alice" {
		t.Fatalf("register version %+v %v %v", v, stored, err)
	}
	// The store's own writes keep its provenance.
	own := addCase(t, s, "Carl Holm")[0]
	if ev := own.Events[0]; ev.Actor != "dpo" || !slices.Equal(ev.Overridden, []string{cases.OverriddenActor}) || ev.ReportedOrigin != "192.0.2.9 22 1" {
		t.Fatalf("the store's own event: %+v", ev)
	}
	// A caller with no name records nothing.
	if _, err := s.As(Caller{}).Do(cs[0].ID, []Action{{Event: cases.Event{Kind: cases.EventNoted, Text: "x", Actor: "bob"},
		IfRevision: NoRevision}}, testNow); !errors.Is(err, errNoActor) {
		t.Fatalf("a nameless caller: %v", err)
	}
	mustCheck(t, s)
}

// TestReadsThroughACallersViewAreLoggedWithTheNextWrite: reads commit
// nothing of their own; the next write transaction carries their access
// entries, and Close writes those still pending.
func TestReadsThroughACallersViewAreLoggedWithTheNextWrite(t *testing.T) {
	s, _ := heldStore(t, Options{Clock: cases.FixedClock(testNow.Add(time.Hour))})
	var commits atomic.Int32
	s.OnCommit(func(uint64) { commits.Add(1) })
	cs := addCase(t, s, "Anna Berg", cases.RightAccess, cases.RightErasure)
	if _, err := s.Do(cs[0].ID, []Action{attach("id.pdf", cases.AttachmentInternal, []byte("%PDF"))}, testNow); err != nil {
		t.Fatal(err)
	}
	carol := s.As(Caller{Actor: "carol", LogReads: true})
	quiet := s.As(Caller{Actor: "dave"})
	before := commits.Load()
	if _, err := carol.Get(cs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := carol.Each([]string{cs[0].ID, cs[1].ID}, func(*Loaded) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.Chain(cs[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.File(cs[0].ID, "id.pdf"); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.Proof(cs[0].ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := quiet.Get(cs[1].ID); err != nil {
		t.Fatal(err)
	}
	var nf *NotFound
	if _, err := carol.Get("DSR-2026-999999"); !errors.As(err, &nf) {
		t.Fatalf("an unknown case: %v", err)
	}
	if commits.Load() != before {
		t.Fatal("a read committed a transaction of its own")
	}
	if log, err := s.AccessLog(""); err != nil || len(log) != 0 {
		t.Fatalf("access log before a write: %+v %v", log, err)
	}
	// The next write, whoever makes it, carries them.
	addCase(t, s, "Bob Stone")
	log, err := s.AccessLog("")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range log {
		if a.Actor != "carol" || !a.At.Equal(testNow.Add(time.Hour)) {
			t.Errorf("entry %+v", a)
		}
		got = append(got, a.CaseID+" "+a.What)
	}
	want := []string{cs[0].ID + " read", cs[0].ID + " read", cs[1].ID + " read", cs[1].ID + " read the chain",
		cs[0].ID + " read an attached file", cs[0].ID + " read the proof"}
	if !slices.Equal(got, want) {
		t.Fatalf("access log\n got %q\nwant %q", got, want)
	}
	// Pending at Close: written then.
	if _, err := carol.Get(cs[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if log, err := s.AccessLog(""); err != nil || len(log) != len(want)+1 || log[len(want)].CaseID != cs[1].ID {
		t.Fatalf("after Close: %+v %v", log, err)
	}
}

// TestAScopedViewAnswersAnotherOrganisationsCaseAsAnUnknownOne: alice works
// for crisp and callrix; closeq's case is, to her, a case that does not
// exist, and no list, queue, row, change or register shows it.
func TestAScopedViewAnswersAnotherOrganisationsCaseAsAnUnknownOne(t *testing.T) {
	s := newStore(t)
	add := func(org, name string) string {
		t.Helper()
		cs, err := s.Add(cases.Intake{Controller: org, Rights: []cases.Right{cases.RightAccess},
			Subject: cases.Subject{Name: name, Email: "x@example.org"}, ReceivedAt: testNow}, testRules, testNow, "dpo")
		if err != nil {
			t.Fatal(err)
		}
		return cs[0].ID
	}
	mine, also, theirs := add("crisp", "Anna Berg"), add("callrix", "Bob Stone"), add("closeq", "Quentin Secret")
	if _, err := s.Do(theirs, []Action{attach("id.pdf", cases.AttachmentInternal, []byte("%PDF"))}, testNow); err != nil {
		t.Fatal(err)
	}
	if org, err := s.OrganisationOf(theirs); err != nil || org != "closeq" {
		t.Fatalf("OrganisationOf: %q %v", org, err)
	}
	alice := s.As(Caller{Actor: "alice", Scope: func(org string) bool { return org == "crisp" || org == "callrix" }})
	const unknown = "DSR-2026-999999"
	same := func(what string, errTheirs, errUnknown error) {
		t.Helper()
		var a, b *NotFound
		if !errors.As(errTheirs, &a) || !errors.As(errUnknown, &b) ||
			strings.Replace(errTheirs.Error(), theirs, "ID", 1) != strings.Replace(errUnknown.Error(), unknown, "ID", 1) {
			t.Errorf("%s: %v, an unknown one: %v", what, errTheirs, errUnknown)
		}
	}
	_, e1 := alice.Get(theirs)
	_, e2 := alice.Get(unknown)
	same("get", e1, e2)
	same("each", alice.Each([]string{mine, theirs}, func(*Loaded) error { return nil }),
		alice.Each([]string{mine, unknown}, func(*Loaded) error { return nil }))
	_, e1 = alice.Chain(theirs)
	_, e2 = alice.Chain(unknown)
	same("chain", e1, e2)
	_, e1 = alice.Proof(theirs, 0)
	_, e2 = alice.Proof(unknown, 0)
	same("proof", e1, e2)
	_, e1 = alice.File(theirs, "id.pdf")
	_, e2 = alice.File(unknown, "id.pdf")
	same("file", e1, e2)
	note := []Action{{Event: cases.Event{Kind: cases.EventNoted, Text: "x"}, IfRevision: NoRevision}}
	_, e1 = alice.Do(theirs, note, testNow)
	_, e2 = alice.Do(unknown, note, testNow)
	same("do", e1, e2)
	same("log access", alice.LogAccess(Access{At: testNow, CaseID: theirs, What: "opened"}),
		alice.LogAccess(Access{At: testNow, CaseID: unknown, What: "opened"}))
	bulk, err := alice.DoEach([]string{mine, theirs, unknown}, Action{Event: cases.Event{Kind: cases.EventTagged, Tags: []string{"x"}}}, nil, testNow)
	if err != nil || len(bulk.Applied) != 1 || bulk.Applied[mine] == nil {
		t.Fatalf("bulk %+v %v", bulk, err)
	}
	same("bulk", bulk.Refused[theirs], bulk.Refused[unknown])

	ids := func(sums []cases.Summary) []string {
		var out []string
		for _, s := range sums {
			out = append(out, s.ID)
		}
		slices.Sort(out)
		return out
	}
	want := []string{mine, also}
	if q, _, err := alice.Queue(testNow); err != nil || !slices.Equal(ids(q), want) {
		t.Fatalf("queue %v %v", ids(q), err)
	}
	if r, _, err := alice.Rows([]string{mine, also, theirs}); err != nil || !slices.Equal(ids(r), want) {
		t.Fatalf("rows %v %v", ids(r), err)
	}
	if _, changed, err := alice.Changes(0); err != nil || slices.Contains(changed, theirs) || !slices.Contains(changed, mine) {
		t.Fatalf("changes %v %v", changed, err)
	}
	for _, f := range []Filter{{}, {Query: "Quentin"}, {Controller: "closeq"}, {Overdue: true}} {
		var listed []string
		if err := alice.List(f, testNow.Add(90*24*time.Hour), func(sum *cases.Summary, _ func() []byte) error {
			listed = append(listed, sum.ID)
			return nil
		}); err != nil || slices.Contains(listed, theirs) {
			t.Fatalf("list %+v: %v %v", f, listed, err)
		}
		n := 0
		if err := alice.ListViews(f, testNow.Add(90*24*time.Hour), func(view []byte) error {
			if bytes.Contains(view, []byte(theirs)) {
				t.Errorf("list views %+v: %s", f, view)
			}
			n++
			return nil
		}); err != nil || n != len(listed) {
			t.Fatalf("list views %+v: %d %v", f, n, err)
		}
	}
	regs, err := alice.CurrentRegisters()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regs {
		if r.Register != "crisp" && r.Register != "callrix" {
			t.Errorf("register %s", r.Register)
		}
	}
	if h, err := alice.RegisterHistory("closeq"); err != nil || len(h) != 0 {
		t.Fatalf("closeq's register: %v %v", h, err)
	}
	var refused *cases.Refused
	if _, err := alice.Add(cases.Intake{Controller: "closeq", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "X", Email: "x@example.org"}, ReceivedAt: testNow}, testRules, testNow, ""); !errors.As(err, &refused) {
		t.Fatalf("an intake for closeq: %v", err)
	}
	if _, _, err := alice.PutRegister("closeq", nil, 0, "", "x", testNow); !errors.As(err, &refused) {
		t.Fatalf("closeq's register: %v", err)
	}
}
