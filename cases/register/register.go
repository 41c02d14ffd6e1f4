package register

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// The assumption rules. Where a policy is silent, a register may fill a fact
// by one of these documented rules (source = "assumed", rule = "Rn: ..."); the
// DPO confirms it or replaces it (source = "dpo"). Facts of the clock that
// are assumed are copied into Rules.Assumptions and shown in the working.
//
//   - R1 establishment inferred: where the policy ties the organisation to
//     one country (it states the country, "the law of France", names that
//     country's authority as the relevant one), the country of establishment
//     is that country, the zone its legal time, the calendar its public
//     holidays, the authority its supervisory authority (name only: an
//     address or web site the policy does not give stays missing).
//   - R2 EU establishment unknown: EU GDPR applies but nothing says where
//     the organisation is: Europe/Brussels and the Belgian calendar, a
//     neutral Central European default for the clock only.
//   - R3 US address: the only address is in the United States: its zone and
//     the US federal calendar; a Californian address adds us-ca to the
//     regimes the organisation may face (thresholds to confirm).
//   - R4 forwarding deadline: a processor's contract deadline for
//     forwarding a request is not in the policy: 5 working days
//     (DEADLINES.md section 4).
//   - R5 pause: the policy says nothing on suspending the clock: additive
//     within 10 days, the default of DEADLINES.md section 2 (the date
//     without pause is always shown).
//   - R6 case files: data copies purged 6 months after closure, a minimal
//     record kept 3 years (confirm the limitation period).
//   - R7 kept after erasure: data kept to comply with a legal obligation may
//     be kept after an erasure request (Art. 17(3)(b)).
//   - R8 sources: the policy names no other source: the data come from the
//     subject and their use of the service.
//   - R9 language: the policy is written in English: answer in English.
//   - R10 no transfer: a recipient in the EU/EEA needs no Chapter V
//     safeguard.
//   - R11 no promise: the policy promises no period: the statutory deadline
//     alone applies (promise_days = 0).
//   - R12 processor by allocation: the policy names another party as the
//     controller of data the organisation handles for it: the organisation
//     is its processor (Art. 28).
//   - R13 systems every organisation has: e-mail mailboxes (requests and
//     correspondence arrive there), paper files and backups. A register
//     that does not list a system with the id mailboxes, paper or backups
//     gets it, assumed, so that no letter implies a search that left it
//     out; the DPO confirms it (source = "dpo") or records the result
//     none on a case. A register with no system besides these three is a
//     gap: its data map is still to be written.
//   - R14 retention trigger: the policy gives a period but not what it runs
//     from: from the record's own date (collection for data, document-date
//     for a document), the earliest reading, so that no end told to a
//     subject is later than the policy allows.
//
// A retention period that is not a period ("indefinitely", "permanent", a
// range such as "5-10 years", or none at all) is a gap (RetentionGaps): a
// letter naming data under that rule stays a DRAFT until the DPO settles
// it.
//
// Register is what rightsdesk knows about one organisation it answers
// requests for: who it is, which law and clock apply, what it does with
// personal data. Every fact carries its provenance (the policy section it
// comes from, the rule that assumed it, the DPO, or missing), so that the
// letters can use it and the gaps stay visible. Registers are TOML files,
// one per organisation (see cases/registers/ for the five built in).
type Register struct {
	// ID is the organisation's short name, the file's name without .toml.
	ID string `toml:"id" json:"id"`
	// Version is bumped by the DPO on every change; cases record it.
	Version Version `toml:"version" json:"version"`
	// File is where the register was read from.
	File string `toml:"-" json:"file"`
	// Policy identifies the privacy policy the seed facts come from.
	Policy Policy `toml:"policy" json:"policy"`

	// Name is the name the policy uses for the organisation.
	Name Fact[string] `toml:"name" json:"name"`
	// LegalName is the legal entity (the controller's identity, Art. 13(1)(a)).
	LegalName Fact[string] `toml:"legal_name" json:"legal_name"`
	// Address is the legal entity's postal address.
	Address Fact[string] `toml:"address" json:"address"`
	// Country is the country of establishment, ISO 3166-1 alpha-2.
	Country        Fact[string] `toml:"country" json:"country"`
	PrivacyContact Fact[string] `toml:"privacy_contact" json:"privacy_contact"`
	DPOContact     Fact[string] `toml:"dpo_contact" json:"dpo_contact"`
	Authority      Authority    `toml:"authority" json:"authority"`
	Clock          ClockFacts   `toml:"clock" json:"clock"`

	Roles []Role `toml:"roles" json:"roles"`
	// Categories are the categories of personal data, each with an id
	// the systems refer to.
	Categories []Category  `toml:"categories" json:"categories"`
	Purposes   []Purpose   `toml:"purposes" json:"purposes"`
	Recipients []Recipient `toml:"recipients" json:"recipients"`
	// Transfers are the transfer mechanisms the policy cites (SCCs, an
	// adequacy decision...), valid or not; an invalid one is a flag.
	Transfers []ListFact  `toml:"transfers" json:"transfers"`
	Retention []Retention `toml:"retention" json:"retention"`
	// Systems are the data map: every place where the organisation holds
	// personal data (WORK.md, "Systems"), the assumed ones of R13
	// included. A case's work list is taken from them.
	Systems []System `toml:"systems" json:"systems"`
	// Sources are where data not collected from the subject come from
	// (Art. 14(2)(f), 15(1)(g)).
	Sources            []SourceFact `toml:"sources" json:"sources"`
	AutomatedDecisions Fact[string] `toml:"automated_decisions" json:"automated_decisions"`
	// Rights are the rights the policy offers, as right slugs.
	Rights    []ListFact `toml:"rights" json:"rights"`
	Contacts  []Contact  `toml:"contacts" json:"contacts"`
	CaseFiles CaseFiles  `toml:"case_files" json:"case_files"`
	// Languages the organisation answers in (ISO 639-1).
	Languages []ListFact `toml:"languages" json:"languages"`
	// Findings are problems of the policy the DPO must see (placeholders,
	// inconsistencies); computed flags are added by Gaps.
	Findings []Finding `toml:"findings" json:"findings"`
	// Approval names the conditions under which a letter needs approval
	// before it leaves (WORK.md, "Approval"): a top-level list of
	// refusal, discretionary, partial, data-copy, final and
	// extension-notice, such as approval = ["refusal", "discretionary"].
	// Absent or empty: none, the default of personal mode (the team
	// mode's default, refusal and discretionary, comes with the team
	// server). It is a setting of the DPO, not a fact of the policy, so
	// it carries no provenance. A case freezes it with its rules; send
	// applies the case's list together with the register's current one.
	Approval []string `toml:"approval" json:"approval,omitempty"`
	// Code is the organisation's code in the case IDs a team server gives
	// (TRUST.md: DSR-CRISP-2026-000042, numbered per organisation), a
	// top-level line such as code = "CRISP": one to twelve capital letters
	// or digits. Absent, the register ID in capitals (CaseCode). Like
	// approval, a setting of the DPO with no provenance. A case keeps the
	// ID it was given when the code changes.
	Code string `toml:"code" json:"code,omitempty"`

	data []byte
}

