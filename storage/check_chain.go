package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// checkedEvent is one envelope as check reads it.
type checkedEvent struct {
	env     envelope
	content []byte // expanded (rules.go)
	head    struct {
		Kind          cases.EventKind   `json:"kind"`
		Retained      []struct{}        `json:"retained"`
		PurgedThrough uint64            `json:"purged_through"`
		Sealed        map[string]string `json:"sealed"` // seal.go
	}
	// event is the content decoded as an event, its personal values put
	// back (what loadRecord reads), unless eventErr says why it is not.
	event    cases.Event
	eventErr error
}

// checkedContent is an event's content as check decodes it, once: the
// event and its commitments.
type checkedContent struct {
	cases.Event
	Sealed map[string]string `json:"sealed"`
}

// checkChain verifies one case's stored chain (raw is its value in the
// cases bucket) and the files its attached events recorded: every event
// links to its predecessor and the chain ends at the recorded head; an
// event of this version (salted, seal.go) matches its digest and each
// personal value its commitment, and only a chained purged event excuses a
// personal value's absence; an event in the old format (no salt) is
// accepted only before the case's migrated event, and its content may be
// missing only where a later migrated or purged event keeps its minimal
// record. A case whose first event has the new format has only new ones,
// and so has every case after its migrated event: an old envelope there is
// a downgrade.
func checkChain(tx kv.Tx, id string, raw []byte) []Problem {
	bad := func(format string, args ...any) []Problem {
		return []Problem{{CaseID: id, Detail: fmt.Sprintf(format, args...)}}
	}
	var rec chainRecord
	recordJSON, _, err := splitCaseValue(raw)
	if err != nil {
		return bad("unreadable record: %v", err)
	}
	if err := json.Unmarshal(recordJSON, &rec); err != nil {
		return bad("unreadable record: %v", err)
	}
	tl, ok := timelineOf(tx, id)
	if !ok {
		return bad("no timeline")
	}
	events, hash, err := readChain(tx, tl, id)
	return verifyChain(tx, id, rec, events, hash, err)
}

// chainRecord is what checkChain reads of a case's record.
type chainRecord struct {
	Head         string     `json:"head"`
	Events       uint64     `json:"events"`
	CopiesPurged *time.Time `json:"copies_purged"`
	RecordPurged *time.Time `json:"record_purged"`
}

// verifyChain is checkChain once the record and the timeline are read
// (err is readChain's).
func verifyChain(tx kv.Tx, id string, rec chainRecord, events []checkedEvent, hash string, err error) []Problem {
	bad := func(format string, args ...any) []Problem {
		return []Problem{{CaseID: id, Detail: fmt.Sprintf(format, args...)}}
	}
	// Before the migration to schema 4 has done every case, an old case
	// without its migrated event is expected.
	m := tx.Bucket(bucketMeta)
	schema, _ := strconv.Atoi(string(m.Get(keySchema)))
	migrating := m.Get(keyMigration) != nil || m.Get(keyMigrating) != nil || schema < 4
	n := uint64(len(events))
	var problems []Problem
	switch {
	case err != nil:
		return append(problems, Problem{CaseID: id, Detail: err.Error()})
	case n != rec.Events:
		problems = append(problems, bad("the timeline has %d events, the case records %d", n, rec.Events)...)
	case hash != rec.Head:
		problems = append(problems, bad("the chain does not end at the recorded head")...)
	}
	if len(events) == 0 {
		return append(problems, bad("the timeline is empty")...)
	}
	// What the new-format events say about the others: where the case was
	// migrated, which events a purge reduced, which minimal records stand
	// in for removed contents.
	migrated, purgedThrough, retained, purgedAny := -1, uint64(0), 0, false
	for i := range events {
		e := &events[i]
		if e.env.Salt == "" {
			continue
		}
		switch e.head.Kind {
		case cases.EventMigrated:
			if migrated < 0 {
				migrated = i
			} else {
				problems = append(problems, bad("event %d: a second migrated event", i+1)...)
			}
		case cases.EventPurged:
			purgedAny = true
			purgedThrough = max(purgedThrough, e.head.PurgedThrough)
		}
		if (e.head.Kind == cases.EventMigrated || e.head.Kind == cases.EventPurged) && e.head.Retained != nil {
			retained = len(e.head.Retained)
		}
	}
	oldCase := events[0].env.Salt == ""
	unmigrated := oldCase && migrated < 0 && migrating
	if oldCase && migrated < 0 && !migrating {
		problems = append(problems, bad("recorded before schema 4 and never migrated (its events are unverified)")...)
	}
	for i := range events {
		if d := verifyEvent(&events[i], i, oldCase, unmigrated, migrated, retained, purgedThrough, rec.RecordPurged != nil); d != "" {
			problems = append(problems, bad("event %d%s", i+1, d)...)
		}
	}
	// Attached files must be there until a chained purge removed them.
	if !purgedAny && !(unmigrated && rec.CopiesPurged != nil) {
		for i := range events {
			c := events[i].content
			if bytes.HasPrefix(c, attachedPrefix) || (bytes.HasPrefix(c, approvedPrefix) && bytes.Contains(c, []byte(`"attachment":`))) {
				if p := checkFile(tx, id, c); p != "" {
					problems = append(problems, Problem{CaseID: id, Detail: fmt.Sprintf("event %d: %s", i+1, p)})
				}
			}
		}
	}
	return problems
}

