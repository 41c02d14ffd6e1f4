package storage

import (
	"bytes"
	"io/fs"
	"os"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"rightsdesk/cases"
)

// oldCase records a case received on received and closed a fortnight
// later, with a note and an attached file carrying marker text.
func oldCase(t *testing.T, s *Store, name string, received time.Time, marker string, tags ...string) string {
	t.Helper()
	closed := received.Add(14 * 24 * time.Hour)
	cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: name, Email: marker + "@example.org"}, Text: "please send " + marker,
		ReceivedAt: received}, testRules, received, "dpo")
	if err != nil {
		t.Fatal(err)
	}
	id := cs[0].ID
	ev := func(e cases.Event, content []byte) Action {
		e.Actor = "dpo"
		e.At = closed
		return Action{Event: e, IfRevision: NoRevision, Content: content}
	}
	actions := []Action{
		ev(cases.Event{Kind: cases.EventNoted, Text: "called " + marker}, nil),
		ev(cases.Event{Kind: cases.EventAttached, Attachment: &cases.Attachment{Name: "orders.csv", Category: "orders"}}, []byte("order,"+marker+"-FILE\n")),
		// The answer was posted by hand: purge is about what the events
		// carry, not how the letter was made.
		ev(cases.Event{Kind: cases.EventSent, Letter: cases.LetterFinal, To: marker + "@example.org",
			Outside: true, Reason: "posted by hand"}, nil),
		ev(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled}, nil),
	}
	if len(tags) > 0 {
		actions = append(actions, ev(cases.Event{Kind: cases.EventTagged, Tags: tags}, nil))
	}
	if _, err := s.Do(id, actions, closed); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestPurge(t *testing.T) {
	s := newTimeMachine(t)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	// Crisp's register: copies 6 months after closure, minimal record after 3 years.
	retention := func(controller string) (Retention, bool) {
		return Retention{CopiesMonths: 6, RecordYears: 3}, controller == "crisp"
	}
	ancient := oldCase(t, s, "Aurélie Ancienne", time.Date(2022, 1, 3, 9, 0, 0, 0, time.UTC), "ANCIENTMARKER")
	older := oldCase(t, s, "Olivier Older", time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), "OLDERMARKER")
	recent := oldCase(t, s, "Rémi Recent", time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC), "RECENTMARKER")
	held := oldCase(t, s, "Hélène Held", time.Date(2022, 2, 1, 9, 0, 0, 0, time.UTC), "HELDMARKER", LegalHold)
	other, err := s.Add(cases.Intake{Controller: "acme", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Other", Email: "o@example.org"}, ReceivedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, testRules, now, "dpo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(other[0].ID, cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeNoData, Actor: "dpo",
		At: time.Date(2020, 1, 5, 0, 0, 0, 0, time.UTC), Late: "found in the old paper files"}, NoRevision, now); err != nil {
		t.Fatal(err)
	}
	before, _, err := s.Queue(now)
	if err != nil {
		t.Fatal(err)
	}

	dry, err := s.Purge(retention, now, "retention", true)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(s.Path())
	if !bytes.Contains(raw, []byte("ANCIENTMARKER")) {
		t.Fatal("the dry run removed something")
	}
	real, err := s.Purge(retention, now, "retention", false)
	if err != nil {
		t.Fatal(err)
	}
	dry.SizeBefore, dry.SizeAfter, real.SizeBefore, real.SizeAfter = 0, 0, 0, 0
	if !reflect.DeepEqual(dry, real) {
		t.Fatalf("the dry run differs from the real run:\n dry %+v\nreal %+v", dry, real)
	}
	// Closed 17 January 2022: the record is due on 17 January 2025. Closed
	// 19 January 2026: copies due 19 July 2026. Closed 15 October 2026:
	// nothing due until April 2027.
	want := []PurgeItem{
		{CaseID: ancient, Controller: "crisp", ClosedOn: cases.NewDate(2022, 1, 17), Stage: PurgeRecord, Files: 1, Bytes: 25},
		{CaseID: older, Controller: "crisp", ClosedOn: cases.NewDate(2026, 1, 19), Stage: PurgeCopies, Files: 1, Bytes: 23},
	}
	if !reflect.DeepEqual(real.Items, want) || !reflect.DeepEqual(real.Held, []string{held}) || !reflect.DeepEqual(real.Unknown, []string{"acme"}) {
		t.Fatalf("plan %+v held %v unknown %v", real.Items, real.Held, real.Unknown)
	}

	// The erased bytes are gone from the file, free pages included; what
	// was kept is still there.
	raw, _ = os.ReadFile(s.Path())
	for _, gone := range []string{"ANCIENTMARKER", "Aurélie Ancienne", "OLDERMARKER-FILE"} {
		if bytes.Contains(raw, []byte(gone)) {
			t.Errorf("%q is still in the file after the purge", gone)
		}
	}
	for _, kept := range []string{"OLDERMARKER@example.org", "HELDMARKER-FILE", "RECENTMARKER-FILE", "Hélène Held"} {
		if !bytes.Contains(raw, []byte(kept)) {
			t.Errorf("%q should have been kept", kept)
		}
	}
	// Every chain still verifies; purged content left its digest.
	if p, err := s.Check(); err != nil || len(p) != 0 {
		t.Fatalf("check after purge: %v %v", p, err)
	}
	// The minimal record keeps the dates, the outcome and the timeliness.
	after, _, err := s.Queue(now)
	if err != nil {
		t.Fatal(err)
	}
	for i := range before {
		b, a := before[i], after[i]
		if b.ID != a.ID || b.EffectiveDue != a.EffectiveDue || b.AnsweredOn != a.AnsweredOn || b.Outcome != a.Outcome || !b.ClosedAt.Equal(a.ClosedAt) {
			t.Errorf("%s changed: %+v -> %+v", b.ID, b, a)
		}
		if a.ID == ancient && (a.SubjectName != "" || a.Email != "") {
			t.Errorf("the minimal record still names the subject: %+v", a)
		}
	}
	l, err := s.Get(ancient)
	if err != nil || l.Case.Text != "" || l.Case.Events[len(l.Case.Events)-1].Kind != cases.EventPurged {
		t.Fatalf("the purged case: %+v %v", l, err)
	}
	if _, err := s.File(older, "orders.csv"); err == nil {
		t.Fatal("the older case's file is still readable")
	}
	if b, err := s.File(recent, "orders.csv"); err != nil || !bytes.Contains(b, []byte("RECENTMARKER")) {
		t.Fatalf("a recent case lost its file: %v", err)
	}
	// Purging again does nothing more, and a new case after compaction
	// takes the next number.
	again, err := s.Purge(retention, now, "retention", false)
	if err != nil || len(again.Items) != 0 {
		t.Fatalf("second purge: %+v %v", again, err)
	}
	next := addCase(t, s, "Nina Next")[0].ID
	if next != "DSR-2026-000003" { // older and recent are 000001 and 000002
		t.Fatalf("after compaction the next 2026 case is %s, want DSR-2026-000003", next)
	}
	info, _ := os.Stat(s.Path())
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("compacted file mode %v", info.Mode())
	}
}

