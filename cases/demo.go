package cases

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// DemoOptions say what demo data to make.
type DemoOptions struct {
	Cases     int       // at least this many cases (a request may hold several)
	Seed      uint64    // the same seed and Now give the same cases
	Now       time.Time // cases are received over the 92 days before it
	Registers []*Register
}

// The demo team and the fictional people of each organisation's country.
// Every name is invented; every address is on a documentation domain.
var (
	demoTeam   = []string{"anna", "marc", "zofia", "theo"}
	demoPeople = map[string][][2]string{ // country -> pools of first names and surnames, comma-separated
		"FR": {{"Zoé,Éloïse,Théo,Gaëlle,François,Noémie,Benoît,Amélie,Jérôme,Léa,Hélène,Loïc",
			"Lefèvre,Moreau,Dubois,Rousseau,Lemaître,Faure,Girard,Bonnet,Chevalier,Mercier,Bérard,Gauthier"}},
		"CY": {{"Ελένη,Ανδρέας,Μαρία,Γιώργος,Χρυσάνθη,Κωνσταντίνος", "Γεωργίου,Χριστοδούλου,Κωνσταντίνου,Παπαδόπουλος,Ιωάννου,Πέτρου"},
			{"Eléni,Andréas,María,Panayiótis,Stélla,Chrýsanthos", "Ioánnou,Charalámbous,Nikoláou,Pétrou,Georgíou,Christodoúlou"}},
		"PL": {{"Łukasz,Agnieszka,Małgorzata,Paweł,Zofia,Krzysztof,Joanna,Michał,Grażyna,Wojciech",
			"Nowak,Wójcik,Kowalczyk,Wiśniewski,Dąbrowska,Lewandowski,Kamińska,Zieliński,Woźniak,Szymańska"}},
		"BE": {{"Sofie,Lotte,Maëlle,Wouter,Anaïs,Jens,Noël,Fien,Cédric,Ruben",
			"Peeters,Janssens,Dubois,De Smet,Lambert,Van den Broeck,Claes,Goossens,Wouters,Dupont"}},
		"US": {{"Ana-María,José,Chloé,Søren,Dmitri,Aaliyah,Ximena,Renée,Björn,Tomás",
			"Rodríguez,Núñez,Martin,Holm,Ivanov,Johnson,Gómez,O'Connor,Lindqvist,Nguyễn"}},
	}
	demoDomains = []string{"example.org", "example.com", "example.net"}
	demoAgents  = []string{"Maître Hélène Vasseur, avocate", "Privacy Rights Agency Ltd", "Citizens Advice Desk", "Kancelaria Radcy Prawnego J. Mazur"}
	demoTexts   = map[Right][]string{
		RightAccess:            {"Please send me a copy of all the personal data you hold about me, and tell me who you shared it with.", "Under Article 15 GDPR I request access to my data, including the recordings of my calls."},
		RightRectification:     {"My postal address in your records is wrong; please correct it.", "You have my date of birth wrong on my account. Please rectify it."},
		RightErasure:           {"Please delete my account and every piece of personal data you have about me.", "I withdrew from your service last year. Erase my data, including backups where possible."},
		RightRestriction:       {"I contest the accuracy of my data; please restrict its processing while you check.", "Please stop using my data except to store it until my complaint is settled."},
		RightPortability:       {"Send me my contacts and call history in a machine-readable format so I can move to another provider.", "I want a CSV or JSON export of the data I gave you."},
		RightObjection:         {"Stop sending me marketing e-mails. I object to direct marketing.", "I object to the profiling you do for analytics on my account."},
		RightAutomatedDecision: {"My application was refused automatically. I want a human to review it and to know the logic involved.", "Explain how your scoring decided my account limit and let a person review it."},
		RightWithdrawConsent:   {"I withdraw my consent to the newsletter and to sharing my data with partners.", "Please take my consent for call recording off file."},
		RightComplaint:         {"I wrote twice about my data and got no reply. This is a formal complaint.", "Your support agent read my address aloud to another customer. I complain."},
	}
)

// demoCountry is the country whose people an organisation's demo cases are
// about: its register's country, else the country of its calendar.
func demoCountry(r *Register) string {
	c := strings.ToUpper(r.Country.Value)
	if c == "" {
		c = strings.ToUpper(strings.SplitN(r.Clock.Calendar.Value, "-", 2)[0])
	}
	if _, ok := demoPeople[c]; !ok {
		return "US"
	}
	return c
}

// demo is one run of the generator.
type demo struct {
	rnd  *rand.Rand
	now  time.Time
	regs []*Register
}

