package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage/kv"
)

// Backup writes a consistent copy of the database to dest (0600), while
// writers wait, then verifies the copy. It reports how long the copy held
// the file.
//
// With a controller, the copy holds only that organisation's cases (with
// their timelines, files, index entries, changes and access log), for a DPO
// who serves several organisations and hands each its own.
//
// A dest that is the database itself (the same path, another path to it, a
// symbolic or hard link) is refused before anything is written: renaming
// the copy over the live file would lose every write made after the copy.
func (s *Store) Backup(dest, controller string) (time.Duration, error) {
	if err := s.notTheDatabase(dest); err != nil {
		return 0, err
	}
	tmp := dest + ".partial"
	f, err := CreatePartial(tmp)
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", dest, err)
	}
	var held time.Duration
	err = s.view(func(tx kv.Tx) error {
		start := time.Now()
		defer func() { held = time.Since(start) }()
		if controller != "" {
			return copyController(tx, f, controller)
		}
		if _, err := tx.Bolt().WriteTo(&progressWriter{w: f, total: tx.Bolt().Size(), report: s.report}); err != nil {
			return err
		}
		return f.Sync()
	})
	// bbolt has closed f already after a copy of one organisation.
	if cerr := f.Close(); err == nil && !errors.Is(cerr, os.ErrClosed) {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return held, err
	}
	copyStore := Open(tmp, Options{})
	problems, err := copyStore.Check()
	os.Remove(copyStore.damagedPath()) // the copy's own note, if any
	if err == nil && len(problems) > 0 {
		err = fmt.Errorf("the copy does not verify: %s", problems[0])
		s.markDamaged(problems[0].String()) // the copy is the file as it is
	}
	var witness *CheckpointFile
	if err == nil {
		witness, err = copyStore.Checkpoints()
	}
	if err != nil {
		os.Remove(tmp)
		return held, fmt.Errorf("backup %s: %w", dest, err)
	}
	// Checked again: dest may have been pointed at the database meanwhile.
	if err := s.notTheDatabase(dest); err != nil {
		os.Remove(tmp)
		return held, err
	}
	if err := os.Rename(tmp, dest); err != nil {
		return held, err
	}
	// Every backup exports its checkpoints (TRUST.md): a witness, kept
	// with the backup, that check --against compares a later file with.
	if err := WriteCheckpointFile(CheckpointsOf(dest), witness); err != nil {
		return held, fmt.Errorf("backup %s: its checkpoints: %w", dest, err)
	}
	if d, err := os.Open(filepath.Dir(dest)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return held, nil
}

// CheckpointsOf is where a backup's checkpoints are exported: beside it,
// DEST.checkpoints.json.
func CheckpointsOf(dest string) string { return dest + ".checkpoints.json" }

// ErrSameFile is a backup destination that is the database itself: a usage
// error (exit 2), not a failure of the file.
var ErrSameFile = errors.New("is the database itself")

// ErrOtherDatabase is a backup given to restore that is of another
// database: bad input, nothing is replaced.
var ErrOtherDatabase = errors.New("backup of another database")

// notTheDatabase refuses a dest that is the same file as the database,
// comparing the opened files (device and inode), so that links and other
// spellings of the path are caught. A dest that does not exist yet, or
// cannot be opened, is not the database. O_NONBLOCK keeps a named pipe at
// dest from hanging the command.
func (s *Store) notTheDatabase(dest string) error {
	d, err := os.OpenFile(dest, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil
	}
	defer d.Close()
	db, err := os.OpenFile(s.path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil
	}
	defer db.Close()
	di, err1 := d.Stat()
	dbi, err2 := db.Stat()
	if err1 == nil && err2 == nil && os.SameFile(di, dbi) {
		return fmt.Errorf("backup %s: %w (%s); give another destination", dest, ErrSameFile, s.path)
	}
	return nil
}

