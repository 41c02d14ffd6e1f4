package export

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
)

// body is a letter without its DRAFT banner: what the subject would read
// (the banner is for the DPO and is never sent).
func body(letter string) string {
	if !strings.HasPrefix(letter, "# DRAFT") {
		return letter
	}
	parts := strings.SplitN(letter, "\n\n", 4)
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}

// dpoWording are words meant for the DPO that no letter may carry: the
// register's notes to the DPO, its rule numbers, this project's documents,
// and claims no record can back.
var dpoWording = []*regexp.Regexp{
	regexp.MustCompile(`(?i)examples of personal data the policy gives`),
	regexp.MustCompile(`(?i)category: we cannot name them`),
	regexp.MustCompile(`(?i)\bnot stated\b`),
	regexp.MustCompile(`\bR[0-9]{1,2}\b`),
	regexp.MustCompile(`\b(DEADLINES|WORK|PACKETS|PRODUCT|STYLE|TRUST|CLI)\.md\b`),
	regexp.MustCompile(`(?i)all (of )?our systems`),
	regexp.MustCompile(`(?i)indefinitely`),
	regexp.MustCompile(`(?i)\bsource = |\bassumed\b|\bseed\b`),
	// A Markdown escape a reader of letter.md would see (a backslash that
	// ends a line is a line break, not an escape).
	regexp.MustCompile(`\\[!-/:-@\[-` + "`" + `{-~]`),
}

func checkWording(t *testing.T, name, letter string) {
	t.Helper()
	for _, re := range dpoWording {
		if m := re.FindString(body(letter)); m != "" {
			t.Errorf("%s: %q reaches the letter (%s)", name, m, re)
		}
	}
}

// TestNoWordsMeantForTheDPO: no golden letter, and no letter of any
// organisation for any right and outcome, carries wording meant for the
// DPO, a claim about "all our systems", "indefinitely", or a visible
// Markdown escape.
func TestNoWordsMeantForTheDPO(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "*.md"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden letters: %v", err)
	}
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		checkWording(t, g, string(b))
	}
	for _, reg := range registers(t).All() {
		for _, right := range []cases.Right{cases.RightAccess, cases.RightErasure, cases.RightObjection} {
			for _, outcome := range finalOutcomes {
				letter := unzip(t, closedScenario(t, reg, right, outcome).build(""))["letter.md"]
				checkWording(t, reg.ID+"/"+string(right)+"/"+string(outcome), string(letter))
			}
		}
		for kind, build := range stepScenarios {
			checkWording(t, reg.ID+"/"+string(kind), string(unzip(t, build(t, reg).build(""))["letter.md"]))
		}
	}
}

var letterDate = regexp.MustCompile(`\b([0-9]{1,2}) (January|February|March|April|May|June|July|August|September|October|November|December) ([0-9]{4})\b`)

// allowedDates are the days a letter may state: the events' days and the
// dates they record, the deadlines computed from them, each kept item's
// end, the letter's date and the record's end counted from it.
func allowedDates(t *testing.T, s *scenario, p *Packet) map[string]string {
	t.Helper()
	st := mustDerive(t, s.c)
	loc, err := cases.LoadZone(st.Rules.Zone)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	add := func(d *cases.Date, why string) {
		if d != nil {
			out[dateText(*d)] = why
		}
	}
	for i := range s.c.Events {
		e := &s.c.Events[i]
		day := cases.DateOf(e.At, loc)
		add(&day, "the day of "+string(e.Kind))
		add(e.Until, "an until date recorded")
		add(e.TriggerDate, "a trigger date recorded")
		add(e.Review, "a review date recorded")
		add(e.DisclosedOn, "a disclosure date recorded")
	}
	dl := st.Deadlines
	for _, d := range []*cases.Date{&dl.ReceiptDate, &dl.StartDate, dl.Due, dl.BaseDue, dl.ExtendedDue, dl.PromiseDue} {
		add(d, "a deadline")
	}
	for i := range st.Work {
		if end, _, ok := st.Work[i].KeptEnd(); ok {
			add(&end, "a kept item's end")
		}
	}
	add(&p.Date, "the letter's date")
	if y := s.reg.CaseFiles.KeepRecordYears; y.Known() {
		end, _ := p.Date.AddMonths(12 * y.Value)
		add(&end, "the record's end")
	}
	return out
}

