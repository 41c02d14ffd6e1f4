package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// TestOutputAreaAsksForHugePages: the output area's mapping is marked for
// transparent huge pages (VmFlags "hg" in /proc/self/smaps), which is what
// saves a long list its hundreds of page faults; whether the kernel grants
// them is the system's setting.
func TestOutputAreaAsksForHugePages(t *testing.T) {
	var c chunks
	c.WriteString("[")
	defer c.release()
	start := fmt.Sprintf("%x-", uintptr(unsafe.Pointer(&c.bufs[0][0]))&^(hugePage-1))
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	in, found := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			lo, hi, _ := strings.Cut(fields[0], "-")
			in = inRange(uintptr(unsafe.Pointer(&c.bufs[0][0])), lo, hi)
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			found = true
			if !strings.Contains(line, " hg") {
				t.Errorf("the output area (%s...) is not marked for huge pages: %s", start, line)
			}
		}
	}
	if !found {
		t.Fatalf("no mapping holds the output area at %s", start)
	}
}

func inRange(p uintptr, lo, hi string) bool {
	var l, h uintptr
	fmt.Sscanf(lo, "%x", &l)
	fmt.Sscanf(hi, "%x", &h)
	return l <= p && p < h
}

// BenchmarkListOutput holds the 1.7 MB that `list --overdue --json` prints
// at 100,000 cases (1,431 views of about 1.2 KB) until it is printed,
// with the page faults that costs a fresh process (minor faults per op).
func BenchmarkListOutput(b *testing.B) {
	view := bytes.Repeat([]byte("x"), 1180)
	var faults int64
	for b.Loop() {
		var before, after syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		var c chunks
		c.WriteByte('[')
		for i := 0; i < 1431; i++ {
			c.Write(view)
			c.WriteByte(',')
		}
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		faults += after.Minflt - before.Minflt
		c.release()
	}
	b.ReportMetric(float64(faults)/float64(b.N), "faults/op")
}
