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
