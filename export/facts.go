package export

import (
	"fmt"
	"slices"
	"strings"

	"rightsdesk/cases/register"
)

// LetterGap is a fact a letter needs that the register (or the case) does not
// give. Blocking gaps have no lawful general wording: the packet is marked
// DRAFT until the DPO fixes the register and exports again. The others are
// covered by a general wording the law allows (the Art. 77 authority, the
// categories of recipients, the criteria of a retention period) and are
// listed so that the DPO can complete the register.
type LetterGap struct {
	// Field is the register field ("legal_name", "recipients[2].safeguard")
	// or "case" for what the case's timeline lacks.
	Field string `json:"field"`
	// TOML is a register field as the DPO finds it in the register's file
	// (register.FieldHelp): "[[recipients]] 5: country".
	TOML string `json:"toml,omitempty"`
	Text string `json:"text"`
	// Example is TOML that fills a register gap, with example values the
	// DPO replaces (register.FieldHelp).
	Example string `json:"example,omitempty"`
	// Fix is the command that fixes the gap: the register's editor
	// (rightsdesk controllers ORG edit) for a register fact, the case's
	// command (work, recipients, notify, extend...) for the case.
	Fix string `json:"fix,omitempty"`
	// Blocking makes the packet a draft.
	Blocking bool `json:"blocking"`
	// Wording is the general wording used instead, when there is one.
	Wording string `json:"wording,omitempty"`
}

// Line is the gap on one line, with where to fill it and an example, for
// stderr and the app: "legal_name: no legal name (fill legal_name, e.g.
// legal_name = ...; rightsdesk controllers crisp edit)".
func (g LetterGap) Line() string {
	var how []string
	if g.TOML != "" {
		how = append(how, "fill "+g.TOML)
	}
	if g.Example != "" {
		how = append(how, "e.g. "+register.OneLine(g.Example))
	}
	if g.Fix != "" && !strings.Contains(g.Text, g.Fix) {
		how = append(how, g.Fix)
	}
	line := g.Field + ": " + g.Text
	if len(how) > 0 {
		line += " (" + strings.Join(how, "; ") + ")"
	}
	return line
}

// facts collects what a letter takes from the register, and the gaps met.
type facts struct {
	reg  *register.Register
	gaps []LetterGap
}

// gap records a gap of the register: it is filled in the register's
// editor, at the field its help names.
func (f *facts) gap(field, text string, blocking bool, wording string) {
	h := f.reg.Help(field)
	f.add(LetterGap{Field: field, TOML: h.TOML, Text: text, Example: h.Example, Fix: f.reg.EditCommand(),
		Blocking: blocking, Wording: wording})
}

// caseGap records a gap of the case, which the command fix fills (field
// is "case", "work", or the register field it is about).
func (f *facts) caseGap(field, text, fix string, blocking bool, wording string) {
	f.add(LetterGap{Field: field, Text: text, Fix: fix, Blocking: blocking, Wording: wording})
}

func (f *facts) add(g LetterGap) {
	for _, h := range f.gaps {
		if h.Field == g.Field && h.Text == g.Text {
			return
		}
	}
	f.gaps = append(f.gaps, g)
}

// missing is the note a register gives for a missing fact.
func missing(p register.Provenance, field string) string {
	if p.Note != "" {
		return field + ": " + p.Note
	}
	return field + ": not in the register"
}

// controllerFacts is who writes the letter.
type controllerFacts struct {
	Name    string // the legal name; the policy's name while it is missing (DRAFT)
	Trading string // the policy's name for the service, when it differs
	Address string
	Contact string // where the subject writes back
	DPO     string
}

// controller reads the controller's identity and contact: every letter
// needs both (the subject must know who answers and how to reply), and the
// law offers no general wording for either.
func (f *facts) controller() controllerFacts {
	r := f.reg
	var c controllerFacts
	switch {
	case r.LegalName.Known() && len(register.Placeholders(r.LegalName.Value)) == 0:
		c.Name = r.LegalName.Value
	default:
		text := missing(r.LegalName.Provenance, "no legal name of the controller")
		if r.LegalName.Known() {
			text = "the controller's legal name is a placeholder: " + r.LegalName.Value
		}
		f.gap("legal_name", text, true, "")
		c.Name = r.DisplayName()
	}
	if r.Name.Known() && r.Name.Value != c.Name {
		c.Trading = r.Name.Value
	}
	if r.Address.Known() {
		c.Address = r.Address.Value
	}
	if r.DPOContact.Known() {
		c.DPO = r.DPOContact.Value
	}
	switch {
	case r.PrivacyContact.Known():
		c.Contact = r.PrivacyContact.Value
	default:
		for i := range r.Contacts {
			k := &r.Contacts[i]
			if k.Value.Known() && k.Use.Value == "requests" {
				c.Contact = k.Value.Value
				break
			}
		}
		if c.Contact == "" {
			f.gap("privacy_contact", missing(r.PrivacyContact.Provenance, "no contact for the subject's reply"), true, "")
		}
	}
	return c
}

