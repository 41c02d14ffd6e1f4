package export

import (
	"fmt"
	"strings"
	"unicode"

	"rightsdesk/cases"
)

// The work list in a letter (WORK.md, "Truthful letters"): every item says
// what its recorded result says, with the result's own verb and date, and
// nothing for an item that was not worked. The statements are Markdown
// already: the outside text in them (a system's name, what was kept, the
// DPO's reasons) is escaped where it is put in.

// keptRow is one kept item: what, where, on which ground and law, until when.
type keptRow struct {
	What, Where, Provision, Ground, Law string
	// Until is the end date, with how it was computed when it was.
	Until string
}

// workSentence is one item's statement in a final letter, or the empty
// string for an item the letter states nothing about.
func (p *packetCase) workSentence(w *cases.WorkItem, d *letterData, f *facts) string {
	ev := w.Result
	on := p.dateOf(ev)
	name := md(w.Name)
	switch ev.Result {
	case cases.ResultFound:
		return "We found your data in " + name + " (searched on " + on + ")" + p.foundFiles(ev) + "."
	case cases.ResultNone:
		return "We searched " + name + " on " + on + " and found no data about you there."
	case cases.ResultNotPortable:
		d.Refusal = append(d.Refusal, refusal("Art. 20(1) "+d.Law, w.Name, notPortableWording[string(firstGround(ev))], "", ev.Reason))
		return "The data in " + name + " are not covered by the right to data portability: see the reasons below."
	case cases.ResultErased:
		if in := w.Instructed(); in != nil {
			host := md(hostOf(w))
			return "For " + name + ", we instructed " + host + ", which hosts it for us, on " + p.dateOf(in) +
				"; " + host + " confirmed the erasure on " + on + "."
		}
		return "We erased your data from " + name + " on " + on + "."
	case cases.ResultErasureInstructed:
		host := md(hostOf(w))
		return "For " + name + ", we instructed " + host + ", which hosts it for us, on " + on + " to erase your data; " +
			host + " is to confirm the erasure by " + datePtr(ev.Until) + "."
	case cases.ResultAnonymised:
		return "We anonymised your data in " + name + " on " + on + ": they can no longer be linked to you."
	case cases.ResultBeyondUse:
		return "Your data in " + name + " are beyond use: these copies are never restored or used, and they are overwritten by " +
			datePtr(ev.Until) + ". Should one be restored before then, we would erase your data in it again before any use."
	case cases.ResultKept:
		d.Kept = append(d.Kept, p.keptRow(w, d, f))
		return "We keep " + md(ev.What) + " in " + name + ": see below."
	case cases.ResultCannotIdentify:
		return "In " + name + ", we cannot tell which data are yours without more information from you (Art. 11(2) " + d.Law + "). " +
			sentence(ev.Reason) + " If you give us information that lets us identify you there, we will act on your request for those data too."
	case cases.ResultRectified:
		return "We rectified " + md(ev.What) + " in " + name + " on " + on + "."
	case cases.ResultCompleted:
		return "On " + on + " we completed your data in " + name + " with your supplementary statement, which reads: " + sentence(ev.What)
	case cases.ResultNotRectified:
		d.Refusal = append(d.Refusal, refusal("Art. 16 "+d.Law, w.Name, "we did not rectify the data", "", ev.Reason))
		return "We did not rectify the data in " + name + ": see the reasons below."
	case cases.ResultRestricted:
		return "We restricted the processing of your data in " + name + " from " + on + ". What still happens with them: " + sentence(ev.What)
	case cases.ResultNotRestricted:
		d.Refusal = append(d.Refusal, refusal("Art. 18(1) "+d.Law, w.Name, "we did not restrict the processing", "", ev.Reason))
		return "We did not restrict the processing of your data in " + name + ": see the reasons below."
	case cases.ResultReviewed:
		return "On " + on + " a member of our staff reviewed the decision made with " + name + ". The outcome: " + sentence(ev.What)
	case cases.ResultForCustomer:
		return p.forCustomer(name, ev, d, f)
	}
	return p.purposeSentence(w, d)
}

// purposeSentence is the statement of a purpose item (objections and
// withdrawals of consent).
func (p *packetCase) purposeSentence(w *cases.WorkItem, d *letterData) string {
	ev := w.Result
	purpose := md(w.Name)
	switch ev.Result {
	case cases.ResultStopped:
		return purpose + ": we stopped processing your data for this purpose from " + p.dateOf(ev) + "."
	case cases.ResultOverridden:
		d.Refusal = append(d.Refusal, refusal("Art. 21(1) "+d.Law, w.Name, groundWording[cases.GroundCompellingLegitimate], "", ev.Reason))
		d.Overridden = true
		return purpose + ": we continue this processing; our compelling legitimate grounds are set out below."
	case cases.ResultOtherBasis:
		return purpose + ": from " + p.dateOf(ev) + " this no longer rests on your consent. What continues: " +
			strings.TrimRight(sentence(ev.What), ".") + ", on another lawful basis: " + sentence(ev.Law)
	}
	return ""
}