// verbs are the words an erasure letter uses for each result.
var verbs = map[cases.Result]string{
	cases.ResultErased:            "eras",
	cases.ResultErasureInstructed: "instructed",
	cases.ResultAnonymised:        "anonymised",
	cases.ResultBeyondUse:         "beyond use",
	cases.ResultKept:              "keep",
	cases.ResultCannotIdentify:    "cannot tell which data are yours",
	cases.ResultNone:              "found no data about you",
}

// TestEveryStatementIsBacked: in every final letter of the golden
// scenarios, every date is an event's, the letter's, or computed from them
// by a named rule; in an erasure letter every item it names has a closed
// result, stated with that result's verb on the item's line.
func TestEveryStatementIsBacked(t *testing.T) {
	rs := registers(t)
	for _, org := range goldenOrganisations {
		reg, _ := rs.Get(org)
		for _, right := range cases.Rights {
			for _, outcome := range finalOutcomes {
				if right == cases.RightComplaint && outcome == cases.OutcomeNoData {
					continue
				}
				s := closedScenario(t, reg, right, outcome)
				p := s.build("")
				letter := body(string(unzip(t, p)["letter.md"]))
				allowed := allowedDates(t, s, p)
				for _, m := range letterDate.FindAllString(letter, -1) {
					if _, ok := allowed[m]; !ok {
						t.Errorf("%s/%s/%s: the date %s comes from no event nor rule", org, right, outcome, m)
					}
				}
				if right == cases.RightErasure {
					checkErasureItems(t, org+"/"+string(outcome), mustDerive(t, s.c), letter)
				}
			}
		}
	}
}

func checkErasureItems(t *testing.T, name string, st *cases.State, letter string) {
	t.Helper()
	for i := range st.Work {
		w := &st.Work[i]
		var line string
		for _, l := range strings.Split(letter, "\n") {
			if strings.HasPrefix(l, "- ") && !strings.HasPrefix(l, "- **") && strings.Contains(l, w.Name) {
				line = l
			}
		}
		switch {
		case line == "":
		case w.Result == nil:
			t.Errorf("%s: %s is named but has no result: %s", name, w.ID, line)
		case !strings.Contains(line, verbs[w.Result.Result]):
			t.Errorf("%s: %s is %s, but its line says %q", name, w.ID, w.Result.Result, line)
		}
		if line == "" && w.Result != nil && (st.Outcome == cases.OutcomeFulfilled || st.Outcome == cases.OutcomePartiallyFulfilled) {
			t.Errorf("%s: %s is %s, and the letter does not say it", name, w.ID, w.Result.Result)
		}
	}
}

// TestOpenWorkDraftsTheAnswer: an item with no result makes a fulfilled
// letter a DRAFT whose gap names it and the command to record it; a case
// refused as a whole states nothing item by item and is no draft for it.
func TestOpenWorkDraftsTheAnswer(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	s := newScenario(t, reg, cases.RightErasure, nil).do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
	s.work("app-db", cases.ResultErased, nil).work("payments", cases.ResultNone, nil)
	for _, r := range []string{"Hetzner Online GmbH"} {
		s.do(cases.Event{Kind: cases.EventRecipientNotified, Recipient: r})
	}
	s.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	p := s.build("")
	letter := string(unzip(t, p)["letter.md"])
	if !p.Draft || !slices.ContainsFunc(p.Gaps, func(g LetterGap) bool {
		return g.Blocking && strings.Contains(g.Text, "mailboxes, backups") && strings.Contains(g.Text, "rightsdesk work DSR-2025-000042 ITEM RESULT")
	}) {
		t.Errorf("open items, but the gaps are %+v", p.Gaps)
	}
	if strings.Contains(body(letter), "mailboxes") || strings.Contains(body(letter), "backups") {
		t.Errorf("an open item is stated:\n%s", letter)
	}
	ev := p.Event("anna")
	if !ev.Draft || len(ev.Gaps) == 0 || !strings.Contains(strings.Join(ev.Gaps, "\n"), "open work items") || ev.LetterDate == nil || *ev.LetterDate != p.Date {
		t.Errorf("the exported event does not record the draft: %+v", ev)
	}

	refused := newScenario(t, reg, cases.RightErasure, nil).
		do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeRefused, Grounds: []cases.Ground{cases.GroundManifestlyUnfounded},
			Reason: "You have sent the same request every day since January."}).build("")
	letter = string(unzip(t, refused)["letter.md"])
	if slices.ContainsFunc(refused.Gaps, func(g LetterGap) bool { return g.Field == "work" }) || strings.Contains(letter, "our customer database") {
		t.Errorf("a refused case states its not-worked items or drafts on them: %+v\n%s", refused.Gaps, letter)
	}
	if !strings.Contains(letter, "You have sent the same request every day since January.") {
		t.Errorf("the reasons lost their capital or sentence:\n%s", letter)
	}
}

