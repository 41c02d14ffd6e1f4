package storage

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// frozenState says whether case id's timeline and stored value are
// frozen, and how many of its events are stored one by one.
func frozenState(t *testing.T, s *Store, id string) (frozen bool, plain int) {
	t.Helper()
	_ = s.view(func(tx kv.Tx) error {
		tl, _ := timelineOf(tx, id)
		frozen = tl.frozen != nil
		if value := tx.Bucket(bucketCases).Get([]byte(id)); frozen != (value[0] == caseValueFrozen) {
			t.Errorf("%s: timeline frozen %v, stored value %d", id, frozen, value[0])
		}
		c := tx.Bucket(bucketEvents).Cursor()
		for k, _ := c.Seek(tl.prefix); k != nil && bytes.HasPrefix(k, tl.prefix); k, _ = c.Next() {
			if len(k) == len(tl.prefix)+8 {
				plain++
			}
		}
		return nil
	})
	return frozen, plain
}

// TestCompactFreezesClosedCases: compact freezes a closed case's timeline
// and leaves an open one; the frozen case reads, chains and checks exactly
// as before; a change to it stores its events one by one again; and an
// event altered inside a frozen timeline is caught by check.
func TestCompactFreezesClosedCases(t *testing.T) {
	s := newStore(t)
	closed := addClosedCase(t, s)
	open := addCase(t, s, "Bo Open")[0].ID
	before, err := s.Get(closed)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := s.Chain(closed)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Compact()
	if err != nil || res.Frozen != 1 || res.Cases != 2 || res.SizeAfter > res.SizeBefore {
		t.Fatalf("compact: %+v %v", res, err)
	}
	if frozen, plain := frozenState(t, s, closed); !frozen || plain != 0 {
		t.Fatalf("closed case: frozen %v, %d events stored one by one", frozen, plain)
	}
	if frozen, _ := frozenState(t, s, open); frozen {
		t.Fatal("an open case was frozen")
	}
	mustCheck(t, s)
	after, err := s.Get(closed)
	if err != nil {
		t.Fatal(err)
	}
	chainAfter, err := s.Chain(closed)
	if err != nil || !reflect.DeepEqual(chainAfter, chain) {
		t.Fatalf("the chain after freezing: %v %v", chainAfter, err)
	}
	if a, b := fmtJSON(after), fmtJSON(before); a != b {
		t.Fatalf("the case reads differently frozen:\n%s\n%s", a, b)
	}

	// A change thaws it.
	noteCase(t, s, closed, "a note after closing")
	if frozen, plain := frozenState(t, s, closed); frozen || plain != len(chain)+1 {
		t.Fatalf("after a change: frozen %v, %d events stored one by one", frozen, plain)
	}
	mustCheck(t, s)
	if chainAfter, _ = s.Chain(closed); !reflect.DeepEqual(chainAfter[:len(chain)], chain) {
		t.Fatal("thawing changed the chain")
	}

	// Frozen again, then an event altered inside the compressed value.
	if res, err := s.Compact(); err != nil || res.Frozen != 1 {
		t.Fatalf("compact again: %+v %v", res, err)
	}
	withBolt(t, s, func(tx kv.Tx) error {
		return refreezeAs(tx, closed, func(envs [][]byte) ([]byte, error) {
			for i := range envs {
				envs[i] = bytes.Replace(envs[i], []byte("called back"), []byte("never rang!"), 1)
			}
			return freezeEnvelopes(closed, envs)
		})
	})
	mustCatch(t, s, closed, "an event altered in a frozen timeline")
}

// refreezeAs stores case id's frozen timeline again as freeze makes it
// of its envelopes.
func refreezeAs(tx kv.Tx, id string, freeze func(envs [][]byte) ([]byte, error)) error {
	tl, _ := timelineOf(tx, id)
	var envs [][]byte
	_ = tl.forEach(func(_, v []byte) error { envs = append(envs, bytes.Clone(v)); return nil })
	frozen, err := freeze(envs)
	if err != nil {
		return err
	}
	if err := tl.dropChunks(); err != nil {
		return err
	}
	tl.frozen = nil
	return tl.putChunks(frozen)
}

// closedCase is a closed demo case: its envelopes and its stored value.
type closedCase struct {
	id    string
	envs  [][]byte
	value []byte
}

