package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
)

// Demo defaults: the number of cases a first look needs, and the seed of
// the demo database behind --demo.
const (
	demoDefaultCases = 300
	demoDefaultSeed  = 1
)

// demoCommand fills an empty database with demo cases, dated relative to
// now.
func (a *app) demoCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "demo --db PATH", Short: "fill an empty database with generated fictional cases", Args: noArgs,
		Long: `Fills a new or empty database with N generated fictional cases, the same for the
same seed, dated relative to now. --db is required: demo data never go into the
real database by default, and a database that holds cases is refused.`,
		Example: "  rightsdesk demo --db /tmp/demo.db --cases 1000 --seed 7"}
	var db string
	dbFlag(cmd, &db)
	n := cmd.Flags().Int("cases", demoDefaultCases, "how many cases, `N`")
	seed := cmd.Flags().String("seed", strconv.Itoa(demoDefaultSeed), "the generator's seed `S`, a whole number")
	cmd.RunE = a.runs(func([]string) int { return a.runDemo(db, *n, *seed) })
	return cmd
}

// runDemo fills an empty database with demo cases.
func (a *app) runDemo(db string, n int, seed string) int {
	bad := func(err error) int { return a.fail(exitUsage, fmt.Errorf("demo: %w", err)) }
	if db == "" {
		return bad(errors.New("--db PATH is required: demo data never go into the real database by default"))
	}
	if n < 1 || n > 1_000_000 {
		return bad(fmt.Errorf("--cases %d: want 1 to 1,000,000", n))
	}
	s, err := strconv.ParseUint(seed, 10, 64)
	if err != nil {
		return bad(fmt.Errorf("--seed %q: want a whole number", seed))
	}
	start := time.Now()
	count, err := a.writeDemo(db, n, s)
	if err != nil {
		var refused *cases.Refused
		if errors.As(err, &refused) {
			return a.fail(exitRefused, fmt.Errorf("demo: %w", err))
		}
		return a.storeFailure(err)
	}
	fmt.Fprintf(a.stdout, "%d demo cases written to %s in %s\n", count, db, time.Since(start).Round(time.Millisecond))
	return exitOK
}

// writeDemo generates the demo cases and writes them into path, which must
// be missing or hold no case: a database with cases is refused (exit 1),
// because demo data mixed into real cases could never be told apart. The
// team working the cases is the fictional demo.Team with the actor
// first, so that "my cases" shows something. Requests are written 5,000 to
// a transaction while the next 5,000 are generated.
func (a *app) writeDemo(path string, n int, seed uint64) (int, error) {
	st := a.store(path)
	now := a.clock.Now()
	if st.Exists() {
		q, _, err := st.Queue(now)
		if err != nil {
			return 0, err
		}
		if len(q) > 0 {
			return 0, &cases.Refused{Reason: fmt.Sprintf("%s already holds %d cases; demo data go into a new or empty database", path, len(q))}
		}
	}
	regs, err := loadRegisters(a.getenv, "")
	if err != nil {
		return 0, err
	}
	opts := demo.Options{Cases: n, Seed: seed, Now: now, Registers: regs.All(),
		Team: append([]string{a.actor()}, demo.Team...)}
	count := 0
	a.beginWrite()
	err = demo.Batches(opts, demoBatch, func(requests [][]*cases.Case) error {
		if err := st.AddRequests(requests, now, demoBatch); err != nil {
			return err
		}
		for _, r := range requests {
			count += len(r)
		}
		return nil
	})
	return count, err
}

// demoBatch is how many requests go into one write transaction.
const demoBatch = 5000

// demoDatabase is the database behind --demo:
// $XDG_DATA_HOME/rightsdesk/demo.db, generated when missing or older than a
// day (its dates are relative to the day it was made). It is written to a
// temporary file and renamed, so a half-made demo is never opened.
func (a *app) demoDatabase() (string, error) {
	dir := filepath.Join(a.dataHome(), "rightsdesk")
	path := filepath.Join(dir, "demo.db")
	if info, err := os.Stat(path); err == nil && a.clock.Now().Sub(info.ModTime()) < 24*time.Hour && info.ModTime().Before(a.clock.Now().Add(time.Minute)) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	// Temporary files a killed run left behind go; one being written now
	// by another process is younger than a day.
	stale, _ := filepath.Glob(filepath.Join(dir, ".demo-*.db"))
	for _, f := range stale {
		if info, err := os.Stat(f); err == nil && time.Since(info.ModTime()) > 24*time.Hour {
			os.Remove(f)
		}
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".demo-%d.db", os.Getpid()))
	os.Remove(tmp)
	defer os.Remove(tmp)
	if _, err := a.writeDemo(tmp, demoDefaultCases, demoDefaultSeed); err != nil {
		return "", err
	}
	a.db = nil // the temporary file's owner is done; the renamed file gets its own
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	now := a.clock.Now()
	_ = os.Chtimes(path, now, now)
	return path, nil
}