// TestLetterStatesWhatWasRecordedByItsDate: a letter dated before an
// event was recorded does not state it; the same date gives the same
// bytes after more is recorded; the manifest carries the date.
func TestLetterStatesWhatWasRecordedByItsDate(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	s := closedScenario(t, reg, cases.RightErasure, cases.OutcomeFulfilled)
	in := s.input("")
	in.Date = cases.DateOf(s.now, time.UTC)
	first, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	// A notification recorded the next day, after the letter's date.
	s.do(cases.Event{Kind: cases.EventReopened, ReopenReason: cases.ReopenIncompleteResponse})
	s.do(cases.Event{Kind: cases.EventRecipientNotified, Recipient: "LiveKit, Inc."})
	s.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	in = s.input("")
	in.Date = first.Date
	again, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Zip, again.Zip) {
		t.Error("events recorded after the letter's date changed it")
	}
	if strings.Contains(string(unzip(t, again)["letter.md"]), "LiveKit") {
		t.Error("the letter states a notification recorded after its date")
	}
	in.Date = cases.DateOf(s.now, time.UTC)
	later, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	letter := string(unzip(t, later)["letter.md"])
	if !strings.Contains(letter, "LiveKit, Inc.: notified on") || !strings.Contains(letter, "Date: "+dateText(in.Date)) {
		t.Errorf("the letter of the later date lacks what was recorded by then:\n%s", letter)
	}
	if !strings.Contains(string(unzip(t, later)["manifest.json"]), `"date": "`+in.Date.String()+`"`) {
		t.Error("the manifest does not carry the letter's date")
	}
}

// TestKeptUnderAGap: a kept item whose system's retention rule is a gap
// drafts the erasure letter; the same gap in a system the access letter
// does not name drafts nothing.
func TestKeptUnderAGap(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	gapped := func(t *testing.T, right cases.Right) *scenario {
		s := newScenario(t, reg, right, nil)
		s.c.Rules.Systems[2].Retention = &cases.RetentionRule{ID: "mail", Data: "correspondence", Period: "as long as needed", Gap: "no bounded period"}
		s.c.Events[0].Rules = &s.c.Rules
		return s.do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
	}
	s := gapped(t, cases.RightErasure)
	s.work("app-db", cases.ResultErased, nil).work("payments", cases.ResultNone, nil).
		work("mailboxes", cases.ResultKept, func(e *cases.Event) {
			e.Grounds, e.What, e.Until = []cases.Ground{cases.GroundArt17_3e}, "our letters about your unpaid invoice", s.day(400)
		}).
		work("backups", cases.ResultBeyondUse, func(e *cases.Event) { e.Until = s.day(35) }).
		do(cases.Event{Kind: cases.EventRecipientNotified, Recipient: "Hetzner Online GmbH"}).
		do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomePartiallyFulfilled, Grounds: []cases.Ground{cases.GroundArt17_3e},
			Reason: "We may need these letters if the invoice is disputed."})
	p := s.build("")
	if !slices.ContainsFunc(p.Gaps, func(g LetterGap) bool { return g.Blocking && g.Field == "systems.mailboxes.retention" }) {
		t.Errorf("kept under a gapped rule, but no blocking gap: %+v", p.Gaps)
	}
	letter := string(unzip(t, p)["letter.md"])
	if !strings.Contains(letter, "Art. 17(3)(e) GDPR") || !strings.Contains(letter, "our letters about your unpaid invoice") {
		t.Errorf("the kept row or its refusal is missing:\n%s", letter)
	}

	a := gapped(t, cases.RightAccess)
	a.attach("account.csv", "account", "CRM", accountCSV)
	a.work("app-db", cases.ResultFound, func(e *cases.Event) { e.Files = []string{"account.csv"} }).
		work("payments", cases.ResultNone, nil).work("mailboxes", cases.ResultNone, nil).
		do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	if p := a.build(""); slices.ContainsFunc(p.Gaps, func(g LetterGap) bool { return strings.HasPrefix(g.Field, "systems.mailboxes") }) {
		t.Errorf("a gap in a system where nothing was found drafts the access letter: %+v", p.Gaps)
	}
}

