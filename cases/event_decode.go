package cases

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
)

// UnmarshalEvent is json.Unmarshal(data, ev) for a zero ev: the same event,
// or the same error. A command that records one change reads the case's
// whole timeline first, a dozen events or more; encoding/json spends most
// of that reading on reflection and, in a fresh process, on analysing the
// Event type (cachedTypeFields). The events as the store writes them
// (json.Marshal's form: no spaces, every key once, as the struct names it,
// and the store's "sealed" commitments, which no field takes) are read
// here by hand, the rules too (unmarshalRulesFast), the other nested
// objects (facts, attachment...) by encoding/json; anything else (a
// space, an escape, an unknown key, a null) goes to encoding/json whole,
// so that nothing reads differently.
// The fields it knows are eventFields.
func UnmarshalEvent(data []byte, ev *Event) error {
	if unmarshalEventFast(data, ev) {
		return nil
	}
	*ev = Event{}
	return json.Unmarshal(data, ev)
}

// unmarshalEventFast reads data into ev (zero) when it is in the form the
// store writes; false (ev then holds part of it) when it is not.
func unmarshalEventFast(data []byte, ev *Event) bool {
	return readObject(data, eventFields(), ev)
}

// eventFields are the fields of an event by their JSON names, and the
// store's "sealed" commitments, which no field takes: json.Unmarshal passes
// over them once it has found them well formed. Made on first use, not at
// every start of the program.
var eventFields = sync.OnceValue(func() fieldSet[Event] {
	m := fieldSet[Event]{}
	add := m.add
	for name, f := range map[string]func(*Event) *string{
		"kind": func(ev *Event) *string { return (*string)(&ev.Kind) }, "actor": func(ev *Event) *string { return &ev.Actor },
		"reason": func(ev *Event) *string { return &ev.Reason }, "method": func(ev *Event) *string { return &ev.Method },
		"amount": func(ev *Event) *string { return &ev.Amount }, "letter": func(ev *Event) *string { return (*string)(&ev.Letter) },
		"channel": func(ev *Event) *string { return (*string)(&ev.Channel) }, "to": func(ev *Event) *string { return &ev.To },
		"checksum": func(ev *Event) *string { return &ev.Checksum }, "recipient": func(ev *Event) *string { return &ev.Recipient },
		"impossible": func(ev *Event) *string { return &ev.Impossible }, "assignee": func(ev *Event) *string { return &ev.Assignee },
		"text": func(ev *Event) *string { return &ev.Text }, "file": func(ev *Event) *string { return &ev.File },
		"outcome": func(ev *Event) *string { return (*string)(&ev.Outcome) }, "law": func(ev *Event) *string { return &ev.Law },
		"redirect_to":   func(ev *Event) *string { return &ev.RedirectTo },
		"reopen_reason": func(ev *Event) *string { return (*string)(&ev.ReopenReason) },
		"late":          func(ev *Event) *string { return &ev.Late }, "item": func(ev *Event) *string { return &ev.Item },
		"result": func(ev *Event) *string { return (*string)(&ev.Result) }, "what": func(ev *Event) *string { return &ev.What },
		"customer":        func(ev *Event) *string { return &ev.Customer },
		"reported_origin": func(ev *Event) *string { return &ev.ReportedOrigin },
		"field":           func(ev *Event) *string { return &ev.Field }, "value": func(ev *Event) *string { return &ev.Value },
	} {
		add(name, func(ev *Event, v []byte) (ok bool) { *f(ev), ok = plainJSONString(v); return ok })
	}
	for name, f := range map[string]func(*Event) *[]string{
		"recipients": func(ev *Event) *[]string { return &ev.Recipients }, "tags": func(ev *Event) *[]string { return &ev.Tags },
		"needs": func(ev *Event) *[]string { return &ev.Needs }, "files": func(ev *Event) *[]string { return &ev.Files },
		"gaps": func(ev *Event) *[]string { return &ev.Gaps }, "overridden": func(ev *Event) *[]string { return &ev.Overridden },
	} {
		add(name, func(ev *Event, v []byte) (ok bool) { *f(ev), ok = plainJSONStrings(v); return ok })
	}
	for name, f := range map[string]func(*Event) **Date{
		"extended_to": func(ev *Event) **Date { return &ev.ExtendedTo }, "disclosed_on": func(ev *Event) **Date { return &ev.DisclosedOn },
		"until": func(ev *Event) **Date { return &ev.Until }, "trigger_date": func(ev *Event) **Date { return &ev.TriggerDate },
		"review": func(ev *Event) **Date { return &ev.Review }, "letter_date": func(ev *Event) **Date { return &ev.LetterDate },
	} {
		add(name, func(ev *Event, v []byte) bool {
			s, ok := plainJSONString(v)
			d := new(Date)
			*f(ev) = d
			return ok && d.UnmarshalText([]byte(s)) == nil
		})
	}
	for name, f := range map[string]func(*Event) *bool{
		"draft": func(ev *Event) *bool { return &ev.Draft }, "outside": func(ev *Event) *bool { return &ev.Outside },
		"draft_sent": func(ev *Event) *bool { return &ev.DraftSent }, "unattested": func(ev *Event) *bool { return &ev.Unattested },
	} {
		add(name, func(ev *Event, v []byte) bool {
			*f(ev) = string(v) == "true"
			return string(v) == "true" || string(v) == "false"
		})
	}
	// Objects and lists of objects, read by encoding/json (a null, or
	// anything but an object or a list, goes to it whole).
	for name, f := range map[string]func(*Event) any{
		"attachment": func(ev *Event) any { return &ev.Attachment }, "system": func(ev *Event) any { return &ev.System },
		"external": func(ev *Event) any { return &ev.External },
		"approval": func(ev *Event) any { return &ev.Approval }, "facts": func(ev *Event) any { return &ev.Facts },
		"retained": func(ev *Event) any { return &ev.Retained },
	} {
		add(name, func(ev *Event, v []byte) bool { return (v[0] == '{' || v[0] == '[') && json.Unmarshal(v, f(ev)) == nil })
	}
	// The rules, which every received event holds, by hand when they are
	// in json.Marshal's form (unmarshalRulesFast).
	add("rules", func(ev *Event, v []byte) bool {
		if r := new(Rules); unmarshalRulesFast(v, r) {
			ev.Rules = r
			return true
		}
		return (v[0] == '{' || v[0] == '[') && json.Unmarshal(v, &ev.Rules) == nil
	})
	add("at", func(ev *Event, v []byte) bool { return v[0] == '"' && ev.At.UnmarshalJSON(v) == nil })
	add("recorded_at", func(ev *Event, v []byte) bool { return v[0] == '"' && ev.RecordedAt.UnmarshalJSON(v) == nil })
	add("grounds", func(ev *Event, v []byte) bool {
		list, ok := plainJSONStrings(v)
		if ok && list != nil {
			ev.Grounds = make([]Ground, len(list))
			for i, g := range list {
				ev.Grounds[i] = Ground(g)
			}
		}
		return ok
	})
	add("purged_through", func(ev *Event, v []byte) bool {
		if len(v) > 1 && v[0] == '0' {
			return false // a leading zero is not JSON
		}
		for _, c := range v {
			if c < '0' || c > '9' {
				return false
			}
		}
		n, err := strconv.ParseUint(string(v), 10, 64)
		ev.PurgedThrough = n
		return err == nil
	})
	add("sealed", func(_ *Event, v []byte) bool { return json.Valid(v) })
	return m
})

