package cases

import (
	"regexp"
	"strings"
	"testing"
)

// TestWorkingWording reads the working of cases that count one of
// something and cases that rest on a register setting: one is "1 day",
// never "1 days"; a setting is said in words; the working never cites this
// project's documents or rule numbers, which mean nothing to the DPO's
// reader.
func TestWorkingWording(t *testing.T) {
	one := eu("2025-03-03", "id-requested@2025-03-04", "id-received@2025-03-04")
	one.promise = 1
	none := eu("2025-03-03", "id-requested@2025-03-04")
	none.pause = PauseNone
	complaint := eu("2025-03-03")
	complaint.right = RightComplaint
	objection := eu("2025-03-03")
	objection.right = RightObjection
	runs := map[string]calc{
		"one day paused and promised": one,
		"pause none":                  none,
		"complaint":                   complaint,
		"objection":                   objection,
		"CCPA acknowledgement":        {regime: "us-ca", calendar: "US", zone: "America/Los_Angeles", received: "2025-01-02"},
		"forwarding":                  {regime: "processor-forward", calendar: "PL", zone: "Europe/Warsaw", received: "2025-01-31"},
		"UK clarification":            uk("2026-03-02", "clarification-requested@2026-03-03", "clarification-received@2026-03-03"),
		"Cyprus":                      {regime: "eu-gdpr", calendar: "CY", zone: "Asia/Nicosia", received: "2024-04-03"},
	}
	plural := regexp.MustCompile(`\b1 [a-z ]*days\b`)
	citation := regexp.MustCompile(`\.md\b|\bR[0-9]+\b|\bsection [0-9]`)
	all := ""
	for name, c := range runs {
		w := strings.Join(c.run(t).Steps, "\n")
		all += w + "\n"
		if m := plural.FindString(w); m != "" {
			t.Errorf("%s: %q in\n%s", name, m, w)
		}
		if m := citation.FindString(w); m != "" {
			t.Errorf("%s: cites %q in\n%s", name, m, w)
		}
	}
	for _, want := range []string{
		"1 day paused (both days included); the register's pause setting: additive, when asked within 10 days of receipt",
		"promises an answer within 1 day:",
		"the register's pause setting is none (the clock never stops), so the clock runs",
		"internal target: 30 days after receipt",
		"an objection to processing for direct marketing takes effect when received (Art. 21(3))",
		"acknowledge within 10 working days",
		"forward the request within 5 working days",
		"1 day paused (both days included); under Art. 12A an access request pauses while its clarification is awaited",
		// The holiday names as the calendar gives them.
		"a public holiday (Μεγάλη Παρασκευή)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no working says %q:\n%s", want, all)
		}
	}
	// One working day is singular too.
	if got := (&Regime{Unit: UnitWorkingDays}).period(1); got != "1 working day" {
		t.Errorf("period(1) = %q", got)
	}
	// 1 January in a Greek calendar is New Year's Day, which the library
	// misnames Christmas.
	for _, code := range []string{"GR", "CY"} {
		c, _ := LookupCalendar(code)
		if name := c.Holiday(NewDate(2026, 1, 1)); name != "Πρωτοχρονιά" {
			t.Errorf("%s 1 January: %q", code, name)
		}
	}
}
