package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// Errors a caller maps to exit status 3 (CLI.md): the file cannot be used now.
var (
	ErrBusy       = errors.New("the database is busy: another rightsdesk process holds it")
	ErrDamaged    = errors.New("the database file is damaged")
	ErrForeign    = errors.New("the file is not a rightsdesk database")
	ErrNewer      = errors.New("the database was written by a newer rightsdesk")
	ErrNoDatabase = errors.New("no database yet")
	// ErrUnavailable is a store kept on a cluster (Options.Replica) that
	// cannot take or confirm a change now: the cluster did not answer, or
	// kept changing, or the replica's file cannot serve this build.
	ErrUnavailable = errors.New("the store's cluster is unavailable")
)

// StoreError wraps one of the errors above with the file it concerns and
// what to do about it.
type StoreError struct {
	Path   string
	Err    error
	Detail string
	Advice string
}

func (e *StoreError) Error() string {
	msg := fmt.Sprintf("%s: %v", e.Path, e.Err)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	if e.Advice != "" {
		msg += "; " + e.Advice
	}
	return msg
}

func (e *StoreError) Unwrap() error { return e.Err }

const restoreAdvice = "restore it from a backup (rightsdesk backup makes one) and run rightsdesk check"

// DefaultLockTimeout is how long an operation waits for another process to
// release the file before giving up as busy.
const DefaultLockTimeout = 3 * time.Second

// Store is the one owner of the database file in this process.
type Store struct {
	path    string
	timeout time.Duration
	shared  bool
	maxFile int64
	clock   cases.Clock
	prov    cases.Provenance
	given   bool // Options.GivenTimes
	perOrg  bool // Options.IDsPerOrganisation
	mu      sync.Mutex
	keys    keyCache     // the signing key, parsed once (key_cache.go)
	h       held         // the file held open by a server (held.go)
	reads   pendingReads // reads through a caller's view, to log (caller.go)
	fault   func(detail string)
	// progress is told how far a bulk operation has got (SetProgress).
	progress func(done, total int)
	// replica keeps the file a replica of a cluster (Options.Replica,
	// replica.go); nil for a file of its own.
	replica kv.Replicator

	// mayCreate lets a write create the database at a missing path, or
	// turn an empty file there into one: only Init sets it, so that no
	// other command makes a database at a mistyped path (with its folders),
	// or takes a zero-length file (a truncated database, or a mistake) for
	// a fresh one and writes there.
	mayCreate bool

	// openFile opens the database file for bbolt (nil: os.OpenFile). Tests
	// wrap it to learn when an operation holds the file open and is about to
	// wait for its lock, instead of sleeping and hoping it got there.
	openFile func(name string, flag int, perm fs.FileMode) (*os.File, error)
}

// Options configure a Store.
type Options struct {
	// LockTimeout bounds the wait for another process's lock (default
	// DefaultLockTimeout).
	LockTimeout time.Duration
	// Shared: the file is group-readable and writable (0660) for a team,
	// instead of private (0600).
	Shared bool
	// MaxFileSize bounds one attached file (default DefaultMaxFileSize).
	MaxFileSize int64
	// Clock dates what the store derives on its own when it opens the file:
	// the views, rows and index entries it rebuilds after a migration or an
	// engine change, which count an open pause up to that day (default the
	// system clock). Operations that change cases take their time as an
	// argument instead.
	Clock cases.Clock
	// Provenance is what the process's environment overrode (the actor,
	// the clock) and the SSH origin it reported: stamped on every event the
	// store records. Under an overridden clock, recording times are outside
	// the rule that they never decrease (monotonic.go).
	Provenance cases.Provenance
	// GivenTimes records writes at the times they are given even when they
	// go back, and keeps no latest recording time: for fixtures that build
	// years of history out of order, never for a clock (an overridden one
	// is Provenance's, and said on each event).
	GivenTimes bool
	// IDsPerOrganisation numbers new cases per organisation and year, with
	// the organisation's code (its register's code, by default its ID in
	// capitals): DSR-CRISP-2026-000042, so that the gaps in one
	// organisation's sequence say nothing of another's (team mode,
	// TRUST.md). Cases numbered before keep their IDs.
	IDsPerOrganisation bool
	// Fault is told, once, why a held store went read-only (a fault or
	// damage met by an operation, held.go): the server logs it. The
	// detail names no case content.
	Fault func(detail string)
	// Replica makes the file a replica of a store kept on a cluster
	// (issue 21, replica.go): every write is made on the cluster by
	// Replica.Commit in the file's write transaction, before it commits,
	// and changes made elsewhere arrive through ApplyReplicated. A missing
	// or empty file is a replica that has applied nothing yet.
	Replica kv.Replicator
	// Signer names this server among a team's servers on a cluster
	// (etcdstore's OpenReplica sets it to the server's name): it signs
	// with a key of its own, chained with that name (KeyEvent.Signer).
	Signer string
}

