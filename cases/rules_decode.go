package cases

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// unmarshalRulesFast reads a rule set into r (zero) as json.Unmarshal
// would, when it is in the form json.Marshal writes (no spaces, the
// escapes it writes, no null, every key once and as the struct names it); false
// (r then holds part of it) when it is not, for encoding/json to read.
// A command that records one change reads the case's received event, and
// with it its rules: encoding/json spent most of that on analysing Rules,
// System, PurposeItem and RetentionRule in each process.
func unmarshalRulesFast(data []byte, r *Rules) bool {
	return readObject(data, rulesFields(), r)
}

// UnmarshalRules is json.Unmarshal(data, r) for a zero r: by the
// hand-written path when data is in json.Marshal's form, else by
// encoding/json.
func UnmarshalRules(data []byte, r *Rules) error {
	if unmarshalRulesFast(data, r) {
		return nil
	}
	*r = Rules{}
	return json.Unmarshal(data, r)
}

// objectField reads one field of a T from its JSON value; n numbers the
// fields, to tell a repeated key.
type objectField[T any] struct {
	n    int
	read func(x *T, value []byte) bool
}

// fieldSet is a T's fields by their JSON names.
type fieldSet[T any] map[string]objectField[T]

func (s fieldSet[T]) add(name string, read func(x *T, value []byte) bool) {
	s[name] = objectField[T]{len(s), read}
}

