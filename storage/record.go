package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// record is what the cases bucket holds per case: its facts (the timeline
// lives in its own bucket), its revision and the head of its hash chain.
type record struct {
	Case      *cases.Case `json:"case"`
	Revision  int         `json:"revision"`
	UpdatedAt time.Time   `json:"updated_at"`
	UpdatedBy string      `json:"updated_by"`
	Head      string      `json:"head"`   // the chain hash after the last event
	Events    uint64      `json:"events"` // how many events the timeline holds

	// Retention (purge.go): when the files were removed, when the personal
	// content was reduced to the minimal record, and that record's events,
	// which stand in for the timeline contents removed (by position).
	CopiesPurged *time.Time    `json:"copies_purged,omitempty"`
	RecordPurged *time.Time    `json:"record_purged,omitempty"`
	Retained     []cases.Event `json:"retained,omitempty"`

	// DerivedAt is the instant the stored view, row and index entry were
	// derived as of (a paused case's dates count the pause up to that
	// day), so that check can derive them again and compare.
	DerivedAt time.Time `json:"derived_at"`

	// blobs are the frozen rules that what was encoded from this record
	// refers to, until a transaction puts them (rules.go).
	blobs []rulesBlob
	// seed is the test seed salts derive from (nil: random salts).
	seed []byte
	// LastDigest is the digest of the event chain last encoded: one leaf
	// of the organisation's log (case ID, sequence rec.Events, digest).
	LastDigest string `json:"-"`
}

// deriveState derives the case's state as of now (brief: without the
// deadlines' working) and notes the instant for what is stored from it.
func (rec *record) deriveState(now time.Time, brief bool) (*cases.State, error) {
	var st *cases.State
	var err error
	if brief {
		st, err = rec.Case.DeriveDates(now)
	} else {
		st, err = rec.Case.Derive(now)
	}
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", rec.Case.ID, err)
	}
	rec.DerivedAt = now
	return st, nil
}

// storedRecord is a record as the cases bucket holds it: the case's facts
// as JSON whose frozen rules are a reference (rules.go). Its Case shadows
// the record's.
type storedRecord struct {
	record
	Case     json.RawMessage   `json:"case"`
	Retained []json.RawMessage `json:"retained,omitempty"` // the events of a minimal record, rules by reference too
}

// Loaded is a case as read from the store.
type Loaded struct {
	Case     *cases.Case
	Revision int
	Head     string
}

// NotFound is an unknown case ID.
type NotFound struct{ ID string }

func (e *NotFound) Error() string { return fmt.Sprintf("no case %s", e.ID) }

// u64 is the key of a timeline entry or a change: big-endian, so that keys
// sort as the numbers do.
func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

// A case's value in the cases bucket holds two parts, so that one write
// keeps them together: its record (JSON, without the timeline) and the case
// as list --json prints it. Schema 1 held the record alone, as bare JSON.
// From schema 7 the view of a case in the due index is in its due entry
// alone, and its value's view is empty.
const caseValueFormat = 2

func encodeCaseValue(recordJSON, view []byte) []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(recordJSON)+len(view))
	b = append(b, caseValueFormat)
	b = binary.AppendUvarint(b, uint64(len(recordJSON)))
	b = append(b, recordJSON...)
	return append(b, view...)
}

// splitCaseValue returns the record and the view of a stored case (no view
// for a schema-1 value).
func splitCaseValue(v []byte) (recordJSON, view []byte, err error) {
	if len(v) > 0 && v[0] == '{' {
		return v, nil, nil
	}
	if len(v) > 0 && (v[0] == caseValueFrozen || v[0] == caseValueFrozen3) {
		if v, err = thawCaseValue(v); err != nil {
			return nil, nil, err
		}
	}
	if len(v) == 0 || v[0] != caseValueFormat {
		return nil, nil, errBadRow
	}
	n, k := binary.Uvarint(v[1:])
	if k <= 0 || uint64(len(v)-1-k) < n {
		return nil, nil, errBadRow
	}
	return v[1+k : 1+k+int(n)], v[1+k+int(n):], nil
}

