package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/cases/register"
	"rightsdesk/export"
	"rightsdesk/storage"
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
real database by default, and a database that holds cases is refused.

Up to 46,000 cases are received over the last 92 days. A larger demo is an
archive: it grows at a steady intake of 500 cases a day (a busy service), over
N/500 days (100,000 cases: 200 days; 1,000,000: 2,000 days), so its open work
stays that of the last 92 days (about 14,000 cases) and every older case is
closed; its archive is written in order of receipt, so that its IDs follow
it. The cases are written 500 requests to a transaction: an interrupted
demo keeps the batches written before.`,
		Example: "  rightsdesk demo --db /tmp/demo.db --cases 1000 --seed 7"}
	var db string
	dbFlag(cmd, &db)
	n := cmd.Flags().Int("cases", demoDefaultCases, "how many cases, `N`")
	seed := cmd.Flags().String("seed", strconv.Itoa(demoDefaultSeed), "the generator's seed `S`, a whole number")
	asJSON := cmd.Flags().Bool("json", false, `print {"path": ..., "cases": N} as one JSON value on one line`)
	cmd.RunE = a.runs(func([]string) int { return a.runDemo(db, *n, *seed, *asJSON) })
	return cmd
}

// runDemo fills an empty database with demo cases.
func (a *app) runDemo(db string, n int, seed string, asJSON bool) int {
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
	bar := a.newProgress("demo", "cases")
	count, err := a.writeDemo(db, n, s, bar)
	bar.finish(err == nil)
	if err != nil {
		var refused *cases.Refused
		if errors.As(err, &refused) {
			return a.fail(exitRefused, fmt.Errorf("demo: %w", err))
		}
		return a.storeFailure(err)
	}
	if asJSON {
		return a.printJSON(map[string]any{"path": db, "cases": count})
	}
	fmt.Fprintf(a.stdout, "%d demo cases written to %s in %s\n", count, db, time.Since(start).Round(time.Millisecond))
	return exitOK
}

// writeDemo generates the demo cases and writes them into path, which must
// be missing or hold no case: a database with cases is refused (exit 1),
// because demo data mixed into real cases could never be told apart. The
// team working the cases is the fictional demo.Team with the actor
// first, so that "my cases" shows something. Requests are made and written
// a batch at a time, a batch a transaction, the next batches being made on
// the other core while one is written; the first few answers left unsent
// are then exported for real (exportDemoAnswers).
//
// A batch is a tenth of the run, from demoMinBatch to demoBatch requests:
// the 300 cases behind --demo are made in a few batches, which move bar
// (when not nil, told the cases written so far), and no more requests are
// made than the run keeps (demo.Batches makes a batch whole before it cuts
// it at n). Nothing of a batch is kept once it is written but the count
// of cases and of answers exported, so that the memory a run takes does
// not grow with n; and a transaction is a batch, so that its commit costs
// the same at the millionth case as at the first.
func (a *app) writeDemo(path string, n int, seed uint64, bar *progressLine) (int, error) {
	st := a.store(path)
	now := a.clock.Now()
	if !st.Exists() {
		// Only init makes a database: the demo's goes through it, with
		// its checks of the folder and its modes.
		if err := storage.Init(path, false, ""); err != nil {
			return 0, err
		}
	} else {
		q, _, err := st.Queue(now)
		if err != nil {
			return 0, err
		}
		if len(q) > 0 {
			return 0, &cases.Refused{Reason: fmt.Sprintf("%s already holds %d cases; demo data go into a new or empty database", path, len(q))}
		}
	}
	// A demo database's salts derive from its seed (TRUST.md), so that the
	// same seed gives the same file.
	if err := st.MarkTest([]byte("rightsdesk demo " + strconv.FormatUint(seed, 10))); err != nil {
		var refused *storage.TestSeedRefused
		if errors.As(err, &refused) {
			return 0, &cases.Refused{Reason: refused.Error()}
		}
		return 0, err
	}
	regs, err := a.loadRegisters(path, "")
	if err != nil {
		return 0, err
	}
	defer demoGC()()
	opts := demo.Options{Cases: n, Seed: seed, Now: now, Registers: regs.All(),
		Team: append([]string{a.actor()}, demo.Team...)}
	count, exports := 0, 0
	var exported demoExported
	var order demoOrder
	a.beginWrite()
	bar.set(0, n)
	// The bar moves a block of cases at a time within a batch's
	// transaction, not only once a batch is written.
	st.SetProgress(func(done, _ int) { bar.set(count+done, max(n, count+done)) })
	defer st.SetProgress(nil)
	// The generator makes the batches on its goroutines, and storage
	// numbers and encodes each while the one before is written.
	batches, stop := make(chan [][]*cases.Case), make(chan struct{})
	made := make(chan error, 1)
	go func() {
		defer close(batches)
		made <- demo.Batches(opts, min(demoBatch, max(demoMinBatch, n/10)), func(requests [][]*cases.Case) error {
			select {
			case batches <- requests:
				return nil
			case <-stop:
				return errDemoStopped
			}
		})
	}()
	err = st.AddBatches(batches, now, func(requests [][]*cases.Case) error {
		var unsent []string
		for _, r := range requests {
			count += len(r)
			for _, c := range r {
				order.see(c)
				if exports+len(unsent) < demoExports && demoUnsentAnswer(c) {
					unsent = append(unsent, c.ID)
				}
			}
		}
		// Exported as soon as they are written, while the database is
		// small: each is a transaction of its own, whose commit costs more
		// as the file grows.
		exports += len(unsent)
		if err := exportDemoAnswers(st, regs, unsent, now, a.actor(), &exported); err != nil {
			return err
		}
		bar.set(count, max(n, count)) // a request's cases may pass n
		if demoAfterBatch != nil {
			demoAfterBatch(count)
		}
		return nil
	})
	close(stop)
	for range batches { // what the generator made before it saw stop
	}
	if genErr := <-made; err == nil && !errors.Is(genErr, errDemoStopped) {
		err = genErr
	}
	if err == nil {
		// The cases the run held in flight are garbage now, but the heap
		// they took (300 MB at a million) stays the process's until the
		// runtime returns it, slowly; the pack's transactions then read
		// hundreds of megabytes of the file through its map (322 MB at a
		// million), counted in the process's memory with it. Given back
		// first, the two are not added up into the run's peak.
		debug.FreeOSMemory()
		err = st.PackDerived(order.packFrom()) // pack where the cases came out of their order of receipt
	}
	return count, err
}

// demoGCPercent is the garbage collector's setting while the demo writes
// (Go's GOGC): the heap may grow to four times what it holds before it is
// collected, where Go's default lets it double. The demo allocates about
// 140 KB a case that it holds only until its batch is written (the
// events, their sealed text, the compressed values), so collecting about a
// third as often cuts the collector's work to about a third: at 100,000
// cases, 12.5% of the CPU spent collecting became 4.5% (the README's ninth
// pass, which names the profile), and the run went from 18.9-20.0 s to
// 16.0-16.6 s (three runs each, alternated), its peak memory from 256 to
// 475-502 MB. A GOGC or GOMEMLIMIT in the environment is the user's
// choice and is kept.
const demoGCPercent = 300

// demoGC sets the collector for a demo run (demoGCPercent) unless the
// environment sets it, and gives back what restores it.
func demoGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(demoGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// errDemoStopped is the generator told to stop: the writer failed.
var errDemoStopped = errors.New("the demo's writer stopped")

// demoOrder follows the order in which the demo writes its cases, to find
// where the buckets keyed by receipt and by ID were written out of order:
// from the earliest receipt, and the least ID, written after a later one.
// A small demo's cases come in random order of receipt; an archive's
// oldest cases come in order (demo.Batches), so only its last Days days
// need packing, however long the archive.
type demoOrder struct {
	lastReceived time.Time
	lastID       string
	from         storage.PackFrom
}

func (o *demoOrder) see(c *cases.Case) {
	if c.ReceivedAt.Before(o.lastReceived) {
		if o.from.Received.IsZero() || c.ReceivedAt.Before(o.from.Received) {
			o.from.Received = c.ReceivedAt
		}
	} else {
		o.lastReceived = c.ReceivedAt
	}
	if c.ID < o.lastID {
		if o.from.ID == "" || c.ID < o.from.ID {
			o.from.ID = c.ID
		}
	} else {
		o.lastID = c.ID
	}
}

// packFrom is where storage.Store.PackDerived is to pack from; what came
// in order is packed from its last key (PackFrom's zero value would pack
// it all).
func (o *demoOrder) packFrom() storage.PackFrom {
	from := o.from
	if from.Received.IsZero() {
		from.Received = o.lastReceived
	}
	if from.ID == "" {
		from.ID = o.lastID
	}
	return from
}

// demoMinBatch is the fewest requests the demo generates and writes at a
// time: below it a batch would be made by one core alone (demo.Batches
// shares a batch among the cores 64 requests a core).
const demoMinBatch = 128

// demoExports is how many unsent answers the demo exports for real: enough
// that a first look shows drafts, answers exported but not sent and a
// draft that went out; a fixed number, so that building packets (about
// 12 ms each) and their transactions stay a small part of a large run.
const demoExports = 40

// demoUnsentAnswer reports whether a generated case is closed with an
// answer of substance (not a duplicate, withdrawal or lapse) that was never
// sent: one whose packet the demo may export.
func demoUnsentAnswer(c *cases.Case) bool {
	var outcome cases.Outcome
	sent := false
	for _, e := range c.Events {
		switch e.Kind {
		case cases.EventClosed:
			outcome, sent = e.Outcome, false
		case cases.EventReopened:
			outcome = ""
		case cases.EventSent:
			sent = sent || outcome != ""
		}
	}
	switch outcome {
	case cases.OutcomeFulfilled, cases.OutcomePartiallyFulfilled, cases.OutcomeNoData, cases.OutcomeRefused:
		return !sent
	}
	return false
}

// exportDemoAnswers exports the answers of the cases ids as the export
// command would (the real packet, its SHA-256, whether it is a draft and
// its gaps), recorded now; the demo writes no zip, since the same case
// state rebuilds the same bytes. Every other draft is then recorded as a
// draft that went out, and every other final packet as sent, so that the
// demo shows each state of what may leave (WORK.md) beside the letters it
// records as sent from the DPO's mailbox.
//
// The drafts and finals exported so far are counted in n, across batches,
// so that which are sent depends on the seed alone, not on the batches.
func exportDemoAnswers(st *storage.Store, regs *register.Registers, ids []string, now time.Time, actor string, n *demoExported) error {
	for _, id := range ids {
		l, err := st.Get(id)
		if err != nil {
			return err
		}
		reg, err := regs.Get(l.Case.Controller)
		if err != nil {
			return err
		}
		p, err := export.Build(export.Input{Case: l.Case, Register: reg,
			Files: func(name string) ([]byte, error) { return st.File(id, name) }})
		if err != nil {
			return fmt.Errorf("demo: export %s: %w", id, err)
		}
		ev := p.Event(actor)
		if ev.Draft = ev.Draft || p.Draft; len(ev.Gaps) == 0 {
			for _, g := range p.Gaps {
				ev.Gaps = append(ev.Gaps, g.Text)
			}
		}
		actions := []storage.Action{{Event: ev, IfRevision: storage.NoRevision}}
		send := cases.Event{Kind: cases.EventSent, Letter: p.Letter, Channel: cases.ChannelEmail, Actor: actor}
		switch {
		case p.Draft && n.drafts%2 == 1:
			send.DraftSent, send.Reason = true, "the draft was e-mailed to the subject before its gaps were filled (demo)"
			actions = append(actions, storage.Action{Event: send, IfRevision: storage.NoRevision})
		case !p.Draft && n.finals%2 == 1:
			actions = append(actions, storage.Action{Event: send, IfRevision: storage.NoRevision})
		}
		if p.Draft {
			n.drafts++
		} else {
			n.finals++
		}
		if _, err := st.Do(id, actions, now); err != nil {
			return fmt.Errorf("demo: export %s: %w", id, err)
		}
	}
	return nil
}

// demoExported counts the answers the demo has exported, drafts and final
// ones (exportDemoAnswers).
type demoExported struct{ drafts, finals int }

// demoBatch is the most requests the demo makes and writes in one
// transaction (about 600 cases): enough that a commit's fixed cost (two
// syncs, the pages along the right edge of each bucket) is small beside
// the cases it writes, few enough that a batch's cases and their pages
// take tens of megabytes, not a gigabyte (at 5,000, 100,000 cases peaked
// at 1.07 GB and spent more time collecting garbage).
var demoBatch = 500

// demoAfterBatch, when not nil, is called after each batch is written and
// its answers exported, with the count of cases written so far: a test's
// view of the run between batches.
var demoAfterBatch func(written int)

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
	// Made before the terminal app takes the screen, which until then
	// would stay blank: the line says what is happening, then goes.
	bar := a.newProgress("making the demo database", "cases")
	bar.set(0, demoDefaultCases)
	defer bar.finish(false)
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
	_, err := a.writeDemo(tmp, demoDefaultCases, demoDefaultSeed, bar)
	if err != nil {
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
