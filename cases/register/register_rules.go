package register

import (
	"rightsdesk/cases"

	"fmt"
	"slices"
	"strings"
)

// Gap is something the DPO must fix or confirm before the register's facts
// can be relied on: a fact that is missing, or a flag about the policy (a
// placeholder, a transfer mechanism that is no longer valid, requests only
// by post, a recorded finding).
type Gap struct {
	// Kind is "missing", "retention-period" (a retention rule whose
	// period is not a period: RetentionGaps) or a finding kind
	// (placeholder, invalid-transfer-mechanism, postal-route,
	// inconsistency, unverified, unreachable).
	Kind string `json:"kind"`
	// Field is the register field concerned, such as "authority.web".
	Field string `json:"field,omitempty"`
	// TOML is the field as the DPO finds it in the register's file, such
	// as `[[recipients]] 5: country` (FieldHelp.TOML).
	TOML string `json:"toml,omitempty"`
	Text string `json:"text"`
	// Example is TOML that fills the gap, with example values the DPO
	// replaces (FieldHelp.Example).
	Example string `json:"example,omitempty"`
}

// placeholderPattern finds template leftovers: "[Company Name]", and links
// to nowhere, "[an article](#)".
var placeholderPattern = lazyRegexp(`\[([^\]\n]{1,80})\](\(#\))?`)
var placeholderWords = lazyRegexp(`^[A-Z][A-Za-z0-9 ]*$`)

// Placeholders returns the template leftovers in text: "[Company Name]",
// "[Date]", or a link whose target is "#".
func Placeholders(text string) []string {
	var out []string
	for _, m := range placeholderPattern().FindAllStringSubmatch(text, -1) {
		if m[2] != "" || placeholderWords().MatchString(m[1]) {
			out = append(out, m[0])
		}
	}
	return out
}

// Gaps lists the register's gaps: every missing fact, every recorded
// finding, and the flags computed from the facts (placeholders in the
// policy's words, invalid transfer mechanisms, requests only by post,
// retention rules that are no period, a data map with no system of the
// organisation's own).
func (r *Register) Gaps() []Gap {
	var gaps []Gap
	// A recorded finding about a placeholder explains it better than the
	// computed flag would; it is not counted twice.
	seenPlaceholder := map[string]bool{}
	for i := range r.Findings {
		for _, ph := range Placeholders(r.Findings[i].Quote + " " + r.Findings[i].Text.Value) {
			seenPlaceholder[ph] = true
		}
	}
	r.walk(func(f FactRef) {
		if !f.Fact.Present() {
			return
		}
		if f.Provenance.Source == SourceMissing && (f.Item == "" || !r.itemIsMarker(f.Item)) {
			gaps = append(gaps, Gap{Kind: "missing", Field: f.Field, Text: missingText(f.Provenance)})
		}
		for i, text := range []string{f.Fact.Text(), f.Provenance.Quote} {
			field := f.Field
			if i == 1 && f.Item != "" { // an item's quote is inherited by its facts
				field = f.Item
			}
			for _, ph := range Placeholders(text) {
				if !seenPlaceholder[ph] {
					seenPlaceholder[ph] = true
					gaps = append(gaps, Gap{Kind: "placeholder", Field: field,
						Text: fmt.Sprintf("the policy has a placeholder where a fact should be: %s", ph)})
				}
			}
		}
	}, func(it itemRef) {
		if it.empty && it.prov.Source == SourceMissing {
			gaps = append(gaps, Gap{Kind: "missing", Field: it.path.String(), Text: missingText(it.prov)})
		}
	})
	for i := range r.Transfers {
		t := &r.Transfers[i]
		if name, why, bad := InvalidTransferMechanism(t.Text()); bad {
			gaps = append(gaps, Gap{Kind: "invalid-transfer-mechanism", Field: fmt.Sprintf("transfers[%d]", i),
				Text: fmt.Sprintf("the policy cites %s (%q), %s: never present it as a safeguard; ask which mechanism really covers the transfers",
					name, t.Value, why)})
		}
	}
	if route, only := r.postalOnly(); only {
		gaps = append(gaps, Gap{Kind: "postal-route", Field: "contacts",
			Text: fmt.Sprintf("requests can only be sent by post (%s): subjects need this postal address to exercise their rights, and the DPO must confirm it and allow for postal delays (the clock starts when a letter arrives)", route)})
	}
	gaps = r.addDataMapGaps(gaps)
	for i := range r.Findings {
		f := &r.Findings[i]
		gaps = append(gaps, Gap{Kind: f.Kind.Value, Field: fmt.Sprintf("findings[%d]", i), Text: f.Text.Value})
	}
	for i := range gaps {
		h := r.Help(gaps[i].Field)
		gaps[i].TOML, gaps[i].Example = h.TOML, h.Example
	}
	return gaps
}