// codePattern is what a register's code may be.
var codePattern = lazyRegexp(`^[A-Z0-9]{1,12}$`)

// CaseCode is the organisation's code in per-organisation case IDs: its
// code, or DefaultCode of its ID.
func (r *Register) CaseCode() string {
	if r.Code != "" {
		return r.Code
	}
	return DefaultCode(r.ID)
}

// DefaultCode is the code of an organisation whose register names none (or
// that has no register): its ID in capitals without hyphens, at most
// twelve characters ("crmsoftware" gives CRMSOFTWARE); "X" for an ID with
// no letter or digit.
func DefaultCode(id string) string {
	code := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return -1
	}, id)
	if len(code) > 12 {
		code = code[:12]
	}
	if code == "" {
		return "X"
	}
	return code
}

// Policy identifies the privacy policy a register was derived from.
type Policy struct {
	// File is the policy text's file name in the seeds folder.
	File        string       `toml:"file" json:"file"`
	Title       string       `toml:"title" json:"title"`
	LastUpdated Fact[string] `toml:"last_updated" json:"last_updated"`
}

// Authority is the supervisory authority competent for the organisation.
type Authority struct {
	Name    Fact[string] `toml:"name" json:"name"`
	Address Fact[string] `toml:"address" json:"address"`
	Web     Fact[string] `toml:"web" json:"web"`
}

