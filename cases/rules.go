package cases

import (
	"fmt"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // the binary runs on hosts without a zoneinfo database
)

// PauseSetting is the register's interpretation of the EU suspension
// (DEADLINES.md section 2).
type PauseSetting string

// The pause settings.
const (
	// PauseAdditive adds the days spent waiting for identity or clarification
	// asked within the pause window to the deadlines.
	PauseAdditive PauseSetting = "additive"
	// PauseNone never stops the clock (conservative).
	PauseNone PauseSetting = "none"
)

// Defaults for rules a register does not set (DEADLINES.md).
const (
	DefaultPauseWindowDays     = 10
	DefaultActByWorkingDays    = 2
	DefaultForwardWorkingDays  = 5
	DefaultComplaintTargetDays = 30
	DefaultIdentityWaitDays    = 30
	DefaultBackdateHours       = 24
)

// Rules are the rules a case is judged by, copied from its organisation's
// register at intake ("frozen rules", DEADLINES.md section 1). Later edits of
// the register do not change them; only a recorded re-baseline does.
type Rules struct {
	Regime        string       `json:"regime"`
	Zone          string       `json:"tz"`
	Calendar      string       `json:"calendar"`
	ExtraHolidays []Date       `json:"extra_holidays,omitempty"`
	PromiseDays   int          `json:"promise_days,omitempty"` // 0: no promise
	Pause         PauseSetting `json:"pause"`
	// PauseWindowDays: an EU pause counts only when identity or clarification
	// was asked within this many calendar days of receipt.
	PauseWindowDays int `json:"pause_window_days"`
	// ActByWorkingDays: when a withdrawal of consent or an objection to direct
	// marketing must have stopped the processing.
	ActByWorkingDays int `json:"act_by_working_days"`
	// ForwardWorkingDays: a processor's contractual forwarding deadline.
	ForwardWorkingDays int `json:"forward_working_days"`
	// ComplaintTargetDays: the internal target for complaints, which have no
	// statutory deadline under the GDPR.
	ComplaintTargetDays int `json:"complaint_target_days"`
	// IdentityWaitDays: how long a subject has to answer an identity
	// request before a refusal may rest on identity not being established
	// (0: DefaultIdentityWaitDays, one month in days, as long as the
	// controller has to answer). Read it with IdentityWait.
	IdentityWaitDays int `json:"identity_wait_days,omitempty"`
	// BackdateHours: an event whose time is more than this many hours
	// before it is recorded needs the reason it is late (0: the default,
	// 24). Read it with Backdate.
	BackdateHours int `json:"backdate_hours,omitempty"`
	// EarliestClock: the zone or calendar is an assumption, so the engine
	// takes, among the seat's zone and calendar and Europe/Brussels with
	// weekends only, the one giving the earliest date (WORK.md; the DPO
	// may set another in the register).
	EarliestClock bool `json:"earliest_clock,omitempty"`
	// Systems and Purposes are the register's data map and purposes: the
	// work list of a case is taken from them (WorkList).
	Systems  []System      `json:"systems,omitempty"`
	Purposes []PurposeItem `json:"purposes,omitempty"`
	// Assumptions explain facts the policy did not state ("zone assumed:
	// Europe/Paris, not stated in the policy"); they are shown in the working.
	Assumptions []string `json:"assumptions,omitempty"`
	// Approval are the conditions under which a letter needs approval
	// before it leaves (WORK.md, "Approval"), as the register said when
	// the rules were frozen; send applies them together with the
	// register's current ones. Empty: none (personal mode's default).
	Approval []ApprovalCondition `json:"approval,omitempty"`
	// Source names where the rules were copied from (register and version).
	Source string `json:"source,omitempty"`
}

// WithDefaults fills the settings left at zero with the documented defaults.
func (r Rules) WithDefaults() Rules {
	if r.Pause == "" {
		r.Pause = PauseAdditive
	}
	if r.PauseWindowDays == 0 {
		r.PauseWindowDays = DefaultPauseWindowDays
	}
	if r.ActByWorkingDays == 0 {
		r.ActByWorkingDays = DefaultActByWorkingDays
	}
	if r.ForwardWorkingDays == 0 {
		r.ForwardWorkingDays = DefaultForwardWorkingDays
	}
	if r.ComplaintTargetDays == 0 {
		r.ComplaintTargetDays = DefaultComplaintTargetDays
	}
	return r
}

// Validate checks that the regime, zone and calendar exist and the settings
// are in range.
func (r Rules) Validate() error {
	if _, err := LookupRegime(r.Regime); err != nil {
		return err
	}
	if _, err := LoadZone(r.Zone); err != nil {
		return err
	}
	if _, err := LookupCalendar(r.Calendar); err != nil {
		return err
	}
	if !slices.Contains([]PauseSetting{PauseAdditive, PauseNone, ""}, r.Pause) {
		return fmt.Errorf("unknown pause setting %q (one of: additive, none)", r.Pause)
	}
	for _, c := range r.Approval {
		if _, err := ParseApprovalCondition(string(c)); err != nil {
			return err
		}
	}
	// In the order of the fields, so that of two out of range the same
	// one is named each time (a map, before, named either), and without
	// making a map for each of the deadline engine's many calls.
	for _, f := range [...]struct {
		name string
		v    int
	}{{"promise_days", r.PromiseDays}, {"pause_window_days", r.PauseWindowDays},
		{"act_by_working_days", r.ActByWorkingDays}, {"forward_working_days", r.ForwardWorkingDays},
		{"complaint_target_days", r.ComplaintTargetDays}, {"identity_wait_days", r.IdentityWaitDays},
		{"backdate_hours", r.BackdateHours}} {
		if f.v < 0 || f.v > 366 {
			return fmt.Errorf("%s must be between 0 and 366, not %d", f.name, f.v)
		}
	}
	return nil
}

// Backdate is how far back an event may be dated without saying why.
func (r Rules) Backdate() time.Duration {
	if r.BackdateHours == 0 {
		return DefaultBackdateHours * time.Hour
	}
	return time.Duration(r.BackdateHours) * time.Hour
}

// IdentityWait is the days a subject has to answer an identity request.
func (r Rules) IdentityWait() int {
	if r.IdentityWaitDays == 0 {
		return DefaultIdentityWaitDays
	}
	return r.IdentityWaitDays
}

var zoneCache sync.Map // name -> *time.Location

// LoadZone returns the IANA time zone with the given name, cached: loading a
// zone parses the embedded database, which is too slow to do per case.
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("time zone must be an IANA name such as Europe/Berlin, not %q", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as Europe/Berlin", name)
	}
	zoneCache.Store(name, loc)
	return loc, nil
}
