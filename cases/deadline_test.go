package cases

import (
	"strings"
	"testing"
	"time"
)

// calc is one calculator run: rules, right, receipt and events as strings,
// the way the deadline command takes them.
type calc struct {
	regime, calendar, zone string
	received               string
	right                  Right
	events                 []string
	today                  string
	promise                int
	pause                  PauseSetting
	extendedUntil          string
}

func (c calc) run(t *testing.T) *Deadlines {
	t.Helper()
	loc, err := LoadZone(c.zone)
	if err != nil {
		t.Fatal(err)
	}
	at, err := ParseTime(c.received, loc)
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Rules: Rules{Regime: c.regime, Zone: c.zone, Calendar: c.calendar, PromiseDays: c.promise, Pause: c.pause},
		Right: c.right, ReceivedAt: at}
	if in.Right == "" {
		in.Right = RightAccess
	}
	for _, s := range c.events {
		ev, err := ParseClockEvent(s, loc)
		if err != nil {
			t.Fatal(err)
		}
		in.Events = append(in.Events, ev)
	}
	if c.today != "" {
		in.Today = mustDate(t, c.today)
	}
	if c.extendedUntil != "" {
		in.ExtendedUntil = mustDate(t, c.extendedUntil)
	}
	d, err := Compute(in)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return d
}

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func str(d *Date) string {
	if d == nil {
		return "null"
	}
	return d.String()
}

func eu(received string, events ...string) calc {
	return calc{regime: "eu-gdpr", calendar: "FR", zone: "Europe/Paris", received: received, events: events}
}

func uk(received string, events ...string) calc {
	return calc{regime: "uk-gdpr", calendar: "GB-EAW", zone: "Europe/London", received: received, events: events}
}

// TestWorkedExamples checks the dates the public guidance itself computes.
func TestWorkedExamples(t *testing.T) {
	tests := []struct {
		name string
		c    calc
		due  string
	}{
		// EDPB Guidelines 01/2022, para. 156-157 examples.
		{"EDPB 5 March -> 5 April", eu("2024-03-05"), "2024-04-05"},
		{"EDPB 31 August -> 30 September (received on a Saturday)", eu("2024-08-31"), "2024-09-30"},
		// ICO, "Time limits for responding": same date next month, then the bank holidays.
		{"ICO 25 November 2024 -> 27 December 2024 (Christmas, Boxing Day)", uk("2024-11-25"), "2024-12-27"},
		{"ICO 1 January 2024 -> 1 February 2024 (received on a bank holiday)", uk("2024-01-01"), "2024-02-01"},
		{"ICO 31 January -> end of February, moved to Monday", uk("2026-01-31"), "2026-03-02"},
		{"leap year: 31 January 2024 -> 29 February 2024", eu("2024-01-31"), "2024-02-29"},
		{"no leap year: 31 January 2025 -> 28 February 2025", eu("2025-01-31"), "2025-02-28"},
		{"29 April -> 29 May 2025, Ascension Day in France -> Friday 30 May", eu("2025-04-29"), "2025-05-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.c.run(t)
			if got := str(d.Due); got != tt.due {
				t.Errorf("due = %s, want %s\n%s", got, tt.due, strings.Join(d.Steps, "\n"))
			}
			if str(d.BaseDue) != tt.due || str(d.RefusalBy) != tt.due || str(d.ExtensionNoticeBy) != tt.due {
				t.Errorf("base %s refusal %s notice %s, want all %s", str(d.BaseDue), str(d.RefusalBy), str(d.ExtensionNoticeBy), tt.due)
			}
			if d.Clock != ClockRunning {
				t.Errorf("clock = %s, want running", d.Clock)
			}
		})
	}
}

