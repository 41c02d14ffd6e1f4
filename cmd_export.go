package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/export"
	"rightsdesk/server"
	"rightsdesk/storage"
)

// exportOptions are export's flags.
type exportOptions struct {
	db, out, letter, registers, date string
	record, asJSON                   bool
}

// exportCommand writes a response packet, or the case record with --record.
func (a *app) exportCommand() *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{Use: "export ID", Short: "write a case's response packet (or --record, its case record)",
		Args: argsBetween(1, 1, "which case?"),
		Long: `Writes the response packet of the case (PACKETS.md) as DIR/<ID>-<kind>.zip
(default DIR $XDG_DATA_HOME/rightsdesk/packets, created 0700) and prints its
full path. The letter is the one for the case's current step unless --letter
names another. The letter is dated --date (default today in the case's time
zone) and states only what was recorded by the end of that day: the same case
and date give the same bytes. The export is recorded in the timeline with the
zip's SHA-256, its date, whether it is a draft and its gaps, which send then
checks. A packet that lacks a fact the letter needs (in the register, or work
not yet recorded on the case) is marked DRAFT; the gaps are listed on stderr.
An extension notice dated after its window is refused: the delay letter
(--letter delay) tells the subject the answer is late. --json prints
{path, sha256, letter, date, draft, gaps}.

--record writes the case record instead (the full timeline, for the
organisation's files or a supervisory authority; default DIR
$XDG_DATA_HOME/rightsdesk/records); --json prints {path, chain_head}.`,
		Example: "  rightsdesk export DSR-2026-000042\n  rightsdesk export DSR-2026-000042 --letter extension-notice --out ./out\n" +
			"  rightsdesk export DSR-2026-000042 --date 2026-04-02\n  rightsdesk export DSR-2026-000042 --record"}
	f := cmd.Flags()
	dbFlag(cmd, &o.db)
	f.BoolVar(&o.record, "record", false, "write the case record instead of a packet")
	f.StringVar(&o.out, "out", "", "the folder `DIR` to write into")
	f.StringVar(&o.letter, "letter", "", "the letter `KIND` (default: the current step's)")
	f.StringVar(&o.date, "date", "", "the letter's `DATE` (default: today in the case's zone)")
	registersFlag(cmd, &o.registers)
	jsonFlag(cmd, &o.asJSON, "what was written")
	_ = cmd.MarkFlagDirname("out")
	_ = cmd.RegisterFlagCompletionFunc("letter", completeSlugs(cases.Slugs(cases.LetterKinds)))
	cmd.ValidArgsFunction = a.completeCaseID(nil)
	cmd.RunE = a.runs(func(args []string) int { return a.runExport(args[0], o) })
	return cmd
}

