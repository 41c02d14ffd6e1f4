package export

import (
	"strconv"
	"unicode/utf8"

	"rightsdesk/cases"
)

// AppendReportRowJSON appends the row as cases.JSON writes it (the same
// bytes: the field order of ReportRow, encoding/json's escaping, then
// cases.EscapeJSON), without reflection: a register of a million rows is
// half a gigabyte of JSON, which encoding/json takes seconds to write.
func AppendReportRowJSON(b []byte, r *ReportRow) []byte {
	start := len(b)
	var high bool // a byte above ASCII was written: EscapeJSON has work
	appendJSONString := func(b []byte, s string) []byte { return appendJSONString(b, s, &high) }
	appendJSONStrings := func(b []byte, ss []string) []byte { return appendJSONStrings(b, ss, &high) }
	b = append(b, `{"controller":`...)
	b = appendJSONString(b, r.Controller)
	for _, f := range []struct{ name, value string }{{"id", r.ID}, {"request_id", r.RequestID}, {"right", r.Right},
		{"received", r.Received}, {"due", r.Due}, {"promised", r.Promised}, {"extension", r.Extension},
		{"answered", r.Answered}, {"status", r.Status}, {"outcome", r.Outcome}} {
		b = append(append(append(b, ",\""...), f.name...), "\":"...)
		b = appendJSONString(b, f.value)
	}
	b = appendJSONStrings(append(b, `,"grounds":`...), r.Grounds)
	b = appendJSONString(append(b, `,"timeliness":`...), r.Timeliness)
	b = append(b, `,"promise_kept":`...)
	switch {
	case r.PromiseKept == nil:
		b = append(b, "null"...)
	default:
		b = strconv.AppendBool(b, *r.PromiseKept)
	}
	t := &r.Timeline
	b = strconv.AppendBool(append(b, `,"answered_with_draft":`...), t.AnsweredWithDraft)
	b = strconv.AppendBool(append(b, `,"answer_outside":`...), t.AnswerOutside)
	b = strconv.AppendInt(append(b, `,"letters_outside":`...), int64(t.LettersOutside), 10)
	b = appendJSONString(append(b, `,"refusal":`...), t.Refusal)
	b = appendJSONStrings(append(b, `,"refused_items":`...), t.RefusedItems)
	b = appendJSONStrings(append(b, `,"withheld_files":`...), t.WithheldFiles)
	b = strconv.AppendBool(append(b, `,"refusal_late":`...), t.RefusalLate)
	b = strconv.AppendInt(append(b, `,"late_entries":`...), int64(t.LateEntries), 10)
	b = appendJSONStrings(append(b, `,"stopped_late":`...), t.StoppedLate)
	b = strconv.AppendInt(append(b, `,"work_items":`...), int64(t.WorkItems), 10)
	b = strconv.AppendInt(append(b, `,"work_open":`...), int64(t.WorkOpen), 10)
	b = appendJSONStrings(append(b, `,"approvals":`...), t.Approvals)
	b = append(b, '}')
	if high {
		if escaped := cases.EscapeJSON(b[start:]); &escaped[0] != &b[start] {
			b = append(b[:start], escaped...)
		}
	}
	return b
}

// appendJSONStrings appends a list of strings, null for a nil one, as
// encoding/json does.
func appendJSONStrings(b []byte, ss []string, high *bool) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s, high)
	}
	return append(b, ']')
}

// jsonPlain are the bytes encoding/json writes as they are, and below DEL
// (which EscapeJSON escapes).
var jsonPlain = func() (plain [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		plain[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return plain
}()

// appendJSONString appends s quoted as encoding/json quotes a string (HTML
// characters escaped, invalid UTF-8 replaced, U+2028 and U+2029 escaped),
// and sets *high when it wrote a byte from DEL up.
func appendJSONString(b []byte, s string, high *bool) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if jsonPlain[s[i]] {
			i++
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c == 0x7f {
				*high = true
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		*high = true
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