// readChain reads a case's envelopes, checking their sequence and links,
// and returns them with the chain hash after the last.
func readChain(tx kv.Tx, tl timeline, id string) ([]checkedEvent, string, error) {
	return readChainWith(tx, tl, id, nil)
}

// readChainWith is readChain with a worker's decoded rules (nil: none).
func readChainWith(tx kv.Tx, tl timeline, id string, rc *checkRulesCache) ([]checkedEvent, string, error) {
	hash := chainStart(id)
	var n uint64
	var events []checkedEvent
	lookup := rulesLookup(tx)
	if rc != nil {
		lookup = rc.lookup
	}
	err := tl.forEach(func(k, v []byte) error {
		n++
		var ce checkedEvent
		if err := json.Unmarshal(v, &ce.env); err != nil {
			return fmt.Errorf("event %d unreadable: %v", n, err)
		}
		if binary.BigEndian.Uint64(k) != n || ce.env.Seq != n {
			return fmt.Errorf("event %d out of sequence (stored as %d)", n, ce.env.Seq)
		}
		if ce.env.Prev != hash {
			return fmt.Errorf("event %d does not chain from its predecessor", n)
		}
		if len(ce.env.Content) > 0 {
			content, err := expandRules(ce.env.Content, lookup)
			if err != nil {
				return fmt.Errorf("event %d: %v", n, err)
			}
			// One decoding gives both what the verification needs and the
			// event the views are derived from; a content that is not an
			// event is decoded again for the verification alone, so that
			// what is reported does not change.
			var full checkedContent
			if !rc.decode(ce.env.Content, content, &full) {
				full = checkedContent{}
				err = json.Unmarshal(content, &full)
			}
			if err != nil {
				if err := json.Unmarshal(content, &ce.head); err != nil {
					return fmt.Errorf("event %d unreadable: %v", n, err)
				}
				ce.eventErr = fmt.Errorf("case %s event %d: %w", id, ce.env.Seq, err)
			} else {
				ce.head.Kind, ce.head.PurgedThrough, ce.head.Sealed = full.Kind, full.PurgedThrough, full.Sealed
				if full.Retained != nil {
					ce.head.Retained = make([]struct{}, len(full.Retained))
				}
				ce.event = full.Event
				if err := openPersonal(&ce.event, ce.env.Personal); err != nil {
					ce.eventErr = fmt.Errorf("case %s event %d: %w", id, ce.env.Seq, err)
				}
				ce.event.Unattested = false
			}
			ce.content = content
		}
		events = append(events, ce)
		hash = chainNext(hash, ce.env.Digest)
		return nil
	})
	return events, hash, err
}

// verifyEvent checks event i of a case against its digest and
// commitments, and its format against where it stands (checkChain); it
// returns what is wrong, or "".
func verifyEvent(e *checkedEvent, i int, oldCase, unmigrated bool, migrated, retained int, purgedThrough uint64, recordPurged bool) string {
	if e.env.Salt != "" {
		if err := verifySealed(&e.env, e.content, e.head.Sealed, uint64(i+1) <= purgedThrough); err != nil {
			return ": " + err.Error()
		}
		return ""
	}
	switch {
	case !oldCase:
		return " is in the old format in a case recorded by this version (a downgrade)"
	case i > migrated && migrated >= 0 && !unmigrated:
		return " is in the old format after the case's migrated event (a downgrade)"
	case len(e.env.Content) == 0:
		if i >= retained && !(unmigrated && recordPurged) {
			return ": its content was removed and no minimal record stands in for it"
		}
		return ""
	}
	if sum := sha256.Sum256(e.content); hex.EncodeToString(sum[:]) != e.env.Digest {
		return " content does not match its digest (altered)"
	}
	return ""
}