// loadRecord reads a case's record and its whole timeline. What the case
// says is derived from the timeline (cases.Case.FactsFromChain): the
// record's own copy of the facts is only read for a case recorded before
// the chain held them and not yet migrated. An event recorded before the
// case's migrated event is marked Unattested; an event whose content a
// purge under an older version removed is replaced by its minimal record,
// kept by a later migrated or purged event (or, before the migration, by
// the record).
func loadRecord(tx kv.Tx, id string) (*record, error) {
	raw := tx.Bucket(bucketCases).Get([]byte(id))
	if raw == nil {
		return nil, &NotFound{ID: id}
	}
	recordJSON, _, err := splitCaseValue(raw)
	if err != nil {
		return nil, fmt.Errorf("case %s: unreadable record: %w", id, err)
	}
	var stored storedRecord
	if err := json.Unmarshal(recordJSON, &stored); err != nil {
		return nil, fmt.Errorf("case %s: unreadable record: %w", id, err)
	}
	lookup := rulesLookup(tx)
	tl, ok := timelineOf(tx, id)
	if !ok {
		return nil, fmt.Errorf("case %s: no timeline", id)
	}
	events, removed, err := readEvents(tl, id, lookup)
	if err != nil {
		return nil, err
	}
	return assembleRecord(&stored, id, events, removed, lookup)
}

// assembleRecord is the second half of loadRecord: the record from its
// stored form and its decoded timeline (events, in order, with the
// positions of those whose content was removed). check builds it from the
// envelopes it has verified, without reading them again.
func assembleRecord(stored *storedRecord, id string, events []cases.Event, removed []int, lookup func(string) []byte) (*record, error) {
	rec := stored.record
	var err error
	migrated, retained := -1, []cases.Event(nil)
	for i := range events {
		if events[i].Kind == cases.EventMigrated {
			migrated = i
		}
		if k := events[i].Kind; (k == cases.EventMigrated || k == cases.EventPurged) && events[i].Retained != nil {
			retained = events[i].Retained
		}
	}
	if len(removed) > 0 && retained == nil {
		// Purged under an older version and not yet migrated: the record
		// keeps the minimal record.
		if retained, err = storedRetained(stored.Retained, lookup); err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
	}
	for _, i := range removed {
		if i < len(retained) {
			events[i] = retained[i]
			events[i].Unattested = false
		}
	}
	for i := 0; i < migrated; i++ {
		events[i].Unattested = true
	}
	rec.Retained = nil
	rec.Case = &cases.Case{ID: id, Events: events}
	ok, err := rec.Case.FactsFromChain()
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", id, err)
	}
	if !ok {
		// Recorded before the chain held every fact: the record's copy.
		caseJSON, err := expandRules(stored.Case, lookup)
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
		facts := &cases.Case{}
		if err := json.Unmarshal(caseJSON, facts); err != nil {
			return nil, fmt.Errorf("case %s: unreadable record: %w", id, err)
		}
		facts.ID, facts.Events = id, events
		rec.Case = facts
		if rec.Retained, err = storedRetained(stored.Retained, lookup); err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
	}
	return &rec, nil
}

// readEvents decodes a case's timeline, its personal values put back; the
// events whose content was removed are left empty and listed in removed.
func readEvents(tl timeline, id string, lookup func(string) []byte) (events []cases.Event, removed []int, err error) {
	err = tl.forEach(func(k, v []byte) error {
		var env envelope
		if err := unmarshalEnvelope(v, &env); err != nil {
			return fmt.Errorf("case %s event %d: %w", id, binary.BigEndian.Uint64(k), err)
		}
		var ev cases.Event
		if len(env.Content) > 0 {
			content, err := expandRules(env.Content, lookup)
			if err != nil {
				return fmt.Errorf("case %s event %d: %w", id, env.Seq, err)
			}
			if err := cases.UnmarshalEvent(content, &ev); err != nil { // json.Unmarshal, the store's form by hand
				return fmt.Errorf("case %s event %d: %w", id, env.Seq, err)
			}
			if err := openPersonal(&ev, env.Personal); err != nil {
				return fmt.Errorf("case %s event %d: %w", id, env.Seq, err)
			}
			ev.Unattested = false
		} else {
			removed = append(removed, len(events))
		}
		events = append(events, ev)
		return nil
	})
	return events, removed, err
}