func (d *demo) pick(list []string) string { return list[d.rnd.IntN(len(list))] }

func (d *demo) chance(percent int) bool { return d.rnd.IntN(100) < percent }

// Demo makes fictional cases for the given organisations: every right,
// several rights in one request, agents and parents as requesters, every
// status, outcome and clock state, extensions notified in time and late,
// pauses, withheld files, notes and small attachments, received over the 92
// days before Now. Each case is built through NewCases and Apply, so every
// timeline is one the real transitions accept. IDs are left to the store.
func Demo(opts DemoOptions) ([][]*Case, error) {
	if len(opts.Registers) == 0 {
		return nil, fmt.Errorf("demo: no organisations")
	}
	if opts.Cases < 1 {
		return nil, fmt.Errorf("demo: the number of cases must be at least 1")
	}
	d := &demo{rnd: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), now: opts.Now, regs: opts.Registers}
	var out [][]*Case
	made := 0
	for i := 0; made < opts.Cases; i++ {
		req, err := d.request(i)
		if err != nil {
			return nil, err
		}
		out = append(out, req)
		made += len(req)
	}
	return out, nil
}

// request makes one request and lives its cases' stories up to now.
func (d *demo) request(i int) ([]*Case, error) {
	reg := d.regs[i%len(d.regs)]
	rules, err := reg.Rules("")
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", reg.ID, err)
	}
	loc, err := LoadZone(rules.Zone)
	if err != nil {
		return nil, err
	}
	pools := demoPeople[demoCountry(reg)]
	people := pools[d.rnd.IntN(len(pools))]
	first, last := d.pick(strings.Split(people[0], ",")), d.pick(strings.Split(people[1], ","))
	name := first + " " + last
	in := Intake{Controller: reg.ID, Subject: Subject{Name: name}, Channel: Channels[d.rnd.IntN(5)], Language: "en"}
	switch d.rnd.IntN(10) {
	case 0:
		in.Subject.Phone = fmt.Sprintf("+00 %03d %03d %03d", d.rnd.IntN(1000), d.rnd.IntN(1000), d.rnd.IntN(1000))
	case 1:
		in.Subject.PostalAddress = fmt.Sprintf("%d Demo Street, Sample Town", 1+d.rnd.IntN(200))
	default:
		in.Subject.Email = demoEmail(first, last, i, d.pick(demoDomains))
	}
	if d.chance(15) {
		in.Subject.Identifiers = map[string]string{"customer": fmt.Sprintf("C-%06d", d.rnd.IntN(1_000_000))}
	}
	switch n := d.rnd.IntN(100); {
	case n < 7:
		in.Requester = &Requester{Name: d.pick(demoAgents), Relation: RelationAgent}
	case n < 10:
		in.Requester = &Requester{Name: d.pick(strings.Split(people[0], ",")) + " " + last, Relation: RelationParent}
	}
	in.Rights = []Right{Rights[d.rnd.IntN(len(Rights))]}
	if d.chance(20) {
		// "Send me my data, then delete it", and other common pairs.
		pairs := [][]Right{{RightAccess, RightErasure}, {RightAccess, RightPortability}, {RightObjection, RightErasure},
			{RightAccess, RightRectification, RightErasure}}
		in.Rights = pairs[d.rnd.IntN(len(pairs))]
	}
	in.Text = d.pick(demoTexts[in.Rights[0]])
	// Received over the last 92 days; one request in 40 exactly one month
	// ago, so that some cases are due today.
	received := d.now.Add(-time.Duration(d.rnd.Int64N(int64(92 * 24 * time.Hour))))
	if d.chance(3) {
		ago, _ := DateOf(d.now, loc).AddMonths(-1)
		received = ago.Start(loc).Add(time.Duration(8+d.rnd.IntN(8)) * time.Hour)
		if received.After(d.now) {
			received = d.now.Add(-time.Hour)
		}
	}
	in.ReceivedAt = received
	cs, err := NewCases(in, rules, received.Add(time.Duration(d.rnd.IntN(90))*time.Minute), d.pick(demoTeam))
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", name, err)
	}
	story := d.rnd.IntN(100)
	for _, c := range cs {
		if err := d.live(c, story); err != nil {
			return nil, fmt.Errorf("demo: %s (%s): %w", name, c.Right, err)
		}
		story = (story + 37) % 100 // linked cases end differently
	}
	return cs, nil
}

