package cases

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// EngineVersion changes whenever the engine could compute a different date
// for the same input, so that stored indexes computed with an older engine
// are rebuilt.
const EngineVersion = 2

// ClockState is whether the time to answer is running.
type ClockState string

// The clock states of CLI.md.
const (
	ClockRunning         ClockState = "running"
	ClockPaused          ClockState = "paused"
	ClockAwaitingRestart ClockState = "awaiting-restart"
	ClockStopped         ClockState = "stopped"
)

// ClockEventKind is an event that can move a deadline.
type ClockEventKind string

// The events of the calculator (DEADLINES.md section 8), plus the closing,
// reopening and restarting of a case.
const (
	ClockIDRequested            ClockEventKind = "id-requested"
	ClockIDReceived             ClockEventKind = "id-received"
	ClockClarificationRequested ClockEventKind = "clarification-requested"
	ClockClarificationReceived  ClockEventKind = "clarification-received"
	ClockAuthorityRequested     ClockEventKind = "authority-requested"
	ClockAuthorityReceived      ClockEventKind = "authority-received"
	ClockFeeRequested           ClockEventKind = "fee-requested"
	ClockFeePaid                ClockEventKind = "fee-paid"
	ClockExtensionNotified      ClockEventKind = "extension-notified"
	ClockClosed                 ClockEventKind = "closed"
	ClockReopened               ClockEventKind = "reopened"
	// ClockRestarted: the case was reopened for new information and its
	// period starts again from that day.
	ClockRestarted ClockEventKind = "restarted"
	// ClockForwarded: the request was passed to the controller whose data
	// they are; under a forwarding regime only this stops the clock.
	ClockForwarded ClockEventKind = "forwarded"
)

// CalculatorEvents are the event names the deadline calculator accepts.
var CalculatorEvents = []ClockEventKind{ClockIDRequested, ClockIDReceived, ClockClarificationRequested,
	ClockClarificationReceived, ClockAuthorityRequested, ClockAuthorityReceived, ClockFeeRequested,
	ClockFeePaid, ClockExtensionNotified, ClockForwarded}

// awaited pairs each request with the event that answers it.
var awaited = map[ClockEventKind]ClockEventKind{
	ClockIDReceived:            ClockIDRequested,
	ClockClarificationReceived: ClockClarificationRequested,
	ClockAuthorityReceived:     ClockAuthorityRequested,
	ClockFeePaid:               ClockFeeRequested,
}

var requestWords = map[ClockEventKind]string{
	ClockIDRequested:            "identity information requested",
	ClockClarificationRequested: "clarification requested",
	ClockAuthorityRequested:     "proof of authority requested",
	ClockFeeRequested:           "fee requested",
}

// ClockEvent is something that happened to a case that can move its clock.
type ClockEvent struct {
	Kind ClockEventKind
	// At is when it happened; only its date in the legal zone matters.
	At time.Time
}

// Input is everything the engine needs to compute a case's deadlines.
type Input struct {
	Rules      Rules
	Right      Right
	ReceivedAt time.Time
	// Events in the order they were recorded; the engine orders them by date,
	// keeping that order within one day.
	Events []ClockEvent
	// Today is the current date in the legal zone: an open pause counts up to
	// it. Zero means the receipt date.
	Today Date
	// Now, when set, is the current instant and replaces Today: its date is
	// taken in the zone of each clock compared (Rules.EarliestClock), which
	// Today, a date in one zone, cannot give.
	Now time.Time
	// ExtendedUntil is the new date an extension notice named, for regimes
	// whose extension has no fixed length (Swiss FADP).
	ExtendedUntil Date
	// Brief skips writing the working, for callers that need only the dates
	// of many cases (the queue); the dates are the same.
	Brief bool
}