// TestIssueExample is the calculator's acceptance example (issue 2).
func TestIssueExample(t *testing.T) {
	c := calc{regime: "eu-gdpr", calendar: "DE-BE", zone: "Europe/Berlin", received: "2025-01-31T09:00:00+01:00"}
	d := c.run(t)
	if str(d.Due) != "2025-02-28" || d.DueAt.Format(time.RFC3339) != "2025-02-28T22:59:59Z" {
		t.Fatalf("due %s at %v", str(d.Due), d.DueAt)
	}
	if str(d.ExtendedDue) != "2025-04-30" || d.ExtensionValid != nil {
		t.Fatalf("extended %s valid %v", str(d.ExtendedDue), d.ExtensionValid)
	}
	want := []string{"received Fri 31 Jan 2025 09:00 CET in Europe/Berlin", "day 31 does not exist in February",
		"Fri 28 Feb 2025 is a working day", "due end of Fri 28 Feb 2025, 23:59:59 CET (22:59:59 UTC)"}
	all := strings.Join(d.Steps, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("working lacks %q:\n%s", w, all)
		}
	}

	// The extension counts three months from receipt: 30 April, not the
	// rolled one-month date plus two months (28 April).
	c.events = []string{"extension-notified@2025-02-20"}
	d = c.run(t)
	if str(d.Due) != "2025-04-30" || d.ExtensionValid == nil || !*d.ExtensionValid {
		t.Fatalf("with notice: due %s valid %v", str(d.Due), d.ExtensionValid)
	}
	if d.DueAt.Format(time.RFC3339) != "2025-04-30T21:59:59Z" {
		t.Errorf("due_at %v: 30 April is in summer time, UTC+2", d.DueAt)
	}
	if str(d.RefusalBy) != "2025-02-28" {
		t.Errorf("refusal_by %s: stays the one-month date during an extension", str(d.RefusalBy))
	}

	// A notice on the last day is in time; a day later it is not.
	c.events = []string{"extension-notified@2025-02-28"}
	if d = c.run(t); !*d.ExtensionValid {
		t.Errorf("notice on the deadline day should be valid")
	}
	c.events = []string{"extension-notified@2025-03-01"}
	d = c.run(t)
	if *d.ExtensionValid || str(d.Due) != "2025-02-28" || len(d.Warnings) == 0 {
		t.Errorf("late notice: valid %v due %s warnings %v", *d.ExtensionValid, str(d.Due), d.Warnings)
	}
}

func TestEUPause(t *testing.T) {
	// Identity asked 2 days after receipt (within the 10-day window), answered
	// 7 days later: 5..12 March is 8 days, both included.
	d := eu("2025-03-03", "id-requested@2025-03-05", "id-received@2025-03-12").run(t)
	if d.PausedDays != 8 || str(d.Due) != "2025-04-11" || str(d.DueWithoutPause) != "2025-04-03" {
		t.Errorf("inside window: paused %d due %s without %s", d.PausedDays, str(d.Due), str(d.DueWithoutPause))
	}
	if str(d.ExtensionNoticeBy) != "2025-04-03" {
		t.Errorf("extension notice by %s: a pause does not move it", str(d.ExtensionNoticeBy))
	}
	if str(d.ExtendedDue) != "2025-06-11" {
		t.Errorf("extended %s: 3 June + 8 days", str(d.ExtendedDue))
	}
	if d.Clock != ClockRunning {
		t.Errorf("clock %s after the answer arrived", d.Clock)
	}

	// Asked 17 days after receipt: outside the window, nothing pauses.
	d = eu("2025-03-03", "id-requested@2025-03-20", "id-received@2025-03-25").run(t)
	if d.PausedDays != 0 || str(d.Due) != "2025-04-03" || d.DueWithoutPause != nil {
		t.Errorf("outside window: paused %d due %s", d.PausedDays, str(d.Due))
	}
	if !strings.Contains(strings.Join(d.Steps, "\n"), "17 days after receipt") {
		t.Errorf("the working must say why nothing paused:\n%s", strings.Join(d.Steps, "\n"))
	}

	// Still waiting: paused since the request, counted up to today.
	c := eu("2025-03-03", "id-requested@2025-03-05")
	c.today = "2025-03-10"
	d = c.run(t)
	if d.Clock != ClockPaused || str(d.ClockSince) != "2025-03-05" || d.PausedDays != 6 || str(d.Due) != "2025-04-09" {
		t.Errorf("open pause: clock %s since %s paused %d due %s", d.Clock, str(d.ClockSince), d.PausedDays, str(d.Due))
	}

	// Setting "none": the clock never stops.
	c = eu("2025-03-03", "id-requested@2025-03-05", "id-received@2025-03-12")
	c.pause = PauseNone
	d = c.run(t)
	if d.PausedDays != 0 || str(d.Due) != "2025-04-03" {
		t.Errorf("pause none: paused %d due %s", d.PausedDays, str(d.Due))
	}

	// Two overlapping waits count each day once: 5..12 and 10..14 March is
	// 5..14, 10 days.
	d = eu("2025-03-03", "id-requested@2025-03-05", "clarification-requested@2025-03-10",
		"id-received@2025-03-12", "clarification-received@2025-03-14").run(t)
	if d.PausedDays != 10 || str(d.Due) != "2025-04-14" {
		t.Errorf("overlap: paused %d due %s", d.PausedDays, str(d.Due))
	}
}

