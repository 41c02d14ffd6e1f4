package register

import (
	"fmt"
	"slices"
	"strings"

	"rightsdesk/cases"
)

// Complete fills what an action marked Register takes from the register:
// the recipients chosen (the names given, matched without case, or every
// recipient the register names when none is given), the recipient notified
// (one the register names, spelled as it does) and the rules a
// re-baseline applies (for the case's regime), and the approval
// conditions of a letter sent. The command line and the
// app complete their events here alike.
func (r *Register) Complete(ev *cases.Event, regime string) error {
	switch ev.Kind {
	case cases.EventSent:
		// The conditions that apply are the case's frozen ones and the
		// register's as it is when the letter leaves (WORK.md).
		ev.Approval = r.ApprovalConditions()
	case cases.EventRebaselined:
		rules, err := r.Rules(regime)
		if err != nil {
			return err
		}
		ev.Rules = &rules
	case cases.EventRecipientNotified:
		// Art. 19 is owed to the recipients the data went to: those the
		// register names (WORK.md: notify takes only those).
		names := r.RecipientNames()
		i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, strings.TrimSpace(ev.Recipient)) })
		if i < 0 {
			if len(names) == 0 {
				return &cases.Refused{Field: "recipient", Reason: fmt.Sprintf("the register of %s names no recipients; "+
					"complete it (rightsdesk controllers %s)", r.ID, r.ID)}
			}
			return &cases.Refused{Field: "recipient", Reason: fmt.Sprintf("%q is not a recipient in the register of %s (it names: %s)",
				ev.Recipient, r.ID, strings.Join(names, "; "))}
		}
		ev.Recipient = names[i]
	case cases.EventRecipientsChosen:
		names, err := r.RecipientChoices()
		if err != nil {
			return err
		}
		given := ev.Recipients
		if len(given) == 0 {
			ev.Recipients = names
			return nil
		}
		ev.Recipients = nil
		for _, want := range given {
			i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, strings.TrimSpace(want)) })
			if i < 0 {
				return &cases.Refused{Field: "only", Reason: fmt.Sprintf("%q is not a recipient in the register of %s (it names: %s)",
					want, r.ID, strings.Join(names, "; "))}
			}
			ev.Recipients = append(ev.Recipients, names[i])
		}
	}
	return nil
}

// ApprovalConditions are the register's approval conditions, as the
// domain reads them (validated when the register was read).
func (r *Register) ApprovalConditions() []cases.ApprovalCondition {
	var out []cases.ApprovalCondition
	for _, c := range r.Approval {
		out = append(out, cases.ApprovalCondition(c))
	}
	return out
}

// RecipientChoices are the recipients the register names, for a case to choose
// from; a register that names none is refused, saying how to complete it.
func (r *Register) RecipientChoices() ([]string, error) {
	names := r.RecipientNames()
	if len(names) == 0 {
		return nil, &cases.Refused{Field: "only", Reason: fmt.Sprintf(
			"the register of %s names no recipients; complete it (rightsdesk controllers %s)", r.ID, r.ID)}
	}
	return names, nil
}

// RulesFor resolves an organisation (and a regime, "" for its first) to its
// ID and the rules its register freezes into a new case: how add, import
// and the app's new request form find a request's rules.
func (rs *Registers) RulesFor(controller, regime string) (string, cases.Rules, error) {
	reg, err := rs.Get(controller)
	if err != nil {
		return "", cases.Rules{}, err
	}
	rules, err := reg.Rules(regime)
	return reg.ID, rules, err
}