// Open returns the store for the database at path. Nothing is opened yet:
// each operation opens the file and closes it again, unless the store holds
// it (Hold, held.go).
func Open(path string, opts Options) *Store {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.Clock == nil {
		opts.Clock = cases.SystemClock{}
	}
	if opts.Replica == nil && replicaForTests != nil {
		opts.Replica = replicaForTests(path)
	}
	return &Store{path: path, timeout: opts.LockTimeout, shared: opts.Shared, maxFile: opts.MaxFileSize,
		clock: opts.Clock, prov: opts.Provenance, given: opts.GivenTimes, fault: opts.Fault,
		perOrg: opts.IDsPerOrganisation, replica: opts.Replica, keys: keyCache{who: opts.Signer},
		// A replica's file is the cluster's copy: made where missing, and
		// filled by ApplyReplicated, never given a schema of its own
		// (prepare, replica.go).
		mayCreate: opts.Replica != nil}
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Exists reports whether the database file exists.
func (s *Store) Exists() bool {
	_, err := os.Stat(s.path)
	return err == nil
}

func (s *Store) fileMode() fs.FileMode {
	if s.shared {
		return 0o660
	}
	return 0o600
}

// update runs fn in one read-write transaction. A missing file is a
// *NoDatabaseError unless the store was made by Init.
// The transaction commits (with fsync) when fn returns nil. On a replica,
// the change is made on the cluster first, and the transaction runs again
// after a conflict (replica.go).
func (s *Store) update(fn func(tx kv.Tx) error) error {
	defer s.tellCommits() // held.go: once the file is released
	return s.retried(func() error {
		return s.with(false, func(db *bolt.DB) error { return kv.Update(db, s.replicated(s.sealed(fn), false)) })
	})
}

// view runs fn in one read-only transaction. A missing file is
// ErrNoDatabase: read-only commands never create it.
func (s *Store) view(fn func(tx kv.Tx) error) error {
	return s.with(true, func(db *bolt.DB) error { return kv.View(db, s.loaded(fn)) })
}

// with opens the file for one operation, checks it is a usable rightsdesk
// database of this version (migrating an older one), runs op and closes it.
// A damaged file can make bbolt fault or panic: both become ErrDamaged.
func (s *Store) with(readOnly bool, op func(db *bolt.DB) error) error {
	return s.withMap(readOnly, 0, op)
}

// updateBulk is update for a large write (bulkMmapSize).
func (s *Store) updateBulk(fn func(tx kv.Tx) error) error {
	defer s.tellCommits() // held.go: once the file is released
	return s.retried(func() error {
		return s.withMap(false, bulkMmapSize, func(db *bolt.DB) error { return kv.Update(db, s.replicated(s.sealed(fn), false)) })
	})
}

func (s *Store) withMap(readOnly bool, mmapSize int, op func(db *bolt.DB) error) (err error) {
	if done, err := s.heldOp(readOnly, op); done { // held.go
		return err
	}
	s.mu.Lock()
	if s.h.on.Load() {
		// Held while this waited for Hold (which takes the lock while it
		// opens the file): opening the file again would wait for the held
		// file's lock until it gave up as busy.
		s.mu.Unlock()
		return s.withMap(readOnly, mmapSize, op)
	}
	defer s.mu.Unlock()
	defer func() { err = s.noteIfDamaged(err) }() // damaged.go
	// Only a file known to be missing is "no database yet": one that
	// cannot be looked at (a folder the caller may not enter) is said so,
	// or check would report a shared database it cannot read "ok".
	if _, err := os.Stat(s.path); errors.Is(err, fs.ErrNotExist) {
		switch {
		case readOnly:
			return ErrNoDatabase
		case !s.mayCreate:
			return &NoDatabaseError{Path: s.path}
		}
	} else if err != nil {
		return withPath("stat", s.path, err)
	} else if !readOnly {
		if err := s.refuseIfMarked(); err != nil {
			return err
		}
	}
	if err := preflight(s.path, s.mayCreate, !readOnly); err != nil {
		return err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &StoreError{Path: s.path, Err: ErrDamaged, Detail: pagesUnreadable(r), Advice: restoreAdvice}
		}
	}()
	err = s.open(readOnly, mmapSize, op)
	if errors.Is(err, errNeedsUpgrade) {
		// An older file: migrate it once with a writer, then read.
		if err = s.open(false, bulkMmapSize, func(*bolt.DB) error { return nil }); err != nil {
			return err
		}
		err = s.open(readOnly, mmapSize, op)
	}
	return err
}

