package storage

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// The register of requests (report, and R on the app's overview) reads
// one entry per case (cases.ReportEntry), kept in the reports bucket
// beside the case and written in the same transaction as each change, so
// that it never decodes a timeline: 100,000 cases hold about 1.3 million
// events, the entries about 10 MB. The bucket is keyed by the instant the
// case was received, then its ID: the register's order, and a period's
// cases are one range of keys. A voided case has no entry, being in no
// register.
//
// reportFormat versions the entries' encoding; it is part of the index
// stamp (schema.go), so that a change rebuilds them on the next open.
// Format 2 keys them by the instant in 8 bytes, not 30 of text.
const reportFormat = 2

var bucketReports = []byte("reports") // received instant (8 bytes) + 0 + ID -> the case's report entry

var errBadReportEntry = errors.New("unreadable report entry")

// reportKey is a case's key in the reports bucket: the instant it was
// received (reportInstant), a zero byte and its ID, which has none.
func reportKey(receivedAt time.Time, id string) []byte {
	return append(append(reportInstant(receivedAt), 0), id...)
}

// reportInstant is an instant as the reports bucket's keys begin: its
// nanoseconds since 1970 with the sign bit flipped, big-endian, so that
// the bytes sort as the instants do.
func reportInstant(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8+1+16), uint64(t.UnixNano())^1<<63)
}

// reportDateKey is where the entries of the cases received from the
// start of day d (UTC) begin.
func reportDateKey(d cases.Date) []byte {
	return reportInstant(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC))
}

// encodeReportEntry is the case's entry and its key, or nil ones for a
// voided case.
func encodeReportEntry(c *cases.Case, st *cases.State, sum *cases.Summary) (key, value []byte) {
	if sum.Voided {
		return nil, nil
	}
	e := cases.NewReportEntry(c, st, sum)
	return reportKey(sum.ReceivedAt, sum.ID), appendReportEntry(make([]byte, 0, 96), &e)
}

func appendReportEntry(b []byte, e *cases.ReportEntry) []byte {
	s := &e.Summary
	b = append(b, reportFormat)
	// The ID is the key's tail; a request ID is most often the case's own.
	for _, str := range []string{s.Controller, string(s.Right), string(s.Status), string(s.Outcome), e.Refusal} {
		b = appendString(b, str)
	}
	if s.RequestID == s.ID {
		b = append(b, 0)
	} else {
		b = appendString(append(b, 1), s.RequestID)
	}
	for _, d := range []cases.Date{s.ReceiptDate, s.LegalDue, s.EffectiveDue, s.PromiseDue, s.AnsweredOn} {
		b = binary.AppendUvarint(b, uint64(dateNumber(d)))
	}
	for _, n := range []int{s.PausedDays, e.LettersOutside, e.LateEntries, e.WorkItems, e.WorkOpen} {
		b = binary.AppendUvarint(b, uint64(n))
	}
	flags := b2byte(e.AnsweredWithDraft) | b2byte(e.AnswerOutside)<<1 | b2byte(e.RefusalLate)<<2 | b2byte(e.MovesWithToday)<<3
	b = append(b, byte(s.Extension), flags)
	b = binary.AppendUvarint(b, uint64(len(s.Grounds)))
	for _, g := range s.Grounds {
		b = appendString(b, string(g))
	}
	b = binary.AppendUvarint(b, uint64(len(e.Refused)))
	for _, w := range e.Refused {
		b = appendString(appendString(appendString(b, w.Item), w.Result), w.Ground)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Withheld)))
	for _, f := range e.Withheld {
		b = appendString(appendString(b, f.Name), f.Ground)
	}
	for _, list := range [][]string{e.StoppedLate, e.Approvals} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, str := range list {
			b = appendString(b, str)
		}
	}
	return b
}

