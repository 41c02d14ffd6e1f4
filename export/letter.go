package export

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"rightsdesk/cases"
)

// letterData is everything a letter template may say: facts of the case,
// facts of the register, dates already written out. Templates add wording
// only; every string here that came from outside is escaped by the
// template's md function, except the fields said to be Markdown already.
type letterData struct {
	Kind    string
	Right   string
	Outcome string
	Law     string // GDPR or UK GDPR
	Draft   bool
	Gaps    []LetterGap // the blocking ones, for the draft banner

	Date       string
	CaseID     string
	RegisterID string
	Controller controllerFacts
	Authority  authorityFacts

	To          string // the addressee: the requester, or the subject
	Subject     string
	OnBehalf    bool
	Relation    string
	Email       string
	Postal      string
	Received    string
	Channel     string
	RequestText string
	// Requests are the rights of one request made of several cases (the
	// acknowledgement names them all): "your request for access to your
	// personal data (Art. 15), our reference DSR-..." (Markdown).
	Requests []string

	PeriodFrom, PeriodTo string // the statutory period in force
	BaseDue, ExtendedDue string
	PromiseDue           string
	Paused               bool
	Verified             string   // "on 3 March 2025 by video call"
	IDReason             string   // the doubt about identity
	Needs                []string // what the identity request asks for
	AuthorityNeeded      bool     // an agent's or parent's authority is asked
	Clarify              string   // what to clarify
	Fee                  string
	ExtensionReason      string
	ClosedOn             string
	Reason               string // the reasons given with the outcome
	RedirectTo           string
	Forwarded            string // redirect: "Acme SAS on 4 March 2025" (Markdown), "" when not forwarded
	Linked               []string
	AwaitedSince         string // lapse: what was asked, since when
	AwaitedWhat          string
	Purposes             []purposeFact
	Categories           []string
	Recipients           []recipientFact // the recipients the data went to
	MayReceive           []recipientFact // the recipients that may receive them, with their condition
	Disclosed            []disclosure    // recorded disclosures to public authorities
	Retention            []retentionFact
	Sources              []string
	// SourcesFromYou: the register's sources are all of categories of
	// data that were not found.
	SourcesFromYou bool
	Automated      string
	Files          []fileRow
	Withheld       []withheldRow
	// Done are the work list's statements, one per worked item (Markdown).
	Done     []string
	Kept     []keptRow
	Notified []notifiedRow
	// NoneToTell is why no recipient was told, when none was (Art. 19):
	// from what the work list and the case's recipients record.
	NoneToTell string
	// Suppression are the kept entries that only stop marketing from
	// resuming (Markdown).
	Suppression []string
	// KeepRecord is the day the record of the request and its answer is
	// kept until (Art. 5(2)), KeepRecordYears the register's rule.
	KeepRecord      string
	KeepRecordYears int
	Refusal         []refusalRow
	Overridden      bool
	// MarketingStopped: a direct-marketing purpose was recorded stopped,
	// which the objection letter may then say in Art. 21(3)'s words.
	MarketingStopped bool
	HasDataCopy      bool
	Portability      []structuredFile
	Law77            string
	ComplainInBody   bool // the access letter's section (f) states it
	// LateSince is, for the delay letter, the day the answer was due.
	LateSince string
}

type fileRow struct {
	Path, Category, System string
	Size                   int64
}

type withheldRow struct {
	Name, Category, Provision, Ground, Reason string
}

type notifiedRow struct {
	Recipient, Date, Impossible string
}

// disclosure is a recorded disclosure to a public authority.
type disclosure struct {
	Recipient, Date string
}

// dateText is how letters write a day.
func dateText(d cases.Date) string {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format("2 January 2006")
}

func datePtr(d *cases.Date) string {
	if d == nil {
		return ""
	}
	return dateText(*d)
}

// requestWords are how a letter names what the subject asked, after
// "We received" or "Our answer to".
var requestWords = map[cases.Right]string{
	cases.RightAccess:            "your request for access to your personal data (Art. 15)",
	cases.RightRectification:     "your request for rectification of your personal data (Art. 16)",
	cases.RightErasure:           "your request for erasure of your personal data (Art. 17)",
	cases.RightRestriction:       "your request for restriction of the processing of your personal data (Art. 18)",
	cases.RightPortability:       "your request for a portable copy of your personal data (Art. 20)",
	cases.RightObjection:         "your objection to the processing of your personal data (Art. 21)",
	cases.RightAutomatedDecision: "your request for a review of a decision made about you by automated means (Art. 22)",
	cases.RightWithdrawConsent:   "your withdrawal of your consent (Art. 7(3))",
	cases.RightComplaint:         "your complaint about how we handle your personal data",
}