// forCustomer states data held only for a customer (Art. 28), and whether
// the request was passed on to it: from the forwarded event, or that it
// was not.
func (p *packetCase) forCustomer(name string, ev *cases.Event, d *letterData, f *facts) string {
	customer := ev.Customer
	out := "We hold the data in " + name + " only on behalf of our customer " + md(customer) + ", which decides about them (Art. 28 " + d.Law + "); "
	if fw := p.forwardedTo(customer); fw != nil {
		return out + "we passed your request on to " + md(customer) + " on " + p.dateOf(fw) + "."
	}
	f.caseGap("case", fmt.Sprintf("the request was not forwarded to %s (rightsdesk forward %s --to NAME): the letter says it was not", customer, p.c.ID),
		fmt.Sprintf("rightsdesk forward %s --to NAME", p.c.ID), false, "")
	if why := sentence(ev.Reason); why != "" {
		return out + "we have not passed your request on to " + md(customer) + ". " + why + " Please write to it directly."
	}
	return out + "we have not passed your request on to " + md(customer) + ": please write to it directly."
}

// forwardedTo is the forwarding of the request to a customer, if recorded.
func (p *packetCase) forwardedTo(customer string) *cases.Event {
	var out *cases.Event
	for i := range p.c.Events {
		if e := &p.c.Events[i]; e.Kind == cases.EventForwarded && strings.EqualFold(strings.TrimSpace(e.Customer), strings.TrimSpace(customer)) {
			out = e
		}
	}
	return out
}

// foundFiles names the files of the data copy that hold what was found.
func (p *packetCase) foundFiles(ev *cases.Event) string {
	var paths, withheld []string
	for _, name := range ev.Files {
		if path, ok := p.paths[name]; ok {
			paths = append(paths, md(path))
		} else if _, ok := p.st.Withheld[name]; ok {
			withheld = append(withheld, md(name))
		}
	}
	out := ""
	switch len(paths) {
	case 0:
	case 1:
		out = "; the copy is the file " + paths[0]
	default:
		out = "; the copy is in the files " + strings.Join(paths, ", ")
	}
	switch len(withheld) {
	case 0:
	case 1:
		out += "; we have not given you the file " + withheld[0] + " (see the reasons below)"
	default:
		out += "; we have not given you the files " + strings.Join(withheld, ", ") + " (see the reasons below)"
	}
	return out
}

// keptRow is the row of a kept item; a kept item under a retention rule
// with no bounded period is a gap the DPO must settle first.
func (p *packetCase) keptRow(w *cases.WorkItem, d *letterData, f *facts) keptRow {
	ev := w.Result
	g := firstGround(ev)
	row := keptRow{What: ev.What, Where: w.Name, Provision: provision(g, p.c.Right, d.Law), Ground: groundWording[g], Law: ev.Law}
	if end, _, ok := w.KeptEnd(); ok {
		row.Until = dateText(end)
		if ev.Until == nil && ev.TriggerDate != nil {
			rr := w.System.Retention
			row.Until += " (" + cases.LengthWords(rr.Length) + " from " + dateText(*ev.TriggerDate) + triggerWording(rr.From) + ")"
		}
	} else if ev.Review != nil {
		row.Until = "until " + strings.TrimRight(ev.Reason, ".") + "; we review this on " + dateText(*ev.Review)
	}
	if w.System != nil && w.System.Retention != nil {
		if gap := retentionGap(w.System.Retention); gap != "" {
			f.gap("systems."+w.ID+".retention", fmt.Sprintf("%s is kept under a retention rule that is a gap (%s): settle it in the register", w.ID, gap), true, "")
		}
	}
	d.Refusal = append(d.Refusal, refusal(row.Provision, ev.What+" ("+w.Name+")", row.Ground, row.Law, ev.Reason))
	return row
}

// refusalRow is one line of the Art. 12(4) section, in Markdown.
type refusalRow struct{ Text string }

// refusal writes one refusal: the provision, what it is about, the
// ground's wording, the law relied on, and the reasons as given.
func refusal(provision, about, ground, law, reason string) refusalRow {
	var b strings.Builder
	b.WriteString("**" + md(provision) + "**: ")
	if about != "" {
		b.WriteString(md(about) + ": ")
	}
	b.WriteString(ground)
	if law != "" {
		b.WriteString(" (" + md(law) + ")")
	}
	b.WriteString(".")
	if r := sentence(reason); r != "" {
		b.WriteString(" " + r)
	}
	return refusalRow{Text: b.String()}
}

// retentionGap is why a retention rule cannot be told as an end: the gap
// the register recorded when the rules were frozen, or no period at all.
func retentionGap(rr *cases.RetentionRule) string {
	switch {
	case rr.Gap != "":
		return rr.Gap
	case rr.Length == "" && strings.TrimSpace(rr.Period) == "":
		return "no period"
	}
	return ""
}

var triggerWords = map[string]string{
	"account-closure":         "the closure of your account",
	"contract-end":            "the end of the contract",
	"document-date":           "the date of the document",
	"end-of-year-of-document": "the end of the year of the document",
	"last-activity":           "your last activity",
	"collection":              "when the data were collected",
	"case-closure":            "the closing of your request",
}

