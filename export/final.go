package export

import (
	"fmt"
	"slices"
	"strings"

	"rightsdesk/cases"
)

// finalContent fills the final letter per right and outcome: the work
// list's statements, and what each right's letter must contain besides
// (PACKETS.md, WORK.md "Truthful letters").
func (p *packetCase) finalContent(d *letterData, f *facts) {
	c, st := p.c, p.st
	answered := p.answered()
	if c.Right == cases.RightObjection && st.Outcome.RefusesSomething() && slices.Contains(st.Grounds, cases.GroundCompellingLegitimate) {
		d.Overridden = true
	}
	if p.givesDataCopy() {
		p.dataCopy(d)
		for _, w := range d.Withheld {
			d.Refusal = append(d.Refusal, refusal(w.Provision, "the file "+w.Name, w.Ground, "", w.Reason))
		}
	}
	p.workStatements(d, f)
	p.outcomeGrounds(d)
	switch c.Right {
	case cases.RightAccess:
		if answered {
			foundIDs := p.foundCategoryIDs()
			d.Purposes = f.purposes(foundIDs)
			d.Categories = p.foundCategories(f)
			p.recipientsOf(d, f)
			d.Retention = p.foundRetention(f)
			d.Sources, d.SourcesFromYou = f.sources(foundIDs)
			d.Automated = f.automated()
			d.ComplainInBody = true
		}
	case cases.RightErasure:
		p.keepRecord(d, f)
		p.suppression(d)
	case cases.RightAutomatedDecision:
		if answered {
			d.Automated = f.automated()
		}
	}
	switch c.Right {
	case cases.RightRectification, cases.RightErasure, cases.RightRestriction:
		if answered {
			p.notified(d, f)
		}
	}
}

// answered reports whether the outcome answers the request (fulfilled,
// whole or in part).
func (p *packetCase) answered() bool {
	return p.st.Outcome == cases.OutcomeFulfilled || p.st.Outcome == cases.OutcomePartiallyFulfilled
}

// givesDataCopy reports whether the letter gives the data copy: an access
// or portability request answered.
func (p *packetCase) givesDataCopy() bool {
	return p.answered() && (p.c.Right == cases.RightAccess || p.c.Right == cases.RightPortability)
}

// itemByItem reports whether the letter states the work item by item
// (WORK.md: fulfilled, partially-fulfilled and no-data answers do).
func (p *packetCase) itemByItem() bool {
	return p.answered() || p.st.Outcome == cases.OutcomeNoData
}

// outcomeGrounds are the refusal rows of the grounds the case was closed
// on, but for a ground a refusing item already states; the reasons given
// with the outcome go with the first row, or stay in the body.
func (p *packetCase) outcomeGrounds(d *letterData) {
	c, st := p.c, p.st
	var stated []cases.Ground
	// Only the rows the letter shows state a ground: a refusal of the
	// whole request shows no work (workStatements) and no data copy.
	worked, copied := p.itemByItem(), p.givesDataCopy()
	for _, w := range st.WorkRefusals() {
		if !worked {
			break
		}
		stated = append(stated, w.Result.Grounds...)
		switch w.Result.Result {
		case cases.ResultOverridden:
			stated = append(stated, cases.GroundCompellingLegitimate)
		case cases.ResultNotPortable:
			stated = append(stated, cases.GroundNotPortable)
		}
	}
	for _, w := range st.Withheld {
		if copied {
			stated = append(stated, w.Grounds...)
		}
	}
	for _, g := range st.Grounds {
		if slices.Contains(stated, g) {
			continue
		}
		law := ""
		if g == cases.GroundNationalRestriction {
			if e := lastEvent(c, cases.EventClosed); e != nil {
				law = e.Law
			}
		}
		d.Refusal = append(d.Refusal, refusal(provision(g, c.Right, d.Law), "", groundWording[g], law, d.Reason))
		d.Reason = ""
	}
}