// TestErasureRecordAndSuppression: the erasure letter says until when the
// record of the request is kept, from the letter's date by the register's
// rule, and names a suppression entry kept so that marketing does not
// resume.
func TestErasureRecordAndSuppression(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	s := newScenario(t, reg, cases.RightErasure, nil)
	s.do(cases.Event{Kind: cases.EventWorkAdded, System: &cases.System{Name: "our marketing suppression list"}})
	s.work("app-db", cases.ResultErased, nil).work("payments", cases.ResultNone, nil).work("mailboxes", cases.ResultNone, nil).
		work("backups", cases.ResultBeyondUse, func(e *cases.Event) { e.Until = s.day(30) }).
		work("our-marketing-suppression-list", cases.ResultKept, func(e *cases.Event) {
			e.Grounds, e.What, e.Until = []cases.Ground{cases.GroundNoErasureGround}, "your e-mail address", s.day(3650)
		}).
		do(cases.Event{Kind: cases.EventRecipientNotified, Recipient: "Hetzner Online GmbH"}).
		do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomePartiallyFulfilled, Grounds: []cases.Ground{cases.GroundNoErasureGround},
			Reason: "You asked us never to write to you again: we keep your address only to honour that."})
	in := s.input("")
	in.Date = cases.NewDate(2025, 3, 20)
	p, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	letter := string(unzip(t, p)["letter.md"])
	for _, want := range []string{
		"until 20 March 2028, 3 years from the date of this letter", "(Art. 5(2) GDPR)",
		"We keep your e-mail address in our marketing suppression list as a suppression entry, so that we do not send you marketing again.",
	} {
		if !strings.Contains(letter, want) {
			t.Errorf("the erasure letter lacks %q:\n%s", want, letter)
		}
	}
	if strings.Contains(section(t, letter, "Why part"), "record of your request") {
		t.Error("the record kept under Art. 5(2) is told as a refusal")
	}
}

// TestRecipientsWentToAndMayReceive: a third party nobody confirmed is a
// gap; once the DPO confirms it, it is among the recipients the data went
// to; an authority appears only for a recorded disclosure, with its date.
func TestRecipientsWentToAndMayReceive(t *testing.T) {
	reg, _ := registers(t).Get("crmsoftware")
	build := func(extra ...cases.Event) (*Packet, string) {
		s := newScenario(t, reg, cases.RightAccess, nil).do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
		s.attach("account.csv", "account", "", accountCSV)
		s.work("app-db", cases.ResultFound, func(e *cases.Event) { e.Files = []string{"account.csv"} }).
			work("payments", cases.ResultNone, nil).work("mailboxes", cases.ResultNone, nil)
		for _, e := range extra {
			s.do(e)
		}
		p := s.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled}).build("")
		return p, string(unzip(t, p)["letter.md"])
	}
	partner := "Business partners, with the subject's explicit consent"
	p, letter := build()
	if !slices.ContainsFunc(p.Gaps, func(g LetterGap) bool { return g.Blocking && strings.Contains(g.Text, "not confirmed") }) {
		t.Errorf("an unconfirmed third party is no gap: %+v", p.Gaps)
	}
	if strings.Contains(letter, "Legal authorities") {
		t.Errorf("an authority is listed with no disclosure recorded:\n%s", letter)
	}
	_, letter = build(cases.Event{Kind: cases.EventRecipientsChosen, Recipients: []string{partner}},
		cases.Event{Kind: cases.EventRecipientsChosen, Recipients: []string{"Legal authorities"}, DisclosedOn: &cases.Date{Year: 2025, Month: 3, Day: 4}})
	went := section(t, letter, "(c) ")
	if !strings.Contains(went, "| "+cell(partner)+" |") {
		t.Errorf("the confirmed third party is not among those the data went to:\n%s", went)
	}
	if !strings.Contains(went, "Legal authorities, on 4 March 2025") {
		t.Errorf("the recorded disclosure is not stated:\n%s", went)
	}
}