// checkViews derives a case again from its chain (loadRecord) and compares
// what is stored from it: the record's copy of the facts and the list view
// (the cases bucket's value), the queue's row and the due or waiting index
// entry, each as of the instant it was derived at. It adds the case's
// index entry to want, for checkIndexEntries.
func checkViews(tx kv.Tx, id string, raw []byte, want map[string]bool) []Problem {
	bad := func(format string, args ...any) []Problem {
		return []Problem{{CaseID: id, Detail: fmt.Sprintf(format, args...)}}
	}
	rec, err := loadRecord(tx, id)
	if err != nil {
		return bad("cannot be derived from its timeline: %v", err)
	}
	return compareViews(tx, id, raw, rec, want)
}

// compareViews is checkViews once the case is derived from its chain.
func compareViews(tx kv.Tx, id string, raw []byte, rec *record, want map[string]bool) []Problem {
	bad := func(format string, args ...any) []Problem {
		return []Problem{{CaseID: id, Detail: fmt.Sprintf(format, args...)}}
	}
	st, err := rec.deriveState(rec.DerivedAt, true)
	if err != nil {
		return bad("cannot be derived from its timeline: %v", err)
	}
	enc, err := encodeCase(rec, st)
	if err != nil {
		return bad("cannot be derived from its timeline: %v", err)
	}
	var problems []Problem
	if !bytes.Equal(enc.value, raw) {
		storedRecord, storedView, _ := splitCaseValue(raw)
		wantRecord, wantView, _ := splitCaseValue(enc.value)
		switch {
		case !bytes.Equal(storedRecord, wantRecord):
			problems = append(problems, bad("the stored case facts differ from its timeline (altered)%s", firstDifference(storedRecord, wantRecord))...)
		case !bytes.Equal(storedView, wantView):
			problems = append(problems, bad("the stored list view differs from its timeline (altered)%s", firstDifference(storedView, wantView))...)
		}
	}
	if row := tx.Bucket(bucketRows).Get(enc.id); !bytes.Equal(row, enc.row) {
		problems = append(problems, bad("the queue row differs from its timeline (altered)")...)
	}
	if enc.index.bucket != nil {
		want[string(enc.index.bucket)+"/"+string(enc.index.key)] = true
		v := tx.Bucket(enc.index.bucket).Get(enc.index.key)
		if v == nil || !bytes.Equal(v, enc.index.value) {
			problems = append(problems, bad("its %s index entry is missing or differs from its timeline (altered)", enc.index.bucket)...)
		}
	}
	if b := tx.Bucket(bucketReports); b != nil && enc.reportKey != nil {
		want[string(bucketReports)+"/"+string(enc.reportKey)] = true
		if !bytes.Equal(b.Get(enc.reportKey), enc.report) {
			problems = append(problems, bad("its report entry is missing or differs from its timeline (altered)")...)
		}
	}
	return problems
}

// firstDifference names where two JSON encodings first differ, a few
// bytes of context, without printing personal values at length.
func firstDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	// The key the difference is in: the last "name": before it.
	j := bytes.LastIndex(want[:i], []byte(`":`))
	k := bytes.LastIndexByte(want[:max(j, 0)], '"')
	if j < 0 || k < 0 {
		return ""
	}
	return fmt.Sprintf(" at %q", want[k+1:j])
}

// checkIndexEntries reports due, waiting and report entries no case derives
// (want holds those every case did), and changes that name no case.
func checkIndexEntries(tx kv.Tx, want map[string]bool) []Problem {
	var problems []Problem
	for _, name := range [][]byte{bucketDue, bucketWaiting, bucketReports} {
		b := tx.Bucket(name)
		if b == nil {
			continue
		}
		_ = b.ForEach(func(k, _ []byte) error {
			if !want[string(name)+"/"+string(k)] {
				id := k[bytes.LastIndexByte(k, 0)+1:]
				problems = append(problems, Problem{CaseID: string(id), Detail: fmt.Sprintf("a %s index entry no case derives (altered)", name)})
			}
			return nil
		})
	}
	// The change log names a case at each change (sessions reload what it
	// names): a name no case has is an altered entry.
	stored, changes := tx.Bucket(bucketCases), tx.Bucket(bucketChanges)
	if stored == nil || changes == nil {
		return problems
	}
	_ = changes.ForEach(func(k, v []byte) error {
		if stored.Get(v) == nil {
			problems = append(problems, Problem{CaseID: cases.Printable(string(v)),
				Detail: fmt.Sprintf("change %x names no case (altered)", k)})
		}
		return nil
	})
	return problems
}

