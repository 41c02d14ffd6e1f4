package cases

import (
	"fmt"
	"slices"
	"strings"
)

// Right is a data-subject right a case asks for.
type Right string

// The rights of CLI.md.
const (
	RightAccess            Right = "access"
	RightRectification     Right = "rectification"
	RightErasure           Right = "erasure"
	RightRestriction       Right = "restriction"
	RightPortability       Right = "portability"
	RightObjection         Right = "objection"
	RightAutomatedDecision Right = "automated-decision"
	RightWithdrawConsent   Right = "withdraw-consent"
	RightComplaint         Right = "complaint"
)

// Rights lists every right in the order the command line documents them.
var Rights = []Right{RightAccess, RightRectification, RightErasure, RightRestriction,
	RightPortability, RightObjection, RightAutomatedDecision, RightWithdrawConsent, RightComplaint}

// Status is where a case stands. It is derived from the timeline.
type Status string

// The statuses of CLI.md.
const (
	StatusNew          Status = "new"
	StatusAwaitingID   Status = "awaiting-id"
	StatusAwaitingInfo Status = "awaiting-info"
	StatusInProgress   Status = "in-progress"
	StatusClosed       Status = "closed"
)

// Statuses lists every status.
var Statuses = []Status{StatusNew, StatusAwaitingID, StatusAwaitingInfo, StatusInProgress, StatusClosed}

// Outcome is how a closed case ended.
type Outcome string

// The outcomes of CLI.md.
const (
	OutcomeFulfilled          Outcome = "fulfilled"
	OutcomePartiallyFulfilled Outcome = "partially-fulfilled"
	OutcomeRefused            Outcome = "refused"
	OutcomeNoData             Outcome = "no-data"
	OutcomeWithdrawn          Outcome = "withdrawn"
	OutcomeRedirected         Outcome = "redirected"
	OutcomeDuplicate          Outcome = "duplicate"
	OutcomeLapsed             Outcome = "lapsed"
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeFulfilled, OutcomePartiallyFulfilled, OutcomeRefused, OutcomeNoData,
	OutcomeWithdrawn, OutcomeRedirected, OutcomeDuplicate, OutcomeLapsed}

// RefusesSomething reports whether the outcome refuses the request in whole
// or in part, so that Art. 12(4) requires grounds and reasons.
func (o Outcome) RefusesSomething() bool {
	return o == OutcomeRefused || o == OutcomePartiallyFulfilled
}

// Ground is a legal ground for refusing a request in whole or in part.
type Ground string

// The grounds of CLI.md.
const (
	GroundManifestlyUnfounded    Ground = "manifestly-unfounded"
	GroundExcessive              Ground = "excessive"
	GroundIdentityNotEstablished Ground = "identity-not-established"
	GroundCannotIdentify         Ground = "cannot-identify"
	GroundArt17_3a               Ground = "art17-3-a"
	GroundArt17_3b               Ground = "art17-3-b"
	GroundArt17_3c               Ground = "art17-3-c"
	GroundArt17_3d               Ground = "art17-3-d"
	GroundArt17_3e               Ground = "art17-3-e"
	GroundNoErasureGround        Ground = "no-erasure-ground"
	GroundCompellingLegitimate   Ground = "compelling-legitimate-grounds"
	GroundLegalClaims            Ground = "legal-claims"
	GroundNotPortable            Ground = "not-portable"
	GroundRightsOfOthers         Ground = "rights-of-others"
	GroundNationalRestriction    Ground = "national-restriction"
)

// Grounds lists every ground.
var Grounds = []Ground{GroundManifestlyUnfounded, GroundExcessive, GroundIdentityNotEstablished,
	GroundCannotIdentify, GroundArt17_3a, GroundArt17_3b, GroundArt17_3c, GroundArt17_3d, GroundArt17_3e,
	GroundNoErasureGround, GroundCompellingLegitimate, GroundLegalClaims, GroundNotPortable,
	GroundRightsOfOthers, GroundNationalRestriction}

// Provision names the legal provision a ground rests on, for letters and
// the working.
func (g Ground) Provision() string {
	switch g {
	case GroundManifestlyUnfounded, GroundExcessive:
		return "Art. 12(5) GDPR"
	case GroundIdentityNotEstablished:
		return "Art. 12(2) and 12(6) GDPR"
	case GroundCannotIdentify:
		return "Art. 11(2) GDPR"
	case GroundArt17_3a, GroundArt17_3b, GroundArt17_3c, GroundArt17_3d, GroundArt17_3e:
		return "Art. 17(3)(" + string(g[len(g)-1]) + ") GDPR"
	case GroundNoErasureGround:
		return "Art. 17(1) GDPR"
	case GroundCompellingLegitimate:
		return "Art. 21(1) GDPR"
	case GroundLegalClaims:
		return "Art. 17(3)(e), 18(2), 21(1) GDPR"
	case GroundNotPortable:
		return "Art. 20(1) GDPR"
	case GroundRightsOfOthers:
		return "Art. 15(4), 20(4) GDPR"
	case GroundNationalRestriction:
		return "Art. 23 GDPR"
	}
	return ""
}

// onlyFor names the rights a ground can refuse; a ground not listed here
// applies to any right.
var groundOnlyFor = map[Ground][]Right{
	GroundArt17_3a:             {RightErasure},
	GroundArt17_3b:             {RightErasure},
	GroundArt17_3c:             {RightErasure},
	GroundArt17_3d:             {RightErasure},
	GroundArt17_3e:             {RightErasure},
	GroundNoErasureGround:      {RightErasure},
	GroundNotPortable:          {RightPortability},
	GroundCompellingLegitimate: {RightObjection, RightRestriction},
}