// Deadlines are every date of a case, with the working that produced them.
// The JSON field names are the contract of CLI.md and DEADLINES.md.
type Deadlines struct {
	Regime            string     `json:"regime"`
	Zone              string     `json:"tz"`
	Calendar          string     `json:"calendar"`
	ReceiptDate       Date       `json:"receipt_date"`
	Due               *Date      `json:"due"`
	DueAt             *time.Time `json:"due_at"`
	BaseDue           *Date      `json:"base_due"`
	ExtendedDue       *Date      `json:"extended_due"`
	ExtensionNoticeBy *Date      `json:"extension_notice_by"`
	ExtensionValid    *bool      `json:"extension_valid"`
	RefusalBy         *Date      `json:"refusal_by"`
	PromiseDue        *Date      `json:"promise_due"`
	// TargetDue is the internal target where no statute sets a deadline
	// (complaints under the GDPR) and the organisation promises nothing.
	TargetDue      *Date      `json:"target_due"`
	EffectiveDue   *Date      `json:"effective_due"`
	EffectiveDueAt *time.Time `json:"effective_due_at"`
	AcknowledgeBy  *Date      `json:"acknowledge_by"`
	ActBy          *Date      `json:"act_by"`
	Clock          ClockState `json:"clock"`
	// ClockSince is when the clock entered its state (paused or awaiting
	// since, stopped since); null while it runs from the start date.
	ClockSince  *Date  `json:"clock_since"`
	ClockReason string `json:"clock_reason,omitempty"`
	// StartDate is the date the period runs from: the receipt date, or under
	// the UK GDPR the relevant time.
	StartDate Date `json:"start_date"`
	// PausedDays is how many days pauses added; DueWithoutPause is the
	// deadline in force as if there had been none.
	PausedDays      int   `json:"paused_days"`
	DueWithoutPause *Date `json:"due_without_pause"`
	// ForwardedOn is, under a forwarding regime, the day the request was
	// forwarded: what stops its clock and what its timeliness is judged by.
	ForwardedOn *Date    `json:"forwarded_on,omitempty"`
	Steps       []string `json:"steps"`
	Warnings    []string `json:"warnings,omitempty"`

	// countsToday is set when a wait still open counts up to today: the
	// dates move with the day they are computed on. Without one, they
	// are the same on any later day (Folding keeps them), though not on
	// an earlier one (before the close that ended a wait).
	countsToday bool
}

// Forwards reports whether these are the deadlines of a forwarding regime
// (processor-forward): the duty is to forward the request, and it is met on
// ForwardedOn, not by a letter to the requester.
func (d *Deadlines) Forwards() bool {
	r, ok := regimes[d.Regime]
	return ok && r.Forwards()
}

// interval is a stretch of waiting for an answer, both days included.
type interval struct {
	kind     ClockEventKind
	from, to Date
	open     bool
}

// engine holds the state of one computation.
type engine struct {
	in     Input
	rules  Rules
	regime *Regime
	loc    *time.Location
	cal    *Calendar
	out    *Deadlines
	quiet  bool // computing a variant whose working is not shown
	brief  bool // no working at all
}

// UKArt12AInForce is the day UK GDPR Art. 12A (the Data (Use and Access)
// Act 2025) came into force; before it, the ICO's guidance said the same.
var UKArt12AInForce = NewDate(2026, 2, 5)

// UKBeforeArt12A reports whether a UK request received on that date is
// judged under the ICO's earlier guidance rather than Art. 12A: what a
// text about it must cite.
func UKBeforeArt12A(receipt Date) bool { return receipt.Before(UKArt12AInForce) }

// ukRule names what the UK restart rule rests on for this case: Art. 12A,
// or for a request received before it was in force the ICO's guidance of
// the time, which gives the same dates and is the one cited.
func (e *engine) ukRule() string {
	if UKBeforeArt12A(e.out.ReceiptDate) {
		return "the ICO's guidance in force when it was received"
	}
	return "Art. 12A"
}

