package demo

import (
	"rightsdesk/cases"

	"slices"
	"testing"
	"time"
)

// workSystems are a data map built for the tests (the registers' own are
// filled apart): one system of each kind the results depend on.
var workSystems = []cases.System{
	{ID: "app-db", Name: "our customer database", Categories: []string{"contact"}, Role: cases.SystemController, Source: "dpo"},
	{ID: "billing", Name: "our billing system", Categories: []string{"billing"}, Role: cases.SystemController, Source: "dpo",
		Retention: &cases.RetentionRule{Data: "invoices", Length: "10y", From: "document-date", Law: "the commercial code",
			Ground: cases.GroundArt17_3b}},
	{ID: "crm", Name: "our CRM, hosted by a processor", Categories: []string{"contact"}, Role: cases.SystemController,
		Recipient: "Example CRM Ltd", Source: "dpo"},
	{ID: "chats", Name: "chats on our customers' sites", Role: cases.SystemForCustomer, Source: "dpo"},
	{ID: "mailboxes", Name: "our mailboxes", Source: "assumed"},
	{ID: "paper", Name: "our paper files", Source: "assumed"},
	{ID: "backups", Name: "our backups", Source: "assumed"},
}

var workPurposes = []cases.PurposeItem{
	{ID: "newsletter", Purpose: "the newsletter", Basis: "consent", DirectMarketing: true, Source: "dpo"},
	{ID: "fraud", Purpose: "fraud checks", Basis: "legitimate-interests", Source: "dpo"},
	{ID: "analytics", Purpose: "product analytics", Basis: "legitimate-interests", Source: "dpo"},
	{ID: "surveys", Purpose: "satisfaction surveys", Basis: "consent", Source: "dpo"},
}

// generateWithWork makes n requests whose frozen rules hold workSystems
// and workPurposes.
func generateWithWork(t *testing.T, n int, seed uint64) [][]*cases.Case {
	t.Helper()
	g, err := newDemoGen(Options{Cases: n, Seed: seed, Now: demoNow, Registers: demoRegisters(t)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range g.orgs {
		for j := range g.orgs[i].regimes {
			g.orgs[i].regimes[j].rules.Systems = workSystems
			g.orgs[i].regimes[j].rules.Purposes = workPurposes
		}
		// A request to a processor concerns only the systems held for
		// customers, and none of the purposes (Register.Rules).
		if f := g.orgs[i].forward; f != nil {
			f.rules.Systems = slices.DeleteFunc(slices.Clone(workSystems), func(s cases.System) bool { return s.Role != cases.SystemForCustomer })
		}
	}
	reqs, err := g.requests(0, n)
	if err != nil {
		t.Fatal(err)
	}
	return reqs
}

// TestDemoWorkFollowsTheRules: where the rules have systems and purposes,
// the demo records results for its cases that the transitions accept (a
// strict replay), that agree with the outcome, and that cover the results
// of WORK.md's table a first look should show; some cases are still being
// worked with items open. The same seed gives the same work.
func TestDemoWorkFollowsTheRules(t *testing.T) {
	if testing.Short() {
		t.Skip("generation-heavy content checks, without concurrency: the full run (go test ./...) makes them; the race run uses -short")
	}
	reqs := generateWithWork(t, 1500, 9)
	replayAll(t, reqs)
	if demoJSON(t, reqs) != demoJSON(t, generateWithWork(t, 1500, 9)) {
		t.Fatal("the same seed gave different work")
	}
	seen := map[string]bool{}
	for _, req := range reqs {
		for _, c := range req {
			st, err := c.Derive(demoNow)
			if err != nil {
				t.Fatal(err)
			}
			if c.Right == cases.RightComplaint {
				continue
			}
			purposesOfACustomer := c.Rules.Regime == "processor-forward" && (c.Right == cases.RightObjection || c.Right == cases.RightWithdrawConsent)
			if len(st.Work) == 0 && !purposesOfACustomer {
				t.Fatalf("%s (%s): no work list from rules with systems and purposes", c.Subject.Name, c.Right)
			}
			worked := 0
			for _, w := range st.Work {
				switch {
				case w.Open() && st.Status != cases.StatusClosed:
					seen["open item on an open case"] = true
				case w.NotWorked:
					seen["not-worked"] = true
				}
				if w.Result == nil {
					continue
				}
				worked++
				seen[string(c.Right)+" "+string(w.Result.Result)] = true
				checkResult(t, c, st, &w, seen)
			}
			if st.Status == cases.StatusClosed && worked > 0 {
				seen["closed "+string(st.Outcome)+" with work"] = true
			}
		}
	}
	want := []string{"open item on an open case", "not-worked", "instructed then erased", "forwarded",
		"access found", "access none", "portability found", "portability not-portable",
		"erasure erased", "erasure erasure-instructed", "erasure beyond-use", "erasure kept", "erasure none",
		"rectification rectified", "rectification not-rectified", "restriction restricted", "restriction not-restricted",
		"objection stopped", "objection overridden", "withdraw-consent stopped", "withdraw-consent other-basis",
		"automated-decision reviewed", "access for-customer", "erasure for-customer",
		"closed fulfilled with work", "closed partially-fulfilled with work", "closed no-data with work"}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("1,500 demo cases with systems show no %s", w)
		}
	}
}