// closedDemoCases are the closed cases of a demo file of n cases.
func closedDemoCases(b testing.TB, n int) []closedCase {
	s := demoFile(b, b.TempDir()+"/demo.db", n, testNow)
	var closed []closedCase
	_ = s.view(func(tx kv.Tx) error {
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			tl, _ := timelineOf(tx, string(k))
			if tl.frozen == nil {
				return nil
			}
			c := closedCase{id: string(k)}
			c.value, _ = thawCaseValue(v)
			_ = tl.forEach(func(_, env []byte) error { c.envs = append(c.envs, append([]byte(nil), env...)); return nil })
			closed = append(closed, c)
			return nil
		})
	})
	if len(closed) == 0 {
		b.Fatal("no closed case")
	}
	return closed
}

// BenchmarkFreezeCase is what freezing a closed demo case costs (its
// timeline and its stored value), and thawing both back.
func BenchmarkFreezeCase(b *testing.B) {
	closed := closedDemoCases(b, 200)
	for i := 0; b.Loop(); i++ {
		c := closed[i%len(closed)]
		frozen, err := freezeEnvelopes(c.id, c.envs)
		if err != nil {
			b.Fatal(err)
		}
		value, err := freezeCaseValue(c.value)
		if err != nil {
			b.Fatal(err)
		}
		if err := thawEnvelopes(c.id, frozen, func(uint64, []byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
		if _, err := thawCaseValue(value); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkThawTimeline is what reading a closed demo case's frozen
// timeline back costs (show and export --record of a closed case read it
// whole), in frozen format 2 (times as text), 3 (times in binary) and 4
// (Zstandard).
func BenchmarkThawTimeline(b *testing.B) {
	closed := closedDemoCases(b, 200)
	values := make([][3][]byte, len(closed))
	for j, c := range closed {
		for i, format := range []byte{frozenFormat2, frozenFormat3, frozenFormat} {
			var err error
			if values[j][i], err = freezeAs(format, c.id, c.envs); err != nil {
				b.Fatal(err)
			}
		}
	}
	for i, name := range []string{"format2", "format3", "format4"} {
		b.Run(name, func(b *testing.B) {
			bytes := 0
			for j := 0; b.Loop(); j++ {
				k := j % len(closed)
				bytes += len(values[k][i])
				if err := thawEnvelopes(closed[k].id, values[k][i], func(uint64, []byte) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "stored-B/case")
		})
	}
}

// TestFrozenPartsRebuildEveryKindOfEvent: an envelope of every kind of
// event, with every personal field it can hold (values that JSON escapes
// among them), is stored in its parts, not as its text, alone and frozen,
// and reads back byte for byte; so do an envelope whose content does not give its digest (rules
// by reference), one whose commitment its value does not give, and one of
// the layout before salts (kept as text).
func TestFrozenPartsRebuildEveryKindOfEvent(t *testing.T) {
	const id = "DSR-2026-000042"
	rec := &record{Case: &cases.Case{ID: id}}
	odd := `Zoë "<b>&amp;</b>" \ tab	end`
	var envs [][]byte
	for i, kind := range cases.EventKinds {
		at := testNow.Add(time.Duration(i) * time.Hour)
		ev := cases.Event{Kind: kind, At: at, RecordedAt: at.Add(time.Minute), Actor: "dpo",
			Reason: "reason " + odd, Method: "passport", To: "anna@example.org", Text: "note " + odd,
			What: "the address", Late: "was ill", Impossible: "no address", Field: "email", Value: "b@example.org",
			Tags: []string{"vip"}, Assignee: "theo"}
		if kind == cases.EventReceived {
			rules := testRules
			ev.Rules = &rules
			ev.Facts = &cases.Facts{RequestID: id, Controller: "crisp", Right: cases.RightAccess,
				Subject: cases.Subject{Name: "Anna " + odd, Email: "anna@example.org", Phone: "+33 1",
					PostalAddress: "1 rue X", Identifiers: map[string]string{"customer": "C-1"}},
				Requester: &cases.Requester{Name: "Bo", Relation: "lawyer"}, Channel: cases.ChannelEmail,
				Language: "en", Text: "send me " + odd, ReceivedAt: at}
		}
		env, err := rec.chain(ev)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
	}
	// A commitment its value does not give (as a corrupted or hand-made
	// envelope may hold): kept, and the envelope still in parts.
	p, err := splitEnvelope(envs[2])
	if err != nil || len(p.personal) == 0 {
		t.Fatalf("event 3 in parts: %v, %d personal values", err, len(p.personal))
	}
	p.personal[0].value = []byte(`"not what was committed to"`)
	envs[2] = joinEnvelope(p)

	prev, lastAt := chainStart(id), int64(0)
	for i, env := range envs {
		digest, _ := digestOf(env)
		stored, ok := encodeParts(nil, env, uint64(i+1), prev, &lastAt, nil)
		if !ok {
			t.Errorf("event %d (%s) is not stored in its parts:\n%s", i+1, cases.EventKinds[i], env)
		} else if p, _ := splitEnvelope(env); len(p.personal) > 0 && i != 2 && bytes.Contains(stored, []byte(p.digest)) {
			t.Errorf("event %d keeps its digest in its parts", i+1)
		} else if stored[0]&partsTimes == 0 || bytes.Contains(stored, []byte(`"at":"2`)) || bytes.Contains(stored, []byte(`"recorded_at":"2`)) {
			t.Errorf("event %d (%s) keeps its at and recorded_at as text:\n%q", i+1, cases.EventKinds[i], stored)
		}
		prev = chainNext(prev, digest)
	}
	// Before salts: a digest of the content alone, no salt.
	envs = append(envs, []byte(`{"seq":`+strconv.Itoa(len(envs)+1)+`,"prev":"`+prev+`","digest":"`+strings.Repeat("ab", 32)+`","content":{"kind":"noted"}}`))

	// Stored alone (an open case's events), each in its parts but the
	// one without a salt, and read back as it was.
	for i, env := range envs {
		seq := uint64(i + 1)
		stored := storedEvent(seq, env)
		if inParts := stored[0] == envParts; inParts != (i < len(envs)-1) {
			t.Errorf("event %d stored in its parts: %v", seq, inParts)
		}
		if back, err := eventText(seq, stored); err != nil || !bytes.Equal(back, env) {
			t.Errorf("event %d stored alone reads as\n%s (%v)\nnot\n%s", seq, back, err, env)
		}
	}

	frozen, err := freezeEnvelopes(id, envs)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = thawEnvelopes(id, frozen, func(seq uint64, env []byte) error {
		if !bytes.Equal(env, envs[seq-1]) {
			t.Errorf("event %d thaws as\n%s\nnot\n%s", seq, env, envs[seq-1])
		}
		n++
		return nil
	})
	if err != nil || n != len(envs) {
		t.Fatalf("%d of %d events thawed: %v", n, len(envs), err)
	}
}

// The at and recorded_at of an event come back from their binary form as
// the text they were, whatever the zone and precision; a text that does
// not format back the same (an offset of +00:00, which Go writes Z) stays
// text; a cut or altered binary form is refused, not read wrong.
func TestEventTimesInBinary(t *testing.T) {
	tests := []struct {
		at, recorded string
		binary       bool
	}{
		{"2026-05-19T08:16:23.32037764+02:00", "2026-05-19T09:49:00.179617526+02:00", true},
		{"2026-03-29T01:59:59.999999999+01:00", "2026-03-29T03:00:00.5+02:00", true}, // across a change of offset
		{"2026-11-30T12:00:00Z", "2026-11-30T12:00:00Z", true},
		{"2026-01-01T00:00:00-08:00", "2025-12-31T23:59:59.000000001Z", true}, // recorded before it happened
		{"2026-07-01T10:00:00.1+05:45", "2026-07-01T10:00:00.1+05:45", true},
		{"2026-11-30T12:00:00+00:00", "2026-11-30T12:00:00Z", false},
		{"2026-11-30T12:00:00.100Z", "2026-11-30T12:00:00Z", false}, // a trailing 0 Go does not write
	}
	lastAt := int64(0)
	for _, c := range tests {
		content := []byte(`{"kind":"noted","at":"` + c.at + `","recorded_at":"` + c.recorded + `","actor":"anna","text":"x"}`)
		times, ok := splitTimes(content)
		if ok != c.binary {
			t.Errorf("%s / %s: stored in binary %v, want %v", c.at, c.recorded, ok, c.binary)
			continue
		}
		if !ok {
			continue
		}
		var stored []byte
		times.append(&stored, &stored, lastAt)
		var back eventTimes
		if r := (&partReader{b: stored}); !back.read(r, r, lastAt) {
			t.Fatalf("%s: its binary form does not read back", c.at)
		}
		joined, ok := back.join(times.content)
		if !ok || !bytes.Equal(joined, content) {
			t.Errorf("%s: reads back as\n%s\nnot\n%s", c.at, joined, content)
		}
		if len(stored) > 24 {
			t.Errorf("%s: %d bytes in binary, more than the 24 its parts need at most here", c.at, len(stored))
		}
		for cut := range len(stored) - 1 {
			var short eventTimes
			if r := (&partReader{b: stored[:cut]}); short.read(r, r, lastAt) {
				t.Errorf("%s: its binary form cut to %d bytes reads", c.at, cut)
			}
		}
		lastAt = times.at
	}
	// An event whose binary times are altered: a one-line error, not a
	// panic, whatever byte is changed.
	id := "DSR-2026-000009"
	var rec record
	rec.Case = &cases.Case{ID: id}
	env, err := rec.chain(cases.Event{Kind: cases.EventNoted, At: testNow, RecordedAt: testNow, Actor: "anna", Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	stored := storedEvent(1, env)
	if stored[0] != envParts {
		t.Fatalf("a note is not stored in its parts")
	}
	for i := 1; i < len(stored); i++ {
		bad := bytes.Clone(stored)
		bad[i] ^= 0xff
		if back, err := eventText(1, bad); err == nil && bytes.Equal(back, env) {
			t.Errorf("byte %d altered reads as the event", i)
		}
	}
}

// TestCompactFreezesOldFormatsAgain: a closed case frozen before format 4
// (its timeline in format 3, its value as caseValueFrozen3, as files of
// the earlier build hold them) reads as it did, and compact freezes both
// again in this build's formats, the case reading and checking the same.
func TestCompactFreezesOldFormatsAgain(t *testing.T) {
	s := newStore(t)
	closed := addCase(t, s, "Anna Berg")[0].ID
	noteCase(t, s, closed, "called back")
	if _, err := s.Apply(closed, cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeNoData, Actor: "dpo"}, NoRevision, testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	formats := func() (timeline, value byte) {
		_ = s.view(func(tx kv.Tx) error {
			tl, _ := timelineOf(tx, closed)
			timeline, value = tl.frozen[0], tx.Bucket(bucketCases).Get([]byte(closed))[0]
			return nil
		})
		return timeline, value
	}
	if tl, v := formats(); tl != frozenFormat || v != caseValueFrozen {
		t.Fatalf("frozen in formats %d and %d, want %d and %d", tl, v, frozenFormat, caseValueFrozen)
	}
	before, err := s.Get(closed)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := s.Chain(closed)
	if err != nil {
		t.Fatal(err)
	}
	withBolt(t, s, func(tx kv.Tx) error {
		err := refreezeAs(tx, closed, func(envs [][]byte) ([]byte, error) { return freezeAs(frozenFormat3, closed, envs) })
		if err != nil {
			return err
		}
		value, err := thawCaseValue(tx.Bucket(bucketCases).Get([]byte(closed)))
		if err != nil {
			return err
		}
		if value, err = freezeCaseValue3(value); err != nil {
			return err
		}
		return tx.Bucket(bucketCases).Put([]byte(closed), value)
	})
	reads := func(when string) {
		t.Helper()
		after, err := s.Get(closed)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(after)
		b, _ := json.Marshal(before)
		if chainAfter, err := s.Chain(closed); err != nil || !reflect.DeepEqual(chainAfter, chain) || !bytes.Equal(a, b) {
			t.Fatalf("%s: the case reads differently (%v):\n%s\n%s", when, err, a, b)
		}
		mustCheck(t, s)
	}
	if tl, v := formats(); tl != frozenFormat3 || v != caseValueFrozen3 {
		t.Fatalf("rewritten in formats %d and %d", tl, v)
	}
	reads("in format 3")
	if res, err := s.Compact(); err != nil || res.Frozen != 1 {
		t.Fatalf("compact: %+v %v", res, err)
	}
	if tl, v := formats(); tl != frozenFormat || v != caseValueFrozen {
		t.Fatalf("compact left formats %d and %d, want %d and %d", tl, v, frozenFormat, caseValueFrozen)
	}
	reads("frozen again")
}

// TestFreezeIsDeterministic: freezing the same closed demo cases at once
// from several goroutines gives the same bytes every time, so that the
// demo makes the same file for a seed whatever GOMAXPROCS is.
func TestFreezeIsDeterministic(t *testing.T) {
	closed := closedDemoCases(t, 60)
	want := make([][2][]byte, len(closed))
	for i, c := range closed {
		var err error
		if want[i][0], err = freezeEnvelopes(c.id, c.envs); err != nil {
			t.Fatal(err)
		}
		if want[i][1], err = freezeCaseValue(c.value); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, c := range closed {
				frozen, err1 := freezeEnvelopes(c.id, c.envs)
				value, err2 := freezeCaseValue(c.value)
				if err1 != nil || err2 != nil || !bytes.Equal(frozen, want[i][0]) || !bytes.Equal(value, want[i][1]) {
					t.Errorf("case %s froze differently (%v %v)", c.id, err1, err2)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestFrozenBuffersKeepNothing: a timeline frozen in buffers that froze
// other cases before, larger and smaller, is byte for byte the one frozen
// in new buffers, so that the buffers a freeze keeps for the next
// (plainBuffers) never carry a byte of one case into another's value.
func TestFrozenBuffersKeepNothing(t *testing.T) {
	closed := closedDemoCases(t, 60)
	want := make(map[string][]byte, len(closed))
	for _, c := range closed {
		frozen, err := freezeIn(new(frozenBuffers), frozenFormat, c.id, c.envs, nil)
		if err != nil {
			t.Fatal(err)
		}
		want[c.id] = frozen
	}
	bySize := func(c closedCase) int {
		n := 0
		for _, env := range c.envs {
			n += len(env)
		}
		return n
	}
	slices.SortFunc(closed, func(a, b closedCase) int { return bySize(b) - bySize(a) })
	if bySize(closed[0]) == bySize(closed[len(closed)-1]) {
		t.Fatal("the demo's closed cases are all of one size: the test would reuse nothing")
	}
	ascending := slices.Clone(closed)
	slices.Reverse(ascending)
	shared := new(frozenBuffers)
	for _, order := range [][]closedCase{closed, ascending} {
		for _, c := range order {
			got, err := freezeIn(shared, frozenFormat, c.id, c.envs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want[c.id]) {
				t.Fatalf("case %s frozen in used buffers: %d bytes, in new ones %d", c.id, len(got), len(want[c.id]))
			}
		}
	}
}

// TestPurgeOfAFrozenCaseLeavesNoSalt: frozen format 4 stores the salts of
// a closed case's personal fields as they are, uncompressed; a purge of
// the case's record removes them from the file with the values they
// salted, and the file still checks (TRUST.md: what a purge erases is
// gone, free pages included).
func TestPurgeOfAFrozenCaseLeavesNoSalt(t *testing.T) {
	s := newTimeMachine(t)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ancient := oldCase(t, s, "Aurélie Ancienne", time.Date(2022, 1, 3, 9, 0, 0, 0, time.UTC), "ANCIENTMARKER")
	if res, err := s.Compact(); err != nil || res.Frozen != 1 {
		t.Fatalf("compact: %+v %v", res, err)
	}
	var salts [][]byte
	_ = s.view(func(tx kv.Tx) error {
		tl, _ := timelineOf(tx, ancient)
		if tl.frozen == nil || tl.frozen[0] != frozenFormat {
			t.Fatalf("the closed case is not frozen in format %d", frozenFormat)
		}
		return tl.forEach(func(_, env []byte) error {
			p, err := splitEnvelope(env)
			for _, f := range p.personal {
				salts = append(salts, f.salt)
			}
			return err
		})
	})
	raw, _ := os.ReadFile(s.Path())
	if len(salts) < 3 {
		t.Fatalf("%d personal fields' salts, want the subject's, the note's and the letter's", len(salts))
	}
	for _, salt := range salts {
		if !bytes.Contains(raw, salt) {
			t.Fatalf("salt %x is not in the file as it is: this test no longer tests format %d", salt, frozenFormat)
		}
	}
	retention := func(string) (Retention, bool) { return Retention{CopiesMonths: 6, RecordYears: 3}, true }
	if res, err := s.Purge(retention, now, "retention", false); err != nil || len(res.Items) != 1 || res.Items[0].Stage != PurgeRecord {
		t.Fatalf("purge: %+v %v", res, err)
	}
	raw, _ = os.ReadFile(s.Path())
	for _, salt := range salts {
		if bytes.Contains(raw, salt) {
			t.Errorf("salt %x is still in the file after the purge", salt)
		}
	}
	if bytes.Contains(raw, []byte("Aurélie Ancienne")) || bytes.Contains(raw, []byte("ANCIENTMARKER")) {
		t.Error("a purged value is still in the file")
	}
	mustCheck(t, s)
}

// TestFrozenTimelinesOfAnyChunkSizeRead: a frozen timeline stored in
// values of another size than this build's frozenChunk (1,024 bytes until
// 3 December 2026) reads and checks as one of this build's; compact
// stores it again in values of this build's size (and then leaves it);
// and thawing one leaves none of its values behind.
func TestFrozenTimelinesOfAnyChunkSizeRead(t *testing.T) {
	s := newStore(t)
	id := addClosedCase(t, s)
	if res, err := s.Compact(); err != nil || res.Frozen != 1 {
		t.Fatalf("compact: %+v %v", res, err)
	}
	before, _ := s.Get(id)
	chain, err := s.Chain(id)
	if err != nil {
		t.Fatal(err)
	}
	// values lists the lengths of the values the timeline is stored in.
	values := func() (n []int) {
		_ = s.view(func(tx kv.Tx) error {
			prefix := append([]byte(id), 0)
			c := tx.Bucket(bucketEvents).Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if len(k) == len(prefix)+2 {
					n = append(n, len(v))
				}
			}
			return nil
		})
		return n
	}
	const size = 7 // bytes a value: far more values than frozenChunk makes
	var frozen []byte
	storeSmall := func() {
		withBolt(t, s, func(tx kv.Tx) error {
			tl, _ := timelineOf(tx, id)
			frozen = tl.frozen
			if err := tl.dropChunks(); err != nil {
				return err
			}
			for i := 0; i*size < len(frozen); i++ {
				if err := tl.flat.Put(chunkKey(tl.prefix, i), frozen[i*size:min(len(frozen), (i+1)*size)]); err != nil {
					return err
				}
			}
			return nil
		})
		if n := len(values()); n <= frozenChunks(len(frozen)) {
			t.Fatalf("%d values of %d bytes: no more than frozenChunk makes", n, size)
		}
		after, err := s.Get(id)
		if a, b := fmtJSON(after), fmtJSON(before); err != nil || a != b {
			t.Fatalf("the case reads differently from smaller values (%v):\n%s\n%s", err, a, b)
		}
		mustCheck(t, s)
	}
	storeSmall()
	if res, err := s.Compact(); err != nil || res.Frozen != 0 || res.Rechunked != 1 {
		t.Fatalf("compact over values of %d bytes: %+v %v", size, res, err)
	}
	if got := values(); len(got) != frozenChunks(len(frozen)) || got[0] != min(len(frozen), frozenChunk) {
		t.Fatalf("compact left the timeline of %d bytes in values of %v", len(frozen), got)
	}
	if after, _ := s.Get(id); fmtJSON(after) != fmtJSON(before) {
		t.Fatal("the case reads differently once compacted")
	}
	mustCheck(t, s)
	if res, err := s.Compact(); err != nil || res.Frozen != 0 || res.Rechunked != 0 {
		t.Fatalf("compact again: %+v %v", res, err)
	}

	storeSmall()
	noteCase(t, s, id, "a note after closing")
	if frozen, plain := frozenState(t, s, id); frozen || plain != len(chain)+1 {
		t.Fatalf("after a change: frozen %v, %d events stored one by one", frozen, plain)
	}
	if n := len(values()); n != 0 {
		t.Fatalf("thawing left %d of the frozen values", n)
	}
	mustCheck(t, s)
}

// addClosedCase adds a case for Anna Berg, notes it and closes it (no
// data): a closed case of three events for compact to freeze.
func addClosedCase(t *testing.T, s *Store) string {
	t.Helper()
	id := addCase(t, s, "Anna Berg")[0].ID
	noteCase(t, s, id, "called back")
	if _, err := s.Apply(id, cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeNoData, Actor: "dpo"}, NoRevision, testNow); err != nil {
		t.Fatal(err)
	}
	return id
}

// fmtJSON is v as JSON, to compare what two reads of a case give.
func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