// found are the systems where the subject's data were found.
func (p *packetCase) found() []*cases.System {
	var out []*cases.System
	for i := range p.st.Work {
		w := &p.st.Work[i]
		if w.Result != nil && w.Result.Result == cases.ResultFound && w.System != nil {
			out = append(out, w.System)
		}
	}
	return out
}

// foundCategoryIDs are the ids of the register's categories of the data
// found: those of the register's systems where data were found, and those
// whose name a found system gives (its rules keep the names).
func (p *packetCase) foundCategoryIDs() map[string]bool {
	out := map[string]bool{}
	for _, s := range p.found() {
		for i := range p.reg.Systems {
			if rs := &p.reg.Systems[i]; rs.ID == s.ID {
				for _, id := range rs.Categories {
					out[id] = true
				}
			}
		}
		for i := range p.reg.Categories {
			if c := &p.reg.Categories[i]; c.Name.Known() && slices.Contains(s.Categories, c.Name.Value) {
				out[c.ID] = true
			}
		}
	}
	return out
}

// foundCategories are Art. 15(1)(b): the categories of the systems where
// data were found, never the register's whole list.
func (p *packetCase) foundCategories(f *facts) []string {
	var out []string
	for _, s := range p.found() {
		if len(s.Categories) == 0 {
			f.gap("systems."+s.ID+".categories", fmt.Sprintf("the system %s, where data were found, names no category of data (Art. 15(1)(b))", s.ID), true, "")
		}
		for _, cat := range s.Categories {
			if !slices.Contains(out, cat) {
				out = append(out, cat)
			}
		}
	}
	return out
}

// foundRetention is Art. 15(1)(d) for the systems where data were found:
// the period and what it runs from, and the law where one requires the
// keeping. A rule that is a gap (unbounded, ranged) drafts this letter.
func (p *packetCase) foundRetention(f *facts) []retentionFact {
	var out []retentionFact
	seen := map[string]bool{}
	for _, s := range p.found() {
		rr := s.Retention
		if rr == nil {
			f.gap("systems."+s.ID+".retention", fmt.Sprintf("the system %s, where data were found, has no retention rule (Art. 15(1)(d))", s.ID), true, "")
			out = append(out, retentionFact{Data: s.Name, Missing: true})
			continue
		}
		if gap := retentionGap(rr); gap != "" {
			f.gap("systems."+s.ID+".retention", fmt.Sprintf("the retention of %s, where data were found, is a gap (%s): settle it in the register", s.ID, gap), true, "")
		}
		key := rr.ID + "\x00" + rr.Data
		if seen[key] {
			continue
		}
		seen[key] = true
		rf := retentionFact{Data: orText(rr.Data, s.Name), Period: rr.Period}
		if rr.Length != "" {
			rf.Period = cases.LengthWords(rr.Length)
			if w, ok := triggerWords[rr.From]; ok {
				rf.Period += " from " + w
			}
		}
		if rr.Law != "" {
			rf.Why = "required by " + rr.Law
		}
		out = append(out, rf)
	}
	return out
}