var groundWording = map[cases.Ground]string{
	cases.GroundManifestlyUnfounded:    "the request is manifestly unfounded",
	cases.GroundExcessive:              "the request is excessive, in particular because of its repetitive character",
	cases.GroundIdentityNotEstablished: "we could not establish your identity",
	cases.GroundCannotIdentify:         "we are not in a position to identify you in the data we hold",
	cases.GroundArt17_3a:               "the data are needed for exercising the right of freedom of expression and information",
	cases.GroundArt17_3b:               "the data are needed to comply with a legal obligation",
	cases.GroundArt17_3c:               "the data are needed for reasons of public interest in the area of public health",
	cases.GroundArt17_3d:               "the data are needed for archiving, research or statistical purposes",
	cases.GroundArt17_3e:               "the data are needed for the establishment, exercise or defence of legal claims",
	cases.GroundNoErasureGround:        "none of the grounds for erasure of Art. 17(1) applies",
	cases.GroundCompellingLegitimate:   "we have compelling legitimate grounds for the processing which override your interests, rights and freedoms",
	cases.GroundLegalClaims:            "the data are needed for the establishment, exercise or defence of legal claims",
	cases.GroundNotPortable:            "the data are not covered by the right to data portability (not provided by you, or not processed by automated means on the basis of consent or a contract)",
	cases.GroundRightsOfOthers:         "giving the data would adversely affect the rights and freedoms of others",
	cases.GroundNationalRestriction:    "a restriction of this right provided by law",
}

// lawName is the law the letters are written under; other regimes have no
// wording yet.
func lawName(regime string) (string, bool) {
	switch regime {
	case "eu-gdpr", "processor-forward":
		return "GDPR", true
	case "uk-gdpr":
		return "UK GDPR", true
	}
	return "GDPR", false
}

// lastEvent is the last event of a kind in the timeline, if any.
func lastEvent(c *cases.Case, kinds ...cases.EventKind) *cases.Event {
	for i := len(c.Events) - 1; i >= 0; i-- {
		if slices.Contains(kinds, c.Events[i].Kind) {
			return &c.Events[i]
		}
	}
	return nil
}

// letterEvent is the event a letter answers: the one that dates it when
// no date is asked. A letter whose step never happened is refused (a final
// letter for an open case, an identity request nobody asked). The delay
// letter answers no event: nil.
func letterEvent(c *cases.Case, st *cases.State, kind cases.LetterKind) (*cases.Event, error) {
	var ev *cases.Event
	switch kind {
	case cases.LetterAcknowledgement:
		if ev = lastEvent(c, cases.EventAcknowledged); ev == nil {
			ev = &c.Events[len(c.Events)-1]
		}
	case cases.LetterIdentityRequest:
		if ev = lastEvent(c, cases.EventIDRequested, cases.EventAuthorityRequested); ev == nil {
			return nil, refusedf("no identity or authority request is recorded: record it first (request-id --reason, request-authority)")
		}
	case cases.LetterClarificationRequest:
		if ev = lastEvent(c, cases.EventClarificationRequested); ev == nil {
			return nil, refusedf("no clarification request is recorded: record it first (request-info --reason)")
		}
	case cases.LetterFeeRequest:
		if ev = lastEvent(c, cases.EventFeeRequested); ev == nil {
			return nil, refusedf("no fee request is recorded: record it first (request-fee --amount)")
		}
	case cases.LetterExtensionNotice:
		if ev = lastEvent(c, cases.EventExtensionDecided); ev == nil || st.ExtensionDecided == nil {
			return nil, refusedf("no extension is decided: decide it first (extend --reason)")
		}
	case cases.LetterFinal, cases.LetterRedirect, cases.LetterLapse:
		return closingEvent(c, st, kind)
	case cases.LetterDelay:
		return nil, nil
	default:
		return nil, refusedf("unknown letter %q", kind)
	}
	return ev, nil
}

// closingEvent is the event a final, redirect or lapse letter answers.
func closingEvent(c *cases.Case, st *cases.State, kind cases.LetterKind) (*cases.Event, error) {
	if st.Status != cases.StatusClosed {
		return nil, refusedf("the case is not closed: the %s letter follows the outcome (close --outcome)", kind)
	}
	switch {
	case kind == cases.LetterRedirect && st.Outcome != cases.OutcomeRedirected:
		return nil, refusedf("the case was closed as %s, not redirected", st.Outcome)
	case kind == cases.LetterLapse && st.Outcome != cases.OutcomeLapsed:
		return nil, refusedf("the case was closed as %s, not lapsed", st.Outcome)
	case kind == cases.LetterFinal && (st.Outcome == cases.OutcomeRedirected || st.Outcome == cases.OutcomeLapsed):
		return nil, refusedf("a case closed as %s is answered by the %s letter", st.Outcome, cases.DefaultLetter(c, st))
	}
	return lastEvent(c, cases.EventClosed), nil
}