func (s *Store) open(readOnly bool, mmapSize int, op func(db *bolt.DB) error) error {
	db, err := s.lockedOpen(readOnly, mmapSize)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := s.walkBeforeUse(); err != nil { // walk.go
		return err
	}
	// The file may have been created by this open (init): make sure of its
	// mode whatever the umask. An existing file keeps its mode: a team's
	// file whose folder lost its setgid bit is not made private to the
	// writer, which would lock the team out.
	if s.mayCreate {
		_ = os.Chmod(s.path, s.fileMode())
	}
	if err := s.prepare(db, readOnly); err != nil {
		return err
	}
	if !readOnly {
		// A purge's compaction left undone is finished first (compact.go).
		if done, err := s.resumeCompaction(db); err != nil {
			return err
		} else if done {
			db.Close()
			return s.open(readOnly, mmapSize, op)
		}
	}
	return op(db)
}

// bulkMmapSize is the initial map of a bulk write (address space, not
// memory): it spares an import or the demo from remapping as the file
// grows, which copies every page the transaction holds. Ordinary
// operations keep bbolt's default, which keeps small files small.
const bulkMmapSize = 1 << 30

// lockedOpen opens the file and takes its lock. A purge compacts the file
// by renaming a fresh one over it while holding the lock; a process that
// was waiting then holds the lock of a file no longer at the path, so it
// checks and opens the path again.
func (s *Store) lockedOpen(readOnly bool, mmapSize int) (*bolt.DB, error) {
	for attempt := 0; ; attempt++ {
		before, _ := os.Stat(s.path)
		db, err := bolt.Open(s.path, s.fileMode(), &bolt.Options{Timeout: s.timeout, ReadOnly: readOnly,
			InitialMmapSize: mmapSize, OpenFile: s.openFile})
		if err != nil {
			return nil, s.openError(err)
		}
		after, err := os.Stat(s.path)
		if err == nil && (before == nil || os.SameFile(before, after)) {
			return db, nil
		}
		db.Close()
		if attempt == 3 {
			return nil, &StoreError{Path: s.path, Err: ErrBusy, Detail: "the file keeps being replaced",
				Advice: "wait for the purge or restore to finish and try again"}
		}
	}
}

func (s *Store) dirMode() fs.FileMode {
	if s.shared {
		return fs.ModeSetgid | 0o770
	}
	return 0o700
}

func (s *Store) openError(err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return &StoreError{Path: s.path, Err: ErrBusy, Detail: fmt.Sprintf("waited %s", s.timeout),
			Advice: "try again in a moment"}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return &StoreError{Path: s.path, Err: ErrDamaged, Detail: err.Error(), Advice: restoreAdvice}
	}
	return withPath("open", s.path, err)
}