// recipientsOf is Art. 15(1)(c): the recipients the data went to (the
// processors hosting the systems where they were found, the recipients the
// DPO confirmed for this case), those that may receive them with their
// condition, and the disclosures to public authorities that were recorded.
// A third party nobody confirmed or ruled out for this case is a gap.
func (p *packetCase) recipientsOf(d *letterData, f *facts) {
	var went []string
	for _, s := range p.found() {
		if s.Recipient != "" && !slices.Contains(went, s.Recipient) {
			went = append(went, s.Recipient)
		}
	}
	confirmed, chosen := p.confirmedRecipients()
	for _, r := range confirmed {
		if !slices.ContainsFunc(went, func(w string) bool { return strings.EqualFold(w, r) }) {
			went = append(went, r)
		}
	}
	d.Recipients = f.recipients(went)
	for i := range p.reg.Recipients {
		r := &p.reg.Recipients[i]
		key := recipientKey(r)
		if r.Kind.Value == "authority" || slices.ContainsFunc(went, func(w string) bool { return strings.EqualFold(w, key) }) {
			continue
		}
		if r.Kind.Value == "third-party" && !chosen {
			f.caseGap(fmt.Sprintf("recipients[%d]", i), fmt.Sprintf("whether this subject's data went to the third party %s is not confirmed (rightsdesk recipients %s --only NAME)", key, p.c.ID),
				fmt.Sprintf("rightsdesk recipients %s --only NAME", p.c.ID), true, "")
		}
		d.MayReceive = append(d.MayReceive, recipientFact{Name: r.Name.Text(), Category: r.Category.Text(), Purpose: r.Purpose.Text(), key: key})
	}
	if len(p.reg.Recipients) == 0 && !chosen {
		f.gap("recipients", "the register lists no recipient (Art. 15(1)(c)): confirm that the data go to nobody", true, "")
	}
	for i := range p.c.Events {
		if e := &p.c.Events[i]; e.Kind == cases.EventRecipientsChosen && e.DisclosedOn != nil {
			for _, r := range e.Recipients {
				d.Disclosed = append(d.Disclosed, disclosure{Recipient: r, Date: dateText(*e.DisclosedOn)})
			}
		}
	}
}

// confirmedRecipients are the recipients the DPO confirmed this subject's
// data went to (the last recipients event without a disclosure date), and
// whether any was recorded.
func (p *packetCase) confirmedRecipients() ([]string, bool) {
	var out []string
	chosen := false
	for i := range p.c.Events {
		if e := &p.c.Events[i]; e.Kind == cases.EventRecipientsChosen && e.DisclosedOn == nil {
			out, chosen = e.Recipients, true
		}
	}
	return out, chosen
}

// keepRecord is the Art. 5(2) record an erasure letter announces: kept
// until the register's keep_record_years from the letter's date.
func (p *packetCase) keepRecord(d *letterData, f *facts) {
	years := p.reg.CaseFiles.KeepRecordYears
	if !years.Known() || years.Value <= 0 {
		f.gap("case_files.keep_record_years", missing(years.Provenance, "how long the record of a request is kept is not known"), true, "")
		return
	}
	until, _ := p.day.AddMonths(12 * years.Value)
	d.KeepRecord, d.KeepRecordYears = dateText(until), years.Value
}

// suppression names the kept entries that only keep marketing from
// resuming: a kept item whose system or whose recorded words say it is a
// suppression (or do-not-contact) list. Nothing else is presumed to be one.
func (p *packetCase) suppression(d *letterData) {
	for i := range p.st.Work {
		w := &p.st.Work[i]
		if w.Result == nil || w.Result.Result != cases.ResultKept {
			continue
		}
		words := strings.ToLower(w.ID + " " + w.Name + " " + w.Result.What)
		if strings.Contains(words, "suppression") || strings.Contains(words, "do-not-contact") || strings.Contains(words, "do not contact") {
			d.Suppression = append(d.Suppression, "We keep "+md(w.Result.What)+" in "+md(w.Name)+
				" as a suppression entry, so that we do not send you marketing again.")
		}
	}
}

// redirected is what the redirect letter says of the forwarding: to whom
// and when it was passed on, from the forwarded event; nothing when it was
// not (the letter then says so).
func (p *packetCase) redirected(d *letterData, f *facts) {
	fw := p.st.Forwarded
	if fw == nil {
		f.caseGap("case", fmt.Sprintf("no forwarding of the request is recorded (rightsdesk forward %s --to NAME): the letter says it was not passed on", p.c.ID),
			fmt.Sprintf("rightsdesk forward %s --to NAME", p.c.ID), false, "")
		return
	}
	d.Forwarded = md(fw.Customer) + " on " + p.dateOf(fw)
}
