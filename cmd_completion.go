package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// Shell completion: cobra's completion command writes the script for bash,
// zsh, fish or PowerShell, and the script asks the program (its hidden
// __complete command) for the words that fit. Case IDs and organisations
// come from the database and the registers, vocabulary from the domain.
//
// Completion runs on every Tab, perhaps while another process holds the
// database: the file is only ever read (never created, never migrated by a
// writer unless an older version left it; nothing goes into the access
// log), and a busy file is given up after completionLockTimeout, offering
// nothing rather than a hang.

// completionLockTimeout bounds the wait for a database another process
// holds while completing.
const completionLockTimeout = 200 * time.Millisecond

// completionStore is the cases a completion reads, or nil when there are
// none yet: in team mode the team server's (which offers only what the
// user may see), else the command's --db, else the usual place.
func (a *app) completionStore(cmd *cobra.Command) storage.Service {
	if a.client != nil {
		return a.client
	}
	cfg, err := loadConfig(a.getenv)
	if err != nil {
		return nil
	}
	if socket := teamSocket(a.socketFlag, a.getenv, cfg); socket != "" {
		if a.getenv("RIGHTSDESK_ACTOR") != "" || a.getenv("RIGHTSDESK_NOW") != "" {
			return nil // refused by every command in team mode
		}
		a.team = &teamMode{socket: socket, cfg: cfg}
		if a.dial() != nil {
			return nil
		}
		return a.client
	}
	db, _ := cmd.Flags().GetString("db")
	st := storage.Open(a.dbPath(db), storage.Options{LockTimeout: completionLockTimeout, Clock: a.clock})
	if !st.Exists() {
		return nil
	}
	return st
}

// completeCaseID completes a case ID as the first argument, most urgent
// first, each described by its organisation, right and status (not by its
// subject: a terminal's completion menu is no place for names); later
// arguments are completed by next (nil: nothing).
func (a *app) completeCaseID(next cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			if next == nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return next(cmd, args, toComplete)
		}
		st := a.completionStore(cmd)
		if st == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		prefix := strings.ToUpper(toComplete)
		err := st.List(storage.Filter{All: true}, a.clock.Now(), func(s *cases.Summary, _ func() []byte) error {
			if strings.HasPrefix(s.ID, prefix) {
				out = append(out, cobra.CompletionWithDesc(s.ID, oneLine(s.Controller+" "+string(s.Right)+" "+string(s.Status))))
			}
			return nil
		})
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}

// completeFiles leaves the words to the shell's own file completion.
func completeFiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveDefault
}

// completePositional completes an action's arguments after the case ID:
// paths for FILE..., the case's attachments for withhold, the case's work
// items and then the results its right takes for work; nil when the action
// has none.
func (a *app) completePositional(act *cases.Action) cobra.CompletionFunc {
	fields := positionalFields(act)
	switch {
	case len(fields) == 0:
		return nil
	case fields[0].Type == cases.FieldFiles:
		return completeFiles
	case act.Kind == cases.EventWithheld:
		return a.completeAttachment
	case act.Kind == cases.EventWorked:
		return a.completeWork
	}
	return nil
}

// completeWork completes work ID ITEM RESULT: the items of the case's work
// list (each described by its name and its result so far), then the
// results an item of the case's right may take.
func (a *app) completeWork(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	st := a.completionStore(cmd)
	if st == nil || len(args) < 1 || len(args) > 2 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	l, err := st.Get(args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if len(args) == 2 {
		return cases.Slugs(cases.ResultsFor(l.Case.Right)), cobra.ShellCompDirectiveNoFileComp
	}
	state, err := l.Case.Derive(a.clock.Now())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for i := range state.Work {
		w := &state.Work[i]
		result := string(w.ResultName())
		if result == "" {
			result = "open"
		}
		out = append(out, cobra.CompletionWithDesc(w.ID, oneLine(w.Name+" ("+result+")")))
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

// completeAttachment completes the names of the files attached to the case
// named by the first argument (withhold ID FILE).
func (a *app) completeAttachment(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	st := a.completionStore(cmd)
	if st == nil || len(args) != 1 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	l, err := st.Get(args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []cobra.Completion
	for _, ev := range l.Case.Events {
		if ev.Attachment != nil {
			names = append(names, ev.Attachment.Name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeRecipients completes the recipients the register of the case's
// organisation names (notify --recipient, recipients --only).
func (a *app) completeRecipients(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	st := a.completionStore(cmd)
	if st == nil || len(args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	l, err := st.Get(args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	regs, err := a.completionRegisters(cmd)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	reg, err := regs.Get(l.Case.Controller)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return reg.RecipientNames(), cobra.ShellCompDirectiveNoFileComp
}

// completeController completes an organisation's ID from the registers
// (the built-in ones, the configuration folder's and the command's
// --registers), each described by its name.
func (a *app) completeController(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	regs, err := a.completionRegisters(cmd)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []cobra.Completion
	for _, r := range regs.All() {
		out = append(out, cobra.CompletionWithDesc(r.ID, oneLine(r.DisplayName())))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeSlugs completes one of words; a list given as "a,b" is completed
// after its last comma.
func completeSlugs(words []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		done := ""
		if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
			done = toComplete[:i+1]
		}
		out := make([]cobra.Completion, 0, len(words))
		for _, w := range words {
			out = append(out, done+w)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
