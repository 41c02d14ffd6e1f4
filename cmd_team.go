package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// teamCommand is the team table (TRUST.md, "Roles and organisations"):
// who may do what, for which organisations. Only in team mode; only an
// admin may change it, which the server enforces.
func (a *app) teamCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{Use: "team", Short: "the team table: who may do what, for which organisations (team mode)", Args: noArgs,
		Long: `Lists the members of the team (team mode only): each member's account, uid,
role and organisations. A role is one of

  viewer    reads the cases of their organisations (reads are logged)
  handler   also records every action and exports
  approver  also approves and rejects letters
  admin     also edits the team table and the registers, purges, backs up

A member of every organisation (--all) may also back up, whatever the role:
the backup member, a viewer of all that writes nothing. Someone not in the table is refused by the server. team set and team remove
change the table (admin only); each change is an event of the table's own
chain, which check verifies and checkpoint signs.`,
		Example: "  rightsdesk team\n  rightsdesk team --json\n  rightsdesk team set alice --role handler --org callrix --org crisp\n  rightsdesk team remove bob"}
	jsonFlag(cmd, &asJSON, "the members")
	cmd.RunE = a.runs(func([]string) int { return a.runTeam(asJSON) })
	cmd.AddCommand(a.teamSetCommand(), a.teamRemoveCommand())
	return cmd
}

func (a *app) runTeam(asJSON bool) int {
	members, err := a.client.Team()
	if err != nil {
		return a.storeFailure(err)
	}
	if asJSON {
		if members == nil {
			members = []storage.Member{}
		}
		return a.printJSON(members)
	}
	fmt.Fprintf(a.stdout, "%-16s %7s  %-9s %s\n", "ACCOUNT", "UID", "ROLE", "ORGANISATIONS")
	for _, m := range members {
		fmt.Fprintf(a.stdout, "%-16s %7d  %-9s %s\n", cases.Printable(m.Name), m.UID, m.Role, memberScope(m))
	}
	return exitOK
}

// memberScope says which organisations a member works for.
func memberScope(m storage.Member) string {
	if m.All {
		return "all (present and future)"
	}
	if len(m.Organisations) == 0 {
		return "none"
	}
	return cases.Printable(strings.Join(m.Organisations, ", "))
}

// teamSetCommand adds a member or changes one's role and organisations.
func (a *app) teamSetCommand() *cobra.Command {
	var role string
	var orgs []string
	var all bool
	cmd := &cobra.Command{Use: "set USER --role ROLE [--org ID]... [--all]", Short: "add a member, or change one's role and organisations (admin)",
		Args: argsBetween(1, 1, "whom? (USER, an account of this host)"),
		Long: `Makes the account USER (a Unix account of this host, resolved through NSS) a
member with ROLE for the organisations given with --org (repeatable, or ID,ID),
or with --all for every organisation, present and future. Setting a member
again replaces their role and organisations. Refused for root, the service
account and the configuration's shared accounts: an account several people
use cannot say who acted. Admin only.`,
		Example: "  rightsdesk team set alice --role handler --org callrix --org crisp\n  rightsdesk team set carol --role viewer --all"}
	cmd.Flags().StringVar(&role, "role", "", "the member's `ROLE`: viewer, handler, approver or admin")
	cmd.Flags().StringArrayVar(&orgs, "org", nil, "an organisation `ID` the member works for (repeatable, or ID,ID)")
	cmd.Flags().BoolVar(&all, "all", false, "every organisation, present and future")
	_ = cmd.MarkFlagRequired("role")
	_ = cmd.RegisterFlagCompletionFunc("role", completeSlugs([]string{"viewer", "handler", "approver", "admin"}))
	_ = cmd.RegisterFlagCompletionFunc("org", a.completeController)
	cmd.RunE = a.runs(func(args []string) int { return a.runTeamSet(args[0], role, orgs, all) })
	return cmd
}

func (a *app) runTeamSet(name, roleName string, orgFlags []string, all bool) int {
	role, err := storage.ParseRole(roleName)
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("team set: %w", err))
	}
	var orgs []string
	for _, f := range orgFlags {
		for _, o := range strings.Split(f, ",") {
			if o = strings.TrimSpace(o); o != "" {
				orgs = append(orgs, o)
			}
		}
	}
	switch {
	case all && len(orgs) > 0:
		return a.fail(exitUsage, errors.New("team set: --all is every organisation; give it or --org, not both"))
	case !all && len(orgs) == 0:
		return a.fail(exitUsage, errors.New("team set: for which organisations? --org ID (repeatable) or --all"))
	}
	if len(orgs) > 0 {
		regs, err := a.loadRegisters("", "")
		if err != nil {
			return a.registersFailure("team set", err)
		}
		for _, o := range orgs {
			if _, err := regs.Get(o); err != nil {
				return a.fail(exitUsage, fmt.Errorf("team set: %w", err))
			}
		}
	}
	a.beginWrite()
	ev, err := a.client.SetMember(name, role, orgs, all)
	if err != nil {
		return a.storeFailure(err)
	}
	a.printTeamEvent(ev)
	return exitOK
}

// teamRemoveCommand takes a member out of the table.
func (a *app) teamRemoveCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "remove USER", Short: "take a member out of the team (admin)",
		Args: argsBetween(1, 1, "whom? (USER)"),
		Long: `Takes USER out of the team table: from then on the server refuses their
commands. What they recorded stays in the timelines, under their name.
Admin only.`,
		Example: "  rightsdesk team remove bob"}
	cmd.RunE = a.runs(func(args []string) int {
		a.beginWrite()
		ev, err := a.client.RemoveMember(args[0])
		if err != nil {
			return a.storeFailure(err)
		}
		a.printTeamEvent(ev)
		return exitOK
	})
	return cmd
}

// printTeamEvent prints the table's event a change recorded.
func (a *app) printTeamEvent(ev storage.TeamEvent) {
	m := ev.Member
	line := fmt.Sprintf("team %d  %s  %s (uid %d)", ev.Seq, ev.Type, cases.Printable(m.Name), m.UID)
	if ev.Type != "member_removed" {
		line += fmt.Sprintf("  %s  %s", m.Role, memberScope(m))
	}
	fmt.Fprintf(a.stdout, "%s  by %s at %s\n", line, cases.Printable(ev.Actor), ev.RecordedAt.UTC().Format(time.RFC3339))
}
