package cases

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// System is one place where an organisation holds personal data, as its
// register's data map names it (WORK.md, "Systems"); a case freezes the
// register's systems with its rules.
type System struct {
	// ID is a slug unique in the register: app-db, stripe, backups.
	ID string `json:"id"`
	// Name is what a subject would recognise: "our customer database,
	// hosted by AWS in Ireland".
	Name string `json:"name"`
	// Categories are the data categories it holds, as a letter names them.
	Categories []string `json:"categories,omitempty"`
	// Rights are the rights for which it is worked; empty means every
	// right but complaints.
	Rights []Right `json:"rights,omitempty"`
	// Role is SystemController or SystemForCustomer.
	Role string `json:"role,omitempty"`
	// Customer is, for a for-customer system, whose data they are (the
	// customer the request is forwarded to), when the register knows.
	Customer string `json:"customer,omitempty"`
	// Recipient is the register recipient (our processor) that hosts it.
	Recipient string `json:"recipient,omitempty"`
	// Retention is the retention rule that governs it, if any.
	Retention *RetentionRule `json:"retention,omitempty"`
	// Source is the fact's provenance: seed, assumed, dpo; "case" for a
	// system the DPO added for one case only.
	Source string `json:"source"`
}

// The roles of a system.
const (
	SystemController  = "controller"
	SystemForCustomer = "for-customer"
)

// RetentionRule is how long the data of a system are kept, from what, and
// under which law: what a kept item's end is computed from.
type RetentionRule struct {
	// ID is the rule's id in the register it was frozen from.
	ID   string `json:"id,omitempty"`
	Data string `json:"data"`
	// Length is the period the engine adds: "1y", "6m", "90d"; empty when
	// the register gives no bounded period (a gap).
	Length string `json:"length,omitempty"`
	// Period is the register's wording of the period, for the DPO.
	Period string `json:"period,omitempty"`
	// From is the trigger the period runs from (RetentionTriggers).
	From string `json:"from,omitempty"`
	// Law is the law that requires the keeping, where one does.
	Law string `json:"law,omitempty"`
	// Ground is the Art. 17(3) ground that lets the data be kept after an
	// erasure request, if any.
	Ground Ground `json:"ground,omitempty"`
	// Gap says, when the rules were frozen, why the rule's period cannot
	// be told as an end (unbounded, ranged, or running from nothing): a
	// letter naming data under the rule is a DRAFT until the DPO settles
	// it (WORK.md, "Systems"). Empty for a complete rule.
	Gap string `json:"gap,omitempty"`
}

// RetentionTriggers are what a retention period may run from (WORK.md).
var RetentionTriggers = []string{"account-closure", "contract-end", "document-date", "end-of-year-of-document",
	"last-activity", "collection", "case-closure"}

// PurposeItem is one purpose of processing with its lawful basis: the work
// items of objections and withdrawals of consent.
type PurposeItem struct {
	ID      string `json:"id"`
	Purpose string `json:"purpose"`
	Basis   string `json:"basis,omitempty"` // an Art. 6(1) slug; empty when the register does not say
	// DirectMarketing purposes are stopped on objection without a
	// balancing (Art. 21(3)): never overridden.
	DirectMarketing bool   `json:"direct_marketing,omitempty"`
	Source          string `json:"source"`
}

// Result is how one item of a case's work list ended (WORK.md's table).
type Result string

// The results of WORK.md.
const (
	ResultFound             Result = "found"
	ResultNone              Result = "none"
	ResultNotPortable       Result = "not-portable"
	ResultErased            Result = "erased"
	ResultErasureInstructed Result = "erasure-instructed"
	ResultAnonymised        Result = "anonymised"
	ResultBeyondUse         Result = "beyond-use"
	ResultKept              Result = "kept"
	ResultCannotIdentify    Result = "cannot-identify"
	ResultRectified         Result = "rectified"
	ResultCompleted         Result = "completed"
	ResultNotRectified      Result = "not-rectified"
	ResultRestricted        Result = "restricted"
	ResultNotRestricted     Result = "not-restricted"
	ResultStopped           Result = "stopped"
	ResultOverridden        Result = "overridden"
	ResultOtherBasis        Result = "other-basis"
	ResultReviewed          Result = "reviewed"
	ResultForCustomer       Result = "for-customer"
	// ResultNotWorked is never recorded: it is what an open item becomes
	// when the case closes with an outcome that answers nothing item by
	// item (a refusal of the whole request, withdrawn, duplicate, lapsed).
	ResultNotWorked Result = "not-worked"
)

