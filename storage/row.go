package storage

import (
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"rightsdesk/cases"
)

// The queue loads every case's summary at start, so summaries are stored in
// a compact binary form (about 150 bytes) rather than JSON: 100,000 of them
// decode in tens of milliseconds. Strings are length-prefixed, so nothing a
// subject typed can break the framing. The format's number also versions
// the stored list views beside the rows (5: views carry work_open and
// work_total; 6: rows carry the approval conditions pending and frozen;
// 7: rows and views say whether the case was voided; 8: rows carry the
// subject's identifiers, which the filter finds; 9: the unsent index and
// the counts beside the rows, counters.go; 10: a request ID that is the
// case's own is not stored again; 11: the views in the due index have
// their keys packed, dueview.go), so that a change of either
// rebuilds both: a database written before gets its rows, with the
// identifiers, on its next open.
const rowFormat = 11

var errBadRow = errors.New("unreadable queue row")

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	// +1 so that the Unix epoch itself is not mistaken for "no time".
	return binary.AppendVarint(b, t.UnixNano()+1)
}

// encodeRow writes a summary and the case's reference in the due-date index
// ("due/KEY" or "waiting/KEY", empty for a closed case).
func encodeRow(s *cases.Summary, indexRef []byte) []byte {
	b := make([]byte, 0, 160)
	b = append(b, rowFormat)
	b = appendString(b, s.ID)
	// The request ID: most often the case's own, then only a zero length
	// (rowFormat 10); else its length + 1 and its bytes.
	if s.RequestID == s.ID {
		b = append(b, 0)
	} else {
		b = append(binary.AppendUvarint(b, uint64(len(s.RequestID))+1), s.RequestID...)
	}
	for _, str := range []string{s.Controller, string(s.Right), string(s.Status), string(s.Clock),
		string(s.Outcome), s.SubjectName, s.Email, s.Assignee} {
		b = appendString(b, str)
	}
	b = binary.AppendUvarint(b, uint64(len(s.Tags)))
	for _, t := range s.Tags {
		b = appendString(b, t)
	}
	for _, d := range []cases.Date{s.ClockSince, s.ReceiptDate, s.EffectiveDue, s.AnsweredOn, s.NoticeBy, s.LegalDue, s.PromiseDue,
		s.TellRefusalBy} {
		b = binary.AppendUvarint(b, uint64(dateNumber(d)))
	}
	b = binary.AppendUvarint(b, uint64(s.PausedDays))
	b = binary.AppendUvarint(b, uint64(s.WorkDone))
	b = binary.AppendUvarint(b, uint64(s.WorkTotal))
	b = append(b, byte(s.Extension), byte(s.ApprovalPending), byte(s.ApprovalFrozen), b2byte(s.Voided))
	b = binary.AppendUvarint(b, uint64(len(s.Grounds)))
	for _, g := range s.Grounds {
		b = appendString(b, string(g))
	}
	b = binary.AppendUvarint(b, uint64(len(s.Identifiers)))
	for _, id := range s.Identifiers {
		b = appendString(b, id)
	}
	for _, t := range []time.Time{s.ReceivedAt, s.ClosedAt, s.EffectiveDueAt, s.UpdatedAt} {
		b = appendTime(b, t)
	}
	b = binary.AppendUvarint(b, uint64(s.Revision))
	return appendString(b, string(indexRef))
}

func b2byte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// dateNumber is a civil date as yyyymmdd, 0 for none.
func dateNumber(d cases.Date) int {
	if d.IsZero() {
		return 0
	}
	return d.Year*10000 + int(d.Month)*100 + d.Day
}

func numberDate(n int) cases.Date {
	if n <= 0 {
		return cases.Date{}
	}
	return cases.NewDate(n/10000, time.Month(n/100%100), n%100)
}

// rowReader decodes the fields of a row in order, remembering the first
// error. Its strings are cut from one copy (string: s, of the row's
// length; decodeRowShared: of the row's own strings alone, copyOwned): a
// queue of 100,000 rows then costs 100,000 allocations for its strings
// rather than a million.
type rowReader struct {
	b   []byte
	s   string
	err error
	// What decodeRowShared reads of a row's own, copied at its end, and
	// the strings of other rows it shares (nil: none).
	owned  [12]ownedString
	more   []ownedString // past owned's
	nOwned int
	size   int
	shared rowStrings
}

