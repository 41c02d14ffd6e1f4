package register

import (
	"rightsdesk/cases"

	"fmt"
	"slices"
	"strings"
)

// System is one place where the organisation holds personal data, as the
// register's data map names it (WORK.md, "Systems"). Its provenance says
// whether the policy names it (seed, with the policy's words), a rule
// assumed it, or the DPO entered it.
type System struct {
	Provenance
	// ID is a slug unique among the systems: app-db, stripe, backups.
	ID string `toml:"id" json:"id"`
	// Name is what a subject would recognise: "our customer database,
	// hosted by Hetzner in Germany".
	Name Fact[string] `toml:"name" json:"name"`
	// Categories are ids of the register's categories.
	Categories []string `toml:"categories" json:"categories,omitempty"`
	// Rights are the right slugs for which the system is worked; absent,
	// every right but complaints.
	Rights []string `toml:"rights" json:"rights,omitempty"`
	// Role is "controller" (the default) or "for-customer" where the
	// organisation holds the data only as a processor for its customers.
	Role string `toml:"role" json:"role,omitempty"`
	// Customer is, for a for-customer system, whose data they are, when
	// the register knows one customer for all of them.
	Customer Fact[string] `toml:"customer" json:"customer"`
	// Recipient is the name of the register recipient (a processor) that
	// hosts the system.
	Recipient string `toml:"recipient" json:"recipient,omitempty"`
	// Retention is the id of the retention rule that governs the data.
	Retention string `toml:"retention" json:"retention,omitempty"`
}

// systemRoles are the roles a system may have.
var systemRoles = []string{cases.SystemController, cases.SystemForCustomer}

// assumedSystems are the systems of R13, which every organisation has.
var assumedSystems = []struct{ id, name, why string }{
	{"mailboxes", "our e-mail mailboxes (messages exchanged with us)",
		"requests and correspondence arrive by e-mail"},
	{"paper", "our paper files", "letters and printed documents are kept on paper"},
	{"backups", "our backups", "every system is copied to backups"},
}

// AssumedSystemIDs are the ids of the systems every register has (R13).
func AssumedSystemIDs() []string {
	ids := make([]string, len(assumedSystems))
	for i, a := range assumedSystems {
		ids[i] = a.id
	}
	return ids
}

// addAssumedSystems gives the register the systems of R13 it does not list.
func (r *Register) addAssumedSystems() {
	for _, a := range assumedSystems {
		if slices.ContainsFunc(r.Systems, func(s System) bool { return s.ID == a.id }) {
			continue
		}
		prov := Provenance{Source: SourceAssumed, Rule: "R13: every organisation has " + a.id + ": " + a.why + " (confirm, or record none on a case)"}
		r.Systems = append(r.Systems, System{Provenance: prov, ID: a.id,
			Name: Fact[string]{Value: a.name, Provenance: prov, present: true, hasValue: true}, Role: cases.SystemController})
	}
}

// ownSystems counts the systems that are not the assumed ones of R13.
func (r *Register) ownSystems() int {
	n := 0
	for i := range r.Systems {
		if !slices.Contains(AssumedSystemIDs(), r.Systems[i].ID) {
			n++
		}
	}
	return n
}

// CategoryNames are the names of the categories, as a letter gives them.
func (r *Register) CategoryNames() []string {
	var out []string
	for i := range r.Categories {
		if r.Categories[i].Name.Known() {
			out = append(out, r.Categories[i].Name.Value)
		}
	}
	return out
}

func (r *Register) category(id string) *Category {
	for i := range r.Categories {
		if r.Categories[i].ID == id {
			return &r.Categories[i]
		}
	}
	return nil
}

func (r *Register) retention(id string) (int, *Retention) {
	for i := range r.Retention {
		if r.Retention[i].ID == id {
			return i, &r.Retention[i]
		}
	}
	return -1, nil
}

// checkIDs checks that each non-marker item of a list has a slug id, once.
func (k *entryChecker) checkIDs(list string, ids []string, need bool) error {
	seen := map[string]int{}
	for i, id := range ids {
		p := fieldPath{list, i}
		switch {
		case id == "" && (!need || k.marker(p)):
			continue
		case id == "":
			return k.fail(p.with("id"), "missing: an id (lower-case letters, digits and hyphens) the systems refer to")
		case !idPattern().MatchString(id):
			return k.fail(p.with("id"), "%q is not an id: use lower-case letters, digits and hyphens", id)
		}
		if j, dup := seen[id]; dup {
			return k.fail(p.with("id"), "id %q is already used by %s[%d]", id, list, j)
		}
		seen[id] = i
	}
	return nil
}

// checkCategories checks each category has an id and a name.
func (r *Register) checkCategories(k *entryChecker) error {
	ids := make([]string, len(r.Categories))
	for i := range r.Categories {
		c, p := &r.Categories[i], fieldPath{"categories", i}
		if e := k.need(p.with("name"), &c.Name, k.marker(p), "the category as a subject would read it"); e != nil {
			return e
		}
		ids[i] = c.ID
	}
	return k.checkIDs("categories", ids, true)
}