// ClockFacts are what the deadline engine needs (DEADLINES.md): they become
// a case's frozen Rules through Register.Rules.
type ClockFacts struct {
	// Regime is the default regime of a case (a slug of RegimeNames).
	Regime Fact[string] `toml:"regime" json:"regime"`
	// OtherRegimes are the further regimes the organisation may face (a US
	// company with EU users...).
	OtherRegimes []Fact[string] `toml:"other_regimes" json:"other_regimes,omitempty"`
	Zone         Fact[string]   `toml:"zone" json:"zone"`
	Calendar     Fact[string]   `toml:"calendar" json:"calendar"`
	// ExtraHolidays are one-off non-working days (YYYY-MM-DD).
	ExtraHolidays []Fact[string] `toml:"extra_holidays" json:"extra_holidays,omitempty"`
	// PromiseDays is the policy's own promise in calendar days; 0 is none.
	PromiseDays Fact[int]    `toml:"promise_days" json:"promise_days"`
	Pause       Fact[string] `toml:"pause" json:"pause"`
	// Optional settings; absent means the documented default of Rules.
	PauseWindowDays     Fact[int] `toml:"pause_window_days" json:"pause_window_days"`
	ActByWorkingDays    Fact[int] `toml:"act_by_working_days" json:"act_by_working_days"`
	ComplaintTargetDays Fact[int] `toml:"complaint_target_days" json:"complaint_target_days"`
	IdentityWaitDays    Fact[int] `toml:"identity_wait_days" json:"identity_wait_days"`
	// BackdateHours is how far back an event may be dated without saying
	// why it is recorded late (Rules.BackdateHours).
	BackdateHours Fact[int] `toml:"backdate_hours" json:"backdate_hours"`
}

// ListFact is one entry of a list of plain facts (a data category, a
// source, a right, a language, a transfer mechanism).
type ListFact = Fact[string]

// Role is the organisation's role for one kind of data: controller, or
// processor for another controller, to whom requests are forwarded.
type Role struct {
	Provenance
	Data Fact[string] `toml:"data" json:"data"`
	// Role is "controller" or "processor".
	Role Fact[string] `toml:"role" json:"role"`
	// Controller is, for a processor, whose data they are.
	Controller Fact[string] `toml:"controller" json:"controller"`
	// ForwardWorkingDays is, for a processor, the contract's deadline for
	// forwarding a request to the controller.
	ForwardWorkingDays Fact[int] `toml:"forward_working_days" json:"forward_working_days"`
}

// Category is a category of personal data, named as a subject reads it
// in a letter (Art. 15(1)(b)): never with wording meant for the DPO.
type Category struct {
	Provenance
	// ID is a slug unique among the categories; systems refer to it.
	ID   string       `toml:"id" json:"id"`
	Name Fact[string] `toml:"name" json:"name"`
}

// Purpose is a purpose of processing with its lawful basis.
type Purpose struct {
	Provenance
	// ID is a slug unique among the purposes: the work item of an
	// objection or a withdrawal of consent. Absent, it is made from the
	// purpose (cases.SlugOf).
	ID      string       `toml:"id" json:"id,omitempty"`
	Purpose Fact[string] `toml:"purpose" json:"purpose"`
	// Basis is a lawful basis slug of Art. 6(1) (LawfulBases).
	Basis Fact[string] `toml:"basis" json:"basis"`
	// DirectMarketing marks a purpose that is direct marketing: an
	// objection stops it with no balancing (Art. 21(3)).
	DirectMarketing bool `toml:"direct_marketing" json:"direct_marketing,omitempty"`
	// Categories are the ids of the categories of data the purpose uses:
	// an access letter states it (Art. 15(1)(a)) only when data of one of
	// them were found. Absent, the purpose concerns every subject and is
	// always stated.
	Categories []string `toml:"categories" json:"categories,omitempty"`
}

// SourceFact is a source of data not collected from the subject (Art.
// 15(1)(g)): a fact, with the categories of data that come from it. An
// access letter states it only when data of one of them were found;
// without categories it is always stated. In TOML:
//
//	[[sources]]
//	value = "Stripe, for payment data"
//	categories = ["payment"]
//	source = "seed"
type SourceFact struct {
	ListFact
	Categories []string
}

// UnmarshalTOML reads the fact's table, categories apart.
func (f *SourceFact) UnmarshalTOML(data any) error {
	f.Categories = nil
	if table, ok := data.(map[string]any); ok {
		if raw, ok := table["categories"]; ok {
			rest := make(map[string]any, len(table))
			for k, v := range table {
				if k != "categories" {
					rest[k] = v
				}
			}
			data = rest
			list, ok := raw.([]any)
			for _, v := range list {
				s, isString := v.(string)
				if !isString {
					ok = false
					break
				}
				f.Categories = append(f.Categories, s)
			}
			if err := f.ListFact.UnmarshalTOML(data); err != nil {
				return err
			}
			if !ok && f.err == nil {
				f.err = errors.New("categories must be a list of category ids")
			}
			return nil
		}
	}
	return f.ListFact.UnmarshalTOML(data)
}