func (r *rowReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = errBadRow, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *rowReader) byte() byte {
	if len(r.b) == 0 {
		r.err = errBadRow
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *rowReader) string() string {
	n := r.uvarint()
	if uint64(len(r.b)) < n {
		r.err, r.b = errBadRow, nil
		return ""
	}
	at := len(r.s) - len(r.b)
	r.b = r.b[n:]
	return r.s[at : at+int(n)]
}

func (r *rowReader) time() time.Time {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = errBadRow, nil
		return time.Time{}
	}
	r.b = r.b[n:]
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v-1).UTC()
}

// decodeRow reads a summary written by encodeRow. The summary's strings are
// copied out (in one allocation, which they share); the index reference is
// not, and lives with the transaction.
func decodeRow(b []byte) (cases.Summary, []byte, error) {
	var s cases.Summary
	ref, err := decodeRowInto(&s, b)
	return s, ref, err
}

// decodeRowInto is decodeRow into a summary in place (s is zero): the
// queue decodes each row where it will stay rather than copying hundreds
// of bytes twice.
func decodeRowInto(s *cases.Summary, b []byte) ([]byte, error) { return decodeRowShared(s, b, nil) }

// decodeRowShared is decodeRowInto with the strings many rows hold alike
// (the organisation, right, status, clock, outcome, assignee, tags and
// grounds) taken from shared, once for all the rows of a read (nil: each
// row its own). What a row holds of its own (its IDs, the subject's name,
// e-mail and identifiers) is copied in one allocation of those bytes alone,
// not of the whole row: the queue keeps every open case's summary, and the
// row's numbers, dates and index reference are not strings.
func decodeRowShared(s *cases.Summary, b []byte, shared rowStrings) ([]byte, error) {
	if len(b) == 0 || b[0] != rowFormat {
		return nil, errBadRow
	}
	r := &rowReader{b: b[1:], shared: shared}
	// The ten strings of the summary itself, in the row's order; the lists'
	// strings go straight to their slices (own, common).
	var fixed [rowStrings10][]byte
	sameRequest := false
	for k := range fixed {
		if k == 1 {
			fixed[k], sameRequest = r.requestField()
		} else {
			fixed[k] = r.field()
		}
	}
	if n := r.uvarint(); n > 0 && n < 10000 {
		s.Tags = make([]string, n)
		for i := range s.Tags {
			r.common(&s.Tags[i])
		}
	}
	for _, d := range []*cases.Date{&s.ClockSince, &s.ReceiptDate, &s.EffectiveDue, &s.AnsweredOn, &s.NoticeBy, &s.LegalDue, &s.PromiseDue,
		&s.TellRefusalBy} {
		*d = numberDate(int(r.uvarint()))
	}
	s.PausedDays = int(r.uvarint())
	s.WorkDone, s.WorkTotal = int(r.uvarint()), int(r.uvarint())
	s.Extension = cases.ExtensionState(r.byte())
	s.ApprovalPending, s.ApprovalFrozen = cases.Conditions(r.byte()), cases.Conditions(r.byte())
	s.Voided = r.byte() == 1
	if n := r.uvarint(); n > 0 && n < 100 {
		s.Grounds = make([]cases.Ground, n)
		for i := range s.Grounds {
			r.common((*string)(&s.Grounds[i]))
		}
	}
	if n := r.uvarint(); n > 0 && n < 10000 {
		s.Identifiers = make([]string, n)
		for i := range s.Identifiers {
			r.own(&s.Identifiers[i])
		}
	}
	s.ReceivedAt, s.ClosedAt, s.EffectiveDueAt, s.UpdatedAt = r.time(), r.time(), r.time(), r.time()
	s.Revision = int(r.uvarint())
	n := r.uvarint()
	if r.err != nil || uint64(len(r.b)) != n {
		return nil, errBadRow
	}
	var str [rowStrings10]string
	for _, k := range []int{2, 3, 4, 5, 6, 9} { // organisation, right, status, clock, outcome, assignee
		if common, ok := r.shared.of(fixed[k]); ok {
			str[k], fixed[k] = common, nil
		}
	}
	r.copyOwned(&fixed, &str)
	if sameRequest {
		str[1] = str[0]
	}
	s.ID, s.RequestID, s.Controller = str[0], str[1], str[2]
	s.Right, s.Status, s.Clock, s.Outcome = cases.Right(str[3]), cases.Status(str[4]), cases.ClockState(str[5]), cases.Outcome(str[6])
	s.SubjectName, s.Email, s.Assignee = str[7], str[8], str[9]
	return r.b, nil
}