// checkSystems checks each system of the data map: its id, name, role,
// rights, and that its categories, host and retention rule are the
// register's.
func (r *Register) checkSystems(k *entryChecker) error {
	ids := make([]string, len(r.Systems))
	for i := range r.Systems {
		ids[i] = r.Systems[i].ID
	}
	if err := k.checkIDs("systems", ids, true); err != nil {
		return err
	}
	hosts := r.RecipientNames()
	for i := range r.Systems {
		s, p := &r.Systems[i], fieldPath{"systems", i}
		if s.Source == SourceMissing {
			return k.fail(p.with("source"), "a system is seed, assumed or dpo: a place the register does not know is not a system")
		}
		if e := k.need(p.with("name"), &s.Name, false, "what a subject would recognise (\"our customer database\")"); e != nil {
			return e
		}
		if s.Role != "" && !slices.Contains(systemRoles, s.Role) {
			return k.fail(p.with("role"), "unknown role %q (one of: %s)", s.Role, strings.Join(systemRoles, ", "))
		}
		if s.Customer.Present() && s.Role != cases.SystemForCustomer {
			return k.fail(p.with("customer"), "a customer goes with role = \"for-customer\"")
		}
		if e := r.checkCategoryIDs(k, p, s.Categories); e != nil {
			return e
		}
		for j, right := range s.Rights {
			rt, err := cases.ParseRight(right)
			if err == nil && rt == cases.RightComplaint {
				err = fmt.Errorf("a complaint has no work list: no system is worked for it")
			}
			if err != nil {
				return k.fail(p.with("rights").with(j), "%v", err)
			}
		}
		if s.Recipient != "" && !slices.Contains(hosts, s.Recipient) {
			return k.fail(p.with("recipient"), "no recipient named %q (the recipients: %s)", s.Recipient, strings.Join(hosts, "; "))
		}
		if _, rt := r.retention(s.Retention); s.Retention != "" && rt == nil {
			return k.fail(p.with("retention"), "no retention rule with id %q (the rules' ids: %s)", s.Retention, strings.Join(r.retentionIDs(), ", "))
		}
	}
	return nil
}

func (r *Register) categoryIDs() []string {
	var ids []string
	for i := range r.Categories {
		if r.Categories[i].ID != "" {
			ids = append(ids, r.Categories[i].ID)
		}
	}
	return ids
}

func (r *Register) retentionIDs() []string {
	var ids []string
	for i := range r.Retention {
		if r.Retention[i].ID != "" {
			ids = append(ids, r.Retention[i].ID)
		}
	}
	return ids
}

// purposeID is the purpose's id: its own, or one made from its words.
func (p *Purpose) purposeID() string {
	if p.ID != "" {
		return p.ID
	}
	if !p.Purpose.Known() {
		return ""
	}
	return cases.SlugOf(p.Purpose.Value)
}

// checkPurposeIDs checks the purposes' ids (given or made) are unique.
func (r *Register) checkPurposeIDs(k *entryChecker) error {
	ids := make([]string, len(r.Purposes))
	for i := range r.Purposes {
		ids[i] = r.Purposes[i].purposeID()
	}
	return k.checkIDs("purposes", ids, false)
}

// unboundedPeriod finds wording that is no period: an end that never comes
// or a range ("5-10 years", "5–10 years", "5 to 10 years").
var unboundedPeriod = lazyRegexp(`(?i)\b(indefinite|indefinitely|permanent|forever|no end)\b|\d+\s*(-|–|—|to)\s*\d+\s*(days?|months?|years?)\b`)

// triggerExample is the list of triggers a gap's text offers.
var triggerExample = strings.Join(cases.RetentionTriggers, ", ")

// retentionGap says why a retention rule's period cannot be told as an
// end, and the field to fill; ok is false for a complete rule.
func (r *Register) retentionGap(i int) (field, text string, ok bool) {
	rt := &r.Retention[i]
	p := fieldPath{"retention", i}
	name := fmt.Sprintf("[[retention]] %q (%s)", rt.ID, rt.Data.Text())
	switch {
	case !rt.Period.Known():
		return p.with("period").String(), fmt.Sprintf("%s gives no period: set its length (e.g. length = \"2y\") and from (e.g. from = \"collection\"; one of: %s) with the period in words",
			name, triggerExample), true
	case unboundedPeriod().MatchString(rt.Period.Value) && rt.Length.Known():
		return p.with("period").String(), fmt.Sprintf("%s: %q is not a period: it goes on past the %s the rule counts (length = %q); the DPO settles what happens after it and writes a bounded period (e.g. period = \"1 year from collection\"), with the length the data are really kept",
			name, rt.Period.Value, cases.LengthWords(rt.Length.Value), rt.Length.Value), true
	case unboundedPeriod().MatchString(rt.Period.Value):
		return p.with("period").String(), fmt.Sprintf("%s: %q is not a period (an unbounded or ranged period cannot be told as an end): the DPO settles one length, sets it (e.g. length = \"2y\", from = \"collection\") and rewrites period in words",
			name, rt.Period.Value), true
	case !rt.Length.Known() && !rt.From.Known():
		return p.with("length").String(), fmt.Sprintf("%s: %q gives no bounded period: set its length (e.g. length = \"2y\") and from (e.g. from = \"account-closure\"; one of: %s), or from alone when the data go on that event",
			name, rt.Period.Value, triggerExample), true
	case rt.Length.Known() && !rt.From.Known():
		return p.with("from").String(), fmt.Sprintf("%s: the period of %s runs from nothing: set from (e.g. from = \"collection\"; one of: %s)",
			name, cases.LengthWords(rt.Length.Value), triggerExample), true
	}
	return "", "", false
}