// TestPortabilityGivesEveryFileItsForm: a JSON object becomes a CSV of
// paths and values, every file says in which form it is given, and no
// CSV cell can run as a formula.
func TestPortabilityGivesEveryFileItsForm(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	s := newScenario(t, reg, cases.RightPortability, nil).do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
	s.attach("profile.json", "account", "", []byte(`{"name":"=HYPERLINK(\"http://evil.example\")","emails":["zoe@example.org"],"address":{"city":"Lyon","since":"2020-01-02T10:00:00+01:00"},"vip":false}`))
	s.attach("broken.json", "account", "", []byte(`{"name":`))
	s.attach("notes.txt", "account", "", []byte("free text"))
	s.attach("orders.json", "account", "", []byte(`[{"id":1,"total":"-5+3"},{"id":2,"total":"@SUM(1)"}]`))
	s.work("app-db", cases.ResultFound, func(e *cases.Event) { e.Files = []string{"profile.json", "broken.json", "notes.txt", "orders.json"} }).
		work("payments", cases.ResultNone, nil).work("mailboxes", cases.ResultNone, nil).
		do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	files := unzip(t, s.build(""))
	rows, err := csv.NewReader(bytes.NewReader(files["data/account/profile.csv"])).ReadAll()
	if err != nil {
		t.Fatalf("profile.csv: %v %s", err, files["data/account/profile.csv"])
	}
	want := [][]string{{"path", "value"}, {"name", `'=HYPERLINK("http://evil.example")`}, {"emails[0]", "zoe@example.org"},
		{"address.city", "Lyon"}, {"address.since", "2020-01-02T09:00:00Z"}, {"vip", "false"}}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("profile.csv = %q, want %q", rows, want)
	}
	if got := string(files["data/account/orders.csv"]); got != "id,total\n1,'-5+3\n2,'@SUM(1)\n" {
		t.Errorf("orders.csv = %q", got)
	}
	letter := string(files["letter.md"])
	for _, want := range []string{"- data/account/profile.json: also given as data/account/profile.csv",
		"- data/account/broken.json: given as it is, not converted to CSV: not valid JSON",
		"- data/account/notes.txt: given as it is: not a structured format (CSV or JSON)"} {
		if !strings.Contains(letter, want) {
			t.Errorf("the letter lacks %q:\n%s", want, letter)
		}
	}
	// The README describes the nested JSON as what it is, its path and
	// value fields as the CSV's.
	readme := string(files["data/README.md"])
	original, _, _ := strings.Cut(readme[strings.Index(readme, "## data/account/profile.json"):], "\n## ")
	if strings.Contains(original, "- path") || !strings.Contains(original, "not a list of flat records") {
		t.Errorf("the README of profile.json:\n%s", original)
	}
}

// TestForCustomerAndRedirect: data held for a customer say whether the
// request was passed on, from the forwarded event, or that it was not.
func TestForCustomerAndRedirect(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	for _, forwarded := range []bool{true, false} {
		s := newScenario(t, reg, cases.RightAccess, nil)
		for _, item := range []string{"app-db", "payments", "mailboxes"} {
			s.work(item, cases.ResultForCustomer, func(e *cases.Event) { e.Customer = "Acme SAS" })
		}
		if forwarded {
			s.do(cases.Event{Kind: cases.EventForwarded, Customer: "Acme SAS"})
		}
		s.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeRedirected, RedirectTo: "Acme SAS, dpo@acme.example"})
		letter := string(unzip(t, s.build(""))["letter.md"])
		want := "We have not passed your request on: please write to that organisation directly."
		if forwarded {
			want = "We passed your request to Acme SAS on " + dateText(cases.DateOf(s.now.Add(-24*time.Hour), time.UTC)) + "."
		}
		if !strings.Contains(letter, want) {
			t.Errorf("forwarded %v: the redirect letter lacks %q:\n%s", forwarded, want, letter)
		}
	}
}

// TestMixedCaseForCustomer: a case that answers for its own systems says
// of the data held for a customer whether the request was passed on, and
// why not when it was not.
func TestMixedCaseForCustomer(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	s := newScenario(t, reg, cases.RightErasure, nil).do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
	s.work("app-db", cases.ResultErased, nil).work("payments", cases.ResultNone, nil).
		work("mailboxes", cases.ResultForCustomer, func(e *cases.Event) {
			e.Customer, e.Reason = "Acme SAS", "Our contract with Acme SAS forbids us to pass requests on"
		}).
		work("backups", cases.ResultBeyondUse, func(e *cases.Event) { e.Until = s.day(30) }).
		do(cases.Event{Kind: cases.EventRecipientNotified, Recipient: "Hetzner Online GmbH"}).
		do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	p := s.build("")
	letter := string(unzip(t, p)["letter.md"])
	want := "We hold the data in our e-mail mailboxes only on behalf of our customer Acme SAS, which decides about them (Art. 28 GDPR); " +
		"we have not passed your request on to Acme SAS. Our contract with Acme SAS forbids us to pass requests on. Please write to it directly."
	if !strings.Contains(letter, want) {
		t.Errorf("the letter lacks %q:\n%s", want, letter)
	}
	if !slices.ContainsFunc(p.Gaps, func(g LetterGap) bool { return !g.Blocking && strings.Contains(g.Text, "not forwarded to Acme SAS") }) {
		t.Errorf("the missing forwarding is not listed for the DPO: %+v", p.Gaps)
	}
}

