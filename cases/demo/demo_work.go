package demo

import (
	"rightsdesk/cases"

	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// The work behind a demo answer (WORK.md, "The work of a case"): when the
// case's frozen rules hold systems (or purposes), each item gets a result
// that agrees with the right and with the outcome the case will close
// with, before it closes; an item whose moment is after now stays open.

// demoPlan is how a case will end: the closing event (without its
// moment) and the result each work item gets, in the order they are
// recorded.
type demoPlan struct {
	close   cases.Event
	results []demoResult
}

// demoResult is one item's planned result; its dates are set when it is
// recorded.
type demoResult struct {
	item   *cases.WorkItem
	result cases.Result
}

// plan decides the outcome (the mix of outcomes of the demo) and, where
// the case has a work list, every item's result so that close accepts the
// outcome: no-data only when nothing holds data, fulfilled only when no
// item refuses, redirected only when every item is for a customer.
func (l *demoLife) plan() demoPlan {
	r, c := l.r, l.c
	items := cases.WorkList(c.Right, &c.Rules)
	ev := cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled}
	switch n := r.rnd.IntN(100); {
	case n < 10 && c.Right != cases.RightComplaint:
		ev.Outcome = cases.OutcomeNoData
		if len(items) > 0 && !slices.Contains(cases.ResultsFor(c.Right), cases.ResultNone) {
			ev.Outcome = cases.OutcomeFulfilled // every purpose worked holds data: stopped or continued
		}
	case n < 19:
		ev.Outcome = cases.OutcomePartiallyFulfilled
		ev.Grounds = []cases.Ground{demoPartialGround(c.Right)}
		ev.Reason = demoGroundReasons[ev.Grounds[0]]
	case n < 25:
		ev.Outcome = cases.OutcomeRefused
		ev.Grounds = []cases.Ground{demoRefusalGround(c.Right, r)}
		ev.Reason = demoGroundReasons[ev.Grounds[0]]
		if ev.Grounds[0] == cases.GroundNationalRestriction {
			ev.Law = "the national anti-money-laundering record-keeping law (five years)"
		}
	case n < 30:
		ev.Outcome = cases.OutcomeWithdrawn
	case n < 35:
		ev.Outcome, ev.RedirectTo = cases.OutcomeRedirected, r.pick(demoRedirects)
	case n < 39:
		ev.Outcome = cases.OutcomeDuplicate
	}
	p := demoPlan{close: ev}
	if len(items) == 0 {
		return p
	}
	switch ev.Outcome {
	case cases.OutcomeRefused, cases.OutcomeDuplicate:
		return p // decided before any system was searched: the items are not worked
	case cases.OutcomeWithdrawn:
		if r.chance(40) { // withdrawn while the search was under way
			p.results = append(p.results, demoResult{&items[0], l.resultFor(&items[0], cases.OutcomeFulfilled)})
		}
		return p
	case cases.OutcomeRedirected:
		if slices.ContainsFunc(items, func(w cases.WorkItem) bool { return !forCustomer(&w) }) {
			p.close.Outcome, p.close.RedirectTo = cases.OutcomeFulfilled, "" // ours to answer: the customers' part is forwarded
		} else if len(items) > 0 {
			p.close.RedirectTo = l.customerOf(&items[0])
		}
	}
	for i := range items {
		p.results = append(p.results, demoResult{&items[i], l.resultFor(&items[i], p.close.Outcome)})
	}
	if p.close.Outcome == cases.OutcomePartiallyFulfilled && !l.refuseOne(&p) && c.Right != cases.RightAccess &&
		slices.ContainsFunc(cases.ResultsFor(c.Right), cases.Result.Refuses) {
		// The refusal such a right makes is an item's; with no item to
		// carry it, everything asked was done.
		p.close.Outcome, p.close.Grounds, p.close.Reason, p.close.Law = cases.OutcomeFulfilled, nil, "", ""
	}
	return p
}