// runExport writes a response packet, or the case record with --record.
func (a *app) runExport(id string, o exportOptions) int {
	if info, err := os.Stat(o.out); o.out != "" && err == nil && !info.IsDir() {
		return a.fail(exitUsage, fmt.Errorf("export: --out: %s is a file; --out names the folder to write into", cases.Printable(o.out)))
	}
	if o.record {
		if o.letter != "" || o.date != "" {
			return a.fail(exitUsage, fmt.Errorf("export: --letter and --date go with a packet, not with --record"))
		}
		return a.exportRecord(o.db, id, o.out, o.asJSON)
	}
	var kind cases.LetterKind
	var err error
	if o.letter != "" {
		if kind, err = cases.ParseLetterKind(o.letter); err != nil {
			return a.fail(exitUsage, fmt.Errorf("export: --letter: %w", err))
		}
	}
	var date cases.Date
	if o.date != "" {
		if date, err = cases.ParseDate(o.date); err != nil {
			return a.fail(exitUsage, fmt.Errorf("export: --date: %w", err))
		}
	}
	regs, err := a.loadRegisters(o.db, o.registers)
	if err != nil {
		return a.registersFailure("", err)
	}
	dir := o.out
	if dir == "" {
		dir = filepath.Join(a.dataHome(), "rightsdesk", "packets")
	}
	a.beginWrite()
	res, err := exportPacketOn(a.cases(a.dbPath(o.db)), regs, id, kind, date, dir, a.clock.Now(), a.actor())
	if err != nil {
		return a.storeFailure(err)
	}
	for _, g := range res.Gaps {
		fmt.Fprintf(a.stderr, "rightsdesk: %s: %s\n", gapLabel(g), oneLine(g.Line()))
	}
	if res.Draft {
		fmt.Fprintf(a.stderr, "rightsdesk: the packet is a DRAFT, which send refuses: fill the gaps above (the register's with rightsdesk controllers %s edit, the case's with the commands they name) and export again\n", res.Controller)
	}
	if o.asJSON {
		gaps := res.Gaps
		if gaps == nil {
			gaps = []export.LetterGap{}
		}
		return a.printJSON(map[string]any{"path": res.Path, "sha256": res.SHA256, "letter": res.Letter, "date": res.Date.String(),
			"draft": res.Draft, "gaps": gaps})
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
	Date         cases.Date
}

// exportPacket builds the packet of case id dated today in the case's
// zone, writes it into dir and records the exported event: the sequence
// the terminal app's key runs.
func exportPacket(st storage.Service, regs *register.Registers, id string, kind cases.LetterKind, dir string, now time.Time, actor string) (*exported, error) {
	return exportPacketOn(st, regs, id, kind, cases.Date{}, dir, now, actor)
}

// buildPacket builds the packet of letter kind dated date for the case l,
// with the cases of the same request (an acknowledgement names them all)
// and its stored files: export and the approval screen build it alike.
func buildPacket(st storage.Service, l *storage.Loaded, reg *register.Register, kind cases.LetterKind, date cases.Date) (*export.Packet, error) {
	return buildPacketSealed(st, l, reg, kind, date, sealerFor(st, l.Case.ID, server.SealRequest{What: "packet", Letter: string(kind), Date: dateParam(date)}))
}

func dateParam(d cases.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// buildPacketSealed is buildPacket with the seal given.
func buildPacketSealed(st storage.Service, l *storage.Loaded, reg *register.Register, kind cases.LetterKind, date cases.Date, seal export.Sealer) (*export.Packet, error) {
	var linked []*cases.Case
	for _, other := range l.Case.Linked {
		if ol, err := st.Get(other); err == nil {
			linked = append(linked, ol.Case)
		}
	}
	proof, err := packetProof(st, l.Case, date)
	if err != nil {
		return nil, err
	}
	return export.Build(export.Input{Case: l.Case, Register: reg, Letter: kind, Date: date, Linked: linked, Proof: proof, Seal: seal,
		Files: func(name string) ([]byte, error) { return st.File(l.Case.ID, name) }})
}

// exportPacketOn builds the packet of case id dated date (zero: today in
// the case's zone), writes it into dir and records the exported event with
// its SHA-256, date, draft state and gaps through the action service. It
// is the one sequence the command line and the terminal app run.
func exportPacketOn(st storage.Service, regs *register.Registers, id string, kind cases.LetterKind, date cases.Date, dir string, now time.Time, actor string) (*exported, error) {
	l, err := st.Get(id)
	if err != nil {
		return nil, err
	}
	if err := refuseVoided(l.Case, now); err != nil {
		return nil, err
	}
	reg, err := regs.Get(l.Case.Controller)
	if err != nil {
		return nil, err
	}
	today, err := export.LetterDate(l.Case, now)
	if err != nil {
		return nil, err
	}
	switch {
	case date.IsZero():
		date = today
	case date.After(today):
		// A letter dated later would state less than may be recorded by its
		// date: the same date would later give other bytes.
		return nil, &cases.Refused{Field: "date", Reason: fmt.Sprintf("a letter is dated today (%s) or earlier, not %s", today, date)}
	}
	p, err := buildPacket(st, l, reg, kind, date)
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
	return &exported{Path: path, SHA256: p.SHA256, Letter: p.Letter, Draft: p.Draft, Gaps: p.Gaps, Controller: l.Case.Controller,
		Date: p.Date}, nil
}

// refuseVoided refuses a packet of a voided case before anything is
// written: no letter goes out on a case recorded by mistake (its record
// still does).
func refuseVoided(c *cases.Case, now time.Time) error {
	st, err := c.DeriveDates(now)
	if err != nil || st.Voided == nil {
		return err
	}
	loc, err := cases.LoadZone(st.Deadlines.Zone)
	if err != nil {
		return err
	}
	return &cases.Refused{Reason: fmt.Sprintf("the case was voided on %s: no letter goes out (export --record writes its case record)",
		cases.DateOf(st.Voided.At, loc))}
}
