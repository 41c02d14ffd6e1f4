package cases

import (
	"testing"
	"time"
)

// benchInput is a Berlin access case with an identity pause and a promise.
func benchInput(brief bool) Input {
	loc, _ := LoadZone("Europe/Berlin")
	return Input{Rules: Rules{Regime: "eu-gdpr", Zone: "Europe/Berlin", Calendar: "DE-BE", PromiseDays: 30},
		Right: RightAccess, ReceivedAt: time.Date(2025, 3, 3, 9, 0, 0, 0, loc),
		Events: []ClockEvent{{Kind: ClockIDRequested, At: time.Date(2025, 3, 5, 9, 0, 0, 0, loc)},
			{Kind: ClockIDReceived, At: time.Date(2025, 3, 12, 9, 0, 0, 0, loc)}},
		Today: NewDate(2025, 3, 20), Brief: brief}
}

func benchmarkCompute(b *testing.B, brief bool) {
	in := benchInput(brief)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompute is one case's deadlines with their working (show).
func BenchmarkCompute(b *testing.B) { benchmarkCompute(b, false) }

// BenchmarkComputeBrief is the same without the working, as the queue loads
// many cases.
func BenchmarkComputeBrief(b *testing.B) { benchmarkCompute(b, true) }
