package cases

import (
	"fmt"
	"time"
)

// Facts are a case's intake facts as its received event records them
// (TRUST.md, "Every fact in the chain"): what the request said, to whom, by
// what channel and when, and how the store numbered and linked it. A
// migrated event holds them too: the facts as the migration found them.
// What a case says is the facts of its last received or migrated event with
// every later correction applied in order (Case.ApplyCorrection); the
// frozen rules, and so the regime, are the same event's Rules.
//
// In show --json a received event carries them as "facts":
//
//	{"request_id": "DSR-2026-000042", "linked": [...], "controller": "acme",
//	 "right": "access", "subject": {"name": ..., "email": ...},
//	 "requester": {...}, "channel": "email", "language": "en",
//	 "text": "...", "received_at": "2026-03-02T09:00:00Z"}
type Facts struct {
	RequestID  string     `json:"request_id"`
	Linked     []string   `json:"linked,omitempty"`
	Controller string     `json:"controller"`
	Right      Right      `json:"right"`
	Subject    Subject    `json:"subject"`
	Requester  *Requester `json:"requester,omitempty"`
	Channel    Channel    `json:"channel"`
	Language   string     `json:"language"`
	Text       string     `json:"text,omitempty"`
	ReceivedAt time.Time  `json:"received_at"`
}

// FactsOf returns a copy of the case's intake facts (its identifiers and
// requester copied too, so that the copy can be changed freely).
func FactsOf(c *Case) *Facts {
	f := &Facts{RequestID: c.RequestID, Linked: append([]string(nil), c.Linked...), Controller: c.Controller,
		Right: c.Right, Subject: c.Subject, Channel: c.Channel, Language: c.Language, Text: c.Text, ReceivedAt: c.ReceivedAt}
	if len(f.Linked) == 0 {
		f.Linked = nil
	}
	if c.Subject.Identifiers != nil {
		f.Subject.Identifiers = make(map[string]string, len(c.Subject.Identifiers))
		for k, v := range c.Subject.Identifiers {
			f.Subject.Identifiers[k] = v
		}
	}
	if c.Requester != nil {
		r := *c.Requester
		f.Requester = &r
	}
	return f
}

// SetFacts makes the case say what f says (its events and rules are left
// as they are).
func (c *Case) SetFacts(f *Facts) {
	c.RequestID, c.Linked, c.Controller, c.Right = f.RequestID, f.Linked, f.Controller, f.Right
	c.Subject, c.Requester, c.Channel, c.Language = f.Subject, f.Requester, f.Channel, f.Language
	c.Text, c.ReceivedAt = f.Text, f.ReceivedAt
}

// FactsFromChain derives what a case says from its timeline: the facts of
// its last received or migrated event that holds them, with every later
// correction applied in order, and that event's rules. ok is false when no
// event holds facts (a case recorded before the chain held every fact and
// not yet migrated): the case is then left as it is.
func (c *Case) FactsFromChain() (ok bool, err error) {
	base := -1
	for i := range c.Events {
		if e := &c.Events[i]; e.Facts != nil && (e.Kind == EventReceived || e.Kind == EventMigrated) {
			base = i
		}
	}
	if base < 0 {
		return false, nil
	}
	e := &c.Events[base]
	f := *e.Facts
	if f.Requester != nil {
		r := *f.Requester
		f.Requester = &r
	}
	c.SetFacts(&f)
	if e.Rules != nil {
		c.Rules = *e.Rules
	}
	for i := base + 1; i < len(c.Events); i++ {
		if c.Events[i].Kind != EventCorrected {
			continue
		}
		if err := c.ApplyCorrection(c.Events[i]); err != nil {
			return true, fmt.Errorf("event %d (corrected %s): %w", i+1, c.Events[i].Field, err)
		}
	}
	return true, nil
}
