package register

import (
	"rightsdesk/cases"

	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// seedsDir holds copies of the five privacy policies the registers are
// derived from, shipped with the tests so that a plain clone checks them.
const seedsDir = "testdata/seeds"

// embeddedIDs are the organisations served out of the box (issue 3).
var embeddedIDs = []string{"callrix", "closeq", "crisp", "crmsoftware", "crystalqore"}

func loadEmbedded(t *testing.T) *Registers {
	t.Helper()
	rs, err := LoadRegisters(Embedded())
	if err != nil {
		t.Fatalf("embedded registers: %v", err)
	}
	return rs
}

func mustGet(t *testing.T, rs *Registers, id string) *Register {
	t.Helper()
	r, err := rs.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// policyText reads a register's policy from the shipped copies.
func policyText(t *testing.T, r *Register) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(seedsDir, r.Policy.File))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestEmbeddedRegistersLoad(t *testing.T) {
	rs := loadEmbedded(t)
	if got := rs.IDs(); !slices.Equal(got, embeddedIDs) {
		t.Fatalf("ids = %v, want %v", got, embeddedIDs)
	}
	for _, r := range rs.All() {
		t.Run(r.ID, func(t *testing.T) {
			if r.Version.IsZero() {
				t.Error("no version")
			}
			if !strings.HasPrefix(r.File, "embedded:") {
				t.Errorf("file = %q", r.File)
			}
			if len(r.Facts()) < 40 {
				t.Errorf("only %d facts", len(r.Facts()))
			}
			// Parsing the source again gives the same register: nothing
			// depends on load order.
			again, err := ParseRegister(r.File, r.Source())
			if err != nil || again.ID != r.ID || len(again.Facts()) != len(r.Facts()) {
				t.Errorf("reparse: %v", err)
			}
		})
	}
}

// A heading is a whole line of the policy, short, not a sentence.
func isHeading(text, section string) bool {
	if len(section) > 60 || strings.TrimSpace(section) != section {
		return false
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == section {
			return true
		}
	}
	return false
}

func TestSeedFactsNameSectionsOfTheirPolicy(t *testing.T) {
	rs := loadEmbedded(t)
	for _, r := range rs.All() {
		t.Run(r.ID, func(t *testing.T) {
			text := policyText(t, r)
			if !isHeading(text, r.Policy.Title) {
				t.Errorf("policy title %q is not a line of %s", r.Policy.Title, r.Policy.File)
			}
			seeds := 0
			for _, f := range r.Facts() {
				p := f.Provenance
				if p.Source != SourceSeed && p.Quote == "" {
					continue
				}
				if p.Source == SourceSeed {
					seeds++
					if !isHeading(text, p.Section) {
						t.Errorf("%s: section %q is not a heading of %s", f.Field, p.Section, r.Policy.File)
						continue
					}
				}
				if p.Quote == "" {
					continue
				}
				// The quote is the policy's words, found after its heading.
				start := 0
				if p.Section != "" {
					start = strings.Index(text, p.Section)
				}
				if start < 0 || !strings.Contains(text[start:], p.Quote) {
					t.Errorf("%s: quote %q is not in %s under %q", f.Field, p.Quote, r.Policy.File, p.Section)
				}
			}
			if seeds < 20 {
				t.Errorf("only %d seed facts", seeds)
			}
		})
	}
}

// A seed value that is not paraphrased is in the policy word for word;
// this catches typing errors in names, addresses and contacts.
func TestSeedContactsAndNamesAreVerbatim(t *testing.T) {
	rs := loadEmbedded(t)
	for _, r := range rs.All() {
		t.Run(r.ID, func(t *testing.T) {
			text := policyText(t, r)
			check := []*Fact[string]{&r.Name, &r.LegalName, &r.Address, &r.Authority.Name,
				&r.Authority.Address, &r.Authority.Web}
			for i := range r.Contacts {
				check = append(check, &r.Contacts[i].Value)
			}
			for i := range r.Recipients {
				check = append(check, &r.Recipients[i].Name)
			}
			for _, f := range check {
				if f.Source == SourceSeed && !strings.Contains(text, f.Value) {
					t.Errorf("seed value %q is not in %s", f.Value, r.Policy.File)
				}
			}
		})
	}
}

func namedProcessors(r *Register) map[string]*Recipient {
	out := map[string]*Recipient{}
	for i := range r.Recipients {
		re := &r.Recipients[i]
		if re.Name.Known() {
			out[re.Name.Value] = re
		}
	}
	return out
}

func TestNamedProcessorsAreAllThere(t *testing.T) {
	// From the policies' sub-processor tables: name -> location as stated.
	want := map[string]map[string]string{
		"crystalqore": { // "Sub-Processors"
			"Amazon Web Services (AWS)": "United States / EU",
			"Stripe":                    "United States",
			"SendGrid (Twilio)":         "United States",
			"QuestBlue":                 "United States",
		},
		"callrix": { // "5. Data Sharing & Sub-Processors"
			"Hetzner Online GmbH":   "Germany (EU)",
			"Stripe, Inc.":          "USA",
			"Google LLC (Firebase)": "USA",
			"LiveKit, Inc.":         "USA",
			"Matomo (self-hosted)":  "Germany (EU), self-hosted on Hetzner",
		},
	}
	rs := loadEmbedded(t)
	for id, processors := range want {
		r := mustGet(t, rs, id)
		got := namedProcessors(r)
		if len(got) != len(processors) {
			t.Errorf("%s: %d named recipients, want %d", id, len(got), len(processors))
		}
		for name, country := range processors {
			re, ok := got[name]
			if !ok {
				t.Errorf("%s: processor %q missing", id, name)
				continue
			}
			if re.Kind.Value != "processor" || re.Country.Value != country {
				t.Errorf("%s: %s: kind %q country %q, want processor in %q", id, name, re.Kind.Value, re.Country.Value, country)
			}
			if !re.Safeguard.Known() || !re.Purpose.Known() {
				t.Errorf("%s: %s has no safeguard or purpose", id, name)
			}
			outsideEU := !strings.Contains(country, "EU") || strings.Contains(country, "United States")
			if outsideEU && !strings.Contains(re.Safeguard.Value, "Standard Contractual Clauses") {
				t.Errorf("%s: %s outside the EU without SCCs: %q", id, name, re.Safeguard.Value)
			}
		}
	}
}

func TestNoProcessorInvented(t *testing.T) {
	rs := loadEmbedded(t)
	for _, id := range []string{"crisp", "crmsoftware", "closeq"} {
		r := mustGet(t, rs, id)
		if got := namedProcessors(r); len(got) != 0 {
			t.Errorf("%s names recipients its policy does not: %v", id, got)
		}
		missing := 0
		for _, g := range r.Gaps() {
			if g.Kind == "missing" && strings.HasPrefix(g.Field, "recipients[") && strings.HasSuffix(g.Field, ".name") {
				missing++
			}
		}
		if missing == 0 {
			t.Errorf("%s: the unnamed recipients are not visible as gaps", id)
		}
	}
}

func TestRetentionTablesAreComplete(t *testing.T) {
	// Every row of the policies' retention sections: data -> length.
	want := map[string][][2]string{
		"callrix": { // "7. Data Retention"
			{"Active account data", ""},
			{"Account data after termination", "30d"},
			{"Financial records: invoices, payment records, and tax-relevant data", "7y"},
			{"Communication records: support correspondence", "2y"},
			{"Technical logs: server logs and access logs", "90d"},
		},
		"closeq": { // "7. Data Retention": the table, then the sentence on termination
			{"User account data", "90d"}, // "Duration of subscription + 90 days": 90 days from its end
			{"Call audio recordings", "12m"},
			{"Transcriptions & AI analysis", ""},
			{"Server/application logs", "90d"},
			{"Billing and payment records", ""},
			{"All data of a customer that terminates its subscription", "90d"},
		},
	}
	rs := loadEmbedded(t)
	for id, rows := range want {
		r := mustGet(t, rs, id)
		if len(r.Retention) != len(rows) {
			t.Errorf("%s: %d retention rows, want %d", id, len(r.Retention), len(rows))
			continue
		}
		for i, row := range rows {
			rt := &r.Retention[i]
			if rt.Data.Value != row[0] || rt.Length.Text() != row[1] || !rt.Period.Known() ||
				rt.Section != "7. Data Retention" {
				t.Errorf("%s retention[%d] = %q %q (%s), want %q %q", id, i, rt.Data.Value, rt.Length.Text(), rt.Section, row[0], row[1])
			}
		}
	}
	// Invoices are kept after erasure for tax law (Art. 17(3)(b)).
	for _, id := range []string{"callrix", "crmsoftware", "closeq"} {
		r := mustGet(t, rs, id)
		found := false
		for i := range r.Retention {
			if r.Retention[i].ErasureException.Value == "art17-3-b" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no retention kept after erasure under a legal obligation", id)
		}
	}
}

func gapKinds(r *Register) map[string]int {
	m := map[string]int{}
	for _, g := range r.Gaps() {
		m[g.Kind]++
	}
	return m
}

func TestFlags(t *testing.T) {
	rs := loadEmbedded(t)
	tests := []struct {
		id, kind string
		min      int
	}{
		{"crmsoftware", "invalid-transfer-mechanism", 1},
		{"crmsoftware", "postal-route", 1},
		{"closeq", "placeholder", 4}, // [Company Name], [Company Address], [Company Registration Number], [Date]
		{"crisp", "placeholder", 1},  // a link to "#"
		{"crisp", "missing", 5},
		{"callrix", "invalid-transfer-mechanism", 0},
	}
	for _, tt := range tests {
		got := gapKinds(mustGet(t, rs, tt.id))[tt.kind]
		if tt.min == 0 && got != 0 || got < tt.min {
			t.Errorf("%s: %d gaps of kind %s, want %d or more (none when 0)", tt.id, got, tt.kind, tt.min)
		}
	}
	// Privacy Shield is never a safeguard of any recipient.
	for _, r := range rs.All() {
		for i := range r.Recipients {
			if _, _, bad := InvalidTransferMechanism(r.Recipients[i].Safeguard.Value); bad {
				t.Errorf("%s recipients[%d] presents an invalid mechanism as a safeguard", r.ID, i)
			}
		}
	}
	// Only CRMSoftware.ai is reached only by post.
	for _, r := range rs.All() {
		if _, only := r.postalOnly(); only != (r.ID == "crmsoftware") {
			t.Errorf("%s: postal only = %t", r.ID, only)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"operated by [Company Name], registered at [Company Address]", []string{"[Company Name]", "[Company Address]"}},
		{"on our [What's Crisp EU GDPR compliance status?](#) article", []string{"[What's Crisp EU GDPR compliance status?](#)"}},
		{"Last updated: [Date]", []string{"[Date]"}},
		{"see [the article](https://example.org) and [a, b]", nil},
		{"| Stripe | Payment processing & billing | United States |", nil},
	}
	for _, tt := range tests {
		if got := Placeholders(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Placeholders(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestRulesOfEachRegister(t *testing.T) {
	rs := loadEmbedded(t)
	received := time.Date(2026, time.January, 31, 10, 0, 0, 0, time.UTC)
	for _, r := range rs.All() {
		regimes := r.Regimes()
		if _, role := r.processorDays(); role != nil {
			regimes = append(regimes, "processor-forward")
		}
		for _, regime := range append([]string{""}, regimes...) {
			rules, err := r.Rules(regime)
			if err != nil {
				t.Errorf("%s %q: %v", r.ID, regime, err)
				continue
			}
			if err := rules.Validate(); err != nil {
				t.Errorf("%s %q: %v", r.ID, regime, err)
			}
			if want := "register " + r.ID + " version " + r.Version.String(); rules.Source != want {
				t.Errorf("%s: source %q, want %q", r.ID, rules.Source, want)
			}
			d, err := cases.Compute(cases.Input{Rules: rules, Right: cases.RightAccess, ReceivedAt: received})
			if err != nil || d.EffectiveDue == nil {
				t.Errorf("%s %q: compute: %v", r.ID, regime, err)
				continue
			}
			// The assumptions appear in the working.
			working := strings.Join(d.Steps, "\n")
			for _, a := range rules.Assumptions {
				if !strings.Contains(working, a) {
					t.Errorf("%s: assumption %q not in the working", r.ID, a)
				}
			}
		}
	}
}

func TestRulesDetails(t *testing.T) {
	rs := loadEmbedded(t)
	tests := []struct {
		id, regime   string
		wantRegime   string
		zone, cal    string
		promise      int
		forward      int
		assumedZone  bool
		wantErrWords string
	}{
		{id: "crystalqore", wantRegime: "eu-gdpr", zone: "Europe/Brussels", cal: "BE", promise: 30, assumedZone: true},
		{id: "crisp", wantRegime: "eu-gdpr", zone: "Europe/Paris", cal: "FR", promise: 0, assumedZone: true},
		{id: "callrix", wantRegime: "eu-gdpr", zone: "Asia/Nicosia", cal: "CY", promise: 30, assumedZone: true},
		{id: "callrix", regime: "processor-forward", wantRegime: "processor-forward", zone: "Asia/Nicosia", cal: "CY", forward: 5, assumedZone: true},
		{id: "closeq", regime: "processor-forward", wantRegime: "processor-forward", zone: "Europe/Warsaw", cal: "PL", forward: 5, assumedZone: true},
		{id: "closeq", wantRegime: "eu-gdpr", zone: "Europe/Warsaw", cal: "PL", promise: 30, assumedZone: true},
		{id: "crmsoftware", wantRegime: "eu-gdpr", zone: "America/Los_Angeles", cal: "US", assumedZone: true},
		{id: "crmsoftware", regime: "us-ca", wantRegime: "us-ca", zone: "America/Los_Angeles", cal: "US", assumedZone: true},
		{id: "crisp", regime: "uk-gdpr", wantErrWords: "may face: eu-gdpr"},
		// The Data Processing Agreement makes Crisp a processor for chats.
		{id: "crisp", regime: "processor-forward", wantRegime: "processor-forward", zone: "Europe/Paris", cal: "FR", forward: 5, assumedZone: true},
		{id: "crmsoftware", regime: "processor-forward", wantErrWords: "never a processor"},
		{id: "callrix", regime: "us-ca", wantErrWords: "may face: eu-gdpr, processor-forward"},
	}
	for _, tt := range tests {
		rules, err := mustGet(t, rs, tt.id).Rules(tt.regime)
		if tt.wantErrWords != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErrWords) {
				t.Errorf("%s %q: err %v, want %q", tt.id, tt.regime, err, tt.wantErrWords)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tt.id, tt.regime, err)
			continue
		}
		if rules.Regime != tt.wantRegime || rules.Zone != tt.zone || rules.Calendar != tt.cal ||
			rules.PromiseDays != tt.promise {
			t.Errorf("%s %q: %+v", tt.id, tt.regime, rules)
		}
		if tt.forward != 0 && rules.ForwardWorkingDays != tt.forward {
			t.Errorf("%s: forward %d, want %d", tt.id, rules.ForwardWorkingDays, tt.forward)
		}
		hasZone := slices.ContainsFunc(rules.Assumptions, func(a string) bool {
			return strings.HasPrefix(a, "zone assumed: "+tt.zone+", not stated in the policy")
		})
		if hasZone != tt.assumedZone {
			t.Errorf("%s: zone assumption shown = %t in %q", tt.id, hasZone, rules.Assumptions)
		}
	}
}

func TestBrokenRegisters(t *testing.T) {
	tests := []struct {
		dir   string
		line  int
		field string
		words string
	}{
		{"bad-toml", 23, "clock.calendar.value", "expected a comma"},
		{"unknown-regime", 21, "clock.regime", `unknown regime "eu-gpdr"`},
		{"unknown-zone", 22, "clock.zone", `unknown time zone "Europe/Bruxelles"`},
		{"unknown-calendar", 23, "clock.calendar", `unknown holiday calendar "XX"`},
		{"no-legal-name", 1, "legal_name", "missing"},
		{"legal-name-without-value", 8, "legal_name", "needs a value"},
		{"seed-without-section", 7, "name", "section"},
		{"unknown-source", 10, "country", `unknown source "website"`},
		{"privacy-shield-safeguard", 52, "recipients[0].safeguard", "Schrems II"},
		{"unknown-field", 51, "recipients[0].location", "unknown field"},
		{"promise-not-a-number", 24, "clock.promise_days", "whole number"},
		// The data map: every reference resolves, ids are unique slugs.
		{"system-unknown-category", 83, "systems[0].categories[0]", `no category with id "contacts"`},
		{"system-unknown-retention", 85, "systems[0].retention", `no retention rule with id "invoice"`},
		{"system-unknown-recipient", 84, "systems[0].recipient", `no recipient named "Hosting Test"`},
		{"system-bad-role", 86, "systems[0].role", `unknown role "processor"`},
		// A purpose's or a source's categories are the register's.
		{"purpose-unknown-category", 45, "purposes[0].categories[1]", `no category with id "orderz"`},
		{"source-unknown-category", 90, "sources[0].categories[0]", `no category with id "orders"`},
		{"system-bad-right", 86, "systems[0].rights[1]", "a complaint has no work list"},
		{"system-duplicate-id", 88, "systems[1].id", `id "orders" is already used by systems[0]`},
		{"retention-unknown-trigger", 60, "retention[0].from", `unknown value "invoice-date"`},
		{"retention-without-id", 54, "retention[0].id", "missing: an id"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", "registers", tt.dir)
			_, err := LoadRegisters(Embedded(), Layer{Name: dir, FS: os.DirFS(dir)})
			var re *RegisterError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a RegisterError", err)
			}
			file := filepath.ToSlash(filepath.Join(dir, "acme.toml"))
			if re.File != file || re.Line != tt.line || re.Field != tt.field || !strings.Contains(re.Reason, tt.words) {
				t.Errorf("got %q, want %s:%d: %s: ...%s...", err, file, tt.line, tt.field, tt.words)
			}
			if !regexp.MustCompile(`^\S+acme\.toml:\d+: \S+: .+$`).MatchString(err.Error()) {
				t.Errorf("error %q is not FILE:LINE: field: reason", err)
			}
		})
	}
}

func TestValidFixtureAndLayers(t *testing.T) {
	dir := filepath.Join("testdata", "registers", "valid")
	rs, err := LoadRegisters(Embedded(), Layer{Name: "missing-folder", FS: os.DirFS(filepath.Join(dir, "nope"))},
		Layer{Name: dir, FS: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	r := mustGet(t, rs, "acme")
	if r.Version.String() != "2026-01-15" || len(rs.IDs()) != 6 {
		t.Errorf("version %q, ids %v", r.Version, rs.IDs())
	}
	rules, err := r.Rules("")
	if err != nil || len(rules.Assumptions) != 0 || rules.Pause != cases.PauseNone {
		t.Errorf("rules %+v, %v: a register filled by the DPO assumes nothing", rules, err)
	}
	if _, err := rs.Get("nobody"); err == nil || !strings.Contains(err.Error(), "known: acme, callrix") {
		t.Errorf("Get(nobody) = %v", err)
	}
}

func TestOverrideReplacesEmbedded(t *testing.T) {
	base := loadEmbedded(t)
	crisp := mustGet(t, base, "crisp")
	src := string(crisp.Source())
	src = strings.Replace(src, "version = 1\n", "version = 2\n", 1)
	src = regexp.MustCompile(`(?m)^legal_name = .*$`).ReplaceAllString(src,
		`legal_name = { value = "Crisp (legal entity as confirmed by the DPO)", source = "dpo" }`)
	override := fstest.MapFS{"crisp.toml": {Data: []byte(src)}}
	rs, err := LoadRegisters(Embedded(), Layer{Name: "/home/dpo/.config/rightsdesk/registers", FS: override})
	if err != nil {
		t.Fatal(err)
	}
	r := mustGet(t, rs, "crisp")
	if r.Version.String() != "2" || r.LegalName.Source != SourceDPO || r.File != "/home/dpo/.config/rightsdesk/registers/crisp.toml" {
		t.Errorf("override not applied: version %s, legal name %+v, file %s", r.Version, r.LegalName, r.File)
	}
	if len(r.Gaps()) != len(crisp.Gaps())-1 {
		t.Errorf("gaps %d, want one fewer than %d", len(r.Gaps()), len(crisp.Gaps()))
	}
	rules, _ := r.Rules("")
	if rules.Source != "register crisp version 2" {
		t.Errorf("source %q", rules.Source)
	}
	// A file named after one organisation but holding another's id is refused.
	bad := fstest.MapFS{"callrix.toml": {Data: []byte(src)}}
	if _, err := LoadRegisters(Layer{Name: "x", FS: bad}); err == nil || !strings.Contains(err.Error(), "x/callrix.toml:") {
		t.Errorf("mismatched id: %v", err)
	}
}

func TestLineOf(t *testing.T) {
	data := []byte("id = \"a\"\n\n[[r]]\nx = 1\n\n[[r]]\ny = 2\nx = 3\n[t]\nz = { value = 1 }\n")
	tests := []struct {
		p    fieldPath
		want int
	}{
		{fieldPath{"id"}, 1}, {fieldPath{"r", 0, "x"}, 4}, {fieldPath{"r", 1}, 6}, {fieldPath{"r", 1, "x"}, 8},
		{fieldPath{"t", "z", "value"}, 10}, {fieldPath{"nowhere"}, 1},
	}
	for _, tt := range tests {
		if got := lineOf(data, tt.p); got != tt.want {
			t.Errorf("lineOf(%s) = %d, want %d", tt.p, got, tt.want)
		}
	}
}
