package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"rightsdesk/storage/kv"
)

// Restored is the kind of the database event (in the key chain, the
// database's own chain) that records a restore from a backup: never
// silent (TRUST.md). check reports it, and a checkpoint exported after the
// backup was taken shows the rollback it was.
const Restored = "restored"

// Restore puts the backup at from in place of the database and records a
// restored event. The backup must check clean and be a backup of this
// database (its ID) when the database can still be read; a damaged
// database is what restoring is for, and is not read first.
//
// The backup is first copied beside the database (PATH.restoring, created
// with O_EXCL|O_NOFOLLOW), then written into the database file itself
// while its lock is held, so that a process already waiting for the lock
// finds the restored file, never an unlinked one whose writes would be
// lost. A crash while writing leaves the verified copy beside it: run the
// restore again.
func (s *Store) Restore(from string, now time.Time) (KeyEvent, error) {
	var ev KeyEvent
	if err := s.refuseOnReplica("a restore"); err != nil { // replica.go
		return ev, err
	}
	if err := s.notTheDatabase(from); err != nil {
		if errors.Is(err, ErrSameFile) {
			return ev, fmt.Errorf("restore: %s %w: give a backup", from, ErrSameFile)
		}
		return ev, err
	}
	backup := Open(from, Options{LockTimeout: s.timeout})
	problems, err := backup.Check()
	if err != nil {
		return ev, fmt.Errorf("restore: the backup %s: %w", from, err)
	}
	if len(problems) > 0 {
		return ev, fmt.Errorf("restore: the backup %s does not check (%s); it cannot be restored", from, problems[0])
	}
	var backupID string
	held := 0
	if err := backup.view(func(tx kv.Tx) error {
		backupID = databaseID(tx)
		held = tx.Bucket(bucketCases).Bolt().Stats().KeyN
		return nil
	}); err != nil {
		return ev, fmt.Errorf("restore: the backup %s: %w", from, err)
	}
	_, statErr := os.Lstat(s.path)
	live := statErr == nil
	if live {
		var liveID string
		if s.view(func(tx kv.Tx) error { liveID = databaseID(tx); return nil }) == nil &&
			liveID != "" && backupID != liveID {
			return ev, fmt.Errorf("restore: %s is a %w (%s); this one is %s", from, ErrOtherDatabase, backupID, liveID)
		}
	}
	tmp := s.path + ".restoring"
	f, err := CreatePartial(tmp)
	if err != nil {
		return ev, fmt.Errorf("restore: %w", err)
	}
	err = backup.view(func(tx kv.Tx) error {
		_, err := tx.Bolt().WriteTo(f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil && !errors.Is(cerr, os.ErrClosed) {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return ev, fmt.Errorf("restore: copy %s: %w", from, err)
	}
	// A held file is released while it is written over, and held again
	// (held.go): the damaged note goes first, the file being replaced.
	inPlace, err := s.whileReleased(func() error {
		if err := s.writeOver(tmp); err != nil {
			return err
		}
		os.Remove(s.damagedPath())
		return nil
	})
	switch {
	case inPlace:
	case live:
		err = s.writeOver(tmp)
	default:
		err = os.Rename(tmp, s.path)
	}
	if err != nil {
		return ev, fmt.Errorf("restore: %w (the verified copy is kept as %s: run the restore again)", err, tmp)
	}
	os.Remove(tmp)
	os.Remove(s.damagedPath()) // the damaged file is replaced
	err = s.update(func(tx kv.Tx) error {
		keys, err := keyChain(tx)
		if err != nil {
			return err
		}
		key := ""
		if len(keys) > 0 {
			key = keys[len(keys)-1].Key
		}
		ev = KeyEvent{Kind: Restored, Key: key, At: now.UTC(),
			Reason: fmt.Sprintf("restored from the backup %s (%s); what was recorded after it was taken is not in the database",
				filepath.Base(from), casesWord(held))}
		return appendKeyEvent(tx, ev)
	})
	return ev, err
}

// writeOver writes the file at from into the database file, in place,
// under the database's lock (the one bbolt takes), and syncs it.
func (s *Store) writeOver(from string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(s.path, os.O_RDWR|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return withPath("open", s.path, err)
	}
	defer dst.Close()
	if info, err := dst.Stat(); err != nil || !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", s.path)
	}
	deadline := time.Now().Add(s.timeout)
	for {
		err := syscall.Flock(int(dst.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			return &StoreError{Path: s.path, Err: ErrBusy}
		}
		time.Sleep(50 * time.Millisecond)
	}
	defer syscall.Flock(int(dst.Fd()), syscall.LOCK_UN)
	n, err := io.Copy(dst, src)
	if err == nil {
		err = dst.Truncate(n)
	}
	if err == nil {
		err = dst.Sync()
	}
	return err
}

// casesWord is "1 case", "2 cases".
func casesWord(n int) string {
	if n == 1 {
		return "1 case"
	}
	return fmt.Sprintf("%d cases", n)
}
