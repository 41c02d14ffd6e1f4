package cases

import (
	"testing"
	"time"
)

// A receipt typed as a date is that date under both clocks compared; a
// receipt at 00:30 in Nicosia is still the evening before in Brussels, so
// Brussels, whose month then ends on 1 April, is the clock used.
func TestEarliestClockKeepsTypedDates(t *testing.T) {
	rules := Rules{Regime: "eu-gdpr", Zone: "Asia/Nicosia", Calendar: "CY", EarliestClock: true}.WithDefaults()
	nicosia, _ := LoadZone("Asia/Nicosia")
	typed, err := ParseTime("2026-03-02", nicosia)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		at            time.Time
		receipt, base string
	}{
		// One month from Monday 2 March 2026 is Thursday 2 April, a working
		// day in Cyprus and in Brussels (Good Friday is 3 April).
		{"typed as a date", typed, "2026-03-02", "2026-04-02"},
		// 22:30 UTC on 1 March: 00:30 on 2 March in Nicosia, 23:30 on 1 March
		// in Brussels, where one month ends on Wednesday 1 April.
		{"half past midnight", time.Date(2026, 3, 1, 22, 30, 0, 0, time.UTC), "2026-03-01", "2026-04-01"},
	} {
		d, err := Compute(Input{Rules: rules, Right: RightAccess, ReceivedAt: tc.at, Today: NewDate(2026, 3, 2)})
		if err != nil {
			t.Fatal(err)
		}
		if d.ReceiptDate.String() != tc.receipt || str(d.BaseDue) != tc.base {
			t.Errorf("%s: receipt %s, base due %s; want %s, %s", tc.name, d.ReceiptDate, str(d.BaseDue), tc.receipt, tc.base)
		}
	}
}