// CreatePartial makes the temporary copy beside dest (a backup's here, the
// one a team client writes from the server's stream in main). A leftover of an
// earlier run is removed only if it is a regular file of this user: one
// planted there (a link to another file, or a file another user made so
// that the backup would be theirs) is refused, named, and left alone. The
// new file is created exclusively and never through a link, 0600 whatever
// the umask.
func CreatePartial(tmp string) (*os.File, error) {
	info, err := os.Lstat(tmp)
	switch {
	case err == nil:
		st, ok := info.Sys().(*syscall.Stat_t)
		if !info.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is in the way and is not a regular file (%v); remove it or give another destination", tmp, info.Mode().Type())
		}
		if !ok || int(st.Uid) != os.Geteuid() {
			return nil, fmt.Errorf("%s is in the way and belongs to another user; remove it or give another destination", tmp)
		}
		if err := os.Remove(tmp); err != nil {
			return nil, withPath("remove", tmp, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, withPath("stat", tmp, err)
	}
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, withPath("create", tmp, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, withPath("chmod", tmp, err)
	}
	return f, nil
}

// copyController writes a new database into f (empty, created by
// CreatePartial; bbolt closes it) holding one organisation's cases and
// everything shared (meta, ID sequences). bbolt is handed the open file
// rather than its path, so nothing put at the path meanwhile is followed.
func copyController(src kv.Tx, f *os.File, controller string) error {
	dst, err := bolt.Open(f.Name(), 0o600, &bolt.Options{Timeout: time.Second,
		OpenFile: func(string, int, fs.FileMode) (*os.File, error) { return f, nil }})
	if err != nil {
		return err
	}
	defer dst.Close()
	ids := map[string]bool{}
	err = src.Bucket(bucketRows).ForEach(func(k, v []byte) error {
		sum, _, err := decodeRow(v)
		if err != nil {
			return fmt.Errorf("case %s: %w", k, err)
		}
		if sum.Controller == controller {
			ids[string(k)] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	code, err := caseCode(src, controller)
	if err != nil {
		return err
	}
	// keep says whether an entry of a top-level bucket goes to the copy.
	keep := map[string]func(k, v []byte) bool{
		// The year sequences, and the organisation's own: another's
		// (IDsPerOrganisation) would tell how many cases it has.
		string(bucketIDs): func(k, _ []byte) bool {
			return strings.HasPrefix(string(k), code+"-") || strings.Trim(string(k), "0123456789") == ""
		},
		string(bucketCases):     func(k, _ []byte) bool { return ids[string(k)] },
		string(bucketTimelines): func(k, _ []byte) bool { return ids[string(k)] },
		string(bucketEvents):    func(k, _ []byte) bool { return ids[caseOfEventKey(k)] },
		string(bucketFiles):     func(k, _ []byte) bool { return ids[string(k)] },
		string(bucketAttached):  func(k, _ []byte) bool { return ids[caseOfFileKey(k)] },
		string(bucketRows):      func(k, _ []byte) bool { return ids[string(k)] },
		string(bucketChanges):   func(_, v []byte) bool { return ids[string(v)] },
		string(bucketDue):       func(k, _ []byte) bool { return ids[lastField(k)] },
		string(bucketWaiting):   func(k, _ []byte) bool { return ids[lastField(k)] },
		string(bucketReports):   func(k, _ []byte) bool { return ids[lastField(k)] },
		string(bucketUnsent):    func(k, _ []byte) bool { return ids[lastField(k)] },
		string(bucketCounts):    func(k, _ []byte) bool { return string(k) == controller },
		string(bucketOwing):     func(k, _ []byte) bool { return ids[string(k)] },
		string(bucketDueDays):   func(k, _ []byte) bool { return strings.HasPrefix(string(k), controller+"\x00") },
		string(bucketRegisters): func(k, _ []byte) bool { return string(k) == controller },
		// The organisation's log, its checkpoints and its cases' places in it.
		string(bucketLogs):        func(k, _ []byte) bool { return string(k) == controller },
		string(bucketCheckpoints): func(k, _ []byte) bool { return string(k) == controller },
		string(bucketLogLeaves):   func(k, _ []byte) bool { return ids[string(k)] },
		string(bucketAccess): func(_, v []byte) bool {
			var a Access
			return json.Unmarshal(v, &a) == nil && ids[a.CaseID]
		},
	}
	return kv.Update(dst, func(tx kv.Tx) error {
		return src.ForEach(func(name []byte, b kv.Bucket) error {
			if string(name) == string(bucketTeam) {
				return nil // the team table is the server's, no organisation's
			}
			out, err := tx.CreateBucket(name)
			if err != nil {
				return err
			}
			return copyBucket(out, b, keep[string(name)])
		})
	})
}

// copyBucket copies the entries (and nested buckets) of src that keep
// accepts (all when keep is nil), with its sequence.
func copyBucket(dst, src kv.Bucket, keep func(k, v []byte) bool) error {
	if err := dst.SetSequence(src.Sequence()); err != nil {
		return err
	}
	return src.ForEach(func(k, v []byte) error {
		if keep != nil && !keep(k, v) {
			return nil
		}
		if v == nil { // a nested bucket: copied whole
			nested, err := dst.CreateBucket(k)
			if err != nil {
				return err
			}
			return copyBucket(nested, src.Bucket(k), nil)
		}
		return dst.Put(k, v)
	})
}

// lastField is what follows the last NUL of an index key: the case ID.
func lastField(k []byte) string {
	return string(k[bytes.LastIndexByte(k, 0)+1:])
}
