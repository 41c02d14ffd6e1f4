package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
)

// Problem is one piece of damage check found.
type Problem struct {
	CaseID string `json:"case,omitempty"`
	Detail string `json:"detail"`
}

func (p Problem) String() string {
	if p.CaseID == "" {
		return p.Detail
	}
	return p.CaseID + ": " + p.Detail
}

// Check verifies the bbolt structure and every case's hash chain: each
// event's digest matches its content (where not purged), each links to its
// predecessor, and the chain ends at the head the case records.
func (s *Store) Check() ([]Problem, error) {
	var problems []Problem
	err := s.view(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			problems = append(problems, Problem{Detail: "bbolt: " + err.Error()})
		}
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			problems = append(problems, checkChain(tx, string(k), v)...)
			return nil
		})
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, nil
	}
	return problems, err
}

func checkChain(tx *bolt.Tx, id string, raw []byte) []Problem {
	bad := func(format string, args ...any) []Problem {
		return []Problem{{CaseID: id, Detail: fmt.Sprintf(format, args...)}}
	}
	var rec struct {
		Head         string     `json:"head"`
		Events       uint64     `json:"events"`
		CopiesPurged *time.Time `json:"copies_purged"`
	}
	recordJSON, _, err := splitCaseValue(raw)
	if err != nil {
		return bad("unreadable record: %v", err)
	}
	if err := json.Unmarshal(recordJSON, &rec); err != nil {
		return bad("unreadable record: %v", err)
	}
	tl := tx.Bucket(bucketTimelines).Bucket([]byte(id))
	if tl == nil {
		return bad("no timeline")
	}
	hash := chainStart(id)
	var n uint64
	var problems []Problem
	err = tl.ForEach(func(k, v []byte) error {
		n++
		var env envelope
		if err := json.Unmarshal(v, &env); err != nil {
			return fmt.Errorf("event %d unreadable: %v", n, err)
		}
		if binary.BigEndian.Uint64(k) != n || env.Seq != n {
			return fmt.Errorf("event %d out of sequence (stored as %d)", n, env.Seq)
		}
		if env.Prev != hash {
			return fmt.Errorf("event %d does not chain from its predecessor", n)
		}
		if len(env.Content) > 0 {
			sum := sha256.Sum256(env.Content)
			if hex.EncodeToString(sum[:]) != env.Digest {
				return fmt.Errorf("event %d content does not match its digest (altered)", n)
			}
		}
		if rec.CopiesPurged == nil && bytes.HasPrefix(env.Content, attachedPrefix) {
			if p := checkFile(tx, id, env.Content); p != "" {
				problems = append(problems, Problem{CaseID: id, Detail: fmt.Sprintf("event %d: %s", n, p)})
			}
		}
		hash = chainNext(hash, env.Digest)
		return nil
	})
	switch {
	case err != nil:
		problems = append(problems, Problem{CaseID: id, Detail: err.Error()})
	case n != rec.Events:
		problems = append(problems, bad("the timeline has %d events, the case records %d", n, rec.Events)...)
	case hash != rec.Head:
		problems = append(problems, bad("the chain does not end at the recorded head")...)
	}
	return problems
}

// attachedPrefix starts the stored content of an attached event (Kind is
// the first field cases.Event marshals).
var attachedPrefix = []byte(`{"kind":"attached"`)

// checkFile verifies that an attached file is stored with the size and
// SHA-256 its event recorded.
func checkFile(tx *bolt.Tx, id string, content []byte) string {
	var ev cases.Event
	if err := json.Unmarshal(content, &ev); err != nil || ev.Attachment == nil {
		return "unreadable attachment event"
	}
	a := ev.Attachment
	var data []byte
	if b := tx.Bucket(bucketFiles).Bucket([]byte(id)); b != nil {
		data = b.Get([]byte(a.Name))
	}
	if data == nil {
		return fmt.Sprintf("attached file %q is missing", a.Name)
	}
	sum := sha256.Sum256(data)
	if int64(len(data)) != a.Size || hex.EncodeToString(sum[:]) != a.SHA256 {
		return fmt.Sprintf("attached file %q does not match its recorded SHA-256 (altered)", a.Name)
	}
	return ""
}

// Backup writes a consistent copy of the database to dest (0600), while
// writers wait, then verifies the copy. It reports how long the copy held
// the file.
//
// With a controller, the copy holds only that organisation's cases (with
// their timelines, files, index entries, changes and access log), for a DPO
// who serves several organisations and hands each its own.
func (s *Store) Backup(dest, controller string) (time.Duration, error) {
	tmp := dest + ".partial"
	var held time.Duration
	err := s.view(func(tx *bolt.Tx) error {
		start := time.Now()
		defer func() { held = time.Since(start) }()
		if controller != "" {
			return copyController(tx, tmp, controller)
		}
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := tx.WriteTo(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		os.Remove(tmp)
		return held, err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return held, err
	}
	copyStore := Open(tmp, Options{})
	problems, err := copyStore.Check()
	if err == nil && len(problems) > 0 {
		err = fmt.Errorf("the copy does not verify: %s", problems[0])
	}
	if err != nil {
		os.Remove(tmp)
		return held, fmt.Errorf("backup %s: %w", dest, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return held, err
	}
	if d, err := os.Open(filepath.Dir(dest)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return held, nil
}

// copyController writes a new database at path holding one organisation's
// cases and everything shared (meta, ID sequences).
func copyController(src *bolt.Tx, path, controller string) error {
	os.Remove(path)
	dst, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
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
	// keep says whether an entry of a top-level bucket goes to the copy.
	keep := map[string]func(k, v []byte) bool{
		string(bucketCases):     func(k, _ []byte) bool { return ids[string(k)] },
		string(bucketTimelines): func(k, _ []byte) bool { return ids[string(k)] },
		string(bucketFiles):     func(k, _ []byte) bool { return ids[string(k)] },
		string(bucketRows):      func(k, _ []byte) bool { return ids[string(k)] },
		string(bucketChanges):   func(_, v []byte) bool { return ids[string(v)] },
		string(bucketDue):       func(k, _ []byte) bool { return ids[lastField(k)] },
		string(bucketWaiting):   func(k, _ []byte) bool { return ids[lastField(k)] },
		string(bucketAccess): func(_, v []byte) bool {
			var a Access
			return json.Unmarshal(v, &a) == nil && ids[a.CaseID]
		},
	}
	return dst.Update(func(tx *bolt.Tx) error {
		return src.ForEach(func(name []byte, b *bolt.Bucket) error {
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
func copyBucket(dst, src *bolt.Bucket, keep func(k, v []byte) bool) error {
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
