package cases

import (
	"fmt"
	"sort"
	"strings"
)

// Unit is what a regime's period is counted in.
type Unit string

// The units a regime can count in.
const (
	UnitMonths       Unit = "months"
	UnitCalendarDays Unit = "calendar-days"
	UnitWorkingDays  Unit = "working-days"
)

// PauseModel is how a regime lets the controller's questions affect the
// clock.
type PauseModel string

// The pause models of DEADLINES.md.
const (
	// PauseNever: the clock runs whatever the controller asks.
	PauseNever PauseModel = "never"
	// PauseEUSuspension: EDPB Guidelines 01/2022; whether and how it applies is
	// the register's pause setting (additive or none) and window.
	PauseEUSuspension PauseModel = "eu-suspension"
	// PauseUKRestart: UK GDPR Art. 12A; the period runs from the relevant
	// time, and access clarifications pause it.
	PauseUKRestart PauseModel = "uk-restart"
)

// Regime is one row of the regimes table of DEADLINES.md section 5: how a
// law counts the time to answer. Regimes are data, so adding a law is adding
// a row.
type Regime struct {
	Name  string
	Title string
	// Unit and Length: the base period (1 month, 45 calendar days...). A
	// working-days regime with Length 0 takes its length from the register
	// (the forwarding deadline of a processor's contracts).
	Unit   Unit
	Length int
	// Roll moves a last day that is not a working day to the next working day.
	Roll bool
	// ExtendedLength is the whole extended period counted from receipt (3
	// months, 90 days); 0 means the regime has no extension.
	ExtendedLength int
	// ExtensionNamesDate: the extension has no fixed length; the notice must
	// name the new date (Swiss FADP).
	ExtensionNamesDate bool
	// Pause is how requests for identity or clarification affect the clock.
	Pause PauseModel
	// AcknowledgeWorkingDays: a statutory acknowledgement, in working days
	// after receipt (CCPA: 10 business days); 0 when none.
	AcknowledgeWorkingDays int
	// ComplaintAcknowledgeDays: complaints to the organisation must be
	// acknowledged within this many days beginning with the day of receipt
	// (UK: 30); 0 when none.
	ComplaintAcknowledgeDays int
	// Notes are added to the working of every case under the regime.
	Notes []string
}

// HasExtension reports whether the regime allows extending the period.
func (r *Regime) HasExtension() bool { return r.ExtendedLength > 0 || r.ExtensionNamesDate }

// Forwards reports whether the regime's deadline is for forwarding the
// request to the controller whose data they are, not for answering it: a
// working-days period from the register (processor-forward). Its clock
// stops only when the forwarding is recorded.
func (r *Regime) Forwards() bool { return r.Unit == UnitWorkingDays }

// period describes n units in words ("one month", "45 calendar days").
func (r *Regime) period(n int) string {
	switch r.Unit {
	case UnitMonths:
		if n == 1 {
			return "one month"
		}
		return fmt.Sprintf("%d months", n)
	case UnitWorkingDays:
		return Plural(n, "working day")
	}
	return Plural(n, "calendar day")
}

var regimes = map[string]*Regime{
	"eu-gdpr": {Name: "eu-gdpr", Title: "EU GDPR Art. 12(3)", Unit: UnitMonths, Length: 1, Roll: true,
		ExtendedLength: 3, Pause: PauseEUSuspension},
	"uk-gdpr": {Name: "uk-gdpr", Title: "UK GDPR Art. 12(3) and 12A", Unit: UnitMonths, Length: 1, Roll: true,
		ExtendedLength: 3, Pause: PauseUKRestart, ComplaintAcknowledgeDays: 30},
	"us-ca": {Name: "us-ca", Title: "CCPA/CPRA (Cal. Civ. Code 1798.130; 11 CCR 7021)", Unit: UnitCalendarDays,
		Length: 45, ExtendedLength: 90, Pause: PauseNever, AcknowledgeWorkingDays: 10,
		Notes: []string{"CCPA: the 45 days run during verification; the clock does not stop"}},
	"us-va": {Name: "us-va", Title: "Virginia CDPA and similar state laws", Unit: UnitCalendarDays,
		Length: 45, ExtendedLength: 90, Pause: PauseNever},
	"br-lgpd": {Name: "br-lgpd", Title: "LGPD Art. 19(II)", Unit: UnitCalendarDays, Length: 15, Roll: true,
		Pause: PauseNever},
	"ch-fadp": {Name: "ch-fadp", Title: "Swiss FADP Art. 25 and DPO Art. 18", Unit: UnitCalendarDays, Length: 30,
		ExtensionNamesDate: true, Pause: PauseNever,
		Notes: []string{"FADP: an extension must be announced within the 30 days and name the new date"}},
	"ca-qc": {Name: "ca-qc", Title: "Quebec Private Sector Act s. 32", Unit: UnitCalendarDays, Length: 30,
		Pause: PauseNever,
		Notes: []string{"Quebec: no answer within 30 days counts as a refusal"}},
	"ca-pipeda": {Name: "ca-pipeda", Title: "PIPEDA s. 8(3)-(4)", Unit: UnitCalendarDays, Length: 30,
		ExtendedLength: 60, Pause: PauseNever},
	"processor-forward": {Name: "processor-forward", Title: "processor: forward to the controller (Art. 28(3)(e))",
		Unit: UnitWorkingDays, Length: 0, Pause: PauseNever},
}

// RegimeNames lists the known regimes, sorted.
func RegimeNames() []string {
	names := make([]string, 0, len(regimes))
	for n := range regimes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupRegime returns the regime with the given name.
func LookupRegime(name string) (*Regime, error) {
	r, ok := regimes[name]
	if !ok {
		return nil, fmt.Errorf("unknown regime %q (known: %s)", name, strings.Join(RegimeNames(), ", "))
	}
	return r, nil
}
