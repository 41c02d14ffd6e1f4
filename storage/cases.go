package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
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
}

// envelope is one stored timeline entry. Prev is the chain hash before it
// and Digest the SHA-256 of Content exactly as stored, so Content can later
// be purged for retention while the chain still verifies.
type envelope struct {
	Seq     uint64          `json:"seq"`
	Prev    string          `json:"prev"`
	Digest  string          `json:"digest"`
	Content json.RawMessage `json:"content,omitempty"`
}

// chainStart is the hash the first event of a case chains from.
func chainStart(id string) string {
	sum := sha256.Sum256([]byte("rightsdesk timeline " + id))
	return hex.EncodeToString(sum[:])
}

// chainNext is the chain hash after an event with the given digest.
func chainNext(prev, digest string) string {
	sum := sha256.Sum256([]byte(prev + digest))
	return hex.EncodeToString(sum[:])
}

// Loaded is a case as read from the store.
type Loaded struct {
	Case     *cases.Case
	Revision int
	Head     string
}

// Conflict is a write refused because the case changed since the revision
// the caller showed (--if-revision).
type Conflict struct {
	ID        string
	Expected  int
	Revision  int
	UpdatedBy string
	UpdatedAt time.Time
	// What are the kinds of the events recorded since the expected revision.
	What []cases.EventKind
}

func (e *Conflict) Error() string {
	what := "changed"
	if len(e.What) > 0 {
		kinds := make([]string, len(e.What))
		for i, k := range e.What {
			kinds[i] = string(k)
		}
		what = strings.Join(kinds, ", ")
	}
	return fmt.Sprintf("%s changed: it is at revision %d, not %d (%s by %s at %s); reload it and try again",
		e.ID, e.Revision, e.Expected, what, e.UpdatedBy, e.UpdatedAt.UTC().Format(time.RFC3339))
}

// NotFound is an unknown case ID.
type NotFound struct{ ID string }

func (e *NotFound) Error() string { return fmt.Sprintf("no case %s", e.ID) }

// Result is what an action did.
type Result struct {
	Event    cases.Event
	Warnings []string
	Revision int
	View     *cases.View
}

// NoRevision means "apply against the current state, whatever it is".
const NoRevision = -1

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

// appendEvent adds an event to a case's timeline, extending its chain.
func appendEvent(tx *bolt.Tx, rec *record, ev cases.Event) error {
	tl, err := tx.Bucket(bucketTimelines).CreateBucketIfNotExists([]byte(rec.Case.ID))
	if err != nil {
		return err
	}
	env, err := rec.chain(ev)
	if err != nil {
		return err
	}
	return tl.Put(u64(rec.Events), env)
}

// chain encodes the next event of a case's timeline, its envelope chained
// to the one before, and moves the record on (head, revision, updated).
func (rec *record) chain(ev cases.Event) ([]byte, error) {
	content, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	digest := hex.EncodeToString(sum[:])
	prev := rec.Head
	if prev == "" {
		prev = chainStart(rec.Case.ID)
	}
	rec.Events++
	env, err := json.Marshal(envelope{Seq: rec.Events, Prev: prev, Digest: digest, Content: content})
	if err != nil {
		return nil, err
	}
	rec.Head = chainNext(prev, digest)
	rec.Revision++
	rec.UpdatedAt, rec.UpdatedBy = ev.RecordedAt, ev.Actor
	return env, nil
}

// putRecord writes a case's record and what is derived from it, and logs
// the change.
func putRecord(tx *bolt.Tx, rec *record, st *cases.State, batch *indexBatch) error {
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

// A case's value in the cases bucket holds two parts, so that one write
// keeps them together: its record (JSON, without the timeline) and the case
// as list --json prints it. Schema 1 held the record alone, as bare JSON.
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
	if len(v) == 0 || v[0] != caseValueFormat {
		return nil, nil, errBadRow
	}
	n, k := binary.Uvarint(v[1:])
	if k <= 0 || uint64(len(v)-1-k) < n {
		return nil, nil, errBadRow
	}
	return v[1+k : 1+k+int(n)], v[1+k+int(n):], nil
}

