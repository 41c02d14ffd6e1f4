package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
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

// Check verifies the bbolt structure, the stored frozen rules and register
// versions against their SHA-256, and every case's hash chain: each
// event's digest matches its content (where not purged), each links to its
// predecessor, and the chain ends at the head the case records.
func (s *Store) Check() ([]Problem, error) {
	var problems []Problem
	err := s.viewWalked(func(tx kv.Tx, found []string) error {
		for _, p := range found {
			problems = append(problems, Problem{Detail: "bbolt: " + p})
		}
		if len(found) > 0 {
			// Nothing above the pages can be trusted: the chains are
			// not read from a file whose pages are wrong.
			return nil
		}
		problems = append(problems, checkRules(tx)...)
		problems = append(problems, checkRegisters(tx)...)
		problems = append(problems, checkTeam(tx)...)
		problems = append(problems, checkLogs(tx)...)
		problems = append(problems, checkFiles(tx)...) // files.go
		problems = append(problems, checkRecordingOrder(tx)...)
		more, err := checkCases(tx)
		problems = append(append(problems, more...), checkDerived(tx)...) // check_derived.go
		return err
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, nil
	}
	if err == nil && len(problems) > 0 {
		s.markDamaged(problems[0].String()) // no write until restored (damaged.go)
	}
	return problems, err
}

// viewWalked runs fn in a read transaction with what the page walk of
// walk.go found in the file as that transaction sees it: the walk, not
// bbolt's tx.Check, whose goroutine the fault guard does not cover. A held
// file is walked while no write is under way (held.go), and the
// transaction begins before the next one can commit.
func (s *Store) viewWalked(fn func(tx kv.Tx, found []string) error) error {
	if done, err := s.heldOp(true, func(db *bolt.DB) error {
		var tx kv.Tx
		var rollback func() error
		found, err := func() ([]string, error) {
			s.h.wmu.Lock()
			defer s.h.wmu.Unlock() // also when the walk faults
			found, err := walkFile(s.path)
			if err == nil {
				btx, berr := db.Begin(false)
				tx, rollback, err = kv.Wrap(btx), btx.Rollback, berr
			}
			return found, err
		}()
		if err != nil {
			return err
		}
		defer rollback()
		return fn(tx, found)
	}); done {
		return err
	}
	return s.view(func(tx kv.Tx) error {
		found, err := walkFile(s.path)
		if err != nil {
			return err
		}
		return fn(tx, found)
	})
}

// attachedPrefix starts the stored content of an attached event (Kind is
// the first field cases.Event marshals).
var attachedPrefix = []byte(`{"kind":"attached"`)

// approvedPrefix starts an approval's; one with an attachment stored the
// evidence of the controller's sign-off, checked as an attached file is.
var approvedPrefix = []byte(`{"kind":"approved"`)

// checkFile verifies that an attached file is stored with the size and
// SHA-256 its event recorded.
func checkFile(tx kv.Tx, id string, content []byte) string {
	var ev cases.Event
	if err := json.Unmarshal(content, &ev); err != nil || ev.Attachment == nil {
		return "unreadable attachment event"
	}
	a := ev.Attachment
	data, err := fileOf(tx, id, a.Name)
	if err != nil {
		return fmt.Sprintf("attached file %q: %v", a.Name, err)
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