// AppliesTo reports whether the ground can be used to refuse right r.
func (g Ground) AppliesTo(r Right) bool {
	only, ok := groundOnlyFor[g]
	return !ok || slices.Contains(only, r)
}

// Channel is how a request or letter travelled.
type Channel string

// The channels of CLI.md.
const (
	ChannelEmail    Channel = "email"
	ChannelWeb      Channel = "web"
	ChannelPost     Channel = "post"
	ChannelPhone    Channel = "phone"
	ChannelInPerson Channel = "in-person"
	ChannelPortal   Channel = "portal"
	ChannelOther    Channel = "other"
)

// Channels lists every channel.
var Channels = []Channel{ChannelEmail, ChannelWeb, ChannelPost, ChannelPhone, ChannelInPerson, ChannelPortal, ChannelOther}

// Relation is who the requester is to the subject.
type Relation string

// The requester relations of CLI.md.
const (
	RelationSelf     Relation = "self"
	RelationAgent    Relation = "agent"
	RelationParent   Relation = "parent"
	RelationGuardian Relation = "guardian"
	RelationOther    Relation = "other"
)

// Relations lists every requester relation.
var Relations = []Relation{RelationSelf, RelationAgent, RelationParent, RelationGuardian, RelationOther}

// AttachmentKind says where an attached file may go.
type AttachmentKind string

// The attachment kinds of CLI.md. Identity documents are never stored.
const (
	AttachmentDataCopy       AttachmentKind = "data-copy"
	AttachmentInternal       AttachmentKind = "internal"
	AttachmentCorrespondence AttachmentKind = "correspondence"
)

// AttachmentKinds lists every attachment kind.
var AttachmentKinds = []AttachmentKind{AttachmentDataCopy, AttachmentInternal, AttachmentCorrespondence}

// LetterKind is a letter of PACKETS.md.
type LetterKind string

// The letter kinds of PACKETS.md.
const (
	LetterAcknowledgement      LetterKind = "acknowledgement"
	LetterIdentityRequest      LetterKind = "identity-request"
	LetterClarificationRequest LetterKind = "clarification-request"
	LetterFeeRequest           LetterKind = "fee-request"
	LetterExtensionNotice      LetterKind = "extension-notice"
	LetterFinal                LetterKind = "final"
	LetterRedirect             LetterKind = "redirect"
	LetterLapse                LetterKind = "lapse"
	// LetterDelay tells the subject, after the extension window closed,
	// that the answer is late, when it will come, and that they may
	// complain; it replaces an extension notice that can no longer be sent.
	LetterDelay LetterKind = "delay"
)

// LetterKinds lists every letter kind.
var LetterKinds = []LetterKind{LetterAcknowledgement, LetterIdentityRequest, LetterClarificationRequest,
	LetterFeeRequest, LetterExtensionNotice, LetterFinal, LetterRedirect, LetterLapse, LetterDelay}

// Answers reports whether sending this letter answers the request, so that
// its date is the answer date used to judge "on time".
func (k LetterKind) Answers() bool {
	return k == LetterFinal || k == LetterRedirect || k == LetterLapse
}

// ReopenReason is why a closed case was reopened.
type ReopenReason string

// The reopen reasons of CLI.md.
const (
	ReopenIncompleteResponse ReopenReason = "incomplete-response"
	ReopenComplaint          ReopenReason = "complaint"
	ReopenNewInformation     ReopenReason = "new-information"
	ReopenError              ReopenReason = "error"
)

// ReopenReasons lists every reopen reason.
var ReopenReasons = []ReopenReason{ReopenIncompleteResponse, ReopenComplaint, ReopenNewInformation, ReopenError}

// slug is any of the vocabulary types above.
type slug interface {
	~string
}

// parseSlug finds s among the known values, naming them all when it is not.
func parseSlug[T slug](what, s string, known []T) (T, error) {
	for _, k := range known {
		if string(k) == s {
			return k, nil
		}
	}
	var zero T
	return zero, fmt.Errorf("unknown %s %q (one of: %s)", what, s, strings.Join(Slugs(known), ", "))
}

// ParseRight reads a right slug.
func ParseRight(s string) (Right, error) { return parseSlug("right", s, Rights) }

// ParseRights reads a comma-separated list of rights, refusing repeats.
func ParseRights(s string) ([]Right, error) {
	var out []Right
	for _, part := range strings.Split(s, ",") {
		r, err := ParseRight(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, r) {
			return nil, fmt.Errorf("right %q named twice", r)
		}
		out = append(out, r)
	}
	return out, nil
}

// ParseStatus reads a status slug.
func ParseStatus(s string) (Status, error) { return parseSlug("status", s, Statuses) }

// ParseOutcome reads an outcome slug.
func ParseOutcome(s string) (Outcome, error) { return parseSlug("outcome", s, Outcomes) }

// ParseGround reads a ground slug.
func ParseGround(s string) (Ground, error) { return parseSlug("ground", s, Grounds) }

// ParseChannel reads a channel slug.
func ParseChannel(s string) (Channel, error) { return parseSlug("channel", s, Channels) }

// ParseRelation reads a requester relation slug.
func ParseRelation(s string) (Relation, error) { return parseSlug("relation", s, Relations) }

// ParseAttachmentKind reads an attachment kind slug.
func ParseAttachmentKind(s string) (AttachmentKind, error) {
	return parseSlug("attachment kind", s, AttachmentKinds)
}

// ParseLetterKind reads a letter kind slug.
func ParseLetterKind(s string) (LetterKind, error) { return parseSlug("letter", s, LetterKinds) }

// ParseReopenReason reads a reopen reason slug.
func ParseReopenReason(s string) (ReopenReason, error) {
	return parseSlug("reopen reason", s, ReopenReasons)
}