// MarshalJSON writes the fact as Fact does, with its categories.
func (f SourceFact) MarshalJSON() ([]byte, error) {
	fact, err := f.ListFact.MarshalJSON()
	if err != nil || len(f.Categories) == 0 {
		return fact, err
	}
	cats, err := json.Marshal(f.Categories)
	if err != nil {
		return nil, err
	}
	out := fact[:len(fact)-1] // the fact's object, open
	if len(out) > 1 {
		out = append(out, ',')
	}
	return append(append(append(out, `"categories":`...), cats...), '}'), nil
}

// Recipient is a recipient of personal data: a named processor or third
// party, or a category where the policy names none.
type Recipient struct {
	Provenance
	// Kind is "processor", "third-party" or "authority".
	Kind      Fact[string] `toml:"kind" json:"kind"`
	Name      Fact[string] `toml:"name" json:"name"`
	Category  Fact[string] `toml:"category" json:"category"`
	Purpose   Fact[string] `toml:"purpose" json:"purpose"`
	Country   Fact[string] `toml:"country" json:"country"`
	Safeguard Fact[string] `toml:"safeguard" json:"safeguard"`
}

// Retention is how long one kind of data is kept, from what, and why.
type Retention struct {
	Provenance
	// ID is a slug unique among the retention rules; systems refer to it.
	ID     string       `toml:"id" json:"id"`
	Data   Fact[string] `toml:"data" json:"data"`
	Period Fact[string] `toml:"period" json:"period"`
	// Length is the period in a form the engine can add to a date: "7y",
	// "90d", "12m"; absent where the policy gives no fixed length.
	Length Fact[string] `toml:"length" json:"length"`
	// From is what the period runs from (cases.RetentionTriggers).
	From Fact[string] `toml:"from" json:"from"`
	// Law is the law that requires the keeping, where one does.
	Law Fact[string] `toml:"law" json:"law"`
	Why Fact[string] `toml:"why" json:"why"`
	// ErasureException is the Art. 17(3) ground (a ground slug such as
	// art17-3-b) that lets the data be kept after an erasure request.
	ErasureException Fact[string] `toml:"erasure_exception" json:"erasure_exception"`
}

// Contact is a route through which requests or questions reach the
// organisation.
type Contact struct {
	Provenance
	// Kind is email, web, post or phone.
	Kind  Fact[string] `toml:"kind" json:"kind"`
	Value Fact[string] `toml:"value" json:"value"`
	// Use is what the route is for: requests, questions or dpa.
	Use Fact[string] `toml:"use" json:"use"`
}

// CaseFiles is how long rightsdesk keeps the organisation's case files
// (PRODUCT.md, "Let go").
type CaseFiles struct {
	PurgeCopiesMonths Fact[int] `toml:"purge_copies_months" json:"purge_copies_months"`
	KeepRecordYears   Fact[int] `toml:"keep_record_years" json:"keep_record_years"`
}

// Finding is a problem of the policy the DPO must see: a placeholder, an
// inconsistency, an address that looks like a sample. Each counts as a gap.
type Finding struct {
	Provenance
	Kind Fact[string] `toml:"kind" json:"kind"`
	Text Fact[string] `toml:"text" json:"text"`
}

// LawfulBases are the slugs of the Art. 6(1) lawful bases.
var LawfulBases = []string{"consent", "contract", "legal-obligation", "vital-interests", "public-task",
	"legitimate-interests"}

// The vocabularies of register fields.
var (
	roleKinds      = []string{"controller", "processor"}
	recipientKinds = []string{"processor", "third-party", "authority"}
	contactKinds   = []string{"email", "web", "post", "phone"}
	contactUses    = []string{"requests", "questions", "dpa"}
	findingKinds   = []string{"placeholder", "inconsistency", "unverified", "postal-route",
		"invalid-transfer-mechanism", "unreachable"}
)

//go:embed registers/*.toml
var embedded embed.FS

// Layer is one folder of register files; registers of a later layer
// replace those of an earlier one with the same id.
type Layer struct {
	// Name is shown in errors as the folder of the file: its path, or
	// "embedded".
	Name string
	FS   fs.FS
}