// TestWriterWaitingDuringCompactionLosesNothing: a writer that waited for
// the lock while a purge renamed a compacted file over the database writes
// to the new file, not to the old one that is gone.
func TestWriterWaitingDuringCompactionLosesNothing(t *testing.T) {
	a := newStore(t)
	addCase(t, a, "Zoé Lefèvre")
	b := Open(a.Path(), Options{LockTimeout: 5 * time.Second})
	// opened tells when b has the old file open: it took the lock a holds
	// next, so from then on it waits for it.
	opened := make(chan struct{})
	var opens atomic.Int32
	b.openFile = func(name string, flag int, perm fs.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		if opens.Add(1) == 1 {
			close(opened)
		}
		return f, err
	}
	db, err := a.lockedOpen(false, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() {
		cs, err := b.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
			Subject: cases.Subject{Name: "Wanda Waiting", Email: "w@example.org"}}, testRules, testNow, "marc")
		if err != nil {
			done <- err.Error()
			return
		}
		done <- cs[0].ID
	}()
	select {
	case <-opened:
	case id := <-done:
		t.Fatalf("b did not wait for the lock a holds: %s", id)
	case <-time.After(5 * time.Second):
		t.Fatal("b never opened the database file")
	}
	if err := a.compactInPlace(db); err != nil {
		t.Fatal(err)
	}
	db.Close()
	id := <-done
	if l, err := a.Get(id); err != nil || l.Case.Subject.Name != "Wanda Waiting" {
		t.Fatalf("the waiting writer's case %q is not in the database: %v", id, err)
	}
	if n := opens.Load(); n < 2 {
		t.Fatalf("b opened the file %d time(s): it did not notice the old one was replaced", n)
	}
}

// TestAVoidedCaseIsPurgedFromItsVoiding: a case recorded by mistake and
// voided while open is never closed, yet its personal data are not kept
// for ever: retention counts from the day it was voided (6 months for the
// files, 3 years for the minimal record, as for a closed case).
func TestAVoidedCaseIsPurgedFromItsVoiding(t *testing.T) {
	s := newTimeMachine(t)
	received := time.Date(2022, 3, 1, 9, 0, 0, 0, time.UTC)
	cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Véronique Voided", Email: "VOIDMARKER@example.org"}, Text: "VOIDMARKER text",
		ReceivedAt: received}, testRules, received, "dpo")
	if err != nil {
		t.Fatal(err)
	}
	id := cs[0].ID
	voided := received.Add(2 * time.Hour)
	if _, err := s.Apply(id, cases.Event{Kind: cases.EventVoided, Reason: "recorded twice", Actor: "dpo", At: voided},
		NoRevision, voided); err != nil {
		t.Fatal(err)
	}
	retention := func(string) (Retention, bool) { return Retention{CopiesMonths: 6, RecordYears: 3}, true }
	// Voided 1 March 2022: the minimal record is due on 1 March 2025.
	plan, err := s.Purge(retention, time.Date(2025, 2, 28, 12, 0, 0, 0, time.UTC), "retention", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 1 || plan.Items[0].Stage != PurgeCopies || plan.Items[0].ClosedOn != cases.NewDate(2022, 3, 1) {
		t.Fatalf("the day before the record is due: %+v", plan.Items)
	}
	plan, err = s.Purge(retention, time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), "retention", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 1 || plan.Items[0].CaseID != id || plan.Items[0].Stage != PurgeRecord {
		t.Fatalf("on the day: %+v", plan.Items)
	}
	raw, _ := os.ReadFile(s.Path())
	if bytes.Contains(raw, []byte("VOIDMARKER")) || bytes.Contains(raw, []byte("Véronique")) {
		t.Fatal("the voided case's personal data are still in the file")
	}
	if p, err := s.Check(); err != nil || len(p) != 0 {
		t.Fatalf("check: %v %v", p, err)
	}
}
