package demo

import (
	"rightsdesk/cases"
	"rightsdesk/cases/register"

	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func demoRegisters(t testing.TB) []*register.Register {
	t.Helper()
	rs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return rs.All()
}

// demoNow is a Monday: rolled deadlines can fall on it, so some cases are
// due today.
var demoNow = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func demoJSON(t *testing.T, reqs [][]*cases.Case) string {
	t.Helper()
	b, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDemoIsDeterministic(t *testing.T) {
	regs := demoRegisters(t)
	run := func(cases int, seed uint64) [][]*cases.Case {
		reqs, err := Generate(Options{Cases: cases, Seed: seed, Now: demoNow, Registers: regs})
		if err != nil {
			t.Fatal(err)
		}
		return reqs
	}
	a, b, other := run(300, 7), run(300, 7), run(300, 8)
	if demoJSON(t, a) != demoJSON(t, b) {
		t.Fatal("the same seed and clock gave different cases")
	}
	if demoJSON(t, a) == demoJSON(t, other) {
		t.Fatal("another seed gave the same cases")
	}
	// Request i depends only on the seed, i and the clock: a larger run
	// starts with the smaller one, and batching changes nothing.
	larger := run(900, 7)
	if demoJSON(t, larger[:len(a)]) != demoJSON(t, a) {
		t.Fatal("300 cases are not the start of 900 with the same seed")
	}
	var batched [][]*cases.Case
	sizes := []int{}
	err := Batches(Options{Cases: 900, Seed: 7, Now: demoNow, Registers: regs}, 37, func(batch [][]*cases.Case) error {
		batched = append(batched, batch...)
		sizes = append(sizes, len(batch))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if demoJSON(t, batched) != demoJSON(t, larger) {
		t.Fatal("batches of 37 requests differ from one batch")
	}
	if slices.Max(sizes) != 37 || len(sizes) < 2 {
		t.Fatalf("batch sizes %v, want at most 37 requests each", sizes)
	}
	n := 0
	for _, r := range larger {
		n += len(r)
	}
	if last := larger[len(larger)-1]; n < 900 || n-len(last) >= 900 {
		t.Fatalf("%d cases for --cases 900: the run must stop at the request that reaches the count", n)
	}
}

// TestDemoCoversTheWorkflow checks that a first look at 300 cases shows
// everything the issue lists, for several seeds (not one lucky one).
func TestDemoCoversTheWorkflow(t *testing.T) {
	regs := demoRegisters(t)
	for _, seed := range []uint64{1, 2, 3} {
		reqs, err := Generate(Options{Cases: 300, Seed: seed, Now: demoNow, Registers: regs})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, req := range reqs {
			if len(req) > 1 {
				seen["several rights"] = true
			}
			for _, c := range req {
				st, err := c.Derive(demoNow)
				if err != nil {
					t.Fatal(err)
				}
				d := st.Deadlines
				seen["organisation "+c.Controller] = true
				seen["regime "+c.Rules.Regime] = true
				seen["right "+string(c.Right)] = true
				seen["status "+string(st.Status)] = true
				seen["clock "+string(d.Clock)] = true
				if st.Outcome != "" {
					seen["outcome "+string(st.Outcome)] = true
				}
				if c.Requester != nil {
					seen["requester "+string(c.Requester.Relation)] = true
				}
				if v := d.ExtensionValid; v != nil {
					seen[map[bool]string{true: "extension in force", false: "extension notice late"}[*v]] = true
					if *v && st.Status != cases.StatusClosed {
						seen["open and extended"] = true
					}
				}
				if len(st.Withheld) > 0 {
					seen["withheld file"] = true
				}
				if len(st.Notes) > 0 {
					seen["note"] = true
				}
				if len(st.Tags) > 0 {
					seen["tag"] = true
				}
				if st.Assignee != "" {
					seen["assignee"] = true
				}
				for _, a := range st.Attachments {
					if a.Content != nil && int64(len(a.Content)) == a.Size {
						seen["attachment "+string(a.Kind)] = true
					}
				}
				for _, ev := range c.Events {
					if ev.Kind == cases.EventReopened {
						seen["reopened"] = true
					}
					if ev.RecordedAt.Sub(ev.At) > 12*time.Hour {
						seen["recorded later"] = true
					}
				}
				if st.Status != cases.StatusClosed && d.Clock == cases.ClockRunning && d.EffectiveDue != nil {
					loc, _ := cases.LoadZone(st.Rules.Zone)
					switch today := cases.DateOf(demoNow, loc); {
					case d.EffectiveDue.Before(today):
						seen["overdue"] = true
					case *d.EffectiveDue == today:
						seen["due today"] = true
					}
				}
			}
		}
		want := []string{"several rights", "requester agent", "requester parent", "requester guardian",
			"extension in force", "extension notice late", "open and extended", "withheld file", "note", "tag", "assignee",
			"attachment data-copy", "attachment internal", "reopened", "recorded later", "overdue", "due today",
			"regime eu-gdpr", "regime us-ca"}
		for _, r := range regs {
			want = append(want, "organisation "+r.ID)
		}
		for _, r := range cases.Rights {
			want = append(want, "right "+string(r))
		}
		for _, s := range cases.Statuses {
			want = append(want, "status "+string(s))
		}
		for _, o := range cases.Outcomes {
			want = append(want, "outcome "+string(o))
		}
		// The five organisations face EU GDPR and the CCPA: no UK restart
		// (TestDemoUKRestart has one).
		for _, c := range []cases.ClockState{cases.ClockRunning, cases.ClockPaused, cases.ClockStopped} {
			want = append(want, "clock "+string(c))
		}
		for _, w := range want {
			if !seen[w] {
				t.Errorf("seed %d: 300 demo cases show no %s", seed, w)
			}
		}
	}
}

var emailLike = regexp.MustCompile(`[A-Za-z0-9._%+'-]+@([A-Za-z0-9.-]+)`)

// TestDemoIsFictionalAndInTime: every address anywhere in a case is on a
// documentation domain (RFC 2606), every case was received in the last
// Days days, and every event happened after receipt and was recorded
// in order, never after now.
func TestDemoIsFictionalAndInTime(t *testing.T) {
	if testing.Short() {
		t.Skip("generation-heavy content checks, without concurrency: the full run (go test ./...) makes them; the race run uses -short")
	}
	reqs, err := Generate(Options{Cases: 2000, Seed: 4, Now: demoNow, Registers: demoRegisters(t)})
	if err != nil {
		t.Fatal(err)
	}
	emails := 0
	for _, req := range reqs {
		for _, c := range req {
			for _, m := range emailLike.FindAllStringSubmatch(demoJSON(t, [][]*cases.Case{{c}}), -1) {
				emails++
				if !slices.Contains([]string{"example.org", "example.com", "example.net"}, strings.ToLower(m[1])) {
					t.Errorf("%s: address %q is not on a documentation domain", c.Subject.Name, m[0])
				}
			}
			if c.ReceivedAt.After(demoNow) || c.ReceivedAt.Before(demoNow.AddDate(0, 0, -Days)) {
				t.Errorf("%s received %s, outside the %d days before %s", c.Subject.Name, c.ReceivedAt, Days, demoNow)
			}
			loc, _ := cases.LoadZone(c.Rules.Zone)
			receipt := cases.DateOf(c.ReceivedAt, loc)
			var last time.Time
			for _, ev := range c.Events {
				if ev.RecordedAt.After(demoNow) || ev.At.After(ev.RecordedAt) || ev.RecordedAt.Before(last) ||
					cases.DateOf(ev.At, loc).Before(receipt) {
					t.Fatalf("%s: %s happened %s, recorded %s after %s (receipt %s, now %s)", c.Subject.Name, ev.Kind,
						ev.At, ev.RecordedAt, last, receipt, demoNow)
				}
				last = ev.RecordedAt
			}
		}
	}
	if emails < 1000 {
		t.Fatalf("only %d addresses in 2,000 cases: the check checked little", emails)
	}
}

// TestDemoTimelinesReplay: each generated timeline, replayed event by event
// through Apply on a fresh copy of its case, is accepted and gives the same
// events, so the generator made nothing the real transitions refuse.
func TestDemoTimelinesReplay(t *testing.T) {
	reqs, err := Generate(Options{Cases: 1000, Seed: 5, Now: demoNow, Registers: demoRegisters(t)})
	if err != nil {
		t.Fatal(err)
	}
	replayAll(t, reqs)
}

// replayAll replays each timeline event by event through Apply on a fresh
// copy of its case, recorded when it was, and wants every event accepted
// and the same timeline back.
func replayAll(t *testing.T, reqs [][]*cases.Case) {
	t.Helper()
	for _, req := range reqs {
		for _, c := range req {
			fresh := *c
			fresh.Events = []cases.Event{c.Events[0]}
			for _, ev := range c.Events[1:] {
				proposed := ev
				proposed.RecordedAt = time.Time{}
				done, _, err := cases.Apply(&fresh, proposed, ev.RecordedAt)
				if err != nil {
					t.Fatalf("%s (%s): replaying %s: %v", c.Subject.Name, c.Right, ev.Kind, err)
				}
				fresh.Events = append(fresh.Events, done)
			}
			if a, b := demoJSON(t, [][]*cases.Case{{c}}), demoJSON(t, [][]*cases.Case{{&fresh}}); a != b {
				t.Fatalf("%s: the replayed timeline differs:\n%s\n%s", c.Subject.Name, a, b)
			}
		}
	}
}

// TestDemoUKRestart: an organisation facing UK GDPR gets British names and
// cases whose clock awaits a restart, and where identity arrived the period
// runs from that day (Art. 12A, DEADLINES.md section 3).
func TestDemoUKRestart(t *testing.T) {
	base := demoRegisters(t)[0]
	uk := *base
	uk.ID = "uk-example"
	uk.Country.Value = "GB"
	uk.Clock.Regime.Value = "uk-gdpr"
	uk.Clock.OtherRegimes = nil
	uk.Clock.Zone.Value = "Europe/London"
	uk.Clock.Calendar.Value = "GB-EAW"
	reqs, err := Generate(Options{Cases: 400, Seed: 1, Now: demoNow, Registers: []*register.Register{&uk}})
	if err != nil {
		t.Fatal(err)
	}
	awaiting, restarted := 0, 0
	for _, req := range reqs {
		for _, c := range req {
			if !slices.ContainsFunc(demoPools["GB"].last, func(s string) bool { return strings.HasSuffix(c.Subject.Name, " "+s) }) {
				t.Errorf("%q is not a name of the British pool", c.Subject.Name)
			}
			st, err := c.Derive(demoNow)
			if err != nil {
				t.Fatal(err)
			}
			if st.Deadlines.Clock == cases.ClockAwaitingRestart {
				awaiting++
			}
			for _, ev := range c.Events {
				if ev.Kind == cases.EventIDReceived && st.Status != cases.StatusClosed && !slices.ContainsFunc(c.Events, func(e cases.Event) bool {
					return e.Kind == cases.EventAuthorityReceived && e.At.After(ev.At)
				}) {
					restarted++
					if got := cases.DateOf(ev.At, mustLoad(t, "Europe/London")); st.Deadlines.StartDate != got {
						t.Errorf("%s: identity arrived %s but the period runs from %s", c.Subject.Name, got, st.Deadlines.StartDate)
					}
				}
			}
		}
	}
	if awaiting == 0 || restarted == 0 {
		t.Fatalf("%d cases awaiting a restart, %d restarted: want some of each", awaiting, restarted)
	}
}

func mustLoad(t *testing.T, zone string) *time.Location {
	t.Helper()
	loc, err := cases.LoadZone(zone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestDemoTeam(t *testing.T) {
	reqs, err := Generate(Options{Cases: 200, Seed: 1, Now: demoNow, Registers: demoRegisters(t), Team: []string{"dpo", "ines"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range reqs {
		for _, c := range req {
			for _, ev := range c.Events {
				if ev.Actor != "dpo" && ev.Actor != "ines" || ev.Kind == cases.EventAssigned && ev.Assignee != "dpo" && ev.Assignee != "ines" {
					t.Fatalf("%s by %q (assignee %q): not of the team", ev.Kind, ev.Actor, ev.Assignee)
				}
			}
		}
	}
}

func TestDemoRefusesWhatItCannotMake(t *testing.T) {
	regs := demoRegisters(t)
	for name, opts := range map[string]Options{
		"no organisation": {Cases: 10, Now: demoNow},
		"no case":         {Cases: 0, Now: demoNow, Registers: regs},
		"no clock":        {Cases: 10, Registers: regs},
	} {
		if _, err := Generate(opts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// BenchmarkDemoGenerate100k is the generator alone for demo --cases 100000.
func BenchmarkDemoGenerate100k(b *testing.B) {
	regs := demoRegisters(b)
	for b.Loop() {
		if _, err := Generate(Options{Cases: 100_000, Seed: 1, Now: demoNow, Registers: regs}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDemoBatches20k is the generator as demo --cases 20000 runs it:
// batches of 500 requests, each let go once made, so that the figure is
// the generator's work, not a heap of 20,000 cases kept.
func BenchmarkDemoBatches20k(b *testing.B) {
	regs := demoRegisters(b)
	for b.Loop() {
		n := 0
		if err := Batches(Options{Cases: 20_000, Seed: 1, Now: demoNow, Registers: regs}, 500, func(batch [][]*cases.Case) error {
			n += len(batch)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			b.Fatal("no requests")
		}
	}
}