// RetentionGaps are the retention rules whose period is not a period
// (unbounded, ranged, absent, or running from nothing), by rule id, with
// the text saying which field to fill: a letter naming data under one of
// them is a DRAFT (WORK.md, "Systems"). Gaps lists them too.
func (r *Register) RetentionGaps() map[string]string {
	out := map[string]string{}
	for i := range r.Retention {
		if r.Retention[i].ID == "" {
			continue
		}
		if _, text, ok := r.retentionGap(i); ok {
			out[r.Retention[i].ID] = text
		}
	}
	return out
}

// addDataMapGaps adds the gaps of the data map to gaps: retention rules
// that are no period (joined to the missing-fact gap of the same field,
// which says less), systems of the organisation that name no category,
// and a register with no system of its own.
func (r *Register) addDataMapGaps(gaps []Gap) []Gap {
	for i := range r.Retention {
		if r.Retention[i].ID == "" {
			continue
		}
		field, text, ok := r.retentionGap(i)
		if !ok {
			continue
		}
		if j := slices.IndexFunc(gaps, func(g Gap) bool { return g.Field == field }); j >= 0 {
			gaps[j] = Gap{Kind: "retention-period", Field: field, Text: gaps[j].Text + "; " + text}
			continue
		}
		gaps = append(gaps, Gap{Kind: "retention-period", Field: field, Text: text})
	}
	for i := range r.Systems {
		s := &r.Systems[i]
		if len(s.Categories) == 0 && s.Role != cases.SystemForCustomer && !slices.Contains(AssumedSystemIDs(), s.ID) {
			gaps = append(gaps, Gap{Kind: "missing", Field: fmt.Sprintf("systems[%d].categories", i),
				Text: fmt.Sprintf("[[systems]] %q names no category of data: list the ids of the [[categories]] tables whose data it holds, so that a letter can say what was found there",
					s.ID)})
		}
	}
	if r.ownSystems() == 0 {
		gaps = append(gaps, Gap{Kind: "missing", Field: "systems",
			Text: "the data map lists no system of the organisation's own, only the assumed mailboxes, paper and backups: add a [[systems]] entry for each place that holds personal data"})
	}
	return gaps
}

// caseSystems are the systems a case of the regime freezes: every system,
// or for processor-forward only those held for customers (the request is
// about data the organisation holds as a processor).
func (r *Register) caseSystems(regime string) []cases.System {
	gaps := r.RetentionGaps()
	var out []cases.System
	for i := range r.Systems {
		s := &r.Systems[i]
		role := s.Role
		if role == "" {
			role = cases.SystemController
		}
		if regime == "processor-forward" && role != cases.SystemForCustomer {
			continue
		}
		cs := cases.System{ID: s.ID, Name: s.Name.Value, Role: role, Customer: s.Customer.Text(),
			Recipient: s.Recipient, Source: string(s.Source)}
		for _, c := range s.Categories {
			if cat := r.category(c); cat != nil && cat.Name.Known() {
				cs.Categories = append(cs.Categories, cat.Name.Value)
			}
		}
		for _, right := range s.Rights {
			cs.Rights = append(cs.Rights, cases.Right(right))
		}
		if _, rt := r.retention(s.Retention); rt != nil {
			cs.Retention = &cases.RetentionRule{ID: rt.ID, Data: rt.Data.Text(), Length: rt.Length.Text(),
				Period: rt.Period.Text(), From: rt.From.Text(), Law: rt.Law.Text(),
				Ground: cases.Ground(rt.ErasureException.Text()), Gap: gaps[rt.ID]}
		}
		out = append(out, cs)
	}
	return out
}

// casePurposes are the purposes a case freezes, the work items of
// objections and withdrawals of consent; none for processor-forward,
// whose purposes are the customer's.
func (r *Register) casePurposes(regime string) []cases.PurposeItem {
	if regime == "processor-forward" {
		return nil
	}
	var out []cases.PurposeItem
	for i := range r.Purposes {
		p := &r.Purposes[i]
		if !p.Purpose.Known() {
			continue
		}
		out = append(out, cases.PurposeItem{ID: p.purposeID(), Purpose: p.Purpose.Value, Basis: p.Basis.Text(),
			DirectMarketing: p.DirectMarketing, Source: string(p.Purpose.Source)})
	}
	return out
}