func (e *engine) step(format string, args ...any) {
	if !e.working() {
		return
	}
	e.out.Steps = append(e.out.Steps, fmt.Sprintf(format, args...))
}

// working reports whether the working is written: when it is not, the
// hot paths skip formatting the words of their steps, not only keeping
// them (a demo or the queue computes millions of dates).
func (e *engine) working() bool { return !e.quiet && !e.brief }

func (e *engine) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.out.Warnings = append(e.out.Warnings, msg)
	e.step("WARNING: %s", msg)
}

// Compute derives every deadline of a case from its rules, receipt and
// clock events, exactly as DEADLINES.md describes; where the seat's zone or
// calendar is an assumption (Rules.EarliestClock), under the clock that
// gives the earliest date (earliest.go). It fails on an unknown regime,
// zone or calendar, an event dated before receipt, and an answer
// (id-received, fee-paid...) with no request before it.
func Compute(in Input) (*Deadlines, error) {
	rules := in.Rules.WithDefaults()
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	if rules.EarliestClock {
		return computeEarliest(in, rules)
	}
	return computeUnder(in, rules)
}

// computeUnder computes the deadlines under the zone and calendar of
// rules, already validated.
func computeUnder(in Input, rules Rules) (*Deadlines, error) {
	regime, _ := LookupRegime(rules.Regime)
	loc, _ := LoadZone(rules.Zone)
	calendar, err := LookupCalendar(rules.Calendar, rules.ExtraHolidays...)
	if err != nil {
		return nil, err
	}
	if !in.Now.IsZero() {
		in.Today = DateOf(in.Now, loc)
	}
	e := &engine{in: in, rules: rules, regime: regime, loc: loc, cal: calendar, brief: in.Brief,
		out: &Deadlines{Regime: regime.Name, Zone: loc.String(), Calendar: calendar.Code, Clock: ClockRunning}}
	if err := e.run(); err != nil {
		return nil, err
	}
	return e.out, nil
}

// run computes every date of the case into e.out: the receipt, the walk
// of its clock events, the period they leave, then the clock's state.
func (e *engine) run() error {
	out := e.out
	receipt := DateOf(e.in.ReceivedAt, e.loc)
	out.ReceiptDate = receipt
	today := e.in.Today
	if today.IsZero() || today.Before(receipt) {
		today = receipt
	}
	e.receiptSteps(receipt)

	events, err := e.orderedEvents(receipt)
	if err != nil {
		return err
	}
	w, err := e.walk(events, receipt, today)
	if err != nil {
		return err
	}

	awaiting := e.applyRestart(&w.start, w.intervals)
	out.StartDate = w.start
	pauseDays, pausedSince, pauseReason := e.pauseDays(receipt, w.start, w.intervals)
	out.PausedDays = pauseDays

	statutory := e.regime.Forwards() || e.in.Right != RightComplaint
	if awaiting != nil {
		out.Clock = ClockAwaitingRestart
		out.ClockSince = &awaiting.from
		out.ClockReason = requestWords[awaiting.kind]
		e.step("awaiting restart since %s (%s): no due date until it arrives; waited %s so far",
			hd(awaiting.from), requestWords[awaiting.kind], Plural(awaiting.from.DaysUntil(today), "day"))
	} else if statutory {
		e.statutoryDates(w.start, pauseDays, w.notified)
	}
	e.promiseAndTargets(receipt, statutory && awaiting == nil)
	e.otherDates(receipt)

	switch {
	case e.regime.Forwards():
		e.forwardingClock(w)
	case w.closedOn != nil:
		out.Clock, out.ClockSince, out.ClockReason = ClockStopped, w.closedOn, "closed"
		e.step("closed on %s: the clock is stopped", hd(*w.closedOn))
	case awaiting == nil && pausedSince != nil:
		out.Clock, out.ClockSince, out.ClockReason = ClockPaused, pausedSince, pauseReason
		e.step("paused since %s (%s): the dates above count the pause up to today, %s, and move on each day it lasts",
			hd(*pausedSince), pauseReason, hd(today))
	}
	e.dueInstants()
	return nil
}

