package storage

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/cases/register"
)

// TestBulkInsertAcrossBlocks: requests written in bulk are encoded on other
// cores a block at a time; across several blocks every case is numbered in
// order, linked to its request, chained (check passes), listed once in the
// change log and in the queue, with its attachments stored.
func TestBulkInsertAcrossBlocks(t *testing.T) {
	overClusterLimits(t, "1,200 requests, 14,392 operations")
	reqs, now := demoRequests(t, 1200, 3)
	s := created(t, filepath.Join(t.TempDir(), "cases.db"), Options{})
	if err := s.AddRequests(reqs, now, 0); err != nil {
		t.Fatal(err)
	}
	problems, err := s.Check()
	if err != nil || len(problems) != 0 {
		t.Fatalf("check: %v %v", err, problems)
	}
	var want []string
	files := 0
	for _, group := range reqs {
		for _, c := range group {
			want = append(want, c.ID)
			if !slices.Contains(c.Linked, group[0].ID) && c.ID != group[0].ID || c.RequestID != group[0].ID {
				t.Fatalf("%s is not linked to its request %s: %v", c.ID, group[0].ID, c.Linked)
			}
			for _, ev := range c.Events {
				if ev.Kind == cases.EventAttached && ev.Attachment != nil && ev.Attachment.Content != nil {
					files++
					got, err := s.File(c.ID, ev.Attachment.Name)
					if err != nil || string(got) != string(ev.Attachment.Content) {
						t.Fatalf("%s %s: %v", c.ID, ev.Attachment.Name, err)
					}
				}
			}
		}
	}
	// Numbered in the order given, within each year of receipt.
	for i := 1; i < len(want); i++ {
		if want[i][:9] == want[i-1][:9] && want[i] <= want[i-1] {
			t.Fatalf("%s after %s", want[i], want[i-1])
		}
	}
	counter, changed, err := s.Changes(0)
	if err != nil || int(counter) != len(want) || len(changed) != len(want) {
		t.Fatalf("change log: %d changes, %d cases, want %d (%v)", counter, len(changed), len(want), err)
	}
	q, _, err := s.Queue(now)
	if err != nil || len(q) != len(want) {
		t.Fatalf("queue: %d cases, want %d (%v)", len(q), len(want), err)
	}
	for _, sum := range q {
		l, err := s.Get(sum.ID)
		if err != nil || l.Revision != len(l.Case.Events) || sum.Revision != l.Revision {
			t.Fatal(fmt.Sprint(sum.ID, err))
		}
	}
	if files == 0 {
		t.Fatal("the demo stored no attachment: the test proves nothing about files")
	}
}

// BenchmarkAddRequests is the demo's bulk write alone (demo.Generate's
// requests made before the timer starts): encoding the cases on the cores
// and the writer putting them, 500 requests a transaction, into a test
// database marked as the demo marks its own.
func BenchmarkAddRequests(b *testing.B) {
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	for b.Loop() {
		b.StopTimer()
		reqs, err := demo.Generate(demo.Options{Cases: 5000, Seed: 3, Now: now, Registers: regs.All()})
		if err != nil {
			b.Fatal(err)
		}
		s := created(b, filepath.Join(b.TempDir(), "cases.db"), Options{})
		if err := s.MarkTest([]byte("rightsdesk demo 3")); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.AddRequests(reqs, now, 500); err != nil {
			b.Fatal(err)
		}
	}
}

// demoRequests is n cases of the demo's seed, as of 22 November 2026 15:00
// UTC, for the embedded registers, grouped as demo.Generate groups them,
// and that time.
func demoRequests(t testing.TB, n int, seed uint64) ([][]*cases.Case, time.Time) {
	t.Helper()
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	reqs, err := demo.Generate(demo.Options{Cases: n, Seed: seed, Now: now, Registers: regs.All()})
	if err != nil {
		t.Fatal(err)
	}
	return reqs, now
}