// checkResult checks one recorded result against what it says: the files
// it names hold the copy, a kept item's end is after the day it was
// recorded, a for-customer item's request was forwarded to its customer,
// and what each outcome rules out is not there.
func checkResult(t *testing.T, c *cases.Case, st *cases.State, w *cases.WorkItem, seen map[string]bool) {
	t.Helper()
	ev := w.Result
	loc := mustLoad(t, c.Rules.Zone)
	switch ev.Result {
	case cases.ResultFound:
		if len(ev.Files) == 0 {
			t.Errorf("%s: %s found with no file", c.Subject.Name, w.ID)
		}
		for _, f := range ev.Files {
			if !slices.ContainsFunc(st.Attachments, func(a cases.Attachment) bool {
				return a.Name == f && a.Kind == cases.AttachmentDataCopy && a.System == w.Name
			}) {
				t.Errorf("%s: %s found in %q, which is not a data copy from it", c.Subject.Name, w.ID, f)
			}
		}
	case cases.ResultKept:
		end, _, ok := w.KeptEnd()
		if !ok || !end.After(cases.DateOf(ev.At, loc)) || ev.Law == "" {
			t.Errorf("%s: %s kept with end %s (ok %v), law %q", c.Subject.Name, w.ID, end, ok, ev.Law)
		}
	case cases.ResultErased:
		if w.Instructed() != nil {
			seen["instructed then erased"] = true
		}
	case cases.ResultForCustomer:
		switch {
		case st.Forwarded == nil && demoNow.Sub(ev.At) < 3*time.Hour:
			// recorded just now: the forwarding follows within hours
		case st.Forwarded == nil || st.Forwarded.Customer != ev.Customer:
			t.Errorf("%s: %s is for %q, but the request was not forwarded to it", c.Subject.Name, w.ID, ev.Customer)
		default:
			seen["forwarded"] = true
		}
	}
	if st.Status != cases.StatusClosed {
		return
	}
	switch {
	case st.Outcome == cases.OutcomeNoData && ev.Result.Holds():
		t.Errorf("%s: no-data with %s %s", c.Subject.Name, w.ID, ev.Result)
	case st.Outcome == cases.OutcomeFulfilled && ev.Result.Refuses():
		t.Errorf("%s: fulfilled with %s %s", c.Subject.Name, w.ID, ev.Result)
	case st.Outcome == cases.OutcomeRedirected && ev.Result != cases.ResultForCustomer:
		t.Errorf("%s: redirected with %s %s", c.Subject.Name, w.ID, ev.Result)
	}
}

// TestDemoLateEntries: a few events are recorded more than the backdate
// hours after they happened, each with why; no other event carries a
// reason, and none goes past the backdate hours without one.
func TestDemoLateEntries(t *testing.T) {
	reqs, err := Generate(Options{Cases: 2000, Seed: 6, Now: demoNow, Registers: demoRegisters(t)})
	if err != nil {
		t.Fatal(err)
	}
	late, events, cased := 0, 0, 0
	for _, req := range reqs {
		for _, c := range req {
			backdate, had := c.Rules.Backdate(), false
			for _, ev := range c.Events[1:] {
				events++
				over := ev.RecordedAt.Sub(ev.At) > backdate
				switch {
				case over && ev.Late == "":
					t.Fatalf("%s: %s recorded %s after it happened, with no reason", c.Subject.Name, ev.Kind, ev.RecordedAt.Sub(ev.At))
				case !over && ev.Late != "":
					t.Fatalf("%s: %s recorded within %s says it is late (%q)", c.Subject.Name, ev.Kind, backdate, ev.Late)
				case over:
					late++
					had = true
					if !slices.Contains(demoLateReasons, ev.Late) {
						t.Fatalf("%s: late reason %q", c.Subject.Name, ev.Late)
					}
				}
			}
			if had {
				cased++
			}
		}
	}
	// A late entry starts on 1.2% of the events that can be late: some
	// cases show one, most do not.
	if cased == 0 || late*20 > events {
		t.Fatalf("%d late entries in %d cases out of %d events: want a few", late, cased, events)
	}
}

// TestDemoLettersSentOutside: the demo builds no packet, so every letter
// it records as sent says it was sent another way, with why, and carries
// no checksum; some answers are never sent.
func TestDemoLettersSentOutside(t *testing.T) {
	reqs, err := Generate(Options{Cases: 1000, Seed: 2, Now: demoNow, Registers: demoRegisters(t)})
	if err != nil {
		t.Fatal(err)
	}
	sent, unsent := 0, 0
	for _, req := range reqs {
		for _, c := range req {
			for _, ev := range c.Events {
				switch {
				case ev.Kind == cases.EventExported:
					t.Fatalf("%s: an export the demo did not build", c.Subject.Name)
				case ev.Kind == cases.EventSent:
					sent++
					if !ev.Outside || ev.Reason != DemoSentReason || ev.Checksum != "" || ev.DraftSent {
						t.Fatalf("%s: sent %+v", c.Subject.Name, ev)
					}
				}
			}
			if st, _ := c.Derive(demoNow); st.Status == cases.StatusClosed && st.AnsweredAt == nil && st.Outcome != cases.OutcomeDuplicate {
				unsent++
			}
		}
	}
	if sent == 0 || unsent == 0 {
		t.Fatalf("%d letters sent, %d closed cases with no answer sent: want some of each", sent, unsent)
	}
}
