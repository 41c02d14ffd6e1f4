package storage

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rightsdesk/cases"
)

// TestMain lets the test binary act as a second process: with
// RIGHTSDESK_TEST_CHILD set it runs one of the child loops below instead of
// the tests.
func TestMain(m *testing.M) {
	switch os.Getenv("RIGHTSDESK_TEST_CHILD") {
	case "":
		code := m.Run()
		afterTests()
		cleanupScale()
		os.Exit(code)
	case "purger":
		childPurger(os.Getenv("RIGHTSDESK_TEST_DB"), os.Getenv("RIGHTSDESK_TEST_STAGE"))
	case "adder":
		childAdder(os.Getenv("RIGHTSDESK_TEST_DB"))
	case "writer":
		childWriter(os.Getenv("RIGHTSDESK_TEST_DB"), os.Getenv("RIGHTSDESK_TEST_IDS"), os.Getenv("RIGHTSDESK_TEST_MODE"))
	case "migrate":
		childMigrate(os.Getenv("RIGHTSDESK_TEST_DB"))
	}
	os.Exit(0)
}

// childAdder adds cases forever, printing each ID once its transaction has
// committed: what it printed was acknowledged.
func childAdder(path string) {
	s := Open(path, Options{LockTimeout: 10 * time.Second})
	// RIGHTSDESK_TEST_PAUSE: a pause between adds, as a person or a script
	// makes, so that another process gets the lock (flock is not fair).
	pause, _ := time.ParseDuration(os.Getenv("RIGHTSDESK_TEST_PAUSE"))
	for i := 0; ; i++ {
		time.Sleep(pause)
		cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess, cases.RightErasure},
			Subject:    cases.Subject{Name: fmt.Sprintf("Subject %d", i), Email: "s@example.org"},
			ReceivedAt: testNow}, testRules, testNow, "cron")
		if err != nil {
			fmt.Println("ERR", err)
			continue
		}
		fmt.Println(cs[0].ID, cs[1].ID)
	}
}

// childWriter adds 30 notes spread over the given cases, with or without the
// revision it read, and prints one line per outcome.
func childWriter(path, idList, mode string) {
	s := Open(path, Options{LockTimeout: 20 * time.Second})
	ids := strings.Split(idList, ",")
	for i := 0; i < 30; i++ {
		id := ids[i%len(ids)]
		rev := NoRevision
		if mode == "if-revision" {
			l, err := s.Get(id)
			if err != nil {
				fmt.Println("ERR", err)
				continue
			}
			rev = l.Revision
			// Think a little, as a person at a screen would, so that others
			// change the case meanwhile.
			time.Sleep(2 * time.Millisecond)
		}
		text := fmt.Sprintf("note %d from %d", i, os.Getpid())
		_, err := s.Apply(id, cases.Event{Kind: cases.EventNoted, Text: text, Actor: "w"}, rev, testNow)
		var conflict *Conflict
		switch {
		case err == nil:
			fmt.Println("APPLIED", id, text)
		case errors.As(err, &conflict):
			fmt.Println("CONFLICT", id, text)
		default:
			fmt.Println("ERR", err)
		}
	}
}

func child(t *testing.T, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// adder is a child process adding cases (childAdder): writing is closed
// once it has acknowledged a case; stop kills it (SIGKILL) and returns when
// all it printed has been read.
type adder struct {
	writing chan struct{}
	stop    func()
}

// startAdder starts an adder on path with the extra environment given;
// acknowledged gets the IDs of each request it acknowledged, in the order
// printed, from one goroutine.
func startAdder(t *testing.T, path string, acknowledged func(ids []string), env ...string) *adder {
	t.Helper()
	cmd := child(t, append([]string{"RIGHTSDESK_TEST_CHILD=adder", "RIGHTSDESK_TEST_DB=" + path}, env...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &adder{writing: make(chan struct{})}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(out)
		first := true
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] != "ERR" {
				acknowledged(f)
				if first {
					close(a.writing)
					first = false
				}
			}
		}
	}()
	var once sync.Once
	a.stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-read
			_ = cmd.Wait()
		})
	}
	t.Cleanup(a.stop)
	return a
}

