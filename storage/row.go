package storage

import (
	"encoding/binary"
	"errors"
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
// the counts beside the rows, counters.go), so that a change of either
// rebuilds both: a database written before gets its rows, with the
// identifiers, on its next open.
const rowFormat = 9

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
	for _, str := range []string{s.ID, s.RequestID, s.Controller, string(s.Right), string(s.Status), string(s.Clock),
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
// error. Its strings are cut from one copy of the row (s, whose length is
// the row's): a queue of 100,000 rows then costs 100,000 allocations for
// its strings rather than a million.
type rowReader struct {
	b   []byte
	s   string
	err error
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
// copied out (one copy of the row, which they share); the index reference
// is not, and lives with the transaction.
func decodeRow(b []byte) (cases.Summary, []byte, error) {
	var s cases.Summary
	ref, err := decodeRowInto(&s, b)
	return s, ref, err
}

// decodeRowInto is decodeRow into a summary in place (s is zero): the
// queue decodes each row where it will stay rather than copying hundreds
// of bytes twice.
func decodeRowInto(s *cases.Summary, b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != rowFormat {
		return nil, errBadRow
	}
	r := &rowReader{b: b[1:], s: string(b[1:])}
	s.ID, s.RequestID, s.Controller = r.string(), r.string(), r.string()
	s.Right, s.Status, s.Clock = cases.Right(r.string()), cases.Status(r.string()), cases.ClockState(r.string())
	s.Outcome, s.SubjectName, s.Email, s.Assignee = cases.Outcome(r.string()), r.string(), r.string(), r.string()
	if n := r.uvarint(); n > 0 && n < 10000 {
		s.Tags = make([]string, n)
		for i := range s.Tags {
			s.Tags[i] = r.string()
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
			s.Grounds[i] = cases.Ground(r.string())
		}
	}
	if n := r.uvarint(); n > 0 && n < 10000 {
		s.Identifiers = make([]string, n)
		for i := range s.Identifiers {
			s.Identifiers[i] = r.string()
		}
	}
	s.ReceivedAt, s.ClosedAt, s.EffectiveDueAt, s.UpdatedAt = r.time(), r.time(), r.time(), r.time()
	s.Revision = int(r.uvarint())
	n := r.uvarint()
	if r.err != nil || uint64(len(r.b)) != n {
		return nil, errBadRow
	}
	return r.b, nil
}
