package main

import (
	"errors"
	"fmt"

	"rightsdesk/cases"
)

const addUsage = `usage: rightsdesk add --controller ID --right R[,R...] --subject NAME [--email ADDR] [--phone N]
          [--postal-address TEXT] [--identifier TYPE=VALUE ...] [--requester NAME --relation REL]
          [--regime R] [--language CODE] [--received TIME] [--channel CH] [--text TEXT] [--json]`

// runAdd records a new request: one case per right, linked as one request,
// judged by the rules frozen from the organisation's register.
func runAdd(a *app, args []string) int {
	fs, c := commonFlags("add")
	controller := fs.String("controller", "", "")
	rights := fs.String("right", "", "")
	subject := fs.String("subject", "", "")
	email := fs.String("email", "", "")
	phone := fs.String("phone", "", "")
	postal := fs.String("postal-address", "", "")
	requester := fs.String("requester", "", "")
	relation := fs.String("relation", "", "")
	regime := fs.String("regime", "", "")
	language := fs.String("language", "", "")
	received := fs.String("received", "", "")
	channel := fs.String("channel", "", "")
	text := fs.String("text", "", "")
	registersDir := fs.String("registers", "", "")
	var identifiers stringList
	fs.Var(&identifiers, "identifier", "")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) > 0 {
		return a.usageError("add", err, pos, addUsage)
	}
	bad := func(err error) int { return a.fail(exitUsage, fmt.Errorf("add: %w", err)) }
	if *controller == "" || *rights == "" || *subject == "" {
		return bad(errors.New("--controller, --right and --subject are required"))
	}
	regs, err := loadRegisters(a.getenv, *registersDir)
	if err != nil {
		return bad(err)
	}
	reg, err := regs.Get(*controller)
	if err != nil {
		return bad(err)
	}
	rules, err := reg.Rules(*regime)
	if err != nil {
		return bad(err)
	}
	in := cases.Intake{Controller: reg.ID, Subject: cases.Subject{Name: *subject, Email: *email, Phone: *phone,
		PostalAddress: *postal}, Language: *language, Text: *text}
	if in.Rights, err = cases.ParseRights(*rights); err != nil {
		return bad(err)
	}
	for _, id := range identifiers {
		if err := in.Subject.AddIdentifier(id); err != nil {
			return bad(fmt.Errorf("--%w", err))
		}
	}
	if *requester != "" || *relation != "" {
		rel := cases.RelationAgent
		if *relation != "" {
			if rel, err = cases.ParseRelation(*relation); err != nil {
				return bad(err)
			}
		}
		if rel != cases.RelationSelf {
			in.Requester = &cases.Requester{Name: *requester, Relation: rel}
		}
	}
	if *channel != "" {
		if in.Channel, err = cases.ParseChannel(*channel); err != nil {
			return bad(err)
		}
	}
	if *received != "" {
		loc, err := cases.LoadZone(rules.Zone)
		if err != nil {
			return bad(err)
		}
		if in.ReceivedAt, err = cases.ParseTime(*received, loc); err != nil {
			return bad(fmt.Errorf("--received: %w", err))
		}
	}
	now := a.clock.Now()
	created, err := a.store(a.dbPath(*c.db)).Add(in, rules, now, a.actor())
	var refused *cases.Refused
	if errors.As(err, &refused) {
		return bad(err) // bad input: nothing was recorded
	}
	if err != nil {
		return a.storeFailure(err)
	}
	if *c.asJSON {
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