// TestDelayLetter: refused while the answer is not late, written once the
// deadline passed, with the date the answer will come; an extension notice
// after its window is refused for it.
func TestDelayLetter(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	s := newScenario(t, reg, cases.RightAccess, nil)
	in := s.input(cases.LetterDelay)
	in.Date = cases.NewDate(2025, 3, 20)
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), "not late") {
		t.Errorf("a delay letter before the deadline: %v", err)
	}
	in.Date = cases.NewDate(2025, 4, 10)
	p, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Draft || !slices.ContainsFunc(p.Gaps, func(g LetterGap) bool { return strings.Contains(g.Text, "when the answer will come") }) {
		t.Errorf("a delay letter without a date for the answer is no draft: %+v", p.Gaps)
	}
	s.now = time.Date(2025, 4, 9, 9, 0, 0, 0, time.UTC)
	s.do(cases.Event{Kind: cases.EventExtensionDecided, Reason: "Your data are spread over five systems."})
	in = s.input(cases.LetterExtensionNotice)
	in.Date = cases.NewDate(2025, 4, 10)
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), "delay letter") {
		t.Errorf("an extension notice after its window: %v", err)
	}
	in.Letter = cases.LetterDelay
	p, err = Build(in)
	if err != nil {
		t.Fatal(err)
	}
	letter := string(unzip(t, p)["letter.md"])
	dl := mustDerive(t, s.c).Deadlines
	for _, want := range []string{"We had to answer it by " + dateText(*dl.Due), "by **" + dateText(*dl.ExtendedDue) + "**",
		"Your data are spread over five systems.", "Art. 79 GDPR"} {
		if !strings.Contains(letter, want) {
			t.Errorf("the delay letter lacks %q:\n%s", want, letter)
		}
	}
	golden(t, filepath.Join("callrix", "delay.md"), unzip(t, p)["letter.md"])
}

