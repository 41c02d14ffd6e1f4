package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage"
	"rightsdesk/ui"
)

// Four eyes before a letter leaves (WORK.md, "Approval"): approve and
// reject. They are described beside the action table (cases.ApproveAction,
// cases.RejectAction) and recorded through the same action service; the
// command line adds the evidence file's content (the store marks what the
// environment overrode, as on every event).

// approvalCommands are approve and reject.
func (a *app) approvalCommands() []command {
	approve := func() *cobra.Command {
		return a.approvalCommand(&cases.ApproveAction, `Until the team mode's approver role exists, an approval by the OS user counts
when that user neither exported the packet nor recorded the closing, a
refusing result or a withheld file the letter carries. An approval recorded
under $RIGHTSDESK_ACTOR naming someone else, or at $RIGHTSDESK_NOW's time, is
recorded and shown, and never counts. The controller's own sign-off (--external "NAME, ROLE, ORGANISATION"
--evidence FILE) counts whoever records it; the evidence is stored with the
case and named in its record.

An approval is of the packet last exported for the letter (its SHA-256): a
new export with other bytes needs a new approval. Which letters need one is
the register's approval = [...] (with the case's frozen list); send refuses
them until approved.`)
	}
	reject := func() *cobra.Command {
		return a.approvalCommand(&cases.RejectAction, `The case stays as it is, the reason recorded; the letter
cannot be sent until it is exported again (or as it is) and approved.`)
	}
	return []command{{group: groupActions, name: cases.ApproveAction.Name, build: approve},
		{group: groupActions, name: cases.RejectAction.Name, build: reject}}
}

// approvalCommand is approve or reject: ID, a flag per field of the
// action, and the flags every action takes.
func (a *app) approvalCommand(act *cases.Action, long string) *cobra.Command {
	cmd := &cobra.Command{Use: act.Name + " ID", Short: act.Summary,
		Long:    act.Title + ": records the event " + string(act.Kind) + ".\n\n" + long,
		Example: "  " + act.Example, Args: argsBetween(1, 1, "which case?")}
	values := fieldFlags(cmd, act.Fields)
	if cmd.Flags().Lookup("evidence") != nil {
		_ = cmd.MarkFlagFilename("evidence")
	}
	var in actionInput
	late := in.flags(cmd)
	cmd.ValidArgsFunction = a.completeCaseID(nil)
	cmd.RunE = a.runs(func(args []string) int {
		return a.runApproval(act, in, args[0], values(), late().One(cases.LateField.Name))
	})
	return cmd
}

// runApproval records an approval or a rejection, with the evidence file
// read and stored, and marked overridden when the actor is.
func (a *app) runApproval(act *cases.Action, in actionInput, id string, values cases.Values, late string) int {
	bad := func(err error) int { return a.fail(exitUsage, fmt.Errorf("%s: %w", act.Name, err)) }
	if err := in.check(); err != nil {
		return bad(err)
	}
	events, err := act.Events(values, a.actor())
	if err != nil {
		return a.refusal(act.Name, act.Fields, refusalStatus(err, values), err)
	}
	ev := events[0]
	ev.Late = late
	st := a.cases(a.dbPath(in.db))
	action := storage.Action{Event: ev, At: in.at, IfRevision: in.ifRevision}
	if path := values.One("evidence"); path != "" {
		if action.Content, err = storage.ReadAttachment(path, st.MaxFileSize()); err != nil {
			return bad(fmt.Errorf("--evidence: %w", err))
		}
	}
	return a.record(act, st, id, []storage.Action{action}, in.asJSON)
}

// letterToApprove rebuilds the last export of a letter of case id as it
// was exported (same date, same case state, the register as it is now),
// for the terminal app's approval screen: the approver reads what the
// packet says, and its SHA-256 shows whether it still is the one exported.
func letterToApprove(st storage.Service, regs *register.Registers, id string, kind cases.LetterKind) (*ui.Letter, error) {
	l, err := st.Get(id)
	if err != nil {
		return nil, err
	}
	reg, err := regs.Get(l.Case.Controller)
	if err != nil {
		return nil, err
	}
	var date cases.Date
	found := false
	for _, e := range l.Case.Events {
		if e.Kind == cases.EventExported && e.Letter == kind {
			found, date = true, cases.Date{}
			if e.LetterDate != nil {
				date = *e.LetterDate
			}
		}
	}
	if !found {
		return nil, &cases.Refused{Field: "letter", Reason: fmt.Sprintf("no %s letter was exported", kind)}
	}
	p, err := buildPacket(st, l, reg, kind, date)
	if err != nil {
		return nil, err
	}
	letter, err := p.Contents()
	if err != nil {
		return nil, err
	}
	return &ui.Letter{Kind: kind, Markdown: letter.Markdown, DataFiles: letter.DataFiles, SHA256: p.SHA256}, nil
}