func (r *Register) itemIsMarker(item string) bool {
	marker := false
	r.walk(func(FactRef) {}, func(it itemRef) {
		if it.path.String() == item && it.empty && it.prov.Source == SourceMissing {
			marker = true
		}
	})
	return marker
}

func missingText(p *Provenance) string {
	if p.Note != "" {
		return "missing: " + p.Note
	}
	return "missing: not stated in the policy"
}

// postalOnly reports whether every known route for requests is postal, and
// names it.
func (r *Register) postalOnly() (string, bool) {
	var postal []string
	for i := range r.Contacts {
		c := &r.Contacts[i]
		if !c.Kind.Known() || c.Use.Value != "requests" {
			continue
		}
		if c.Kind.Value != "post" {
			return "", false
		}
		postal = append(postal, c.Value.Text())
	}
	return strings.Join(postal, "; "), len(postal) > 0
}

// Regimes lists the statutory regimes the organisation may face, its
// default first.
func (r *Register) Regimes() []string {
	out := []string{r.Clock.Regime.Value}
	for i := range r.Clock.OtherRegimes {
		out = append(out, r.Clock.OtherRegimes[i].Value)
	}
	return out
}

// processorDays is the forwarding deadline of the organisation's processor
// roles (the shortest, if several), or 0 when it is never a processor.
func (r *Register) processorDays() (int, *Role) {
	days, which := 0, (*Role)(nil)
	for i := range r.Roles {
		ro := &r.Roles[i]
		if ro.Role.Value == "processor" && ro.ForwardWorkingDays.Known() &&
			(which == nil || ro.ForwardWorkingDays.Value < days) {
			days, which = ro.ForwardWorkingDays.Value, ro
		}
	}
	return days, which
}