// forwardingClock stops a forwarding regime's clock on the forwarding of
// the request alone: closing the case or writing to the requester does not
// pass the request to the controller whose data they are. The forwarding
// recorded last counts, as a result recorded again corrects the first.
func (e *engine) forwardingClock(w clockWalk) {
	out := e.out
	var fw *Date
	for _, ev := range e.in.Events {
		if ev.Kind == ClockForwarded {
			d := DateOf(ev.At, e.loc)
			fw = &d
		}
	}
	switch {
	case fw != nil && fw.Before(w.start):
		e.step("forwarded on %s, before the period started again on %s: the clock runs until the request is forwarded again",
			hd(*fw), hd(w.start))
		fw = nil
	case fw == nil && w.closedOn != nil:
		e.step("closed on %s without forwarding: the forwarding clock runs until the request is forwarded", hd(*w.closedOn))
	}
	if fw == nil {
		return
	}
	out.ForwardedOn = fw
	out.Clock, out.ClockSince, out.ClockReason = ClockStopped, fw, "forwarded"
	if out.Due != nil && fw.After(*out.Due) {
		e.step("forwarded on %s, %s after the forwarding deadline %s: forwarded late; the clock is stopped",
			hd(*fw), Plural(out.Due.DaysUntil(*fw), "day"), hd(*out.Due))
		return
	}
	e.step("forwarded on %s, within the forwarding deadline: forwarded on time; the clock is stopped", hd(*fw))
}

// receiptSteps explains the receipt date and the rules the dates follow.
func (e *engine) receiptSteps(receipt Date) {
	if !e.working() {
		return
	}
	local := e.in.ReceivedAt.In(e.loc)
	e.step("received %s %s in %s: receipt date %s (the receipt day itself is not counted)",
		hd(receipt), local.Format("15:04 MST"), e.loc, hd(receipt)) // the time with its zone, as everywhere
	if utc := DateOf(e.in.ReceivedAt, time.UTC); utc != receipt {
		e.step("in UTC that instant falls on %s; the date in the legal zone decides", hd(utc))
	}
	title := e.regime.Title
	if e.regime.Pause == PauseUKRestart && UKBeforeArt12A(receipt) {
		title = "UK GDPR Art. 12(3), read with the ICO's guidance in force when it was received " +
			"(a request received before " + UKArt12AInForce.Human() + ", when the relevant-time rule became law)"
	}
	e.step("rules: %s, holiday calendar %s", title, e.cal.Code)
	for _, n := range e.cal.Interpretations() {
		e.step("calendar %s: %s", e.cal.Code, n)
	}
	for _, a := range e.rules.Assumptions {
		e.step("%s", a)
	}
	for _, n := range e.regime.Notes {
		e.step("%s", n)
	}
}

// clockWalk is what the clock events leave: the date the period runs from,
// the waits for an answer, the first extension notice and the close.
type clockWalk struct {
	start     Date
	intervals []interval
	notified  *Date
	closedOn  *Date
}

