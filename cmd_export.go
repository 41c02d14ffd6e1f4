package main

import (
	"fmt"
	"path/filepath"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/export"
	"rightsdesk/storage"
)

const exportUsage = `usage: rightsdesk export ID [--out DIR] [--letter KIND] [--registers DIR] [--json] [--db PATH]
       rightsdesk export ID --record [--out DIR] [--json] [--db PATH]

Writes the response packet of the case (PACKETS.md) as DIR/<ID>-<kind>.zip
(default DIR $XDG_DATA_HOME/rightsdesk/packets, created 0700) and prints its
full path. The letter is the one for the case's current step unless --letter
names another (acknowledgement, identity-request, clarification-request,
fee-request, extension-notice, final, redirect, lapse). The export is
recorded in the timeline with the zip's SHA-256, which send then records.
A packet whose register lacks a fact the letter needs is marked DRAFT; the
gaps are listed on stderr. --json prints {path, sha256, letter, draft, gaps}.

--record writes the case record instead (the full timeline, for the
organisation's files or a supervisory authority; default DIR
$XDG_DATA_HOME/rightsdesk/records).`

func init() {
	addCommand("export", runExport, "write a case's response packet (or --record, its case record)")
}

// runExport writes a response packet, or the case record with --record.
func runExport(a *app, args []string) int {
	fs, c := commonFlags("export")
	record := fs.Bool("record", false, "")
	out := fs.String("out", "", "")
	letter := fs.String("letter", "", "")
	registers := fs.String("registers", "", "")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) != 1 {
		return a.usageError("export", err, pos, exportUsage)
	}
	if *record {
		if *letter != "" {
			return a.fail(exitUsage, fmt.Errorf("export: --letter goes with a packet, not with --record"))
		}
		return a.exportRecord(*c.db, pos[0], *out, *c.asJSON)
	}
	var kind cases.LetterKind
	if *letter != "" {
		if kind, err = cases.ParseLetterKind(*letter); err != nil {
			return a.fail(exitUsage, fmt.Errorf("export: --letter: %w", err))
		}
	}
	regs, err := loadRegisters(a.getenv, *registers)
	if err != nil {
		return a.fail(exitUsage, err)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(a.dataHome(), "rightsdesk", "packets")
	}
	res, err := exportPacket(a.store(a.dbPath(*c.db)), regs, pos[0], kind, dir, a.clock.Now(), a.actor())
	if err != nil {
		return a.storeFailure(err)
	}
	for _, g := range res.Gaps {
		fmt.Fprintf(a.stderr, "rightsdesk: %s: %s\n", gapLabel(g), oneLine(g.Field+": "+g.Text))
	}
	if res.Draft {
		fmt.Fprintf(a.stderr, "rightsdesk: the packet is a DRAFT: complete the register (rightsdesk controllers %s) and export again\n", res.Controller)
	}
	if *c.asJSON {
		gaps := res.Gaps
		if gaps == nil {
			gaps = []export.LetterGap{}
		}
		return a.printJSON(map[string]any{"path": res.Path, "sha256": res.SHA256, "letter": res.Letter, "draft": res.Draft, "gaps": gaps})
	}
	fmt.Fprintln(a.stdout, cases.Printable(res.Path))
	return exitOK
}

func gapLabel(g export.LetterGap) string {
	switch {
	case g.Blocking:
		return "gap (draft)"
	case g.Wording != "":
		return "gap (" + g.Wording + " used)"
	}
	return "gap"
}

// exported is a packet written and recorded.
type exported struct {
	Path, SHA256 string
	Letter       cases.LetterKind
	Draft        bool
	Gaps         []export.LetterGap
	Controller   string
}

// exportPacket builds the packet of case id, writes it into dir and records
// the exported event with its SHA-256 through the action service. It is
// the one sequence the command line (and the terminal app's key) runs.
func exportPacket(st *storage.Store, regs *register.Registers, id string, kind cases.LetterKind, dir string, now time.Time, actor string) (*exported, error) {
	l, err := st.Get(id)
	if err != nil {
		return nil, err
	}
	reg, err := regs.Get(l.Case.Controller)
	if err != nil {
		return nil, err
	}
	p, err := export.Build(export.Input{Case: l.Case, Register: reg, Letter: kind,
		Files: func(name string) ([]byte, error) { return st.File(id, name) }})
	if err != nil {
		return nil, err
	}
	path, err := p.Write(dir)
	if err != nil {
		return nil, err
	}
	if _, err := st.Do(id, []storage.Action{{Event: p.Event(actor), IfRevision: storage.NoRevision}}, now); err != nil {
		return nil, fmt.Errorf("%s was written but its export could not be recorded: %w", path, err)
	}
	return &exported{Path: path, SHA256: p.SHA256, Letter: p.Letter, Draft: p.Draft, Gaps: p.Gaps, Controller: l.Case.Controller}, nil
}
