package cases

import "time"

// EventKind is what happened in a case's timeline.
type EventKind string

// The events of the command table of CLI.md.
const (
	EventReceived               EventKind = "received"
	EventAcknowledged           EventKind = "acknowledged"
	EventIDRequested            EventKind = "id-requested"
	EventIDReceived             EventKind = "id-received"
	EventIdentityVerified       EventKind = "identity-verified"
	EventClarificationRequested EventKind = "clarification-requested"
	EventClarificationReceived  EventKind = "clarification-received"
	EventAuthorityRequested     EventKind = "authority-requested"
	EventAuthorityReceived      EventKind = "authority-received"
	EventFeeRequested           EventKind = "fee-requested"
	EventFeePaid                EventKind = "fee-paid"
	EventExtensionDecided       EventKind = "extension-decided"
	EventSent                   EventKind = "sent"
	EventRecipientNotified      EventKind = "recipient-notified"
	EventRecipientsChosen       EventKind = "recipients-chosen"
	EventAssigned               EventKind = "assigned"
	EventTagged                 EventKind = "tagged"
	EventUntagged               EventKind = "untagged"
	EventNoted                  EventKind = "noted"
	EventAttached               EventKind = "attached"
	EventWithheld               EventKind = "withheld"
	EventClosed                 EventKind = "closed"
	EventReopened               EventKind = "reopened"
	EventExported               EventKind = "exported"
	EventRebaselined            EventKind = "rebaselined"
	// EventWorked records the result of one item of the work list.
	EventWorked EventKind = "worked"
	// EventWorkAdded adds a system to one case's work list.
	EventWorkAdded EventKind = "work-added"
	// EventForwarded records that the request was passed to the controller
	// (or customer) whose data they are: to whom, when.
	EventForwarded EventKind = "forwarded"
	// EventApproved records that a letter's exported packet (its
	// SHA-256) was approved before it leaves (WORK.md, "Approval").
	EventApproved EventKind = "approved"
	// EventRejected sends a letter's exported packet back, with why.
	EventRejected EventKind = "rejected"
	// EventPurged is written by retention (rightsdesk purge), never by a
	// user: it records what was removed and why.
	EventPurged EventKind = "purged"
	// EventCorrected corrects one intake fact (Field, Value, Reason);
	// the case's facts are its received event's with every correction
	// applied in order (Case.ApplyCorrection).
	EventCorrected EventKind = "corrected"
	// EventVoided marks a case recorded by mistake: kept in the chain, left
	// out of queues and statistics (Reason says why).
	EventVoided EventKind = "voided"
	// EventMigrated is written once per case by the migration to the chain
	// that holds every fact: it holds the case's facts as found, and the
	// events before it are unattested (their actor and time were never
	// verified).
	EventMigrated EventKind = "migrated"
)

// EventKinds lists every event kind.
var EventKinds = []EventKind{EventReceived, EventAcknowledged, EventIDRequested, EventIDReceived,
	EventIdentityVerified, EventClarificationRequested, EventClarificationReceived,
	EventAuthorityRequested, EventAuthorityReceived, EventFeeRequested, EventFeePaid,
	EventExtensionDecided, EventSent, EventRecipientNotified, EventRecipientsChosen, EventAssigned,
	EventTagged, EventUntagged, EventNoted, EventAttached, EventWithheld, EventClosed, EventReopened,
	EventExported, EventRebaselined, EventWorked, EventWorkAdded, EventForwarded, EventApproved, EventRejected, EventPurged,
	EventCorrected, EventVoided, EventMigrated}

// ParseEventKind reads an event kind slug.
func ParseEventKind(s string) (EventKind, error) { return parseSlug("event", s, EventKinds) }

