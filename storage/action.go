package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage/kv"
)

// DefaultMaxFileSize bounds one attached file (Options.MaxFileSize). Files
// live inside the database, which every backup copies whole; a data copy
// larger than this belongs in a separate, referenced archive.
const DefaultMaxFileSize = 64 << 20

// Action is one change asked of a case: the event, when it really happened,
// and the revision the caller showed. It is what the command line and the
// terminal app both send to Do, so that every rule lives in one place.
type Action struct {
	Event cases.Event
	// At is when it happened: RFC 3339, or YYYY-MM-DD for the start of that
	// day in the case's legal time zone. Empty: now.
	At string
	// IfRevision applies the change only if the case is still at this
	// revision; NoRevision applies it against the current state.
	IfRevision int
	// Content is the file of an attached event; its size and SHA-256 are
	// computed here and recorded in the event.
	Content []byte
}

// TooLarge is a file above the store's size limit.
type TooLarge struct {
	Name        string
	Size, Limit int64
}

func (e *TooLarge) Error() string {
	return fmt.Sprintf("%s is %s, above the limit of %s per attached file; keep it outside the database and attach a summary",
		e.Name, byteSize(e.Size), byteSize(e.Limit))
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// MaxFileSize is the largest file this store accepts as an attachment.
func (s *Store) MaxFileSize() int64 { return s.maxFile }

// Do applies actions to one case, in order, in one transaction committed
// with fsync: all of them or none. Each is checked by the domain
// (cases.Apply) against the state the previous one left. Refusals are
// *cases.Refused, revision conflicts *Conflict, oversized files *TooLarge.
func (s *Store) Do(id string, actions []Action, now time.Time) ([]*Result, error) {
	return s.do(id, actions, now, s.own())
}

// do is Do recorded by w (caller.go).
func (s *Store) do(id string, actions []Action, now time.Time, w recorder) ([]*Result, error) {
	for _, a := range actions {
		if a.Content != nil && int64(len(a.Content)) > s.maxFile {
			name := ""
			if a.Event.Attachment != nil {
				name = a.Event.Attachment.Name
			}
			return nil, &TooLarge{Name: name, Size: int64(len(a.Content)), Limit: s.maxFile}
		}
	}
	defer s.preupload(id, actions)() // replica.go
	var results []*Result
	err := s.update(func(tx kv.Tx) error {
		results = results[:0]
		now, err := s.recordAtBy(tx, now, w)
		if err != nil {
			return err
		}
		for _, a := range actions {
			w.stamp(&a.Event)
			res, err := doTx(tx, id, a, now)
			if err != nil {
				return err
			}
			results = append(results, res)
		}
		return nil
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, &NotFound{ID: id}
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}

// doTx is one action inside a write transaction.
func doTx(tx kv.Tx, id string, a Action, now time.Time) (*Result, error) {
	ev := a.Event
	if a.At != "" {
		rec, err := loadRecord(tx, id)
		if err != nil {
			return nil, err
		}
		loc, err := cases.LoadZone(currentRules(rec.Case).Zone)
		if err != nil {
			return nil, err
		}
		if ev.At, err = cases.ParseWhen(a.At, loc, now); err != nil {
			return nil, &cases.Refused{Field: "at", Reason: fmt.Sprintf("when it happened: %v", err)}
		}
	}
	if ev.Kind == cases.EventSent {
		// The conditions a letter leaving must meet are the register's as
		// stored when it leaves (WORK.md), whatever the caller read: an
		// app open since before the register changed, or a client that
		// says none.
		if err := storedApproval(tx, id, &ev); err != nil {
			return nil, err
		}
	}
	// An approval's evidence (the controller's sign-off) is stored as an
	// attached file is.
	stored := ev.Kind == cases.EventAttached || (ev.Kind == cases.EventApproved && ev.Attachment != nil)
	if stored {
		if ev.Attachment == nil {
			return nil, &cases.Refused{Field: "file", Reason: "an attachment needs a file"}
		}
		att := *ev.Attachment
		sum := sha256.Sum256(a.Content)
		att.Size, att.SHA256 = int64(len(a.Content)), hex.EncodeToString(sum[:])
		ev.Attachment = &att
	}
	res, err := applyTx(tx, id, ev, a.IfRevision, now)
	if err != nil {
		return nil, err
	}
	if stored {
		if err := putFile(tx, id, res.Event.Attachment.Name, a.Content); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// currentRules are the rules in force for a case: the frozen ones, or the
// last re-baseline's.
func currentRules(c *cases.Case) cases.Rules {
	r := c.Rules
	for _, ev := range c.Events {
		if ev.Kind == cases.EventRebaselined && ev.Rules != nil {
			r = *ev.Rules
		}
	}
	return r
}

// File returns the content of a file attached to a case.
func (s *Store) File(id, name string) ([]byte, error) {
	var out []byte
	err := s.view(func(tx kv.Tx) error {
		if _, err := loadRecord(tx, id); err != nil {
			return err
		}
		v, err := fileOf(tx, id, name)
		if err != nil {
			return err
		}
		if v == nil {
			return fmt.Errorf("%s has no attached file %q", id, name)
		}
		out = append([]byte(nil), v...) // the slice dies with the transaction
		return nil
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, &NotFound{ID: id}
	}
	return out, err
}

// ReadAttachment reads a file to attach (the attach command and the
// terminal app's form), refusing it before reading when it is
// above the store's limit.
func ReadAttachment(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if info.Size() > limit {
		return nil, &TooLarge{Name: path, Size: info.Size(), Limit: limit}
	}
	return io.ReadAll(io.LimitReader(f, limit+1))
}

// Conflict is a write refused because the case changed since the revision
// the caller showed (--if-revision).
type Conflict struct {
	ID        string
	Expected  int
	Revision  int
	UpdatedBy string
	UpdatedAt time.Time
	// What are the kinds of the events recorded since the expected revision.
	What []cases.EventKind
}

func (e *Conflict) Error() string {
	what := "changed"
	if len(e.What) > 0 {
		kinds := make([]string, len(e.What))
		for i, k := range e.What {
			kinds[i] = string(k)
		}
		what = strings.Join(kinds, ", ")
	}
	return fmt.Sprintf("%s changed: it is at revision %d, not %d (%s by %s at %s); reload it and try again",
		e.ID, e.Revision, e.Expected, what, e.UpdatedBy, e.UpdatedAt.UTC().Format(time.RFC3339))
}

// Result is what an action did.
type Result struct {
	Event    cases.Event
	Warnings []string
	Revision int
	View     *cases.View
}

// NoRevision means "apply against the current state, whatever it is".
const NoRevision = -1

// Apply records one event through the action service (Do): checked against
// the case as it is now and against the revision the caller showed, unless
// NoRevision; one transaction committed with fsync.
func (s *Store) Apply(id string, ev cases.Event, ifRevision int, now time.Time) (*Result, error) {
	res, err := s.Do(id, []Action{{Event: ev, IfRevision: ifRevision}}, now)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// applyTx is one action inside a read-write transaction: read the case,
// check its revision and the transition, append the event (a correction
// changes the case's facts: cases.Case.Record), write what is derived.
func applyTx(tx kv.Tx, id string, ev cases.Event, ifRevision int, now time.Time) (*Result, error) {
	rec, err := loadRecord(tx, id)
	if err != nil {
		return nil, err
	}
	if ifRevision != NoRevision && rec.Revision != ifRevision {
		c := &Conflict{ID: id, Expected: ifRevision, Revision: rec.Revision, UpdatedBy: rec.UpdatedBy, UpdatedAt: rec.UpdatedAt}
		// One event per revision: the last Revision-Expected events are the change.
		if n := rec.Revision - ifRevision; n > 0 && n <= len(rec.Case.Events) && len(rec.Case.Events) == rec.Revision {
			for _, e := range rec.Case.Events[len(rec.Case.Events)-n:] {
				c.What = append(c.What, e.Kind)
			}
		}
		return nil, c
	}
	done, warnings, err := cases.Apply(rec.Case, ev, now)
	if err != nil {
		return nil, err
	}
	if err := appendEvent(tx, rec, done); err != nil {
		return nil, err
	}
	if err := rec.Case.Record(done); err != nil {
		return nil, err
	}
	st, err := rec.deriveState(now, false)
	if err != nil {
		return nil, err
	}
	if err := putRecord(tx, rec, st, nil); err != nil {
		return nil, err
	}
	return &Result{Event: done, Warnings: warnings, Revision: rec.Revision, View: cases.NewView(rec.Case, st, rec.Revision, true)}, nil
}

// approvalConditions caches each register version's approval conditions
// (by its SHA-256).
var approvalConditions sync.Map

// storedApproval adds to a sent event's approval conditions those of the
// case's organisation's current stored register: a caller may ask for more
// (a register laid over for one command), never for less.
func storedApproval(tx kv.Tx, id string, ev *cases.Event) error {
	rec, err := loadRecord(tx, id)
	if err != nil {
		return err
	}
	v, ok, err := currentVersion(tx, rec.Case.Controller)
	if err != nil || !ok {
		return err
	}
	stored, ok := approvalConditions.Load(v.SHA256)
	if !ok {
		r, err := register.ParseRegister(rec.Case.Controller+".toml", v.TOML)
		if err != nil {
			return fmt.Errorf("the register of %s: %w", rec.Case.Controller, err)
		}
		stored, _ = approvalConditions.LoadOrStore(v.SHA256, cases.ConditionsOf(r.ApprovalConditions()))
	}
	ev.Approval = (cases.ConditionsOf(ev.Approval) | stored.(cases.Conditions)).List()
	return nil
}
