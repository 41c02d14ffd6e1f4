package export

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

// letterData is everything a letter template may say: facts of the case,
// facts of the register, dates already written out. Templates add wording
// only; every string here that came from outside is escaped by the
// template's md function.
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

	PeriodFrom, PeriodTo string // the statutory period in force
	BaseDue, ExtendedDue string
	PromiseDue           string
	Paused               bool
	Verified             string // "on 3 March 2025 by video call"
	IDReason             string // the doubt about identity
	AuthorityNeeded      bool   // an agent's or parent's authority is asked
	Clarify              string // what to clarify
	Fee                  string
	ExtensionReason      string
	ClosedOn             string
	Reason               string // the reasons given with the outcome
	RedirectTo           string
	Linked               []string
	AwaitedSince         string // lapse: what was asked, since when
	AwaitedWhat          string
	Purposes             []purposeFact
	Categories           []string
	Recipients           []recipientFact
	Retention            []retentionFact
	Sources              []string
	Automated            string
	ConsentPurposes      []string
	Files                []fileRow
	Withheld             []withheldRow
	Kept                 []keptRow
	Notified             []notifiedRow
	Systems              []string
	Refusal              []refusalRow
	Overridden           bool
	HasDataCopy          bool
	Portability          []structuredFile
	PersonalDataJSON     bool
	Law77                string
	ComplainInBody       bool // the access letter's section (f) states it
}

type fileRow struct {
	Path, Category, System string
	Size                   int64
}

type withheldRow struct {
	Name, Category, Provision, Reason string
}

type keptRow struct {
	Data, Ground, Provision, Why, Until string
}

type notifiedRow struct {
	Recipient, Date, Impossible string
}

type refusalRow struct {
	Ground, Provision, Reason, Law string
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

var rightTitles = map[cases.Right]string{
	cases.RightAccess:            "access to your personal data (Art. 15)",
	cases.RightRectification:     "rectification of your personal data (Art. 16)",
	cases.RightErasure:           "erasure of your personal data (Art. 17)",
	cases.RightRestriction:       "restriction of processing (Art. 18)",
	cases.RightPortability:       "data portability (Art. 20)",
	cases.RightObjection:         "objection to processing (Art. 21)",
	cases.RightAutomatedDecision: "review of an automated decision (Art. 22)",
	cases.RightWithdrawConsent:   "withdrawal of consent (Art. 7(3))",
	cases.RightComplaint:         "a review of your complaint about how we handle your personal data",
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

// letterEvent is the event a letter answers: the one that dates it. A
// letter whose step never happened is refused (a final letter for an open
// case, an identity request nobody asked).
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
		ev = lastEvent(c, cases.EventClosed)
	default:
		return nil, refusedf("unknown letter %q", kind)
	}
	return ev, nil
}

func refusedf(format string, args ...any) error {
	return &cases.Refused{Reason: fmt.Sprintf(format, args...)}
}

