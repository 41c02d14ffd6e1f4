package peers

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/cases/register"
)

// The demo as ui's BenchmarkFilterKeystroke100k makes it (seed 1, as of
// 22 November 2026), so that the filter's rows are the same cases.
var (
	demoNow  = time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	rowsOnce sync.Once
	rowsAll  []cases.Summary
	rowsErr  error
)

// queries are the 13 typical queries of ui's BenchmarkFilterKeystroke100k:
// what a DPO types, keystroke by keystroke.
var queries = []string{"wo", "woz", "wozn", "nowak", "gomez", "an", "ma", "mari", "dupont", "crisp acc", "erasure", "anna", "xq"}

// benchCases is the number of demo cases the rows come from.
func benchCases(b *testing.B) int {
	v := os.Getenv("RIGHTSDESK_BENCH_CASES")
	if v == "" {
		return 100_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("RIGHTSDESK_BENCH_CASES=%q: want a positive whole number", v)
	}
	return n
}

// rows are the demo's cases as the queue's rows, in urgency order, made
// once for every benchmark of the run (generating is not timed).
func rows(b *testing.B) []cases.Summary {
	b.Helper()
	n := benchCases(b)
	rowsOnce.Do(func() {
		regs, err := register.LoadRegisters(register.Embedded())
		if err != nil {
			rowsErr = err
			return
		}
		// A batch at a time, each summarised and let go: a million
		// generated cases held whole took more than 23 GB.
		rowsErr = demo.Batches(demo.Options{Cases: n, Seed: 1, Now: demoNow, Registers: regs.All()}, 5000, func(reqs [][]*cases.Case) error {
			for _, r := range reqs {
				for _, c := range r {
					if c.ID == "" { // the store would number them
						c.ID = fmt.Sprintf("DSR-%d-%06d", c.ReceivedAt.Year(), len(rowsAll)+1)
					}
					st, _ := c.Derive(demoNow)
					rowsAll = append(rowsAll, cases.Summarize(c, st, 1))
				}
			}
			return nil
		})
		if rowsErr != nil {
			return
		}
		cases.SortByUrgency(rowsAll)
	})
	if rowsErr != nil {
		b.Fatal(rowsErr)
	}
	return rowsAll
}