// rowStrings10 is the number of strings a row holds before its lists: the
// IDs, organisation, right, status, clock, outcome, subject's name and
// e-mail, and assignee (encodeRow).
const rowStrings10 = 10

// rowStrings is the strings that the rows of one read hold alike, each
// kept once: a queue of 100,000 rows names a few organisations, rights,
// statuses, assignees and tags.
type rowStrings map[string]string

// maxShared bounds the strings a read shares: past it (tags all unlike,
// say) a row's strings are its own again, and the map stops growing.
const maxShared = 4096

// of is b as a string, the one kept if an equal one is.
func (m rowStrings) of(b []byte) (string, bool) {
	if m == nil {
		return "", false
	}
	if s, ok := m[string(b)]; ok {
		return s, true
	}
	if len(m) >= maxShared {
		return "", false
	}
	s := string(b)
	m[s] = s
	return s, true
}

// ownedString is a string of a row's own, where it goes and its bytes in
// the row (copyOwned).
type ownedString struct {
	to *string
	b  []byte
}

// field is the next length-prefixed field's bytes, in the row.
func (r *rowReader) field() []byte {
	n := r.uvarint()
	if uint64(len(r.b)) < n {
		r.err, r.b = errBadRow, nil
		return nil
	}
	f := r.b[:n]
	r.b = r.b[n:]
	return f
}

// requestField is the request ID's bytes, or same when the row says it is
// the case's own ID (encodeRow).
func (r *rowReader) requestField() (f []byte, same bool) {
	n := r.uvarint()
	if n == 0 {
		return nil, r.err == nil
	}
	if uint64(len(r.b)) < n-1 {
		r.err, r.b = errBadRow, nil
		return nil, false
	}
	f = r.b[:n-1]
	r.b = r.b[n-1:]
	return f, false
}

// own reads a string of the row's own into *to, once copyOwned copies it.
func (r *rowReader) own(to *string) {
	if f := r.field(); len(f) > 0 {
		r.keep(to, f)
	}
}

// keep notes a string of the row's own for copyOwned.
func (r *rowReader) keep(to *string, f []byte) {
	if r.nOwned < len(r.owned) {
		r.owned[r.nOwned] = ownedString{to: to, b: f}
		r.nOwned++
	} else {
		r.more = append(r.more, ownedString{to: to, b: f})
	}
	r.size += len(f)
}

// common reads a string rows hold alike into *to: the shared one, or
// (without shared strings) one of the row's own.
func (r *rowReader) common(to *string) {
	if r.shared == nil {
		r.own(to)
		return
	}
	f := r.field()
	if len(f) == 0 {
		return
	}
	if s, ok := r.shared.of(f); ok {
		*to = s
		return
	}
	r.keep(to, f)
}

// copyOwned copies the row's own strings into one string: fixed[k] (not
// nil) into str[k], and those of its lists where they go.
func (r *rowReader) copyOwned(fixed *[rowStrings10][]byte, str *[rowStrings10]string) {
	size := r.size
	for _, f := range fixed {
		size += len(f)
	}
	if size == 0 {
		return
	}
	var all strings.Builder
	all.Grow(size)
	for _, f := range fixed {
		all.Write(f)
	}
	owned := r.owned[:r.nOwned]
	for _, list := range [2][]ownedString{owned, r.more} {
		for _, o := range list {
			all.Write(o.b)
		}
	}
	s, at := all.String(), 0
	for k, f := range fixed {
		if f != nil { // nil: a shared string, already in str[k]
			str[k] = s[at : at+len(f)]
			at += len(f)
		}
	}
	for _, list := range [2][]ownedString{owned, r.more} {
		for _, o := range list {
			*o.to = s[at : at+len(o.b)]
			at += len(o.b)
		}
	}
}