func demoEmail(first, last string, i int, domain string) string {
	local := strings.ToLower(asciiFold(first) + "." + strings.ReplaceAll(asciiFold(last), " ", ""))
	if local == "." || strings.Trim(local, ".") == "" {
		local = fmt.Sprintf("subject%d", i)
	}
	return fmt.Sprintf("%s%d@%s", local, i%100, domain)
}

// asciiFold keeps the ASCII letters of a name, accents removed (é -> e);
// scripts other than Latin fall away.
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-'):
			b.WriteRune(r)
		case r >= 0x80:
			if plain, ok := latinFold[r]; ok {
				b.WriteRune(plain)
			}
		}
	}
	return b.String()
}

// step is a moment in a case's story.
type step struct {
	d  *demo
	c  *Case
	at time.Time
}

// next moves the story on by a few days; false when that is after now.
func (s *step) next(minDays, maxDays int) bool {
	s.at = s.at.Add(time.Duration(minDays)*24*time.Hour + time.Duration(s.d.rnd.Int64N(int64(maxDays-minDays+1)*int64(24*time.Hour))))
	return !s.at.After(s.d.now)
}

// do records an event at the story's moment, as the domain allows it.
func (s *step) do(ev Event) error {
	ev.At = s.at
	ev.Actor = s.d.pick(demoTeam)
	recorded := s.at.Add(time.Duration(s.d.rnd.IntN(120)) * time.Minute)
	if recorded.After(s.d.now) {
		recorded = s.d.now
	}
	done, _, err := Apply(s.c, ev, recorded)
	if err != nil {
		return fmt.Errorf("%s at %s: %w", ev.Kind, s.at.Format(time.RFC3339), err)
	}
	s.c.Events = append(s.c.Events, done)
	return nil
}

// live plays a case's story, chosen by n (0-99), up to now.
func (d *demo) live(c *Case, n int) error {
	s := &step{d: d, c: c, at: c.ReceivedAt}
	if n < 8 && d.now.Sub(c.ReceivedAt) < 15*24*time.Hour { // untouched: new
		return nil
	}
	if d.chance(30) {
		if err := s.do(Event{Kind: EventAssigned, Assignee: d.pick(demoTeam)}); err != nil {
			return err
		}
	}
	if !s.next(0, 2) {
		return nil
	}
	if err := s.do(Event{Kind: EventAcknowledged}); err != nil {
		return err
	}
	switch {
	case n < 18: // identity asked: paused (EU) or awaiting a restart (UK); some verified later
		if !s.next(0, 5) {
			return nil
		}
		if err := s.do(Event{Kind: EventIDRequested, Reason: "the e-mail address differs from the one on the account"}); err != nil {
			return err
		}
		if n < 13 {
			// Some never answer: after five weeks the request lapses.
			if n < 11 && s.next(30, 40) {
				return d.close(s, 0)
			}
			return nil
		}
		if !s.next(2, 9) {
			return nil
		}
		if err := s.do(Event{Kind: EventIdentityVerified, Method: "signed-in account confirmation"}); err != nil {
			return err
		}
	case n < 24: // clarification asked
		if !s.next(0, 6) {
			return nil
		}
		if err := s.do(Event{Kind: EventClarificationRequested, Reason: "which of your two accounts the request concerns"}); err != nil {
			return err
		}
		if n < 21 || !s.next(3, 12) {
			return nil
		}
		if err := s.do(Event{Kind: EventClarificationReceived}); err != nil {
			return err
		}
	case n < 26 && c.Requester != nil: // proof of authority awaited
		if !s.next(0, 4) {
			return nil
		}
		return s.do(Event{Kind: EventAuthorityRequested, Reason: "a signed mandate from the subject"})
	case n < 27: // a fee for manifestly excessive repeats
		if !s.next(0, 4) {
			return nil
		}
		return s.do(Event{Kind: EventFeeRequested, Amount: "EUR 25", Reason: "a fifth copy within the year"})
	}
	if d.chance(40) && s.next(0, 6) {
		if err := s.do(Event{Kind: EventNoted, Text: d.pick([]string{"Searched CRM, billing and support tickets.",
			"Called the subject to confirm the scope.", "Asked IT for the backup retention schedule.", "Waiting for the marketing team's export."})}); err != nil {
			return err
		}
	}
	if d.chance(35) && s.next(0, 5) {
		if err := d.attach(s, "crm-export.csv", "contact", "CRM", "field,value\nname,"+c.Subject.Name+"\nemail,"+c.Subject.Email+"\n"); err != nil {
			return err
		}
		if d.chance(30) {
			if err := d.attach(s, "support-tickets.json", "support", "Helpdesk",
				`[{"ticket":"T-1042","opened":"2026-01-05T10:00:00Z","summary":"cannot log in"}]`); err != nil {
				return err
			}
		}
	}
	switch {
	case n >= 27 && n < 37: // extension decided, notice sent in time or late
		if !s.next(3, 20) {
			return nil
		}
		if err := s.do(Event{Kind: EventExtensionDecided, Reason: "the request covers eleven systems and three years of call recordings"}); err != nil {
			return err
		}
		st, err := c.Derive(s.at)
		if err != nil {
			return err
		}
		if st.Deadlines.ExtensionNoticeBy == nil {
			return nil
		}
		late := n >= 34
		if late {
			s.at = st.Deadlines.ExtensionNoticeBy.End(mustZone(st.Rules.Zone)).Add(time.Duration(1+d.rnd.IntN(4)) * 24 * time.Hour)
			if s.at.After(d.now) {
				return nil
			}
		} else if !s.next(0, 2) {
			return nil
		}
		if err := s.do(Event{Kind: EventSent, Letter: LetterExtensionNotice, Channel: ChannelEmail}); err != nil {
			return err
		}
		if n%2 == 0 || !s.next(10, 40) {
			return nil
		}
		return d.close(s, n)
	case n < 55 && (d.now.Sub(c.ReceivedAt) < 35*24*time.Hour || d.chance(12)):
		return nil // still being worked on; a few of the old ones overdue
	}
	if !s.next(3, 30) {
		return nil
	}
	return d.close(s, n)
}

