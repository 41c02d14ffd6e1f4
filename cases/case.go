package cases

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Subject is the person the data are about.
type Subject struct {
	Name          string            `json:"name"`
	Email         string            `json:"email,omitempty"`
	Phone         string            `json:"phone,omitempty"`
	PostalAddress string            `json:"postal_address,omitempty"`
	Identifiers   map[string]string `json:"identifiers,omitempty"` // customer number, account ID...
}

// HasContact reports whether at least one route to answer the subject is known.
func (s Subject) HasContact() bool {
	return strings.TrimSpace(s.Email) != "" || strings.TrimSpace(s.Phone) != "" ||
		strings.TrimSpace(s.PostalAddress) != ""
}

// Requester is who asked, when it is not the subject (an agent, a parent).
type Requester struct {
	Name     string   `json:"name"`
	Relation Relation `json:"relation"`
}

// Attachment is a file gathered for a case. Identity documents are never
// attached: verification records only the method and the date.
type Attachment struct {
	Name     string         `json:"name"`
	Kind     AttachmentKind `json:"kind"`
	Category string         `json:"category,omitempty"` // data category, the folder in a packet
	System   string         `json:"system,omitempty"`   // where the data were gathered
	Size     int64          `json:"size"`
	SHA256   string         `json:"sha256"`
	// Content carries a file's bytes into the store with a new case (demo
	// data, imports); it is never part of the timeline.
	Content []byte `json:"-"`
}

// Case is one right asked for in one request, with the timeline of everything
// that happened to it. Its facts are what the request said; status, clock and
// deadlines are derived from the timeline (Derive), never stored.
type Case struct {
	ID         string     `json:"id"`
	RequestID  string     `json:"request_id"` // shared by the cases of one request
	Linked     []string   `json:"linked,omitempty"`
	Controller string     `json:"controller"`
	Right      Right      `json:"right"`
	Subject    Subject    `json:"subject"`
	Requester  *Requester `json:"requester,omitempty"`
	Channel    Channel    `json:"channel"`
	Language   string     `json:"language"`
	Text       string     `json:"text,omitempty"` // the original wording, verbatim
	ReceivedAt time.Time  `json:"received_at"`
	// Rules are the frozen rules copied from the register at intake; a
	// rebaselined event replaces them from its date on.
	Rules  Rules   `json:"rules"`
	Events []Event `json:"events"`
}

// Intake is what a new request says, as the add command takes it.
type Intake struct {
	Controller string
	Rights     []Right
	Subject    Subject
	Requester  *Requester
	Channel    Channel
	Language   string
	Text       string
	ReceivedAt time.Time // zero: now
}

// NewCases validates an intake and returns one case per right, linked as
// one request; IDs are left to the store. The received event of each carries
// the frozen rules.
func NewCases(in Intake, rules Rules, now time.Time, actor string) ([]*Case, error) {
	if strings.TrimSpace(in.Controller) == "" {
		return nil, refuse("controller", "the organisation is required")
	}
	if len(in.Rights) == 0 {
		return nil, refuse("right", "at least one right is required")
	}
	if strings.TrimSpace(in.Subject.Name) == "" {
		return nil, refuse("subject", "the subject's name is required")
	}
	if !in.Subject.HasContact() {
		return nil, refuse("email", "one contact route is required: an e-mail, a phone number or a postal address")
	}
	if in.Requester != nil {
		if strings.TrimSpace(in.Requester.Name) == "" {
			return nil, refuse("requester", "the requester's name is required when someone asks for the subject")
		}
		if in.Requester.Relation == "" || in.Requester.Relation == RelationSelf {
			in.Requester.Relation = RelationAgent
		}
	}
	if strings.TrimSpace(actor) == "" {
		return nil, refused("no actor: every event names who recorded it")
	}
	rules = rules.WithDefaults()
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	received := in.ReceivedAt
	if received.IsZero() {
		received = now
	}
	if received.After(now) {
		return nil, refused("the receipt time %s is in the future", received.Format(time.RFC3339))
	}
	if in.Channel == "" {
		in.Channel = ChannelEmail
	}
	if in.Language == "" {
		in.Language = "en"
	}
	var out []*Case
	for _, r := range in.Rights {
		c := &Case{Controller: in.Controller, Right: r, Subject: in.Subject, Requester: in.Requester,
			Channel: in.Channel, Language: in.Language, Text: in.Text, ReceivedAt: received, Rules: rules}
		rc := rules
		c.Events = []Event{{Kind: EventReceived, At: received, RecordedAt: now, Actor: actor,
			Channel: in.Channel, Rules: &rc}}
		out = append(out, c)
	}
	return out, nil
}

// Refused is an action that is not allowed now; its message says why.
//
// Field names the field the refusal is about, by its name in the action
// and intake tables (Field.Name: "reason", "redirect-to"), or is empty when
// the refusal is about the case as a whole. The command line shows it as
// its flag, the app moves the cursor to it; the Reason never names either.
type Refused struct {
	Field, Reason string
	err           error // the error the reason was read from, for errors.Is
}

func (e *Refused) Error() string { return e.Reason }

// Unwrap is the error the refusal was made from, if any.
func (e *Refused) Unwrap() error { return e.err }

func refused(format string, args ...any) error {
	return &Refused{Reason: fmt.Sprintf(format, args...)}
}

// refuse is a refusal about one field.
func refuse(field, format string, args ...any) error {
	return &Refused{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ErrIdentifierFormat is an identifier that is not TYPE=VALUE.
var ErrIdentifierFormat = errors.New("want TYPE=VALUE")

// AddIdentifier adds one TYPE=VALUE identifier (a customer number, an
// account ID) to the subject: the add command's --identifier, each part of
// an import's identifier column, the app's new request form.
func (s *Subject) AddIdentifier(pair string) error {
	k, v, ok := strings.Cut(pair, "=")
	if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
		return fmt.Errorf("identifier %q: %w", strings.TrimSpace(pair), ErrIdentifierFormat)
	}
	return s.SetIdentifier(k, v)
}

// SetIdentifier adds an identifier of one type; a type given twice is an
// error, not a silent replacement.
func (s *Subject) SetIdentifier(kind, value string) error {
	kind, value = strings.TrimSpace(kind), strings.TrimSpace(value)
	if kind == "" || value == "" {
		return fmt.Errorf("identifier %q: %q: want a type and a value", kind, value)
	}
	if _, twice := s.Identifiers[kind]; twice {
		return fmt.Errorf("identifier %q given twice", kind)
	}
	if s.Identifiers == nil {
		s.Identifiers = map[string]string{}
	}
	s.Identifiers[kind] = value
	return nil
}