// walk reads the clock events in order: requests open intervals, answers
// close them, a restart starts the period again. A wait still open counts
// up to today, or to the close of the case.
func (e *engine) walk(events []ClockEvent, receipt, today Date) (clockWalk, error) {
	w := clockWalk{start: receipt}
	pending := map[ClockEventKind]int{} // request kind -> index in intervals
	for _, ev := range events {
		d := DateOf(ev.At, e.loc)
		switch ev.Kind {
		case ClockIDRequested, ClockClarificationRequested, ClockAuthorityRequested, ClockFeeRequested:
			if _, open := pending[ev.Kind]; open {
				continue // asked again while still waiting: the first request counts
			}
			pending[ev.Kind] = len(w.intervals)
			w.intervals = append(w.intervals, interval{kind: ev.Kind, from: d, open: true})
		case ClockIDReceived, ClockClarificationReceived, ClockAuthorityReceived, ClockFeePaid:
			req := awaited[ev.Kind]
			i, open := pending[req]
			if !open {
				return w, fmt.Errorf("%s on %s: nothing was asked (no %s before it)", ev.Kind, d, req)
			}
			w.intervals[i].to, w.intervals[i].open = d, false
			delete(pending, req)
		case ClockExtensionNotified:
			if w.notified == nil {
				w.notified = &d
			}
		case ClockClosed:
			w.closedOn = &d
		case ClockReopened:
			w.closedOn = nil
		case ClockRestarted:
			w.closedOn = nil
			w.start, w.intervals, w.notified = d, nil, nil
			pending = map[ClockEventKind]int{}
			e.step("reopened with new information on %s: the period starts again from that day", hd(d))
		}
	}
	end := today
	if w.closedOn != nil && w.closedOn.Before(today) {
		end = *w.closedOn
	}
	for i := range w.intervals {
		if w.intervals[i].open {
			w.intervals[i].to = end
			// Counted up to today, a day a later day moves, unless the
			// case was closed by today.
			e.out.countsToday = e.out.countsToday || w.closedOn == nil || today.Before(*w.closedOn)
		}
	}
	return w, nil
}

// dueInstants sets the instants the due and effective due dates end, in
// the legal zone.
func (e *engine) dueInstants() {
	out := e.out
	if out.Due != nil {
		at := out.Due.End(e.loc).UTC()
		out.DueAt = &at
		if !e.brief {
			e.step("due end of %s, %s", hd(*out.Due), e.endWords(at))
		}
	}
	if out.EffectiveDue != nil {
		at := out.EffectiveDue.End(e.loc).UTC()
		out.EffectiveDueAt = &at
		if !e.brief && (out.Due == nil || *out.EffectiveDue != *out.Due) {
			e.step("effective due end of %s, %s", hd(*out.EffectiveDue), e.endWords(at))
		}
	}
}

// endWords is the instant a day ends, in the legal zone with its
// abbreviation as every time is shown, and in UTC: "23:59:59 CEST
// (21:59:59 UTC)".
func (e *engine) endWords(at time.Time) string {
	return at.In(e.loc).Format("15:04:05 MST") + " (" + at.UTC().Format("15:04:05") + " UTC)"
}

// orderedEvents sorts events by their date in the legal zone, keeping the
// recorded order within one day, and refuses events before receipt.
func (e *engine) orderedEvents(receipt Date) ([]ClockEvent, error) {
	events := make([]ClockEvent, len(e.in.Events))
	copy(events, e.in.Events)
	for _, ev := range events {
		if d := DateOf(ev.At, e.loc); d.Before(receipt) {
			return nil, fmt.Errorf("%s on %s is before the receipt date %s", ev.Kind, d, receipt)
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		return DateOf(events[i].At, e.loc).Before(DateOf(events[j].At, e.loc))
	})
	return events, nil
}

// applyRestart moves the start of a UK period to the relevant time: the
// latest of receipt and the arrival of each item the controller asked for
// (identity, authority, fee). It returns the first item still awaited.
func (e *engine) applyRestart(start *Date, intervals []interval) *interval {
	if e.regime.Pause != PauseUKRestart {
		return nil
	}
	var awaiting *interval
	for i := range intervals {
		iv := &intervals[i]
		if iv.kind == ClockClarificationRequested {
			continue
		}
		if iv.open {
			if awaiting == nil {
				awaiting = iv
			}
			continue
		}
		if iv.to.After(*start) {
			*start = iv.to
			e.step("%s on %s, received %s: under %s the period runs from the relevant time, now %s",
				requestWords[iv.kind], hd(iv.from), hd(iv.to), e.ukRule(), hd(iv.to))
		}
	}
	return awaiting
}