func forCustomer(w *cases.WorkItem) bool {
	return w.System != nil && w.System.Role == cases.SystemForCustomer
}

// resultFor is the result an item gets in a case closing with outcome o,
// none of them a refusal (refuseOne makes one where the outcome is
// partial).
func (l *demoLife) resultFor(w *cases.WorkItem, o cases.Outcome) cases.Result {
	r, right := l.r, l.c.Right
	if forCustomer(w) {
		return cases.ResultForCustomer
	}
	if o == cases.OutcomeNoData {
		return cases.ResultNone
	}
	assumed := w.System != nil && slices.Contains([]string{"backups", "paper", "mailboxes"}, w.ID)
	switch right {
	case cases.RightAccess, cases.RightPortability:
		if assumed && r.chance(80) || r.chance(25) {
			return cases.ResultNone
		}
		return cases.ResultFound
	case cases.RightErasure:
		switch {
		case w.ID == "backups":
			return cases.ResultBeyondUse
		case r.chance(15):
			return cases.ResultNone
		case w.System != nil && w.System.Recipient != "":
			return cases.ResultErasureInstructed
		case r.chance(2):
			return cases.ResultCannotIdentify
		case r.chance(5):
			return cases.ResultAnonymised
		}
		return cases.ResultErased
	case cases.RightRectification:
		return pickResult(r, 40, cases.ResultRectified, 8, cases.ResultCompleted, cases.ResultNone)
	case cases.RightRestriction:
		return pickResult(r, 60, cases.ResultRestricted, 0, "", cases.ResultNone)
	case cases.RightObjection:
		return cases.ResultStopped
	case cases.RightWithdrawConsent:
		return pickResult(r, 80, cases.ResultStopped, 0, "", cases.ResultOtherBasis)
	case cases.RightAutomatedDecision:
		return pickResult(r, 75, cases.ResultReviewed, 0, "", cases.ResultNone)
	}
	return cases.ResultNone
}

// pickResult is a with percent pa, b with percent pb, else c.
func pickResult(r *demoRequest, pa float64, a cases.Result, pb float64, b, c cases.Result) cases.Result {
	switch n := r.rnd.Float64() * 100; {
	case n < pa:
		return a
	case n < pa+pb:
		return b
	}
	return c
}

// refuseOne turns one item of a partial answer into the refusal that makes
// it partial, where the right has a refusing result and an item can carry
// it (a kept item needs a retention rule with a ground and a period, and a
// law where the ground is a legal obligation). The close then rests on
// that item's ground. False where no item can.
func (l *demoLife) refuseOne(p *demoPlan) bool {
	for i := range p.results {
		res := &p.results[i]
		w := res.item
		if forCustomer(w) {
			continue
		}
		switch l.c.Right {
		case cases.RightErasure:
			if g, ok := keepable(w); ok && g.AppliesTo(cases.RightErasure) {
				res.result = cases.ResultKept
				rr := w.System.Retention
				p.close.Grounds, p.close.Law = []cases.Ground{g}, ""
				p.close.Reason = fmt.Sprintf("%s are kept until the period the law sets ends", rr.Data)
				if rr.Law != "" {
					p.close.Reason = fmt.Sprintf("%s are kept under %s", rr.Data, rr.Law)
				}
				return true
			}
		case cases.RightRectification:
			res.result = cases.ResultNotRectified
			return true
		case cases.RightRestriction:
			res.result = cases.ResultNotRestricted
			return true
		case cases.RightObjection:
			if w.Purpose != nil && !w.Purpose.DirectMarketing {
				res.result = cases.ResultOverridden
				return true
			}
		case cases.RightPortability:
			res.result = cases.ResultNotPortable
			return true
		}
	}
	return false
}

