package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

const importUsage = `usage: rightsdesk import FILE [--registers DIR] [--json] [--db PATH]
  FILE is CSV with the header controller,right,subject,email,received,channel,text
  (optional columns: phone, postal-address, identifier TYPE=VALUE;..., requester,
  relation, regime, language) or JSON Lines with the same keys; - reads stdin`

func init() {
	register("import", runImport, "add requests from CSV or JSON Lines, all or nothing")
}

// runImport validates the whole file before touching the database, then
// writes every request in one transaction. Each bad row is reported as
// FILE:LINE: reason, and then nothing is imported.
func runImport(a *app, args []string) int {
	fs, c := commonFlags("import")
	registersDir := fs.String("registers", "", "")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) != 1 {
		return a.usageError("import", err, pos, importUsage)
	}
	name := pos[0]
	var in io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return a.fail(exitUsage, fmt.Errorf("import: %w", err))
		}
		defer f.Close()
		in = f
	} else {
		name = "stdin"
	}
	regs, err := loadRegisters(a.getenv, *registersDir)
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("import: %w", err))
	}
	rulesFor := func(controller, regime string) (string, cases.Rules, error) {
		reg, err := regs.Get(controller)
		if err != nil {
			return "", cases.Rules{}, err
		}
		rules, err := reg.Rules(regime)
		return reg.ID, rules, err
	}
	now, actor := a.clock.Now(), a.actor()
	rows, errs := storage.ParseImport(name, in)
	requests, buildErrs := storage.BuildImport(name, rows, rulesFor, now, actor)
	errs = append(errs, buildErrs...)
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(a.stderr, oneLine(e.Error()))
		}
		return a.fail(exitUsage, fmt.Errorf("import: %d bad rows in %s; nothing was imported", len(errs), cases.Printable(name)))
	}
	res, err := a.store(a.dbPath(*c.db)).Import(requests, now, actor)
	if err != nil {
		var refused *cases.Refused
		if errors.As(err, &refused) {
			return a.fail(exitUsage, fmt.Errorf("import: %w; nothing was imported", err))
		}
		return a.storeFailure(err)
	}
	if *c.asJSON {
		return a.printJSON(res)
	}
	fmt.Fprintf(a.stdout, "imported %d requests (%d cases) from %s; %d tagged %s\n", res.Requests, res.Cases,
		cases.Printable(name), res.Duplicates, storage.DuplicateTag)
	return exitOK
}
