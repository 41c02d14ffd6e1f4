package storage

import (
	"errors"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage/kv"
)

// Held mode (TRUST.md, team mode): the team server alone owns the file for
// its whole life. Opening a bbolt file per operation, as a command does,
// costs the file checks, the page walk and the open itself on every
// change; a server holding the file pays them once (Hold), and a change
// then costs what bbolt's commit costs. Reads run concurrently (each in a
// bbolt read transaction); writes are serialised by bbolt itself.

// ErrReadOnly is a held store that met a fault or damage: it refuses every
// write from then on (exit 3), and reads go on, so that the team can still
// see its cases while the file is checked and restored.
var ErrReadOnly = errors.New("the database is read-only after a fault")

// held is the state of a held file.
type held struct {
	// rw is read-held by every operation on the held file, and
	// write-held to open, close or replace it (Hold, Close, a purge's
	// compaction, a restore), so that no operation uses a handle being
	// closed.
	rw sync.RWMutex
	// on: the store is held (even when reopening the file failed, so that
	// operations never fall back to opening the file themselves).
	on atomic.Bool
	db *bolt.DB
	// wmu is held by every write and by check's page walk: bbolt
	// serialises writers already, so it costs writers nothing, and it lets
	// the walk read the file while no commit is under way.
	wmu sync.Mutex
	// readOnly is why writes are refused (nil: they are not).
	readOnly atomic.Pointer[string]
	// reported: the fault was reported (Options.Fault) once.
	reported atomic.Bool
	// wedged: an operation after a fault did not finish (the fault left
	// one of bbolt's own locks held, as one inside beginning a transaction
	// does): the handle is never used again, nor closed.
	wedged atomic.Bool

	cmu     sync.Mutex
	commits []func(counter uint64)
	// told holds the counters of commits not yet told (OnCommit), in
	// commit order, under tellMu; tellCommits tells them once the
	// operation has released the file.
	tellMu sync.Mutex
	told   []uint64
}

// Hold opens the database file for writing once, checks it as every
// operation does (its meta pages and size, a walk of every page whatever
// its size), migrates it if it is older, and finishes a compaction a purge
// left undone. Every later operation uses the held file, without opening
// it again, until Close. Holding a held store does nothing.
func (s *Store) Hold() error {
	s.h.rw.Lock()
	defer s.h.rw.Unlock()
	if s.h.db != nil {
		return nil
	}
	// Operations that started before the hold run to their end first.
	s.mu.Lock()
	defer s.mu.Unlock()
	db, err := s.openHeld()
	if err != nil {
		return s.noteIfDamaged(err)
	}
	s.h.db = db
	s.h.readOnly.Store(nil)
	s.h.reported.Store(false)
	s.h.wedged.Store(false)
	s.h.on.Store(true)
	return nil
}

// Close releases a held file, after writing the access log entries of
// reads still pending (caller.go); a store not held writes those only.
func (s *Store) Close() error {
	s.flushBeforeRelease() // caller.go
	s.h.rw.Lock()
	if !s.h.on.Load() {
		s.h.rw.Unlock()
		return s.FlushReads()
	}
	defer s.tellCommits() // after the unlock below
	defer s.h.rw.Unlock()
	s.h.on.Store(false)
	if s.h.db == nil {
		return nil
	}
	if s.h.wedged.Load() {
		// Closing would wait for the lock the fault left held: the handle
		// is left to the process's end, and the reads not yet written are
		// lost with the file they were for.
		s.h.db = nil
		return s.wedgedError()
	}
	err := s.flushReadsOnClose()
	if cerr := s.h.db.Close(); err == nil {
		err = cerr
	}
	s.h.db = nil
	return err
}

// Held reports whether the store holds its file (Hold).
func (s *Store) Held() bool { return s.h.on.Load() }

// OnCommit registers fn to be called after every committed write
// transaction with the store's change counter (what Changes and Queue
// return), in commit order, once the operation that committed has
// released the file: the team server tells its subscribers from there. fn
// may read the store; it must not block or write to the store.
func (s *Store) OnCommit(fn func(counter uint64)) {
	s.h.cmu.Lock()
	defer s.h.cmu.Unlock()
	s.h.commits = append(s.h.commits, fn)
}

