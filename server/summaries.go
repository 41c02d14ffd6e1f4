package server

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"sync"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// The queue the app loads at start holds every case's summary: 100,000
// of them as JSON take seconds to encode and decode, against tens of
// milliseconds for the store's own compact rows. So Queue and Rows answer
// a client that asks for it (Accept: summariesType) in a compact binary
// form: each field of cases.Summary in order, strings length-prefixed (so
// that nothing typed can break the framing), integers as varints, times as
// Unix nanoseconds. The answer starts with a fingerprint of the type, so
// that a client built from another version of cases.Summary refuses the
// answer instead of misreading it. curl and other clients get JSON.

// summariesType is the media type of the compact form.
const summariesType = "application/vnd.rightsdesk.summaries"

// summaryPrint is the fingerprint of cases.Summary: the name and type of
// each of its fields, in order, those of its structs' fields within.
var summaryPrint = sync.OnceValue(func() uint64 { return fingerprint(reflect.TypeFor[cases.Summary]()) })

var timeType = reflect.TypeFor[time.Time]()

func fingerprint(t reflect.Type) uint64 {
	h := fnv.New64a()
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fmt.Fprintf(h, "%s %s;", f.Name, f.Type)
			if f.Type.Kind() == reflect.Struct && f.Type != timeType {
				walk(f.Type)
			}
		}
	}
	walk(t)
	return h.Sum64()
}

// appendSummary writes every field of s, in the order of the type: a
// field added to cases.Summary changes the fingerprint, and the roundtrip
// test of a summary with every field set fails until it is written here.
// (A codec led by reflection did the same at a fifth of the speed: at
// 100,000 summaries, a tenth of a second on each side.)
func appendSummary(b []byte, s *cases.Summary) []byte {
	b = appendString(b, s.ID)
	b = appendString(b, s.RequestID)
	b = appendString(b, s.Controller)
	b = appendString(b, string(s.Right))
	b = appendString(b, string(s.Status))
	b = appendString(b, string(s.Clock))
	b = appendDate(b, s.ClockSince)
	b = appendString(b, string(s.Outcome))
	b = appendString(b, s.SubjectName)
	b = appendString(b, s.Email)
	b = appendString(b, s.Assignee)
	b = appendStrings(b, s.Tags)
	b = appendStrings(b, s.Identifiers)
	b = appendTime(b, s.ReceivedAt)
	b = appendTime(b, s.ClosedAt)
	b = appendTime(b, s.EffectiveDueAt)
	b = binary.AppendVarint(b, int64(s.Revision))
	b = appendTime(b, s.UpdatedAt)
	b = appendDate(b, s.ReceiptDate)
	b = appendDate(b, s.EffectiveDue)
	b = appendDate(b, s.AnsweredOn)
	b = appendDate(b, s.LegalDue)
	b = appendDate(b, s.PromiseDue)
	b = binary.AppendVarint(b, int64(s.PausedDays))
	b = binary.AppendUvarint(b, uint64(s.Extension))
	b = appendDate(b, s.NoticeBy)
	b = appendStrings(b, s.Grounds)
	b = binary.AppendVarint(b, int64(s.WorkDone))
	b = binary.AppendVarint(b, int64(s.WorkTotal))
	b = appendDate(b, s.TellRefusalBy)
	if s.Voided {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(s.ApprovalPending))
	return binary.AppendUvarint(b, uint64(s.ApprovalFrozen))
}

// readSummary reads what appendSummary wrote into s.
func readSummary(r *byteReader, s *cases.Summary) {
	s.ID = r.string()
	s.RequestID = r.string()
	s.Controller = r.string()
	s.Right = cases.Right(r.string())
	s.Status = cases.Status(r.string())
	s.Clock = cases.ClockState(r.string())
	s.ClockSince = r.date()
	s.Outcome = cases.Outcome(r.string())
	s.SubjectName = r.string()
	s.Email = r.string()
	s.Assignee = r.string()
	s.Tags = readStrings[string](r)
	s.Identifiers = readStrings[string](r)
	s.ReceivedAt = r.time()
	s.ClosedAt = r.time()
	s.EffectiveDueAt = r.time()
	s.Revision = int(r.varint())
	s.UpdatedAt = r.time()
	s.ReceiptDate = r.date()
	s.EffectiveDue = r.date()
	s.AnsweredOn = r.date()
	s.LegalDue = r.date()
	s.PromiseDue = r.date()
	s.PausedDays = int(r.varint())
	s.Extension = cases.ExtensionState(r.uvarint())
	s.NoticeBy = r.date()
	s.Grounds = readStrings[cases.Ground](r)
	s.WorkDone = int(r.varint())
	s.WorkTotal = int(r.varint())
	s.TellRefusalBy = r.date()
	s.Voided = r.uvarint() != 0
	s.ApprovalPending = cases.Conditions(r.uvarint())
	s.ApprovalFrozen = cases.Conditions(r.uvarint())
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendStrings writes a list of strings, nil (0) apart from empty (1).
func appendStrings[S ~string](b []byte, ss []S) []byte {
	if ss == nil {
		return binary.AppendUvarint(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(ss))+1)
	for _, s := range ss {
		b = appendString(b, string(s))
	}
	return b
}

func readStrings[S ~string](r *byteReader) []S {
	n := r.uvarint()
	if n == 0 || r.err != nil {
		return nil
	}
	if n-1 > uint64(len(r.rest())) {
		r.fail()
		return nil
	}
	out := make([]S, n-1)
	for i := range out {
		out[i] = S(r.string())
	}
	return out
}

// appendTime writes a time as Unix nanoseconds plus one, the zero time as 0.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixNano()+1)
}

