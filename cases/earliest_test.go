package cases

import (
	"strings"
	"testing"
	"time"
)

// crmRules are rules like CRMSoftware.ai's: a seat in San Francisco assumed
// from its only address, so zone and calendar are assumptions.
var crmRules = Rules{Regime: "eu-gdpr", Zone: "America/Los_Angeles", Calendar: "US", EarliestClock: true}

func computeOrFail(t *testing.T, in Input) *Deadlines {
	t.Helper()
	d, err := Compute(in)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return d
}

// TestEarliestClockAvoidsTheUSHoliday: a date a US holiday makes later is
// not the one used where the seat's calendar is only assumed.
//
// Received Friday 7 August 2026 at 10:00 in Los Angeles (19:00 in
// Brussels: the same receipt date under both clocks). Art. 12(3), one
// month to the same date: Monday 7 September 2026.
//   - seat's clock (America/Los_Angeles, US holidays): 7 September is Labor
//     Day, so the next working day, Tuesday 8 September, ending 23:59:59
//     PDT = 06:59:59 UTC on 9 September;
//   - Europe/Brussels with weekends only: Monday 7 September is a working
//     day, ending 23:59:59 CEST = 21:59:59 UTC on 7 September.
//
// Brussels ends first, so every date is Brussels': the refusal and the
// extension notice by 7 September (the one-month date, Art. 12(3)-(4));
// extended, three months from receipt, Saturday 7 November -> Monday 9
// November; the promise of 30 calendar days, not rolled, Sunday 6
// September, earlier than the legal date, so it is the effective due date.
func TestEarliestClockAvoidsTheUSHoliday(t *testing.T) {
	la, _ := LoadZone("America/Los_Angeles")
	received := time.Date(2026, 8, 7, 10, 0, 0, 0, la)
	rules := crmRules
	rules.PromiseDays = 30
	in := Input{Rules: rules, Right: RightAccess, ReceivedAt: received}

	seatOnly := in
	seatOnly.Rules.EarliestClock = false
	if d := computeOrFail(t, seatOnly); str(d.Due) != "2026-09-08" {
		t.Fatalf("the seat's clock alone: due %s, want Tue 8 Sep 2026 (after Labor Day)", str(d.Due))
	}

	d := computeOrFail(t, in)
	w := strings.Join(d.Steps, "\n")
	if d.Zone != EarliestZone || d.Calendar != WeekendsOnly {
		t.Fatalf("clock %s, %s; want Europe/Brussels, weekends\n%s", d.Zone, d.Calendar, w)
	}
	got := map[string]string{"receipt": d.ReceiptDate.String(), "due": str(d.Due), "base": str(d.BaseDue),
		"refusal by": str(d.RefusalBy), "notice by": str(d.ExtensionNoticeBy), "extended": str(d.ExtendedDue),
		"promise": str(d.PromiseDue), "effective": str(d.EffectiveDue),
		"due at": d.DueAt.Format(time.RFC3339), "effective at": d.EffectiveDueAt.Format(time.RFC3339)}
	want := map[string]string{"receipt": "2026-08-07", "due": "2026-09-07", "base": "2026-09-07",
		"refusal by": "2026-09-07", "notice by": "2026-09-07", "extended": "2026-11-09",
		"promise": "2026-09-06", "effective": "2026-09-06",
		"due at": "2026-09-07T21:59:59Z", "effective at": "2026-09-06T21:59:59Z"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
	for _, s := range []string{
		"the seat's zone and calendar rest on an assumption: the earliest of the seat's clock (America/Los_Angeles, US holidays) and Europe/Brussels with weekends only is used",
		"base deadline: under the seat's clock (America/Los_Angeles, US holidays) end of Tue 8 Sep 2026, 06:59:59 UTC on Wed 9 Sep 2026",
		"under Europe/Brussels with weekends only end of Mon 7 Sep 2026, 21:59:59 UTC on Mon 7 Sep 2026",
		"Europe/Brussels with weekends only ends first: every date below is computed under it",
		"Saturdays and Sundays only: no public holiday is counted",
	} {
		if !strings.Contains(w, s) {
			t.Errorf("working lacks %q:\n%s", s, w)
		}
	}
	if strings.Contains(w, "Labor Day") {
		t.Errorf("the working of the clock not used leaked in:\n%s", w)
	}

	// The queue's brief computation gives the same dates, without working.
	in.Brief = true
	b := computeOrFail(t, in)
	if len(b.Steps) != 0 || str(b.Due) != str(d.Due) || str(b.ExtendedDue) != str(d.ExtendedDue) || b.Zone != d.Zone {
		t.Errorf("brief: due %s extended %s zone %s, steps %d", str(b.Due), str(b.ExtendedDue), b.Zone, len(b.Steps))
	}
}

// TestEarliestClockIsOneClock: the clock is chosen once, by the base
// deadline, and every date comes from it, even one the other clock would
// have made earlier.
//
// Received Monday 24 February 2025 at 20:00 in Los Angeles, which is
// Tuesday 25 February 05:00 in Brussels.
//   - seat's clock: receipt date 24 February; one month -> Monday 24 March,
//     a working day, ending 06:59:59 UTC on 25 March (PDT);
//   - Brussels: receipt date 25 February; one month -> Tuesday 25 March,
//     ending 22:59:59 UTC on 25 March (CET).
//
// The seat's clock ends first and gives every date: extended, three
// months from 24 February -> Saturday 24 May -> Sunday -> Monday 26 May,
// Memorial Day -> Tuesday 27 May 2025; Brussels would give Monday 26 May
// (25 May is a Sunday), but mixing clocks is not allowed. An objection's
// act-by date, 2 working days after Monday 24 February: Wednesday 26
// February (Brussels would count from the 25th).
func TestEarliestClockIsOneClock(t *testing.T) {
	la, _ := LoadZone("America/Los_Angeles")
	in := Input{Rules: crmRules, Right: RightObjection, ReceivedAt: time.Date(2025, 2, 24, 20, 0, 0, 0, la)}
	d := computeOrFail(t, in)
	w := strings.Join(d.Steps, "\n")
	if d.Zone != "America/Los_Angeles" || d.Calendar != "US" {
		t.Fatalf("clock %s, %s; want the seat's\n%s", d.Zone, d.Calendar, w)
	}
	got := []string{d.ReceiptDate.String(), str(d.BaseDue), str(d.ExtendedDue), str(d.ActBy)}
	want := []string{"2025-02-24", "2025-03-24", "2025-05-27", "2025-02-26"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("receipt/base/extended/act-by = %v, want %v\n%s", got, want, w)
		}
	}
	if !strings.Contains(w, "the seat's clock (America/Los_Angeles, US holidays) ends no later: every date below is computed under it") ||
		!strings.Contains(w, "Memorial Day") {
		t.Errorf("working:\n%s", w)
	}
}

