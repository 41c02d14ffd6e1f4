package main

import (
	"fmt"
	"path/filepath"
	"time"

	"rightsdesk/export"
	"rightsdesk/server"
	"rightsdesk/storage"
)

// buildRecord is the case record of id, as export --record writes it.
func buildRecord(st storage.Service, id string) (*export.CaseRecord, error) {
	l, err := st.Get(id)
	if err != nil {
		return nil, err
	}
	links, err := st.Chain(id)
	if err != nil {
		return nil, err
	}
	chain := make([]export.ChainLink, len(links))
	for i, k := range links {
		chain[i] = export.ChainLink(k)
	}
	proof, err := recordProof(st, id)
	if err != nil {
		return nil, err
	}
	return export.NewRecord(export.RecordInput{Case: l.Case, Revision: l.Revision, Chain: chain, Generator: generator, Proof: proof})
}

// generator names this program in what it writes.
const generator = "rightsdesk"

// exportRecord writes the case record of id (export ID --record) into dir
// (default $XDG_DATA_HOME/rightsdesk/records) and prints its folder. The
// export is logged in the access log, not in the timeline, so that the
// record of an unchanged case is the same every time.
func (a *app) exportRecord(db, id, dir string, asJSON bool) int {
	if dir == "" {
		dir = filepath.Join(a.dataHome(), "rightsdesk", "records")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs // the folder is printed in full, as a packet's path is
	}
	a.beginWrite()
	out, head, err := writeRecord(a.cases(a.dbPath(db)), id, dir, a.clock.Now(), a.actor())
	if err != nil {
		return a.storeFailure(err)
	}
	if asJSON {
		return a.printJSON(map[string]string{"path": out, "chain_head": head})
	}
	fmt.Fprintln(a.stdout, out)
	return exitOK
}

// writeRecord writes the case record of id into dir and logs its export:
// the one sequence of the command line and of E in the terminal app.
func writeRecord(st storage.Service, id, dir string, now time.Time, actor string) (out, chainHead string, err error) {
	rec, err := buildRecord(st, id)
	if err != nil {
		return "", "", err
	}
	if out, err = export.WriteRecord(rec, dir, sealerFor(st, id, server.SealRequest{What: export.RecordSubject})); err != nil {
		return "", "", fmt.Errorf("export %s --record: %w", id, err)
	}
	if err := st.LogAccess(storage.Access{At: now, Actor: actor, CaseID: id, What: "exported the case record"}); err != nil {
		return "", "", err
	}
	return out, rec.ChainHead, nil
}