func appendDate(b []byte, d cases.Date) []byte {
	b = binary.AppendVarint(b, int64(d.Year))
	b = binary.AppendVarint(b, int64(d.Month))
	return binary.AppendVarint(b, int64(d.Day))
}

var errShortSummaries = errors.New("the queue's answer is cut or malformed")

// encodeSummaries writes the compact form of sums with the counter.
func encodeSummaries(sums []cases.Summary, counter uint64) []byte {
	b := make([]byte, 0, 16+len(sums)*256)
	b = binary.BigEndian.AppendUint64(b, summaryPrint())
	b = binary.AppendUvarint(b, counter)
	if sums == nil {
		b = binary.AppendUvarint(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(sums))+1)
	}
	for i := range sums {
		b = appendSummary(b, &sums[i])
	}
	return b
}

// decodeSummaries reads what encodeSummaries wrote.
func decodeSummaries(b []byte) ([]cases.Summary, uint64, error) {
	if len(b) < 8 {
		return nil, 0, errShortSummaries
	}
	if binary.BigEndian.Uint64(b) != summaryPrint() {
		return nil, 0, errors.New("the server's queue rows are of another version of rightsdesk: run the same version on both sides")
	}
	r := newByteReader(b[8:])
	counter := r.uvarint()
	n := r.uvarint()
	if r.err != nil {
		return nil, 0, r.err
	}
	if n == 0 {
		return nil, counter, nil
	}
	if n-1 > uint64(len(r.rest())) {
		return nil, 0, errShortSummaries
	}
	out := make([]cases.Summary, n-1)
	for i := range out {
		readSummary(r, &out[i])
		if r.err != nil {
			return nil, 0, r.err
		}
	}
	if len(r.rest()) != 0 {
		return nil, 0, errShortSummaries
	}
	return out, counter, nil
}

// byteReader reads varints and strings, keeping the first error. Its
// strings are cut from one copy of the whole answer, so that decoding
// 100,000 summaries does not allocate a million small strings; they keep
// that copy alive, which the queue they make up does anyway.
type byteReader struct {
	b   []byte
	s   string // the same bytes as b, as one string
	pos int
	err error
}

func newByteReader(b []byte) *byteReader { return &byteReader{b: b, s: string(b)} }

// rest is what is left to read.
func (r *byteReader) rest() []byte { return r.b[r.pos:] }

func (r *byteReader) fail() {
	r.err, r.pos = errShortSummaries, len(r.b)
}

func (r *byteReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b[r.pos:])
	if n <= 0 {
		r.fail()
		return 0
	}
	r.pos += n
	return v
}

func (r *byteReader) varint() int64 {
	v, n := binary.Varint(r.b[r.pos:])
	if n <= 0 {
		r.fail()
		return 0
	}
	r.pos += n
	return v
}

func (r *byteReader) time() time.Time {
	if n := r.varint(); n != 0 {
		return time.Unix(0, n-1).UTC()
	}
	return time.Time{}
}

func (r *byteReader) date() cases.Date {
	return cases.Date{Year: int(r.varint()), Month: time.Month(r.varint()), Day: int(r.varint())}
}

func (r *byteReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)-r.pos) {
		r.fail()
		return ""
	}
	s := r.s[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return s
}

// startBody is the first page in JSON, for a client that does not ask for
// the compact form.
type startBody struct {
	Summaries []cases.Summary `json:"summaries"`
	Counter   uint64          `json:"counter"`
	Counts    storage.Counts  `json:"counts"`
}

// encodeStart writes the first page: the counts in JSON, length-prefixed,
// then the rows as encodeSummaries writes them.
func encodeStart(st *storage.Start) ([]byte, error) {
	counts, err := json.Marshal(st.Counts)
	if err != nil {
		return nil, err
	}
	b := binary.AppendUvarint(nil, uint64(len(counts)))
	b = append(b, counts...)
	return append(b, encodeSummaries(st.Rows, st.Changes)...), nil
}

// decodeStart reads what encodeStart wrote.
func decodeStart(b []byte) (*storage.Start, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, errShortSummaries
	}
	st := &storage.Start{}
	if err := json.Unmarshal(b[k:k+int(n)], &st.Counts); err != nil {
		return nil, errShortSummaries
	}
	var err error
	st.Rows, st.Changes, err = decodeSummaries(b[k+int(n):])
	return st, err
}
