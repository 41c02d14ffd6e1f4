package cases

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// mapRules are rules with a small data map: a database of our own, a
// payment system hosted by a processor, backups, a chat held for
// customers, and three purposes.
var mapRules = func() Rules {
	r := euRules
	r.Systems = []System{
		{ID: "app-db", Name: "our customer database", Categories: []string{"account data"}, Role: SystemController, Source: "seed",
			Retention: &RetentionRule{Data: "invoices", Length: "10y", From: "end-of-year-of-document", Law: "Code de commerce, art. L123-22", Ground: GroundArt17_3b}},
		{ID: "stripe", Name: "our payment records, hosted by Stripe", Recipient: "Stripe, Inc.", Role: SystemController, Source: "seed"},
		{ID: "backups", Name: "our backups", Role: SystemController, Source: "assumed"},
		{ID: "site-chats", Name: "chats on our customers' websites", Role: SystemForCustomer, Source: "seed",
			Rights: []Right{RightAccess, RightErasure}},
	}
	r.Purposes = []PurposeItem{
		{ID: "newsletter", Purpose: "sending our newsletter", Basis: "consent", DirectMarketing: true},
		{ID: "fraud", Purpose: "preventing fraud", Basis: "legitimate-interests"},
		{ID: "invoicing", Purpose: "invoicing", Basis: "legal-obligation"},
	}
	return r
}()

func workCase(t *testing.T, right Right) *Case {
	t.Helper()
	c := newCase(t, right, nil)
	c.Rules = mapRules
	return c
}

func TestWorkListFollowsTheRight(t *testing.T) {
	ids := func(r Right) string {
		var out []string
		for _, w := range WorkList(r, &mapRules) {
			out = append(out, w.ID)
		}
		return strings.Join(out, " ")
	}
	for right, want := range map[Right]string{
		RightAccess:          "app-db stripe backups site-chats",
		RightRectification:   "app-db stripe backups", // the chats are worked for access and erasure only
		RightObjection:       "newsletter fraud",      // direct marketing, and the purpose on legitimate interests
		RightWithdrawConsent: "newsletter",
		RightComplaint:       "",
	} {
		if got := ids(right); got != want {
			t.Errorf("%s: work list %q, want %q", right, got, want)
		}
	}
}

func TestWorkedResults(t *testing.T) {
	c := workCase(t, RightErasure)
	refusedWith(t, c, 1, Event{Kind: EventWorked, Item: "crm", Result: ResultErased}, "--item")
	refusedWith(t, c, 1, Event{Kind: EventWorked, Item: "app-db", Result: ResultFound}, "not a result for erasure")
	refusedWith(t, c, 1, Event{Kind: EventWorked, Item: "app-db", Result: ResultKept, Grounds: []Ground{GroundArt17_3b},
		What: "invoices", Law: "Code de commerce"}, "--until")
	refusedWith(t, c, 1, Event{Kind: EventWorked, Item: "app-db", Result: ResultKept, Grounds: []Ground{GroundArt17_3b},
		What: "invoices", TriggerDate: &Date{2024, 12, 31}}, "--law")
	refusedWith(t, c, 1, Event{Kind: EventWorked, Item: "app-db", Result: ResultKept, Grounds: []Ground{GroundArt17_3c},
		What: "invoices", Review: &Date{2026, 1, 1}}, "--review")
	refusedWith(t, c, 1, Event{Kind: EventWorked, Item: "backups", Result: ResultErasureInstructed, Until: &Date{2025, 3, 20}},
		"hosted by a processor")
	do(t, c, 1, Event{Kind: EventWorked, Item: "app-db", Result: ResultKept, Grounds: []Ground{GroundArt17_3b},
		What: "invoices", Law: "Code de commerce, art. L123-22", TriggerDate: &Date{2024, 12, 31}})
	do(t, c, 1, Event{Kind: EventWorked, Item: "stripe", Result: ResultErasureInstructed, Until: &Date{2025, 3, 10}})
	st := state(t, c, 1)
	if st.WorkOpen() != 2 || len(st.WorkRefusals()) != 1 {
		t.Fatalf("open %d, refusals %d", st.WorkOpen(), len(st.WorkRefusals()))
	}
	// Ten years from 31 December 2024 on civil dates.
	end, working, ok := st.workItem("app-db").KeptEnd()
	if !ok || end != (Date{2034, 12, 31}) || !strings.Contains(working, "10 years from 2024-12-31") {
		t.Errorf("kept end %s %q %v", end, working, ok)
	}
	refusedWith(t, c, 2, Event{Kind: EventClosed, Outcome: OutcomeNoData}, "holds data")
	refusedWith(t, c, 2, Event{Kind: EventClosed, Outcome: OutcomeFulfilled}, "partially-fulfilled")
	refusedWith(t, c, 2, Event{Kind: EventClosed, Outcome: OutcomeRedirected, RedirectTo: "Acme"}, "for-customer")
	do(t, c, 2, Event{Kind: EventClosed, Outcome: OutcomePartiallyFulfilled, Grounds: []Ground{GroundArt17_3b}, Reason: "invoices"})
	exported(t, c, 2, LetterFinal)
	do(t, c, 2, Event{Kind: EventSent, Letter: LetterFinal})
	// After the answer, a correction needs a reopening; the processor's
	// confirmation of an instructed erasure does not.
	refusedWith(t, c, 3, Event{Kind: EventWorked, Item: "app-db", Result: ResultErased}, "reopen")
	do(t, c, 4, Event{Kind: EventWorked, Item: "stripe", Result: ResultErased})
	st = state(t, c, 4)
	if w := st.workItem("stripe"); w.ResultName() != ResultErased || w.Instructed() == nil || !w.Instructed().At.Equal(day(1)) {
		t.Errorf("stripe: %s instructed %v", w.ResultName(), w.Instructed())
	}
}

