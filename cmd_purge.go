package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"rightsdesk/storage"
)

// purgeCommand applies each organisation's retention (its register's
// case_files) to the closed cases, or with --dry-run lists exactly what
// would go.
func (a *app) purgeCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "purge", Short: "retention: remove old data copies, reduce old cases to their minimal record", Args: noArgs,
		Long: `Applies each organisation's retention (its register's case_files) to the closed
cases: attached data copies go after purge_copies_months, and a case is reduced
to its minimal record after keep_record_years. A case tagged legal-hold is left
untouched. --dry-run lists exactly what would go and changes nothing.`,
		Example: "  rightsdesk purge --dry-run\n  rightsdesk purge --json"}
	var db, registersDir string
	var dry, asJSON bool
	dbFlag(cmd, &db)
	registersFlag(cmd, &registersDir)
	jsonFlag(cmd, &asJSON, "the plan")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "list what would go; change nothing")
	cmd.RunE = a.runs(func([]string) int { return a.runPurge(db, registersDir, dry, asJSON) })
	return cmd
}

func (a *app) runPurge(db, registersDir string, dry, asJSON bool) int {
	if a.team != nil {
		if registersDir != "" {
			return a.fail(exitUsage, errors.New("purge: --registers is not taken in team mode: the team server applies the stored registers' retention"))
		}
		if !dry {
			a.beginWrite()
		}
		plan, err := a.client.Purge(dry)
		if err != nil {
			return a.storeFailure(err)
		}
		return a.printPurge(plan, dry, asJSON)
	}
	regs, err := a.loadRegisters(db, registersDir)
	if err != nil {
		return a.registersFailure("purge", err)
	}
	retention := func(controller string) (storage.Retention, bool) {
		reg, err := regs.Get(controller)
		if err != nil {
			return storage.Retention{}, false
		}
		return storage.Retention{CopiesMonths: reg.CaseFiles.PurgeCopiesMonths.Value,
			RecordYears: reg.CaseFiles.KeepRecordYears.Value}, true
	}
	if !dry {
		a.beginWrite()
	}
	st := a.store(a.dbPath(db))
	bar := a.newProgress("purge: examining closed cases", "cases")
	if bar != nil {
		st.SetProgress(func(done, total int) {
			if done == total && !dry {
				bar.relabel("purge: compacting the file") // what takes the time next
			}
			bar.set(done, total)
		})
		defer st.SetProgress(nil)
	}
	plan, err := st.Purge(retention, a.clock.Now(), a.actor(), dry)
	bar.relabel("purge: closed cases examined")
	bar.finish(err == nil)
	if err != nil {
		return a.storeFailure(err)
	}
	return a.printPurge(plan, dry, asJSON)
}

// printPurge prints what a purge did, or with dry what it would do.
func (a *app) printPurge(plan *storage.PurgePlan, dry, asJSON bool) int {
	if asJSON {
		return a.printJSON(plan)
	}
	verb := "purged"
	if dry {
		verb = "would purge"
	}
	for _, it := range plan.Items {
		what := "attached files removed"
		if it.Stage == storage.PurgeRecord {
			what = "reduced to the minimal record"
		}
		fmt.Fprintf(a.stdout, "%s %s  %-12s closed %s  %s (%d files, %d bytes)\n", verb, it.CaseID, it.Controller, it.ClosedOn, what, it.Files, it.Bytes)
	}
	for _, id := range plan.Held {
		fmt.Fprintf(a.stdout, "held %s: tagged %s, left untouched\n", id, storage.LegalHold)
	}
	for _, org := range plan.Unknown {
		fmt.Fprintf(a.stderr, "rightsdesk: warning: no register for %q: its cases are left untouched\n", org)
	}
	fmt.Fprintf(a.stdout, "%d cases %s, %d held", len(plan.Items), verb, len(plan.Held))
	if !dry && len(plan.Items) > 0 {
		fmt.Fprintf(a.stdout, "; file compacted from %d to %d bytes", plan.SizeBefore, plan.SizeAfter)
	}
	if plan.ClusterErased {
		fmt.Fprint(a.stdout, "; compacted out of the cluster's history and every member's database, and swept out of their write-ahead logs (each member deletes the old segments within 30 s)")
	}
	fmt.Fprintln(a.stdout)
	return exitOK
}
