package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

// The five organisations from receipt to a sent answer (issue 15): an
// access request, an erasure with something kept, and a refusal. Every
// letter is read: each date in it is an event's, the letter's, or computed
// from them by a named rule; each erased or kept item is named with its
// verb; nothing is said of "all our systems" or "indefinitely"; the draft
// cannot be sent; the report judges the answer against the legal date and
// the promise apart.
//
// The clock: received Monday 2 March 2026 at 09:00 UTC (the same day in
// every zone of the five and in Brussels); one month (Art. 12(3)) ends
// Thursday 2 April 2026, a working day in every calendar of the five (Good
// Friday is 3 April); a 30-day promise ends 1 April 2026. The answers go on
// 2 April: on time in law, after the promise.

// orgFacts are the facts a DPO fills before the first letter leaves,
// where the organisation's policy leaves them out (fictional values on
// example domains).
var orgFacts = map[string]map[string]string{
	"callrix": {"automated_decisions": noAutomated},
	"closeq":  {"legal_name": "CloseQ Sp. z o.o."},
	"crisp": {"legal_name": "Crisp IM SAS", "privacy_contact": "privacy@crisp.example",
		"automated_decisions": noAutomated},
	"crmsoftware": {"legal_name": "CRMSoftware.ai, Inc.", "automated_decisions": noAutomated},
	"crystalqore": {"legal_name": "CrystalQore Ltd", "automated_decisions": noAutomated},
}

// orgEdits are the DPO's answers to the gaps of the data maps the letters
// rest on: a system's categories and retention, a bounded period, a
// recipient's country (TOML text replaced as the DPO would edit it).
var orgEdits = map[string][][2]string{
	"crisp": {
		{`(?m)^(name = "our core infrastructure in Amsterdam.*)$`, "$1\ncategories = [\"chat\", \"ip\"]\nretention = \"other\""},
		{`(?m)^period = "as long as necessary for the purposes"$`, "period = \"3 years after the account is closed\"\nlength = \"3y\"\nfrom = \"account-closure\""},
	},
	"crmsoftware": {
		{`(?m)^period = "until the account is closed or 3 years"$`, "period = \"until the account is closed\"\nfrom = \"account-closure\""},
		{`country = \{ source = "missing", note = "not stated" \}\nsafeguard = \{ source = "missing", note = "not stated" \}`,
			"country = { value = \"EU\", source = \"dpo\" }\nsafeguard = { value = \"none needed: no transfer outside the EU\", source = \"dpo\" }"},
	},
	"crystalqore": {
		{`(?m)^period = "as long as necessary for the purposes for which it was collected, then deleted or anonymized"$`,
			"period = \"2 years after your last activity\"\nlength = \"2y\"\nfrom = \"last-activity\""},
	},
}

const noAutomated = "No decision based solely on automated processing, including profiling, is made about you."

// promised says which organisations promise 30 days (their registers'
// promise_days, from their policies).
var promised = map[string]bool{"callrix": true, "closeq": true, "crystalqore": true}

type orgDesk struct {
	*desk
	org   string
	rules cases.Rules
	out   string
}

func newOrgDesk(t *testing.T, org string) *orgDesk {
	rs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	_, rules, err := rs.RulesFor(org, "")
	if err != nil {
		t.Fatal(err)
	}
	return &orgDesk{desk: newDesk(t, "2026-03-02T09:00:00Z"), org: org, rules: rules, out: t.TempDir()}
}

func (d *orgDesk) at(now string) *orgDesk {
	d.env["RIGHTSDESK_NOW"] = now
	return d
}

// fill stores the register as the DPO completes it (controllers ID
// import): the built-in one with the missing facts given, source dpo.
func (d *orgDesk) fill() {
	src, err := os.ReadFile("cases/register/registers/" + d.org + ".toml")
	if err != nil {
		d.t.Fatal(err)
	}
	filled := string(src)
	for fact, value := range orgFacts[d.org] {
		filled = regexp.MustCompile(`(?m)^`+fact+` = .*$`).ReplaceAllString(filled, fact+` = { value = "`+value+`", source = "dpo" }`)
	}
	for _, e := range orgEdits[d.org] {
		re := regexp.MustCompile(e[0])
		if !re.MatchString(filled) {
			d.t.Fatalf("%s: the register has no %s to fill", d.org, e[0])
		}
		filled = re.ReplaceAllString(filled, e[1])
	}
	importRegister(d.t, d.env, d.db, d.org, filled)
}