// checkCases runs checkChain and checkViews on every case, spread over the
// cores: each worker reads a share of the cases in a read transaction of
// its own (bbolt allows many at once), under the same fault guard as the
// store's own goroutine. Problems come back in case order, then the index
// entries no case derives.
func checkCases(tx kv.Tx) ([]Problem, error) {
	var ids [][]byte
	_ = tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
		ids = append(ids, append([]byte(nil), k...))
		return nil
	})
	workers := max(1, min(runtime.GOMAXPROCS(0), len(ids)/256))
	type share struct {
		problems [][]Problem // per case, in order
		want     map[string]bool
		err      error
	}
	shares := make([]share, workers)
	per := (len(ids) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sh := &shares[w]
			sh.want = map[string]bool{}
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			defer func() {
				if r := recover(); r != nil {
					sh.err = &StoreError{Path: tx.Bolt().DB().Path(), Err: ErrDamaged, Detail: pagesUnreadable(r), Advice: restoreAdvice}
				}
			}()
			btx, err := tx.Bolt().DB().Begin(false)
			if err != nil {
				sh.err = err
				return
			}
			defer func() { _ = btx.Rollback() }()
			wtx := kv.Wrap(btx)
			cs := wtx.Bucket(bucketCases)
			rc := newCheckRulesCache(wtx)
			for _, id := range ids[min(w*per, len(ids)):min((w+1)*per, len(ids))] {
				v := cs.Get(id)
				sh.problems = append(sh.problems, checkCase(wtx, string(id), v, sh.want, rc))
			}
		}()
	}
	wg.Wait()
	var problems []Problem
	want := map[string]bool{}
	for _, sh := range shares {
		if sh.err != nil {
			return nil, sh.err
		}
		for _, p := range sh.problems {
			problems = append(problems, p...)
		}
		for k := range sh.want {
			want[k] = true
		}
	}
	return append(problems, checkIndexEntries(tx, want)...), nil
}

// checkCase is checkChain and then checkViews of one case, reading its
// record and its timeline once: the case is derived from the events the
// chain's verification decoded (assembleRecord), not read and decoded
// again. A case whose record or timeline cannot be read so (damage) is
// checked by checkChain and checkViews themselves, so that what is
// reported is the same.
func checkCase(tx kv.Tx, id string, raw []byte, want map[string]bool, rc *checkRulesCache) []Problem {
	slow := func() []Problem {
		return append(checkChain(tx, id, raw), checkViews(tx, id, raw, want)...)
	}
	recordJSON, _, err := splitCaseValue(raw)
	if err != nil {
		return slow()
	}
	var stored storedRecord
	if err := json.Unmarshal(recordJSON, &stored); err != nil {
		return slow()
	}
	tl, ok := timelineOf(tx, id)
	if !ok {
		return slow()
	}
	checked, hash, err := readChainWith(tx, tl, id, rc)
	if err != nil {
		return slow()
	}
	events := make([]cases.Event, len(checked))
	var removed []int
	for i := range checked {
		if checked[i].eventErr != nil {
			return slow()
		}
		if len(checked[i].env.Content) == 0 {
			removed = append(removed, i)
			continue
		}
		events[i] = checked[i].event
	}
	r := &stored.record
	problems := verifyChain(tx, id, chainRecord{Head: r.Head, Events: r.Events, CopiesPurged: r.CopiesPurged, RecordPurged: r.RecordPurged},
		checked, hash, nil)
	rec, err := assembleRecord(&stored, id, events, removed, rc.lookup)
	if err != nil {
		return append(problems, Problem{CaseID: id, Detail: fmt.Sprintf("cannot be derived from its timeline: %v", err)})
	}
	return append(problems, compareViews(tx, id, raw, rec, want)...)
}
