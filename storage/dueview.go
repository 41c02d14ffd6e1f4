package storage

import "bytes"

// A due entry's value (rowFormat 11) is the case as list --json prints it
// with each of its JSON keys, `"name":`, written as two bytes: viewEscape
// and a code, the key's place in viewKeys with viewNull set when the
// key's value is null (then left out too) and viewComma when a comma
// came before the key (left out too). The view's 1.2 KB at 100,000 demo
// cases become about 0.6 KB: with the case's row no longer repeated in
// the entry (it is in the rows bucket), a 4 KB page holds five due
// entries, not two (the bucket's leaf use was 74%: a third 1.4 KB entry
// never fitted), and list --overdue reads the overdue range from a third
// of the pages.
//
// It is a substitution of exact bytes, undone exactly: json.Marshal never
// writes a byte below 0x20 (it escapes them), so viewEscape marks a key
// and nothing else, and whatever bytes a key's letters were found in
// (a subject's text included) are the bytes given back. Unpacking is a
// copy with a table lookup, not a decompression: list --overdue --json
// spends no time inflating what it prints.
const viewEscape = 0x01

const (
	viewNull  = 0x40 // a code's bit: the key's value is null
	viewComma = 0x80 // a code's bit: a comma before the key
	viewIndex = 0x3f // a code's bits that say which key
)

// viewKeys are the keys a view packs, in their order in cases.View; a
// stored format: entries are only ever appended (at most 64), never
// changed or moved. A key not here (a field added to the view later) is
// stored as it is.
var viewKeys = [...]string{
	`"id":`, `"request_id":`, `"linked":`, `"controller":`, `"right":`, `"status":`,
	`"subject":`, `"name":`, `"email":`, `"phone":`, `"postal_address":`, `"identifiers":`,
	`"requester":`, `"relation":`, `"channel":`, `"language":`, `"regime":`, `"tz":`,
	`"received_at":`, `"text":`, `"calendar":`, `"receipt_date":`, `"due":`, `"due_at":`,
	`"base_due":`, `"extended_due":`, `"extension_notice_by":`, `"extension_valid":`,
	`"refusal_by":`, `"promise_due":`, `"target_due":`, `"effective_due":`,
	`"effective_due_at":`, `"acknowledge_by":`, `"act_by":`, `"clock":`, `"clock_since":`,
	`"clock_reason":`, `"start_date":`, `"paused_days":`, `"due_without_pause":`,
	`"forwarded_on":`, `"steps":`, `"warnings":`, `"outcome":`, `"grounds":`, `"closed_at":`,
	`"answered_at":`, `"assignee":`, `"tags":`, `"revision":`, `"updated_at":`,
	`"updated_by":`, `"work_open":`, `"work_total":`, `"voided":`, `"at":`, `"by":`,
	`"reason":`,
}

// viewKeys has room for its codes' index bits (a build fails otherwise).
const _ = uint(viewIndex + 1 - len(viewKeys))

// viewKeyCodes is viewKeys' inverse.
var viewKeyCodes = func() map[string]byte {
	m := make(map[string]byte, len(viewKeys))
	for i, k := range viewKeys {
		m[k] = byte(i)
	}
	return m
}()

var jsonNull = []byte("null")

// appendPackedView appends view (json.Marshal's bytes) with its keys
// packed.
func appendPackedView(dst, view []byte) []byte {
	for i := 0; i < len(view); {
		q := bytes.IndexByte(view[i:], '"')
		if q < 0 {
			return append(dst, view[i:]...)
		}
		dst = append(dst, view[i:i+q]...)
		i += q
		if end := bytes.IndexByte(view[i+1:], '"'); end >= 0 {
			j := i + 1 + end // the closing quote
			if j+1 < len(view) && view[j+1] == ':' {
				if c, ok := viewKeyCodes[string(view[i:j+2])]; ok {
					if i > 0 && view[i-1] == ',' {
						c |= viewComma
						dst = dst[:len(dst)-1] // the comma, copied last
					}
					i = j + 2
					if bytes.HasPrefix(view[i:], jsonNull) {
						c |= viewNull
						i += len(jsonNull)
					}
					dst = append(dst, viewEscape, c)
					continue
				}
			}
		}
		dst = append(dst, '"')
		i++
	}
	return dst
}

// appendUnpackedView appends the view a packed one was made from; false
// when packed holds a code no view was packed with (a damaged entry).
func appendUnpackedView(dst, packed []byte) ([]byte, bool) {
	for {
		k := bytes.IndexByte(packed, viewEscape)
		if k < 0 {
			return append(dst, packed...), true
		}
		if k+1 >= len(packed) || int(packed[k+1]&viewIndex) >= len(viewKeys) {
			return dst, false
		}
		code := packed[k+1]
		dst = append(dst, packed[:k]...)
		if code&viewComma != 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, viewKeys[code&viewIndex]...)
		if code&viewNull != 0 {
			dst = append(dst, jsonNull...)
		}
		packed = packed[k+2:]
	}
}