func refusedf(format string, args ...any) error {
	return &cases.Refused{Reason: fmt.Sprintf(format, args...)}
}

// dateLetter fixes the letter's date (asked, or its event's day) and
// checks what the date allows: an extension notice only within the notice
// window, a delay letter only once the answer is late.
func (p *packetCase) dateLetter(kind cases.LetterKind, ev *cases.Event) error {
	switch {
	case !p.date.IsZero():
		p.day, p.modified = p.date, p.date.Start(p.loc).UTC()
	case ev != nil:
		p.day, p.modified = cases.DateOf(ev.At, p.loc), ev.At.UTC()
	default:
		p.day, p.modified = cases.DateOf(p.at, p.loc), p.at.UTC()
	}
	dl := p.st.Deadlines
	switch kind {
	case cases.LetterExtensionNotice:
		if dl.ExtensionNoticeBy != nil && p.day.After(*dl.ExtensionNoticeBy) {
			return &cases.Refused{Field: "letter", Reason: fmt.Sprintf("an extension notice had to reach the subject by %s (Art. 12(3)); dated %s it extends nothing: "+
				"export the delay letter instead, which tells the subject the answer is late and when it will come",
				dl.ExtensionNoticeBy, p.day)}
		}
	case cases.LetterDelay:
		return p.delayAllowed()
	}
	return nil
}

// delayAllowed checks that the answer is late on the letter's date: past
// the deadline in force, or past the extension window with no extension in
// force; and not already answered.
func (p *packetCase) delayAllowed() error {
	st, dl := p.st, p.st.Deadlines
	if st.Status == cases.StatusClosed {
		return &cases.Refused{Field: "letter", Reason: fmt.Sprintf("the case is closed (%s): send its answer, the %s letter, not a delay letter", st.Outcome, cases.DefaultLetter(p.c, st))}
	}
	if st.AnsweredAt != nil {
		return &cases.Refused{Field: "letter", Reason: fmt.Sprintf("the request was answered on %s: there is no delay to tell", cases.DateOf(*st.AnsweredAt, p.loc))}
	}
	pastDue := dl.Due != nil && p.day.After(*dl.Due)
	extended := dl.ExtensionValid != nil && *dl.ExtensionValid
	pastWindow := dl.ExtensionNoticeBy != nil && p.day.After(*dl.ExtensionNoticeBy) && !extended
	if !pastDue && !pastWindow {
		due := "no deadline"
		if dl.Due != nil {
			due = "due " + dl.Due.String()
		}
		return &cases.Refused{Field: "letter", Reason: fmt.Sprintf("on %s the answer is not late (%s%s): a delay letter is for an answer past its deadline, "+
			"or past the extension window with no extension in force", p.day, due, map[bool]string{true: ", extension in force", false: ""}[extended])}
	}
	return nil
}

// buildLetter gathers what the letter of kind says. It returns the data
// and the gaps met (blocking or covered by a general wording).
func buildLetter(p *packetCase, kind cases.LetterKind) (*letterData, error) {
	c, st, reg := p.c, p.st, p.reg
	ev, err := letterEvent(c, st, kind)
	if err != nil {
		return nil, err
	}
	if err := p.dateLetter(kind, ev); err != nil {
		return nil, err
	}
	f := &facts{reg: reg}
	d := &letterData{Kind: string(kind), Right: string(c.Right), Outcome: string(st.Outcome), CaseID: c.ID,
		Subject: c.Subject.Name, Email: c.Subject.Email, Postal: c.Subject.PostalAddress,
		Channel: string(c.Channel), RequestText: c.Text, Law77: Art77Wording, RegisterID: reg.ID}
	law, ok := lawName(st.Rules.Regime)
	d.Law = law
	if !ok {
		f.gap("clock.regime", fmt.Sprintf("the case is under %s, for which rightsdesk has no letter wording: the letter cites the GDPR and must be rewritten", st.Rules.Regime), true, "")
	}
	d.Date = dateText(p.day)
	d.Controller = f.controller()
	d.To = c.Subject.Name
	if c.Requester != nil {
		d.To, d.OnBehalf, d.Relation = c.Requester.Name, true, string(c.Requester.Relation)
	}
	p.caseFacts(d, ev, kind)
	p.stepFacts(d, f, kind)
	needsAuthority := kind == cases.LetterFinal || kind == cases.LetterFeeRequest || kind == cases.LetterExtensionNotice || kind == cases.LetterDelay
	if kind == cases.LetterFinal {
		p.finalContent(d, f)
	}
	if kind == cases.LetterRedirect {
		p.redirected(d, f)
	}
	if needsAuthority || len(d.Refusal) > 0 {
		d.Authority = f.authority()
	}
	p.gaps = f.gaps
	for _, g := range f.gaps {
		if g.Blocking {
			d.Draft = true
			d.Gaps = append(d.Gaps, g)
		}
	}
	return d, nil
}

