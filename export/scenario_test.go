package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
	cs, err := cases.NewCases(in, rules, received, "anna")
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	c.ID, c.RequestID = "DSR-2025-000042", "REQ-2025-000042"
	return &scenario{t: t, reg: reg, c: c, now: received, files: map[string][]byte{}}
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
	finalOutcomes = []cases.Outcome{cases.OutcomeFulfilled, cases.OutcomePartiallyFulfilled, cases.OutcomeRefused,
		cases.OutcomeNoData, cases.OutcomeWithdrawn, cases.OutcomeDuplicate}
)

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
				Reason: "the notes record a colleague's statements about you"})
		}
	}
	if answered && (right == cases.RightRectification || right == cases.RightErasure || right == cases.RightRestriction) {
		for i := range reg.Recipients {
			if name := recipientKey(&reg.Recipients[i]); i < 2 && name != "" {
				s.do(cases.Event{Kind: cases.EventRecipientNotified, Recipient: name})
			}
		}
	}
	ev := cases.Event{Kind: cases.EventClosed, Outcome: outcome}
	switch outcome {
	case cases.OutcomePartiallyFulfilled:
		ev.Grounds = []cases.Ground{groundFor[right][0]}
		ev.Reason = "The reasons the DPO recorded for this case."
	case cases.OutcomeRefused:
		ev.Grounds = []cases.Ground{groundFor[right][1]}
		ev.Reason = "The reasons the DPO recorded for this case."
	case cases.OutcomeWithdrawn:
		ev.Reason = "withdrawn by e-mail"
	}
	return s.do(ev)
}