// decodeReportEntry reads the entry under key k into e (zero). Its
// strings are cut from one copy of the ID and the entry, made in scratch
// (which it returns, grown, for the next entry): one allocation an entry.
func decodeReportEntry(e *cases.ReportEntry, k, v, scratch []byte) ([]byte, error) {
	const at = 8 // the instant's bytes, then 0 and the ID
	if len(v) == 0 || v[0] != reportFormat || len(k) <= at || k[at] != 0 {
		return scratch, errBadReportEntry
	}
	received := time.Unix(0, int64(binary.BigEndian.Uint64(k)^1<<63)).UTC()
	scratch = append(append(scratch[:0], k[at+1:]...), v[1:]...)
	all := string(scratch)
	id := all[:len(k)-at-1]
	r := &rowReader{b: v[1:], s: all[len(id):]}
	s := &e.Summary
	s.ID, s.ReceivedAt = id, received
	s.Controller, s.Right, s.Status, s.Outcome, e.Refusal = r.string(), cases.Right(r.string()), cases.Status(r.string()), cases.Outcome(r.string()), r.string()
	s.RequestID = s.ID
	if r.byte() == 1 {
		s.RequestID = r.string()
	}
	for _, d := range []*cases.Date{&s.ReceiptDate, &s.LegalDue, &s.EffectiveDue, &s.PromiseDue, &s.AnsweredOn} {
		*d = numberDate(int(r.uvarint()))
	}
	for _, n := range []*int{&s.PausedDays, &e.LettersOutside, &e.LateEntries, &e.WorkItems, &e.WorkOpen} {
		*n = int(r.uvarint())
	}
	s.Extension = cases.ExtensionState(r.byte())
	flags := r.byte()
	e.AnsweredWithDraft, e.AnswerOutside, e.RefusalLate, e.MovesWithToday = flags&1 != 0, flags&2 != 0, flags&4 != 0, flags&8 != 0
	if n := r.count(); n > 0 {
		s.Grounds = make([]cases.Ground, n)
		for i := range s.Grounds {
			s.Grounds[i] = cases.Ground(r.string())
		}
	}
	if n := r.count(); n > 0 {
		e.Refused = make([]cases.RefusedItem, n)
		for i := range e.Refused {
			e.Refused[i] = cases.RefusedItem{Item: r.string(), Result: r.string(), Ground: r.string()}
		}
	}
	if n := r.count(); n > 0 {
		e.Withheld = make([]cases.WithheldFile, n)
		for i := range e.Withheld {
			e.Withheld[i] = cases.WithheldFile{Name: r.string(), Ground: r.string()}
		}
	}
	for _, list := range []*[]string{&e.StoppedLate, &e.Approvals} {
		if n := r.count(); n > 0 {
			*list = make([]string, n)
			for i := range *list {
				(*list)[i] = r.string()
			}
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return scratch, errBadReportEntry
	}
	return scratch, nil
}

// count reads the length of a list, which cannot be longer than the bytes
// left.
func (r *rowReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errBadRow, nil
		return 0
	}
	return int(n)
}