// TestEarliestClockWithNothingToCompare: a UK request awaiting the
// identity asked for has no deadline yet; the seat's clock is kept and
// the working says why.
func TestEarliestClockWithNothingToCompare(t *testing.T) {
	london, _ := LoadZone("Europe/London")
	rules := Rules{Regime: "uk-gdpr", Zone: "Europe/London", Calendar: "GB-EAW", EarliestClock: true}
	in := Input{Rules: rules, Right: RightAccess, ReceivedAt: time.Date(2026, 3, 2, 10, 0, 0, 0, london),
		Events: []ClockEvent{{Kind: ClockIDRequested, At: time.Date(2026, 3, 3, 10, 0, 0, 0, london)}}}
	d := computeOrFail(t, in)
	if d.Clock != ClockAwaitingRestart || d.Zone != "Europe/London" || d.Due != nil {
		t.Fatalf("clock %s zone %s due %s", d.Clock, d.Zone, str(d.Due))
	}
	if w := strings.Join(d.Steps, "\n"); !strings.Contains(w, "no deadline to compare yet") {
		t.Errorf("working:\n%s", w)
	}
}

// TestNowIsTakenInEachClocksZone: an open pause counts to today in the
// zone of each clock compared. Received Wednesday 5 August 2026 at 10:00
// in Los Angeles; identity asked on Thursday 6 August, still unanswered;
// now is 21:00 on 6 August in Los Angeles, already Friday 7 August 06:00
// in Brussels. One month from 5 August is Saturday 5 September.
//   - seat's clock: paused 6 August only, 1 day -> Sunday 6 September ->
//     Monday 7 September, Labor Day -> Tuesday 8 September;
//   - Brussels: paused 6 and 7 August, 2 days -> Monday 7 September, a
//     working day, ending first.
//
// So Brussels is used, with 2 paused days; taking the Los Angeles date as
// today in both would have counted 1.
func TestNowIsTakenInEachClocksZone(t *testing.T) {
	la, _ := LoadZone("America/Los_Angeles")
	in := Input{Rules: crmRules, Right: RightAccess, ReceivedAt: time.Date(2026, 8, 5, 10, 0, 0, 0, la),
		Events: []ClockEvent{{Kind: ClockIDRequested, At: time.Date(2026, 8, 6, 9, 0, 0, 0, la)}},
		Now:    time.Date(2026, 8, 6, 21, 0, 0, 0, la)}
	d := computeOrFail(t, in)
	if d.Zone != EarliestZone || d.PausedDays != 2 || str(d.Due) != "2026-09-07" {
		t.Errorf("zone %s, paused %d days, due %s; want Europe/Brussels, 2, 2026-09-07\n%s",
			d.Zone, d.PausedDays, str(d.Due), strings.Join(d.Steps, "\n"))
	}
}