// keepable is the ground on which a system's data may be kept after an
// erasure request, when its retention rule gives one, a period to count
// an end from and (for a legal obligation) the law.
func keepable(w *cases.WorkItem) (cases.Ground, bool) {
	if w.System == nil || w.System.Retention == nil {
		return "", false
	}
	rr := w.System.Retention
	if rr.Ground == "" || rr.Length == "" || !slices.Contains(cases.KeptGrounds, rr.Ground) ||
		rr.Ground == cases.GroundArt17_3b && rr.Law == "" {
		return "", false
	}
	if _, ok := cases.AddLength(cases.Date{Year: 2000, Month: 1, Day: 1}, rr.Length); !ok {
		return "", false
	}
	return rr.Ground, true
}

// doWork records the planned results, spread over the time until the case
// closes; an item whose moment comes after now stays open (the case is in
// progress). Items for a customer are forwarded to it once. False when the
// story ended.
func (l *demoLife) doWork(p *demoPlan, closeAt time.Time) bool {
	if len(p.results) == 0 {
		return true
	}
	step := closeAt.Sub(l.at) / time.Duration(len(p.results)+1)
	forwarded := false
	for _, res := range p.results {
		if !l.wait(0, step) {
			return false
		}
		ev := l.worked(res)
		if res.result == cases.ResultFound && !l.attachFor(res.item, &ev) {
			return false
		}
		if !l.do(ev) {
			return false
		}
		if res.result == cases.ResultForCustomer && !forwarded {
			forwarded = true
			if !l.wait(10*time.Minute, 3*time.Hour) || !l.do(cases.Event{Kind: cases.EventForwarded, Customer: ev.Customer}) {
				return false
			}
		}
	}
	return true
}

// worked is the worked event of a planned result, with the details its
// result needs, dated from the story's day.
func (l *demoLife) worked(res demoResult) cases.Event {
	r, w := l.r, res.item
	day := cases.DateOf(l.at, l.reg.loc)
	ev := cases.Event{Kind: cases.EventWorked, Item: w.ID, Result: res.result}
	date := func(a, b int) *cases.Date { d := day.AddDays(a + r.rnd.IntN(b-a+1)); return &d }
	switch res.result {
	case cases.ResultErasureInstructed:
		ev.Until = date(7, 30)
	case cases.ResultBeyondUse:
		ev.Until = date(30, 90)
	case cases.ResultCannotIdentify:
		ev.Reason = "the entries there are filed by device or phone number only: we cannot link them to you without it"
	case cases.ResultKept:
		rr := w.System.Retention
		ev.Grounds, ev.What, ev.Law = []cases.Ground{rr.Ground}, rr.Data, rr.Law
		// The trigger (a contract's end, a document's date) lies in the
		// past, late enough that the period has not yet run out.
		for back := 30 + r.rnd.IntN(700); ; back /= 2 {
			t := day.AddDays(-back)
			if end, _ := cases.AddLength(t, rr.Length); end.After(day) || back == 0 {
				ev.TriggerDate = &t
				break
			}
		}
	case cases.ResultRectified:
		ev.What = r.pick(demoRectified)
	case cases.ResultCompleted:
		ev.What = "your statement that the disputed charge was refunded is added to the account"
	case cases.ResultNotRectified:
		ev.Reason = "the date of birth we hold matches the identity document you sent"
	case cases.ResultRestricted:
		ev.What = "storage only: the account is kept but not used while the accuracy is checked"
	case cases.ResultNotRestricted:
		ev.Reason = "the data are needed to defend the pending claim about the unpaid invoices"
	case cases.ResultOverridden:
		ev.Reason = demoGroundReasons[cases.GroundCompellingLegitimate]
	case cases.ResultOtherBasis:
		ev.What, ev.Law = "the invoices for the orders you placed", "legal obligation (Art. 6(1)(c)): tax law"
	case cases.ResultReviewed:
		ev.What = "a member of the credit team reviewed the decision with the documents you sent and confirmed it"
	case cases.ResultNotPortable:
		ev.Grounds = []cases.Ground{"not-provided"}
	case cases.ResultForCustomer:
		ev.Customer = l.customerOf(w)
	}
	return ev
}

