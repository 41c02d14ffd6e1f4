package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"rightsdesk/cases"
)

func TestPeriod(t *testing.T) {
	for _, c := range []struct{ n, days int }{
		{1, Days}, {300, Days}, {20_000, Days}, {Days * IntakePerDay, Days},
		{Days*IntakePerDay + 1, Days + 1}, {100_000, 200}, {1_000_000, 2000},
	} {
		if got := Period(c.n); got != c.days {
			t.Errorf("Period(%d) = %d, want %d", c.n, got, c.days)
		}
	}
}

// demoSample is what a sample of a demo's requests shows, scaled to the
// demo's n cases: the open cases, those received in the last Days days,
// and the cases older than that still open (archivedOpen, counted in the
// sample itself).
type demoSample struct {
	open, recent float64
	archivedOpen int
}

// sampleDemo samples every stride-th request of a demo of n cases:
// request i depends only on the seed, i, now and the period, so a sample
// of the requests is a sample of the demo.
func sampleDemo(t *testing.T, n, samples int) demoSample {
	t.Helper()
	g, err := newDemoGen(Options{Cases: n, Seed: 1, Now: demoNow, Registers: demoRegisters(t)})
	if err != nil {
		t.Fatal(err)
	}
	stride := max(1, n/samples)
	var out demoSample
	var sampled, open, recent int
	for i := 0; sampled < samples; i += stride {
		cs, err := g.request(i)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			sampled++
			st, err := c.Derive(demoNow)
			if err != nil {
				t.Fatal(err)
			}
			isOpen := st.Status != cases.StatusClosed
			isRecent := !c.ReceivedAt.Before(demoNow.AddDate(0, 0, -Days))
			if isOpen {
				open++
			}
			if isRecent {
				recent++
			}
			if isOpen && !isRecent {
				out.archivedOpen++
			}
		}
	}
	scale := float64(n) / float64(sampled)
	out.open, out.recent = float64(open)*scale, float64(recent)*scale
	return out
}

// TestOpenWorkStaysBoundedAsTheDemoGrows: beyond Days*IntakePerDay cases
// the demo grows its archive, not its open work: the open cases of 100,000
// and 184,000 cases stay about those of the largest demo received over
// Days days, and a case older than Days days is closed (but for a rare
// reopening, at 1,000,000 too). Estimated from a thousand cases each: at
// 184,000 about 80 of them are open, so the bounds are wide.
func TestOpenWorkStaysBoundedAsTheDemoGrows(t *testing.T) {
	const samples = 1000
	base := sampleDemo(t, Days*IntakePerDay, samples)
	if base.archivedOpen != 0 {
		t.Fatalf("%d cases: %d open cases older than %d days", Days*IntakePerDay, base.archivedOpen, Days)
	}
	t.Logf("%d cases: about %.0f open", Days*IntakePerDay, base.open)
	sizes := []int{100_000, 4 * Days * IntakePerDay}
	if !testing.Short() {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		got := sampleDemo(t, n, samples)
		t.Logf("%d cases: about %.0f open, %.0f received in the last %d days; %d of the sample older and open", n, got.open, got.recent, Days, got.archivedOpen)
		if n < 1_000_000 && (got.open < 0.6*base.open || got.open > 1.5*base.open) {
			t.Errorf("%d cases: about %.0f open, want about the %.0f of %d cases", n, got.open, base.open, Days*IntakePerDay)
		}
		if got.archivedOpen > samples/200 {
			t.Errorf("%d cases: %d cases of %d sampled are older than %d days and open", n, got.archivedOpen, samples, Days)
		}
	}
}

