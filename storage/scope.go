package storage

import (
	"fmt"
	"time"

	"rightsdesk/cases"
)

// A member of a team sees only the cases of their organisations (TRUST.md,
// "Roles and organisations"): through a caller's view with a Scope, a case
// of another organisation answers exactly as an unknown ID, its
// organisation read from its queue row before anything of it is loaded,
// and every list, queue, row, change and register holds only the caller's
// organisations.

// OrganisationOf is the organisation of case id as its queue row says: what
// a server checks before it loads anything of a case. A case that does not
// exist is *NotFound.
func (s *Store) OrganisationOf(id string) (string, error) {
	orgs, err := s.organisations([]string{id})
	if err != nil {
		return "", err
	}
	org, ok := orgs[id]
	if !ok {
		return "", &NotFound{ID: id}
	}
	return org, nil
}

// organisations reads the organisation of each case of ids that exists, in
// one read: their queue rows (Rows).
func (s *Store) organisations(ids []string) (map[string]string, error) {
	sums, _, err := s.Rows(ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(sums))
	for _, sum := range sums {
		out[sum.ID] = sum.Controller
	}
	return out, nil
}

// scoped reports whether the view limits what it shows (Caller.Scope).
func (v *callerView) scoped() bool { return v.c.Scope != nil }

// covers reports whether the caller works for org.
func (v *callerView) covers(org string) bool { return v.c.Scope == nil || v.c.Scope(org) }

// inScope refuses, as unknown (*NotFound), the first of ids that does not
// exist or whose organisation is not the caller's.
func (v *callerView) inScope(ids ...string) error {
	if !v.scoped() {
		return nil
	}
	orgs, err := v.s.organisations(ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if org, ok := orgs[id]; !ok || !v.covers(org) {
			return &NotFound{ID: id}
		}
	}
	return nil
}

// scopeSummaries keeps the summaries of the caller's organisations.
func (v *callerView) scopeSummaries(sums []cases.Summary) []cases.Summary {
	if !v.scoped() {
		return sums
	}
	out := sums[:0]
	for _, s := range sums {
		if v.covers(s.Controller) {
			out = append(out, s)
		}
	}
	return out
}

// Queue is the store's Queue, of the caller's organisations.
func (v *callerView) Queue(now time.Time) ([]cases.Summary, uint64, error) {
	sums, n, err := v.s.Queue(now)
	return v.scopeSummaries(sums), n, err
}

// Rows is the store's Rows, of the caller's organisations (another's case
// is left out, as one that does not exist is).
func (v *callerView) Rows(ids []string) ([]cases.Summary, uint64, error) {
	sums, n, err := v.s.Rows(ids)
	return v.scopeSummaries(sums), n, err
}

// Changes is the store's Changes, naming only cases of the caller's
// organisations.
func (v *callerView) Changes(since uint64) (uint64, []string, error) {
	n, ids, err := v.s.Changes(since)
	if err != nil || !v.scoped() || len(ids) == 0 {
		return n, ids, err
	}
	orgs, err := v.s.organisations(ids)
	if err != nil {
		return 0, nil, err
	}
	out := ids[:0]
	for _, id := range ids {
		if org, ok := orgs[id]; ok && v.covers(org) {
			out = append(out, id)
		}
	}
	return n, out, nil
}

// List is the store's List, of the caller's organisations.
func (v *callerView) List(f Filter, now time.Time, emit func(sum *cases.Summary, view func() []byte) error) error {
	return v.s.List(f, now, func(sum *cases.Summary, view func() []byte) error {
		if !v.covers(sum.Controller) {
			return nil
		}
		return emit(sum, view)
	})
}

// ListViews is the store's ListViews, of the caller's organisations: a
// scoped view reads each case's row to know its organisation.
func (v *callerView) ListViews(f Filter, now time.Time, emit func(view []byte) error) error {
	if !v.scoped() {
		return v.s.ListViews(f, now, emit)
	}
	return v.List(f, now, func(_ *cases.Summary, view func() []byte) error { return emit(view()) })
}

// CurrentRegisters is the store's, of the caller's organisations.
func (v *callerView) CurrentRegisters() ([]RegisterVersion, error) {
	regs, err := v.s.CurrentRegisters()
	if err != nil || !v.scoped() {
		return regs, err
	}
	out := regs[:0]
	for _, r := range regs {
		if v.covers(r.Register) {
			out = append(out, r)
		}
	}
	return out, nil
}

// RegisterHistory is the store's; another organisation's register has no
// versions, as one that does not exist.
func (v *callerView) RegisterHistory(id string) ([]RegisterVersion, error) {
	if !v.covers(id) {
		return nil, nil
	}
	return v.s.RegisterHistory(id)
}

// refuseOrganisation is a write for an organisation not the caller's.
func refuseOrganisation(org string) error {
	return &cases.Refused{Field: "controller", Reason: fmt.Sprintf("%q is not one of your organisations", cases.Printable(org))}
}

// scopeBulk splits ids into those of the caller's organisations and the
// others, refused as unknown.
func (v *callerView) scopeBulk(ids []string) ([]string, map[string]error, error) {
	if !v.scoped() {
		return ids, nil, nil
	}
	orgs, err := v.s.organisations(ids)
	if err != nil {
		return nil, nil, err
	}
	var mine []string
	refused := map[string]error{}
	for _, id := range ids {
		if org, ok := orgs[id]; ok && v.covers(org) {
			mine = append(mine, id)
		} else {
			refused[id] = &NotFound{ID: id}
		}
	}
	return mine, refused, nil
}