// export writes the letter dated date and returns its text and whether it
// is a draft.
func (d *orgDesk) export(id, letter, date string) (string, bool) {
	d.t.Helper()
	status, out, errOut := d.run("export", id, "--letter", letter, "--date", date, "--out", d.out, "--json")
	if status != 0 {
		d.t.Fatalf("export %s %s: %d %s", id, letter, status, errOut)
	}
	var res struct {
		Path  string `json:"path"`
		Draft bool   `json:"draft"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		d.t.Fatalf("%v: %s", err, out)
	}
	zr, err := zip.OpenReader(res.Path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "letter.md") {
			r, err := f.Open()
			if err != nil {
				d.t.Fatal(err)
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				d.t.Fatal(err)
			}
			return string(b), res.Draft
		}
	}
	d.t.Fatalf("no letter.md in %s", res.Path)
	return "", false
}

// answer exports the final letter on 2 April; a draft is refused by send
// (exit 1, nothing recorded) until the DPO fills the register, then the
// letter is exported again and sent.
func (d *orgDesk) answer(id string, closing ...string) string {
	d.t.Helper()
	d.at("2026-04-02T08:00:00Z")
	d.ok(append([]string{"close", id}, closing...)...)
	letter, draft := d.export(id, "final", "2026-04-02")
	if draft {
		// The DPO completes the register, and re-applies it to the case,
		// whose rules were frozen when it came in.
		d.refused(id, 1, "DRAFT", "send", id, "--letter", "final")
		d.fill()
		d.ok("reopen", id, "--reason", "error")
		d.ok("rebaseline", id, "--reason", "the register was completed for the answer")
		d.ok(append([]string{"close", id}, closing...)...)
		if letter, draft = d.export(id, "final", "2026-04-02"); draft {
			d.t.Fatalf("%s: still a DRAFT once the register is filled:\n%s", d.org, letter)
		}
	}
	d.ok("send", id, "--letter", "final", "--channel", "email", "--to", "zoe@example.org")
	return letter
}

// work records a result for every item of the case, by the rule of f.
func (d *orgDesk) work(id string, f func(s *cases.System) []string) {
	d.t.Helper()
	for i := range d.rules.Systems {
		s := &d.rules.Systems[i]
		if args := f(s); args != nil {
			d.ok(append([]string{"work", id, s.ID}, args...)...)
		}
	}
}

var letterDate = regexp.MustCompile(`\b([1-9]|[12][0-9]|3[01]) (January|February|March|April|May|June|July|August|September|October|November|December) (\d{4})\b`)

// checkLetter reads a final letter: every date backed, nothing of all our
// systems, nothing indefinite, no wording meant for the DPO.
func (d *orgDesk) checkLetter(id, letter string, extra ...cases.Date) {
	d.t.Helper()
	v := d.show(id)
	backed := map[string]bool{"2026-04-02": true} // the letter's date
	for _, e := range v["events"].([]any) {
		at, _ := time.Parse(time.RFC3339, e.(map[string]any)["at"].(string))
		backed[at.UTC().Format("2006-01-02")] = true
		backed[at.Add(12*time.Hour).UTC().Format("2006-01-02")] = true // the legal zone's day, east of UTC
	}
	for _, k := range []string{"due", "base_due", "extended_due", "promise_due", "refusal_by", "receipt_date", "start_date"} {
		if s, ok := v[k].(string); ok {
			backed[s] = true
		}
	}
	for _, w := range v["work"].([]any) {
		for _, k := range []string{"until", "end", "trigger_date", "review"} {
			if s, ok := w.(map[string]any)[k].(string); ok {
				backed[s] = true
			}
		}
	}
	for _, x := range extra {
		backed[x.String()] = true
	}
	for _, m := range letterDate.FindAllStringSubmatch(letter, -1) {
		t, err := time.Parse("2 January 2006", m[0])
		if err != nil || !backed[t.Format("2006-01-02")] {
			d.t.Errorf("%s %s: the date %q is no event's, nor computed from them by a rule", d.org, id, m[0])
		}
	}
	for _, never := range []string{"all our systems", "ndefinitely", "examples of personal data the policy gives",
		"we cannot name them", "not stated", "DEADLINES.md", "WORK.md", "R1:", "R13"} {
		if strings.Contains(letter, never) {
			d.t.Errorf("%s %s: the letter says %q", d.org, id, never)
		}
	}
}

// keptRule is a system whose retention rule lets data be kept after an
// erasure for a bounded period with its law, or nil.
func keptRule(rules *cases.Rules) *cases.System {
	for i := range rules.Systems {
		s := &rules.Systems[i]
		if r := s.Retention; s.Role == cases.SystemController && r != nil && r.Ground == cases.GroundArt17_3b &&
			r.Length != "" && r.Gap == "" && r.Law != "" {
			return s
		}
	}
	return nil
}

func TestEveryOrganisationFromReceiptToSentAnswer(t *testing.T) {
	for _, org := range []string{"callrix", "closeq", "crisp", "crmsoftware", "crystalqore"} {
		t.Run(org+"/access", func(t *testing.T) { orgAccess(t, org) })
		t.Run(org+"/erasure", func(t *testing.T) { orgErasure(t, org) })
		t.Run(org+"/refusal", func(t *testing.T) { orgRefusal(t, org) })
	}
}

func orgAccess(t *testing.T, org string) {
	d := newOrgDesk(t, org)
	id := d.add("--controller", org, "--right", "access", "--received", "2026-03-02T09:00:00Z")
	d.at("2026-03-03T09:00:00Z").ok("acknowledge", id)
	d.fill() // the acknowledgement names the controller too
	if _, draft := d.export(id, "acknowledgement", "2026-03-03"); draft {
		t.Fatalf("the acknowledgement is a DRAFT with the register filled")
	}
	d.ok("send", id, "--letter", "acknowledgement")
	os.RemoveAll(filepath.Join(d.env["XDG_CONFIG_HOME"], "rightsdesk")) // the final letter starts from the built-in register

	d.at("2026-03-20T09:00:00Z")
	file := filepath.Join(t.TempDir(), "account.csv")
	os.WriteFile(file, []byte("field,value\nname,Zoé Lefèvre\n"), 0o600)
	var found *cases.System
	for i := range d.rules.Systems {
		if s := &d.rules.Systems[i]; found == nil && s.Role == cases.SystemController && s.Source == "seed" {
			found = s
		}
	}
	d.ok("attach", id, file, "--system", found.ID, "--category", "account")
	forCustomer := false
	d.work(id, func(s *cases.System) []string {
		switch {
		case s == found:
			return []string{"found", "--file", "account.csv"}
		case s.Role == cases.SystemForCustomer:
			forCustomer = true
			return []string{"for-customer", "--customer", "Acme SAS"}
		}
		return []string{"none"}
	})
	if forCustomer {
		d.ok("forward", id, "--to", "Acme SAS")
	}
	d.ok("recipients", id)
	letter := d.answer(id, "--outcome", "fulfilled")
	d.checkLetter(id, letter)
	if !strings.Contains(letter, found.Name) && !strings.Contains(letter, strings.SplitN(found.Name, ",", 2)[0]) {
		t.Errorf("the access letter does not name where the data were found (%s):\n%s", found.Name, letter)
	}
	if forCustomer && !strings.Contains(letter, "Acme SAS") {
		t.Errorf("the data held for Acme SAS are not said to be passed on:\n%s", letter)
	}
	checkReport(t, d, id)
}

func orgErasure(t *testing.T, org string) {
	d := newOrgDesk(t, org)
	id := d.add("--controller", org, "--right", "erasure", "--received", "2026-03-02T09:00:00Z")
	d.at("2026-03-20T09:00:00Z")
	kept := keptRule(&d.rules)
	keptArgs := []string{"kept", "--what", "your invoices", "--ground", "art17-3-b", "--law", "", "--trigger-date", "2025-12-31"}
	var keptSys *cases.System
	if kept != nil {
		keptSys = kept
		keptArgs[6] = kept.Retention.Law
	} else {
		// No rule of the register keeps data for a bounded period under a
		// law: the DPO keeps the correspondence of a dispute, to a date.
		for i := range d.rules.Systems {
			if s := &d.rules.Systems[i]; s.ID == "mailboxes" {
				keptSys = s
			}
		}
		keptArgs = []string{"kept", "--what", "the correspondence of your pending claim", "--ground", "art17-3-e",
			"--until", "2029-03-20"}
	}
	instructed := []string{}
	forCustomer := false
	d.work(id, func(s *cases.System) []string {
		switch {
		case s == keptSys:
			return keptArgs
		case s.Role == cases.SystemForCustomer:
			forCustomer = true
			return []string{"for-customer", "--customer", "Acme SAS"}
		case s.ID == "backups":
			return []string{"beyond-use", "--until", "2026-06-20"}
		case s.Recipient != "":
			instructed = append(instructed, s.ID)
			return []string{"erasure-instructed", "--until", "2026-03-27"}
		}
		return []string{"erased"}
	})
	if forCustomer {
		d.ok("forward", id, "--to", "Acme SAS")
	}
	d.at("2026-03-25T09:00:00Z")
	for _, item := range instructed {
		d.ok("work", id, item, "erased") // the processor confirmed
	}
	// Art. 19 is owed to the third parties the data went to: CRMSoftware.ai's
	// business partners receive data only with explicit consent, which
	// this subject never gave; its service providers hold the data for it.
	if org == "crmsoftware" {
		d.ok("recipients", id, "--only", "Service providers who assist in our operations")
	}
	ground := keptArgs[4]
	letter := d.answer(id, "--outcome", "partially-fulfilled", "--ground", ground, "--reason", "Some data must be kept, as set out below.")
	keepRecord := cases.NewDate(2029, 4, 2) // the case files' record: 3 years from the letter (Art. 5(2))
	d.checkLetter(id, letter, keepRecord)
	// Every item the letter names has its verb.
	v := d.show(id)
	for _, w := range v["work"].([]any) {
		item := w.(map[string]any)
		name, result := item["name"].(string), item["result"].(string)
		// An erasure the processor confirmed says so: "confirmed the erasure".
		verb := map[string]string{"erased": "eras", "kept": "keep", "beyond-use": "overwritten", "for-customer": "Acme SAS"}[result]
		para := paragraphWith(letter, name)
		if para == "" {
			t.Errorf("%s: the erasure letter does not name %s (%s)", org, name, result)
			continue
		}
		if !strings.Contains(para, verb) {
			t.Errorf("%s: %s is %s, but the letter says of it:\n%s", org, name, result, para)
		}
	}
	if !strings.Contains(letter, "Art. 5(2)") {
		t.Errorf("%s: the record kept to show compliance is not said:\n%s", org, letter)
	}
	checkReport(t, d, id)
}

func orgRefusal(t *testing.T, org string) {
	d := newOrgDesk(t, org)
	id := d.add("--controller", org, "--right", "access", "--received", "2026-03-02T09:00:00Z")
	d.fill()
	d.at("2026-03-03T09:00:00Z").ok("request-id", id, "--reason", "the address you wrote from is not the one on the account",
		"--need", "a reply from the e-mail address of the account")
	letter, draft := d.export(id, "identity-request", "2026-03-03")
	if draft || !strings.Contains(letter, "a reply from the e-mail address of the account") {
		t.Fatalf("the identity request (draft %v) does not say what is needed:\n%s", draft, letter)
	}
	d.ok("send", id, "--letter", "identity-request")
	// Nothing came back: before the identity wait (30 days) a refusal on
	// identity is refused; after it, it stands.
	d.at("2026-03-20T09:00:00Z")
	d.refused(id, 1, "has until", "close", id, "--outcome", "refused", "--ground", "identity-not-established",
		"--reason", "We could not confirm that you are the account holder.")
	letter = d.answer(id, "--outcome", "refused", "--ground", "identity-not-established",
		"--reason", "We could not confirm that you are the account holder.")
	d.checkLetter(id, letter)
	if !strings.Contains(letter, "We could not confirm that you are the account holder.") {
		t.Errorf("%s: the reason is not given as written:\n%s", org, letter)
	}
	status, out, _ := d.run("report", "--json")
	if status != 0 || !strings.Contains(out, `"refusal": "full"`) && !strings.Contains(out, `"refusal":"full"`) {
		t.Errorf("%s: the report does not count the full refusal: %s", org, out)
	}
}

// checkReport: answered on 2 April, within the legal month; after the
// 30-day promise where there is one.
func checkReport(t *testing.T, d *orgDesk, id string) {
	t.Helper()
	status, out, errOut := d.run("report", "--json")
	if status != 0 {
		t.Fatal(errOut)
	}
	var rep struct {
		Rows []struct {
			ID          string `json:"id"`
			Due         string `json:"due"`
			OnTime      *bool  `json:"on_time"`
			Timeliness  string `json:"timeliness"`
			PromiseKept *bool  `json:"promise_kept"`
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rep.Rows, func(r struct {
		ID          string `json:"id"`
		Due         string `json:"due"`
		OnTime      *bool  `json:"on_time"`
		Timeliness  string `json:"timeliness"`
		PromiseKept *bool  `json:"promise_kept"`
	}) bool {
		return r.ID == id
	})
	if i < 0 {
		t.Fatalf("%s is not in the report: %s", id, out)
	}
	r := rep.Rows[i]
	if r.Due != "2026-04-02" || r.Timeliness != "on-time" {
		t.Errorf("%s: due %s, %s; want due 2026-04-02, on time", d.org, r.Due, r.Timeliness)
	}
	if promised[d.org] != (r.PromiseKept != nil) || (r.PromiseKept != nil && *r.PromiseKept) {
		t.Errorf("%s: promise kept %v; want false where 30 days are promised, none otherwise", d.org, r.PromiseKept)
	}
}

// paragraphWith is the line or table row of the letter that names s.
func paragraphWith(letter, s string) string {
	for _, p := range strings.Split(letter, "\n") {
		if strings.Contains(p, s) {
			return p
		}
	}
	return ""
}