// buildLetter gathers what the letter of kind says. It returns the data
// and the gaps met (blocking or covered by a general wording).
func buildLetter(p *packetCase, kind cases.LetterKind) (*letterData, error) {
	c, st, reg := p.c, p.st, p.reg
	ev, err := letterEvent(c, st, kind)
	if err != nil {
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
	d.Date = dateText(cases.DateOf(ev.At, p.loc))
	d.Controller = f.controller()
	d.To = c.Subject.Name
	if c.Requester != nil {
		d.To, d.OnBehalf, d.Relation = c.Requester.Name, true, string(c.Requester.Relation)
	}
	dl := st.Deadlines
	d.Received = dateText(dl.ReceiptDate)
	d.PeriodFrom = dateText(dl.StartDate)
	d.PeriodTo = datePtr(dl.Due)
	d.BaseDue, d.ExtendedDue, d.PromiseDue = datePtr(dl.BaseDue), datePtr(dl.ExtendedDue), datePtr(dl.PromiseDue)
	if st.IdentityVerified != nil {
		d.Verified = fmt.Sprintf("on %s by %s", dateText(cases.DateOf(st.IdentityVerified.At, p.loc)), st.IdentityVerified.Method)
	}
	if e := lastEvent(c, cases.EventIDRequested); e != nil {
		d.IDReason = e.Reason
	}
	if e := lastEvent(c, cases.EventAuthorityRequested); e != nil && kind == cases.LetterIdentityRequest && ev.Kind == cases.EventAuthorityRequested {
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
	if kind == cases.LetterLapse {
		for _, k := range []cases.EventKind{cases.EventIDRequested, cases.EventAuthorityRequested, cases.EventClarificationRequested, cases.EventFeeRequested} {
			if e := lastEvent(c, k); e != nil {
				d.AwaitedWhat, d.AwaitedSince = awaitedWording[k], dateText(cases.DateOf(e.At, p.loc))
			}
		}
	}
	needsAuthority := kind == cases.LetterFinal || kind == cases.LetterFeeRequest || kind == cases.LetterExtensionNotice
	if kind == cases.LetterFinal {
		if err := p.finalContent(d, f); err != nil {
			return nil, err
		}
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

var awaitedWording = map[cases.EventKind]string{
	cases.EventIDRequested:            "information to confirm your identity",
	cases.EventAuthorityRequested:     "proof of your authority to act for the person concerned",
	cases.EventClarificationRequested: "a clarification of your request",
	cases.EventFeeRequested:           "the fee",
}

// finalContent fills the final letter per right and outcome.
func (p *packetCase) finalContent(d *letterData, f *facts) error {
	c, st := p.c, p.st
	outcome := st.Outcome
	answered := outcome == cases.OutcomeFulfilled || outcome == cases.OutcomePartiallyFulfilled
	for _, g := range st.Grounds {
		row := refusalRow{Ground: groundWording[g], Provision: g.Provision(), Reason: st.Reason}
		if g == cases.GroundNationalRestriction {
			if e := lastEvent(c, cases.EventClosed); e != nil {
				row.Law = e.Law
			}
		}
		d.Refusal = append(d.Refusal, row)
	}
	if c.Right == cases.RightObjection && outcome.RefusesSomething() && slices.Contains(st.Grounds, cases.GroundCompellingLegitimate) {
		d.Overridden = true
	}
	// Systems where the data were gathered, for "where" in erasure letters.
	for _, a := range st.Attachments {
		if a.System != "" && !slices.Contains(d.Systems, a.System) {
			d.Systems = append(d.Systems, a.System)
		}
	}
	slices.Sort(d.Systems)
	switch c.Right {
	case cases.RightAccess:
		if answered {
			d.Purposes = f.purposes()
			d.Categories = f.categories()
			d.Recipients = f.recipients(st.Recipients)
			d.Retention = f.retention()
			d.Sources = f.sources()
			d.Automated = f.automated()
			d.ComplainInBody = true
			p.dataCopy(d)
		}
	case cases.RightPortability:
		if answered {
			p.dataCopy(d)
		}
	case cases.RightErasure:
		if answered {
			d.Categories = f.categories()
			p.kept(d, f)
		}
	case cases.RightWithdrawConsent:
		for i := range p.reg.Purposes {
			pu := &p.reg.Purposes[i]
			if pu.Basis.Value == "consent" && pu.Purpose.Known() {
				d.ConsentPurposes = append(d.ConsentPurposes, pu.Purpose.Value)
			}
		}
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
	if answered && (c.Right == cases.RightAccess || c.Right == cases.RightPortability) {
		for _, w := range d.Withheld {
			d.Refusal = append(d.Refusal, refusalRow{Ground: "a file was withheld (" + w.Name + ")", Provision: w.Provision, Reason: w.Reason})
		}
	}
	for _, k := range d.Kept {
		if !slices.Contains(st.Grounds, cases.Ground(k.Ground)) {
			d.Refusal = append(d.Refusal, refusalRow{Ground: "data are kept: " + k.Data, Provision: k.Provision, Reason: k.Why})
		}
	}
	return nil
}

// kept is the Art. 17(3) table of an erasure: the register's retention
// lines whose erasure exception is among the case's grounds, with the end
// date counted from the closing date (an upper bound: the period runs from
// when each record was made, which was before).
func (p *packetCase) kept(d *letterData, f *facts) {
	st := p.st
	closed := cases.DateOf(*st.ClosedAt, p.loc)
	for _, g := range st.Grounds {
		if !strings.HasPrefix(string(g), "art17-3-") {
			continue
		}
		found := false
		for _, r := range f.retention() {
			if r.Exception != g {
				continue
			}
			found = true
			row := keptRow{Data: r.Data, Ground: string(g), Provision: g.Provision(), Why: orText(r.Why, r.Period)}
			if r.Length != "" {
				if until, ok := addLength(closed, r.Length); ok {
					row.Until = "at the latest " + dateText(until) + " (" + r.Period + ")"
				}
			}
			if row.Until == "" && r.Period != "" {
				row.Until = r.Period
			}
			if row.Until == "" {
				f.gap("retention", fmt.Sprintf("%s is kept under %s with no period: the letter must give an end date", r.Data, g.Provision()), true, "")
			}
			d.Kept = append(d.Kept, row)
		}
		if !found {
			f.gap("retention", fmt.Sprintf("the case keeps data under %s, but no retention line of the register has that erasure exception: what is kept and until when is unknown", g.Provision()), true, "")
		}
	}
}

func addLength(from cases.Date, length string) (cases.Date, bool) {
	y, m, days, err := register.ParseLength(length)
	if err != nil {
		return cases.Date{}, false
	}
	out, _ := from.AddMonths(12*y + m) // clamped to the month's end where the day does not exist
	return out.AddDays(days), true
}

// notified is Art. 19: the notifications recorded, or a blocking gap when
// the register has recipients and none was recorded.
func (p *packetCase) notified(d *letterData, f *facts) {
	for _, e := range p.st.Notified {
		d.Notified = append(d.Notified, notifiedRow{Recipient: e.Recipient, Date: dateText(cases.DateOf(e.At, p.loc)), Impossible: e.Impossible})
	}
	if len(d.Notified) == 0 && len(p.reg.Recipients) > 0 {
		f.gap("case", "no Art. 19 notification of a recipient is recorded (notify ID --recipient NAME [--impossible REASON])", true, "")
	}
}
