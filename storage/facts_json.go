package storage

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"rightsdesk/cases"
)

// appendFacts appends json.Marshal(&facts), facts being c without its
// events (a record's facts, encodeRecord), the same bytes without the
// reflection: json.Marshal builds, in each process, an encoder for every
// type a value can hold, and a case's holds cases.Event and all it nests,
// which a command that records one change (a note) paid for a case whose
// events it never writes there (TestAppendFactsIsMarshal).
func appendFacts(b []byte, c *cases.Case) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = appendJSONString(b, c.ID)
	b = append(b, `,"request_id":`...)
	b = appendJSONString(b, c.RequestID)
	b = appendStringsField(b, "linked", c.Linked)
	b = append(b, `,"controller":`...)
	b = appendJSONString(b, c.Controller)
	b = append(b, `,"right":`...)
	b = appendJSONString(b, string(c.Right))
	b = append(b, `,"subject":`...)
	b = appendSubject(b, &c.Subject)
	if c.Requester != nil {
		b = append(b, `,"requester":`...)
		b = appendRequester(b, c.Requester)
	}
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, string(c.Channel))
	b = append(b, `,"language":`...)
	b = appendJSONString(b, c.Language)
	b = appendStringField(b, "text", c.Text)
	b = append(b, `,"received_at":`...)
	if b, err = appendJSONTime(b, c.ReceivedAt); err != nil {
		return nil, err
	}
	b = appendRules(append(b, `,"rules":`...), &c.Rules)
	return append(b, `,"events":null}`...), nil
}