// putReportEntry puts the case's report entry (into the batch when there
// is one: a new case, with no entry before) and removes the one it had
// under another key (its receipt was corrected, or it was voided): old,
// the case's queue row before the change (nil: none), which putDerived
// has decoded, says where the old entry is.
func (enc *encodedCase) putReportEntry(tx kv.Tx, old *cases.Summary, batch *indexBatch) error {
	b, err := derivedBucket(tx, bucketReports)
	if err != nil {
		return err
	}
	// Keys are receipt instants: a new case's goes at the end, and a
	// rebuild puts them in order, so pages are filled, not halved (bbolt
	// does not keep FillPercent between transactions).
	b.SetFillPercent(0.9)
	if batch == nil && old != nil {
		if k := reportKey(old.ReceivedAt, old.ID); !bytes.Equal(k, enc.reportKey) {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	switch {
	case enc.reportKey == nil:
		return nil
	case batch != nil:
		batch.entries = append(batch.entries, indexEntry{bucket: bucketReports, key: enc.reportKey, value: enc.report})
		return nil
	}
	return putChanged(b, enc.reportKey, enc.report) // record.go
}

// Report calls emit with the report entry of each case in the register of
// requests of one organisation (all when controller is empty) received in
// the period from-to (cases.InReport), in the register's order
// (cases.ReportOrder), reading the entries of that period and no case. An
// entry that moves with today (cases.ReportEntry.MovesWithToday) has its
// timeline part derived afresh as of now. The entry is valid during the
// call only.
func (s *Store) Report(controller string, from, to cases.Date, now time.Time, emit func(e *cases.ReportEntry) error) error {
	return s.reportIn(nil, false, controller, from, to, now, func(e *cases.ReportEntry, _ []byte) error { return emit(e) })
}

// ReportWire is Report for the team server: the entries of the caller's
// organisations only (Caller.Scope), each framed as the server sends it
// (ReadReportWire), valid during the call only.
func (v *callerView) ReportWire(controller string, from, to cases.Date, now time.Time, emit func(framed []byte) error) error {
	var scope func(string) bool
	if v.scoped() {
		scope = v.covers
	}
	return v.s.reportIn(scope, true, controller, from, to, now, func(_ *cases.ReportEntry, framed []byte) error { return emit(framed) })
}

// reportIn is Report of the organisations covers lets through (all when
// nil); when wire is set, emit is also given the entry framed for the wire
// (ReadReportWire).
func (s *Store) reportIn(covers func(org string) bool, wire bool, controller string, from, to cases.Date, now time.Time,
	emit func(e *cases.ReportEntry, framed []byte) error) error {
	err := s.view(func(tx kv.Tx) error {
		b := tx.Bucket(bucketReports)
		if b == nil {
			return &StoreError{Path: s.path, Err: ErrDamaged, Detail: "it has no report entries", Advice: restoreAdvice}
		}
		c := b.Cursor()
		// Keys are instants and the period civil dates in each case's zone,
		// at most 14 hours from UTC: the range read is a day wider at each
		// end, each entry then judged by its receipt date.
		var start, stop []byte
		if !from.IsZero() {
			start = reportDateKey(from.AddDays(-1))
		}
		if !to.IsZero() {
			stop = reportDateKey(to.AddDays(2))
		}
		populateLeaves(tx, b, start, stop) // populate.go
		var k, v []byte
		if start == nil {
			k, v = c.First()
		} else {
			k, v = c.Seek(start)
		}
		// One entry, reused: a summary is hundreds of bytes, and a million
		// of them would be most of what a register allocates.
		e, scratch := &cases.ReportEntry{}, make([]byte, 0, 256)
		var framed []byte
		lastOrg, lastCovered := "", false // entries of one organisation come in runs
		for ; k != nil && (stop == nil || bytes.Compare(k, stop) < 0); k, v = c.Next() {
			org, ok := reportEntryOrg(v)
			if ok && controller != "" && string(org) != controller {
				continue
			}
			if ok && covers != nil {
				if string(org) != lastOrg || lastOrg == "" {
					lastOrg, lastCovered = string(org), covers(string(org))
				}
				if !lastCovered {
					continue
				}
			}
			*e = cases.ReportEntry{}
			var err error
			if scratch, err = decodeReportEntry(e, k, v, scratch); err != nil {
				return &StoreError{Path: s.path, Err: ErrDamaged, Detail: "case " + lastField(k) + ": " + err.Error(), Advice: restoreAdvice}
			}
			if !cases.InReport(&e.Summary, controller, from, to) {
				continue
			}
			if e.MovesWithToday {
				rec, st, err := loadState(tx, e.Summary.ID, now)
				if err != nil {
					return err
				}
				e.AddTimeline(rec.Case, st)
				if wire {
					v = appendReportEntry(nil, e)
				}
			}
			if wire {
				framed = appendReportWire(framed[:0], k, v)
			}
			if err := emit(e, framed); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil
	}
	return err
}

// appendReportWire frames an entry, its key and its value, each with its
// length.
func appendReportWire(b, k, v []byte) []byte {
	b = append(binary.AppendUvarint(b, uint64(len(k))), k...)
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// ReadReportWire reads one entry framed by ReportWire from r into e (zero),
// its strings cut from one copy made in scratch, returned grown for the
// next entry. The entry's timeline part is as the server derived it.
func ReadReportWire(r *bufio.Reader, e *cases.ReportEntry, scratch []byte) ([]byte, error) {
	scratch = scratch[:0]
	var at [2]int
	for i := range at {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return scratch, err
		}
		if n > maxReportEntry {
			return scratch, errBadReportEntry
		}
		at[i] = len(scratch)
		scratch = slices.Grow(scratch, int(n))[:len(scratch)+int(n)]
		if _, err := io.ReadFull(r, scratch[at[i]:]); err != nil {
			return scratch, err
		}
	}
	k, v := scratch[:at[1]], scratch[at[1]:]
	// decodeReportEntry copies what it keeps from k and v into a scratch
	// of its own: they are the first one's.
	_, err := decodeReportEntry(e, k, v, nil)
	return scratch, err
}

// maxReportEntry bounds the length of a key or value read from the wire.
const maxReportEntry = 1 << 20

// reportEntryOrg is the organisation of an entry, its first field, read
// without decoding the rest; not ok when it does not read (the entry is
// then judged, and refused, when decoded).
func reportEntryOrg(v []byte) ([]byte, bool) {
	if len(v) < 2 {
		return nil, false
	}
	n, k := binary.Uvarint(v[1:])
	if k <= 0 || uint64(len(v)-1-k) < n {
		return nil, false
	}
	return v[1+k : 1+k+int(n)], true
}

// PackDerived rewrites the derived buckets whose keys a bulk load writes
// out of their order (the report entries, keyed by receipt instant, of a
// demo or an import whose cases were received in any order; the owing
// rows, of cases numbered per year of receipt; the due index and the
// unsent answers, keyed by due instant, 65% and 58% of their leaf bytes in
// use in the 100,000-case demo) in key order, their pages
// filled to packedFill: a bucket filled by random inserts keeps its pages
// about half full (39% for the 100,000-case demo's entries), and the
// register reads every page of it. Only the keys from from on are
// rewritten (PackFrom; its zero value: all of them). Run after a bulk
// load, before the file is used (cmd_demo.go).
//
// The entries are moved packChunk at a time, each chunk in two
// transactions (its entries deleted, then put back in order: bbolt merges
// the emptied pages only at a commit), so that the memory a transaction
// holds does not grow with the bucket (one transaction over a million
// cases held 1.98 GB). While it runs, the index stamp says the derived
// index is stale: a run killed between two transactions leaves a file
// whose next open rebuilds the index from the cases (schema.go), never
// one that lacks entries and says it is whole. The file is opened once
// for all of them, so that its own transactions do not take the stale
// stamp for a killed run's.
func (s *Store) PackDerived(from PackFrom) error {
	// Its transactions rewrite what they read, in order: on a replica
	// they would send whole buckets to the cluster to change nothing.
	if err := s.refuseOnReplica("packing the derived buckets"); err != nil { // replica.go
		return err
	}
	defer s.tellCommits() // held.go: once the file is released
	return s.withMap(false, bulkMmapSize, func(db *bolt.DB) error {
		update := func(fn func(tx kv.Tx) error) error { return kv.Update(db, s.sealed(fn)) }
		stamped := false
		for _, p := range []struct {
			name []byte
			from []byte
		}{{bucketReports, from.reportKey()}, {bucketOwing, []byte(from.ID)},
			// Keyed by due instant, so written out of order by any load;
			// they hold the open cases alone, few whatever the archive.
			{bucketDue, nil}, {bucketUnsent, nil}} {
			if err := packRange(update, p.name, p.from, &stamped); err != nil {
				return err
			}
		}
		if !stamped {
			return nil
		}
		return update(func(tx kv.Tx) error { return tx.Bucket(bucketMeta).Put(keyIndexEngine, indexStamp()) })
	})
}

// PackFrom says where a bulk load began to write out of key order: the
// receipt instant of the earliest case it wrote out of order, and the
// least ID of those cases. PackDerived packs the report entries received
// from a day before Received (zones put a day's receipts on two UTC
// dates) and the owing rows from ID on; zero values pack from the first
// key.
type PackFrom struct {
	Received time.Time
	ID       string
}

func (f PackFrom) reportKey() []byte {
	if f.Received.IsZero() {
		return nil
	}
	y, m, d := f.Received.UTC().AddDate(0, 0, -1).Date()
	return reportDateKey(cases.Date{Year: y, Month: m, Day: d})
}

// packedFill is how full a packed bucket's pages are: room for about one
// entry to grow on each before a change splits it.
const packedFill = 0.9

// packChunk is how many entries one pair of PackDerived's transactions
// moves: a few megabytes, whatever the bucket's size.
var packChunk = 20_000

// packStaleStamp is the index stamp while PackDerived runs: no engine's,
// so that an open finding it rebuilds the index.
var packStaleStamp = []byte("packing")

// packCommitted, when not nil, is told the entries each of PackDerived's
// transactions moved: a test's view of how much one of them holds. An
// error stops PackDerived there, as a kill would.
var packCommitted func(name []byte, entries int) error

// packRange rewrites the entries of bucket name from key from on (nil:
// all) in key order, packChunk at a time, each transaction run by update.
// stamped says the index stamp is already marked stale; the first
// transaction that deletes marks it.
func packRange(update func(func(tx kv.Tx) error) error, name, from []byte, stamped *bool) error {
	type entry struct{ k, v []byte }
	next := from
	for {
		var chunk []entry
		var after []byte // the key after the chunk: where the next begins
		err := update(func(tx kv.Tx) error {
			b := tx.Bucket(name)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			k, v := c.First()
			if next != nil {
				k, v = c.Seek(next)
			}
			for ; k != nil && len(chunk) < packChunk; k, v = c.Next() {
				if v == nil {
					return errors.New("packing " + string(name) + ": a nested bucket")
				}
				chunk = append(chunk, entry{bytes.Clone(k), bytes.Clone(v)})
			}
			if k != nil {
				after = bytes.Clone(k)
			}
			if len(chunk) == 0 {
				return nil
			}
			if !*stamped {
				if err := tx.Bucket(bucketMeta).Put(keyIndexEngine, packStaleStamp); err != nil {
					return err
				}
			}
			for _, e := range chunk {
				if err := b.Delete(e.k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(chunk) == 0 {
			return nil
		}
		*stamped = true
		if packCommitted != nil {
			if err := packCommitted(name, len(chunk)); err != nil {
				return err
			}
		}
		err = update(func(tx kv.Tx) error {
			b := tx.Bucket(name)
			b.SetFillPercent(packedFill)
			for _, e := range chunk {
				if err := b.Put(e.k, e.v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if packCommitted != nil {
			if err := packCommitted(name, len(chunk)); err != nil {
				return err
			}
		}
		if after == nil {
			return nil
		}
		next = after
	}
}