func TestClosingWithoutWorkMarksItemsNotWorked(t *testing.T) {
	c := workCase(t, RightAccess)
	do(t, c, 1, Event{Kind: EventWorked, Item: "app-db", Result: ResultNone})
	do(t, c, 2, Event{Kind: EventClosed, Outcome: OutcomeWithdrawn})
	st := state(t, c, 2)
	if st.workItem("app-db").ResultName() != ResultNone || st.workItem("stripe").ResultName() != ResultNotWorked || st.WorkOpen() != 0 {
		t.Errorf("items: %s %s open %d", st.workItem("app-db").ResultName(), st.workItem("stripe").ResultName(), st.WorkOpen())
	}
}

func TestRedirectNeedsEveryItemForCustomer(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	c.Rules = euRules
	c.Rules.Systems = []System{{ID: "site-chats", Name: "chats on our customers' websites", Role: SystemForCustomer, Customer: "Acme SAS"}}
	refusedWith(t, c, 1, Event{Kind: EventClosed, Outcome: OutcomeRedirected, RedirectTo: "Acme SAS"}, "site-chats")
	do(t, c, 1, Event{Kind: EventWorked, Item: "site-chats", Result: ResultForCustomer})
	if st := state(t, c, 1); st.workItem("site-chats").Result.Customer != "Acme SAS" {
		t.Errorf("the customer comes from the register: %q", st.workItem("site-chats").Result.Customer)
	}
	do(t, c, 1, Event{Kind: EventClosed, Outcome: OutcomeRedirected, RedirectTo: "Acme SAS"})
	do(t, c, 2, Event{Kind: EventForwarded, Customer: "Acme SAS"})
	if st := state(t, c, 2); st.Forwarded == nil || !st.Forwarded.At.Equal(day(2)) {
		t.Errorf("forwarded: %v", st.Forwarded)
	}
}

func TestObjectionToDirectMarketingIsNeverOverridden(t *testing.T) {
	c := workCase(t, RightObjection)
	refusedWith(t, c, 1, Event{Kind: EventWorked, Item: "newsletter", Result: ResultOverridden, Reason: "x"}, "Art. 21(3)")
	refusedWith(t, c, 1, Event{Kind: EventWorked, Item: "fraud", Result: ResultOverridden}, "--reason")
	do(t, c, 1, Event{Kind: EventWorked, Item: "fraud", Result: ResultOverridden, Reason: "fraud checks protect every customer"})
	if st := state(t, c, 1); !st.RefusalPending || st.RefusalTold != nil {
		t.Errorf("a refusing item not yet told: pending %v", st.RefusalPending)
	}
}

func TestWhatMayLeave(t *testing.T) {
	c := workCase(t, RightAccess)
	do(t, c, 0, Event{Kind: EventAcknowledged})
	do(t, c, 0, Event{Kind: EventExported, Letter: LetterAcknowledgement, Checksum: strings.Repeat("cd", 32),
		Draft: true, Gaps: []string{"legal_name: the controller's legal name"}})
	refusedWith(t, c, 1, Event{Kind: EventSent, Letter: LetterAcknowledgement}, "DRAFT (legal_name")
	refusedWith(t, c, 1, Event{Kind: EventSent, Letter: LetterAcknowledgement, DraftSent: true}, "--reason")
	do(t, c, 1, Event{Kind: EventSent, Letter: LetterAcknowledgement, DraftSent: true, Reason: "sent before the register was complete"})

	exported(t, c, 2, LetterFinal) // not closed yet: the domain does not judge what export builds
	do(t, c, 2, Event{Kind: EventNoted, Text: "a note changes no letter"})
	do(t, c, 3, Event{Kind: EventWorked, Item: "app-db", Result: ResultFound})
	refusedWith(t, c, 3, Event{Kind: EventSent, Letter: LetterFinal}, "changed after the final letter was exported (worked on 2025-03-06)")
	refusedWith(t, c, 3, Event{Kind: EventSent, Letter: LetterFinal, Outside: true}, "--reason")
	do(t, c, 3, Event{Kind: EventSent, Letter: LetterFinal, Outside: true, Reason: "answered by the legal team's letter"})
}

func TestLateEntriesSayWhy(t *testing.T) {
	c := newCase(t, RightAccess, nil)
	ev := Event{Kind: EventAcknowledged, At: day(1), Actor: "dpo"}
	// Recorded 25 hours after it happened: over the default 24.
	var r *Refused
	if _, _, err := Apply(c, ev, day(2).Add(time.Hour)); !errors.As(err, &r) || r.Field != "late" {
		t.Fatalf("late without why: %v", err)
	}
	ev.Late = "the letter went from the office mailbox"
	out, _, err := Apply(c, ev, day(2).Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c.Events = append(c.Events, out)
	if st := state(t, c, 2); len(st.Late) != 1 || st.Late[0].Late != ev.Late {
		t.Errorf("late entries: %v", st.Late)
	}
}
