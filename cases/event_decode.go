package cases

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// UnmarshalEvent is json.Unmarshal(data, ev) for a zero ev: the same event,
// or the same error. A command that records one change reads the case's
// whole timeline first, a dozen events or more; encoding/json spends most
// of that reading on reflection and, in a fresh process, on analysing the
// Event type (cachedTypeFields). The events as the store writes them
// (json.Marshal's form: no spaces, every key once, as the struct names it,
// and the store's "sealed" commitments, which no field takes) are read
// here by hand, the nested objects (facts, rules, attachment...)
// by encoding/json; anything else (a space, an escape, an unknown key, a
// null) goes to encoding/json whole, so that nothing reads differently.
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
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return false
	}
	var seen [64]bool
	d := data[1 : len(data)-1]
	for len(d) > 0 {
		key, rest, ok := cutJSONString(d)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return false
		}
		value, rest, ok := cutJSONValue(rest[1:])
		if !ok {
			return false
		}
		n, ok := eventField(ev, string(key), value)
		if !ok || seen[n] {
			return false
		}
		seen[n] = true
		if len(rest) > 0 {
			if rest[0] != ',' || len(rest) == 1 {
				return false
			}
			rest = rest[1:]
		}
		d = rest
	}
	return true
}

// eventField sets the field of ev whose JSON name is key from value (a
// whole JSON value, as cutJSONValue cut it), and says which field it is (a
// number of its own, for telling a repeated key); not ok for a key it does
// not know or a value it does not read as encoding/json would.
func eventField(ev *Event, key string, value []byte) (int, bool) {
	str := func(n int, to *string) (int, bool) {
		s, ok := plainJSONString(value)
		*to = s
		return n, ok
	}
	strs := func(n int, to *[]string) (int, bool) {
		list, ok := plainJSONStrings(value)
		*to = list
		return n, ok
	}
	date := func(n int, to **Date) (int, bool) {
		s, ok := plainJSONString(value)
		if !ok {
			return n, false
		}
		*to = new(Date)
		return n, (*to).UnmarshalText([]byte(s)) == nil
	}
	boolean := func(n int, to *bool) (int, bool) {
		switch string(value) {
		case "true":
			*to = true
		case "false":
			*to = false
		default:
			return n, false
		}
		return n, true
	}
	nested := func(n int, to any) (int, bool) {
		if value[0] != '{' && value[0] != '[' {
			return n, false // null, or a value json would refuse
		}
		return n, json.Unmarshal(value, to) == nil
	}
	switch key {
	case "kind":
		var s string
		n, ok := str(0, &s)
		ev.Kind = EventKind(s)
		return n, ok
	case "at":
		return 1, value[0] == '"' && ev.At.UnmarshalJSON(value) == nil
	case "recorded_at":
		return 2, value[0] == '"' && ev.RecordedAt.UnmarshalJSON(value) == nil
	case "actor":
		return str(3, &ev.Actor)
	case "reason":
		return str(4, &ev.Reason)
	case "method":
		return str(5, &ev.Method)
	case "amount":
		return str(6, &ev.Amount)
	case "letter":
		var s string
		n, ok := str(7, &s)
		ev.Letter = LetterKind(s)
		return n, ok
	case "channel":
		var s string
		n, ok := str(8, &s)
		ev.Channel = Channel(s)
		return n, ok
	case "to":
		return str(9, &ev.To)
	case "checksum":
		return str(10, &ev.Checksum)
	case "recipient":
		return str(11, &ev.Recipient)
	case "impossible":
		return str(12, &ev.Impossible)
	case "recipients":
		return strs(13, &ev.Recipients)
	case "assignee":
		return str(14, &ev.Assignee)
	case "tags":
		return strs(15, &ev.Tags)
	case "text":
		return str(16, &ev.Text)
	case "attachment":
		return nested(17, &ev.Attachment)
	case "file":
		return str(18, &ev.File)
	case "outcome":
		var s string
		n, ok := str(19, &s)
		ev.Outcome = Outcome(s)
		return n, ok
	case "grounds":
		list, ok := plainJSONStrings(value)
		if ok && list != nil {
			ev.Grounds = make([]Ground, len(list))
			for i, g := range list {
				ev.Grounds[i] = Ground(g)
			}
		}
		return 20, ok
	case "law":
		return str(21, &ev.Law)
	case "redirect_to":
		return str(22, &ev.RedirectTo)
	case "reopen_reason":
		var s string
		n, ok := str(23, &s)
		ev.ReopenReason = ReopenReason(s)
		return n, ok
	case "rules":
		return nested(24, &ev.Rules)
	case "extended_to":
		return date(25, &ev.ExtendedTo)
	case "late":
		return str(26, &ev.Late)
	case "needs":
		return strs(27, &ev.Needs)
	case "disclosed_on":
		return date(28, &ev.DisclosedOn)
	case "item":
		return str(29, &ev.Item)
	case "result":
		var s string
		n, ok := str(30, &s)
		ev.Result = Result(s)
		return n, ok
	case "what":
		return str(31, &ev.What)
	case "files":
		return strs(32, &ev.Files)
	case "until":
		return date(33, &ev.Until)
	case "trigger_date":
		return date(34, &ev.TriggerDate)
	case "review":
		return date(35, &ev.Review)
	case "customer":
		return str(36, &ev.Customer)
	case "system":
		return nested(37, &ev.System)
	case "draft":
		return boolean(38, &ev.Draft)
	case "gaps":
		return strs(39, &ev.Gaps)
	case "letter_date":
		return date(40, &ev.LetterDate)
	case "outside":
		return boolean(41, &ev.Outside)
	case "draft_sent":
		return boolean(42, &ev.DraftSent)
	case "external":
		return nested(43, &ev.External)
	case "approval":
		return nested(44, &ev.Approval)
	case "overridden":
		return strs(45, &ev.Overridden)
	case "reported_origin":
		return str(46, &ev.ReportedOrigin)
	case "field":
		return str(47, &ev.Field)
	case "value":
		return str(48, &ev.Value)
	case "facts":
		return nested(49, &ev.Facts)
	case "retained":
		return nested(50, &ev.Retained)
	case "purged_through":
		if len(value) > 1 && value[0] == '0' {
			return 51, false // a leading zero is not JSON
		}
		for _, c := range value {
			if c < '0' || c > '9' {
				return 51, false
			}
		}
		n, err := strconv.ParseUint(string(value), 10, 64)
		ev.PurgedThrough = n
		return 51, err == nil
	case "unattested":
		return boolean(52, &ev.Unattested)
	case "sealed":
		// The store's commitments to the event's personal values, beside
		// its fields: no field of an event, so json.Unmarshal passes over
		// it, once it has found it well formed.
		return 53, json.Valid(value)
	}
	return 0, false
}

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