// TestCrashKeepsAcknowledgedCases kills a process adding cases at random
// moments, many times: every case it acknowledged is there and the file
// checks.
func TestCrashKeepsAcknowledgedCases(t *testing.T) {
	path := created(t, filepath.Join(t.TempDir(), "cases.db"), Options{}).Path()
	rng := rand.New(rand.NewPCG(7, 7))
	acknowledged := map[string]bool{}
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	for round := 0; round < rounds; round++ {
		a := startAdder(t, path, func(ids []string) {
			for _, id := range ids {
				acknowledged[id] = true
			}
		})
		// The kill comes at a random moment once the child writes: a
		// loaded machine (the race detector, CI) may take longer than the
		// random delay just to start it.
		select {
		case <-a.writing:
		case <-time.After(20 * time.Second):
		}
		time.Sleep(time.Duration(rng.IntN(250)) * time.Millisecond)
		a.stop()
	}
	if len(acknowledged) < 10 {
		t.Fatalf("the child acknowledged only %d cases", len(acknowledged))
	}
	s := Open(path, Options{})
	for id := range acknowledged {
		if _, err := s.Get(id); err != nil {
			t.Fatalf("acknowledged case %s lost: %v", id, err)
		}
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after kills: %v %v", problems, err)
	}
	t.Logf("%d rounds, %d acknowledged cases, all present", rounds, len(acknowledged))
}

// TestConcurrentWriters runs several processes changing the same cases.
func TestConcurrentWriters(t *testing.T) {
	for _, tc := range []struct {
		mode      string
		processes int
	}{{"plain", 2}, {"plain", 4}, {"if-revision", 2}, {"if-revision", 4}} {
		t.Run(tc.mode+"-"+strconv.Itoa(tc.processes), func(t *testing.T) {
			s := created(t, filepath.Join(t.TempDir(), "cases.db"), Options{})
			var idList []string
			for i := 0; i < 3; i++ {
				idList = append(idList, addCase(t, s, "Anna A")[0].ID)
			}
			var mu sync.Mutex
			applied := map[string][]string{}
			conflicts := 0
			var wg sync.WaitGroup
			for p := 0; p < tc.processes; p++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out, err := child(t, "RIGHTSDESK_TEST_CHILD=writer", "RIGHTSDESK_TEST_DB="+s.Path(),
						"RIGHTSDESK_TEST_IDS="+strings.Join(idList, ","), "RIGHTSDESK_TEST_MODE="+tc.mode).Output()
					if err != nil {
						t.Errorf("writer: %v", err)
					}
					mu.Lock()
					defer mu.Unlock()
					for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
						f := strings.SplitN(line, " ", 3)
						switch f[0] {
						case "APPLIED":
							applied[f[1]] = append(applied[f[1]], f[2])
						case "CONFLICT":
							conflicts++
						default:
							t.Errorf("writer: %s", line)
						}
					}
				}()
			}
			wg.Wait()
			total := 0
			for _, id := range idList {
				l, err := s.Get(id)
				if err != nil {
					t.Fatal(err)
				}
				notes := map[string]bool{}
				for _, e := range l.Case.Events {
					if e.Kind == cases.EventNoted {
						notes[e.Text] = true
					}
				}
				for _, text := range applied[id] {
					if !notes[text] {
						t.Errorf("%s: applied note %q lost", id, text)
					}
				}
				if len(notes) != len(applied[id]) {
					t.Errorf("%s: %d notes stored, %d applied", id, len(notes), len(applied[id]))
				}
				total += len(notes)
			}
			if tc.mode == "plain" && (conflicts != 0 || total != 30*tc.processes) {
				t.Errorf("without --if-revision every change applies: %d applied, %d conflicts", total, conflicts)
			}
			if tc.mode == "if-revision" && total+conflicts != 30*tc.processes {
				t.Errorf("every change is applied or refused: %d + %d != %d", total, conflicts, 30*tc.processes)
			}
			if problems, err := s.Check(); err != nil || len(problems) > 0 {
				t.Fatalf("check: %v %v", problems, err)
			}
			t.Logf("%d applied, %d conflicts", total, conflicts)
		})
	}
}
