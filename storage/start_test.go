package storage

import (
	"slices"
	"testing"

	"rightsdesk/cases"
)

func summaryIDs(ss []cases.Summary) []string {
	out := make([]string, len(ss))
	for i := range ss {
		out[i] = ss[i].ID
	}
	return out
}

// TestStartOpenAndClosedMakeTheQueue: the first page is the first rows of
// the open queue, the open and the closed queues together are the whole
// queue, each in its order, and the first page reads about a page of index
// entries, not the archive.
func TestStartOpenAndClosedMakeTheQueue(t *testing.T) {
	s, ids := mixedStore(t, 400, 300, 3)
	all, counter, err := s.Queue(scaleNow)
	if err != nil {
		t.Fatal(err)
	}
	open, openCounter, err := s.OpenQueue(scaleNow)
	if err != nil {
		t.Fatal(err)
	}
	closed, closedCounter, err := s.ClosedQueue(scaleNow)
	if err != nil {
		t.Fatal(err)
	}
	if counter != openCounter || counter != closedCounter || counter == 0 {
		t.Errorf("change counters %d, %d, %d", counter, openCounter, closedCounter)
	}
	var wantOpen, wantClosed []string
	for i := range all {
		if all[i].Voided || (all[i].Closed() && !all[i].AnswerNotSent()) {
			wantClosed = append(wantClosed, all[i].ID)
		} else {
			wantOpen = append(wantOpen, all[i].ID)
		}
	}
	if got := summaryIDs(open); !slices.Equal(got, wantOpen) {
		t.Errorf("open queue %d cases, want %d:\n%v\n%v", len(got), len(wantOpen), got, wantOpen)
	}
	if got := summaryIDs(closed); !slices.Equal(got, wantClosed) {
		t.Errorf("closed queue %d cases, want %d", len(got), len(wantClosed))
	}
	if len(wantClosed) == 0 || len(wantOpen) == 0 {
		t.Fatal("the store has no closed or no open cases: the test proves nothing")
	}
	for _, n := range []int{1, 20, len(open) + 5} {
		candidatesRead.Store(0)
		st, err := s.Start(scaleNow, n)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := summaryIDs(st.Rows), wantOpen[:min(n, len(wantOpen))]; !slices.Equal(got, want) {
			t.Errorf("first %d rows %v, want %v", n, got, want)
		}
		if n < len(open)/2 && candidatesRead.Load() > int64(n)+1 {
			t.Errorf("the first %d rows read %d entries", n, candidatesRead.Load())
		}
		if st.Changes != counter || st.Counts.Open == 0 || st.Counts.Cases != len(ids)-st.Counts.Voided {
			t.Errorf("first page: counter %d (want %d), counts %+v of %d cases", st.Changes, counter, st.Counts, len(ids))
		}
	}
}