// Embedded is the layer of the registers built into the binary.
func Embedded() Layer {
	sub, err := fs.Sub(embedded, "registers")
	if err != nil { // the pattern is fixed at build time
		panic(err)
	}
	return Layer{Name: "embedded", FS: sub}
}

// Registers are the registers of every organisation, by id.
type Registers struct {
	byID map[string]*Register
}

// LoadRegisters reads every *.toml file of each layer in order; a later
// layer's register replaces an earlier one with the same id (embedded
// first, then the user's configuration folder, then --registers). A layer
// whose folder does not exist is skipped. The first invalid file stops the
// load with an error "FILE:LINE: field: reason" (a *RegisterError).
func LoadRegisters(layers ...Layer) (*Registers, error) {
	rs := &Registers{byID: map[string]*Register{}}
	for _, l := range layers {
		entries, err := fs.ReadDir(l.FS, ".")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read registers in %s: %w", l.Name, err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".toml") {
				continue
			}
			data, err := fs.ReadFile(l.FS, e.Name())
			if err != nil {
				return nil, fmt.Errorf("read register %s: %w", layerPath(l.Name, e.Name()), err)
			}
			r, err := ParseRegister(layerPath(l.Name, e.Name()), data)
			if err != nil {
				return nil, err
			}
			rs.byID[r.ID] = r
		}
	}
	return rs, nil
}

func layerPath(layer, name string) string {
	if layer == "embedded" {
		return "embedded:" + name
	}
	return path.Join(strings.ReplaceAll(layer, `\`, "/"), name)
}

// Get returns the register of the organisation id.
func (rs *Registers) Get(id string) (*Register, error) {
	r, ok := rs.byID[id]
	if !ok {
		return nil, fmt.Errorf("unknown organisation %q (known: %s)", id, strings.Join(rs.IDs(), ", "))
	}
	return r, nil
}

// IDs lists the organisations' ids, sorted.
func (rs *Registers) IDs() []string {
	ids := make([]string, 0, len(rs.byID))
	for id := range rs.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// All returns every register, sorted by id.
func (rs *Registers) All() []*Register {
	out := make([]*Register, 0, len(rs.byID))
	for _, id := range rs.IDs() {
		out = append(out, rs.byID[id])
	}
	return out
}

var idPattern = lazyRegexp(`^[a-z0-9][a-z0-9-]{0,39}$`)

// ParseRegister reads and validates one register file; file is the name
// errors show, and its base name without .toml must be the register's id.
func ParseRegister(file string, data []byte) (*Register, error) {
	r := &Register{File: file, data: data}
	md, err := toml.Decode(string(data), r)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			field := pe.LastKey
			if field == "" {
				field = "syntax"
			}
			return nil, &RegisterError{File: file, Line: pe.Position.Line, Field: field,
				Reason: pe.Message}
		}
		return nil, &RegisterError{File: file, Line: 1, Field: "syntax", Reason: err.Error()}
	}
	if err := r.validate(md); err != nil {
		return nil, err
	}
	r.addAssumedSystems()
	return r, nil
}

// Source is the register's TOML text as read, for a DPO who wants to copy
// it into an override file.
func (r *Register) Source() []byte { return r.data }

// DisplayName is the legal name when known, otherwise the policy's name
// for the organisation, otherwise its id.
func (r *Register) DisplayName() string {
	if r.LegalName.Known() {
		return r.LegalName.Value
	}
	if r.Name.Known() {
		return r.Name.Value
	}
	return r.ID
}

// RegisterError is an invalid register file: the file, the line (1-based)
// and the field at fault, and why.
type RegisterError struct {
	File   string
	Line   int
	Field  string
	Reason string
}

// Error formats the problem as FILE:LINE: field: reason.
func (e *RegisterError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Reason)
}

// RecipientNames are the register's recipients as a case names them (the
// recipients and notify actions): each by name, else by category, once.
func (r *Register) RecipientNames() []string {
	var names []string
	for _, x := range r.Recipients {
		name := x.Name.Value
		if name == "" {
			name = x.Category.Value
		}
		if name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// lazyRegexp is a pattern compiled on its first use. The counted
// repetitions of idPattern ({0,39}) and placeholderPattern ({1,80})
// compile to 82 KB of program, and every rightsdesk process ran their
// package init, `list` and `note` too, which never read a register.
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