// Results lists every result that may be recorded.
var Results = []Result{ResultFound, ResultNone, ResultNotPortable, ResultErased, ResultErasureInstructed,
	ResultAnonymised, ResultBeyondUse, ResultKept, ResultCannotIdentify, ResultRectified, ResultCompleted,
	ResultNotRectified, ResultRestricted, ResultNotRestricted, ResultStopped, ResultOverridden, ResultOtherBasis,
	ResultReviewed, ResultForCustomer}

// ParseResult reads a result slug.
func ParseResult(s string) (Result, error) { return parseSlug("result", s, Results) }

// Refuses reports whether the result refuses part of the request (a bold
// result of WORK.md): it carries the Art. 12(4) content and counts as a
// refusal in the report.
func (r Result) Refuses() bool {
	switch r {
	case ResultNotPortable, ResultKept, ResultNotRectified, ResultNotRestricted, ResultOverridden:
		return true
	}
	return false
}

// Holds reports whether the result says data of the subject were there:
// a case with such an item cannot close as no-data.
func (r Result) Holds() bool {
	switch r {
	case ResultFound, ResultErased, ResultErasureInstructed, ResultAnonymised, ResultBeyondUse, ResultKept,
		ResultRectified, ResultCompleted, ResultRestricted, ResultStopped, ResultOverridden, ResultOtherBasis,
		ResultReviewed, ResultNotRectified, ResultNotRestricted:
		return true
	}
	return false
}

// ResultsFor are the results an item of a case of right r may take.
func ResultsFor(r Right) []Result {
	var out []Result
	switch r {
	case RightAccess:
		out = []Result{ResultFound, ResultNone}
	case RightPortability:
		out = []Result{ResultFound, ResultNone, ResultNotPortable}
	case RightErasure:
		out = []Result{ResultErased, ResultErasureInstructed, ResultAnonymised, ResultBeyondUse, ResultKept,
			ResultCannotIdentify, ResultNone}
	case RightRectification:
		out = []Result{ResultRectified, ResultCompleted, ResultNotRectified, ResultNone}
	case RightRestriction:
		out = []Result{ResultRestricted, ResultNotRestricted, ResultNone}
	case RightObjection:
		out = []Result{ResultStopped, ResultOverridden}
	case RightWithdrawConsent:
		out = []Result{ResultStopped, ResultOtherBasis}
	case RightAutomatedDecision:
		out = []Result{ResultReviewed, ResultNone}
	case RightComplaint:
		return nil
	}
	return append(out, ResultForCustomer)
}

// KeptGrounds are the grounds a kept item may rest on.
var KeptGrounds = []Ground{GroundArt17_3a, GroundArt17_3b, GroundArt17_3c, GroundArt17_3d, GroundArt17_3e,
	GroundNoErasureGround, GroundCompellingLegitimate}

// NotPortableGrounds are why data are not portable (Art. 20(1)).
var NotPortableGrounds = []string{"not-provided", "not-consent-or-contract", "not-automated"}

// WorkItem is one item of a case's work list: a system (or, for
// objections and withdrawals of consent, a purpose) and its results so far.
type WorkItem struct {
	ID   string `json:"item"`
	Name string `json:"name"`
	// System is set for a system item, Purpose for a purpose item.
	System  *System      `json:"system,omitempty"`
	Purpose *PurposeItem `json:"purpose,omitempty"`
	// Result is the last recorded result (nil while the item is open);
	// History holds every result recorded, the last one last.
	Result  *Event  `json:"-"`
	History []Event `json:"-"`
	// NotWorked: the case closed with an outcome that answers nothing
	// item by item while this item was open.
	NotWorked bool `json:"-"`
}

// Open reports whether the item still needs a result.
func (w *WorkItem) Open() bool { return w.Result == nil && !w.NotWorked }

// ResultName is the item's result as shown: its slug, "not-worked", or
// "" while open.
func (w *WorkItem) ResultName() Result {
	switch {
	case w.Result != nil:
		return w.Result.Result
	case w.NotWorked:
		return ResultNotWorked
	}
	return ""
}

