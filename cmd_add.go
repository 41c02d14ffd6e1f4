package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
)

// addOptions are add's flags.
type addOptions struct {
	db, registers, controller, rights, subject, email, phone, postal string
	requester, relation, regime, language, received, channel, text   string
	identifiers                                                      []string
	asJSON                                                           bool
}

// addCommand records a new request: one case per right, linked as one
// request, judged by the rules frozen from the organisation's register.
func (a *app) addCommand() *cobra.Command {
	var o addOptions
	cmd := &cobra.Command{Use: "add", Short: "record a new request (one case per right)", Args: noArgs,
		Long: `Records a new request and prints its case ID: one case per right named, linked as
one request (they share the receipt, the requester and the identity check). One
contact route (e-mail, phone or postal address) is required. The case is judged
by the rules of the organisation's register, frozen at intake.`,
		Example: "  rightsdesk add --controller crisp --right access --subject 'Zoé Lefèvre' --email zoe@example.org\n" +
			"  rightsdesk add --controller crisp --right access,erasure --subject 'Jan Nowak' --phone '+48 600 000 000' --received 2026-03-02 --channel phone"}
	f := cmd.Flags()
	f.StringVar(&o.controller, "controller", "", "the organisation `ID`")
	f.StringVar(&o.rights, "right", "", "the rights asked for, `R[,R...]`")
	f.StringVar(&o.subject, "subject", "", "the data subject's `NAME`")
	f.StringVar(&o.email, "email", "", "the subject's e-mail `ADDR`")
	f.StringVar(&o.phone, "phone", "", "the subject's phone `N`")
	f.StringVar(&o.postal, "postal-address", "", "the subject's postal address `TEXT`")
	f.StringArrayVar(&o.identifiers, "identifier", nil, "an identifier `TYPE=VALUE` (repeatable)")
	f.StringVar(&o.requester, "requester", "", "who asked for the subject, `NAME`")
	f.StringVar(&o.relation, "relation", "", "the requester's relation `REL` to the subject")
	f.StringVar(&o.regime, "regime", "", "the legal regime `R` (default the register's)")
	f.StringVar(&o.language, "language", "", "the language `CODE` of the answer")
	f.StringVar(&o.received, "received", "", "when it was received, `TIME` (default now)")
	f.StringVar(&o.channel, "channel", "", "how it came, `CH`")
	f.StringVar(&o.text, "text", "", "the request's wording, `TEXT`")
	dbFlag(cmd, &o.db)
	registersFlag(cmd, &o.registers)
	jsonFlag(cmd, &o.asJSON, "the case (an array when several rights)")
	for _, name := range []string{"controller", "right", "subject"} {
		_ = cmd.MarkFlagRequired(name)
	}
	_ = cmd.RegisterFlagCompletionFunc("controller", a.completeController)
	_ = cmd.RegisterFlagCompletionFunc("right", completeSlugs(slugs(cases.Rights)))
	_ = cmd.RegisterFlagCompletionFunc("relation", completeSlugs(slugs(cases.Relations)))
	_ = cmd.RegisterFlagCompletionFunc("channel", completeSlugs(slugs(cases.Channels)))
	_ = cmd.RegisterFlagCompletionFunc("regime", completeSlugs(cases.RegimeNames()))
	cmd.RunE = a.runs(func([]string) int { return a.runAdd(o) })
	return cmd
}

// runAdd reads the intake and records it.
func (a *app) runAdd(o addOptions) int {
	bad := func(err error) int { return a.fail(exitUsage, fmt.Errorf("add: %w", err)) }
	in, rules, err := a.intake(o)
	if err != nil {
		return bad(err)
	}
	now := a.clock.Now()
	a.beginWrite()
	created, err := a.store(a.dbPath(o.db)).Add(in, rules, now, a.actor())
	var refused *cases.Refused
	if errors.As(err, &refused) {
		return bad(err) // bad input: nothing was recorded
	}
	if err != nil {
		return a.storeFailure(err)
	}
	if o.asJSON {
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

// intake is the request add's flags describe, with the rules it is judged by.
func (a *app) intake(o addOptions) (cases.Intake, cases.Rules, error) {
	var in cases.Intake
	regs, err := loadRegisters(a.getenv, o.registers)
	if err != nil {
		return in, cases.Rules{}, err
	}
	reg, err := regs.Get(o.controller)
	if err != nil {
		return in, cases.Rules{}, err
	}
	rules, err := reg.Rules(o.regime)
	if err != nil {
		return in, rules, err
	}
	in = cases.Intake{Controller: reg.ID, Subject: cases.Subject{Name: o.subject, Email: o.email, Phone: o.phone,
		PostalAddress: o.postal}, Language: o.language, Text: o.text}
	if in.Rights, err = cases.ParseRights(o.rights); err != nil {
		return in, rules, err
	}
	for _, id := range o.identifiers {
		if err := in.Subject.AddIdentifier(id); err != nil {
			return in, rules, fmt.Errorf("--%w", err)
		}
	}
	if o.requester != "" || o.relation != "" {
		rel := cases.RelationAgent
		if o.relation != "" {
			if rel, err = cases.ParseRelation(o.relation); err != nil {
				return in, rules, err
			}
		}
		if rel != cases.RelationSelf {
			in.Requester = &cases.Requester{Name: o.requester, Relation: rel}
		}
	}
	if o.channel != "" {
		if in.Channel, err = cases.ParseChannel(o.channel); err != nil {
			return in, rules, err
		}
	}
	if o.received != "" {
		loc, err := cases.LoadZone(rules.Zone)
		if err != nil {
			return in, rules, err
		}
		if in.ReceivedAt, err = cases.ParseTime(o.received, loc); err != nil {
			return in, rules, fmt.Errorf("--received: %w", err)
		}
	}
	return in, rules, nil
}