func TestUKRestartAndClarification(t *testing.T) {
	// The month runs from the relevant time: the day identity arrived.
	d := uk("2026-03-02", "id-requested@2026-03-03", "id-received@2026-03-10").run(t)
	if str(d.Due) != "2026-04-10" || str(d.ExtensionNoticeBy) != "2026-04-10" || str(d.RefusalBy) != "2026-04-10" ||
		str(d.ExtendedDue) != "2026-06-10" || d.StartDate.String() != "2026-03-10" {
		t.Errorf("restart: due %s notice %s refusal %s extended %s start %s", str(d.Due), str(d.ExtensionNoticeBy),
			str(d.RefusalBy), str(d.ExtendedDue), d.StartDate)
	}
	// Still waiting: no due date, only how long it has waited.
	c := uk("2026-03-02", "id-requested@2026-03-03")
	c.today = "2026-03-20"
	d = c.run(t)
	if d.Clock != ClockAwaitingRestart || d.Due != nil || d.EffectiveDue != nil || str(d.ClockSince) != "2026-03-03" {
		t.Errorf("awaiting: clock %s due %s since %s", d.Clock, str(d.Due), str(d.ClockSince))
	}
	if !strings.Contains(strings.Join(d.Steps, "\n"), "waited 17 days") {
		t.Errorf("working should say how long it waited:\n%s", strings.Join(d.Steps, "\n"))
	}
	// The latest of several items restarts it: authority 12 March, fee 16 March.
	c = uk("2026-03-02", "authority-requested@2026-03-02", "fee-requested@2026-03-03",
		"authority-received@2026-03-12", "fee-paid@2026-03-16")
	c.right = RightErasure
	if d = c.run(t); str(d.Due) != "2026-04-16" {
		t.Errorf("latest item: due %s, want 2026-04-16", str(d.Due))
	}

	// Access clarification: 4..6 March is 3 days; 2 April + 3 = Sunday 5
	// April (Easter) -> Easter Monday -> Tuesday 7 April. All four dates move.
	c = uk("2026-03-02", "clarification-requested@2026-03-04", "clarification-received@2026-03-06")
	d = c.run(t)
	if d.PausedDays != 3 || str(d.Due) != "2026-04-07" || str(d.ExtensionNoticeBy) != "2026-04-07" || str(d.RefusalBy) != "2026-04-07" {
		t.Errorf("access clarification: paused %d due %s notice %s refusal %s", d.PausedDays, str(d.Due),
			str(d.ExtensionNoticeBy), str(d.RefusalBy))
	}
	if str(d.DueWithoutPause) != "2026-04-02" {
		t.Errorf("without pause %s", str(d.DueWithoutPause))
	}
	// The same for erasure: no pause under Art. 12A.
	c.right = RightErasure
	if d = c.run(t); d.PausedDays != 0 || str(d.Due) != "2026-04-02" {
		t.Errorf("erasure clarification: paused %d due %s", d.PausedDays, str(d.Due))
	}
}

