package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// heldStore is a new database held open, counting how often its file is
// opened for bbolt; it is closed when the test ends.
func heldStore(t testing.TB, opts Options) (*Store, *atomic.Int32) {
	t.Helper()
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 300 * time.Millisecond
	}
	s := created(t, filepath.Join(t.TempDir(), "db", "cases.db"), opts)
	opens := &atomic.Int32{}
	s.openFile = func(name string, flag int, perm fs.FileMode) (*os.File, error) {
		opens.Add(1)
		return os.OpenFile(name, flag, perm)
	}
	if err := s.Hold(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, opens
}

// TestAHeldStoreOpensItsFileOnce: every operation uses the held file; no
// other process can open it meanwhile; after Close the store opens the
// file per operation again.
func TestAHeldStoreOpensItsFileOnce(t *testing.T) {
	s, opens := heldStore(t, Options{})
	cs := addCase(t, s, "Anna Berg", cases.RightAccess, cases.RightErasure)
	if _, err := s.Apply(cs[0].ID, cases.Event{Kind: cases.EventAcknowledged, Actor: "dpo"}, 1, testNow); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Get(cs[0].ID); err != nil || l.Revision != 2 {
		t.Fatalf("get: %+v %v", l, err)
	}
	if q, _, err := s.Queue(testNow); err != nil || len(q) != 2 {
		t.Fatalf("queue: %v %v", q, err)
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
	if _, err := s.Checkpoints(); err != nil {
		t.Fatal(err)
	}
	if n := opens.Load(); n != 1 {
		t.Fatalf("the file was opened %d times, want once", n)
	}
	// Another store (another process) waits for the lock the held file
	// keeps, and gives up as busy.
	other := Open(s.Path(), Options{LockTimeout: 100 * time.Millisecond})
	if _, err := other.Get(cs[0].ID); !errors.Is(err, ErrBusy) {
		t.Fatalf("another store while held: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Held() {
		t.Fatal("still held after Close")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
	if l, err := other.Get(cs[0].ID); err != nil || l.Revision != 2 {
		t.Fatalf("after Close: %+v %v", l, err)
	}
	addCase(t, s, "Bob Stone")
	if n := opens.Load(); n != 2 {
		t.Fatalf("after Close the store opened its file %d times in all, want 2", n)
	}
}

// TestReadsOfAHeldStoreRunDuringAWrite: a read is not queued behind a write
// transaction under way.
func TestReadsOfAHeldStoreRunDuringAWrite(t *testing.T) {
	s, _ := heldStore(t, Options{})
	id := addCase(t, s, "Anna Berg")[0].ID
	inTx, readDone := make(chan struct{}), make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-inTx
		_, err := s.Get(id)
		readDone <- err
	}()
	err := s.update(func(tx kv.Tx) error {
		close(inTx)
		select {
		case err := <-readDone:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("the read waited for the write transaction")
		}
	})
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
}

// TestOnCommitTellsTheChangeCounter: after each committed write, with the
// counter Changes returns; a refused write tells nothing.
func TestOnCommitTellsTheChangeCounter(t *testing.T) {
	s, _ := heldStore(t, Options{})
	var mu sync.Mutex
	var told []uint64
	s.OnCommit(func(n uint64) {
		// The file is released: the store may be read from here.
		if last, _, err := s.Changes(0); err != nil || last < n {
			t.Errorf("told %d, the store says %d (%v)", n, last, err)
		}
		mu.Lock()
		defer mu.Unlock()
		told = append(told, n)
	})
	cs := addCase(t, s, "Anna Berg", cases.RightAccess, cases.RightErasure)
	if _, err := s.Apply(cs[1].ID, cases.Event{Kind: cases.EventAcknowledged, Actor: "dpo"}, 1, testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(cs[1].ID, cases.Event{Kind: cases.EventAcknowledged, Actor: "dpo"}, 1, testNow); err == nil {
		t.Fatal("a stale revision was accepted")
	}
	last, _, err := s.Changes(0)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 2 || told[0] != 2 || told[1] != 3 || last != 3 {
		t.Fatalf("told %v, the counter is %d", told, last)
	}
}

// TestOnCommitTellsConcurrentCommitsInOrder: writers at once; every
// commit is told once, in commit order.
func TestOnCommitTellsConcurrentCommitsInOrder(t *testing.T) {
	s, _ := heldStore(t, Options{})
	var told []uint64
	s.OnCommit(func(n uint64) { told = append(told, n) }) // called in turn, never at once
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				if _, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
					Subject: cases.Subject{Name: "Anna", Email: "a@example.org"}, ReceivedAt: testNow}, testRules, testNow, "dpo"); err != nil {
					t.Errorf("writer %d, case %d: %v", w, i, err)
				}
			}
		}()
	}
	wg.Wait()
	if len(told) != 40 {
		t.Fatalf("%d commits told, want 40", len(told))
	}
	for i, n := range told {
		if n != uint64(i+1) {
			t.Fatalf("told %v", told)
		}
	}
}