// pauseDays counts the days that pauses add, as the union of the waiting
// intervals that pause under the regime and the register's setting. It also
// returns when a pause still open began and why.
func (e *engine) pauseDays(receipt, start Date, intervals []interval) (int, *Date, string) {
	counted := map[Date]bool{}
	var openSince *Date
	var openReason string
	for _, iv := range intervals {
		what := requestWords[iv.kind]
		pauses := false
		switch e.regime.Pause {
		case PauseEUSuspension:
			if iv.kind != ClockIDRequested && iv.kind != ClockClarificationRequested {
				e.step("%s on %s: the clock runs (only identity and clarification requests can suspend it)", what, hd(iv.from))
				continue
			}
			if e.rules.Pause == PauseNone {
				e.step("%s on %s: the register's pause setting is none (the clock never stops), so the clock runs", what, hd(iv.from))
				continue
			}
			if after := receipt.DaysUntil(iv.from); after > e.rules.PauseWindowDays {
				e.step("%s on %s, %s after receipt: later than the %d-day window for asking without undue delay, so it pauses nothing",
					what, hd(iv.from), Plural(after, "day"), e.rules.PauseWindowDays)
				continue
			}
			pauses = true
		case PauseUKRestart:
			if iv.kind != ClockClarificationRequested {
				continue // handled as a restart
			}
			if e.in.Right != RightAccess {
				e.step("%s on %s: under %s only access requests pause for clarification; the clock runs", what, hd(iv.from), e.ukRule())
				continue
			}
			pauses = true
		default:
			e.step("%s on %s: under %s the clock runs", what, hd(iv.from), e.regime.Name)
			continue
		}
		if !pauses {
			continue
		}
		from := iv.from
		if from.Before(start) {
			from = start
		}
		n := 0
		for d := from; !d.After(iv.to); d = d.AddDays(1) {
			if !counted[d] {
				counted[d] = true
				n++
			}
		}
		if iv.open {
			if openSince == nil {
				openSince, openReason = &iv.from, what
			}
			if e.working() {
				e.step("%s on %s, no answer yet: %s paused so far (both days included)%s", what, hd(iv.from), Plural(n, "day"), e.pauseRule())
			}
		} else if e.working() {
			e.step("%s on %s, answered %s: %s paused (both days included%s)%s", what, hd(iv.from),
				hd(iv.to), Plural(n, "day"), overlapNote(n, from.DaysUntil(iv.to)+1), e.pauseRule())
		}
	}
	return len(counted), openSince, openReason
}

// pauseRule says what a pause rests on, for the working: the register's
// reading of the EU suspension, or the UK's clarification rule.
func (e *engine) pauseRule() string {
	if e.regime.Pause == PauseEUSuspension {
		return fmt.Sprintf("; the register's pause setting: additive, when asked within %s of receipt",
			Plural(e.rules.PauseWindowDays, "day"))
	}
	return "; under " + e.ukRule() + " an access request pauses while its clarification is awaited"
}

func overlapNote(counted, span int) string {
	if counted < span {
		return fmt.Sprintf("; %d already counted by another pause", span-counted)
	}
	return ""
}