// TestArt19OwedRecipients: Art. 19 is owed, once something was erased, to
// the processor hosting a system with no result yet (and to the third
// parties confirmed for the case); a notification settles it, and an
// erasure that erased nothing owes none (WORK.md, "Art. 19").
func TestArt19OwedRecipients(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	art19 := func(p *Packet) []string {
		var out []string
		for _, g := range p.Gaps {
			if strings.Contains(g.Text, "Art. 19") {
				out = append(out, g.Text)
			}
		}
		return out
	}
	s := newScenario(t, reg, cases.RightErasure, nil).do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
	s.work("app-db", cases.ResultErased, nil).work("mailboxes", cases.ResultErased, nil).work("backups", cases.ResultNone, nil)
	s.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	if gaps := art19(s.build("")); len(gaps) != 1 || !strings.Contains(gaps[0], "Stripe, Inc. received this subject's data") {
		t.Errorf("payments are open on Stripe's system: Art. 19 gaps %q", gaps)
	}
	s.do(cases.Event{Kind: cases.EventRecipientNotified, Recipient: "Stripe, Inc."})
	if gaps := art19(s.build("")); len(gaps) != 0 {
		t.Errorf("Stripe was notified: %q", gaps)
	}

	// Nobody told, while Hetzner hosts the database erased: the letter
	// never says no one received the data; it says no third party did and
	// names the host as part of the work.
	hosted := newScenario(t, reg, cases.RightErasure, nil).do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
	hosted.work("app-db", cases.ResultErased, nil).work("payments", cases.ResultNone, nil).work("mailboxes", cases.ResultNone, nil).
		work("backups", cases.ResultNone, nil).do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	p := hosted.build("")
	letter := string(unzip(t, p)["letter.md"])
	if p.Draft || strings.Contains(letter, "none of them received") ||
		!strings.Contains(letter, "No third party received your data from us, so there was no one to tell. Hetzner Online GmbH, which holds your data for us only, was part of what we did above.\n\n## ") {
		t.Errorf("erased on Hetzner's system, nobody told (draft %v):\n%s", p.Draft, letter)
	}

	none := newScenario(t, reg, cases.RightErasure, nil)
	for _, item := range []string{"app-db", "payments", "mailboxes", "backups"} {
		none.work(item, cases.ResultNone, nil)
	}
	p = none.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeNoData}).build("")
	if gaps := art19(p); len(gaps) != 0 {
		t.Errorf("nothing was erased, yet Art. 19 is asked: %q", gaps)
	}
	// Everything kept: nothing erased, nothing to pass on, said so; and
	// the same kept item under a refusal of the whole request on its
	// ground still gives the reasons the letter announces.
	for _, outcome := range []cases.Outcome{cases.OutcomePartiallyFulfilled, cases.OutcomeRefused} {
		kept := newScenario(t, reg, cases.RightErasure, nil).do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
		kept.work("app-db", cases.ResultKept, func(e *cases.Event) {
			e.Grounds, e.What, e.Until = []cases.Ground{cases.GroundArt17_3e}, "your account", kept.day(400)
		}).work("payments", cases.ResultNone, nil).work("mailboxes", cases.ResultNone, nil).work("backups", cases.ResultNone, nil).
			do(cases.Event{Kind: cases.EventClosed, Outcome: outcome, Grounds: []cases.Ground{cases.GroundArt17_3e},
				Reason: "We need your account for a pending claim."})
		letter := string(unzip(t, kept.build(""))["letter.md"])
		if !strings.Contains(letter, "request was not granted (Art. 12(4) GDPR)") || !strings.Contains(letter, "Art. 17(3)(e) GDPR") {
			t.Errorf("%s on a kept item: no reasons:\n%s", outcome, letter)
		}
		if outcome == cases.OutcomePartiallyFulfilled && !strings.Contains(letter, "We erased none of your data, so there was no erasure to pass on") {
			t.Errorf("nothing was erased: the letter says otherwise of its recipients:\n%s", letter)
		}
	}
}

// TestArt21_3OnlyWhenMarketingStopped: the objection letter says direct
// marketing no longer uses the subject's data only when a direct-marketing
// purpose was recorded stopped (an organisation without one says nothing
// of it).
func TestArt21_3OnlyWhenMarketingStopped(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	const art21_3 = "Where you object to direct marketing"
	for _, dm := range []bool{true, false} {
		s := newScenario(t, reg, cases.RightObjection, nil)
		for i := range s.c.Rules.Purposes {
			s.c.Rules.Purposes[i].DirectMarketing = dm && s.c.Rules.Purposes[i].DirectMarketing
		}
		for _, w := range mustDerive(t, s.c).Work {
			s.work(w.ID, cases.ResultStopped, nil)
		}
		letter := string(unzip(t, s.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled}).build(""))["letter.md"])
		if strings.Contains(letter, art21_3) != dm {
			t.Errorf("direct marketing stopped %v, yet the letter says Art. 21(3)'s words %v:\n%s", dm, !dm, letter)
		}
	}
}

// TestAccessDraftNeverSaysNothingToKeep: data found in a system whose
// retention rule is missing drafts the access letter, and its section (d)
// says the period is not stated yet, never that nothing was found to keep.
func TestAccessDraftNeverSaysNothingToKeep(t *testing.T) {
	reg, _ := registers(t).Get("callrix")
	s := newScenario(t, reg, cases.RightAccess, nil)
	s.c.Rules.Systems[0].Retention = nil
	s.c.Events[0].Rules = &s.c.Rules
	s.do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
	s.attach("account.csv", "account", "CRM", accountCSV)
	s.work("app-db", cases.ResultFound, func(e *cases.Event) { e.Files = []string{"account.csv"} }).
		work("payments", cases.ResultNone, nil).work("mailboxes", cases.ResultNone, nil).
		do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	p := s.build("")
	letter := string(unzip(t, p)["letter.md"])
	if !p.Draft || strings.Contains(letter, "We found no data about you to keep") ||
		!strings.Contains(letter, "- our customer database: **not stated yet**") {
		t.Errorf("found in a system without a retention rule (draft %v):\n%s", p.Draft, letter)
	}
}