// storyDigest is a digest of the stories of reqs: each case's receipt,
// right and events (kind, moment, when recorded, outcome), not their
// encoding, so that a field added to cases.Case does not change it.
func storyDigest(reqs [][]*cases.Case) string {
	h := sha256.New()
	for _, r := range reqs {
		for _, c := range r {
			fmt.Fprintf(h, "%s %s %s %d\n", c.ReceivedAt.Format(time.RFC3339Nano), c.Right, c.Subject.Name, len(c.Events))
			for _, e := range c.Events {
				fmt.Fprintf(h, " %s %s %s %s %s %s\n", e.Kind, e.At.Format(time.RFC3339Nano), e.RecordedAt.Format(time.RFC3339Nano), e.Actor, e.Outcome, e.Late)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestSmallDemosAreAsBefore: a demo of up to Days*IntakePerDay cases is
// the one it was before the period grew with the count (the digests were
// taken from the generator of commit bca3581), so that tests, goldens and
// the demo behind --demo do not move.
func TestSmallDemosAreAsBefore(t *testing.T) {
	regs := demoRegisters(t)
	for _, c := range []struct {
		n    int
		seed uint64
		want string
	}{
		{300, 1, "d7444b1a877477b797287d71f62ed32645cee64e38d2779e1762d5179dc909e8"},
		{1000, 7, "f3a233902d110ece68d9284c1fd320d72167a0e148f92bfa17477fe50b8c3f36"},
	} {
		reqs, err := Generate(Options{Cases: c.n, Seed: c.seed, Now: demoNow, Registers: regs})
		if err != nil {
			t.Fatal(err)
		}
		if got := storyDigest(reqs); got != c.want {
			t.Errorf("%d cases, seed %d: stories %s, want %s as before", c.n, c.seed, got, c.want)
		}
	}
}

// TestArchiveComesInOrderOfReceipt: a demo longer than Days days hands
// its archive over first, in order of receipt (so that a store numbering
// and filing the cases as written grows its buckets at their end), from
// the first day of its period, about IntakePerDay cases a day; the
// requests of the last Days days follow it (TestOpenWorkStaysBounded...
// covers what they hold).
func TestArchiveComesInOrderOfReceipt(t *testing.T) {
	const n = 100_000
	opts := Options{Cases: n, Seed: 1, Now: demoNow, Registers: demoRegisters(t)}
	g, err := newDemoGen(opts)
	if err != nil {
		t.Fatal(err)
	}
	for d := 1; d < g.days-Days; d++ {
		if i := g.archiveStart(d); g.archiveDay(i) != d || g.archiveDay(i-1) != d-1 {
			t.Fatalf("day %d of the archive starts at request %d, whose day is %d (the one before: %d)", d, i, g.archiveDay(i), g.archiveDay(i-1))
		}
	}
	if cases := float64(g.archive) * meanCasesPerRequest; math.Abs(cases-float64((g.days-Days)*IntakePerDay)) > IntakePerDay {
		t.Errorf("the archive is %d requests, about %.0f cases, want %d", g.archive, cases, (g.days-Days)*IntakePerDay)
	}
	stop := errors.New("enough")
	var last time.Time
	written, batches := 0, 0
	err = Batches(opts, 500, func(batch [][]*cases.Case) error {
		for _, r := range batch {
			at := r[0].ReceivedAt
			if written == 0 {
				if back := demoNow.Sub(at) / (24 * time.Hour); back < time.Duration(g.days-2) || back > time.Duration(g.days) {
					t.Errorf("the first request is received %d days before now, want the period's first day (%d)", back, g.days)
				}
			}
			if at.Before(last) {
				t.Fatalf("request %d of the archive (received %s) comes after one received %s", written, at, last)
			}
			last = at
			written += len(r)
		}
		if batches++; batches == 12 { // 6,000 requests, several chunks of whole days
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatal(err)
	}
	if days := demoNow.Sub(last).Hours() / 24; days < float64(g.days)-20 || days > float64(g.days)-10 {
		t.Errorf("%d cases of the archive reach %.0f days before now, want about %d days into a period of %d", written, days, written/IntakePerDay, g.days)
	}
}
