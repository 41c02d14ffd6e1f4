package storage

import (
	"errors"
	"testing"
	"time"

	"rightsdesk/cases"
)

func TestDoEachAppliesWhatItCanAndNamesTheRest(t *testing.T) {
	s := newStore(t)
	a := addCase(t, s, "Zoé Lefèvre")[0].ID
	b := addCase(t, s, "Łukasz Nowak")[0].ID
	c := addCase(t, s, "Søren Holm")[0].ID
	// b changes after the queue showed it at revision 1.
	if _, err := s.Apply(b, cases.Event{Kind: cases.EventNoted, Text: "x", Actor: "marc"}, 1, testNow); err != nil {
		t.Fatal(err)
	}
	tag := Action{Event: cases.Event{Kind: cases.EventTagged, Tags: []string{"press"}, Actor: "anna"}}
	bulk, err := s.DoEach([]string{a, b, c, "DSR-2026-999999"}, tag, map[string]int{a: 1, b: 1}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	var conflict *Conflict
	var notFound *NotFound
	if len(bulk.Applied) != 2 || bulk.Applied[a] == nil || bulk.Applied[c] == nil ||
		!errors.As(bulk.Refused[b], &conflict) || !errors.As(bulk.Refused["DSR-2026-999999"], &notFound) {
		t.Fatalf("applied %v, refused %v", bulk.Applied, bulk.Refused)
	}
	for id, want := range map[string]int{a: 2, b: 2, c: 2} {
		if l, _ := s.Get(id); l.Revision != want {
			t.Errorf("%s at revision %d, want %d", id, l.Revision, want)
		}
	}
	// Untagging a tag a case does not have is refused for that case only.
	untag := Action{Event: cases.Event{Kind: cases.EventUntagged, Tags: []string{"press"}, Actor: "anna"}}
	bulk, err = s.DoEach([]string{a, b}, untag, nil, testNow)
	var refused *cases.Refused
	if err != nil || len(bulk.Applied) != 1 || !errors.As(bulk.Refused[b], &refused) {
		t.Fatalf("untag: %v %v %v", bulk.Applied, bulk.Refused, err)
	}
}

func TestAccessLogIsApartFromTheTimeline(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	other := addCase(t, s, "Łukasz Nowak")[0].ID
	if log, err := s.AccessLog(id); err != nil || len(log) != 0 {
		t.Fatalf("empty log: %v %v", log, err)
	}
	at := testNow.Add(time.Minute)
	err := s.LogAccess(Access{At: at, Actor: "anna", CaseID: id, What: "opened"},
		Access{At: at, Actor: "anna", CaseID: id, What: "revealed e-mail"},
		Access{At: at, Actor: "marc", CaseID: other, What: "opened"})
	if err != nil {
		t.Fatal(err)
	}
	log, err := s.AccessLog(id)
	if err != nil || len(log) != 2 || log[1].What != "revealed e-mail" || log[0].Actor != "anna" || !log[0].At.Equal(at) {
		t.Fatalf("log of %s: %+v %v", id, log, err)
	}
	if all, _ := s.AccessLog(""); len(all) != 3 {
		t.Fatalf("whole log: %d entries", len(all))
	}
	// Reading is not editing: the case's revision and chain are untouched.
	if l, _ := s.Get(id); l.Revision != 1 {
		t.Fatalf("an access changed the revision to %d", l.Revision)
	}
	if p, err := s.Check(); err != nil || len(p) != 0 {
		t.Fatalf("check: %v %v", p, err)
	}
	if err := s.LogAccess(Access{At: at, CaseID: id, What: "opened"}); err == nil {
		t.Fatal("an entry without an actor was logged")
	}
}