// authorityFacts is the supervisory authority a subject may complain to.
type authorityFacts struct {
	Name, Address, Web string
	// General is set when no authority is known: the Art. 77 wording.
	General bool
}

// Art77Wording is the general wording of Art. 77 GDPR, used when the
// register names no competent authority.
const Art77Wording = "the supervisory authority of the EU or EEA member state of your habitual residence, your place of work or the place of the alleged infringement (Art. 77 GDPR)"

func (f *facts) authority() authorityFacts {
	a := &f.reg.Authority
	if !a.Name.Known() {
		f.gap("authority.name", missing(a.Name.Provenance, "no supervisory authority"), false, "Art. 77 general wording")
		return authorityFacts{General: true}
	}
	out := authorityFacts{Name: a.Name.Value}
	if a.Address.Known() {
		out.Address = a.Address.Value
	}
	if a.Web.Known() {
		out.Web = a.Web.Value
	}
	return out
}

// purposeFact is one purpose with its lawful basis.
type purposeFact struct {
	Purpose string
	Basis   string // "Art. 6(1)(b) GDPR: performance of a contract"; "" when missing
}

var basisWording = map[string]string{
	"consent":              "consent, Art. 6(1)(a) GDPR",
	"contract":             "performance of a contract, Art. 6(1)(b) GDPR",
	"legal-obligation":     "a legal obligation, Art. 6(1)(c) GDPR",
	"vital-interests":      "vital interests, Art. 6(1)(d) GDPR",
	"public-task":          "a task in the public interest, Art. 6(1)(e) GDPR",
	"legitimate-interests": "legitimate interests, Art. 6(1)(f) GDPR",
}

// purposes are Art. 15(1)(a): mandatory. A missing lawful basis is shown
// as not stated (Art. 15 asks for purposes, not bases) and listed.
func (f *facts) purposes(found map[string]bool) []purposeFact {
	var out []purposeFact
	any := false
	for i := range f.reg.Purposes {
		p := &f.reg.Purposes[i]
		any = any || p.Purpose.Known()
		if !p.Purpose.Known() || !concerns(p.Categories, found) {
			continue
		}
		pf := purposeFact{Purpose: p.Purpose.Value}
		if p.Basis.Known() {
			pf.Basis = basisWording[p.Basis.Value]
		} else {
			f.gap(fmt.Sprintf("purposes[%d].basis", i), missing(p.Basis.Provenance, "no lawful basis for "+p.Purpose.Value), false, "")
		}
		out = append(out, pf)
	}
	switch {
	case len(out) == 0 && any:
		f.gap("purposes", "no purpose of the register uses the categories of data found (Art. 15(1)(a)): add them to a purpose's categories", true, "")
	case len(out) == 0:
		f.gap("purposes", "no purpose of processing in the register (Art. 15(1)(a))", true, "")
	}
	return out
}

// concerns reports whether a purpose or source of the categories ids
// concerns this subject: it names no category, or data of one of them
// were found.
func concerns(ids []string, found map[string]bool) bool {
	if len(ids) == 0 {
		return true
	}
	return slices.ContainsFunc(ids, func(id string) bool { return found[id] })
}

// recipientFact is a recipient as a letter names it (Art. 15(1)(c), 15(2)).
type recipientFact struct {
	Name     string // "" when the register knows only a category
	Category string
	Purpose  string
	Country  string // "" when not stated
	// Transfer is the Art. 15(2) line: the safeguard, or that no transfer
	// outside the EEA takes place, or that the country is not stated.
	Transfer string
	key      string
}

// Where a recipient's country puts it relative to the EEA.
type placement int

const (
	placeUnknown placement = iota
	placeInside
	placeOutside // at least in part
)

var (
	outsideEEA = lazyRegexp(`(?i)\b(united states|usa|u\.s\.|us|outside|united kingdom|uk|switzerland|canada|india|china|japan|australia|brazil|israel|singapore|new zealand|south korea|philippines|ukraine|serbia|turkey)\b`)
	insideEEA  = lazyRegexp(`(?i)\b(eu|eea|european union|european economic area|austria|belgium|bulgaria|croatia|cyprus|czechia|czech republic|denmark|estonia|finland|france|germany|greece|hungary|ireland|italy|latvia|lithuania|luxembourg|malta|netherlands|poland|portugal|romania|slovakia|slovenia|spain|sweden|iceland|liechtenstein|norway)\b`)
	noneNeeded = lazyRegexp(`(?i)^none needed`)
)

func place(country string) placement {
	switch {
	case outsideEEA().MatchString(country):
		return placeOutside
	case insideEEA().MatchString(country):
		return placeInside
	}
	return placeUnknown
}

// recipientKey is how a case's chosen recipients name a register recipient
// (the recipients command): its name, or its category when it has none.
func recipientKey(r *register.Recipient) string {
	if r.Name.Value != "" {
		return r.Name.Value
	}
	return r.Category.Value
}