// caseFacts are the dates and facts of the case every letter may state.
func (p *packetCase) caseFacts(d *letterData, ev *cases.Event, kind cases.LetterKind) {
	c, st := p.c, p.st
	dl := st.Deadlines
	d.Received = dateText(dl.ReceiptDate)
	d.PeriodFrom = dateText(dl.StartDate)
	d.PeriodTo = datePtr(dl.Due)
	d.BaseDue, d.ExtendedDue, d.PromiseDue = datePtr(dl.BaseDue), datePtr(dl.ExtendedDue), datePtr(dl.PromiseDue)
	if st.IdentityVerified != nil {
		d.Verified = fmt.Sprintf("on %s by %s", dateText(cases.DateOf(st.IdentityVerified.At, p.loc)), st.IdentityVerified.Method)
	}
	if e := lastEvent(c, cases.EventIDRequested); e != nil {
		d.IDReason, d.Needs = e.Reason, e.Needs
	}
	if ev != nil && kind == cases.LetterIdentityRequest && ev.Kind == cases.EventAuthorityRequested {
		d.AuthorityNeeded = true
	}
	if e := lastEvent(c, cases.EventClarificationRequested); e != nil {
		d.Clarify = e.Reason
	}
	if e := lastEvent(c, cases.EventFeeRequested); e != nil {
		d.Fee = e.Amount
	}
	if st.ExtensionDecided != nil {
		d.ExtensionReason = st.ExtensionDecided.Reason
	}
	d.Paused = dl.PausedDays > 0 || dl.Clock == cases.ClockPaused || dl.Clock == cases.ClockAwaitingRestart
	if st.ClosedAt != nil {
		d.ClosedOn = dateText(cases.DateOf(*st.ClosedAt, p.loc))
	}
	d.Reason, d.RedirectTo, d.Linked = st.Reason, st.RedirectTo, c.Linked
}

// stepFacts are what the letters before the answer need: the rights of
// the whole request, what an identity request needs, what a lapse waited
// for, what a delay letter promises.
func (p *packetCase) stepFacts(d *letterData, f *facts, kind cases.LetterKind) {
	c, st := p.c, p.st
	switch kind {
	case cases.LetterAcknowledgement:
		d.Requests = p.requests()
	case cases.LetterIdentityRequest:
		if !d.AuthorityNeeded && len(d.Needs) == 0 {
			f.caseGap("case", "the identity request names nothing the subject must send (request-id --need): the letter asks only for what removes the doubt",
				fmt.Sprintf("rightsdesk request-id %s --reason TEXT --need WHAT", c.ID), false, "")
		}
	case cases.LetterLapse:
		for _, k := range []cases.EventKind{cases.EventIDRequested, cases.EventAuthorityRequested, cases.EventClarificationRequested, cases.EventFeeRequested} {
			if e := lastEvent(c, k); e != nil {
				d.AwaitedWhat, d.AwaitedSince = awaitedWording[k], dateText(cases.DateOf(e.At, p.loc))
			}
		}
	case cases.LetterDelay:
		d.LateSince = datePtr(st.Deadlines.Due)
		if st.ExtensionDecided == nil {
			d.ExtendedDue = ""
			f.caseGap("case", fmt.Sprintf("the delay letter must say when the answer will come: decide it (rightsdesk extend %s --reason TEXT)", c.ID),
				fmt.Sprintf("rightsdesk extend %s --reason TEXT", c.ID), true, "")
		}
	}
}