// loadRecord reads a case's record and its whole timeline.
func loadRecord(tx *bolt.Tx, id string) (*record, error) {
	raw := tx.Bucket(bucketCases).Get([]byte(id))
	if raw == nil {
		return nil, &NotFound{ID: id}
	}
	recordJSON, _, err := splitCaseValue(raw)
	if err != nil {
		return nil, fmt.Errorf("case %s: unreadable record: %w", id, err)
	}
	var rec record
	if err := json.Unmarshal(recordJSON, &rec); err != nil {
		return nil, fmt.Errorf("case %s: unreadable record: %w", id, err)
	}
	tl := tx.Bucket(bucketTimelines).Bucket([]byte(id))
	if tl == nil {
		return nil, fmt.Errorf("case %s: no timeline", id)
	}
	err = tl.ForEach(func(k, v []byte) error {
		var env envelope
		if err := json.Unmarshal(v, &env); err != nil {
			return fmt.Errorf("case %s event %d: %w", id, binary.BigEndian.Uint64(k), err)
		}
		var ev cases.Event
		switch i := len(rec.Case.Events); {
		case len(env.Content) > 0:
			if err := json.Unmarshal(env.Content, &ev); err != nil {
				return fmt.Errorf("case %s event %d: %w", id, env.Seq, err)
			}
		case i < len(rec.Retained):
			ev = rec.Retained[i] // purged: the minimal record stands in
		}
		rec.Case.Events = append(rec.Case.Events, ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// nextID numbers a case in the year of its receipt: DSR-2026-000042.
func nextID(tx *bolt.Tx, year int) (string, error) {
	ids, err := tx.Bucket(bucketIDs).CreateBucketIfNotExists([]byte(strconv.Itoa(year)))
	if err != nil {
		return "", err
	}
	n, err := ids.NextSequence()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("DSR-%04d-%06d", year, n), nil
}

// Add records a new request: one case per right, linked as one request, in
// one transaction. It returns the cases with their IDs.
func (s *Store) Add(in cases.Intake, rules cases.Rules, now time.Time, actor string) ([]*cases.Case, error) {
	created, err := cases.NewCases(in, rules, now, actor)
	if err != nil {
		return nil, err
	}
	if err := s.AddRequests([][]*cases.Case{created}, now, 0); err != nil {
		return nil, err
	}
	return created, nil
}

// AddRequests records many requests, each a group of cases already built
// and checked by the domain (cases.NewCases, then cases.Apply for any later
// events). It numbers them, links each group as one request and writes them
// perTx requests to a transaction (0: all in one, so that all or nothing is
// written). It is how imports and the demo generator write in bulk.
func (s *Store) AddRequests(requests [][]*cases.Case, now time.Time, perTx int) error {
	if perTx <= 0 {
		perTx = len(requests)
	}
	for start := 0; start < len(requests); start += perTx {
		chunk := requests[start:min(start+perTx, len(requests))]
		write := s.update
		if len(chunk) > 100 {
			write = s.updateBulk
		}
		err := write(func(tx *bolt.Tx) error {
			batch := &indexBatch{}
			// New cases take increasing IDs, so these buckets grow at their
			// end: pack their pages full instead of half.
			for _, name := range [][]byte{bucketCases, bucketTimelines, bucketFiles, bucketRows, bucketChanges} {
				if b := tx.Bucket(name); b != nil {
					b.FillPercent = 0.95
				}
			}
			if err := insertRequests(tx, chunk, now, batch); err != nil {
				return err
			}
			return batch.flush(tx)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// numberRequest gives the cases of one request their IDs, in the year of
// its receipt, and links them as one request.
func numberRequest(tx *bolt.Tx, group []*cases.Case) error {
	if len(group) == 0 {
		return nil
	}
	loc, err := cases.LoadZone(group[0].Rules.Zone)
	if err != nil {
		return err
	}
	year := group[0].ReceivedAt.In(loc).Year()
	ids := make([]string, len(group))
	for i := range group {
		if ids[i], err = nextID(tx, year); err != nil {
			return err
		}
	}
	for i, c := range group {
		c.ID, c.RequestID, c.Linked = ids[i], ids[0], nil
		for _, id := range ids {
			if id != c.ID {
				c.Linked = append(c.Linked, id)
			}
		}
	}
	return nil
}

// newCase is a case numbered and encoded, ready to be put: its timeline's
// envelopes, its record and what is derived from it.
type newCase struct {
	c    *cases.Case
	envs [][]byte
	enc  *encodedCase
}

// encodeNewCase encodes a numbered case: its events chained, then its
// record, derived as of now. It touches no transaction.
func encodeNewCase(c *cases.Case, now time.Time) (newCase, error) {
	rec := &record{Case: c}
	out := newCase{c: c, envs: make([][]byte, 0, len(c.Events))}
	for _, ev := range c.Events {
		env, err := rec.chain(ev)
		if err != nil {
			return out, err
		}
		out.envs = append(out.envs, env)
	}
	st, err := c.Derive(now)
	if err != nil {
		return out, err
	}
	out.enc, err = encodeCase(rec, st)
	return out, err
}

// put writes an encoded new case: its timeline and files, then its record,
// row and index entry, and logs the change.
func (n *newCase) put(tx *bolt.Tx, batch *indexBatch) error {
	tl, err := tx.Bucket(bucketTimelines).CreateBucketIfNotExists(n.enc.id)
	if err != nil {
		return err
	}
	for i, env := range n.envs {
		if err := tl.Put(u64(uint64(i+1)), env); err != nil {
			return err
		}
		if a := n.c.Events[i].Attachment; n.c.Events[i].Kind == cases.EventAttached && a != nil && a.Content != nil {
			if err := putFile(tx, n.c.ID, a.Name, a.Content); err != nil {
				return err
			}
		}
	}
	if err := tx.Bucket(bucketCases).Put(n.enc.id, n.enc.value); err != nil {
		return err
	}
	if err := n.enc.putDerived(tx, batch); err != nil {
		return err
	}
	changes := tx.Bucket(bucketChanges)
	seq, err := changes.NextSequence()
	if err != nil {
		return err
	}
	return changes.Put(u64(seq), n.enc.id)
}

// insertRequests numbers the cases of many requests, links each request's
// cases and writes them. Encoding the cases (their chained timelines,
// records, views and rows: most of the work) runs on the other cores a
// block at a time, while the transaction's goroutine puts the block before.
func insertRequests(tx *bolt.Tx, requests [][]*cases.Case, now time.Time, batch *indexBatch) error {
	var all []*cases.Case
	for _, group := range requests {
		if err := numberRequest(tx, group); err != nil {
			return err
		}
		all = append(all, group...)
	}
	const blockSize = 256
	type block struct {
		cases []newCase
		err   error
	}
	encode := func(cs []*cases.Case) block {
		out := make([]newCase, len(cs))
		errs := make([]error, len(cs))
		workers := max(1, min(runtime.GOMAXPROCS(0), len(cs)/16))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(cs); i += workers {
					out[i], errs[i] = encodeNewCase(cs[i], now)
				}
			}()
		}
		wg.Wait()
		return block{cases: out, err: errors.Join(errs...)}
	}
	var next chan block
	ahead := func(from int) {
		next = nil
		if from < len(all) {
			next = make(chan block, 1)
			cs := all[from:min(from+blockSize, len(all))]
			go func(ch chan block) { ch <- encode(cs) }(next)
		}
	}
	ahead(0)
	for from := 0; next != nil; from += blockSize {
		b := <-next
		ahead(from + blockSize) // the next block is encoded while this one is put
		if b.err != nil {
			if next != nil {
				<-next // let the block ahead finish before the transaction ends
			}
			return b.err
		}
		for i := range b.cases {
			if err := b.cases[i].put(tx, batch); err != nil {
				if next != nil {
					<-next
				}
				return err
			}
		}
	}
	return nil
}

// loadState reads a case and derives its state as of now.
func loadState(tx *bolt.Tx, id string, now time.Time) (*record, *cases.State, error) {
	rec, err := loadRecord(tx, id)
	if err != nil {
		return nil, nil, err
	}
	st, err := rec.Case.Derive(now)
	if err != nil {
		return nil, nil, fmt.Errorf("case %s: %w", id, err)
	}
	return rec, st, nil
}

// Get reads one case with its timeline.
func (s *Store) Get(id string) (*Loaded, error) {
	var out *Loaded
	err := s.view(func(tx *bolt.Tx) error {
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

// Apply records one event through the action service (Do): checked against
// the case as it is now and against the revision the caller showed, unless
// NoRevision; one transaction committed with fsync.
func (s *Store) Apply(id string, ev cases.Event, ifRevision int, now time.Time) (*Result, error) {
	res, err := s.Do(id, []Action{{Event: ev, IfRevision: ifRevision}}, now)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// applyTx is one action inside a read-write transaction: read the case,
// check its revision and the transition, append the event, write what is
// derived.
func applyTx(tx *bolt.Tx, id string, ev cases.Event, ifRevision int, now time.Time) (*Result, error) {
	rec, err := loadRecord(tx, id)
	if err != nil {
		return nil, err
	}
	if ifRevision != NoRevision && rec.Revision != ifRevision {
		c := &Conflict{ID: id, Expected: ifRevision, Revision: rec.Revision, UpdatedBy: rec.UpdatedBy, UpdatedAt: rec.UpdatedAt}
		// One event per revision: the last Revision-Expected events are the change.
		if n := rec.Revision - ifRevision; n > 0 && n <= len(rec.Case.Events) && len(rec.Case.Events) == rec.Revision {
			for _, e := range rec.Case.Events[len(rec.Case.Events)-n:] {
				c.What = append(c.What, e.Kind)
			}
		}
		return nil, c
	}
	done, warnings, err := cases.Apply(rec.Case, ev, now)
	if err != nil {
		return nil, err
	}
	if err := appendEvent(tx, rec, done); err != nil {
		return nil, err
	}
	rec.Case.Events = append(rec.Case.Events, done)
	st, err := rec.Case.Derive(now)
	if err != nil {
		return nil, err
	}
	if err := putRecord(tx, rec, st, nil); err != nil {
		return nil, err
	}
	return &Result{Event: done, Warnings: warnings, Revision: rec.Revision, View: cases.NewView(rec.Case, st, rec.Revision, true)}, nil
}

// Changes returns the change counter and the IDs of the cases changed after
// the change numbered since, so that a long-running session reloads only
// what changed.
func (s *Store) Changes(since uint64) (uint64, []string, error) {
	var last uint64
	var ids []string
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketChanges)
		last = b.Sequence()
		seen := map[string]bool{}
		c := b.Cursor()
		for k, v := c.Seek(u64(since + 1)); k != nil; k, v = c.Next() {
			if id := string(v); !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return nil
	})
	if errors.Is(err, ErrNoDatabase) {
		return 0, nil, nil
	}
	return last, ids, err
}

// fixedNano is RFC 3339 with nanoseconds that keeps its width, so that keys
// sort as times do.
const fixedNano = "2006-01-02T15:04:05.000000000Z"

// splitDueValue separates the row and the view a due-index entry carries.
func splitDueValue(v []byte) (row, view []byte, ok bool) {
	n, k := binary.Uvarint(v)
	if k <= 0 || uint64(len(v)-k) < n {
		return nil, nil, false
	}
	return v[k : k+int(n)], v[k+int(n):], true
}

// indexKey is the case's key in the due or waiting index, or nil when it is
// closed.
func indexKey(c *cases.Case, st *cases.State) ([]byte, []byte) {
	d := st.Deadlines
	switch {
	case st.Status == cases.StatusClosed:
		return nil, nil
	case d.Clock == cases.ClockRunning && d.EffectiveDueAt != nil:
		// Due instant, then receipt, then ID: the urgency order of open
		// cases with a running clock, so the index is read in order.
		return bucketDue, []byte(d.EffectiveDueAt.UTC().Format(time.RFC3339) + "\x00" +
			c.ReceivedAt.UTC().Format(fixedNano) + "\x00" + c.ID)
	}
	return bucketWaiting, []byte(st.Deadlines.ReceiptDate.String() + "\x00" + c.ID)
}

// writeCase writes a case's record with its list view, its queue row and
// its entry in the due-date index, moving the entry it had before.
func writeCase(tx *bolt.Tx, rec *record, st *cases.State, batch *indexBatch) error {
	enc, err := encodeCase(rec, st)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketCases).Put(enc.id, enc.value); err != nil {
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
	index          indexEntry // bucket nil: in no index (closed)
}

// encodeCase encodes a case's record with its list view (the cases
// bucket's value), its queue row and its index entry.
func encodeCase(rec *record, st *cases.State) (*encodedCase, error) {
	facts := *rec.Case
	facts.Events = nil
	stored := *rec
	stored.Case = &facts
	recordJSON, err := json.Marshal(stored)
	if err != nil {
		return nil, err
	}
	view, err := json.Marshal(cases.NewView(rec.Case, st, rec.Revision, false))
	if err != nil {
		return nil, err
	}
	enc := &encodedCase{id: []byte(rec.Case.ID), value: encodeCaseValue(recordJSON, view)}
	bucket, key := indexKey(rec.Case, st)
	var ref []byte
	if bucket != nil {
		ref = append(append(append(ref, bucket...), '/'), key...)
	}
	sum := cases.Summarize(rec.Case, st, rec.Revision)
	enc.row = encodeRow(&sum, ref)
	enc.index = indexEntry{bucket: bucket, key: key}
	// The due index carries the row and the view too, so that "overdue"
	// and "due within" read one bucket in order, without a lookup per case.
	if bytes.Equal(bucket, bucketDue) {
		enc.index.value = append(binary.AppendUvarint(nil, uint64(len(enc.row))), enc.row...)
		enc.index.value = append(enc.index.value, view...)
	}
	return enc, nil
}

// putDerived puts the case's row and its index entry (into the batch when
// there is one).
func (enc *encodedCase) putDerived(tx *bolt.Tx, batch *indexBatch) error {
	if err := tx.Bucket(bucketRows).Put(enc.id, enc.row); err != nil {
		return err
	}
	switch {
	case enc.index.bucket == nil:
		return nil
	case batch != nil:
		batch.entries = append(batch.entries, enc.index)
		return nil
	}
	return tx.Bucket(enc.index.bucket).Put(enc.index.key, enc.index.value)
}

// indexBatch holds the due and waiting index entries of a bulk write, to be
// put in key order at the end of the transaction: keys put in random order
// make each insert shift a page that grows in memory until commit, which is
// quadratic over a large import. Only new cases go through a batch (they
// have no older entry to remove).
type indexBatch struct{ entries []indexEntry }

type indexEntry struct{ bucket, key, value []byte }

func (b *indexBatch) flush(tx *bolt.Tx) error {
	slices.SortFunc(b.entries, func(x, y indexEntry) int {
		if c := bytes.Compare(x.bucket, y.bucket); c != 0 {
			return c
		}
		return bytes.Compare(x.key, y.key)
	})
	for _, e := range b.entries {
		if err := tx.Bucket(e.bucket).Put(e.key, e.value); err != nil {
			return err
		}
	}
	b.entries = b.entries[:0]
	return nil
}

// rebuildIndex recomputes what is derived from every case: its view, row
// and due-date index entry (after a migration, or when the engine that
// computed them changed).
func rebuildIndex(tx *bolt.Tx) error {
	for _, n := range bucketsV2 {
		if err := tx.DeleteBucket(n); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
		if _, err := tx.CreateBucket(n); err != nil {
			return err
		}
	}
	now := time.Now()
	var ids []string
	_ = tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error { ids = append(ids, string(k)); return nil })
	batch := &indexBatch{}
	for _, id := range ids {
		rec, st, err := loadState(tx, id, now)
		if err != nil {
			return err
		}
		if err := writeCase(tx, rec, st, batch); err != nil {
			return err
		}
	}
	if err := batch.flush(tx); err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keyIndexEngine, indexStamp())
}