// fileKind names what a path that is not a regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// replaceFile puts data at path whole, with the given mode: written to a
// new file of a random name beside it (created exclusively, so never
// through a planted link), synced, then renamed over path. On failure
// nothing is left beside it and path is as it was.
func replaceFile(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err = tmp.Chmod(mode); err == nil {
		if _, err = tmp.Write(data); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// withPath names the file in err unless err already does: an *fs.PathError
// names its own ("open X: open X: permission denied" said it twice).
func withPath(op, path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		return err
	}
	return fmt.Errorf("%s %s: %w", op, path, err)
}

// NoDatabaseError is a write to a path where there is no database: only
// init (and the demo, through it) creates one, so that a mistyped path
// makes neither folders nor a database.
type NoDatabaseError struct{ Path string }

func (e *NoDatabaseError) Error() string {
	return "no database at " + e.Path + " (rightsdesk init --db " + e.Path + " creates one)"
}

// EmptyFileError is a zero-length file at the database path, which only
// init turns into a database. It is ErrForeign to errors.Is.
type EmptyFileError struct{ Path string }

func (e *EmptyFileError) Error() string {
	return e.Path + " is an empty file, not a rightsdesk database (rightsdesk init makes one)"
}

func (e *EmptyFileError) Unwrap() error { return ErrForeign }

// preflight reads the two bbolt meta pages and the file size before bbolt
// does, because bbolt can fault on a truncated file instead of failing. An
// empty file is refused unless adoptEmpty (init). A file whose first page
// is gone but whose second meta page is bbolt's is damaged, not foreign;
// for a write (write), both meta pages must verify.
func preflight(path string, adoptEmpty, write bool) error {
	// A named pipe, a device or a folder is refused before it is opened:
	// opening a pipe waits for a writer, and would hang the command.
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		return &StoreError{Path: path, Err: ErrForeign, Detail: fileKind(info.Mode()) + ", not a regular file",
			Advice: "check --db or $RIGHTSDESK_DB points at the right file"}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return withPath("open", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return withPath("stat", path, err)
	}
	if info.Size() == 0 {
		if adoptEmpty {
			return nil // bbolt initialises it
		}
		return &EmptyFileError{Path: path}
	}
	damaged := func(detail string) error {
		return &StoreError{Path: path, Err: ErrDamaged, Detail: detail, Advice: restoreAdvice}
	}
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	head = head[:n]
	m0, ok0 := readMeta(head, 0)
	// The second meta page follows the first, at its page size; a first
	// page that cannot tell is looked for at the usual sizes.
	sizes := []int64{4096, 8192, 16384, 65536}
	if ok0 {
		sizes = []int64{int64(m0.pageSize)}
	}
	var m1 meta
	ok1, magic1 := false, false
	for _, ps := range sizes {
		page1 := make([]byte, 128)
		if _, err := f.ReadAt(page1, ps); err == nil {
			m1, ok1 = readMeta(page1, 0)
			magic1 = magic1 || binary.LittleEndian.Uint32(page1[16:20]) == boltMagic
		}
		if ok1 {
			break
		}
	}
	magic0 := len(head) >= 20 && binary.LittleEndian.Uint32(head[16:20]) == boltMagic
	if !ok0 && !ok1 && !magic0 && !magic1 {
		return &StoreError{Path: path, Err: ErrForeign, Detail: "no bbolt header",
			Advice: "check --db or $RIGHTSDESK_DB points at the right file"}
	}
	best, ok := m0, ok0
	if ok1 && (!ok0 || m1.txid > m0.txid) {
		best, ok = m1, true
	}
	if !ok {
		return damaged("both meta pages are invalid")
	}
	// One bad meta page: bbolt would read with the other, an older state,
	// and write over the bad one. The file is damaged: it may be read, not
	// written, until it is restored.
	if write && (!ok0 || !ok1) {
		bad := 0
		if ok0 {
			bad = 1
		}
		return damaged(fmt.Sprintf("meta page %d is invalid", bad))
	}
	if need := int64(best.highWater) * int64(best.pageSize); info.Size() < need {
		return damaged(fmt.Sprintf("truncated: %d bytes, the file needs %d", info.Size(), need))
	}
	return nil
}

const boltMagic = 0xED0CDAED

// meta is the part of a bbolt meta page preflight checks.
type meta struct {
	pageSize  uint32
	highWater uint64
	txid      uint64
}

// readMeta decodes and verifies the meta page at off in b: the page header
// is 16 bytes, the meta fields follow, and their FNV-64a checksum covers
// everything before it.
func readMeta(b []byte, off int) (meta, bool) {
	const h = 16
	if len(b) < off+h+64 {
		return meta{}, false
	}
	m := b[off+h : off+h+64]
	le := binary.LittleEndian
	if le.Uint32(m[0:4]) != boltMagic || le.Uint32(m[4:8]) != 2 {
		return meta{}, false
	}
	sum := fnv.New64a()
	sum.Write(m[:56])
	if sum.Sum64() != le.Uint64(m[56:64]) {
		return meta{}, false
	}
	ps := le.Uint32(m[8:12])
	if ps < 512 || ps > 1<<20 {
		return meta{}, false
	}
	return meta{pageSize: ps, highWater: le.Uint64(m[40:48]), txid: le.Uint64(m[48:56])}, true
}

// pagesUnreadable is what a damaged file's error says of a fault met
// reading it (a recovered panic or memory fault): what it means to the
// DPO, not the runtime's words.
func pagesUnreadable(any) string { return "some of its pages cannot be read" }
