package main

import (
	"fmt"
	"path/filepath"

	"rightsdesk/export"
	"rightsdesk/storage"
)

// generator names this program in what it writes.
const generator = "rightsdesk"

// exportRecord writes the case record of id (export ID --record) into dir
// (default $XDG_DATA_HOME/rightsdesk/records) and prints its folder. The
// export is logged in the access log, not in the timeline, so that the
// record of an unchanged case is the same every time.
func (a *app) exportRecord(dbFlag, id, dir string, asJSON bool) int {
	st := a.store(a.dbPath(dbFlag))
	l, err := st.Get(id)
	if err != nil {
		return a.storeFailure(err)
	}
	links, err := st.Chain(id)
	if err != nil {
		return a.storeFailure(err)
	}
	chain := make([]export.ChainLink, len(links))
	for i, k := range links {
		chain[i] = export.ChainLink(k)
	}
	rec, err := export.NewRecord(export.RecordInput{Case: l.Case, Revision: l.Revision, Chain: chain, Generator: generator})
	if err != nil {
		return a.storeFailure(err)
	}
	if dir == "" {
		dir = filepath.Join(a.dataHome(), "rightsdesk", "records")
	}
	out, err := export.WriteRecord(rec, dir)
	if err != nil {
		return a.fail(exitStore, fmt.Errorf("export %s --record: %w", id, err))
	}
	if err := st.LogAccess(storage.Access{At: a.clock.Now(), Actor: a.actor(), CaseID: id, What: "exported the case record"}); err != nil {
		return a.storeFailure(err)
	}
	if asJSON {
		return a.printJSON(map[string]string{"path": out, "chain_head": rec.ChainHead})
	}
	fmt.Fprintln(a.stdout, out)
	return exitOK
}

const exportUsage = "usage: rightsdesk export ID --record [--out DIR] [--json] [--db PATH]"

func init() {
	register("export", runExport, "write a case's record (--record); response packets come with issue 8")
}

// runExport writes the case record. Response packets (PACKETS.md) are not
// built yet: asking for one says so and writes nothing.
func runExport(a *app, args []string) int {
	fs, c := commonFlags("export")
	record := fs.Bool("record", false, "")
	out := fs.String("out", "", "")
	fs.String("letter", "", "")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) != 1 {
		return a.usageError("export", err, pos, exportUsage)
	}
	if !*record {
		return a.fail(exitUsage, fmt.Errorf("export: response packets are not available in this version; --record writes the case record"))
	}
	return a.exportRecord(*c.db, pos[0], *out, *c.asJSON)
}