// faultNow reads a page of a mapped file that was truncated under the
// mapping: the SIGBUS a damaged or shrunk database file gives.
func faultNow(t *testing.T) byte {
	path := filepath.Join(t.TempDir(), "shrunk")
	if err := os.WriteFile(path, make([]byte, 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := syscall.Mmap(int(f.Fd()), 0, 8192, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	if err := f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	return b[4096]
}

// TestAFaultMakesAHeldStoreReadOnly: a fault in an operation fails that
// operation, is reported once, and makes the store refuse writes
// (ErrReadOnly) while reads go on; the file stays refused for writing
// until it is restored, which makes the store write again.
func TestAFaultMakesAHeldStoreReadOnly(t *testing.T) {
	fileOnly(t, "a restore")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	var faults []string
	s, _ := heldStore(t, Options{Fault: func(detail string) { faults = append(faults, detail) }})
	id := addCase(t, s, "Anna Berg")[0].ID
	backup := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.Backup(backup, ""); err != nil {
		t.Fatal(err)
	}
	err := s.view(func(kv.Tx) error { faultNow(t); return nil })
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("the faulting read: %v", err)
	}
	if len(faults) != 1 {
		t.Fatalf("faults reported: %q", faults)
	}
	_, err = s.Apply(id, cases.Event{Kind: cases.EventAcknowledged, Actor: "dpo"}, NoRevision, testNow)
	var se *StoreError
	if !errors.Is(err, ErrReadOnly) || !errors.As(err, &se) {
		t.Fatalf("a write after the fault: %v", err)
	}
	if l, err := s.Get(id); err != nil || l.Revision != 1 {
		t.Fatalf("a read after the fault: %+v %v", l, err)
	}
	// A second fault is not reported again.
	_ = s.update(func(kv.Tx) error { panic("boom") })
	_ = s.view(func(kv.Tx) error { panic("boom") })
	if len(faults) != 1 {
		t.Fatalf("faults reported: %q", faults)
	}
	// Released and held again, the file is still refused for writing.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Hold(); !errors.Is(err, ErrDamaged) {
		t.Fatalf("holding the file again: %v", err)
	}
	if err := os.Remove(s.damagedPath()); err != nil {
		t.Fatal(err)
	}
	if err := s.Hold(); err != nil {
		t.Fatal(err)
	}
	// A restore while held replaces the file and writes again.
	second := addCase(t, s, "Bob Stone")[0].ID
	if _, err := s.Restore(backup, testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !s.Held() {
		t.Fatal("the restore left the store not held")
	}
	var nf *NotFound
	if _, err := s.Get(second); !errors.As(err, &nf) {
		t.Fatalf("a case recorded after the backup: %v", err)
	}
	addCase(t, s, "Carl Holm")
	mustCheck(t, s)
}

// TestARestoreWhileHeldUndoesAReadOnlyState: a held store made read-only by
// damage writes again once a backup is restored over the file.
func TestARestoreWhileHeldUndoesAReadOnlyState(t *testing.T) {
	fileOnly(t, "a restore")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	var faults atomic.Int32
	s, opens := heldStore(t, Options{Fault: func(string) { faults.Add(1) }})
	addCase(t, s, "Anna Berg")
	backup := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.Backup(backup, ""); err != nil {
		t.Fatal(err)
	}
	_ = s.update(func(kv.Tx) error { panic("boom") })
	if err := s.update(func(kv.Tx) error { return nil }); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("a write of a read-only store: %v", err)
	}
	if _, err := s.Restore(backup, testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	addCase(t, s, "Bob Stone")
	if faults.Load() != 1 || opens.Load() != 2 {
		t.Fatalf("%d faults reported, the file opened %d times", faults.Load(), opens.Load())
	}
}

// TestAPurgeWhileHeldCompactsTheFile: the purge's compaction replaces the
// held file; the store holds the compacted one and goes on.
func TestAPurgeWhileHeldCompactsTheFile(t *testing.T) {
	s, _ := heldStore(t, Options{GivenTimes: true})
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ancient := oldCase(t, s, "Aurélie Ancienne", time.Date(2022, 1, 3, 9, 0, 0, 0, time.UTC), "ANCIENTMARKER")
	recent := oldCase(t, s, "Rémi Recent", time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC), "RECENTMARKER")
	plan, err := s.Purge(func(string) (Retention, bool) { return Retention{CopiesMonths: 6, RecordYears: 3}, true },
		now, "retention", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 1 || plan.Items[0].CaseID != ancient {
		t.Fatalf("plan %+v", plan.Items)
	}
	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("ANCIENTMARKER")) || !bytes.Contains(raw, []byte("RECENTMARKER")) {
		t.Fatal("the held file was not compacted")
	}
	if !s.Held() {
		t.Fatal("the purge left the store not held")
	}
	if l, err := s.Get(recent); err != nil || l.Case.Subject.Name != "Rémi Recent" {
		t.Fatalf("after the purge: %+v %v", l, err)
	}
	addCase(t, s, "Nina Next")
	mustCheck(t, s)
	// The store holds the file at the path, not the one renamed away.
	other := Open(s.Path(), Options{LockTimeout: 100 * time.Millisecond})
	if _, err := other.Get(recent); !errors.Is(err, ErrBusy) {
		t.Fatalf("the compacted file is not the one held: %v", err)
	}
}

// BenchmarkHeldDurableChange is one action through the action service on a
// held store, committed with fsync: what a change through the team server
// costs in the store. Compare BenchmarkBareBoltPut, in the same folder.
func BenchmarkHeldDurableChange(b *testing.B) {
	dir := b.TempDir()
	s := created(b, filepath.Join(dir, "cases.db"), Options{})
	if err := s.Hold(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var ids []string
	for i := 0; i < 300; i++ {
		cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
			Subject: cases.Subject{Name: "Anna", Email: "a@example.org"}, ReceivedAt: testNow}, testRules, testNow, "dpo")
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, cs[0].ID)
	}
	revs := make([]int, len(ids))
	for i := range revs {
		revs[i] = 1
	}
	for i := 0; b.Loop(); i++ {
		k := i % len(ids)
		res, err := s.Do(ids[k], []Action{{Event: cases.Event{Kind: cases.EventNoted, Text: "called the subject", Actor: "dpo"},
			IfRevision: revs[k]}}, testNow)
		if err != nil {
			b.Fatal(err)
		}
		revs[k] = res[0].Revision
	}
}