// period returns start plus n units of the regime, plus pause days, rolled to
// a working day where the regime rolls, with the working.
func (e *engine) period(label string, start Date, n, pause int) Date {
	working := e.working()
	var d Date
	switch e.regime.Unit {
	case UnitMonths:
		raw, clamped := start.AddMonths(n)
		switch {
		case !working:
		case clamped:
			e.step("%s: %s from %s; day %d does not exist in %s, so the last day of the month, %s",
				label, e.regime.period(n), hd(start), start.Day, raw.utc().Format("January"), hd(raw))
		default:
			e.step("%s: %s from %s -> %s", label, e.regime.period(n), hd(start), hd(raw))
		}
		d = raw
	case UnitWorkingDays:
		d = e.cal.AddWorkingDays(start, n)
		if working {
			e.step("%s: %s after %s -> %s", label, e.regime.period(n), hd(start), hd(d))
		}
		return d
	default:
		d = start.AddDays(n)
		if working {
			e.step("%s: %s after %s -> %s", label, e.regime.period(n), hd(start), hd(d))
		}
	}
	if pause > 0 {
		d = d.AddDays(pause)
		if working {
			e.step("%s: plus %s paused -> %s", label, Plural(pause, "day"), hd(d))
		}
	}
	if !e.regime.Roll {
		e.step("%s: %s does not roll past weekends or holidays", label, e.regime.Name)
		return d
	}
	if !working {
		return e.cal.RollForward(d)
	}
	rolled, skipped := e.cal.NextWorkingDay(d)
	if len(skipped) == 0 {
		e.step("%s: %s is a working day", label, hd(d))
	} else {
		e.step("%s: %s, so the next working day, %s", label, strings.Join(skipped, "; "), hd(rolled))
	}
	return rolled
}

// statutoryDates computes the base, extended, notice, refusal and in-force
// deadlines from the start of the period.
func (e *engine) statutoryDates(start Date, pause int, notified *Date) {
	out, r := e.out, e.regime
	length := r.Length
	if r.Forwards() {
		length = e.rules.ForwardWorkingDays
		e.step("the organisation only processes these data for another controller: forward the request within %s (contract); only recording the forwarding stops this clock",
			Plural(length, "working day"))
	}
	base := e.period("base deadline", start, length, pause)
	out.BaseDue = &base
	due := base
	if !r.Forwards() {
		refusal := base
		out.RefusalBy = &refusal
		e.step("refusal by: %s; a refusal, whole or partial, is due within the base period even during an extension", hd(refusal))
	}
	if r.HasExtension() {
		notice := base
		if r.Pause == PauseEUSuspension && pause > 0 {
			// The EU extension notice is due within the first month as such;
			// a suspension does not move it.
			notice = e.quietly(func() Date { return e.period("", start, length, 0) })
			e.step("extension notice by: %s, the deadline without the pause (a suspension does not move it)", hd(notice))
		} else {
			e.step("extension notice by: %s; an extension is in force only if the subject is told of it, with reasons, by then", hd(notice))
		}
		out.ExtensionNoticeBy = &notice
		if r.ExtendedLength > 0 {
			ext := e.period("extended deadline", start, r.ExtendedLength, pause)
			out.ExtendedDue = &ext
		} else if !e.in.ExtendedUntil.IsZero() {
			ext := e.in.ExtendedUntil
			out.ExtendedDue = &ext
			e.step("extended deadline: the date named in the extension notice, %s", hd(ext))
		}
		if notified != nil {
			valid := !notified.After(notice)
			out.ExtensionValid = &valid
			switch {
			case !valid:
				e.warn("extension notice sent %s, after the notice deadline %s: the extension is not in force and the deadline stays %s",
					hd(*notified), hd(notice), hd(base))
			case out.ExtendedDue == nil:
				e.warn("extension notice sent %s names no new date: record the date it named", hd(*notified))
			default:
				e.step("extension notice sent %s, no later than %s: the extended deadline is in force", hd(*notified), hd(notice))
				due = *out.ExtendedDue
			}
		}
	} else if notified != nil {
		valid := false
		out.ExtensionValid = &valid
		e.warn("%s allows no extension: the notice sent %s changes nothing", r.Name, hd(*notified))
	}
	out.Due = &due
	if pause > 0 {
		nopause := e.undisturbed(start, length, out.ExtensionValid != nil && *out.ExtensionValid)
		out.DueWithoutPause = &nopause
	}
}

