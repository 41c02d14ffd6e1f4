package storage

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"rightsdesk/cases"
)

var (
	compactNow       = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	compactRetention = func(string) (Retention, bool) { return Retention{CopiesMonths: 6, RecordYears: 3}, true }
)

// childPurger purges the database at path and, when the purge reaches
// stage, says so on stdout and waits to be killed.
func childPurger(path, stage string) {
	compactHook = func(s string) {
		if s == stage {
			fmt.Println("AT", s)
			select {}
		}
	}
	if _, err := Open(path, Options{LockTimeout: 10 * time.Second}).Purge(compactRetention, compactNow, "dpo", false); err != nil {
		fmt.Println("ERR", err)
	}
	fmt.Println("DONE")
}

// TestPurgeKilledAtEveryStage: a purge killed at each stage of its work
// (the erasure committed, the compaction started, the copy written, before
// and after the rename), then any write: none of the erased e-mail
// addresses is left anywhere in the file's bytes, and neither a .compact
// nor a .partial file remains. Before the write, a purge killed ahead of
// the compaction did leave them in the file: the resumption is what
// removes them.
func TestPurgeKilledAtEveryStage(t *testing.T) {
	for _, stage := range []string{"purged", "compact-start", "compacted", "before-rename", "renamed"} {
		t.Run(stage, func(t *testing.T) {
			s := newTimeMachine(t) // cases closed years ago
			var markers []string
			for i := range 12 {
				m := fmt.Sprintf("ERASED%02dADDR", i)
				markers = append(markers, m)
				oldCase(t, s, fmt.Sprintf("Subject %02d", i), time.Date(2022, 1, 3+i, 9, 0, 0, 0, time.UTC), m)
			}
			cmd := child(t, "RIGHTSDESK_TEST_CHILD=purger", "RIGHTSDESK_TEST_DB="+s.Path(), "RIGHTSDESK_TEST_STAGE="+stage)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(out).ReadString('\n')
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			if strings.TrimSpace(line) != "AT "+stage {
				t.Fatalf("the purge did not reach %s: %q", stage, line)
			}
			left := func() int {
				b, err := os.ReadFile(s.Path())
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, m := range markers {
					if bytes.Contains(b, []byte(m)) {
						n++
					}
				}
				return n
			}
			if n := left(); (stage == "purged" || stage == "compact-start") && n == 0 {
				t.Fatalf("killed at %s, the erased addresses are already gone: the test shows nothing", stage)
			}
			// Any write: a note on a case of today.
			id := addCase(t, s, "Today Someone")[0].ID
			if _, err := s.Apply(id, cases.Event{Kind: cases.EventNoted, Text: "called", Actor: "dpo"}, NoRevision, compactNow); err != nil {
				t.Fatal(err)
			}
			if n := left(); n != 0 {
				t.Errorf("killed at %s: %d of %d erased addresses still in the file after a write", stage, n, len(markers))
			}
			stray, _ := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), "*.*"))
			for _, f := range stray {
				if strings.HasSuffix(f, ".compact") || strings.HasSuffix(f, ".partial") {
					t.Errorf("left behind: %s", f)
				}
			}
			if problems, err := s.Check(); err != nil || len(problems) > 0 {
				t.Errorf("check after the resumed purge: %v %v", problems, err)
			}
			plan, err := s.Purge(compactRetention, compactNow, "dpo", true)
			if err != nil || len(plan.Items) != 0 {
				t.Errorf("a purge after: %+v %v", plan, err)
			}
		})
	}
}