// TestForwardingClockStopsOnlyOnForwarding: under processor-forward the
// deadline is 5 working days after receipt (Friday 31 January 2025 in
// Poland -> Friday 7 February); closing the case or sending a letter does
// not stop it, the forwarded event does, and on time is judged by it.
func TestForwardingClockStopsOnlyOnForwarding(t *testing.T) {
	warsaw, _ := LoadZone("Europe/Warsaw")
	run := func(events []string) *Deadlines {
		in := Input{Rules: Rules{Regime: "processor-forward", Zone: "Europe/Warsaw", Calendar: "PL"}, Right: RightAccess,
			ReceivedAt: time.Date(2025, 1, 31, 10, 0, 0, 0, warsaw)}
		for _, s := range events {
			kind, at, _ := strings.Cut(s, "@")
			when, err := ParseTime(at, warsaw)
			if err != nil {
				t.Fatal(err)
			}
			in.Events = append(in.Events, ClockEvent{Kind: ClockEventKind(kind), At: when.Add(10 * time.Hour)})
		}
		return computeOrFail(t, in)
	}
	tests := []struct {
		name      string
		events    []string
		clock     ClockState
		forwarded string
		words     string
	}{
		{"open", nil, ClockRunning, "null", "only recording the forwarding stops this clock"},
		{"closed, not forwarded", []string{"closed@2025-02-03"}, ClockRunning, "null",
			"closed on Mon 3 Feb 2025 without forwarding: the forwarding clock runs"},
		{"forwarded on time", []string{"closed@2025-02-03", "forwarded@2025-02-06"}, ClockStopped, "2025-02-06",
			"forwarded on Thu 6 Feb 2025, within the forwarding deadline: forwarded on time"},
		{"forwarded on the last day", []string{"forwarded@2025-02-07"}, ClockStopped, "2025-02-07", "forwarded on time"},
		// Monday 10 February is 3 days after Friday 7 February.
		{"forwarded late", []string{"forwarded@2025-02-10"}, ClockStopped, "2025-02-10",
			"forwarded on Mon 10 Feb 2025, 3 days after the forwarding deadline Fri 7 Feb 2025: forwarded late"},
		// The one recorded last counts, as a correction.
		{"corrected", []string{"forwarded@2025-02-10", "forwarded@2025-02-05"}, ClockStopped, "2025-02-05", "forwarded on time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := run(tt.events)
			w := strings.Join(d.Steps, "\n")
			if str(d.Due) != "2025-02-07" || d.Clock != tt.clock || str(d.ForwardedOn) != tt.forwarded || !strings.Contains(w, tt.words) {
				t.Errorf("due %s clock %s forwarded %s; want 2025-02-07 %s %s and %q\n%s",
					str(d.Due), d.Clock, str(d.ForwardedOn), tt.clock, tt.forwarded, tt.words, w)
			}
		})
	}
	// show, the calculator and the app list the forwarding with its verdict.
	for events, want := range map[string]string{"forwarded@2025-02-07": "on time", "forwarded@2025-02-10": "late"} {
		var found bool
		for _, r := range run([]string{events}).Rows() {
			found = found || r.Label == "forwarded on" && r.Note == want
		}
		if !found {
			t.Errorf("%s: no row \"forwarded on\" (%s)", events, want)
		}
	}
	// Under a statutory regime the forwarding answers nobody: the clock runs.
	d := eu("2025-01-31", "forwarded@2025-02-03").run(t)
	if d.Clock != ClockRunning || d.ForwardedOn != nil || str(d.Due) != "2025-02-28" {
		t.Errorf("eu-gdpr: clock %s forwarded %s due %s", d.Clock, str(d.ForwardedOn), str(d.Due))
	}
}

