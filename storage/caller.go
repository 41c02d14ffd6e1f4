package storage

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// In team mode the server, not the client's environment, says who records
// (TRUST.md, "Identity"): it reads the caller's credentials from the
// connection and asks the store through a view made for that caller, so
// that whatever actor a request names, the events carry the caller's.

// Caller is who asks the store through a view (As): the team server makes
// one per request from the identity the operating system vouches for.
type Caller struct {
	// Actor is recorded on every event written through the view, whatever
	// Action.Event.Actor or an actor argument says.
	Actor string
	// ReportedOrigin is recorded as reported_origin on those events: the
	// SSH origin the client reported, never vouched for.
	ReportedOrigin string
	// LogReads: reads of a case's personal data through the view (Get,
	// Each, Chain, File, Proof) are logged in the access log for Actor,
	// batched into the next write transaction, not one fsync per read.
	LogReads bool
	// Scope, when set, says which organisations the caller works for: a
	// case of another answers exactly as an unknown ID (*NotFound, nothing
	// of it loaded first), and queues, lists, rows, changes and registers
	// hold only the caller's organisations (scope.go). nil: all of them.
	Scope func(org string) bool
}

// As is a view of the store that records as c: its events carry c's actor
// and reported origin, and no `overridden` (a caller's identity and clock
// are the server's, not an environment's), whatever the Store's own
// Options.Provenance says.
func (s *Store) As(c Caller) Service { return &callerView{s: s, c: c} }

// callerView is the Service of As: the store's own methods with a
// recorder of the caller, so that no Store (with its lock and its file) is
// copied.
type callerView struct {
	s *Store
	c Caller
}

var _ Service = (*callerView)(nil)

// recorder says who records a write: the Store's own process (its
// Options.Provenance, and the actor each call names) or a Caller.
type recorder struct {
	caller *Caller
	prov   cases.Provenance
}

// own is the recorder of the Store's own writes.
func (s *Store) own() recorder { return recorder{prov: s.prov} }

// actor is who records: the caller, or the actor the call names.
func (w recorder) actor(named string) string {
	if w.caller != nil {
		return w.caller.Actor
	}
	return named
}

// stamp marks an event with who records it: a caller's actor and origin
// in place of anything the event said, or what the process's environment
// overrode and reported (cases.Provenance.Stamp).
func (w recorder) stamp(ev *cases.Event) {
	if w.caller == nil {
		w.prov.Stamp(ev)
		return
	}
	ev.Actor, ev.Overridden, ev.ReportedOrigin = w.caller.Actor, nil, w.caller.ReportedOrigin
}

// stampAll stamps every event of new requests. A caller's are recorded at
// now, the store's time: a request built by a client carries the client's.
func (w recorder) stampAll(requests [][]*cases.Case, now time.Time) {
	if w.caller == nil && len(w.prov.Overridden) == 0 && w.prov.ReportedOrigin == "" {
		return
	}
	for _, group := range requests {
		for _, c := range group {
			for i := range c.Events {
				w.stamp(&c.Events[i])
				if w.caller != nil {
					c.Events[i].RecordedAt = now
				}
			}
		}
	}
}

// clockOverridden: the recording time is outside the order of recording
// times (monotonic.go). Never for a caller.
func (w recorder) clockOverridden() bool { return w.caller == nil && w.prov.ClockOverridden() }

// errNoActor is a write through a view whose caller has no name.
var errNoActor = errors.New("a caller with no name records nothing")

// writer is the view's recorder, refused when it names no one.
func (v *callerView) writer() (recorder, error) {
	if strings.TrimSpace(v.c.Actor) == "" {
		return recorder{}, errNoActor
	}
	return recorder{caller: &v.c}, nil
}