// appendView appends json.Marshal(v) for a view without its timeline (the
// view a case's value or its due entry holds, encodeCase), the same bytes
// without the reflection appendFacts avoids (TestAppendViewIsMarshal). A
// view with events goes to json.Marshal whole.
func appendView(b []byte, v *cases.View) ([]byte, error) {
	if len(v.Events) > 0 {
		raw, err := json.Marshal(v)
		return append(b, raw...), err
	}
	var err error
	b = append(b, `{"id":`...)
	b = appendJSONString(b, v.ID)
	b = append(b, `,"request_id":`...)
	b = appendJSONString(b, v.RequestID)
	b = appendStringsField(b, "linked", v.Linked)
	b = append(b, `,"controller":`...)
	b = appendJSONString(b, v.Controller)
	b = append(b, `,"right":`...)
	b = appendJSONString(b, string(v.Right))
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(v.Status))
	b = append(b, `,"subject":`...)
	b = appendSubject(b, &v.Subject)
	b = append(b, `,"requester":`...)
	if v.Requester == nil {
		b = append(b, "null"...)
	} else {
		b = appendRequester(b, v.Requester)
	}
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, string(v.Channel))
	b = append(b, `,"language":`...)
	b = appendJSONString(b, v.Language)
	b = append(b, `,"regime":`...)
	b = appendJSONString(b, v.Regime)
	b = append(b, `,"tz":`...)
	b = appendJSONString(b, v.Zone)
	b = append(b, `,"received_at":`...)
	if b, err = appendJSONTime(b, v.ReceivedAt); err != nil {
		return nil, err
	}
	b = appendStringField(b, "text", v.Text)
	if v.Deadlines != nil {
		if b, err = appendDeadlines(b, v.Deadlines); err != nil {
			return nil, err
		}
	}
	b = append(b, `,"outcome":`...)
	b = appendJSONString(b, string(v.Outcome))
	b = appendStringList(b, "grounds", v.Grounds)
	if b, err = appendNullableTime(b, "closed_at", v.ClosedAt); err != nil {
		return nil, err
	}
	if b, err = appendNullableTime(b, "answered_at", v.AnsweredAt); err != nil {
		return nil, err
	}
	b = append(b, `,"assignee":`...)
	b = appendJSONString(b, v.Assignee)
	b = appendStringList(b, "tags", v.Tags)
	b = append(b, `,"revision":`...)
	b = strconv.AppendInt(b, int64(v.Revision), 10)
	b = append(b, `,"updated_at":`...)
	if b, err = appendJSONTime(b, v.UpdatedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"updated_by":`...)
	b = appendJSONString(b, v.UpdatedBy)
	b = append(b, `,"work_open":`...)
	b = strconv.AppendInt(b, int64(v.WorkOpen), 10)
	b = append(b, `,"work_total":`...)
	b = strconv.AppendInt(b, int64(v.WorkTotal), 10)
	if x := v.Voided; x != nil {
		b = append(b, `,"voided":{"at":`...)
		if b, err = appendJSONTime(b, x.At); err != nil {
			return nil, err
		}
		b = append(b, `,"by":`...)
		b = appendJSONString(b, x.By)
		b = append(b, `,"reason":`...)
		b = append(appendJSONString(b, x.Reason), '}')
	}
	return append(b, '}'), nil
}

// appendDeadlines appends the fields of a view's deadlines as json.Marshal
// writes them inside the view: all but their regime and tz, which are the
// view's own (the shallower field wins).
func appendDeadlines(b []byte, d *cases.Deadlines) ([]byte, error) {
	var err error
	b = append(b, `,"calendar":`...)
	b = appendJSONString(b, d.Calendar)
	b = append(b, `,"receipt_date":`...)
	b = appendJSONString(b, d.ReceiptDate.String())
	b = appendNullableDate(b, "due", d.Due)
	if b, err = appendNullableTime(b, "due_at", d.DueAt); err != nil {
		return nil, err
	}
	b = appendNullableDate(b, "base_due", d.BaseDue)
	b = appendNullableDate(b, "extended_due", d.ExtendedDue)
	b = appendNullableDate(b, "extension_notice_by", d.ExtensionNoticeBy)
	b = append(b, `,"extension_valid":`...)
	switch {
	case d.ExtensionValid == nil:
		b = append(b, "null"...)
	case *d.ExtensionValid:
		b = append(b, "true"...)
	default:
		b = append(b, "false"...)
	}
	b = appendNullableDate(b, "refusal_by", d.RefusalBy)
	b = appendNullableDate(b, "promise_due", d.PromiseDue)
	b = appendNullableDate(b, "target_due", d.TargetDue)
	b = appendNullableDate(b, "effective_due", d.EffectiveDue)
	if b, err = appendNullableTime(b, "effective_due_at", d.EffectiveDueAt); err != nil {
		return nil, err
	}
	b = appendNullableDate(b, "acknowledge_by", d.AcknowledgeBy)
	b = appendNullableDate(b, "act_by", d.ActBy)
	b = append(b, `,"clock":`...)
	b = appendJSONString(b, string(d.Clock))
	b = appendNullableDate(b, "clock_since", d.ClockSince)
	b = appendStringField(b, "clock_reason", d.ClockReason)
	b = append(b, `,"start_date":`...)
	b = appendJSONString(b, d.StartDate.String())
	b = append(b, `,"paused_days":`...)
	b = strconv.AppendInt(b, int64(d.PausedDays), 10)
	b = appendNullableDate(b, "due_without_pause", d.DueWithoutPause)
	b = appendDateField(b, "forwarded_on", d.ForwardedOn)
	b = appendStringList(b, "steps", d.Steps)
	b = appendStringsField(b, "warnings", d.Warnings)

	return b, nil
}

// appendSubject appends a subject as json.Marshal writes it: its
// identifiers' keys in order, as it writes a map's.
func appendSubject(b []byte, s *cases.Subject) []byte {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, s.Name)
	b = appendStringField(b, "email", s.Email)
	b = appendStringField(b, "phone", s.Phone)
	b = appendStringField(b, "postal_address", s.PostalAddress)
	if len(s.Identifiers) > 0 {
		keys := make([]string, 0, len(s.Identifiers))
		for k := range s.Identifiers {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, `,"identifiers":{`...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, k), ':')
			b = appendJSONString(b, s.Identifiers[k])
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendRequester appends a requester as json.Marshal writes it.
func appendRequester(b []byte, r *cases.Requester) []byte {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, r.Name)
	b = append(b, `,"relation":`...)
	return append(appendJSONString(b, string(r.Relation)), '}')
}

// appendNullableDate appends ,"name": and d as its text, or null.
func appendNullableDate(b []byte, name string, d *cases.Date) []byte {
	if d == nil {
		return append(append(append(b, `,"`...), name...), `":null`...)
	}
	return appendDateField(b, name, d)
}

// appendNullableTime appends ,"name": and t as time.Time.MarshalJSON
// writes it, or null.
func appendNullableTime(b []byte, name string, t *time.Time) ([]byte, error) {
	b = append(append(append(b, `,"`...), name...), `":`...)
	if t == nil {
		return append(b, "null"...), nil
	}
	return appendJSONTime(b, *t)
}

// appendStringList appends ,"name": and a list without omitempty: null
// for a nil one, [] for an empty one.
func appendStringList[S ~string](b []byte, name string, list []S) []byte {
	if list == nil {
		return append(append(append(b, `,"`...), name...), `":null`...)
	}
	if len(list) == 0 {
		return append(append(append(b, `,"`...), name...), `":[]`...)
	}
	return appendStringsField(b, name, list)
}

// appendStoredRecord appends json.Marshal(s), the same bytes without the
// reflection (TestAppendStoredRecordIsMarshal): the embedded record's
// fields first, but for the two s shadows (case, retained), which come
// after them, as encoding/json orders fields by their place in the struct.
func appendStoredRecord(b []byte, s *storedRecord) ([]byte, error) {
	var err error
	b = append(b, `{"revision":`...)
	b = strconv.AppendInt(b, int64(s.Revision), 10)
	b = append(b, `,"updated_at":`...)
	if b, err = appendJSONTime(b, s.UpdatedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"updated_by":`...)
	b = appendJSONString(b, s.UpdatedBy)
	b = append(b, `,"head":`...)
	b = appendJSONString(b, s.Head)
	b = append(b, `,"events":`...)
	b = strconv.AppendUint(b, s.Events, 10)
	if s.CopiesPurged != nil {
		if b, err = appendNullableTime(b, "copies_purged", s.CopiesPurged); err != nil {
			return nil, err
		}
	}
	if s.RecordPurged != nil {
		if b, err = appendNullableTime(b, "record_purged", s.RecordPurged); err != nil {
			return nil, err
		}
	}
	b = append(b, `,"derived_at":`...)
	if b, err = appendJSONTime(b, s.DerivedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"case":`...)
	if b, err = appendRawJSON(b, s.Case); err != nil {
		return nil, err
	}
	if len(s.Retained) > 0 {
		b = append(b, `,"retained":[`...)
		for i, raw := range s.Retained {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendRawJSON(b, raw); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendRawJSON appends raw as json.Marshal writes a json.RawMessage:
// null for none, compacted and HTML-escaped otherwise (json.Compact
// then the escaping json.HTMLEscape does), an error for what is not JSON.
func appendRawJSON(b []byte, raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return append(b, "null"...), nil
	}
	out, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	return append(b, out...), nil
}

// appendRules appends json.Marshal(r), the same bytes without the
// reflection (TestAppendRulesIsMarshal): a case's facts hold its rules,
// and encoding/json would analyse Rules and all it nests in each process
// for them.
func appendRules(b []byte, r *cases.Rules) []byte {
	b = append(b, `{"regime":`...)
	b = appendJSONString(b, r.Regime)
	b = append(b, `,"tz":`...)
	b = appendJSONString(b, r.Zone)
	b = append(b, `,"calendar":`...)
	b = appendJSONString(b, r.Calendar)
	if len(r.ExtraHolidays) > 0 {
		b = append(b, `,"extra_holidays":[`...)
		for i, d := range r.ExtraHolidays {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, d.String())
		}
		b = append(b, ']')
	}
	b = appendIntField(b, "promise_days", r.PromiseDays, true)
	b = append(b, `,"pause":`...)
	b = appendJSONString(b, string(r.Pause))
	b = appendIntField(b, "pause_window_days", r.PauseWindowDays, false)
	b = appendIntField(b, "act_by_working_days", r.ActByWorkingDays, false)
	b = appendIntField(b, "forward_working_days", r.ForwardWorkingDays, false)
	b = appendIntField(b, "complaint_target_days", r.ComplaintTargetDays, false)
	b = appendIntField(b, "identity_wait_days", r.IdentityWaitDays, true)
	b = appendIntField(b, "backdate_hours", r.BackdateHours, true)
	b = appendBoolField(b, "earliest_clock", r.EarliestClock)
	if len(r.Systems) > 0 {
		b = append(b, `,"systems":[`...)
		for i := range r.Systems {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendSystem(b, &r.Systems[i])
		}
		b = append(b, ']')
	}
	if len(r.Purposes) > 0 {
		b = append(b, `,"purposes":[`...)
		for i, p := range r.Purposes {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendJSONString(b, p.ID)
			b = append(b, `,"purpose":`...)
			b = appendJSONString(b, p.Purpose)
			b = appendStringField(b, "basis", p.Basis)
			b = appendBoolField(b, "direct_marketing", p.DirectMarketing)
			b = append(b, `,"source":`...)
			b = append(appendJSONString(b, p.Source), '}')
		}
		b = append(b, ']')
	}
	b = appendStringsField(b, "assumptions", r.Assumptions)
	b = appendStringsField(b, "approval", r.Approval)
	b = appendStringField(b, "source", r.Source)
	return append(b, '}')
}

// appendSystem appends a system as json.Marshal writes it.
func appendSystem(b []byte, s *cases.System) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, s.ID)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, s.Name)
	b = appendStringsField(b, "categories", s.Categories)
	b = appendStringsField(b, "rights", s.Rights)
	b = appendStringField(b, "role", s.Role)
	b = appendStringField(b, "customer", s.Customer)
	b = appendStringField(b, "recipient", s.Recipient)
	if r := s.Retention; r != nil {
		b = append(b, `,"retention":{`...)
		if r.ID != "" {
			b = append(b, `"id":`...)
			b = appendJSONString(b, r.ID)
			b = append(b, ',')
		}
		b = append(b, `"data":`...)
		b = appendJSONString(b, r.Data)
		b = appendStringField(b, "length", r.Length)
		b = appendStringField(b, "period", r.Period)
		b = appendStringField(b, "from", r.From)
		b = appendStringField(b, "law", r.Law)
		b = appendStringField(b, "ground", string(r.Ground))
		b = appendStringField(b, "gap", r.Gap)
		b = append(b, '}')
	}
	b = append(b, `,"source":`...)
	return append(appendJSONString(b, s.Source), '}')
}

// appendIntField appends ,"name":n, unless n is 0 and the field is
// omitempty.
func appendIntField(b []byte, name string, n int, omitEmpty bool) []byte {
	if n == 0 && omitEmpty {
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":`...)
	return strconv.AppendInt(b, int64(n), 10)
}
