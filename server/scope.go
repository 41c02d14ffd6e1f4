package server

import (
	"fmt"
	"slices"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// scoped keeps a member to their organisations (TRUST.md, "Roles and
// organisations"). Every case a method touches is first looked up by its
// row (Rows), never loaded: a case outside the scope then takes exactly
// the path of an unknown ID, so that its answer (error, words, status,
// and the work done to reach it) is the same, and no one learns that it
// exists.
type scoped struct {
	svc  storage.Service
	all  bool
	orgs map[string]bool
}

// scopeOf wraps svc for member m; a member of every organisation gets svc
// itself.
func scopeOf(svc storage.Service, m storage.Member) storage.Service {
	if m.All {
		return svc
	}
	s := &scoped{svc: svc, orgs: map[string]bool{}}
	for _, o := range m.Organisations {
		s.orgs[o] = true
	}
	return s
}

func (s *scoped) has(org string) bool { return s.all || s.orgs[org] }

// unknownOrganisation is what a request about an organisation outside the
// scope, or one that has no register, is told.
func unknownOrganisation(id string) error {
	return &cases.Refused{Field: "controller", Reason: fmt.Sprintf("unknown organisation %q", cases.Printable(id))}
}

// visible reads the rows of ids and returns the index of the first that is
// unknown or outside the scope (len(ids) when every one is visible).
func (s *scoped) visible(ids []string) (int, error) {
	rows, _, err := s.svc.Rows(ids)
	if err != nil {
		return 0, err
	}
	seen := make(map[string]bool, len(rows))
	for i := range rows {
		if s.has(rows[i].Controller) {
			seen[rows[i].ID] = true
		}
	}
	for i, id := range ids {
		if !seen[id] {
			return i, nil
		}
	}
	return len(ids), nil
}

// known says whether case id is visible: its row exists and is in scope.
func (s *scoped) known(id string) error {
	n, err := s.visible([]string{id})
	if err != nil {
		return err
	}
	if n == 0 {
		return &storage.NotFound{ID: id}
	}
	return nil
}

func (s *scoped) Get(id string) (*storage.Loaded, error) {
	if err := s.known(id); err != nil {
		return nil, err
	}
	return s.svc.Get(id)
}

func (s *scoped) Each(ids []string, fn func(l *storage.Loaded) error) error {
	n, err := s.visible(ids)
	if err != nil {
		return err
	}
	// The store reads the cases before the first unknown one, then says
	// it is unknown: so does the scope.
	if err := s.svc.Each(ids[:n], fn); err != nil || n == len(ids) {
		return err
	}
	return &storage.NotFound{ID: ids[n]}
}

func (s *scoped) filter(sums []cases.Summary) []cases.Summary {
	out := sums[:0]
	for _, sum := range sums {
		if s.has(sum.Controller) {
			out = append(out, sum)
		}
	}
	return out
}

func (s *scoped) Queue(now time.Time) ([]cases.Summary, uint64, error) {
	sums, counter, err := s.svc.Queue(now)
	return s.filter(sums), counter, err
}

func (s *scoped) Rows(ids []string) ([]cases.Summary, uint64, error) {
	sums, counter, err := s.svc.Rows(ids)
	sums = s.filter(sums)
	if len(sums) == 0 {
		sums = nil // as the store answers for IDs it does not know
	}
	return sums, counter, err
}

func (s *scoped) Changes(since uint64) (uint64, []string, error) {
	counter, ids, err := s.svc.Changes(since)
	if err != nil || len(ids) == 0 {
		return counter, ids, err
	}
	rows, _, err := s.svc.Rows(ids)
	if err != nil {
		return 0, nil, err
	}
	in := make(map[string]bool, len(rows))
	for i := range rows {
		if s.has(rows[i].Controller) {
			in[rows[i].ID] = true
		}
	}
	out := ids[:0]
	for _, id := range ids {
		if in[id] {
			out = append(out, id)
		}
	}
	return counter, out, nil
}

func (s *scoped) List(f storage.Filter, now time.Time, emit func(sum *cases.Summary, view func() []byte) error) error {
	if f.Controller != "" && !s.has(f.Controller) {
		return nil // as for an organisation with no cases
	}
	return s.svc.List(f, now, func(sum *cases.Summary, view func() []byte) error {
		if !s.has(sum.Controller) {
			return nil
		}
		return emit(sum, view)
	})
}

func (s *scoped) ListViews(f storage.Filter, now time.Time, emit func(view []byte) error) error {
	return s.List(f, now, func(_ *cases.Summary, view func() []byte) error { return emit(view()) })
}

func (s *scoped) Chain(id string) ([]storage.Link, error) {
	if err := s.known(id); err != nil {
		return nil, err
	}
	return s.svc.Chain(id)
}

func (s *scoped) Proof(id string, upTo uint64) (*storage.CaseProof, error) {
	if err := s.known(id); err != nil {
		return nil, err
	}
	return s.svc.Proof(id, upTo)
}

func (s *scoped) File(id, name string) ([]byte, error) {
	if err := s.known(id); err != nil {
		return nil, err
	}
	return s.svc.File(id, name)
}

func (s *scoped) Do(id string, actions []storage.Action, now time.Time) ([]*storage.Result, error) {
	if err := s.known(id); err != nil {
		return nil, err
	}
	return s.svc.Do(id, actions, now)
}

func (s *scoped) DoEach(ids []string, action storage.Action, revisions map[string]int, now time.Time) (*storage.Bulk, error) {
	rows, _, err := s.svc.Rows(ids)
	if err != nil {
		return nil, err
	}
	in := make(map[string]bool, len(rows))
	for i := range rows {
		if s.has(rows[i].Controller) {
			in[rows[i].ID] = true
		}
	}
	var visible, hidden []string
	for _, id := range ids {
		if in[id] {
			visible = append(visible, id)
		} else {
			hidden = append(hidden, id)
		}
	}
	out, err := s.svc.DoEach(visible, action, revisions, now)
	if err != nil {
		return nil, err
	}
	// The store reports an unknown ID in Refused as a *NotFound: so does
	// the scope, for one outside it.
	for _, id := range hidden {
		out.Refused[id] = &storage.NotFound{ID: id}
	}
	return out, nil
}

// registered says whether organisation id has a register and is in scope.
func (s *scoped) registered(id string) (bool, error) {
	if !s.has(id) {
		return false, nil
	}
	current, err := s.svc.CurrentRegisters()
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(current, func(v storage.RegisterVersion) bool { return v.Register == id }), nil
}

func (s *scoped) Add(in cases.Intake, rules cases.Rules, now time.Time, actor string) ([]*cases.Case, error) {
	ok, err := s.registered(in.Controller)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, unknownOrganisation(in.Controller)
	}
	return s.svc.Add(in, rules, now, actor)
}

