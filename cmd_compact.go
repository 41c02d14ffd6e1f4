package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// compactCommand rewrites the database into a fresh, packed file.
func (a *app) compactCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "compact", Short: "rewrite the database into a fresh file without free pages or slack", Args: noArgs,
		Long: `Compresses the timelines of closed cases (each still verifies by the same
hashes; a later change to one stores it plainly again), then rewrites the
database into a fresh file, every page packed full, and renames it over the
original (purge does the same after it erases). bbolt keeps the pages a change
frees for later changes, and pages filled as cases grew stay part empty:
compact gives their bytes back. Writers wait while it runs; killed
half-way, the next command that writes finishes it. Prints the file's size
before and after, and per case.`,
		Example: "  rightsdesk compact\n  rightsdesk compact --db demo.db --json"}
	var db string
	var asJSON bool
	dbFlag(cmd, &db)
	jsonFlag(cmd, &asJSON, "the sizes")
	cmd.RunE = a.runs(func([]string) int { return a.runCompact(db, asJSON) })
	return cmd
}

func (a *app) runCompact(db string, asJSON bool) int {
	if a.team != nil && db == "" {
		return a.fail(exitUsage, errors.New("compact: in team mode the server holds the file; on its host, stop it and run rightsdesk compact --db FILE"))
	}
	a.beginWrite()
	res, err := a.store(a.dbPath(db)).Compact()
	if err != nil {
		return a.storeFailure(err)
	}
	if asJSON {
		return a.printJSON(res)
	}
	fmt.Fprintf(a.stdout, "compacted %s: %d bytes before, %d after", a.dbPath(db), res.SizeBefore, res.SizeAfter)
	if res.Frozen > 0 {
		fmt.Fprintf(a.stdout, "; %d closed cases' timelines frozen", res.Frozen)
	}
	if res.Rechunked > 0 {
		fmt.Fprintf(a.stdout, "; %d frozen timelines repacked", res.Rechunked)
	}
	if res.Cases > 0 {
		fmt.Fprintf(a.stdout, "; %d cases, %d bytes per case before, %d after",
			res.Cases, res.SizeBefore/int64(res.Cases), res.SizeAfter/int64(res.Cases))
	}
	fmt.Fprintln(a.stdout)
	return exitOK
}
