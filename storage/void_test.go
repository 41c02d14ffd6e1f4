package storage

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// indexed says in which index (due, waiting) the case has an entry, and
// what its row's index reference is.
func indexed(t *testing.T, s *Store, id string) (in []string, ref string) {
	t.Helper()
	err := s.view(func(tx kv.Tx) error {
		for _, b := range [][]byte{bucketDue, bucketWaiting} {
			_ = tx.Bucket(b).ForEach(func(k, _ []byte) error {
				if lastField(k) == id {
					in = append(in, string(b))
				}
				return nil
			})
		}
		_, r, err := decodeRow(tx.Bucket(bucketRows).Get([]byte(id)))
		ref = string(r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return in, ref
}

// TestVoidedCaseLeavesTheIndexes: a voided case has no running clock and
// waits for nothing: out of the due and waiting indexes, out of the
// queue's overdue and due-within and of every list but the voided one,
// kept with its timeline.
func TestVoidedCaseLeavesTheIndexes(t *testing.T) {
	s := newStore(t)
	running := addCase(t, s, "Anna A")[0]
	paused := addCase(t, s, "Bruno B")[0]
	if _, err := s.Apply(paused.ID, cases.Event{Kind: cases.EventIDRequested, Reason: "doubt", Actor: "dpo"}, NoRevision, testNow); err != nil {
		t.Fatal(err)
	}
	if in, _ := indexed(t, s, running.ID); !slices.Equal(in, []string{"due"}) {
		t.Fatalf("a running case is in the due index: %v", in)
	}
	if in, _ := indexed(t, s, paused.ID); !slices.Equal(in, []string{"waiting"}) {
		t.Fatalf("a paused case is in the waiting index: %v", in)
	}
	for _, id := range []string{running.ID, paused.ID} {
		res, err := s.Apply(id, cases.Event{Kind: cases.EventVoided, Reason: "recorded by mistake", Actor: "dpo"}, NoRevision, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if res.View.Voided == nil || res.View.Voided.Reason != "recorded by mistake" {
			t.Fatalf("the view says voided: %+v", res.View.Voided)
		}
		if in, ref := indexed(t, s, id); len(in) != 0 || ref != "" {
			t.Fatalf("%s voided: still indexed in %v (row ref %q)", id, in, ref)
		}
	}
	overdue := time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC) // both were due 2 April
	for _, f := range []Filter{{}, {All: true}, {Overdue: true}, {DueWithin: cases.Week}} {
		if got, err := collect(s, f, overdue); err != nil || len(got) != 0 {
			t.Errorf("%+v lists voided cases: %v %v", f, ids(got), err)
		}
	}
	got, err := collect(s, Filter{Voided: true}, overdue)
	if err != nil || len(got) != 2 {
		t.Fatalf("the voided list: %v %v", ids(got), err)
	}
	var view struct {
		Voided *cases.Voided `json:"voided"`
	}
	if err := json.Unmarshal(got[0].JSON, &view); err != nil || view.Voided == nil || view.Voided.By != "dpo" {
		t.Errorf("list --json carries voided: %s", got[0].JSON)
	}
	queue, _, err := s.Queue(overdue)
	if err != nil || len(queue) != 2 || !queue[0].Voided || !queue[1].Voided {
		t.Fatalf("the queue's rows are kept, marked voided: %+v %v", queue, err)
	}
	if st := cases.Statistics(queue, overdue); st.Voided != 2 || st.Cases != 0 || st.Overdue != 0 {
		t.Errorf("statistics: %+v", st)
	}
	if p, err := s.Check(); err != nil || len(p) != 0 {
		t.Fatalf("check after voiding: %v %v", p, err)
	}
}

// TestCorrectionIsStored: a correction goes through the action service
// like any action; the case's facts say the corrected value, the received
// event still says what was received, and the deadline follows a
// corrected receipt (DEADLINES.md section 2: received 2 March, due
// 2 April; received 2 February, due 2 March).
func TestCorrectionIsStored(t *testing.T) {
	s := newStore(t)
	c := addCase(t, s, "Zoé Lefèvre")[0]
	res, err := s.Apply(c.ID, cases.Event{Kind: cases.EventCorrected, Field: "subject", Value: "Zoé Lefebvre",
		Reason: "misspelt at intake", Actor: "dpo"}, 1, testNow)
	if err != nil || res.View.Subject.Name != "Zoé Lefebvre" || res.Revision != 2 {
		t.Fatalf("correct the subject: %+v %v", res, err)
	}
	if res.View.EffectiveDue.String() != "2026-04-02" {
		t.Fatalf("due %s before the receipt is corrected", res.View.EffectiveDue)
	}
	res, err = s.Apply(c.ID, cases.Event{Kind: cases.EventCorrected, Field: "received", Value: "2026-02-02",
		Reason: "the letter arrived on 2 February", Actor: "dpo"}, 2, testNow)
	if err != nil || res.View.EffectiveDue.String() != "2026-03-02" {
		t.Fatalf("correct the receipt: %+v %v", res.View, err)
	}
	l, err := s.Get(c.ID)
	if err != nil || l.Case.Subject.Name != "Zoé Lefebvre" || !l.Case.ReceivedAt.Equal(time.Date(2026, 2, 1, 23, 0, 0, 0, time.UTC)) {
		t.Fatalf("stored facts: %+v %v", l.Case, err)
	}
	if l.Case.Events[0].Kind != cases.EventReceived || l.Case.Events[2].Field != "received" {
		t.Errorf("timeline: %+v", l.Case.Events)
	}
	if p, err := s.Check(); err != nil || len(p) != 0 {
		t.Fatalf("check after correcting: %v %v", p, err)
	}
	// Overdue now (due 2 March), so in the due index under its new date.
	if got, _ := collect(s, Filter{Overdue: true}, testNow); len(got) != 1 {
		t.Errorf("the corrected receipt moved the due index entry: %v", ids(got))
	}
}
