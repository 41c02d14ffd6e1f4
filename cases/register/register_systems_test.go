package register

import (
	"rightsdesk/cases"

	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dpoWording is register wording meant for the DPO, which must never reach
// a subject (issue 15): it may not appear in a system's or a category's
// name, which letters print.
var dpoWording = regexp.MustCompile(`(?i)the policy|not stated|we cannot name|\(category:|\bR\d+\b|\.toml|\.md\b|confirm`)

func TestDataMapOfEachRegister(t *testing.T) {
	rs := loadEmbedded(t)
	for _, r := range rs.All() {
		t.Run(r.ID, func(t *testing.T) {
			ids := map[string]*System{}
			for i := range r.Systems {
				ids[r.Systems[i].ID] = &r.Systems[i]
			}
			for _, id := range AssumedSystemIDs() {
				if ids[id] == nil {
					t.Errorf("no %s system (R13)", id)
				}
			}
			if r.ownSystems() == 0 {
				t.Error("no system of its own")
			}
			hosts := r.RecipientNames()
			for i := range r.Systems {
				s := &r.Systems[i]
				for _, c := range s.Categories {
					if r.category(c) == nil {
						t.Errorf("%s: category %q does not resolve", s.ID, c)
					}
				}
				if _, rt := r.retention(s.Retention); s.Retention != "" && rt == nil {
					t.Errorf("%s: retention %q does not resolve", s.ID, s.Retention)
				}
				if s.Recipient != "" && !slices.Contains(hosts, s.Recipient) {
					t.Errorf("%s: recipient %q does not resolve", s.ID, s.Recipient)
				}
				if s.Source != SourceSeed && s.Source != SourceAssumed && s.Source != SourceDPO {
					t.Errorf("%s: source %q", s.ID, s.Source)
				}
				if dpoWording.MatchString(s.Name.Value) {
					t.Errorf("%s: name %q has wording meant for the DPO", s.ID, s.Name.Value)
				}
			}
			for _, name := range r.CategoryNames() {
				if dpoWording.MatchString(name) {
					t.Errorf("category %q has wording meant for the DPO", name)
				}
			}
			rules, err := r.Rules("")
			if err != nil {
				t.Fatal(err)
			}
			if len(rules.Systems) != len(r.Systems) {
				t.Errorf("rules carry %d systems, the register has %d", len(rules.Systems), len(r.Systems))
			}
			names := r.CategoryNames()
			for _, s := range rules.Systems {
				for _, c := range s.Categories {
					if !slices.Contains(names, c) {
						t.Errorf("%s: category %q is not a category name of the register", s.ID, c)
					}
				}
				if s.Retention != nil && s.Retention.Gap != r.RetentionGaps()[s.Retention.ID] {
					t.Errorf("%s: frozen gap %q, register says %q", s.ID, s.Retention.Gap, r.RetentionGaps()[s.Retention.ID])
				}
			}
			if len(rules.Purposes) == 0 {
				t.Error("no purposes in the rules")
			}
			for _, p := range rules.Purposes {
				if !idPattern().MatchString(p.ID) {
					t.Errorf("purpose id %q is not a slug", p.ID)
				}
			}
			// The work list of an access request is every system.
			if got := len(cases.WorkList(cases.RightAccess, &rules)); got != len(r.Systems) {
				t.Errorf("access work list has %d items, want %d", got, len(r.Systems))
			}
		})
	}
}

func systemByID(t *testing.T, rules cases.Rules, id string) cases.System {
	t.Helper()
	for _, s := range rules.Systems {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no system %q in the rules", id)
	return cases.System{}
}

// Legal review: the Data Processing Agreement makes Crisp a processor for
// the chats on its customers' sites; its IP log is its own data, kept one
// year under French law (art17-3-b), then on legitimate interests with no
// end date: a gap for the DPO.
func TestCrispChatsAndIPLog(t *testing.T) {
	r := mustGet(t, loadEmbedded(t), "crisp")
	rules, err := r.Rules("")
	if err != nil {
		t.Fatal(err)
	}
	chats := systemByID(t, rules, "chats")
	if chats.Role != cases.SystemForCustomer || chats.Retention != nil {
		t.Errorf("chats: role %q retention %+v, want for-customer with the customer's retention", chats.Role, chats.Retention)
	}
	ip := systemByID(t, rules, "ip-log")
	rr := ip.Retention
	if ip.Role != cases.SystemController || rr == nil {
		t.Fatalf("ip-log: %+v", ip)
	}
	if rr.Length != "1y" || rr.From != "collection" || rr.Ground != cases.GroundArt17_3b || rr.Law != "the law of France" {
		t.Errorf("ip-log rule %+v, want 1y from collection, art17-3-b, the law of France", rr)
	}
	_, law := r.retention("ip-log")
	if law.Law.Source != SourceAssumed || !strings.Contains(law.Law.Rule, "the DPO confirms the law") {
		t.Errorf("the law is %s (%q), want assumed for the DPO to confirm", law.Law.Source, law.Law.Rule)
	}
	if !strings.Contains(rr.Gap, "indefinitely") || r.RetentionGaps()["ip-log"] != rr.Gap {
		t.Errorf("ip-log gap %q: the keeping after the legal year is for the DPO to settle", rr.Gap)
	}
	// The kept end of the legal year is computed from the rule.
	from, _ := cases.ParseDate("2026-03-01")
	if end, ok := cases.AddLength(from, rr.Length); !ok || end.String() != "2027-03-01" {
		t.Errorf("1y from 2026-03-01 = %s", end)
	}
	// processor-forward answers only for the chats.
	fw, err := r.Rules("processor-forward")
	if err != nil {
		t.Fatal(err)
	}
	if len(fw.Systems) != 1 || fw.Systems[0].ID != "chats" || len(fw.Purposes) != 0 {
		t.Errorf("processor-forward systems %v purposes %v, want the chats only", fw.Systems, fw.Purposes)
	}
}

// Legal review: CloseQ holds call data only as a processor; those systems
// are for-customer for every right, and no controller system holds them.
func TestCloseQCallDataIsForCustomer(t *testing.T) {
	r := mustGet(t, loadEmbedded(t), "closeq")
	rules, err := r.Rules("")
	if err != nil {
		t.Fatal(err)
	}
	callCategories := []string{r.category("call").Name.Value, r.category("ai").Name.Value}
	calls := 0
	for _, s := range rules.Systems {
		holdsCalls := slices.ContainsFunc(s.Categories, func(c string) bool { return slices.Contains(callCategories, c) })
		if !holdsCalls {
			continue
		}
		calls++
		if s.Role != cases.SystemForCustomer || len(s.Rights) != 0 {
			t.Errorf("%s: role %q rights %v, want for-customer for every right", s.ID, s.Role, s.Rights)
		}
	}
	if calls != 2 {
		t.Errorf("%d systems hold call data, want the recordings and the analysis", calls)
	}
	for _, right := range cases.Rights {
		if right == cases.RightComplaint || right == cases.RightObjection || right == cases.RightWithdrawConsent {
			continue
		}
		for _, w := range cases.WorkList(right, &rules) {
			if (w.ID == "call-recordings" || w.ID == "call-analysis") && w.System.Role != cases.SystemForCustomer {
				t.Errorf("%s: %s is not for-customer", right, w.ID)
			}
		}
	}
}

// Legal review: CRMSoftware.ai has a US address and EU users; its zone and
// calendar are assumed, so the engine takes the earliest clock.
func TestEarliestClockWhereTheClockIsAssumed(t *testing.T) {
	rs := loadEmbedded(t)
	crm := mustGet(t, rs, "crmsoftware")
	for _, regime := range []string{"", "us-ca"} {
		rules, err := crm.Rules(regime)
		if err != nil || !rules.EarliestClock {
			t.Errorf("crmsoftware %q: earliest clock %t, %v", regime, rules.EarliestClock, err)
		}
	}
	dir := filepath.Join("testdata", "registers", "valid")
	valid, err := LoadRegisters(Layer{Name: dir, FS: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := mustGet(t, valid, "acme").Rules("")
	if rules.EarliestClock {
		t.Error("acme: the DPO set the zone and calendar, yet the earliest clock is taken")
	}
}

// acmeWith parses the valid fixture with one text replaced.
func acmeWith(t *testing.T, old, new string) *Register {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "registers", "valid", "acme.toml"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(data)
	if !strings.Contains(src, old) {
		t.Fatalf("fixture has no %q", old)
	}
	r, err := ParseRegister("acme.toml", []byte(strings.Replace(src, old, new, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRetentionThatIsNoPeriodIsAGap(t *testing.T) {
	const rule = "period = \"7 years\"\nlength = \"7y\"\nfrom = \"document-date\"\n"
	tests := []struct {
		name, replace string
		field, words  string // "" field: no gap
	}{
		{"complete", rule, "", ""},
		{"indefinitely", "period = \"indefinitely\"\n", "retention[0].period", `length = "2y"`},
		{"permanent", "period = \"permanent\"\n", "retention[0].period", "not a period"},
		{"range", "period = \"as required by tax law (5-10 years)\"\n", "retention[0].period", "not a period"},
		{"range with a dash", "period = \"5–10 years\"\nlength = \"5y\"\nfrom = \"document-date\"\n", "retention[0].period", "goes on past the 5 years"},
		{"a length then no end", "period = \"1 year, then kept indefinitely\"\nlength = \"1y\"\nfrom = \"collection\"\n", "retention[0].period", `length = "1y"`},
		{"no length, no trigger", "period = \"as long as necessary\"\n", "retention[0].length", `from = "account-closure"`},
		{"length without trigger", "period = \"7 years\"\nlength = \"7y\"\n", "retention[0].from", `from = "collection"`},
		{"until the trigger", "period = \"while the contract runs\"\nfrom = \"contract-end\"\n", "", ""},
		{"permanently deleted is an end", "period = \"30 days, then permanently deleted\"\nlength = \"30d\"\nfrom = \"contract-end\"\n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := acmeWith(t, rule, tt.replace)
			gapText := r.RetentionGaps()["invoices"]
			var gap *Gap
			for _, g := range r.Gaps() {
				if g.Kind == "retention-period" {
					gap = &g
				}
			}
			if tt.field == "" {
				if gapText != "" || gap != nil {
					t.Errorf("gap %q / %+v for a complete rule", gapText, gap)
				}
				return
			}
			if gap == nil || gap.Field != tt.field || !strings.Contains(gap.Text, tt.words) || gap.Text != gapText {
				t.Fatalf("gap %+v (RetentionGaps %q), want field %s saying %q", gap, gapText, tt.field, tt.words)
			}
			rules, err := r.Rules("")
			if err != nil {
				t.Fatal(err)
			}
			if s := systemByID(t, rules, "orders"); s.Retention == nil || s.Retention.Gap != gapText {
				t.Errorf("frozen rule %+v does not carry the gap", s.Retention)
			}
		})
	}
}

func TestAssumedSystemsAndOwnSystems(t *testing.T) {
	r := acmeWith(t, "id = \"orders\"", "id = \"orders\"") // the fixture as it is
	for _, id := range AssumedSystemIDs() {
		i := slices.IndexFunc(r.Systems, func(s System) bool { return s.ID == id })
		if i < 0 || r.Systems[i].Source != SourceAssumed || !strings.HasPrefix(r.Systems[i].Rule, "R13:") {
			t.Errorf("%s: not assumed by R13", id)
		}
	}
	if slices.ContainsFunc(r.Gaps(), func(g Gap) bool { return g.Field == "systems" }) {
		t.Error("acme has a system of its own, yet its data map is a gap")
	}
	// A register that lists a system with an assumed id keeps its own.
	own := acmeWith(t, "id = \"orders\"", "id = \"backups\"")
	if n := len(own.Systems); n != 3 {
		t.Errorf("%d systems, want backups (its own), mailboxes and paper", n)
	}
	if !slices.ContainsFunc(own.Gaps(), func(g Gap) bool { return g.Field == "systems" }) {
		t.Error("a register with only the three assumed systems is not a gap")
	}
	rules, err := acmeWith(t, "pause = { value = \"none\", source = \"dpo\" }",
		"pause = { value = \"none\", source = \"dpo\" }\nbackdate_hours = { value = 72, source = \"dpo\" }").Rules("")
	if err != nil || rules.BackdateHours != 72 {
		t.Errorf("backdate hours %d, %v", rules.BackdateHours, err)
	}
}

func TestPurposesInTheRules(t *testing.T) {
	rs := loadEmbedded(t)
	rules, err := mustGet(t, rs, "callrix").Rules("")
	if err != nil {
		t.Fatal(err)
	}
	var marketing *cases.PurposeItem
	for i := range rules.Purposes {
		if rules.Purposes[i].ID == "marketing" {
			marketing = &rules.Purposes[i]
		}
	}
	if marketing == nil || !marketing.DirectMarketing || marketing.Basis != "consent" || marketing.Source != "seed" {
		t.Fatalf("marketing purpose %+v", marketing)
	}
	// Objection work: the legitimate-interests purposes and direct
	// marketing; withdrawal of consent: the consent purposes.
	var objection, withdrawal []string
	for _, w := range cases.WorkList(cases.RightObjection, &rules) {
		objection = append(objection, w.ID)
	}
	for _, w := range cases.WorkList(cases.RightWithdrawConsent, &rules) {
		withdrawal = append(withdrawal, w.ID)
	}
	if !slices.Equal(objection, []string{"security", "analytics", "marketing"}) || !slices.Equal(withdrawal, []string{"marketing"}) {
		t.Errorf("objection items %v, withdrawal items %v", objection, withdrawal)
	}
	// A purpose without an id takes one made from its words; two that
	// make the same id are refused.
	r := acmeWith(t, "purpose = \"selling widgets\"", "purpose = \"Selling widgets!\"")
	if id := r.Purposes[0].purposeID(); id != "selling-widgets" {
		t.Errorf("made id %q", id)
	}
	data, _ := os.ReadFile(filepath.Join("testdata", "registers", "valid", "acme.toml"))
	twice := strings.Replace(string(data), "[[recipients]]", "[[purposes]]\nsource = \"dpo\"\npurpose = \"selling  widgets\"\nbasis = \"contract\"\n\n[[recipients]]", 1)
	if _, err := ParseRegister("acme.toml", []byte(twice)); err == nil || !strings.Contains(err.Error(), `purposes[1].id: id "selling-widgets" is already used`) {
		t.Errorf("duplicate made id: %v", err)
	}
}