// BenchmarkBareBoltPut is the floor of BenchmarkHeldDurableChange: a bare
// bbolt put committed with fsync, on the same file system.
func BenchmarkBareBoltPut(b *testing.B) {
	benchBarePut(b, filepath.Join(b.TempDir(), "bare.db"))
}

// TestOperationsDuringHoldUseTheHeldFile: an operation that arrives while
// Hold opens the file waits for it and uses the held file, instead of
// waiting for the held file's lock until it gives up as busy.
func TestOperationsDuringHoldUseTheHeldFile(t *testing.T) {
	s := created(t, filepath.Join(t.TempDir(), "db", "cases.db"), Options{LockTimeout: 200 * time.Millisecond})
	id := addCase(t, s, "Anna Berg")[0].ID
	opening, release := make(chan struct{}), make(chan struct{})
	s.openFile = func(name string, flag int, perm fs.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		if flag&os.O_RDWR != 0 {
			select {
			case <-opening:
			default:
				close(opening) // Hold is opening the file
				<-release
			}
		}
		return f, err
	}
	held := make(chan error, 1)
	go func() { held <- s.Hold() }()
	<-opening
	got := make(chan error, 1)
	go func() {
		_, err := s.Get(id)
		got <- err
	}()
	time.Sleep(50 * time.Millisecond) // the read is waiting for Hold
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("a read that arrived during Hold: %v", err)
	}
	s.Close()
}

// TestAFileCutShortUnderAHeldStoreNeverHangs: the file truncated while a
// server holds it faults inside bbolt as a transaction begins, which can
// leave bbolt's own lock held. Every later operation must still answer,
// damaged, within a bound (the handle taken for wedged), and Close must
// return: the server answers and stops, never hangs.
func TestAFileCutShortUnderAHeldStoreNeverHangs(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	var faults []string
	s, _ := heldStore(t, Options{Fault: func(detail string) { faults = append(faults, detail) }})
	id := addCase(t, s, "Anna Berg")[0].ID
	if err := os.Truncate(s.Path(), 0); err != nil {
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	go func() {
		for i := 0; i < 5; i++ {
			if _, err := s.Get(id); !errors.Is(err, ErrDamaged) {
				answered <- fmt.Errorf("read %d after the cut: %v, want damaged", i, err)
				return
			}
		}
		if _, err := s.Apply(id, cases.Event{Kind: cases.EventAcknowledged, Actor: "dpo"}, NoRevision, testNow); err == nil {
			answered <- errors.New("a write after the cut was taken")
			return
		}
		answered <- s.Close()
	}()
	select {
	case err := <-answered:
		if err != nil && !errors.Is(err, ErrDamaged) {
			t.Fatal(err)
		}
	case <-time.After(4 * wedgeTimeout):
		t.Fatal("the store hangs after the file was cut short")
	}
	if len(faults) != 1 {
		t.Errorf("faults reported: %q, want one", faults)
	}
}