// Rules returns the frozen rules a case of this organisation is judged by
// under the given regime ("" for the default regime). "processor-forward"
// is for data the organisation only processes for another controller; any
// other regime must be one the register lists. Every fact of the clock that
// the policy does not state is explained in Rules.Assumptions, which the
// deadline working shows. The rules carry the data map a case's work list
// is taken from: Systems (for processor-forward only those held for
// customers) with their retention rules (Gap set where the period is no
// period) and Purposes (none for processor-forward); EarliestClock is set
// when the zone or the calendar is assumed.
func (r *Register) Rules(regime string) (cases.Rules, error) {
	c := &r.Clock
	if regime == "" {
		regime = c.Regime.Value
	}
	rules := cases.Rules{Regime: regime, Zone: c.Zone.Value, Calendar: c.Calendar.Value,
		Pause: cases.PauseSetting(c.Pause.Value), Source: fmt.Sprintf("register %s version %s", r.ID, r.Version)}
	if regime == "processor-forward" {
		days, role := r.processorDays()
		if role == nil {
			return cases.Rules{}, fmt.Errorf("%s is never a processor in its register, so regime processor-forward does not apply (it may face: %s)",
				r.ID, strings.Join(r.Regimes(), ", "))
		}
		rules.ForwardWorkingDays = days
		rules.Assumptions = append(rules.Assumptions, assumption("forwarding deadline", fmt.Sprintf("%d working days", days),
			&role.ForwardWorkingDays.Provenance)...)
	} else {
		if !slices.Contains(r.Regimes(), regime) {
			may := r.Regimes()
			if role := r.processorRole(); role {
				may = append(may, "processor-forward")
			}
			return cases.Rules{}, fmt.Errorf("%s does not face regime %q (it may face: %s)", r.ID, regime, strings.Join(may, ", "))
		}
		rules.PromiseDays = c.PromiseDays.Value
		if regime == c.Regime.Value {
			rules.Assumptions = append(rules.Assumptions, assumption("regime", regime, &c.Regime.Provenance)...)
		}
		for i := range c.OtherRegimes {
			if c.OtherRegimes[i].Value == regime {
				rules.Assumptions = append(rules.Assumptions, assumption("regime", regime, &c.OtherRegimes[i].Provenance)...)
			}
		}
		if c.PromiseDays.Value > 0 {
			rules.Assumptions = append(rules.Assumptions, assumption("promise", fmt.Sprintf("%d days", c.PromiseDays.Value), &c.PromiseDays.Provenance)...)
		}
	}
	rules.Assumptions = append(rules.Assumptions, assumption("zone", c.Zone.Value, &c.Zone.Provenance)...)
	rules.Assumptions = append(rules.Assumptions, assumption("calendar", c.Calendar.Value, &c.Calendar.Provenance)...)
	rules.Assumptions = append(rules.Assumptions, assumption("pause", c.Pause.Value, &c.Pause.Provenance)...)
	for i := range c.ExtraHolidays {
		d, err := cases.ParseDate(c.ExtraHolidays[i].Value)
		if err != nil {
			return cases.Rules{}, fmt.Errorf("register %s: clock.extra_holidays[%d]: %w", r.ID, i, err)
		}
		rules.ExtraHolidays = append(rules.ExtraHolidays, d)
	}
	for _, f := range []struct {
		fact *Fact[int]
		dst  *int
	}{{&c.PauseWindowDays, &rules.PauseWindowDays}, {&c.ActByWorkingDays, &rules.ActByWorkingDays},
		{&c.ComplaintTargetDays, &rules.ComplaintTargetDays}, {&c.IdentityWaitDays, &rules.IdentityWaitDays},
		{&c.BackdateHours, &rules.BackdateHours}} {
		if f.fact.Known() {
			*f.dst = f.fact.Value
		}
	}
	// An assumed zone or calendar may give a later date than the
	// subject's regulator would: the engine takes the earliest (WORK.md).
	rules.EarliestClock = c.Zone.Source == SourceAssumed || c.Calendar.Source == SourceAssumed
	rules.Systems = r.caseSystems(regime)
	rules.Purposes = r.casePurposes(regime)
	rules.Approval = r.ApprovalConditions()
	rules = rules.WithDefaults()
	if err := rules.Validate(); err != nil {
		return cases.Rules{}, fmt.Errorf("register %s: %w", r.ID, err)
	}
	return rules, nil
}

func (r *Register) processorRole() bool {
	_, role := r.processorDays()
	return role != nil
}

// assumption explains a clock fact that the policy does not state, for the
// deadline working; a fact stated by the policy or set by the DPO needs
// none.
func assumption(what, value string, p *Provenance) []string {
	switch p.Source {
	case SourceAssumed:
		return []string{fmt.Sprintf("%s assumed: %s, not stated in the policy (confirm): %s", what, value, RuleWords(p.Rule))}
	}
	return nil
}

var ruleNumber = lazyRegexp(`^R\d+: `)

// RuleWords is an assumption rule in words, without its number: the number
// is this register format's bookkeeping (register.go), which the working
// shown beside a case does not explain. Registers written before the rules
// said themselves in words cited the design document instead; those
// citations are said in words too (citedRules), since a register version
// once recorded is kept as it was.
func RuleWords(rule string) string {
	return citedRules.Replace(ruleNumber().ReplaceAllString(rule, ""))
}

// citedRules are the rules earlier registers cited by the design
// document's section, and their words: a DPO has no DEADLINES.md.
var citedRules = strings.NewReplacer(
	"the default of DEADLINES.md section 2 (additive, within 10 days); the date without pause is always shown",
	"the default, the clock pauses while we wait for the identity or clarification we asked for within 10 days of receipt, "+
		"and those days are added to the deadline; the date without the pause is always shown",
	"DEADLINES.md default of 5 working days", "5 working days, the default when the contract's own is not known",
)
