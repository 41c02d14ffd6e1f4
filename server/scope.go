package server

import (
	"slices"

	"rightsdesk/storage"
)

// A member sees only the cases of their organisations (TRUST.md, "Roles
// and organisations"). The store's caller view does the keeping
// (storage.Caller.Scope): a case of another organisation answers exactly
// as an unknown ID, decided from its queue row before anything of it is
// loaded, and queues, lists, rows, changes and registers hold only the
// member's organisations. The server says which organisations those are,
// and scopes what it serves itself (the checkpoints, the change stream's
// IDs, backups) from the same rule.

// scopeOf is the Scope of member m's view: nil for a member of every
// organisation, present and future.
func scopeOf(m storage.Member) func(org string) bool {
	if m.All {
		return nil
	}
	orgs := slices.Clone(m.Organisations)
	return func(org string) bool { return slices.Contains(orgs, org) }
}