// commitHooks are the functions OnCommit registered.
func (s *Store) commitHooks() []func(uint64) {
	s.h.cmu.Lock()
	defer s.h.cmu.Unlock()
	return s.h.commits
}

// notifyOnCommit arranges for the change counter as tx leaves it to be
// told to the OnCommit functions when tx commits (tellCommits).
func (s *Store) notifyOnCommit(tx kv.Tx) {
	if len(s.commitHooks()) == 0 {
		return
	}
	var n uint64
	if b := tx.Bucket(bucketChanges); b != nil {
		n = b.Sequence()
	}
	tx.OnCommit(func() {
		s.h.tellMu.Lock()
		defer s.h.tellMu.Unlock()
		s.h.told = append(s.h.told, n)
	})
}

// tellCommits calls the OnCommit functions with the counters of the commits
// not told yet, in order. Each write calls it once it has released the
// file; whichever comes first tells the commits of both, in order.
func (s *Store) tellCommits() {
	s.h.tellMu.Lock()
	defer s.h.tellMu.Unlock()
	if len(s.h.told) == 0 {
		return
	}
	fns := s.commitHooks()
	for _, n := range s.h.told {
		for _, fn := range fns {
			fn(n)
		}
	}
	s.h.told = s.h.told[:0]
}

// openHeld opens and checks the file for Hold: what withMap and open do for
// one operation, with the whole file walked.
func (s *Store) openHeld() (db *bolt.DB, err error) {
	if _, err := os.Stat(s.path); errors.Is(err, os.ErrNotExist) {
		if !s.mayCreate {
			return nil, &NoDatabaseError{Path: s.path}
		}
	} else if err != nil {
		return nil, withPath("stat", s.path, err)
	} else if err := s.refuseIfMarked(); err != nil {
		return nil, err
	}
	if err := preflight(s.path, s.mayCreate, true); err != nil {
		return nil, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				_ = db.Close()
			}
			db, err = nil, &StoreError{Path: s.path, Err: ErrDamaged, Detail: pagesUnreadable(r), Advice: restoreAdvice}
		}
	}()
	for {
		if db, err = s.lockedOpen(false, bulkMmapSize); err != nil {
			return nil, err
		}
		if err := s.walkHeld(); err != nil {
			db.Close()
			return nil, err
		}
		if s.mayCreate {
			_ = os.Chmod(s.path, s.fileMode())
		}
		if err := s.prepare(db, false); err != nil {
			db.Close()
			return nil, err
		}
		done, err := s.resumeCompaction(db)
		if err != nil || done {
			db.Close()
			db = nil
			if err != nil {
				return nil, err
			}
			continue // the path names the compacted file now
		}
		return db, nil
	}
}

// walkHeld walks every page of the file before it is held, whatever its
// size: a server runs for long, and bbolt following a looping branch page
// would end it with a fatal error no guard recovers from.
func (s *Store) walkHeld() error {
	problems, err := walkFile(s.path)
	if err != nil || len(problems) == 0 {
		return err
	}
	return &StoreError{Path: s.path, Err: ErrDamaged, Detail: problems[0], Advice: restoreAdvice}
}

// heldOp runs op on the held file, if the store is held (done is false
// otherwise, and op did not run). A write takes the held write lock and is
// refused once the store is read-only.
func (s *Store) heldOp(readOnly bool, op func(db *bolt.DB) error) (done bool, err error) {
	if !s.h.on.Load() {
		return false, nil
	}
	s.h.rw.RLock()
	defer s.h.rw.RUnlock()
	if !s.h.on.Load() {
		return false, nil // closed meanwhile
	}
	if s.h.db == nil {
		return true, s.readOnlyError()
	}
	if !readOnly {
		if err := s.readOnlyError(); err != nil {
			return true, err
		}
		s.h.wmu.Lock()
		defer s.h.wmu.Unlock()
	}
	if s.h.readOnly.Load() != nil {
		return true, s.afterFault(op)
	}
	return true, s.guarded(func() error { return op(s.h.db) })
}