func TestOtherRegimes(t *testing.T) {
	tests := []struct {
		name                          string
		c                             calc
		due, extended, ack, effective string
	}{
		// DEADLINES.md: received 2 January + 45 days = 16 February (a Sunday: no roll).
		{"us-ca 45 calendar days, no roll", calc{regime: "us-ca", calendar: "US", zone: "America/Los_Angeles", received: "2025-01-02"},
			"2025-02-16", "2025-04-02", "2025-01-16", "2025-02-16"},
		{"us-va", calc{regime: "us-va", calendar: "US", zone: "America/New_York", received: "2025-01-02"},
			"2025-02-16", "2025-04-02", "null", "2025-02-16"},
		// 3 April + 15 = Good Friday 18 April 2025 -> Saturday, Sunday -> Tiradentes Monday 21 -> Tuesday 22.
		{"br-lgpd rolls past holidays", calc{regime: "br-lgpd", calendar: "BR", zone: "America/Sao_Paulo", received: "2025-04-03"},
			"2025-04-22", "null", "null", "2025-04-22"},
		{"ca-qc", calc{regime: "ca-qc", calendar: "CA", zone: "America/Toronto", received: "2025-01-02"},
			"2025-02-01", "null", "null", "2025-02-01"},
		{"ca-pipeda", calc{regime: "ca-pipeda", calendar: "CA", zone: "America/Toronto", received: "2025-01-02"},
			"2025-02-01", "2025-03-03", "null", "2025-02-01"},
		{"ch-fadp", calc{regime: "ch-fadp", calendar: "CH-ZH", zone: "Europe/Zurich", received: "2025-01-02"},
			"2025-02-01", "null", "null", "2025-02-01"},
		// 5 working days after Friday 31 January 2025 in Poland.
		{"processor-forward", calc{regime: "processor-forward", calendar: "PL", zone: "Europe/Warsaw", received: "2025-01-31"},
			"2025-02-07", "null", "null", "2025-02-07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.c.run(t)
			got := []string{str(d.Due), str(d.ExtendedDue), str(d.AcknowledgeBy), str(d.EffectiveDue)}
			want := []string{tt.due, tt.extended, tt.ack, tt.effective}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("due/extended/ack/effective = %v, want %v\n%s", got, want, strings.Join(d.Steps, "\n"))
					break
				}
			}
			if tt.extended == "null" && d.ExtensionNoticeBy != nil && tt.c.regime != "ch-fadp" {
				t.Errorf("no extension, but extension_notice_by %s", str(d.ExtensionNoticeBy))
			}
		})
	}
	// The Swiss extension names its own date.
	c := calc{regime: "ch-fadp", calendar: "CH-ZH", zone: "Europe/Zurich", received: "2025-01-02",
		events: []string{"extension-notified@2025-01-20"}, extendedUntil: "2025-03-15"}
	if d := c.run(t); str(d.Due) != "2025-03-15" || !*d.ExtensionValid {
		t.Errorf("ch-fadp extension: due %s", str(d.Due))
	}
	// An extension notice under a regime without one changes nothing.
	c = calc{regime: "br-lgpd", calendar: "BR", zone: "America/Sao_Paulo", received: "2025-04-03",
		events: []string{"extension-notified@2025-04-05"}}
	if d := c.run(t); str(d.Due) != "2025-04-22" || *d.ExtensionValid || len(d.Warnings) == 0 {
		t.Errorf("br-lgpd notice: due %s warnings %v", str(d.Due), d.Warnings)
	}
}