// attachFor attaches the copy of what a system holds on the subject and
// names it in the found result.
func (l *demoLife) attachFor(w *cases.WorkItem, ev *cases.Event) bool {
	c := l.c
	category := ""
	if w.System != nil && len(w.System.Categories) > 0 {
		category = w.System.Categories[0]
	}
	name := w.ID + "-export.csv"
	content := fmt.Sprintf("field,value\nname,%s\nemail,%s\nsystem,%s\n", csvField(c.Subject.Name), c.Subject.Email, csvField(w.Name))
	sum := sha256.Sum256([]byte(content))
	if !l.do(cases.Event{Kind: cases.EventAttached, Attachment: &cases.Attachment{Name: name, Kind: cases.AttachmentDataCopy,
		Category: category, System: w.Name, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), Content: []byte(content)}}) {
		return false
	}
	ev.Files = []string{name}
	return true
}

// confirmErasures records, some days after the instruction, the hosting
// processors' confirmations of the erasures they were instructed to make:
// after the answer too (WORK.md: erasure-instructed becomes erased on its
// confirmation).
func (l *demoLife) confirmErasures() {
	st, err := l.fold.Dates(l.at)
	if err != nil {
		l.err, l.stopped = err, true
		return
	}
	for _, w := range st.Work {
		if w.Result == nil || w.Result.Result != cases.ResultErasureInstructed || l.r.chance(25) {
			continue
		}
		if !l.wait(time.Hour, 6*demoDay) || !l.do(cases.Event{Kind: cases.EventWorked, Item: w.ID, Result: cases.ResultErased}) {
			return
		}
	}
}

// customerOf is the customer an item is held for: the one the register
// names, else the one this case's request concerns (chosen once, so that
// every item of the case and its forwarding name the same customer).
func (l *demoLife) customerOf(w *cases.WorkItem) string {
	if w.System != nil && w.System.Customer != "" {
		return w.System.Customer
	}
	if l.customer == "" {
		l.customer = l.r.pick(demoCustomers)
	}
	return l.customer
}

// demoForwardPercent is how many in a hundred requests to an organisation
// that is also a processor concern data it holds for a customer.
const demoForwardPercent = 10

// forward is the story of a request about data the organisation holds
// only as a processor (regime processor-forward): not its own to answer,
// so no identity is checked and nothing is searched beyond the systems
// held for customers. Each item is recorded for-customer, the request is
// forwarded to the customer, mostly within the contract's working days,
// and the requester is told where it went (redirected). A right whose
// items are purposes (an objection, a withdrawal of consent) has none
// here, the purposes being the customer's: its case is redirected with an
// empty work list, forwarded all the same.
func (r *demoRequest) forward(lives []*demoLife) {
	first := lives[0]
	if r.chance(map[bool]float64{true: 30, false: 1}[r.g.now.Sub(first.c.ReceivedAt) < 3*demoDay]) && !r.archived {
		return // not yet looked at
	}
	if r.chance(70) {
		assignee := r.pick(r.g.team)
		if !all(lives, func(*demoLife) cases.Event { return cases.Event{Kind: cases.EventAssigned, Assignee: assignee} }) {
			return
		}
	}
	closeAt := first.at.Add(r.within(2*time.Hour, 4*demoDay))
	if r.chance(10) {
		closeAt = first.at.Add(r.within(8*demoDay, 16*demoDay)) // after the contract's working days
	}
	customer := r.pick(demoCustomers)
	for _, l := range lives {
		l.at, l.customer = first.at, customer
		items := cases.WorkList(l.c.Right, &l.c.Rules)
		p := demoPlan{close: cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeRedirected}}
		for i := range items {
			p.results = append(p.results, demoResult{&items[i], cases.ResultForCustomer})
		}
		p.close.RedirectTo = customer
		if len(items) > 0 {
			p.close.RedirectTo = l.customerOf(&items[0])
		}
		if !l.doWork(&p, closeAt) {
			continue
		}
		l.at = maxTime(l.at, closeAt)
		if l.live() {
			l.close(p.close)
		}
	}
}
