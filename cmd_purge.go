package main

import (
	"fmt"

	"rightsdesk/storage"
)

const purgeUsage = "usage: rightsdesk purge [--dry-run] [--json] [--registers DIR] [--db PATH]"

func init() {
	addCommand("purge", runPurge, "retention: remove old data copies, reduce old cases to their minimal record")
}

// runPurge applies each organisation's retention (its register's
// case_files) to the closed cases, or with --dry-run lists exactly what
// would go.
func runPurge(a *app, args []string) int {
	fs, c := commonFlags("purge")
	dry := fs.Bool("dry-run", false, "")
	registersDir := fs.String("registers", "", "")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) > 0 {
		return a.usageError("purge", err, pos, purgeUsage)
	}
	regs, err := loadRegisters(a.getenv, *registersDir)
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("purge: %w", err))
	}
	retention := func(controller string) (storage.Retention, bool) {
		reg, err := regs.Get(controller)
		if err != nil {
			return storage.Retention{}, false
		}
		return storage.Retention{CopiesMonths: reg.CaseFiles.PurgeCopiesMonths.Value,
			RecordYears: reg.CaseFiles.KeepRecordYears.Value}, true
	}
	plan, err := a.store(a.dbPath(*c.db)).Purge(retention, a.clock.Now(), a.actor(), *dry)
	if err != nil {
		return a.storeFailure(err)
	}
	if *c.asJSON {
		return a.printJSON(plan)
	}
	verb := "purged"
	if *dry {
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
	if !*dry && len(plan.Items) > 0 {
		fmt.Fprintf(a.stdout, "; file compacted from %d to %d bytes", plan.SizeBefore, plan.SizeAfter)
	}
	fmt.Fprintln(a.stdout)
	return exitOK
}