// readObject reads the object data into x, each key once, every key one
// of fields.
func readObject[T any](data []byte, fields fieldSet[T], x *T) bool {
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' || len(fields) > 64 {
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
		f, ok := fields[string(key)]
		if !ok || seen[f.n] || !f.read(x, value) {
			return false
		}
		seen[f.n] = true
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

// readList reads a list, each item by read; [] is an empty list, not a
// nil one, as encoding/json makes it.
func readList[T any](v []byte, read func(x *T, item []byte) bool) ([]T, bool) {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return nil, false
	}
	list := []T{}
	d := v[1 : len(v)-1]
	for len(d) > 0 {
		item, rest, ok := cutJSONValue(d)
		if !ok {
			return nil, false
		}
		var x T
		if !read(&x, item) {
			return nil, false
		}
		list = append(list, x)
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

// plainJSONInt is the int JSON number v holds when it is a whole number
// as json.Marshal writes one and fits an int.
func plainJSONInt(v []byte) (int, bool) {
	digits := v
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || (len(digits) > 1 && digits[0] == '0') {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(v), 10, strconv.IntSize)
	return int(n), err == nil
}

// stringInto reads a string (jsonString) into the field of x
// that f gives.
func stringInto[T any, S ~string](f func(x *T) *S) func(x *T, v []byte) bool {
	return func(x *T, v []byte) bool {
		s, ok := jsonString(v)
		*f(x) = S(s)
		return ok
	}
}

// stringsInto reads a list of strings (jsonString) into the field of x that f
// gives.
func stringsInto[T any, S ~string](f func(x *T) *[]S) func(x *T, v []byte) bool {
	return func(x *T, v []byte) bool {
		list, ok := readList(v, func(s *S, item []byte) bool {
			p, ok := jsonString(item)
			*s = S(p)
			return ok
		})
		*f(x) = list
		return ok
	}
}

// intInto reads a whole number (plainJSONInt) into the field of x that f
// gives.
func intInto[T any](f func(x *T) *int) func(x *T, v []byte) bool {
	return func(x *T, v []byte) bool {
		n, ok := plainJSONInt(v)
		*f(x) = n
		return ok
	}
}

// boolInto reads true or false into the field of x that f gives.
func boolInto[T any](f func(x *T) *bool) func(x *T, v []byte) bool {
	return func(x *T, v []byte) bool {
		*f(x) = string(v) == "true"
		return string(v) == "true" || string(v) == "false"
	}
}

// rulesFields are the fields of Rules and of what it nests, by their
// JSON names; made on first use.
var rulesFields = sync.OnceValue(func() fieldSet[Rules] {
	retention := fieldSet[RetentionRule]{}
	retention.add("id", stringInto(func(r *RetentionRule) *string { return &r.ID }))
	retention.add("data", stringInto(func(r *RetentionRule) *string { return &r.Data }))
	retention.add("length", stringInto(func(r *RetentionRule) *string { return &r.Length }))
	retention.add("period", stringInto(func(r *RetentionRule) *string { return &r.Period }))
	retention.add("from", stringInto(func(r *RetentionRule) *string { return &r.From }))
	retention.add("law", stringInto(func(r *RetentionRule) *string { return &r.Law }))
	retention.add("ground", stringInto(func(r *RetentionRule) *Ground { return &r.Ground }))
	retention.add("gap", stringInto(func(r *RetentionRule) *string { return &r.Gap }))

	system := fieldSet[System]{}
	system.add("id", stringInto(func(s *System) *string { return &s.ID }))
	system.add("name", stringInto(func(s *System) *string { return &s.Name }))
	system.add("categories", stringsInto(func(s *System) *[]string { return &s.Categories }))
	system.add("rights", stringsInto(func(s *System) *[]Right { return &s.Rights }))
	system.add("role", stringInto(func(s *System) *string { return &s.Role }))
	system.add("customer", stringInto(func(s *System) *string { return &s.Customer }))
	system.add("recipient", stringInto(func(s *System) *string { return &s.Recipient }))
	system.add("retention", func(s *System, v []byte) bool {
		s.Retention = new(RetentionRule)
		return readObject(v, retention, s.Retention)
	})
	system.add("source", stringInto(func(s *System) *string { return &s.Source }))

	purpose := fieldSet[PurposeItem]{}
	purpose.add("id", stringInto(func(p *PurposeItem) *string { return &p.ID }))
	purpose.add("purpose", stringInto(func(p *PurposeItem) *string { return &p.Purpose }))
	purpose.add("basis", stringInto(func(p *PurposeItem) *string { return &p.Basis }))
	purpose.add("direct_marketing", boolInto(func(p *PurposeItem) *bool { return &p.DirectMarketing }))
	purpose.add("source", stringInto(func(p *PurposeItem) *string { return &p.Source }))

	rules := fieldSet[Rules]{}
	rules.add("regime", stringInto(func(r *Rules) *string { return &r.Regime }))
	rules.add("tz", stringInto(func(r *Rules) *string { return &r.Zone }))
	rules.add("calendar", stringInto(func(r *Rules) *string { return &r.Calendar }))
	rules.add("extra_holidays", func(r *Rules, v []byte) (ok bool) {
		r.ExtraHolidays, ok = readList(v, func(d *Date, item []byte) bool {
			s, ok := jsonString(item)
			return ok && d.UnmarshalText([]byte(s)) == nil
		})
		return ok
	})
	rules.add("promise_days", intInto(func(r *Rules) *int { return &r.PromiseDays }))
	rules.add("pause", stringInto(func(r *Rules) *PauseSetting { return &r.Pause }))
	rules.add("pause_window_days", intInto(func(r *Rules) *int { return &r.PauseWindowDays }))
	rules.add("act_by_working_days", intInto(func(r *Rules) *int { return &r.ActByWorkingDays }))
	rules.add("forward_working_days", intInto(func(r *Rules) *int { return &r.ForwardWorkingDays }))
	rules.add("complaint_target_days", intInto(func(r *Rules) *int { return &r.ComplaintTargetDays }))
	rules.add("identity_wait_days", intInto(func(r *Rules) *int { return &r.IdentityWaitDays }))
	rules.add("backdate_hours", intInto(func(r *Rules) *int { return &r.BackdateHours }))
	rules.add("earliest_clock", boolInto(func(r *Rules) *bool { return &r.EarliestClock }))
	rules.add("systems", func(r *Rules, v []byte) (ok bool) {
		r.Systems, ok = readList(v, func(s *System, item []byte) bool { return readObject(item, system, s) })
		return ok
	})
	rules.add("purposes", func(r *Rules, v []byte) (ok bool) {
		r.Purposes, ok = readList(v, func(p *PurposeItem, item []byte) bool { return readObject(item, purpose, p) })
		return ok
	})
	rules.add("assumptions", stringsInto(func(r *Rules) *[]string { return &r.Assumptions }))
	rules.add("approval", stringsInto(func(r *Rules) *[]ApprovalCondition { return &r.Approval }))
	rules.add("source", stringInto(func(r *Rules) *string { return &r.Source }))
	return rules
})

// jsonString is the string JSON value v holds, as encoding/json reads it,
// for valid UTF-8 with the escapes json.Marshal writes (\" \\ \n \r \t,
// \u for the rest: a control character, <, >, &, U+2028, U+2029, U+FFFD)
// and \/ \b \f; false for anything else (a surrogate, which encoding/json
// pairs or replaces, among them).
func jsonString(v []byte) (string, bool) {
	if s, ok := plainJSONString(v); ok {
		return s, true
	}
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' || !utf8.Valid(v) {
		return "", false
	}
	in := v[1 : len(v)-1]
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c == '"' || c < 0x20 {
			return "", false
		}
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i++; i >= len(in) {
			return "", false
		}
		switch in[i] {
		case '"', '\\', '/':
			out = append(out, in[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+5 > len(in) {
				return "", false
			}
			r, err := strconv.ParseUint(string(in[i+1:i+5]), 16, 32)
			if err != nil || utf16.IsSurrogate(rune(r)) {
				return "", false
			}
			out = utf8.AppendRune(out, rune(r))
			i += 4
		default:
			return "", false
		}
	}
	return string(out), true
}