// undisturbed is the deadline in force as if no pause had happened.
func (e *engine) undisturbed(start Date, length int, extended bool) Date {
	n := length
	if extended && e.regime.ExtendedLength > 0 {
		n = e.regime.ExtendedLength
	}
	d := e.quietly(func() Date { return e.period("", start, n, 0) })
	e.step("without any pause the deadline would be %s", hd(d))
	return d
}

// quietly runs f without recording its working.
func (e *engine) quietly(f func() Date) Date {
	was := e.quiet
	e.quiet = true
	defer func() { e.quiet = was }()
	return f()
}

// promiseAndTargets sets the promise, the internal target and the effective
// due date (the earliest of the legal deadline and the promise, unless a
// valid extension governs).
func (e *engine) promiseAndTargets(receipt Date, statutory bool) {
	out := e.out
	if e.rules.PromiseDays > 0 && !e.regime.Forwards() {
		p := receipt.AddDays(e.rules.PromiseDays)
		out.PromiseDue = &p
		e.step("the organisation promises an answer within %s: %s (calendar days, does not roll)", Plural(e.rules.PromiseDays, "day"), hd(p))
	}
	if !statutory {
		if out.Clock == ClockAwaitingRestart || e.regime.Forwards() {
			return
		}
		// Complaints to the organisation have no statutory deadline.
		e.step("a complaint to the organisation has no statutory deadline under %s", e.regime.Name)
		if out.PromiseDue != nil {
			out.EffectiveDue = out.PromiseDue
			return
		}
		t := receipt.AddDays(e.rules.ComplaintTargetDays)
		out.TargetDue = &t
		out.EffectiveDue = &t
		e.step("internal target: %s after receipt, %s (register setting)", Plural(e.rules.ComplaintTargetDays, "day"), hd(t))
		return
	}
	eff := *out.Due
	switch {
	case out.ExtensionValid != nil && *out.ExtensionValid && out.PromiseDue != nil:
		e.step("a valid extension is in force: the promise no longer applies")
	case out.PromiseDue != nil && out.PromiseDue.Before(eff):
		eff = *out.PromiseDue
		e.step("the promise (%s) is earlier than the legal deadline (%s) and governs", hd(*out.PromiseDue), hd(*out.Due))
	case out.PromiseDue != nil:
		e.step("the legal deadline (%s) is no later than the promise (%s) and governs", hd(*out.Due), hd(*out.PromiseDue))
	}
	out.EffectiveDue = &eff
}

// otherDates sets the acknowledgement and act-by dates.
func (e *engine) otherDates(receipt Date) {
	out := e.out
	if n := e.regime.AcknowledgeWorkingDays; n > 0 {
		d := e.cal.AddWorkingDays(receipt, n)
		out.AcknowledgeBy = &d
		e.step("acknowledge within %s: by %s", Plural(n, "working day"), hd(d))
	}
	if n := e.regime.ComplaintAcknowledgeDays; n > 0 && e.in.Right == RightComplaint {
		d := receipt.AddDays(n - 1)
		out.AcknowledgeBy = &d
		e.step("acknowledge a complaint within %s beginning with the day of receipt: by %s (does not roll)", Plural(n, "day"), hd(d))
	}
	if e.in.Right == RightWithdrawConsent || e.in.Right == RightObjection {
		d := e.cal.AddWorkingDays(receipt, e.rules.ActByWorkingDays)
		out.ActBy = &d
		what := "a withdrawal of consent takes effect when received (Art. 7(3)): stop the processing it covered"
		if e.in.Right == RightObjection {
			what = "an objection to processing for direct marketing takes effect when received (Art. 21(3)): stop that processing"
		}
		e.step("%s by %s (%s, register setting)", what, hd(d), Plural(e.rules.ActByWorkingDays, "working day"))
	}
}

// hd formats a date for the working only when the working is written, so
// that brief computations do not pay for formatting.
type hd Date

func (h hd) String() string { return Date(h).Human() }
