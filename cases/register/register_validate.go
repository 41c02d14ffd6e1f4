package register

import (
	"rightsdesk/cases"

	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// validate checks a decoded register; every problem is reported with the
// line of the field at fault.
func (r *Register) validate(md toml.MetaData) error {
	fail := func(p fieldPath, format string, args ...any) error {
		return &RegisterError{File: r.File, Line: lineOf(r.data, p), Field: p.String(),
			Reason: fmt.Sprintf(format, args...)}
	}
	for _, k := range md.Undecoded() {
		p := indexedPath(r.data, k)
		return fail(p, "unknown field (see the built-in registers for the format)")
	}

	// Identity of the file.
	want := strings.TrimSuffix(path.Base(strings.TrimPrefix(r.File, "embedded:")), ".toml")
	switch {
	case !md.IsDefined("id"):
		return fail(fieldPath{"id"}, "missing: every register names its id (the file name without .toml)")
	case !idPattern().MatchString(r.ID):
		return fail(fieldPath{"id"}, "%q is not an id: use lower-case letters, digits and hyphens", r.ID)
	case r.ID != want:
		return fail(fieldPath{"id"}, "%q does not match the file name %s.toml", r.ID, want)
	}
	if !md.IsDefined("version") {
		return fail(fieldPath{"version"}, "missing: a whole number or a date the DPO bumps on every change")
	}
	if r.Version.err != nil {
		return fail(fieldPath{"version"}, "%v", r.Version.err)
	}

	// Item provenance, then inheritance, then every fact on its own.
	var err error
	r.walk(func(FactRef) {}, func(it itemRef) {
		if err == nil && it.prov.Source != "" {
			err = checkProvenance(it.prov, it.empty)
			if err != nil {
				err = fail(it.path, "%v", err)
			}
		}
	})
	if err != nil {
		return err
	}
	r.resolveInheritance()
	seeds := false
	r.walk(func(f FactRef) {
		if err != nil {
			return
		}
		if e := f.fact.decodeErr(); e != nil {
			err = fail(f.path, "%v", e)
			return
		}
		if !f.fact.Present() {
			return
		}
		if f.Provenance.Source == "" {
			err = fail(f.path, "no source: say source = \"seed\", \"assumed\", \"dpo\" or \"missing\"")
			return
		}
		if e := checkProvenance(f.Provenance, !f.fact.valueGiven()); e != nil {
			err = fail(f.path, "%v", e)
		}
		seeds = seeds || f.Provenance.Source == SourceSeed
	}, nil)
	if err != nil {
		return err
	}
	if seeds && strings.TrimSpace(r.Policy.File) == "" {
		return fail(fieldPath{"policy", "file"}, "missing: seed facts need the policy text they come from")
	}
	return r.checkContent(fail)
}

// checkProvenance checks one provenance; noValue says the fact (or item)
// has no value.
func checkProvenance(p *Provenance, noValue bool) error {
	switch p.Source {
	case SourceSeed:
		if strings.TrimSpace(p.Section) == "" {
			return fmt.Errorf("a seed fact names the policy section it comes from (section = \"...\")")
		}
	case SourceAssumed:
		if strings.TrimSpace(p.Rule) == "" {
			return fmt.Errorf("an assumed fact states the rule that assumed it (rule = \"...\")")
		}
	case SourceDPO:
	case SourceMissing:
		if !noValue {
			return fmt.Errorf("a missing fact has no value (say source = \"seed\", \"assumed\" or \"dpo\", or drop the value)")
		}
		return nil
	default:
		return fmt.Errorf("unknown source %q (one of: seed, assumed, dpo, missing)", p.Source)
	}
	if noValue {
		return fmt.Errorf("a %s fact needs a value (or source = \"missing\")", p.Source)
	}
	return nil
}

// resolveInheritance gives the facts of a list item the item's provenance
// where they have none of their own.
func (r *Register) resolveInheritance() {
	walkValueItems(r, func(it itemRef, facts []factLike) {
		for _, f := range facts {
			if it.prov.Source != "" {
				f.inheritFrom(it.prov)
			}
		}
	})
}

// walkValueItems calls fn with each item and its direct facts.
func walkValueItems(r *Register, fn func(itemRef, []factLike)) {
	items := map[string]itemRef{}
	var order []string
	facts := map[string][]factLike{}
	r.walk(func(f FactRef) {
		if f.Item != "" {
			facts[f.Item] = append(facts[f.Item], f.fact)
		}
	}, func(it itemRef) {
		items[it.path.String()] = it
		order = append(order, it.path.String())
	})
	for _, k := range order {
		fn(items[k], facts[k])
	}
}

var (
	countryPattern  = lazyRegexp(`^[A-Z]{2}$`)
	languagePattern = lazyRegexp(`^[a-z]{2}$`)
)

// failFunc reports a problem at a field of the register.
type failFunc func(p fieldPath, format string, args ...any) error

// checkContent checks the required entries and the values that must come
// from a vocabulary, in the order a DPO reads the file: the first problem
// found is the one reported.
func (r *Register) checkContent(fail failFunc) error {
	for _, check := range []func(failFunc) error{r.checkRequired, r.checkClock, r.checkNumbers, r.checkLists, r.checkApproval, r.checkCode} {
		if err := check(fail); err != nil {
			return err
		}
	}
	return nil
}

// required is an entry every register has, and what it is for.
type required struct {
	p    fieldPath
	f    factLike
	what string
}

// checkRequired checks that every required entry is there, and that the
// clock's are known: the clock cannot run on a missing fact.
func (r *Register) checkRequired(fail failFunc) error {
	c := &r.Clock
	for _, q := range []required{
		{fieldPath{"name"}, &r.Name, "the name the policy uses for the organisation"},
		{fieldPath{"legal_name"}, &r.LegalName, "the legal entity (source = \"missing\" if the policy names none)"},
		{fieldPath{"address"}, &r.Address, "the postal address"},
		{fieldPath{"country"}, &r.Country, "the country of establishment (ISO 3166-1)"},
		{fieldPath{"privacy_contact"}, &r.PrivacyContact, "the privacy contact"},
		{fieldPath{"dpo_contact"}, &r.DPOContact, "the DPO's contact"},
		{fieldPath{"authority", "name"}, &r.Authority.Name, "the supervisory authority"},
		{fieldPath{"authority", "address"}, &r.Authority.Address, "the authority's address"},
		{fieldPath{"authority", "web"}, &r.Authority.Web, "the authority's web site"},
		{fieldPath{"clock", "regime"}, &c.Regime, "the default regime"},
		{fieldPath{"clock", "zone"}, &c.Zone, "the legal time zone"},
		{fieldPath{"clock", "calendar"}, &c.Calendar, "the holiday calendar"},
		{fieldPath{"clock", "promise_days"}, &c.PromiseDays, "the promise in days (value = 0 when the policy makes none)"},
		{fieldPath{"clock", "pause"}, &c.Pause, "the pause setting (additive or none)"},
		{fieldPath{"automated_decisions"}, &r.AutomatedDecisions, "whether automated decisions are made"},
		{fieldPath{"case_files", "purge_copies_months"}, &r.CaseFiles.PurgeCopiesMonths, "when data copies of closed cases are purged"},
		{fieldPath{"case_files", "keep_record_years"}, &r.CaseFiles.KeepRecordYears, "how long the minimal record of a case is kept"},
	} {
		if !q.f.Present() {
			return fail(q.p, "missing: %s", q.what)
		}
	}
	// The clock cannot run on a missing fact: assume it, documented.
	for _, q := range []required{
		{fieldPath{"clock", "regime"}, &c.Regime, ""}, {fieldPath{"clock", "zone"}, &c.Zone, ""},
		{fieldPath{"clock", "calendar"}, &c.Calendar, ""}, {fieldPath{"clock", "promise_days"}, &c.PromiseDays, ""},
		{fieldPath{"clock", "pause"}, &c.Pause, ""},
	} {
		if !q.f.Known() {
			return fail(q.p, "the clock needs it: where the policy is silent, assume it (source = \"assumed\", rule = \"...\")")
		}
	}
	return nil
}

// checkClock checks that the clock's regimes, zone, calendar, holidays and
// pause setting are ones the deadline engine knows.
func (r *Register) checkClock(fail failFunc) error {
	c := &r.Clock
	if err := checkRegime(c.Regime.Value); err != nil {
		return fail(fieldPath{"clock", "regime"}, "%v", err)
	}
	seen := map[string]bool{c.Regime.Value: true}
	for i := range c.OtherRegimes {
		f := &c.OtherRegimes[i]
		p := fieldPath{"clock", "other_regimes", i}
		if !f.Known() {
			return fail(p, "a regime the organisation may face is a known regime, not missing")
		}
		if err := checkRegime(f.Value); err != nil {
			return fail(p, "%v", err)
		}
		if seen[f.Value] {
			return fail(p, "regime %s is listed twice", f.Value)
		}
		seen[f.Value] = true
	}
	if _, err := cases.LoadZone(c.Zone.Value); err != nil {
		return fail(fieldPath{"clock", "zone"}, "%v", err)
	}
	if _, err := cases.LookupCalendar(c.Calendar.Value); err != nil {
		return fail(fieldPath{"clock", "calendar"}, "%v", err)
	}
	for i := range c.ExtraHolidays {
		if _, err := cases.ParseDate(c.ExtraHolidays[i].Text()); err != nil {
			return fail(fieldPath{"clock", "extra_holidays", i}, "%v", err)
		}
	}
	if p := cases.PauseSetting(c.Pause.Value); p != cases.PauseAdditive && p != cases.PauseNone {
		return fail(fieldPath{"clock", "pause"}, "unknown pause setting %q (one of: additive, none)", c.Pause.Value)
	}
	return nil
}

// checkNumbers checks the day, month and year counts are in range, and the
// country is a code.
func (r *Register) checkNumbers(fail failFunc) error {
	c := &r.Clock
	for _, q := range []struct {
		p   fieldPath
		f   *Fact[int]
		min int
	}{
		{fieldPath{"clock", "promise_days"}, &c.PromiseDays, 0},
		{fieldPath{"clock", "pause_window_days"}, &c.PauseWindowDays, 1},
		{fieldPath{"clock", "act_by_working_days"}, &c.ActByWorkingDays, 1},
		{fieldPath{"clock", "complaint_target_days"}, &c.ComplaintTargetDays, 1},
		{fieldPath{"clock", "identity_wait_days"}, &c.IdentityWaitDays, 1},
		{fieldPath{"clock", "backdate_hours"}, &c.BackdateHours, 1},
		{fieldPath{"case_files", "purge_copies_months"}, &r.CaseFiles.PurgeCopiesMonths, 0},
		{fieldPath{"case_files", "keep_record_years"}, &r.CaseFiles.KeepRecordYears, 0},
	} {
		if q.f.Known() && (q.f.Value < q.min || q.f.Value > 366) {
			return fail(q.p, "must be between %d and 366, not %d", q.min, q.f.Value)
		}
	}
	if r.Country.Known() && !countryPattern().MatchString(r.Country.Value) {
		return fail(fieldPath{"country"}, "%q is not an ISO 3166-1 code such as FR or CY", r.Country.Value)
	}
	return nil
}

// checkLists checks that each list says something, if only that it is
// missing, then the entries of each list.
func (r *Register) checkLists(fail failFunc) error {
	lists := []struct {
		name string
		n    int
	}{
		{"roles", len(r.Roles)}, {"categories", len(r.Categories)}, {"purposes", len(r.Purposes)},
		{"recipients", len(r.Recipients)}, {"retention", len(r.Retention)}, {"rights", len(r.Rights)},
		{"contacts", len(r.Contacts)}, {"languages", len(r.Languages)},
	}
	for _, l := range lists {
		if l.n == 0 {
			return fail(fieldPath{l.name}, "missing: list what the policy states, or one entry with source = \"missing\" and a note")
		}
	}
	k := &entryChecker{fail: fail, markers: map[string]bool{}}
	r.walk(func(FactRef) {}, func(it itemRef) {
		k.markers[it.path.String()] = it.empty && it.prov.Source == SourceMissing
	})
	for _, check := range []func(*entryChecker) error{r.checkRoles, r.checkCategories, r.checkPurposes,
		r.checkPurposeIDs, r.checkRecipients, r.checkRetention, r.checkRights, r.checkContacts, r.checkLanguages,
		r.checkFindings, r.checkSystems} {
		if err := check(k); err != nil {
			return err
		}
	}
	return nil
}

// entryChecker checks the entries of the register's lists.
type entryChecker struct {
	fail    failFunc
	markers map[string]bool // item path -> is a "whole list missing" marker
}

// marker reports whether the item at p stands for a whole list that is
// missing, whose entries then need no values.
func (k *entryChecker) marker(p fieldPath) bool { return k.markers[p.String()] }

// need fails a fact that is absent, unless its item is a missing marker.
func (k *entryChecker) need(p fieldPath, f factLike, marker bool, what string) error {
	if marker || f.Present() {
		return nil
	}
	return k.fail(p, "missing: %s", what)
}

// oneOf fails a known fact whose value is not in the vocabulary.
func (k *entryChecker) oneOf(p fieldPath, f factLike, known []string) error {
	if f.Known() && !slices.Contains(known, f.Text()) {
		return k.fail(p, "unknown value %q (one of: %s)", f.Text(), strings.Join(known, ", "))
	}
	return nil
}

// firstError is the first of errs that is not nil.
func firstError(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// checkRoles checks each role; a processor names its controller and the
// contract's forwarding deadline, which the clock needs.
func (r *Register) checkRoles(k *entryChecker) error {
	for i := range r.Roles {
		ro, p := &r.Roles[i], fieldPath{"roles", i}
		m := k.marker(p)
		if e := firstError(k.need(p.with("data"), &ro.Data, m, "which data"),
			k.need(p.with("role"), &ro.Role, m, "controller or processor"),
			k.oneOf(p.with("role"), &ro.Role, roleKinds)); e != nil {
			return e
		}
		if ro.Role.Value == "processor" {
			if e := k.need(p.with("controller"), &ro.Controller, false, "whose data they are (the controller)"); e != nil {
				return e
			}
			if !ro.ForwardWorkingDays.Known() {
				return k.fail(p.with("forward_working_days"), "the clock needs the contract's forwarding deadline: assume it if the policy is silent")
			}
			if v := ro.ForwardWorkingDays.Value; v < 1 || v > 60 {
				return k.fail(p.with("forward_working_days"), "must be between 1 and 60 working days, not %d", v)
			}
		}
	}
	return nil
}

// checkPurposes checks each purpose names a lawful basis.
func (r *Register) checkPurposes(k *entryChecker) error {
	for i := range r.Purposes {
		pu, p := &r.Purposes[i], fieldPath{"purposes", i}
		m := k.marker(p)
		if e := firstError(k.need(p.with("purpose"), &pu.Purpose, m, "the purpose"),
			k.need(p.with("basis"), &pu.Basis, m, "the lawful basis (source = \"missing\" if the policy states none)"),
			k.oneOf(p.with("basis"), &pu.Basis, LawfulBases)); e != nil {
			return e
		}
		if e := r.checkCategoryIDs(k, p, pu.Categories); e != nil {
			return e
		}
	}
	for i := range r.Sources {
		if e := r.checkCategoryIDs(k, fieldPath{"sources", i}, r.Sources[i].Categories); e != nil {
			return e
		}
	}
	return nil
}

// checkCategoryIDs checks that a system's, a purpose's or a source's
// categories are ids of the register's categories.
func (r *Register) checkCategoryIDs(k *entryChecker, p fieldPath, ids []string) error {
	for j, c := range ids {
		if r.category(c) == nil {
			return k.fail(p.with("categories").with(j), "no category with id %q (the categories' ids: %s)", c, strings.Join(r.categoryIDs(), ", "))
		}
	}
	return nil
}

// checkRecipients checks each recipient says who, where, why and under
// which safeguard, and never cites a struck-down transfer mechanism as one.
func (r *Register) checkRecipients(k *entryChecker) error {
	for i := range r.Recipients {
		re, p := &r.Recipients[i], fieldPath{"recipients", i}
		m := k.marker(p)
		if e := firstError(k.need(p.with("kind"), &re.Kind, m, "processor, third-party or authority"),
			k.oneOf(p.with("kind"), &re.Kind, recipientKinds),
			k.need(p.with("country"), &re.Country, m || re.Kind.Value == "authority", "where the recipient is"),
			k.need(p.with("safeguard"), &re.Safeguard, m || re.Kind.Value == "authority", "the transfer safeguard, or that none is needed"),
			k.need(p.with("purpose"), &re.Purpose, m, "what the recipient does with the data")); e != nil {
			return e
		}
		if !m && re.Kind.Value != "authority" && !re.Name.Present() && !re.Category.Present() {
			return k.fail(p.with("name"), "missing: the recipient's name (or its category, with name source = \"missing\")")
		}
		if name, why, bad := InvalidTransferMechanism(re.Safeguard.Text()); bad {
			return k.fail(p.with("safeguard"), "%s is not a transfer safeguard: %s; list it under transfers, where it is flagged", name, why)
		}
	}
	return nil
}

// checkRetention checks each retention entry: its id, length, trigger and
// erasure exception.
func (r *Register) checkRetention(k *entryChecker) error {
	ids := make([]string, len(r.Retention))
	for i := range r.Retention {
		ids[i] = r.Retention[i].ID
	}
	if err := k.checkIDs("retention", ids, true); err != nil {
		return err
	}
	for i := range r.Retention {
		rt, p := &r.Retention[i], fieldPath{"retention", i}
		m := k.marker(p)
		if e := firstError(k.need(p.with("data"), &rt.Data, m, "which data"),
			k.need(p.with("period"), &rt.Period, m, "how long"),
			k.need(p.with("why"), &rt.Why, m, "why the data are kept (source = \"missing\" if the policy does not say)")); e != nil {
			return e
		}
		if rt.Length.Known() {
			if _, _, _, err := cases.ParseLength(rt.Length.Value); err != nil {
				return k.fail(p.with("length"), "%v", err)
			}
		}
		if e := k.oneOf(p.with("from"), &rt.From, cases.RetentionTriggers); e != nil {
			return e
		}
		if rt.ErasureException.Value == string(cases.GroundArt17_3b) && !rt.Law.Present() {
			return k.fail(p.with("law"), "missing: the law that requires the keeping, for art17-3-b (source = \"missing\" if the policy names none)")
		}
		if rt.ErasureException.Known() {
			g, err := cases.ParseGround(rt.ErasureException.Value)
			if err != nil || !g.AppliesTo(cases.RightErasure) || !strings.HasPrefix(string(g), "art17-3-") && g != cases.GroundLegalClaims {
				return k.fail(p.with("erasure_exception"), "%q is not an Art. 17(3) ground (art17-3-a ... art17-3-e, legal-claims)", rt.ErasureException.Value)
			}
		}
	}
	return nil
}

// checkRights checks each right listed is one the cases know.
func (r *Register) checkRights(k *entryChecker) error {
	for i := range r.Rights {
		if f := &r.Rights[i]; f.Known() {
			if _, err := cases.ParseRight(f.Value); err != nil {
				return k.fail(fieldPath{"rights", i}, "%v", err)
			}
		}
	}
	return nil
}

// checkContacts checks each contact's kind, address and use.
func (r *Register) checkContacts(k *entryChecker) error {
	for i := range r.Contacts {
		co, p := &r.Contacts[i], fieldPath{"contacts", i}
		m := k.marker(p)
		if e := firstError(k.need(p.with("kind"), &co.Kind, m, "email, web, post or phone"),
			k.oneOf(p.with("kind"), &co.Kind, contactKinds),
			k.need(p.with("value"), &co.Value, m, "the address"),
			k.need(p.with("use"), &co.Use, m, "requests, questions or dpa"),
			k.oneOf(p.with("use"), &co.Use, contactUses)); e != nil {
			return e
		}
	}
	return nil
}

// checkLanguages checks each language is an ISO 639-1 code.
func (r *Register) checkLanguages(k *entryChecker) error {
	for i := range r.Languages {
		if f := &r.Languages[i]; f.Known() && !languagePattern().MatchString(f.Value) {
			return k.fail(fieldPath{"languages", i}, "%q is not an ISO 639-1 code such as en or fr", f.Value)
		}
	}
	return nil
}

// checkFindings checks each finding says what kind it is and what it found.
func (r *Register) checkFindings(k *entryChecker) error {
	for i := range r.Findings {
		fi, p := &r.Findings[i], fieldPath{"findings", i}
		if e := firstError(k.need(p.with("kind"), &fi.Kind, false, "the kind of finding"),
			k.oneOf(p.with("kind"), &fi.Kind, findingKinds),
			k.need(p.with("text"), &fi.Text, false, "what the DPO must know")); e != nil {
			return e
		}
		if !fi.Text.Known() {
			return k.fail(p.with("text"), "a finding states what it found")
		}
	}
	return nil
}

// checkRegime accepts the statutory regimes; processor-forward follows from
// a processor role, not from this list.
func checkRegime(name string) error {
	if _, err := cases.LookupRegime(name); err != nil {
		return err
	}
	if name == "processor-forward" {
		return fmt.Errorf("processor-forward is not listed as a regime: give the organisation a processor role (roles) instead")
	}
	return nil
}

// invalidMechanisms are transfer mechanisms the CJEU has struck down.
var invalidMechanisms = []struct {
	pattern func() *regexp.Regexp
	name    string
	why     string
}{
	{lazyRegexp(`(?i)privacy\s*shield`), "the EU-US Privacy Shield",
		"invalid since the CJEU's Schrems II judgment (C-311/18, 16 July 2020)"},
	{lazyRegexp(`(?i)safe\s*harbou?r`), "the Safe Harbour decision",
		"invalid since the CJEU's Schrems I judgment (C-362/14, 6 October 2015)"},
}

// InvalidTransferMechanism reports whether text cites a transfer mechanism
// that is no longer valid (the Privacy Shield...), which must never be
// presented as a safeguard; it names the mechanism and says why.
func InvalidTransferMechanism(text string) (name, why string, invalid bool) {
	for _, m := range invalidMechanisms {
		if m.pattern().MatchString(text) {
			return m.name, m.why, true
		}
	}
	return "", "", false
}

// checkCode checks the organisation's code in case IDs.
func (r *Register) checkCode(fail failFunc) error {
	if r.Code != "" && !codePattern().MatchString(r.Code) {
		return fail(fieldPath{"code"}, "%q is not a code: one to twelve capital letters or digits, such as %q", r.Code, DefaultCode(r.ID))
	}
	return nil
}

// checkApproval checks the approval conditions: known, each named once.
func (r *Register) checkApproval(fail failFunc) error {
	for i, c := range r.Approval {
		if _, err := cases.ParseApprovalCondition(c); err != nil {
			return fail(fieldPath{"approval"}, "approval[%d]: %v", i, err)
		}
		if slices.Index(r.Approval, c) != i {
			return fail(fieldPath{"approval"}, "%q is named twice", c)
		}
	}
	return nil
}
