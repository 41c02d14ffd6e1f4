package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// importCommand validates the whole file before touching the database,
// then writes every request in one transaction.
func (a *app) importCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "import FILE", Short: "add requests from CSV or JSON Lines, all or nothing",
		Args: argsBetween(1, 1, "which file? (- reads stdin)"),
		Long: `FILE (- reads stdin) is JSON Lines when its first non-blank character is {,
otherwise CSV (the extension does not matter). CSV: a header naming the columns
controller,right,subject,email,received,channel,text in any order, optionally
phone, postal-address, identifier, requester, relation, regime, language; JSON
Lines: one object per line with the same keys. UTF-8, a BOM allowed.
right may name several rights ("access,erasure", or a JSON array): one request,
linked cases, as with add. received is required (RFC 3339 or YYYY-MM-DD in the
organisation's zone). identifier is TYPE=VALUE;TYPE=VALUE (in JSON also an
object {"TYPE":"VALUE"}). One contact route (email, phone or postal-address).

The whole file is checked first: each bad row is reported as FILE:LINE: reason
(physical lines, the header is line 1) and then nothing is imported (exit 2).
Otherwise every request is written in one transaction; a request repeating an
open one (same organisation, right and e-mail, else phone, else postal address)
is tagged possible-duplicate in its timeline.

Prints one line: requests, cases and duplicates imported; --json prints
{"requests":N,"cases":N,"possible_duplicates":N,"ids":["DSR-...",...]}.`,
		Example: "  rightsdesk import requests.csv\n  export-from-crm | rightsdesk import - --json"}
	var db, registersDir string
	var asJSON bool
	dbFlag(cmd, &db)
	registersFlag(cmd, &registersDir)
	jsonFlag(cmd, &asJSON, "the counts and the new IDs")
	cmd.ValidArgsFunction = completeFiles
	cmd.RunE = a.runs(func(args []string) int { return a.runImport(args[0], db, registersDir, asJSON) })
	return cmd
}

// runImport reads the file, validates all of it, and imports it or
// reports each bad row as FILE:LINE: reason.
func (a *app) runImport(name, db, registersDir string, asJSON bool) int {
	var data []byte
	var err error
	if name == "-" {
		name = "stdin"
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("import: %w", err))
	}
	regs, err := a.loadRegisters(db, registersDir)
	if err != nil {
		return a.registersFailure("import", err)
	}
	now, actor := a.clock.Now(), a.actor()
	bar := a.newProgress("import: checking "+cases.Printable(name), "")
	bar.set(0, 0)
	requests, errs := storage.ReadImport(name, bytes.NewReader(data), regs.RulesFor, now, actor)
	bar.finish(false)
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(a.stderr, oneLine(e.Error()))
		}
		rows := "bad rows"
		if len(errs) == 1 {
			rows = "bad row"
		}
		return a.fail(exitUsage, fmt.Errorf("import: %d %s in %s; nothing was imported", len(errs), rows, cases.Printable(name)))
	}
	a.beginWrite()
	st := a.cases(a.dbPath(db))
	bar = a.importProgress(st)
	res, err := st.Import(requests, now, actor)
	bar.relabel("import")
	bar.finish(err == nil)
	if err != nil {
		var refused *cases.Refused
		if errors.As(err, &refused) {
			return a.fail(exitUsage, fmt.Errorf("import: %w; nothing was imported", err))
		}
		return a.storeFailure(err)
	}
	if asJSON {
		return a.printJSON(res)
	}
	fmt.Fprintf(a.stdout, "imported %s (%s) from %s; %d tagged %s\n", importCount(res.Requests, "request"), importCount(res.Cases, "case"),
		cases.Printable(name), res.Duplicates, storage.DuplicateTag)
	return exitOK
}

// importProgress is the bar of an import into st, which the store moves as
// it writes the cases; nil when stderr is not a terminal, and in team mode,
// where the import runs on the server.
func (a *app) importProgress(st storage.Service) *progressLine {
	local, ok := st.(*storage.Store)
	if !ok {
		return nil
	}
	bar := a.newProgress("import", "cases")
	if bar != nil {
		local.SetProgress(func(done, total int) {
			if done == total {
				bar.relabel("import: committing") // the one transaction's commit, which takes a while
			}
			bar.set(done, total)
		})
	}
	return bar
}

func importCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
