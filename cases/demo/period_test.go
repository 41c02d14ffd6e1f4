package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

// openSample estimates how many of a demo's n cases are open now (and how
// many were received in the last Days days) from every stride-th request:
// request i depends only on the seed, i, now and the period, so a sample
// of the requests is a sample of the demo.
func openSample(t *testing.T, n, stride int) (open, recent, archivedOpen float64) {
	t.Helper()
	g, err := newDemoGen(Options{Cases: n, Seed: 1, Now: demoNow, Registers: demoRegisters(t)})
	if err != nil {
		t.Fatal(err)
	}
	var sampled, o, r, ao int
	for i := 0; sampled < n/stride; i += stride {
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
				o++
			}
			if isRecent {
				r++
			}
			if isOpen && !isRecent {
				ao++
				if testing.Verbose() {
					var kinds []string
					for _, e := range c.Events {
						kinds = append(kinds, string(e.Kind))
					}
					t.Logf("open, received %s: %s %v", c.ReceivedAt.Format("2006-01-02"), st.Status, kinds)
				}
			}
		}
	}
	scale := float64(n) / float64(sampled)
	return float64(o) * scale, float64(r) * scale, float64(ao) * scale
}

// TestOpenWorkStaysBoundedAsTheDemoGrows: beyond Days*IntakePerDay cases
// the demo grows its archive, not its open work: the open cases of
// 100,000 and 1,000,000 stay about those of the largest demo received over
// Days days, and a case older than Days days is closed.
func TestOpenWorkStaysBoundedAsTheDemoGrows(t *testing.T) {
	samples := 2000
	if testing.Short() {
		samples = 500
	}
	base, _, baseArchived := openSample(t, Days*IntakePerDay, Days*IntakePerDay/samples)
	if baseArchived != 0 {
		t.Fatalf("%d cases: %.0f open cases older than %d days", Days*IntakePerDay, baseArchived, Days)
	}
	t.Logf("%d cases: about %.0f open", Days*IntakePerDay, base)
	for _, n := range []int{100_000, 1_000_000} {
		open, recent, archivedOpen := openSample(t, n, n/samples)
		t.Logf("%d cases: about %.0f open, %.0f received in the last %d days, %.0f open and older", n, open, recent, Days, archivedOpen)
		if open < 0.8*base || open > 1.25*base {
			t.Errorf("%d cases: about %.0f open, want about the %.0f of %d cases", n, open, base, Days*IntakePerDay)
		}
		if archivedOpen > 0.02*base {
			t.Errorf("%d cases: about %.0f cases older than %d days are open", n, archivedOpen, Days)
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