func (s *scoped) Import(requests [][]*cases.Case, now time.Time, actor string) (*storage.ImportResult, error) {
	checked := map[string]bool{}
	for _, group := range requests {
		for _, c := range group {
			if checked[c.Controller] {
				continue
			}
			ok, err := s.registered(c.Controller)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, unknownOrganisation(c.Controller)
			}
			checked[c.Controller] = true
		}
	}
	return s.svc.Import(requests, now, actor)
}

func (s *scoped) LogAccess(entries ...storage.Access) error {
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.CaseID)
	}
	rows, _, err := s.svc.Rows(ids)
	if err != nil {
		return err
	}
	in := map[string]bool{}
	for i := range rows {
		if s.has(rows[i].Controller) {
			in[rows[i].ID] = true
		}
	}
	// A read of a case outside the scope cannot have happened: nothing of
	// it was served. It is left out rather than refused, so that the
	// answer says nothing about the case.
	kept := entries[:0]
	for _, e := range entries {
		if in[e.CaseID] {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return s.svc.LogAccess(kept...)
}

func (s *scoped) MaxFileSize() int64 { return s.svc.MaxFileSize() }

func (s *scoped) CurrentRegisters() ([]storage.RegisterVersion, error) {
	current, err := s.svc.CurrentRegisters()
	if err != nil {
		return nil, err
	}
	out := current[:0]
	for _, v := range current {
		if s.has(v.Register) {
			out = append(out, v)
		}
	}
	return out, nil
}

func (s *scoped) RegisterHistory(id string) ([]storage.RegisterVersion, error) {
	if !s.has(id) {
		return nil, nil // as for an organisation with no register
	}
	return s.svc.RegisterHistory(id)
}

// PutRegister by a member of some organisations only: a new organisation
// and one outside the scope are refused in the same words, so that the
// refusal does not say which of the two it was.
func (s *scoped) PutRegister(id string, data []byte, base int, actor, reason string, at time.Time) (storage.RegisterVersion, bool, error) {
	ok, err := s.registered(id)
	if err != nil {
		return storage.RegisterVersion{}, false, err
	}
	if !ok {
		return storage.RegisterVersion{}, false, &Forbidden{Reason: fmt.Sprintf("register %s: only a member of every organisation adds an organisation", cases.Printable(id))}
	}
	return s.svc.PutRegister(id, data, base, actor, reason, at)
}

var _ storage.Service = (*scoped)(nil)
