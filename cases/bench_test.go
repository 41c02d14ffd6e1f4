package cases

import (
	"testing"
	"time"
)

// BenchmarkCompute is one case's deadlines with their working: the queue
// computes this for every open case it loads.
func BenchmarkCompute(b *testing.B) {
	loc, _ := LoadZone("Europe/Berlin")
	in := Input{Rules: Rules{Regime: "eu-gdpr", Zone: "Europe/Berlin", Calendar: "DE-BE", PromiseDays: 30},
		Right: RightAccess, ReceivedAt: time.Date(2025, 3, 3, 9, 0, 0, 0, loc),
		Events: []ClockEvent{{Kind: ClockIDRequested, At: time.Date(2025, 3, 5, 9, 0, 0, 0, loc)},
			{Kind: ClockIDReceived, At: time.Date(2025, 3, 12, 9, 0, 0, 0, loc)}},
		Today: NewDate(2025, 3, 20)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeBrief is the same without the working, as the queue loads
// 100,000 cases.
func BenchmarkComputeBrief(b *testing.B) {
	loc, _ := LoadZone("Europe/Berlin")
	in := Input{Rules: Rules{Regime: "eu-gdpr", Zone: "Europe/Berlin", Calendar: "DE-BE", PromiseDays: 30},
		Right: RightAccess, ReceivedAt: time.Date(2025, 3, 3, 9, 0, 0, 0, loc),
		Events: []ClockEvent{{Kind: ClockIDRequested, At: time.Date(2025, 3, 5, 9, 0, 0, 0, loc)},
			{Kind: ClockIDReceived, At: time.Date(2025, 3, 12, 9, 0, 0, 0, loc)}},
		Today: NewDate(2025, 3, 20), Brief: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(in); err != nil {
			b.Fatal(err)
		}
	}
}