func TestZoneAndDaylightSaving(t *testing.T) {
	// 00:30 in Berlin on 15 June is 22:30 UTC on 14 June: a 15 June request.
	c := calc{regime: "eu-gdpr", calendar: "DE-BE", zone: "Europe/Berlin", received: "2025-06-15T00:30:00+02:00"}
	d := c.run(t)
	if d.ReceiptDate.String() != "2025-06-15" || str(d.Due) != "2025-07-15" {
		t.Errorf("receipt %s due %s, want 2025-06-15 and 2025-07-15", d.ReceiptDate, str(d.Due))
	}
	// The same instant given in UTC is the same request.
	c.received = "2025-06-14T22:30:00Z"
	if d2 := c.run(t); str(d2.Due) != str(d.Due) {
		t.Errorf("UTC spelling changed the due date: %s", str(d2.Due))
	}
	// Received in winter time, due in summer time: the instant is the end of
	// the local day, 21:59:59 UTC, not 22:59:59.
	c.received = "2025-03-01T10:00:00+01:00"
	d = c.run(t)
	if str(d.Due) != "2025-04-01" || d.DueAt.Format(time.RFC3339) != "2025-04-01T21:59:59Z" {
		t.Errorf("across DST: due %s at %v", str(d.Due), d.DueAt)
	}
	// And back: received in summer, due in winter.
	c.received = "2025-10-01T10:00:00+02:00"
	d = c.run(t)
	// 1 November 2025 is a Saturday -> Monday 3 November.
	if str(d.Due) != "2025-11-03" || d.DueAt.Format(time.RFC3339) != "2025-11-03T22:59:59Z" {
		t.Errorf("across DST back: due %s at %v", str(d.Due), d.DueAt)
	}
}

func TestCyprusOrthodoxEaster(t *testing.T) {
	// Orthodox Easter 2024 was 5 May (Western Easter 31 March). Received 3
	// April: one month -> Friday 3 May, Orthodox Good Friday -> weekend ->
	// Monday 6 May, Easter Monday -> Tuesday 7 May.
	c := calc{regime: "eu-gdpr", calendar: "CY", zone: "Asia/Nicosia", received: "2024-04-03"}
	d := c.run(t)
	if str(d.Due) != "2024-05-07" {
		t.Errorf("Cyprus: due %s, want 2024-05-07\n%s", str(d.Due), strings.Join(d.Steps, "\n"))
	}
	// Under a Western calendar the same receipt is due on Friday 3 May.
	c.calendar, c.zone = "FR", "Europe/Paris"
	if d := c.run(t); str(d.Due) != "2024-05-03" {
		t.Errorf("France: due %s, want 2024-05-03", str(d.Due))
	}
	// Cyprus's own fixed days: 1 October, Independence Day. Received 1
	// September 2025 -> Wednesday 1 October -> Thursday 2 October.
	c = calc{regime: "eu-gdpr", calendar: "CY", zone: "Asia/Nicosia", received: "2025-09-01"}
	if d := c.run(t); str(d.Due) != "2025-10-02" {
		t.Errorf("Cyprus Independence Day: due %s", str(d.Due))
	}
}