// wedgeTimeout is how long a read after a fault may take before the held
// handle is taken for wedged.
const wedgeTimeout = 2 * time.Second

// afterFault runs a read on a store a fault made read-only, watched: a
// fault inside bbolt (beginning a transaction on a file cut short) can
// leave its own lock held, and every later transaction would wait for ever.
// A read that does not finish in wedgeTimeout marks the handle wedged:
// that read's goroutine is left waiting, and every later operation is
// refused at once, so that the server answers and never hangs.
func (s *Store) afterFault(op func(db *bolt.DB) error) error {
	if s.h.wedged.Load() {
		return s.wedgedError()
	}
	db := s.h.db
	done := make(chan error, 1)
	go func() { done <- s.guarded(func() error { return op(db) }) }()
	select {
	case err := <-done:
		return err
	case <-time.After(wedgeTimeout):
		s.h.wedged.Store(true)
		return s.wedgedError()
	}
}

// wedgedError is the answer of a store whose held handle a fault wedged.
func (s *Store) wedgedError() error {
	return &StoreError{Path: s.path, Err: ErrDamaged, Detail: "the file cannot be read since the fault",
		Advice: "restore it from a backup (rightsdesk restore, by the service account) and start the server again"}
}

// guarded runs fn with the fault guard of a held operation: a fault or a
// panic becomes ErrDamaged, and damage found makes the store read-only.
func (s *Store) guarded(fn func() error) (err error) {
	defer func() { err = s.noteIfDamaged(err) }() // damaged.go: goes read-only too
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &StoreError{Path: s.path, Err: ErrDamaged, Detail: pagesUnreadable(r), Advice: restoreAdvice}
		}
	}()
	return fn()
}

// goReadOnly makes a held store refuse writes from now on, and reports why
// once (Options.Fault). It does nothing to a store that is not held: the
// damaged note refuses the next command's writes (damaged.go).
func (s *Store) goReadOnly(detail string) {
	if !s.h.on.Load() {
		return
	}
	detail = oneLine(detail)
	s.h.readOnly.CompareAndSwap(nil, &detail)
	if s.fault != nil && s.h.reported.CompareAndSwap(false, true) {
		s.fault(detail)
	}
}

// readOnlyError is the refusal of a write by a read-only held store, nil
// when it writes.
func (s *Store) readOnlyError() error {
	why := s.h.readOnly.Load()
	if why == nil {
		if s.h.db == nil {
			return &StoreError{Path: s.path, Err: ErrReadOnly, Detail: "the file could not be opened again", Advice: restoreAdvice}
		}
		return nil
	}
	return &StoreError{Path: s.path, Err: ErrReadOnly, Detail: *why, Advice: restoreAdvice}
}

// whileReleased runs act with the held file closed, then holds it again
// (finishing a compaction left pending): a purge's compaction and a restore
// replace the file, which a held handle would keep open. held is false,
// and act did not run, when the store is not held. If the file cannot be
// held again, the store stays held without a file: every operation then
// fails with ErrReadOnly, never opening the file on its own.
func (s *Store) whileReleased(act func() error) (held bool, err error) {
	s.flushBeforeRelease() // caller.go
	s.h.rw.Lock()
	defer s.tellCommits() // after the unlock below
	defer s.h.rw.Unlock()
	if !s.h.on.Load() {
		return false, nil
	}
	if s.h.db != nil {
		if err := s.flushReadsOnClose(); err != nil {
			return true, err
		}
		if err := s.h.db.Close(); err != nil {
			return true, err
		}
		s.h.db = nil
	}
	err = act()
	db, herr := s.openHeld()
	if herr != nil {
		herr = s.noteIfDamaged(herr)
		why := "the file could not be opened again: " + oneLine(herr.Error())
		s.h.readOnly.Store(&why)
		if s.fault != nil && s.h.reported.CompareAndSwap(false, true) {
			s.fault(why)
		}
		return true, errors.Join(err, herr)
	}
	s.h.db = db
	// The file at the path was checked afresh: a restored one writes again.
	s.h.readOnly.Store(nil)
	s.h.reported.Store(false)
	return true, err
}