// Get reads one case, logging the read.
func (v *callerView) Get(id string) (*Loaded, error) {
	if err := v.inScope(id); err != nil {
		return nil, err
	}
	l, err := v.s.Get(id)
	if err == nil {
		err = v.read("read", id)
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Each reads many cases, logging the read of each that fn was given.
func (v *callerView) Each(ids []string, fn func(l *Loaded) error) error {
	if err := v.inScope(ids...); err != nil {
		return err
	}
	var read []string
	err := v.s.Each(ids, func(l *Loaded) error {
		read = append(read, l.Case.ID)
		return fn(l)
	})
	if lerr := v.read("read", read...); err == nil {
		err = lerr
	}
	return err
}

// Chain reads a case's hash chain, logging the read.
func (v *callerView) Chain(id string) ([]Link, error) {
	if err := v.inScope(id); err != nil {
		return nil, err
	}
	links, err := v.s.Chain(id)
	if err == nil {
		err = v.read("read the chain", id)
	}
	if err != nil {
		return nil, err
	}
	return links, nil
}

// Proof reads a case's proof, logging the read.
func (v *callerView) Proof(id string, upTo uint64) (*CaseProof, error) {
	if err := v.inScope(id); err != nil {
		return nil, err
	}
	p, err := v.s.Proof(id, upTo)
	if err == nil {
		err = v.read("read the proof", id)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// File reads an attached file, logging the read (not the file's name: the
// log says who read a case, the timeline what it holds).
func (v *callerView) File(id, name string) ([]byte, error) {
	if err := v.inScope(id); err != nil {
		return nil, err
	}
	b, err := v.s.File(id, name)
	if err == nil {
		err = v.read("read an attached file", id)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Do applies actions as the caller.
func (v *callerView) Do(id string, actions []Action, now time.Time) ([]*Result, error) {
	w, err := v.writer()
	if err != nil {
		return nil, err
	}
	if err := v.inScope(id); err != nil {
		return nil, err
	}
	return v.s.do(id, actions, now, w)
}

// DoEach applies one action to many cases as the caller.
func (v *callerView) DoEach(ids []string, action Action, revisions map[string]int, now time.Time) (*Bulk, error) {
	w, err := v.writer()
	if err != nil {
		return nil, err
	}
	mine, refused, err := v.scopeBulk(ids)
	if err != nil {
		return nil, err
	}
	out, err := v.s.doEach(mine, action, revisions, now, w)
	if err != nil {
		return nil, err
	}
	for id, e := range refused {
		out.Refused[id] = e
	}
	return out, nil
}

// Add records a new request as the caller (the actor argument is not used).
func (v *callerView) Add(in cases.Intake, rules cases.Rules, now time.Time, actor string) ([]*cases.Case, error) {
	w, err := v.writer()
	if err != nil {
		return nil, err
	}
	if !v.covers(in.Controller) {
		return nil, refuseOrganisation(in.Controller)
	}
	return v.s.add(in, rules, now, actor, w)
}

// Import records requests as the caller, at now (the actor argument and the
// actors and recording times the requests carry are not used).
func (v *callerView) Import(requests [][]*cases.Case, now time.Time, actor string) (*ImportResult, error) {
	w, err := v.writer()
	if err != nil {
		return nil, err
	}
	for _, group := range requests {
		for _, c := range group {
			if !v.covers(c.Controller) {
				return nil, refuseOrganisation(c.Controller)
			}
		}
	}
	return v.s.importRequests(requests, now, actor, w)
}

// LogAccess records entries as the caller's.
func (v *callerView) LogAccess(entries ...Access) error {
	if _, err := v.writer(); err != nil {
		return err
	}
	own := make([]Access, len(entries))
	for i, e := range entries {
		if err := v.inScope(e.CaseID); err != nil {
			return err
		}
		e.Actor = v.c.Actor
		own[i] = e
	}
	return v.s.LogAccess(own...)
}

// MaxFileSize is the store's.
func (v *callerView) MaxFileSize() int64 { return v.s.MaxFileSize() }

// PutRegister stores a register version as the caller's.
func (v *callerView) PutRegister(id string, data []byte, base int, actor, reason string, at time.Time) (RegisterVersion, bool, error) {
	if _, err := v.writer(); err != nil {
		return RegisterVersion{}, false, err
	}
	if !v.covers(id) {
		return RegisterVersion{}, false, refuseOrganisation(id)
	}
	return v.s.PutRegister(id, data, base, v.c.Actor, reason, at)
}

// pendingReads are access log entries of reads through a caller's view,
// waiting for the next write transaction (sealed) or Close.
type pendingReads struct {
	mu   sync.Mutex
	list []Access
}

const (
	// flushReadsAt is how many pending reads make a read write them (one
	// transaction) when no write came meanwhile.
	flushReadsAt = 1000
	// maxPendingReads bounds the reads kept when they cannot be written (a
	// read-only store): beyond it a read is refused rather than unlogged.
	maxPendingReads = 100_000
)

// read logs reads of the cases ids by the view's caller, if it logs reads.
func (v *callerView) read(what string, ids ...string) error {
	if !v.c.LogReads || len(ids) == 0 {
		return nil
	}
	s := v.s
	now := s.clock.Now().UTC()
	s.reads.mu.Lock()
	if len(s.reads.list)+len(ids) > maxPendingReads {
		s.reads.mu.Unlock()
		if err := s.FlushReads(); err != nil {
			return fmt.Errorf("the access log cannot be written, so the case is not shown: %w", err)
		}
		s.reads.mu.Lock()
	}
	for _, id := range ids {
		s.reads.list = append(s.reads.list, Access{At: now, Actor: v.c.Actor, CaseID: id, What: what})
	}
	n := len(s.reads.list)
	s.reads.mu.Unlock()
	if n >= flushReadsAt {
		_ = s.FlushReads() // kept pending if it fails, written with the next write
	}
	return nil
}

// FlushReads writes the pending access log entries of reads through a
// caller's view (As) now, in one transaction; nothing when none is
// pending. Every write transaction writes them too, and Close: a server
// that sees no write for a while calls it, so that reads are not kept
// only in memory for long.
func (s *Store) FlushReads() error {
	s.reads.mu.Lock()
	n := len(s.reads.list)
	s.reads.mu.Unlock()
	if n == 0 {
		return nil
	}
	return s.update(func(kv.Tx) error { return nil }) // sealed writes them
}

// writePendingReads writes the pending reads into tx's access log; they
// leave the pending list only when tx commits. The caller holds the
// store's write order (held.go's write lock, or the store's lock), so no
// other transaction writes the same entries meanwhile.
func (s *Store) writePendingReads(tx kv.Tx) error {
	s.reads.mu.Lock()
	taken := append([]Access(nil), s.reads.list...)
	s.reads.mu.Unlock()
	if len(taken) == 0 {
		return nil
	}
	if err := putAccess(tx, taken); err != nil {
		return err
	}
	tx.OnCommit(func() {
		s.reads.mu.Lock()
		defer s.reads.mu.Unlock()
		s.reads.list = append(s.reads.list[:0], s.reads.list[len(taken):]...)
	})
	return nil
}

// flushBeforeRelease writes the pending reads of a replica through an
// ordinary write, which catches up and runs again after a conflict, before
// Close or whileReleased take the hold for themselves; flushReadsOnClose
// then writes only what was read meanwhile. A file of its own needs none.
func (s *Store) flushBeforeRelease() {
	if s.replica != nil && s.h.on.Load() {
		_ = s.FlushReads() // what is left is flushReadsOnClose's, which says if it fails
	}
}

// flushReadsOnClose writes the pending reads through the held file, whose
// hold the caller has taken for itself (Close, whileReleased).
func (s *Store) flushReadsOnClose() error {
	s.reads.mu.Lock()
	n := len(s.reads.list)
	s.reads.mu.Unlock()
	if n == 0 {
		return nil
	}
	if err := s.readOnlyError(); err != nil {
		return fmt.Errorf("%d reads could not be written to the access log: %w", n, err)
	}
	// On a replica, a conflict here fails the flush (the hold is taken,
	// so the replica cannot catch up): Close and whileReleased flush
	// through update first (flushBeforeRelease).
	return s.guarded(func() error {
		return kv.Update(s.h.db, s.replicated(s.sealed(func(kv.Tx) error { return nil }), false))
	})
}