func mustZone(name string) *time.Location {
	loc, err := LoadZone(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

func (d *demo) attach(s *step, name, category, system, content string) error {
	sum := sha256.Sum256([]byte(content))
	return s.do(Event{Kind: EventAttached, Attachment: &Attachment{Name: name, Kind: AttachmentDataCopy,
		Category: category, System: system, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]),
		Content: []byte(content)}})
}

// close ends a case with an outcome the story and the right allow, sends
// the answer (mostly), and now and then reopens it.
func (d *demo) close(s *step, n int) error {
	c := s.c
	st, err := c.Derive(s.at)
	if err != nil {
		return err
	}
	ev := Event{Kind: EventClosed, Outcome: OutcomeFulfilled}
	switch k := n % 10; {
	case k == 0 && len(st.Awaiting) > 0:
		ev.Outcome = OutcomeLapsed
	case k == 1 && c.Right != RightComplaint:
		ev.Outcome = OutcomeNoData
	case k == 2:
		ev.Outcome, ev.Grounds, ev.Reason = OutcomeRefused, []Ground{GroundManifestlyUnfounded}, "the sixth identical request in two months"
	case k == 3:
		ev.Outcome = OutcomePartiallyFulfilled
		ev.Grounds, ev.Reason = []Ground{d.groundFor(c.Right)}, "part of the data concerns other people or must be kept"
		for _, a := range st.Attachments {
			if a.Kind == AttachmentDataCopy && (c.Right == RightAccess || c.Right == RightPortability) {
				if err := s.do(Event{Kind: EventWithheld, File: a.Name, Grounds: []Ground{GroundRightsOfOthers},
					Reason: "it names other customers"}); err != nil {
					return err
				}
				break
			}
		}
	case k == 4:
		ev.Outcome, ev.RedirectTo = OutcomeRedirected, "the controller, Example Retail SAS, privacy@example.com"
	case k == 5:
		ev.Outcome = OutcomeWithdrawn
	case k == 6 && n%3 == 0:
		ev.Outcome = OutcomeDuplicate
	}
	if ev.Outcome == OutcomeFulfilled && (c.Right == RightErasure || c.Right == RightRectification) && d.chance(50) {
		if err := s.do(Event{Kind: EventRecipientNotified, Recipient: "the payment processor"}); err != nil {
			return err
		}
	}
	if err := s.do(ev); err != nil {
		return err
	}
	if ev.Outcome != OutcomeWithdrawn && ev.Outcome != OutcomeDuplicate && d.chance(90) {
		if err := s.do(Event{Kind: EventSent, Channel: ChannelEmail}); err != nil {
			return err
		}
	}
	if n%17 == 0 && s.next(5, 20) {
		return s.do(Event{Kind: EventReopened, ReopenReason: ReopenComplaint})
	}
	return nil
}

// groundFor is a partial refusal's ground that applies to the right.
func (d *demo) groundFor(r Right) Ground {
	for _, g := range []Ground{GroundArt17_3b, GroundCompellingLegitimate, GroundRightsOfOthers} {
		if g.AppliesTo(r) {
			return g
		}
	}
	return GroundExcessive
}
