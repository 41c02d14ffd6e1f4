package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
)

// addCommand records a new request: one case per right, linked as one
// request, judged by the rules frozen from the organisation's register.
// Its flags are the intake table (cases.IntakeFields), read by the same
// parser as import and the app's form (cases.ParseIntake).
func (a *app) addCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "add", Short: "record a new request (one case per right)", Args: noArgs,
		Long: `Records a new request and prints its case ID: one case per right named, linked as
one request (they share the receipt, the requester and the identity check). One
contact route (e-mail, phone or postal address) is required. The case is judged
by the rules of the organisation's register, frozen at intake.`,
		Example: "  rightsdesk add --controller crisp --right access --subject 'Zoé Lefèvre' --email zoe@example.org\n" +
			"  rightsdesk add --controller crisp --right access,erasure --subject 'Jan Nowak' --phone '+48 600 000 000' --received 2026-03-02 --channel phone"}
	values := fieldFlags(cmd, cases.IntakeFields)
	var db, registers string
	var asJSON bool
	dbFlag(cmd, &db)
	registersFlag(cmd, &registers)
	jsonFlag(cmd, &asJSON, "the case (an array when several rights)")
	for _, f := range cases.IntakeFields {
		if f.Required {
			_ = cmd.MarkFlagRequired(f.Name) // bad input (2) when missing, as in import
		}
	}
	_ = cmd.RegisterFlagCompletionFunc("controller", a.completeController)
	_ = cmd.RegisterFlagCompletionFunc("regime", a.completeRegime)
	cmd.RunE = a.runs(func([]string) int { return a.runAdd(values(), db, registers, asJSON) })
	return cmd
}

// runAdd reads the request and records it.
func (a *app) runAdd(values cases.Values, db, registersDir string, asJSON bool) int {
	regs, err := a.loadRegisters(db, registersDir)
	if err != nil {
		return a.registersFailure("add", err)
	}
	in, rules, err := cases.ParseIntake(values, regs.RulesFor)
	if err != nil {
		return a.refusal("add", cases.IntakeFields, exitUsage, err)
	}
	now := a.clock.Now()
	a.beginWrite()
	created, err := a.cases(a.dbPath(db)).Add(in, rules, now, a.actor())
	if errors.As(err, new(*cases.Refused)) {
		return a.refusal("add", cases.IntakeFields, exitUsage, err) // bad input: nothing was recorded
	}
	if err != nil {
		return a.storeFailure(err)
	}
	if asJSON {
		var views []*cases.View
		for _, cs := range created {
			st, err := cs.Derive(now)
			if err != nil {
				return a.storeFailure(err)
			}
			views = append(views, cases.NewView(cs, st, 1, false))
		}
		if len(views) == 1 {
			return a.printJSON(views[0])
		}
		return a.printJSON(views)
	}
	for _, cs := range created {
		fmt.Fprintln(a.stdout, cs.ID)
	}
	return exitOK
}

// completeRegime completes --regime with the regimes of the organisation
// named by --controller, or every regime when none is named yet.
func (a *app) completeRegime(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	controller := cmd.Flags().Lookup("controller").Value.String()
	if regs, err := a.completionRegisters(cmd); err == nil && controller != "" {
		if reg, err := regs.Get(controller); err == nil {
			return regimesOf(reg), cobra.ShellCompDirectiveNoFileComp
		}
	}
	return cases.RegimeNames(), cobra.ShellCompDirectiveNoFileComp
}