// cutJSONString cuts a string with no escape from the front of d: its
// contents and what follows it.
func cutJSONString(d []byte) (s, rest []byte, ok bool) {
	if len(d) == 0 || d[0] != '"' {
		return nil, nil, false
	}
	end := bytes.IndexByte(d[1:], '"')
	if end < 0 {
		return nil, nil, false
	}
	return d[1 : 1+end], d[2+end:], true
}

// plainJSONString is the string JSON value v holds when it has no escape,
// no control character and is valid UTF-8: the bytes encoding/json keeps
// as they are.
func plainJSONString(v []byte) (string, bool) {
	s, rest, ok := cutJSONString(v)
	if !ok || len(rest) != 0 {
		return "", false
	}
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(s) {
		return "", false
	}
	return string(s), true
}

// plainJSONStrings is a list of plain strings (plainJSONString); [] is an
// empty list, not a nil one, as encoding/json makes it.
func plainJSONStrings(v []byte) ([]string, bool) {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return nil, false
	}
	list := []string{}
	d := v[1 : len(v)-1]
	for len(d) > 0 {
		item, rest, ok := cutJSONString(d)
		if !ok {
			return nil, false
		}
		s, ok := plainJSONString(d[:len(item)+2])
		if !ok {
			return nil, false
		}
		list = append(list, s)
		if len(rest) > 0 {
			if rest[0] != ',' || len(rest) == 1 {
				return nil, false
			}
			rest = rest[1:]
		}
		d = rest
	}
	return list, true
}

// cutJSONValue cuts one value from the front of d, as far as the comma or
// the end of its object: a string, a literal or number (up to the next
// comma), or an object or list with everything inside it. What it cuts is
// checked by whoever reads it; it only has to find where it ends, strings
// with escapes included.
func cutJSONValue(d []byte) (value, rest []byte, ok bool) {
	if len(d) == 0 {
		return nil, nil, false
	}
	switch d[0] {
	case '"':
		for i := 1; i < len(d); i++ {
			switch d[i] {
			case '\\':
				i++
			case '"':
				return d[:i+1], d[i+1:], true
			}
		}
		return nil, nil, false
	case '{', '[':
		depth := 0
		for i := 0; i < len(d); i++ {
			switch d[i] {
			case '"':
				for i++; i < len(d) && d[i] != '"'; i++ {
					if d[i] == '\\' {
						i++
					}
				}
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return d[:i+1], d[i+1:], true
				}
			}
		}
		return nil, nil, false
	}
	end := bytes.IndexByte(d, ',')
	if end < 0 {
		end = len(d)
	}
	if end == 0 {
		return nil, nil, false
	}
	return d[:end], d[end:], true
}