// Instructed is, for an item erased after its hosting processor was
// instructed, the erasure-instructed event that came before the
// confirmation (nil otherwise).
func (w *WorkItem) Instructed() *Event {
	if w.Result == nil || w.Result.Result != ResultErased {
		return nil
	}
	for i := len(w.History) - 2; i >= 0; i-- {
		if w.History[i].Result == ResultErasureInstructed {
			return &w.History[i]
		}
	}
	return nil
}

// WorkOn says whether a right has a work list of purposes rather than
// systems, or none at all.
func workOfPurposes(r Right) bool { return r == RightObjection || r == RightWithdrawConsent }

// WorkList is the work list a case of right r starts with under rules:
// the systems worked for that right, or the purposes for objections (on
// Art. 6(1)(e) or (f), or every purpose for direct marketing) and
// withdrawals of consent (on consent). Complaints have none.
func WorkList(r Right, rules *Rules) []WorkItem {
	if r == RightComplaint {
		return nil
	}
	// Each item points at its own copy of its purpose or system; the
	// items and the copies are each allocated once, at their count (a
	// replay makes a work list per case: one allocation per item, and the
	// list grown by append, were a twentieth of what the demo allocated).
	if workOfPurposes(r) {
		in := func(p *PurposeItem) bool {
			if r == RightWithdrawConsent && p.Basis != "consent" {
				return false
			}
			return r != RightObjection || p.DirectMarketing || p.Basis == "legitimate-interests" || p.Basis == "public-task" || p.Basis == ""
		}
		n := 0
		for i := range rules.Purposes {
			if in(&rules.Purposes[i]) {
				n++
			}
		}
		if n == 0 {
			return nil
		}
		out, copies := make([]WorkItem, 0, n), make([]PurposeItem, 0, n)
		for i := range rules.Purposes {
			if p := &rules.Purposes[i]; in(p) {
				copies = append(copies, *p)
				out = append(out, WorkItem{ID: p.ID, Name: p.Purpose, Purpose: &copies[len(copies)-1]})
			}
		}
		return out
	}
	in := func(s *System) bool { return len(s.Rights) == 0 || slices.Contains(s.Rights, r) }
	n := 0
	for i := range rules.Systems {
		if in(&rules.Systems[i]) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out, copies := make([]WorkItem, 0, n), make([]System, 0, n)
	for i := range rules.Systems {
		if s := &rules.Systems[i]; in(s) {
			copies = append(copies, *s)
			out = append(out, WorkItem{ID: s.ID, Name: s.Name, System: &copies[len(copies)-1]})
		}
	}
	return out
}

// workItem finds an item of the state's work list.
func (st *State) workItem(id string) *WorkItem {
	for i := range st.Work {
		if st.Work[i].ID == id {
			return &st.Work[i]
		}
	}
	return nil
}

// WorkOpen counts the items still open.
func (st *State) WorkOpen() int {
	n := 0
	for i := range st.Work {
		if st.Work[i].Open() {
			n++
		}
	}
	return n
}

// WorkRefusals are the items whose result refuses part of the request.
func (st *State) WorkRefusals() []*WorkItem {
	var out []*WorkItem
	for i := range st.Work {
		if r := st.Work[i].Result; r != nil && r.Result.Refuses() {
			out = append(out, &st.Work[i])
		}
	}
	return out
}

// applyWork moves the work list on by one event of the replay.
func (st *State) applyWork(right Right, ev *Event) {
	switch ev.Kind {
	case EventWorkAdded:
		if ev.System != nil && st.workItem(ev.Item) == nil {
			s := *ev.System
			st.Work = append(st.Work, WorkItem{ID: s.ID, Name: s.Name, System: &s})
		}
	case EventWorked:
		if w := st.workItem(ev.Item); w != nil {
			// The result is the history's last entry, not a copy of its
			// own: neither changes once recorded, and a copy per worked
			// event was a tenth of what the demo's generator allocates.
			w.History = append(w.History, *ev)
			w.Result = &w.History[len(w.History)-1]
			w.NotWorked = false
		}
	case EventClosed:
		if !answersItemByItem(ev.Outcome) {
			for i := range st.Work {
				if st.Work[i].Result == nil {
					st.Work[i].NotWorked = true
				}
			}
		}
	case EventReopened:
		for i := range st.Work {
			st.Work[i].NotWorked = false
		}
	case EventRebaselined:
		if ev.Rules != nil {
			st.rebaselineWork(right, ev.Rules)
		}
	}
}

// rebaselineWork takes the systems and purposes of re-applied rules: an
// item keeps its results and takes the register's current description (a
// category or retention rule the DPO completed); a new item is added. An
// item the register no longer has stays, with what was recorded of it.
func (st *State) rebaselineWork(right Right, rules *Rules) {
	for _, w := range WorkList(right, rules) {
		if old := st.workItem(w.ID); old != nil {
			old.Name, old.System, old.Purpose = w.Name, w.System, w.Purpose
			continue
		}
		st.Work = append(st.Work, w)
	}
}

// answersItemByItem reports whether a letter of the outcome states the
// work item by item: fulfilled, partially-fulfilled, no-data (and
// redirected, whose items are each for-customer).
func answersItemByItem(o Outcome) bool {
	switch o {
	case OutcomeFulfilled, OutcomePartiallyFulfilled, OutcomeNoData, OutcomeRedirected:
		return true
	}
	return false
}

// worked checks a recorded result against the item, the right and the
// result's table (WORK.md, "The work of a case").
func (t *transition) worked() error {
	ev, st, c := t.ev, t.st, t.c
	if c.Right == RightComplaint {
		return refused("a complaint has no work list")
	}
	w := st.workItem(ev.Item)
	if w == nil {
		return refuse("item", "no work item %q on this case (items: %s); a system of this case only can be added to its work list",
			Printable(ev.Item), strings.Join(st.workIDs(), ", "))
	}
	if _, err := ParseResult(string(ev.Result)); err != nil {
		return refuse("result", "%v", err)
	}
	allowed := ResultsFor(c.Right)
	if !slices.Contains(allowed, ev.Result) {
		return refuse("result", "%s is not a result for %s requests (one of: %s)", ev.Result, c.Right, strings.Join(Slugs(allowed), ", "))
	}
	if st.AnsweredAt != nil && w.Result != nil && !t.confirmsErasure() {
		return refused("the answer was sent on %s: correcting %s's result needs the case reopened first (reason: error)",
			DateOf(*st.AnsweredAt, t.loc), ev.Item)
	}
	return t.resultDetails(w)
}

// resultDetails checks the details each result needs.
func (t *transition) resultDetails(w *WorkItem) error {
	ev := t.ev
	needs := func(field, what string, have bool) error {
		if !have {
			return refuse(field, "%s needs %s", ev.Result, what)
		}
		return nil
	}
	switch ev.Result {
	case ResultFound:
		for _, f := range ev.Files {
			if !slices.ContainsFunc(t.st.Attachments, func(a Attachment) bool { return a.Name == f }) {
				return refuse("file", "no attached file named %q (attach it first)", Printable(f))
			}
		}
	case ResultErasureInstructed:
		if w.System == nil || w.System.Recipient == "" {
			return refuse("result", "erasure-instructed is for a system hosted by a processor; %s is not", w.ID)
		}
		return needs("until", "the date the processor is expected to confirm by (until)", ev.Until != nil)
	case ResultBeyondUse:
		return needs("until", "the date the backups are overwritten by (until)", ev.Until != nil)
	case ResultKept:
		return t.kept(w)
	case ResultRectified:
		return needs("what", "what was rectified", strings.TrimSpace(ev.What) != "")
	case ResultCompleted:
		return needs("what", "the supplementary statement", strings.TrimSpace(ev.What) != "")
	case ResultOverridden:
		if w.Purpose != nil && w.Purpose.DirectMarketing {
			return refuse("result", "%s is direct marketing: an objection stops it, no grounds override it (Art. 21(3))", w.ID)
		}
		return needs("reason", "the compelling legitimate grounds, told to the subject", strings.TrimSpace(ev.Reason) != "")
	case ResultNotRectified, ResultNotRestricted, ResultCannotIdentify:
		return needs("reason", "its reasons, told to the subject", strings.TrimSpace(ev.Reason) != "")
	case ResultRestricted:
		return needs("what", "what processing continues", strings.TrimSpace(ev.What) != "")
	case ResultOtherBasis:
		if err := needs("what", "what continues", strings.TrimSpace(ev.What) != ""); err != nil {
			return err
		}
		return needs("law", "the lawful basis it continues on", strings.TrimSpace(ev.Law) != "")
	case ResultReviewed:
		return needs("what", "the human review and its outcome", strings.TrimSpace(ev.What) != "")
	case ResultNotPortable:
		if len(ev.Grounds) != 1 || !slices.Contains(NotPortableGrounds, string(ev.Grounds[0])) {
			return refuse("ground", "not-portable needs one ground: %s", strings.Join(NotPortableGrounds, ", "))
		}
		return nil
	case ResultForCustomer:
		if strings.TrimSpace(ev.Customer) == "" {
			if w.System != nil && w.System.Customer != "" {
				ev.Customer = w.System.Customer
			} else {
				return refuse("customer", "for-customer needs the customer whose data they are")
			}
		}
	}
	if ev.Result != ResultNotPortable && ev.Result != ResultKept && len(ev.Grounds) > 0 {
		return refuse("ground", "a ground goes with kept or not-portable, not %s", ev.Result)
	}
	return nil
}

// kept checks what is kept, on which ground and until when: a kept item
// without an end is refused.
func (t *transition) kept(w *WorkItem) error {
	ev := t.ev
	if len(ev.Grounds) != 1 || !slices.Contains(KeptGrounds, ev.Grounds[0]) {
		return refuse("ground", "kept needs one ground: %s", strings.Join(Slugs(KeptGrounds), ", "))
	}
	g := ev.Grounds[0]
	if strings.TrimSpace(ev.What) == "" {
		return refuse("what", "kept needs what is kept")
	}
	if g == GroundArt17_3b && strings.TrimSpace(ev.Law) == "" {
		return refuse("law", "art17-3-b needs the law that requires the keeping")
	}
	ends := 0
	for _, d := range []*Date{ev.Until, ev.TriggerDate, ev.Review} {
		if d != nil {
			ends++
		}
	}
	if ends > 1 {
		return refuse("until", "one end only: until, trigger date or review")
	}
	switch {
	case ev.Until != nil:
		if !ev.Until.After(t.day) {
			return refuse("until", "kept until %s, which is not after %s", *ev.Until, t.day)
		}
	case ev.TriggerDate != nil:
		if w.System == nil || w.System.Retention == nil || w.System.Retention.Length == "" {
			return refuse("trigger-date", "%s has no retention rule with a period to count from %s: give the date it ends (until)", w.ID, *ev.TriggerDate)
		}
	case ev.Review != nil:
		if g != GroundArt17_3e && g != GroundNoErasureGround {
			return refuse("review", "a review date instead of an end is for art17-3-e and no-erasure-ground only")
		}
		if strings.TrimSpace(ev.Reason) == "" {
			return refuse("reason", "kept until an event needs the event that ends it (reason)")
		}
	default:
		return refuse("until", "kept needs an end: the date it ends (until), or the day the rule's period runs from (trigger date)%s",
			map[bool]string{true: ", or a review date with the ending event", false: ""}[g == GroundArt17_3e || g == GroundNoErasureGround])
	}
	return nil
}

// addSystem checks a system added to one case's work list.
func (t *transition) addSystem() error {
	ev := t.ev
	if t.c.Right == RightComplaint || workOfPurposes(t.c.Right) {
		return refused("a %s request has no systems to add", t.c.Right)
	}
	if ev.System == nil || strings.TrimSpace(ev.System.Name) == "" {
		return refuse("add-system", "the system's name is required")
	}
	s := ev.System
	s.Name = strings.TrimSpace(s.Name)
	if s.ID == "" {
		s.ID = SlugOf(s.Name)
	}
	if s.Role == "" {
		s.Role = SystemController
	}
	s.Source = "case"
	ev.Item = s.ID
	if t.st.workItem(s.ID) != nil {
		return refuse("add-system", "the work list already has %s", s.ID)
	}
	return nil
}

// SlugOf makes an item id from a name: lower-case letters and digits,
// other runs of characters as one hyphen.
func SlugOf(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	s := b.String()
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	if s == "" {
		s = "system"
	}
	return s
}

func (st *State) workIDs() []string {
	ids := make([]string, len(st.Work))
	for i := range st.Work {
		ids[i] = st.Work[i].ID
	}
	return ids
}

// KeptEnd is when a kept item's data go: its --until date, or its rule's
// period counted from --trigger-date, with the working; a review date is
// not an end (ok false).
func (w *WorkItem) KeptEnd() (Date, string, bool) {
	ev := w.Result
	if ev == nil || ev.Result != ResultKept {
		return Date{}, "", false
	}
	switch {
	case ev.Until != nil:
		return *ev.Until, "", true
	case ev.TriggerDate != nil && w.System != nil && w.System.Retention != nil:
		rr := w.System.Retention
		end, ok := AddLength(*ev.TriggerDate, rr.Length)
		if !ok {
			return Date{}, "", false
		}
		from := rr.From
		if from == "" {
			from = "its start"
		}
		return end, fmt.Sprintf("%s from %s (%s) is %s", LengthWords(rr.Length), *ev.TriggerDate, from, end), true
	}
	return Date{}, "", false
}

// AddLength adds a register length ("1y", "6m", "90d") to a date,
// on civil dates: a month from 31 January is the last day of February.
func AddLength(from Date, length string) (Date, bool) {
	y, m, d, err := ParseLength(length)
	if err != nil {
		return Date{}, false
	}
	out, _ := from.AddMonths(12*y + m)
	return out.AddDays(d), true
}

// LengthWords writes a length as words: "1 year", "6 months", "90 days".
func LengthWords(length string) string {
	y, m, d, err := ParseLength(length)
	if err != nil {
		return length
	}
	var parts []string
	if y > 0 {
		parts = append(parts, Plural(y, "year"))
	}
	if m > 0 {
		parts = append(parts, Plural(m, "month"))
	}
	if d > 0 {
		parts = append(parts, Plural(d, "day"))
	}
	return strings.Join(parts, " ")
}

// lengthPattern is a retention length: a number and its unit, as a
// register writes it.
var lengthPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([1-9][0-9]{0,3})([dmy])$`) })

// ParseLength reads a retention length such as "90d", "12m" or "7y": the
// one reading of a register's length, for its validation and for the
// dates computed from it.
func ParseLength(s string) (years, months, days int, err error) {
	m := lengthPattern().FindStringSubmatch(s)
	if m == nil {
		return 0, 0, 0, fmt.Errorf("%q is not a length such as 90d, 12m or 7y", s)
	}
	n, _ := strconv.Atoi(m[1])
	switch m[2] {
	case "y":
		return n, 0, 0, nil
	case "m":
		return 0, n, 0, nil
	}
	return 0, 0, n, nil
}

// RefusalTold is when the subject was first told of a refusal: the first
// sent letter carrying one (a refusing outcome, item or withheld file)
// recorded after the refusal. Nil while untold.
func (st *State) refusalTold(c *Case) *time.Time {
	refusing := false
	for i := range c.Events {
		e := &c.Events[i]
		switch {
		case e.Kind == EventWorked && e.Result.Refuses(), e.Kind == EventWithheld,
			e.Kind == EventClosed && e.Outcome.RefusesSomething():
			refusing = true
		case e.Kind == EventSent && refusing && !e.DraftSent && e.Letter.Answers():
			at := e.At
			return &at
		}
	}
	return nil
}

// refuses reports whether anything of the case is refused now: a refusing
// outcome, a refusing item, a withheld file.
func (st *State) refuses() bool {
	return (st.Status == StatusClosed && st.Outcome.RefusesSomething()) || len(st.Withheld) > 0 || len(st.WorkRefusals()) > 0
}

// RefusalLate reports whether the subject was told of a refusal after the
// refusal deadline (Art. 12(4)): judged by the first letter that told it.
func (st *State) RefusalLate() bool {
	by := st.Deadlines.RefusalBy
	if by == nil || st.RefusalTold == nil {
		return false
	}
	loc, err := LoadZone(st.Deadlines.Zone) // the zone refusal_by is in
	if err != nil {
		return false
	}
	return DateOf(*st.RefusalTold, loc).After(*by)
}

// StoppedLate are the items stopped after the act-by date: processing a
// withdrawal of consent, or an objection to direct marketing, must stop
// when received (WORK.md: "late when after act_by"). An objection under
// Art. 21(1) has no act-by date: its items are never late here.
func (st *State) StoppedLate() []*WorkItem {
	by := st.Deadlines.ActBy
	if by == nil {
		return nil
	}
	loc, err := LoadZone(st.Deadlines.Zone)
	if err != nil {
		return nil
	}
	var out []*WorkItem
	for i := range st.Work {
		w := &st.Work[i]
		if w.Result == nil || w.Result.Result != ResultStopped || w.Purpose == nil {
			continue
		}
		if w.Purpose.Basis != "consent" && !w.Purpose.DirectMarketing {
			continue
		}
		if DateOf(w.Result.At, loc).After(*by) {
			out = append(out, w)
		}
	}
	return out
}
