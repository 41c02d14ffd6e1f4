package cases

import (
	"fmt"
	"strings"
	"time"
)

// CorrectableFields are the intake facts a corrected event can change, by
// their names in the intake table (the add command's flags): a correction
// names one of them, its new value and why (TRUST.md, "Every fact in the
// chain"). The received time is read in the case's legal zone.
var CorrectableFields = []string{"subject", "email", "phone", "postal-address", "identifier",
	"requester", "relation", "channel", "language", "text", "received"}

// ApplyCorrection applies a corrected event to the case's facts: what a
// case says is its received event's facts with every correction applied in
// order. An identifier is corrected as TYPE=VALUE, and removed as TYPE=.
func (c *Case) ApplyCorrection(ev Event) error {
	if ev.Kind != EventCorrected {
		return fmt.Errorf("event %s is not a correction", ev.Kind)
	}
	v := ev.Value
	if f, ok := intakeField(ev.Field); ok && f.MaxBytes > 0 && len(v) > f.MaxBytes {
		return refuse("value", "the new %s is %s long: at most %s", f.Label, overSize(len(v), f.MaxBytes), byteSize(f.MaxBytes))
	}
	switch ev.Field {
	case "subject":
		if strings.TrimSpace(v) == "" {
			return refuse("value", "the subject's name cannot be empty")
		}
		c.Subject.Name = v
	case "email", "phone", "postal-address":
		return c.correctContact(ev.Field, v)
	case "identifier":
		return c.correctIdentifier(v)
	case "requester":
		if strings.TrimSpace(v) == "" {
			c.Requester = nil
			return nil
		}
		r := Requester{Name: v, Relation: RelationAgent}
		if c.Requester != nil {
			r.Relation = c.Requester.Relation
		}
		c.Requester = &r
	case "relation":
		rel, err := ParseRelation(strings.TrimSpace(v))
		if err != nil {
			return fieldError("value", err)
		}
		if c.Requester == nil {
			return refuse("value", "the case has no requester; correct the requester first")
		}
		r := *c.Requester
		r.Relation = rel
		c.Requester = &r
	case "channel":
		ch, err := ParseChannel(strings.TrimSpace(v))
		if err != nil {
			return fieldError("value", err)
		}
		c.Channel = ch
	case "language":
		if strings.TrimSpace(v) == "" {
			return refuse("value", "the language cannot be empty")
		}
		c.Language = strings.TrimSpace(v)
	case "text":
		c.Text = v
	case "received":
		loc, err := LoadZone(c.Rules.Zone)
		if err != nil {
			return err
		}
		t, err := ParseTime(strings.TrimSpace(v), loc)
		if err != nil {
			return fieldError("value", err)
		}
		if t.After(ev.RecordedAt) && !ev.RecordedAt.IsZero() {
			return refuse("value", "the receipt time %s is in the future", t.Format(time.RFC3339))
		}
		c.ReceivedAt = t
	default:
		if err := frozenFact(ev.Field); err != nil {
			return fieldError("field", err)
		}
		return refuse("field", "%q cannot be corrected (one of: %s)", ev.Field, strings.Join(CorrectableFields, ", "))
	}
	return nil
}

// correctContact corrects one contact route; one must remain.
func (c *Case) correctContact(field, v string) error {
	s := c.Subject
	switch field {
	case "email":
		s.Email = strings.TrimSpace(v)
	case "phone":
		s.Phone = strings.TrimSpace(v)
	default:
		s.PostalAddress = v
	}
	if !s.HasContact() {
		return refuse("value", "one contact route must remain: an e-mail, a phone number or a postal address")
	}
	c.Subject = s
	return nil
}

// correctIdentifier sets an identifier (TYPE=VALUE) or removes one
// (TYPE=), in a new map: the case's is never changed in place.
func (c *Case) correctIdentifier(v string) error {
	k, val, ok := strings.Cut(v, "=")
	k, val = strings.TrimSpace(k), strings.TrimSpace(val)
	if !ok || k == "" {
		return refuse("value", "an identifier is corrected as TYPE=VALUE, or removed as TYPE=")
	}
	ids := map[string]string{}
	for kk, vv := range c.Subject.Identifiers {
		ids[kk] = vv
	}
	if val == "" {
		if _, known := ids[k]; !known {
			return refuse("value", "the case has no identifier %q", k)
		}
		delete(ids, k)
	} else {
		ids[k] = val
	}
	if len(ids) == 0 {
		ids = nil
	}
	c.Subject.Identifiers = ids
	return nil
}

// Record appends an event Apply returned to the case's timeline and, when
// it corrects an intake fact, applies the correction to the case's facts:
// the one way a write moves a case on, so that what is stored and what is
// re-derived from the timeline (ApplyCorrection over the received facts)
// agree.
func (c *Case) Record(ev Event) error {
	if ev.Kind == EventCorrected {
		if err := c.ApplyCorrection(ev); err != nil {
			return err
		}
	}
	c.Events = append(c.Events, ev)
	return nil
}