// requests names every right of the request this case belongs to, with
// each case's reference, in the order of the rights.
func (p *packetCase) requests() []string {
	all := append([]*cases.Case{p.c}, p.linked...)
	slices.SortFunc(all, func(a, b *cases.Case) int {
		return slices.Index(cases.Rights, a.Right) - slices.Index(cases.Rights, b.Right)
	})
	var out []string
	seen := map[string]bool{}
	for _, c := range all {
		if seen[c.ID] || (c != p.c && c.RequestID != p.c.RequestID) {
			continue
		}
		seen[c.ID] = true
		out = append(out, requestWords[c.Right]+", our reference "+md(c.ID))
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

var awaitedWording = map[cases.EventKind]string{
	cases.EventIDRequested:            "information to confirm your identity",
	cases.EventAuthorityRequested:     "proof of your authority to act for the person concerned",
	cases.EventClarificationRequested: "a clarification of your request",
	cases.EventFeeRequested:           "the fee",
}

// notified is Art. 19: the notifications recorded (the last for each
// recipient counts), and a blocking gap for each recipient owed one that
// has none (Art19Owed).
func (p *packetCase) notified(d *letterData, f *facts) {
	last := map[string]cases.Event{}
	var order []string
	for _, e := range p.st.Notified {
		if _, seen := last[e.Recipient]; !seen {
			order = append(order, e.Recipient)
		}
		last[e.Recipient] = e
	}
	for _, name := range order {
		e := last[name]
		d.Notified = append(d.Notified, notifiedRow{Recipient: e.Recipient, Date: dateText(cases.DateOf(e.At, p.loc)), Impossible: e.Impossible})
	}
	owed, confirmed := p.art19Owed()
	if len(d.Notified) == 0 {
		d.NoneToTell = p.noneToTell()
	}
	if !confirmed {
		f.caseGap("case", "which third parties received this subject's data is not confirmed, so whom Art. 19 obliges us to tell "+
			"is not known (recipients ID [--only NAME])", fmt.Sprintf("rightsdesk recipients %s --only NAME", p.c.ID), true, "")
	}
	for _, name := range owed {
		if _, done := last[name]; !done {
			f.caseGap("case", fmt.Sprintf("Art. 19: %s received this subject's data and is not notified (notify ID --recipient %q "+
				"[--impossible REASON])", name, name), fmt.Sprintf("rightsdesk notify %s --recipient %q", p.c.ID, name), true, "")
		}
	}
}

// erasedNothing reports whether an erasure request erased or anonymised
// nothing: Art. 19 then owes no one a notification.
func (p *packetCase) erasedNothing() bool {
	return p.c.Right == cases.RightErasure && !slices.ContainsFunc(p.st.Work, func(w cases.WorkItem) bool {
		r := w.ResultName()
		return r == cases.ResultErased || r == cases.ResultAnonymised
	})
}

// noneToTell says why no recipient was told, from the record alone: an
// erasure that erased nothing had nothing to pass on; otherwise no third
// party was confirmed to have received the data (one that was is owed a
// notification, a gap until it is recorded), and the service providers
// hosting the systems where data were acted on were part of that work.
func (p *packetCase) noneToTell() string {
	if p.erasedNothing() {
		return "We erased none of your data, so there was no erasure to pass on to anyone who received it from us."
	}
	text := "No third party received your data from us, so there was no one to tell."
	var hosts []string
	for i := range p.st.Work {
		w := &p.st.Work[i]
		if w.System != nil && w.System.Recipient != "" && w.ResultName().Holds() && !slices.Contains(hosts, w.System.Recipient) {
			hosts = append(hosts, w.System.Recipient)
		}
	}
	switch len(hosts) {
	case 0:
		return text
	case 1:
		return text + " " + md(hosts[0]) + ", which holds your data for us only, was part of what we did above."
	}
	return text + " " + md(strings.Join(hosts[:len(hosts)-1], ", ")+" and "+hosts[len(hosts)-1]) +
		", which hold your data for us only, were part of what we did above."
}

// art19Owed are the recipients Art. 19 obliges the controller to tell
// (WORK.md): the third parties confirmed for this case, and the processors
// hosting a system with no result yet; for an erasure only once something
// was erased or anonymised. confirmed is false when the register has third
// parties and the case never said which received the data.
func (p *packetCase) art19Owed() (owed []string, confirmed bool) {
	st := p.st
	if p.erasedNothing() {
		return nil, true
	}
	chosen, any := p.confirmedRecipients()
	confirmed = true
	for i := range p.reg.Recipients {
		r := &p.reg.Recipients[i]
		name := r.Name.Value
		if name == "" {
			name = r.Category.Value
		}
		if r.Kind.Value != "third-party" || name == "" {
			continue
		}
		if !any {
			confirmed = false
			continue
		}
		if slices.Contains(chosen, name) && !slices.Contains(owed, name) {
			owed = append(owed, name)
		}
	}
	for i := range st.Work {
		w := &st.Work[i]
		if w.Open() && w.System != nil && w.System.Recipient != "" && !slices.Contains(owed, w.System.Recipient) {
			owed = append(owed, w.System.Recipient)
		}
	}
	return owed, confirmed
}