func TestPromiseActByAndComplaints(t *testing.T) {
	// DEADLINES.md section 6: received 31 January, statute 28 February,
	// promise 2 March: 28 February governs.
	c := eu("2025-01-31")
	c.promise = 30
	d := c.run(t)
	if str(d.PromiseDue) != "2025-03-02" || str(d.EffectiveDue) != "2025-02-28" {
		t.Errorf("promise %s effective %s", str(d.PromiseDue), str(d.EffectiveDue))
	}
	// Received 5 March 2025: statute 5 April is a Saturday -> 7 April; the
	// promise, 4 April, is earlier and governs.
	c = eu("2025-03-05")
	c.promise = 30
	if d = c.run(t); str(d.Due) != "2025-04-07" || str(d.EffectiveDue) != "2025-04-04" {
		t.Errorf("promise governs: due %s effective %s", str(d.Due), str(d.EffectiveDue))
	}
	// Once a valid extension is in force, the promise no longer applies.
	c.events = []string{"extension-notified@2025-03-20"}
	if d = c.run(t); str(d.EffectiveDue) != "2025-06-05" {
		t.Errorf("extension over promise: effective %s", str(d.EffectiveDue))
	}

	// Withdrawal of consent: act by 2 working days (Friday -> Tuesday).
	c = calc{regime: "eu-gdpr", calendar: "DE-BE", zone: "Europe/Berlin", received: "2025-01-31", right: RightWithdrawConsent}
	if d = c.run(t); str(d.ActBy) != "2025-02-04" || str(d.Due) != "2025-02-28" {
		t.Errorf("withdraw consent: act by %s due %s", str(d.ActBy), str(d.Due))
	}
	c.right = RightAccess
	if d = c.run(t); d.ActBy != nil {
		t.Errorf("access has no act-by date")
	}

	// UK complaint: acknowledge within 30 days beginning with receipt.
	c = uk("2026-07-01")
	c.right = RightComplaint
	d = c.run(t)
	if str(d.AcknowledgeBy) != "2026-07-30" || d.Due != nil || str(d.EffectiveDue) != "2026-07-31" || str(d.TargetDue) != "2026-07-31" {
		t.Errorf("uk complaint: ack %s due %s effective %s", str(d.AcknowledgeBy), str(d.Due), str(d.EffectiveDue))
	}
	// EU complaint with a promise: the promise is the target.
	c = eu("2025-01-31")
	c.right, c.promise = RightComplaint, 30
	if d = c.run(t); d.Due != nil || str(d.EffectiveDue) != "2025-03-02" || d.AcknowledgeBy != nil {
		t.Errorf("eu complaint: due %s effective %s", str(d.Due), str(d.EffectiveDue))
	}
}

