package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

// registers are the built-in registers, as a packet reads them.
func registers(t testing.TB) *register.Registers {
	t.Helper()
	rs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// scenario is a case built through the domain's own rules (cases.Apply),
// one event a day from its receipt, with its attached files in memory.
type scenario struct {
	t     testing.TB
	reg   *register.Register
	c     *cases.Case
	now   time.Time
	files map[string][]byte
}

var received = time.Date(2025, 3, 3, 9, 30, 0, 0, time.UTC)

func newScenario(t testing.TB, reg *register.Register, right cases.Right, edit func(*cases.Intake)) *scenario {
	t.Helper()
	in := cases.Intake{Controller: reg.ID, Rights: []cases.Right{right},
		Subject: cases.Subject{Name: "Zoé Lefèvre", Email: "zoe.lefevre@example.org"},
		Channel: cases.ChannelEmail, Language: "en", ReceivedAt: received,
		Text: "Please send me everything you hold about me.\nThank you."}
	if edit != nil {
		edit(&in)
	}
	rules, err := reg.Rules("")
	if err != nil {
		t.Fatal(err)
	}
	rules.Systems, rules.Purposes = testMap(reg)
	cs, err := cases.NewCases(in, rules, received, "anna")
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	c.ID, c.RequestID = "DSR-2025-000042", "REQ-2025-000042"
	return &scenario{t: t, reg: reg, c: c, now: received, files: map[string][]byte{}}
}

// testMap is the data map and the purposes the letter tests give an
// organisation, whatever its register holds: a customer database and
// payment records hosted by the register's first two named processors
// (so that the hosts are recipients it lists), the assumed mailboxes and
// backups (backups worked for erasure only), and three purposes: one on
// legitimate interests, direct marketing on consent, a newsletter on
// consent.
func testMap(reg *register.Register) ([]cases.System, []cases.PurposeItem) {
	var hosts []string
	for i := range reg.Recipients {
		if r := &reg.Recipients[i]; r.Kind.Value == "processor" && r.Name.Known() {
			hosts = append(hosts, r.Name.Value)
		}
	}
	switch len(hosts) {
	case 0:
		hosts = []string{"", ""}
	case 1:
		hosts = append(hosts, hosts[0])
	}
	systems := []cases.System{
		{ID: "app-db", Name: "our customer database", Categories: []string{"your account details", "how you use the service"},
			Role: cases.SystemController, Recipient: hosts[0], Source: "seed",
			Retention: &cases.RetentionRule{ID: "account", Data: "account data", Length: "30d", From: "account-closure"}},
		{ID: "payments", Name: "our payment records", Categories: []string{"your invoices and payments"},
			Role: cases.SystemController, Recipient: hosts[1], Source: "seed",
			Retention: &cases.RetentionRule{ID: "invoices", Data: "invoices and payment records", Length: "7y", From: "end-of-year-of-document",
				Law: "the tax and accounting law", Ground: cases.GroundArt17_3b}},
		{ID: "mailboxes", Name: "our e-mail mailboxes", Categories: []string{"our correspondence with you"},
			Role: cases.SystemController, Source: "assumed",
			Retention: &cases.RetentionRule{ID: "mail", Data: "correspondence", Length: "2y", From: "last-activity"}},
		{ID: "backups", Name: "our backups", Rights: []cases.Right{cases.RightErasure}, Role: cases.SystemController, Source: "assumed",
			Retention: &cases.RetentionRule{ID: "backups", Data: "backups", Length: "35d", From: "collection"}},
	}
	purposes := []cases.PurposeItem{
		{ID: "analytics", Purpose: "Improving the service from how it is used", Basis: "legitimate-interests", Source: "seed"},
		{ID: "marketing", Purpose: "Marketing e-mails", Basis: "consent", DirectMarketing: true, Source: "seed"},
		{ID: "newsletter", Purpose: "Our newsletter", Basis: "consent", Source: "seed"},
	}
	return systems, purposes
}

// work records an item's result, a day after the previous event.
func (s *scenario) work(item string, result cases.Result, edit func(*cases.Event)) *scenario {
	ev := cases.Event{Kind: cases.EventWorked, Item: item, Result: result}
	if edit != nil {
		edit(&ev)
	}
	return s.do(ev)
}

// day is the scenario's day n days after its last event (a date for
// until and trigger dates).
func (s *scenario) day(n int) *cases.Date {
	d := cases.DateOf(s.now, time.UTC).AddDays(n)
	return &d
}

// do records an event a day after the previous one.
func (s *scenario) do(ev cases.Event) *scenario {
	s.t.Helper()
	s.now = s.now.Add(24 * time.Hour)
	ev.Actor = "anna"
	done, _, err := cases.Apply(s.c, ev, s.now)
	if err != nil {
		s.t.Fatalf("%s: %v", ev.Kind, err)
	}
	s.c.Events = append(s.c.Events, done)
	return s
}

func (s *scenario) attach(name, category, system string, data []byte) *scenario {
	sum := sha256.Sum256(data)
	s.files[name] = data
	return s.do(cases.Event{Kind: cases.EventAttached, Attachment: &cases.Attachment{Name: name, Kind: cases.AttachmentDataCopy,
		Category: category, System: system, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}})
}

func (s *scenario) input(kind cases.LetterKind) Input {
	return Input{Case: s.c, Register: s.reg, Letter: kind, Files: func(name string) ([]byte, error) {
		data, ok := s.files[name]
		if !ok {
			return nil, fmt.Errorf("no file %q", name)
		}
		return data, nil
	}}
}

func (s *scenario) build(kind cases.LetterKind) *Packet {
	s.t.Helper()
	p, err := Build(s.input(kind))
	if err != nil {
		s.t.Fatalf("build %s: %v", kind, err)
	}
	return p
}

// Sample data-copy files.
var (
	accountCSV = []byte("field,value,updated_at\nname,Zoé Lefèvre,2025-01-02T10:00:00+01:00\nemail,zoe.lefevre@example.org,2025-01-02T10:00:00+01:00\n")
	loginsJSON = []byte(`[{"at":"2025-02-01T08:15:00+01:00","ip":"192.0.2.10","ok":true},{"at":"2025-02-03T19:02:00+01:00","ip":"192.0.2.11","ok":false}]`)
	callNotes  = []byte("Call with Zoé and her colleague Marc about the renewal.\n")
	groundFor  = map[cases.Right][2]cases.Ground{ // partially-fulfilled, refused
		cases.RightAccess:            {cases.GroundRightsOfOthers, cases.GroundExcessive},
		cases.RightRectification:     {cases.GroundManifestlyUnfounded, cases.GroundManifestlyUnfounded},
		cases.RightErasure:           {cases.GroundArt17_3b, cases.GroundNoErasureGround},
		cases.RightRestriction:       {cases.GroundLegalClaims, cases.GroundManifestlyUnfounded},
		cases.RightPortability:       {cases.GroundNotPortable, cases.GroundNotPortable},
		cases.RightObjection:         {cases.GroundCompellingLegitimate, cases.GroundCompellingLegitimate},
		cases.RightAutomatedDecision: {cases.GroundManifestlyUnfounded, cases.GroundManifestlyUnfounded},
		cases.RightWithdrawConsent:   {cases.GroundExcessive, cases.GroundExcessive},
		cases.RightComplaint:         {cases.GroundManifestlyUnfounded, cases.GroundManifestlyUnfounded},
	}
	// reasonFor is what a DPO writes to the subject for each ground the
	// goldens rest on: the letters are read, so the reasons read as real
	// ones (fictional facts).
	reasonFor = map[cases.Ground]string{
		cases.GroundRightsOfOthers: "One of the files names other customers, whose data we may not give you.",
		cases.GroundExcessive: "This is the fourth identical request this month; each earlier one was answered in full, " +
			"and nothing has changed since.",
		cases.GroundManifestlyUnfounded: "The request asks us to change records that are accurate, as the documents you sent " +
			"us yourself show.",
		cases.GroundArt17_3b:             "Tax law requires us to keep your invoices.",
		cases.GroundNoErasureGround:      "We still need the data to perform the contract you have with us, which is running.",
		cases.GroundLegalClaims:          "The data are the evidence in the claim you have brought against us.",
		cases.GroundNotPortable:          "The file holds our own notes about your calls, which you did not provide to us.",
		cases.GroundCompellingLegitimate: "One processing continues, for the grounds set out below; the others have stopped.",
	}
	finalOutcomes = []cases.Outcome{cases.OutcomeFulfilled, cases.OutcomePartiallyFulfilled, cases.OutcomeRefused,
		cases.OutcomeNoData, cases.OutcomeWithdrawn, cases.OutcomeDuplicate}
)

// doWork records the results a case of right has gathered before it is
// answered in full or, partial, in part: every result of the right's table
// appears in one of the two.
func (s *scenario) doWork(right cases.Right, partial bool) {
	tax := func(e *cases.Event) {
		e.Grounds, e.What, e.Law = []cases.Ground{cases.GroundArt17_3b}, "your invoices", "the tax and accounting law"
		end := cases.NewDate(2024, 12, 31)
		e.TriggerDate = &end
	}
	switch right {
	case cases.RightAccess, cases.RightPortability:
		s.work("app-db", cases.ResultFound, func(e *cases.Event) { e.Files = []string{"account.csv", "logins.json"} })
		switch {
		case partial && right == cases.RightPortability:
			s.work("payments", cases.ResultNotPortable, func(e *cases.Event) {
				e.Grounds, e.Reason = []cases.Ground{"not-consent-or-contract"}, "We keep your invoices because the tax law requires it."
			})
		default:
			s.work("payments", cases.ResultNone, nil)
		}
		if partial {
			s.work("mailboxes", cases.ResultFound, func(e *cases.Event) { e.Files = []string{"call-notes.txt"} })
		} else {
			s.work("mailboxes", cases.ResultNone, nil)
		}
	case cases.RightErasure:
		s.work("app-db", cases.ResultErased, nil)
		if partial {
			s.work("payments", cases.ResultKept, tax)
			s.work("mailboxes", cases.ResultAnonymised, nil)
		} else {
			if s.c.Rules.Systems[1].Recipient != "" {
				s.work("payments", cases.ResultErasureInstructed, func(e *cases.Event) { e.Until = s.day(10) })
			}
			s.work("payments", cases.ResultErased, nil)
			s.work("mailboxes", cases.ResultNone, nil)
		}
		s.work("backups", cases.ResultBeyondUse, func(e *cases.Event) { e.Until = s.day(35) })
	case cases.RightRectification:
		s.work("app-db", cases.ResultRectified, func(e *cases.Event) { e.What = "your postal address" })
		if partial {
			s.work("payments", cases.ResultNotRectified, func(e *cases.Event) {
				e.Reason = "An invoice records the address it was issued to; the tax law does not let us change it."
			})
		} else {
			s.work("payments", cases.ResultNone, nil)
		}
		s.work("mailboxes", cases.ResultCompleted, func(e *cases.Event) { e.What = "My name is spelt Lefèvre, with a grave accent." })
	case cases.RightRestriction:
		s.work("app-db", cases.ResultRestricted, func(e *cases.Event) { e.What = "We only store them." })
		if partial {
			s.work("payments", cases.ResultNotRestricted, func(e *cases.Event) {
				e.Reason = "The tax law requires us to keep issuing and checking your invoices."
			})
		} else {
			s.work("payments", cases.ResultNone, nil)
		}
		s.work("mailboxes", cases.ResultNone, nil)
	case cases.RightObjection:
		if partial {
			s.work("analytics", cases.ResultOverridden, func(e *cases.Event) {
				e.Reason = "We need the logs of how the service is used to detect intrusions; this protects every user's account, yours included."
			})
		} else {
			s.work("analytics", cases.ResultStopped, nil)
		}
		s.work("marketing", cases.ResultStopped, nil)
	case cases.RightWithdrawConsent:
		s.work("marketing", cases.ResultStopped, nil)
		if partial {
			s.work("newsletter", cases.ResultOtherBasis, func(e *cases.Event) {
				e.What, e.Law = "sending you notices about changes to your contract", "performance of a contract, Art. 6(1)(b) GDPR"
			})
		} else {
			s.work("newsletter", cases.ResultStopped, nil)
		}
	case cases.RightAutomatedDecision:
		s.work("app-db", cases.ResultReviewed, func(e *cases.Event) {
			e.What = "The decision to suspend your account was confirmed: three payments had failed."
		})
		s.work("payments", cases.ResultNone, nil)
		s.work("mailboxes", cases.ResultNone, nil)
	}
}

// closed builds a case of right closed with outcome, with what such a case
// has gathered on the way: identity verified, a data copy for access and
// portability (one file withheld when partly fulfilled), Art. 19
// notifications for rectification, erasure and restriction.
func closedScenario(t testing.TB, reg *register.Register, right cases.Right, outcome cases.Outcome) *scenario {
	s := newScenario(t, reg, right, nil)
	s.do(cases.Event{Kind: cases.EventAcknowledged})
	s.do(cases.Event{Kind: cases.EventIdentityVerified, Method: "reply from the e-mail address of the account"})
	answered := outcome == cases.OutcomeFulfilled || outcome == cases.OutcomePartiallyFulfilled
	if answered && (right == cases.RightAccess || right == cases.RightPortability) {
		s.attach("account.csv", "account", "CRM", accountCSV)
		s.attach("logins.json", "usage", "auth logs", loginsJSON)
		if outcome == cases.OutcomePartiallyFulfilled {
			s.attach("call-notes.txt", "communication", "support desk", callNotes)
			s.do(cases.Event{Kind: cases.EventWithheld, File: "call-notes.txt", Grounds: []cases.Ground{cases.GroundRightsOfOthers},
				Reason: "The notes record a colleague's statements about you"})
		}
	}
	if answered && (right == cases.RightRectification || right == cases.RightErasure || right == cases.RightRestriction) {
		for i := range reg.Recipients {
			if name := recipientKey(&reg.Recipients[i]); i < 2 && name != "" {
				s.do(cases.Event{Kind: cases.EventRecipientNotified, Recipient: name})
			}
		}
	}
	switch {
	case answered:
		s.doWork(right, outcome == cases.OutcomePartiallyFulfilled)
	case outcome == cases.OutcomeNoData:
		for _, w := range mustDerive(t, s.c).Work {
			if slices.Contains(cases.ResultsFor(right), cases.ResultNone) {
				s.work(w.ID, cases.ResultNone, nil)
			}
		}
	}
	ev := cases.Event{Kind: cases.EventClosed, Outcome: outcome}
	switch outcome {
	case cases.OutcomePartiallyFulfilled:
		ev.Grounds = []cases.Ground{groundFor[right][0]}
		ev.Reason = reasonFor[ev.Grounds[0]]
	case cases.OutcomeRefused:
		ev.Grounds = []cases.Ground{groundFor[right][1]}
		ev.Reason = reasonFor[ev.Grounds[0]]
	case cases.OutcomeWithdrawn:
		ev.Reason = "You told us so by e-mail."
	}
	return s.do(ev)
}
