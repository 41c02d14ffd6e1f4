package storage

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// BenchmarkCheck100k is check of the 100,000-case file: the bbolt walk, the
// rules, and every case's chain (and, from schema 4, the salts, the
// commitments and the views derived again). It reports the CPU time per
// check and the file's size, so that what the chain adds per case shows.
func BenchmarkCheck100k(b *testing.B) {
	s := scaleStore(b)
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	for b.Loop() {
		problems, err := s.Check()
		if err != nil || len(problems) > 0 {
			b.Fatalf("%v %v", problems[:min(len(problems), 3)], err)
		}
	}
	// CPU time, which a loaded machine distorts less than the wall clock.
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) / time.Duration(b.N)
	b.ReportMetric(cpu.Seconds(), "cpu-s/op")
	if info, err := os.Stat(s.Path()); err == nil {
		b.ReportMetric(float64(info.Size())/(1<<20), "file-MiB")
	}
}