func TestComputeRefusesBadInput(t *testing.T) {
	base := Input{Rules: Rules{Regime: "eu-gdpr", Zone: "Europe/Paris", Calendar: "FR"},
		Right: RightAccess, ReceivedAt: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	tests := []struct {
		name   string
		mutate func(*Input)
		want   string
	}{
		{"unknown regime", func(in *Input) { in.Rules.Regime = "mars-law" }, "unknown regime"},
		{"unknown zone", func(in *Input) { in.Rules.Zone = "Europe/Atlantis" }, "unknown time zone"},
		{"unknown calendar", func(in *Input) { in.Rules.Calendar = "XX" }, "unknown holiday calendar"},
		{"event before receipt", func(in *Input) {
			in.Events = []ClockEvent{{Kind: ClockIDRequested, At: time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)}}
		}, "before the receipt date"},
		{"answer without request", func(in *Input) {
			in.Events = []ClockEvent{{Kind: ClockIDReceived, At: time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)}}
		}, "nothing was asked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			tt.mutate(&in)
			_, err := Compute(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestInterpretationsAreInTheWorking: what the calendar makes a reading
// shows in the working: Cyprus leaves Easter Tuesday (a bank holiday only)
// and Christmas Eve (a public-service holiday only) out, in every Cyprus
// case, whether or not the date came near either day.
func TestInterpretationsAreInTheWorking(t *testing.T) {
	for _, received := range []string{"2026-03-02", "2025-09-01", "2024-04-03"} {
		cy := calc{regime: "eu-gdpr", calendar: "CY", zone: "Asia/Nicosia", received: received}
		w := strings.Join(cy.run(t).Steps, "\n")
		for _, want := range []string{"Easter Tuesday not counted as a holiday: bank holiday only",
			"Christmas Eve not counted as a holiday"} {
			if !strings.Contains(w, want) {
				t.Errorf("Cyprus, received %s: working lacks %q:\n%s", received, want, w)
			}
		}
	}
	// Under another calendar the Cyprus reading is not shown.
	if w := strings.Join(eu("2026-03-02").run(t).Steps, "\n"); strings.Contains(w, "Easter Tuesday") {
		t.Errorf("France shows the Cyprus reading:\n%s", w)
	}
}

// TestUKBeforeAndAfterArt12A: a UK request received before 5 February
// 2026 (UKArt12AInForce) is judged under the ICO's guidance of the time and
// its working never cites Art. 12A; one received on or after that day rests
// on Art. 12A. The relevant-time rule gives the same dates either way: the
// period runs from the day the identity asked for arrived, one month to the
// same date.
func TestUKBeforeAndAfterArt12A(t *testing.T) {
	tests := []struct {
		name   string
		c      calc
		due    string
		before bool
	}{
		// Identity received Tue 20 January 2026: one month -> Fri 20 February, a working day.
		{"January 2026", uk("2026-01-12", "id-requested@2026-01-13", "id-received@2026-01-20"), "2026-02-20", true},
		// The day before: received 4 February 2026, nothing asked: Wed 4 March, a working day.
		{"4 February 2026", uk("2026-02-04T23:30:00Z"), "2026-03-04", true},
		// The first day of Art. 12A: 5 February 2026 -> Thu 5 March.
		{"5 February 2026", uk("2026-02-05T00:30:00Z"), "2026-03-05", false},
		// Identity received Tue 10 March 2026: one month -> Fri 10 April, a working day (Easter Monday is 6 April).
		{"March 2026", uk("2026-03-02", "id-requested@2026-03-03", "id-received@2026-03-10"), "2026-04-10", false},
		// A clarification asked in an erasure request pauses nothing on either side.
		{"erasure with clarification, January 2026", calc{regime: "uk-gdpr", calendar: "GB-EAW", zone: "Europe/London",
			received: "2026-01-12", right: RightErasure, events: []string{"clarification-requested@2026-01-13"}}, "2026-02-12", true},
		{"erasure with clarification, March 2026", calc{regime: "uk-gdpr", calendar: "GB-EAW", zone: "Europe/London",
			received: "2026-03-02", right: RightErasure, events: []string{"clarification-requested@2026-03-03"}}, "2026-04-02", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.c.run(t)
			w := strings.Join(d.Steps, "\n")
			if str(d.Due) != tt.due {
				t.Errorf("due %s, want %s\n%s", str(d.Due), tt.due, w)
			}
			if UKBeforeArt12A(d.ReceiptDate) != tt.before {
				t.Errorf("received %s: before Art. 12A = %v", d.ReceiptDate, !tt.before)
			}
			if tt.before && (!strings.Contains(w, "the ICO's guidance in force when it was received") || strings.Contains(w, "12A")) {
				t.Errorf("a request received before 5 February 2026 cites the ICO's guidance, never Art. 12A:\n%s", w)
			}
			if !tt.before && (!strings.Contains(w, "UK GDPR Art. 12(3) and 12A") || strings.Contains(w, "ICO")) {
				t.Errorf("a request received from 5 February 2026 cites Art. 12A:\n%s", w)
			}
			if len(tt.c.events) > 0 && !tt.before && !strings.Contains(w, "under Art. 12A") {
				t.Errorf("the restart or pause should say it rests on Art. 12A:\n%s", w)
			}
		})
	}
}

// TestRulesOutOfRangeNamedInOrder: of several settings out of range, the
// rules name the first in the order of their fields, every time.
func TestRulesOutOfRangeNamedInOrder(t *testing.T) {
	r := Rules{Regime: "eu-gdpr", Zone: "Europe/Berlin", Calendar: "DE-BE", PromiseDays: 400, BackdateHours: -1}
	for range 20 {
		err := r.Validate()
		if err == nil || err.Error() != "promise_days must be between 0 and 366, not 400" {
			t.Fatalf("got %v", err)
		}
	}
	r.PromiseDays = 366
	if err := r.Validate(); err == nil || err.Error() != "backdate_hours must be between 0 and 366, not -1" {
		t.Fatalf("got %v", err)
	}
}