// TestForwardingTimelinessIsTheForwarding: a processor's case sent a
// redirect letter on time but forwarded late is late; one never forwarded
// is not answered, whatever letter went out.
func TestForwardingTimelinessIsTheForwarding(t *testing.T) {
	warsaw, _ := LoadZone("Europe/Warsaw")
	at := func(d int) time.Time { return time.Date(2025, 2, d, 10, 0, 0, 0, warsaw) }
	rules := Rules{Regime: "processor-forward", Zone: "Europe/Warsaw", Calendar: "PL"}
	received := time.Date(2025, 1, 31, 10, 0, 0, 0, warsaw)
	cs, err := NewCases(Intake{Controller: "closeq", Rights: []Right{RightAccess},
		Subject: Subject{Name: "Jan Kowalski", Email: "jan@example.org"}, ReceivedAt: received}, rules, received, "dpo")
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	c.Events = append(c.Events,
		Event{Kind: EventSent, Letter: LetterRedirect, At: at(3), RecordedAt: at(3), Actor: "dpo"},
		Event{Kind: EventClosed, Outcome: OutcomeRedirected, RedirectTo: "Acme", At: at(3), RecordedAt: at(3), Actor: "dpo"})
	judge := func() (Timeliness, *Summary) {
		st, err := c.Derive(at(20))
		if err != nil {
			t.Fatal(err)
		}
		s := Summarize(c, st, 1)
		return s.Timeliness(), &s
	}
	if got, s := judge(); got != TimelinessClosedUnanswered || !s.AnsweredOn.IsZero() {
		t.Errorf("never forwarded: %s, answered on %s", got, s.AnsweredOn)
	}
	c.Events = append(c.Events, Event{Kind: EventForwarded, Customer: "Acme", At: at(10), RecordedAt: at(10), Actor: "dpo"})
	if got, s := judge(); got != TimelinessLate || s.AnsweredOn.String() != "2025-02-10" {
		t.Errorf("forwarded Monday 10 February, after Friday 7: %s, answered on %s", got, s.AnsweredOn)
	}
	c.Events[len(c.Events)-1].At = at(7)
	if got, _ := judge(); got != TimelinessOnTime {
		t.Errorf("forwarded Friday 7 February, the last day: %s", got)
	}
}

// TestEventsAreDatedOnTheClockUsed: an event is judged against the receipt
// date in the zone of the clock used. Received Friday 7 August 2026 at
// 20:00 in Los Angeles, Saturday 8 August 05:00 in Brussels: Brussels wins
// (one month -> Tuesday 8 September, while Los Angeles's Monday 7
// September is Labor Day -> Tuesday 8 September, ending 9 hours later), so
// the receipt date is 8 August. An acknowledgement an hour after receipt
// is on 8 August there, not before receipt, though it is still 7 August in
// Los Angeles.
func TestEventsAreDatedOnTheClockUsed(t *testing.T) {
	la, _ := LoadZone("America/Los_Angeles")
	received := time.Date(2026, 8, 7, 20, 0, 0, 0, la)
	cs, err := NewCases(Intake{Controller: "crmsoftware", Rights: []Right{RightAccess},
		Subject: Subject{Name: "Ada Byron", Email: "ada@example.org"}, ReceivedAt: received}, crmRules, received, "dpo")
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	st, err := c.Derive(received)
	if err != nil {
		t.Fatal(err)
	}
	if st.Deadlines.Zone != EarliestZone || st.Deadlines.ReceiptDate.String() != "2026-08-08" || str(st.Deadlines.Due) != "2026-09-08" {
		t.Fatalf("zone %s receipt %s due %s", st.Deadlines.Zone, st.Deadlines.ReceiptDate, str(st.Deadlines.Due))
	}
	ack := Event{Kind: EventAcknowledged, At: received.Add(time.Hour), Actor: "dpo"}
	if _, _, err := Apply(c, ack, received.Add(2*time.Hour)); err != nil {
		t.Errorf("acknowledged an hour after receipt: %v", err)
	}
	if v := NewView(c, st, 1, false); v.Zone != EarliestZone {
		t.Errorf("show's tz %s, want the clock used", v.Zone)
	}
}

// TestEarliestClockKeepsTheSeatsReadings: where Brussels wins over an
// assumed Cyprus seat, the Cyprus calendar still decided the comparison,
// so its reading (Easter Tuesday left out) stays in the working. Received
// Wednesday 1 April 2026 at 10:00 in Nicosia (09:00 in Brussels): one
// month -> Friday 1 May, Labour Day in Cyprus -> Monday 4 May; Brussels,
// weekends only: Friday 1 May, a working day, ending first.
func TestEarliestClockKeepsTheSeatsReadings(t *testing.T) {
	nicosia, _ := LoadZone("Asia/Nicosia")
	rules := Rules{Regime: "eu-gdpr", Zone: "Asia/Nicosia", Calendar: "CY", EarliestClock: true}
	d := computeOrFail(t, Input{Rules: rules, Right: RightAccess, ReceivedAt: time.Date(2026, 4, 1, 10, 0, 0, 0, nicosia)})
	w := strings.Join(d.Steps, "\n")
	if d.Zone != EarliestZone || str(d.Due) != "2026-05-01" {
		t.Fatalf("zone %s due %s\n%s", d.Zone, str(d.Due), w)
	}
	if !strings.Contains(w, "calendar CY, compared: Easter Tuesday not counted as a holiday: bank holiday only") {
		t.Errorf("working:\n%s", w)
	}
}