func triggerWording(from string) string {
	if w, ok := triggerWords[from]; ok {
		return ", " + w
	}
	return ""
}

var notPortableWording = map[string]string{
	"not-provided":            "you did not provide these data to us",
	"not-consent-or-contract": "we do not process these data on the basis of your consent or of a contract with you",
	"not-automated":           "we do not process these data by automated means",
}

func firstGround(ev *cases.Event) cases.Ground {
	if len(ev.Grounds) == 0 {
		return ""
	}
	return ev.Grounds[0]
}

// hostOf is the processor that hosts a system, as the register names it.
func hostOf(w *cases.WorkItem) string {
	if w.System == nil {
		return ""
	}
	return w.System.Recipient
}

// dateOf is the day of an event, in the case's zone, as letters write it.
func (p *packetCase) dateOf(ev *cases.Event) string { return dateText(cases.DateOf(ev.At, p.loc)) }

// sentence makes outside text one or more sentences of the letter: escaped,
// its capital and words kept as written, a full stop added when it has no
// closing punctuation.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	out := md(s)
	last := []rune(s)[len([]rune(s))-1]
	if !unicode.IsPunct(last) || last == ',' || last == ';' || last == ':' || last == '-' {
		out += "."
	}
	return out
}

// provision is the article a ground rests on, in the letter's law, and for
// a ground shared by two rights only the one of this right (an access
// letter does not cite Art. 20(4)).
func provision(g cases.Ground, r cases.Right, law string) string {
	p := g.Provision()
	switch {
	case g == cases.GroundRightsOfOthers:
		p = map[bool]string{true: "Art. 20(4) GDPR", false: "Art. 15(4) GDPR"}[r == cases.RightPortability]
	case g == cases.GroundLegalClaims && legalClaimsFor[r] != "":
		p = legalClaimsFor[r]
	}
	if law != "GDPR" {
		p = strings.TrimSuffix(p, " GDPR") + " " + law
	}
	return p
}

// legalClaimsFor is the one article a refusal on legal claims rests on,
// by right.
var legalClaimsFor = map[cases.Right]string{
	cases.RightErasure:     "Art. 17(3)(e) GDPR",
	cases.RightRestriction: "Art. 18(2) GDPR",
	cases.RightObjection:   "Art. 21(1) GDPR",
}

// reopenFirst is what a gap's command needs first on a closed case,
// where work is refused until it is reopened.
func (p *packetCase) reopenFirst() string {
	if p.st.Outcome == "" {
		return ""
	}
	return fmt.Sprintf("rightsdesk reopen %s, then ", p.c.ID)
}

// workStatements fills the final letter's statements from the work list:
// one per worked item, and a blocking gap for an empty list or open items
// (WORK.md: only fulfilled, partially-fulfilled and no-data answer item by
// item).
func (p *packetCase) workStatements(d *letterData, f *facts) {
	st := p.st
	if !p.itemByItem() {
		return
	}
	if len(st.Work) == 0 {
		if p.c.Right == cases.RightComplaint {
			return // a complaint has no work list: its answer is the close's reasons
		}
		if p.c.Right == cases.RightObjection || p.c.Right == cases.RightWithdrawConsent {
			// A purpose cannot be added to one case (work --add-system
			// refuses it): it comes from the register.
			reopen := p.reopenFirst()
			f.caseGap("work", fmt.Sprintf("the case has no work list (its rules name no purposes for %s requests): the letter cannot say what was stopped; "+
				"add the purpose to the register (rightsdesk controllers %s edit), re-apply it to the case (%srightsdesk rebaseline %s) and record each result, "+
				"or, if no such purpose uses the subject's data, close the case as no-data",
				p.c.Right, p.c.Controller, reopen, p.c.ID), fmt.Sprintf("rightsdesk rebaseline %s", p.c.ID), true, "")
			return
		}
		f.caseGap("work", fmt.Sprintf("the case has no work list (its rules name no systems for %s requests): the letter cannot say what was done; add what was searched (%srightsdesk work %s --add-system NAME) and record each result",
			p.c.Right, p.reopenFirst(), p.c.ID), fmt.Sprintf("%srightsdesk work %s --add-system NAME", p.reopenFirst(), p.c.ID), true, "")
		return
	}
	var open []string
	for i := range st.Work {
		w := &st.Work[i]
		switch {
		case w.Open():
			open = append(open, w.ID)
		case w.Result != nil:
			if s := p.workSentence(w, d, f); s != "" {
				d.Done = append(d.Done, s)
			}
			if w.Purpose != nil && w.Purpose.DirectMarketing && w.Result.Result == cases.ResultStopped {
				d.MarketingStopped = true
			}
		}
	}
	if len(open) > 0 {
		f.caseGap("work", fmt.Sprintf("open work items: %s: record each result (%srightsdesk work %s ITEM RESULT)", strings.Join(open, ", "), p.reopenFirst(), p.c.ID),
			fmt.Sprintf("%srightsdesk work %s ITEM RESULT", p.reopenFirst(), p.c.ID), true, "")
	}
}
