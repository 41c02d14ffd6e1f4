package storage

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// churn applies n random changes to the cases of s, as of now: closings
// that owe an answer (then unsent), answers sent, voidings, reopenings,
// assignments. A change the case refuses (a closed case closed again) is
// skipped, as the app would refuse it.
func churn(t *testing.T, s *Store, ids []string, rng *rand.Rand, n int, now time.Time) {
	t.Helper()
	outcomes := []cases.Outcome{cases.OutcomeFulfilled, cases.OutcomeNoData, cases.OutcomeWithdrawn, cases.OutcomePartiallyFulfilled}
	for range n {
		id := ids[rng.IntN(len(ids))]
		var ev cases.Event
		switch rng.IntN(6) {
		case 0, 1:
			ev = cases.Event{Kind: cases.EventClosed, Outcome: outcomes[rng.IntN(len(outcomes))]}
		case 2:
			ev = cases.Event{Kind: cases.EventSent, Letter: cases.LetterFinal, Outside: true, Reason: "handed over at the desk"}
		case 3:
			ev = cases.Event{Kind: cases.EventVoided, Reason: "recorded by mistake"}
		case 4:
			ev = cases.Event{Kind: cases.EventReopened, Reason: "the subject wrote again"}
		default:
			ev = cases.Event{Kind: cases.EventAssigned, Assignee: fmt.Sprintf("dpo%d", rng.IntN(3))}
		}
		ev.Actor = "dpo"
		_, _ = s.Apply(id, ev, NoRevision, now)
	}
}

// mixedStore is a store of n cases of four organisations, some running,
// paused, closed (withdrawn), then churned: some closed with their answer
// not sent, answered, voided.
func mixedStore(t *testing.T, n, changes int, seed uint64) (*Store, []string) {
	t.Helper()
	reqs, err := scaleRequests(n, scaleNow)
	if err != nil {
		t.Fatal(err)
	}
	s := created(t, filepath.Join(t.TempDir(), "cases.db"), Options{GivenTimes: true})
	if err := s.AddRequests(reqs, scaleNow, 1000); err != nil {
		t.Fatal(err)
	}
	all, _, err := s.Queue(scaleNow)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sum := range all {
		ids = append(ids, sum.ID)
	}
	churn(t, s, ids, rand.New(rand.NewPCG(seed, 1)), changes, scaleNow)
	return s, ids
}

// TestCountsEqualARecount: after random changes, the counts kept in each
// transaction equal those worked out from every case's summary
// (cases.Statistics), for every organisation and for all, at several
// times; and a rebuild of what is derived gives the same counts.
func TestCountsEqualARecount(t *testing.T) {
	for seed := range uint64(4) {
		s, ids := mixedStore(t, 120, 150, seed)
		check := func(when string) {
			t.Helper()
			all, _, err := s.Queue(scaleNow)
			if err != nil {
				t.Fatal(err)
			}
			for _, org := range []string{"", "crisp", "callrix", "closeq", "crystalqore", "nobody"} {
				var mine []cases.Summary
				for _, sum := range all {
					if org == "" || sum.Controller == org {
						mine = append(mine, sum)
					}
				}
				for _, now := range []time.Time{scaleNow, scaleNow.Add(-40 * 24 * time.Hour), scaleNow.Add(20 * 24 * time.Hour)} {
					want := cases.Statistics(mine, now)
					got, err := s.Counts(org, now)
					if err != nil {
						t.Fatal(err)
					}
					if got.Cases != want.Cases || got.Open != want.Open || got.Voided != want.Voided || got.AnswerNotSent != want.AnswerNotSent ||
						got.Overdue != want.Overdue || got.DueThisWeek != want.DueThisWeek || !equalCounts(got.OpenByStatus, want.OpenByStatus) {
						t.Fatalf("seed %d %s, %q at %s: counts %+v, a recount %+v", seed, when, org, now.Format(time.DateOnly), got,
							Counts{Cases: want.Cases, Open: want.Open, Voided: want.Voided, AnswerNotSent: want.AnswerNotSent,
								Overdue: want.Overdue, DueThisWeek: want.DueThisWeek, OpenByStatus: want.OpenByStatus})
					}
				}
			}
		}
		check("after the changes")
		if err := s.update(func(tx kv.Tx) error { return rebuildIndex(tx, scaleNow) }); err != nil {
			t.Fatal(err)
		}
		check("after a rebuild")
		churn(t, s, ids, rand.New(rand.NewPCG(seed, 2)), 60, scaleNow)
		check("after more changes")
	}
}

func equalCounts(a, b map[cases.Status]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// TestOwingListingsReadOnlyTheirIndexes: overdue, due-within and
// unanswered, closed cases let in or not, list what a filter over every
// case lists, in the same order, and read only index entries they print
// (a walk of the archive would read every case).
func TestOwingListingsReadOnlyTheirIndexes(t *testing.T) {
	s, ids := mixedStore(t, 600, 500, 7)
	all, _, err := s.Queue(scaleNow)
	if err != nil {
		t.Fatal(err)
	}
	unsent := 0
	for i := range all {
		if all[i].AnswerNotSent() {
			unsent++
		}
	}
	if unsent < 5 {
		t.Fatalf("the churn left %d cases closed with their answer not sent: too few to test", unsent)
	}
	week := cases.Week
	for _, f := range []Filter{{Overdue: true}, {Overdue: true, All: true}, {AnswerNotSent: true}, {Overdue: true, AnswerNotSent: true},
		{DueWithin: week}, {DueWithin: week, All: true}, {DueWithin: week, Overdue: true, All: true},
		{Overdue: true, All: true, Controller: "crisp"}, {Overdue: true, Statuses: []cases.Status{cases.StatusClosed}}} {
		var want []string
		for i := range all {
			if f.matches(&all[i], scaleNow) {
				want = append(want, all[i].ID)
			}
		}
		candidatesRead.Store(0)
		var got []string
		if err := s.List(f, scaleNow, func(sum *cases.Summary, _ func() []byte) error {
			got = append(got, sum.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		read := candidatesRead.Load()
		if !slices.Equal(got, want) {
			t.Errorf("%+v: listed %d cases %v, a filter over every case %d %v", f, len(got), got, len(want), want)
		}
		if len(want) == 0 {
			t.Errorf("%+v: nothing to list, the test proves nothing", f)
		}
		// Where the indexes alone decide, each entry read is printed;
		// otherwise the entries read are at most those owing an answer.
		if f.indexDecides() && read != int64(len(got)) {
			t.Errorf("%+v: read %d entries to list %d", f, read, len(got))
		}
		if read >= int64(len(ids))/2 {
			t.Errorf("%+v: read %d entries of %d cases to list %d: it walked the archive", f, read, len(ids), len(got))
		}
		candidatesRead.Store(0)
		n := 0
		if err := s.ListViews(f, scaleNow, func([]byte) error { n++; return nil }); err != nil || n != len(want) {
			t.Errorf("%+v: ListViews printed %d, want %d (%v)", f, n, len(want), err)
		}
	}
}