// storedRetained decodes the minimal record a record of an older version
// kept for a purged case.
func storedRetained(raws []json.RawMessage, lookup func(string) []byte) ([]cases.Event, error) {
	var out []cases.Event
	for i, raw := range raws {
		var ev cases.Event
		content, err := expandRules(raw, lookup)
		if err == nil {
			err = json.Unmarshal(content, &ev)
		}
		if err != nil {
			return nil, fmt.Errorf("retained event %d: %w", i+1, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// loadState reads a case and derives its state as of now.
func loadState(tx kv.Tx, id string, now time.Time) (*record, *cases.State, error) {
	rec, err := loadRecord(tx, id)
	if err != nil {
		return nil, nil, err
	}
	st, err := rec.deriveState(now, true)
	if err != nil {
		return nil, nil, err
	}
	return rec, st, nil
}

// Get reads one case with its timeline.
func (s *Store) Get(id string) (*Loaded, error) {
	var out *Loaded
	err := s.view(func(tx kv.Tx) error {
		rec, err := loadRecord(tx, id)
		if err != nil {
			return err
		}
		out = &Loaded{Case: rec.Case, Revision: rec.Revision, Head: rec.Head}
		return nil
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, &NotFound{ID: id}
	}
	return out, err
}

// Each reads the cases ids in one read transaction and calls fn with each,
// in the order given: what a report over many cases reads, without a
// transaction per case. An ID with no case is NotFound. fn runs inside the
// transaction: it must not call the store.
func (s *Store) Each(ids []string, fn func(l *Loaded) error) error {
	err := s.view(func(tx kv.Tx) error {
		for _, id := range ids {
			rec, err := loadRecord(tx, id)
			if err != nil {
				return err
			}
			if err := fn(&Loaded{Case: rec.Case, Revision: rec.Revision, Head: rec.Head}); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrNoDatabase) && len(ids) > 0 {
		return &NotFound{ID: ids[0]}
	}
	if errors.Is(err, ErrNoDatabase) {
		return nil
	}
	return err
}

// putRecord writes a case's record and what is derived from it, and logs
// the change.
func putRecord(tx kv.Tx, rec *record, st *cases.State, batch *indexBatch) error {
	if err := writeCase(tx, rec, st, batch); err != nil {
		return err
	}
	changes := tx.Bucket(bucketChanges)
	n, err := changes.NextSequence()
	if err != nil {
		return err
	}
	return changes.Put(u64(n), []byte(rec.Case.ID))
}

// putChanged puts v under k in b unless b already holds exactly v there:
// bbolt copies a page and every branch page above it for a put, even of
// the bytes it holds, and a change to one case leaves most of what is
// derived from it as it was (a note changes no report entry, no count).
func putChanged(b kv.Bucket, k, v []byte) error {
	if old := b.Get(k); old != nil && bytes.Equal(old, v) {
		return nil
	}
	return b.Put(k, v)
}

// writeCase writes a case's record with its list view, its queue row and
// its entry in the due-date index, moving the entry it had before.
func writeCase(tx kv.Tx, rec *record, st *cases.State, batch *indexBatch) error {
	enc, err := encodeCase(rec, st)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketCases).Put(enc.id, enc.value); err != nil {
		return err
	}
	if err := putRules(tx, enc.blobs); err != nil {
		return err
	}
	rows := tx.Bucket(bucketRows)
	if rows == nil {
		return nil // schema 1 had no derived buckets (the migration fixture)
	}
	if old := rows.Get(enc.id); old != nil {
		if _, ref, err := decodeRow(old); err == nil && len(ref) > 0 {
			bucket, key, _ := bytes.Cut(ref, []byte{'/'})
			if err := tx.Bucket(bucket).Delete(key); err != nil {
				return err
			}
		}
	}
	return enc.putDerived(tx, batch)
}

// encodedCase is a case's record and what is derived from it, encoded and
// ready to be put.
type encodedCase struct {
	id, value, row []byte
	sum            cases.Summary // what row encodes, for the derived buckets written beside it
	index          indexEntry    // bucket nil: in no index (closed)
	blobs          []rulesBlob   // the frozen rules the record and its new events refer to

	reportKey, report []byte // the report entry (reportrow.go); nil for a voided case
}

// encodeCase encodes a case's record with its list view (the cases
// bucket's value), its queue row and its index entry.
func encodeCase(rec *record, st *cases.State) (*encodedCase, error) {
	recordJSON, err := encodeRecord(rec)
	if err != nil {
		return nil, err
	}
	view, err := appendView(nil, cases.NewView(rec.Case, st, rec.Revision, false))
	if err != nil {
		return nil, err
	}
	enc := &encodedCase{id: []byte(rec.Case.ID), blobs: rec.blobs}
	bucket, key := indexKey(rec.Case, st)
	var ref []byte
	if bucket != nil {
		ref = append(append(append(ref, bucket...), '/'), key...)
	}
	sum := cases.Summarize(rec.Case, st, rec.Revision)
	enc.row, enc.sum = encodeRow(&sum, ref), sum
	enc.reportKey, enc.report = encodeReportEntry(rec.Case, st, &sum)
	enc.index = indexEntry{bucket: bucket, key: key}
	// The due index carries the view, so that "overdue" and "due within"
	// read one bucket in order, without a lookup per case; from schema 7
	// the view is kept there alone, not also in the case's value (viewOf
	// finds it); from rowFormat 11 packed, without the row.
	if bytes.Equal(bucket, bucketDue) {
		enc.index.value, view = encodeDueValue(view), nil
	}
	enc.value = encodeCaseValue(recordJSON, view)
	return enc, nil
}

// factsJSON is json.Marshal of c without its events, the same bytes, its
// rules written by rulesJSON: a bulk write's cases hold the same few rule
// sets, some 5 KB of JSON each, and marshalling them again for each case
// took 1.5 of the demo's 40 CPU-seconds at 100,000 cases. The rules are
// the last field but the events, so the rest is marshalled with the rules
// left at zero and their JSON put in place of the zero rules' (and should
// the layout ever differ, c is marshalled whole).
func factsJSON(c *cases.Case) ([]byte, error) {
	facts := *c
	facts.Events, facts.Rules = nil, cases.Rules{}
	raw, err := appendFacts(nil, &facts) // json.Marshal's bytes (facts_json.go)
	if err != nil {
		return nil, err
	}
	tail := zeroRulesTail()
	if !bytes.HasSuffix(raw, tail) {
		facts.Rules = c.Rules
		return appendFacts(nil, &facts)
	}
	rules, err := rulesJSON(&c.Rules)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(raw)-len(tail)+len(rules)+len(eventsNull)+len(rulesKey))
	out = append(append(out, raw[:len(raw)-len(tail)]...), rulesKey...)
	return append(append(out, rules...), eventsNull...), nil
}

// eventsNull is how a case without events ends its JSON.
const eventsNull = `,"events":null}`

// zeroRulesTail is how a case with zero rules and no events ends its JSON.
var zeroRulesTail = sync.OnceValue(func() []byte {
	zero := appendRules(nil, &cases.Rules{})
	return append(append(append([]byte(nil), rulesKey...), zero...), eventsNull...)
})

// encodeRecord is a record's JSON as stored: the case's facts without the
// timeline, the frozen rules by reference (whose blob joins rec.blobs).
func encodeRecord(rec *record) ([]byte, error) {
	caseJSON, err := factsJSON(rec.Case)
	if err != nil {
		return nil, err
	}
	caseJSON, blob := compactRules(caseJSON, true)
	if blob != nil {
		rec.blobs = append(rec.blobs, *blob)
	}
	stored := storedRecord{record: *rec, Case: caseJSON}
	for _, ev := range rec.Retained {
		raw, err := json.Marshal(&ev)
		if err != nil {
			return nil, err
		}
		if ev.Rules != nil {
			if raw, blob = compactRules(raw, true); blob != nil {
				rec.blobs = append(rec.blobs, *blob)
			}
		}
		stored.Retained = append(stored.Retained, raw)
	}
	return appendStoredRecord(nil, &stored)
}
