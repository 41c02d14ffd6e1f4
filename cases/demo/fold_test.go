package demo

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"rightsdesk/cases"
)

// sameState reports how a folded state differs from a full replay's, or "".
func sameState(folded, full *cases.State) string {
	if reflect.DeepEqual(folded, full) {
		return ""
	}
	f, g := reflect.ValueOf(*folded), reflect.ValueOf(*full)
	for i := range f.NumField() {
		if !reflect.DeepEqual(f.Field(i).Interface(), g.Field(i).Interface()) {
			return f.Type().Field(i).Name
		}
	}
	return "an unexported field"
}

// compareFolded is c's state as of now folded and replayed, and how they
// differ ("": not at all).
func compareFolded(t *testing.T, fold *cases.Folding, c *cases.Case, now time.Time) (folded, full *cases.State, differs string) {
	t.Helper()
	folded, err := fold.Dates(now)
	if err != nil {
		t.Fatal(err)
	}
	if full, err = c.DeriveDates(now); err != nil {
		t.Fatal(err)
	}
	return folded, full, sameState(folded, full)
}

// TestFoldingIsTheFullReplay: the state a cases.Folding keeps between
// events (which the demo checks each event against) is, after every event
// of every case of a demo, and at the moment the next event is recorded
// and at now, the state c.DeriveDates replays from the whole timeline; and
// the dates without their working are those with it.
func TestFoldingIsTheFullReplay(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 600
	}
	reqs, err := Generate(Options{Cases: n, Seed: 11, Now: demoNow, Registers: demoRegisters(t)})
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for _, r := range reqs {
		for _, c := range r {
			grown := *c
			grown.Events = nil
			fold := cases.NewFolding(&grown)
			var kept, keptFull *cases.State // a state handed out before: later events leave it as it was
			for i, ev := range c.Events {
				grown.Events = append(grown.Events, ev)
				events++
				moments := []time.Time{demoNow}
				if i+1 < len(c.Events) {
					moments = append(moments, c.Events[i+1].RecordedAt)
				}
				for _, now := range moments {
					folded, full, d := compareFolded(t, fold, &grown, now)
					if d != "" {
						t.Fatalf("case %s after event %d (%s), as of %s: the folded state's %s differs from the replay's",
							c.Subject.Name, i+1, ev.Kind, now.Format(time.RFC3339), d)
					}
					if kept != nil {
						if d := sameState(kept, keptFull); d != "" {
							t.Fatalf("case %s: event %d (%s) changed the %s of a state handed out before it", c.Subject.Name, i+1, ev.Kind, d)
						}
					}
					kept, keptFull = folded, full
				}
			}
			worked, err := c.Derive(demoNow)
			if err != nil {
				t.Fatal(err)
			}
			dates, _ := c.DeriveDates(demoNow)
			d := *worked.Deadlines
			d.Steps = nil
			if !reflect.DeepEqual(&d, dates.Deadlines) {
				t.Fatalf("case %s: the dates without their working differ from those with it:\n%+v\n%+v", c.Subject.Name, d, *dates.Deadlines)
			}
		}
	}
	t.Logf("%d events of %d requests", events, len(reqs))
}

// TestFoldingAppliesAsApply: random sequences of events (each a demo
// event, at a random later moment, many of them refused) are accepted or
// refused by Folding.Apply exactly as by cases.Apply, with the same event
// and warnings, and after each the folded state is the full replay's;
// a timeline cut short is folded again from its start.
func TestFoldingAppliesAsApply(t *testing.T) {
	reqs, err := Generate(Options{Cases: 400, Seed: 5, Now: demoNow, Registers: demoRegisters(t)})
	if err != nil {
		t.Fatal(err)
	}
	var all []*cases.Case
	var pool []cases.Event
	for _, r := range reqs {
		for _, c := range r {
			all = append(all, c)
			pool = append(pool, c.Events[1:]...)
		}
	}
	rng := rand.New(rand.NewPCG(20, 26))
	accepted, refused := 0, 0
	for k, c := range all {
		grown := *c
		grown.Events = []cases.Event{c.Events[0]}
		fold := cases.NewFolding(&grown)
		at := c.Events[0].RecordedAt
		for step := range 30 {
			if step == 15 && len(grown.Events) > 2 {
				grown.Events = grown.Events[:len(grown.Events)/2]
				at = grown.Events[len(grown.Events)-1].RecordedAt
			}
			ev := pool[rng.IntN(len(pool))]
			at = at.Add(time.Duration(rng.IntN(4*24*60)) * time.Minute)
			ev.At, ev.RecordedAt = at, time.Time{}
			now := at.Add(time.Duration(rng.IntN(60)) * time.Minute)
			gotEv, gotWarn, gotErr := fold.Apply(ev, now)
			wantEv, wantWarn, wantErr := cases.Apply(&grown, ev, now)
			if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
				t.Fatalf("case %d step %d (%s): folded %v, replayed %v", k, step, ev.Kind, gotErr, wantErr)
			}
			if !reflect.DeepEqual(gotEv, wantEv) || !reflect.DeepEqual(gotWarn, wantWarn) {
				t.Fatalf("case %d step %d (%s): the folded check returns another event or warnings", k, step, ev.Kind)
			}
			if gotErr != nil {
				refused++
				continue
			}
			if err := grown.Record(gotEv); err != nil {
				refused++
				continue
			}
			accepted++
			if _, _, d := compareFolded(t, fold, &grown, now); d != "" {
				t.Fatalf("case %d after step %d (%s): the folded state's %s differs from the replay's", k, step, ev.Kind, d)
			}
		}
	}
	if accepted < 1000 || refused < 1000 {
		t.Fatalf("%d events accepted, %d refused: the sequences do not exercise both", accepted, refused)
	}
	t.Logf("%d events accepted, %d refused", accepted, refused)
}