// recipients are Art. 15(1)(c) and 15(2) for the recipients this subject's
// data went to: the register's recipients named by keys, in the register's
// order. Names are used where the register has them; a category stands in
// where it has none (Art. 15(1)(c) allows it, PACKETS.md asks for names:
// listed). A transfer outside the EEA needs a valid safeguard; an invalid
// mechanism (the Privacy Shield) is never named. A key the register does
// not list is a blocking gap: its country and safeguard are unknown.
func (f *facts) recipients(keys []string) []recipientFact {
	var out []recipientFact
	for i := range f.reg.Recipients {
		r := &f.reg.Recipients[i]
		key := recipientKey(r)
		if !slices.ContainsFunc(keys, func(c string) bool { return strings.EqualFold(c, key) }) {
			continue
		}
		if rf, ok := f.recipient(i); ok {
			out = append(out, rf)
		}
	}
	for _, c := range keys {
		if !slices.ContainsFunc(out, func(r recipientFact) bool { return strings.EqualFold(r.key, c) }) {
			f.gap("recipients", fmt.Sprintf("the case names the recipient %q, which the register does not list: its country and safeguard are unknown", c), true, "")
		}
	}
	return out
}

// recipient is register recipient i as a letter names it, with the gaps
// of its name, country and safeguard.
func (f *facts) recipient(i int) (recipientFact, bool) {
	r := &f.reg.Recipients[i]
	key := recipientKey(r)
	field := fmt.Sprintf("recipients[%d]", i)
	rf := recipientFact{Category: r.Category.Text(), Purpose: r.Purpose.Text(), Country: r.Country.Text(), key: key}
	if r.Name.Known() {
		rf.Name = r.Name.Value
	} else {
		f.gap(field+".name", missing(r.Name.Provenance, "no name for the recipient "+r.Category.Text()), false, "the category of recipient (Art. 15(1)(c))")
	}
	if rf.Name == "" && rf.Category == "" {
		f.gap(field, "a recipient with neither name nor category", true, "")
		return rf, false
	}
	safeguard := r.Safeguard.Text()
	if name, _, bad := register.InvalidTransferMechanism(safeguard); bad {
		f.gap(field+".safeguard", fmt.Sprintf("the safeguard cites %s, which is not valid: never named in a letter", name), true, "")
		safeguard = ""
	}
	where := place(rf.Country)
	if rf.Country == "" && noneNeeded().MatchString(safeguard) {
		where = placeInside // the register states that no transfer leaves the EEA
	}
	if rf.Country == "" && r.Country.Present() {
		f.gap(field+".country", missing(r.Country.Provenance, "no country for the recipient "+key), false, "")
	}
	switch {
	case where == placeUnknown && r.Kind.Value == "authority" && safeguard == "":
		// A disclosure required by law to a public authority is not a
		// transfer the register could have a safeguard for.
		rf.Transfer = ""
	case where == placeInside && (safeguard == "" || noneNeeded().MatchString(safeguard)):
		rf.Transfer = "no transfer outside the EEA"
	case where == placeInside:
		rf.Transfer = safeguard
	case safeguard == "" || noneNeeded().MatchString(safeguard):
		rf.Transfer = ""
		f.gap(field+".safeguard", fmt.Sprintf("%s: %s is or may be outside the EEA and the register gives no valid safeguard (Art. 15(2))",
			orText(rf.Name, rf.Category), orText(rf.Country, "the country is not stated")), true, "")
	case where == placeUnknown:
		rf.Transfer = "any transfer outside the EEA is made under " + safeguard
	default:
		rf.Transfer = safeguard
	}
	return rf, true
}

func orText(s, alt string) string {
	if s != "" {
		return s
	}
	return alt
}

// retentionFact is one line of Art. 15(1)(d): the data of a system where
// the subject's data were found, and how long they are kept.
type retentionFact struct {
	Data, Period, Why string
	// Missing: the system where data were found has no retention rule;
	// the letter is a draft and says the period is not stated yet.
	Missing bool
}

// sources are Art. 15(1)(g): those of the data found; fromSubject when
// the register names sources, every one of data that were not found.
func (f *facts) sources(found map[string]bool) (out []string, fromSubject bool) {
	named := false
	for i := range f.reg.Sources {
		src := &f.reg.Sources[i]
		named = named || src.Known()
		if src.Known() && concerns(src.Categories, found) {
			out = append(out, src.Value)
		}
	}
	if len(out) == 0 && !named {
		f.gap("sources", "the register does not say where the data come from (Art. 15(1)(g))", true, "")
	}
	return out, len(out) == 0 && named
}

// automated is Art. 15(1)(h): whether automated decision-making takes
// place. Saying "none" when the register does not know would invent a
// fact: a blocking gap.
func (f *facts) automated() string {
	a := &f.reg.AutomatedDecisions
	if !a.Known() {
		f.gap("automated_decisions", missing(a.Provenance, "whether automated decision-making takes place is not known"), true, "")
		return ""
	}
	return a.Value
}
