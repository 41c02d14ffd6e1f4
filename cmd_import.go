package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

const importUsage = `usage: rightsdesk import FILE [--registers DIR] [--json] [--db PATH]
  FILE (- reads stdin) is JSON Lines when its first non-blank character is {,
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
  {"requests":N,"cases":N,"possible_duplicates":N,"ids":["DSR-...",...]}.`

func init() {
	addCommand("import", runImport, "add requests from CSV or JSON Lines, all or nothing")
}

// runImport validates the whole file before touching the database, then
// writes every request in one transaction. Each bad row is reported as
// FILE:LINE: reason, and then nothing is imported.
func runImport(a *app, args []string) int {
	fs, c := commonFlags("import")
	registersDir := fs.String("registers", "", "")
	pos, err := parseAnywhere(fs, args)
	if err == nil && len(pos) != 1 {
		// The full usage is for --help; an error stays on one line.
		synopsis, _, _ := strings.Cut(importUsage, "\n")
		err = fmt.Errorf("want one FILE, got %d arguments (%s; import --help says more)", len(pos), synopsis)
	}
	if err != nil {
		return a.usageError("import", err, pos, importUsage)
	}
	name := pos[0]
	var data []byte
	if name == "-" {
		name = "stdin"
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("import: %w", err))
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
	requests, errs := storage.ReadImport(name, bytes.NewReader(data), rulesFor, now, actor)
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
	fmt.Fprintf(a.stdout, "imported %s (%s) from %s; %d tagged %s\n", importCount(res.Requests, "request"), importCount(res.Cases, "case"),
		cases.Printable(name), res.Duplicates, storage.DuplicateTag)
	return exitOK
}

func importCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