// Event is one entry of a case's append-only timeline: what happened, when it
// happened, when it was recorded, who recorded it, and its details. Only the
// fields of its kind are set.
type Event struct {
	Kind       EventKind `json:"kind"`
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
	Actor      string    `json:"actor"`

	Reason       string       `json:"reason,omitempty"`     // a request's doubt, an extension's reasons, a refusal's reasons
	Method       string       `json:"method,omitempty"`     // how identity was verified
	Amount       string       `json:"amount,omitempty"`     // an Art. 12(5) fee
	Letter       LetterKind   `json:"letter,omitempty"`     // sent, exported
	Channel      Channel      `json:"channel,omitempty"`    // received, sent
	To           string       `json:"to,omitempty"`         // the address a letter went to
	Checksum     string       `json:"checksum,omitempty"`   // the SHA-256 of an exported packet
	Recipient    string       `json:"recipient,omitempty"`  // an Art. 19 notification
	Impossible   string       `json:"impossible,omitempty"` // why notifying was impossible
	Recipients   []string     `json:"recipients,omitempty"` // the recipients chosen for Art. 15(1)(c)
	Assignee     string       `json:"assignee,omitempty"`
	Tags         []string     `json:"tags,omitempty"`
	Text         string       `json:"text,omitempty"` // a note
	Attachment   *Attachment  `json:"attachment,omitempty"`
	File         string       `json:"file,omitempty"` // the attachment withheld
	Outcome      Outcome      `json:"outcome,omitempty"`
	Grounds      []Ground     `json:"grounds,omitempty"`
	Law          string       `json:"law,omitempty"` // the national restriction relied on
	RedirectTo   string       `json:"redirect_to,omitempty"`
	ReopenReason ReopenReason `json:"reopen_reason,omitempty"`
	Rules        *Rules       `json:"rules,omitempty"` // received, rebaselined
	ExtendedTo   *Date        `json:"extended_to,omitempty"`

	// Late says why an event is recorded more than the rules' backdate
	// hours after it happened (WORK.md): allowed, never hidden.
	Late string `json:"late,omitempty"`
	// Needs are what an identity request asks for (request-id --need).
	Needs []string `json:"needs,omitempty"`
	// DisclosedOn is, for a recipients event, the day data were
	// disclosed to a public authority (recipients --disclosed-on).
	DisclosedOn *Date `json:"disclosed_on,omitempty"`

	// Work: the item worked and its result, with its details.
	Item        string   `json:"item,omitempty"`
	Result      Result   `json:"result,omitempty"`
	What        string   `json:"what,omitempty"`  // what was rectified, kept, continues...
	Files       []string `json:"files,omitempty"` // found: the attached files that hold the copy
	Until       *Date    `json:"until,omitempty"` // kept until; expected by; overwritten by
	TriggerDate *Date    `json:"trigger_date,omitempty"`
	Review      *Date    `json:"review,omitempty"`
	Customer    string   `json:"customer,omitempty"` // for-customer; forwarded to
	System      *System  `json:"system,omitempty"`   // work-added

	// Letters: an export's draft state, gaps and date; a letter sent another
	// way (outside) or a draft that went out (draft_sent).
	Draft      bool     `json:"draft,omitempty"`
	Gaps       []string `json:"gaps,omitempty"`
	LetterDate *Date    `json:"letter_date,omitempty"`
	Outside    bool     `json:"outside,omitempty"`
	DraftSent  bool     `json:"draft_sent,omitempty"`

	// Approval: an approval's external sign-off (its evidence is the
	// Attachment, stored with the case's files); on a sent event, the
	// approval conditions the letter met (register.Complete puts the
	// register's current list here and Apply keeps those met).
	External *Signoff            `json:"external,omitempty"`
	Approval []ApprovalCondition `json:"approval,omitempty"`
	// Overridden names what the environment overrode when the event was
	// recorded ("actor": RIGHTSDESK_ACTOR named someone other than the OS
	// user); an approval so recorded never counts (TRUST.md).
	Overridden []string `json:"overridden,omitempty"`
	// ReportedOrigin is the SSH origin the client reported (SSH_CONNECTION),
	// recorded as reported, never vouched for.
	ReportedOrigin string `json:"reported_origin,omitempty"`

	// Correction: the intake fact corrected (CorrectableFields) and its
	// new value; the reason is in Reason.
	Field string `json:"field,omitempty"`
	Value string `json:"value,omitempty"`

	// Facts are the intake facts a received event records, or those a
	// migrated event found (facts.go): what the case says derives from
	// them.
	Facts *Facts `json:"facts,omitempty"`
	// Retained, on a migrated or purged event, stands in for the earlier
	// events whose stored content was removed before the chain held every
	// fact (a purge under an older version, or a purge of events recorded
	// before the migration): their minimal record (kind, times, actor,
	// outcome, grounds...), one per event from the first, in order.
	Retained []Event `json:"retained,omitempty"`
	// PurgedThrough, on a purged event that reduced the case to its
	// minimal record, is the sequence number of the last event whose
	// personal fields that purge removed: their absence is then expected.
	PurgedThrough uint64 `json:"purged_through,omitempty"`
	// Unattested is set when a case is read, never stored: the event was
	// recorded before the case's migrated event, so its actor and time were
	// never verified (TRUST.md, "Migration"). show --json prints it.
	Unattested bool `json:"unattested,omitempty"`
}

// TextFields are the event's free-text fields by their command-line names
// (--reason, --method...): one mapping for the command line's flags and the
// terminal app's form fields.
func (e *Event) TextFields() map[string]*string {
	return map[string]*string{"reason": &e.Reason, "method": &e.Method, "amount": &e.Amount, "recipient": &e.Recipient,
		"impossible": &e.Impossible, "text": &e.Text, "law": &e.Law, "redirect-to": &e.RedirectTo,
		"late": &e.Late, "what": &e.What, "customer": &e.Customer}
}

// clockKind maps a timeline event to the clock event it is, if any.
func (e Event) clockKind() (ClockEventKind, bool) {
	switch e.Kind {
	case EventIDRequested:
		return ClockIDRequested, true
	case EventIDReceived:
		return ClockIDReceived, true
	case EventClarificationRequested:
		return ClockClarificationRequested, true
	case EventClarificationReceived:
		return ClockClarificationReceived, true
	case EventAuthorityRequested:
		return ClockAuthorityRequested, true
	case EventAuthorityReceived:
		return ClockAuthorityReceived, true
	case EventFeeRequested:
		return ClockFeeRequested, true
	case EventFeePaid:
		return ClockFeePaid, true
	case EventClosed:
		return ClockClosed, true
	case EventReopened:
		if e.ReopenReason == ReopenNewInformation {
			return ClockRestarted, true
		}
		return ClockReopened, true
	case EventForwarded:
		return ClockForwarded, true
	case EventSent:
		if e.Letter == LetterExtensionNotice {
			return ClockExtensionNotified, true
		}
	}
	return "", false
}
