package cases

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func demoRegisters(t testing.TB) []*Register {
	t.Helper()
	rs, err := LoadRegisters(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return rs.All()
}

var demoNow = time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)

func TestDemoIsDeterministic(t *testing.T) {
	regs := demoRegisters(t)
	a, err := Demo(DemoOptions{Cases: 300, Seed: 7, Now: demoNow, Registers: regs})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Demo(DemoOptions{Cases: 300, Seed: 7, Now: demoNow, Registers: regs})
	c, _ := Demo(DemoOptions{Cases: 300, Seed: 8, Now: demoNow, Registers: regs})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	jc, _ := json.Marshal(c)
	if string(ja) != string(jb) {
		t.Fatal("the same seed and clock gave different cases")
	}
	if string(ja) == string(jc) {
		t.Fatal("another seed gave the same cases")
	}
}

func TestDemoCoversTheWorkflow(t *testing.T) {
	regs := demoRegisters(t)
	reqs, err := Demo(DemoOptions{Cases: 300, Seed: 1, Now: demoNow, Registers: regs})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	n := 0
	for _, req := range reqs {
		if len(req) > 1 {
			seen["several rights"] = true
		}
		for _, c := range req {
			n++
			if c.ReceivedAt.After(demoNow) || c.ReceivedAt.Before(demoNow.Add(-93*24*time.Hour)) {
				t.Errorf("%s received %s, outside the last three months", c.Subject.Name, c.ReceivedAt)
			}
			if e := c.Subject.Email; e != "" && !strings.HasSuffix(e, "@example.org") && !strings.HasSuffix(e, "@example.com") && !strings.HasSuffix(e, "@example.net") {
				t.Errorf("address %q is not on a documentation domain", e)
			}
			// Replaying the timeline through the domain accepts every event.
			replay := *c
			replay.Events = c.Events[:1]
			for _, ev := range c.Events[1:] {
				done, _, err := Apply(&replay, ev, ev.RecordedAt)
				if err != nil {
					t.Fatalf("%s: replaying %s: %v", c.Subject.Name, ev.Kind, err)
				}
				replay.Events = append(replay.Events, done)
			}
			st, err := c.Derive(demoNow)
			if err != nil {
				t.Fatal(err)
			}
			seen["right "+string(c.Right)] = true
			seen["status "+string(st.Status)] = true
			seen["clock "+string(st.Deadlines.Clock)] = true
			if st.Outcome != "" {
				seen["outcome "+string(st.Outcome)] = true
			}
			if c.Requester != nil {
				seen["requester "+string(c.Requester.Relation)] = true
			}
			if v := st.Deadlines.ExtensionValid; v != nil {
				seen[map[bool]string{true: "extension in force", false: "extension notice late"}[*v]] = true
			}
			if len(st.Withheld) > 0 {
				seen["withheld file"] = true
			}
			if len(st.Notes) > 0 {
				seen["note"] = true
			}
			if len(st.Attachments) > 0 {
				seen["attachment"] = true
			}
			for _, ev := range c.Events {
				if ev.Kind == EventReopened {
					seen["reopened"] = true
				}
			}
			if st.Status != StatusClosed && st.Deadlines.EffectiveDue != nil {
				today := DateOf(demoNow, mustZone(st.Rules.Zone))
				switch {
				case st.Deadlines.EffectiveDue.Before(today):
					seen["overdue"] = true
				case *st.Deadlines.EffectiveDue == today:
					seen["due today"] = true
				}
			}
		}
	}
	if n < 300 {
		t.Fatalf("%d cases, want at least 300", n)
	}
	want := []string{"several rights", "requester agent", "requester parent", "extension in force", "extension notice late",
		"withheld file", "note", "attachment", "reopened", "overdue", "due today",
		"clock running", "clock paused", "clock stopped"}
	for _, r := range Rights {
		want = append(want, "right "+string(r))
	}
	for _, s := range Statuses {
		want = append(want, "status "+string(s))
	}
	for _, o := range Outcomes {
		want = append(want, "outcome "+string(o))
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("300 demo cases show no %s", w)
		}
	}
}
