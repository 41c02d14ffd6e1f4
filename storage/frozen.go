package storage

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync"

	"rightsdesk/storage/kv"
)

// A closed case's timeline rarely changes again, and its envelopes repeat
// one another (the same field names, times, actors, hex digests): such a
// timeline is frozen into one compressed value in the events bucket, under
// the key of the case ID and its 0 byte alone (sorting before its events'
// keys). The envelopes come back byte for byte, so every digest, chain and
// log leaf verifies exactly as before (TRUST.md); what the compression
// leaves out is only what the chain gives back: each envelope's prev, the
// hash of the chain before it, which a sound timeline holds anyway. A
// change to a frozen case thaws it first (its events stored one by one
// again), so that a durable change never compresses; the bulk writers
// (demo, import) freeze the cases they write closed, and compact freezes
// the closed cases of a file.

// frozenFormat is the first byte of a frozen timeline: the encoding below,
// with frozenDict. Format 1 stored each envelope's text (its prev left
// out); format 2 stores an envelope of this build's layout in its parts
// (envelopeParts), binary where the text is hex, without what the
// envelope's other parts give back; format 3 (schema 7) also stores the
// content's at and recorded_at in binary (eventTimes), each event's at
// after the one before. Formats 1 to 3 compress with deflate and
// frozenDict. Format 4 stores what format 3 does, but keeps the parts that
// are random bytes (salts, stored digests, the instants' nanoseconds)
// apart and uncompressed, and compresses the rest with Zstandard and a
// dictionary trained on demo timelines (frozendict.go): the compressor
// then neither spends time on bytes it cannot shrink nor fits its codes
// to them. All stay readable.
const (
	frozenFormat1 = 1
	frozenFormat2 = 2
	frozenFormat3 = 3
	frozenFormat  = 4
)

// How one envelope of a frozen timeline is stored, the byte after its
// length.
const (
	envWhole  = 0 // its text as it is
	envNoPrev = 1 // its text without its prev (the chain gives it)
	envParts  = 2 // its parts (envelopeParts), format 2 only
)

// frozenDict primes the compressor with what every timeline says, so that
// a short timeline compresses as well as a long one. It is part of
// formats 1 to 3: changing it makes frozen timelines unreadable.
var frozenDict = []byte(`"reason":"method":"channel":"email","to":"checksum":"recipient":"tags":["text":"` +
	`"attachment":{"name":"file":"outcome":"grounds":["law":"rules_ref":"extended_to":"late":"needs":"` +
	`"item":"result":"what":"files":"until":"review":"draft":"letter_date":"approval":"field":"value":` +
	`"sealed":{"facts.requester.name":"facts.subject.email":"facts.subject.identifiers":"facts.subject.name":"facts.text":"` +
	`"personal":{"facts.subject.name":{"salt":"","value":""},"facts.subject.email":{"salt":"","value":"@example.org"},` +
	`"facts":{"request_id":"DSR-20","controller":"right":"access","subject":{"name":""},"requester":{"name":"","relation":"` +
	`"language":"en","received_at":"2026-` +
	`{"kind":"received","kind":"acknowledged","kind":"assigned","assignee":"","kind":"noted","kind":"sent","kind":"closed",` +
	`"kind":"identity-verified","kind":"exported","kind":"attached","kind":"tagged","kind":"worked","kind":"migrated",` +
	`,"at":"2026-11-","recorded_at":"2026-11-","actor":"` +
	`T00:00:00.000000000-08:00","recorded_at":"2026-T00:00:00.000000000+01:00","actor":"}}` +
	`{"seq":1,"prev":"","digest":"","salt":"","content":{"kind":"`)

// prevField is where json.Marshal of an envelope puts its prev, after its
// seq: `{"seq":N,"prev":"` and 64 hex digits.
var prevField = []byte(`,"prev":"`)

// splitPrev finds the prev of an envelope: the offset of its 64 hex
// digits, or -1 when the envelope is not laid out as this build writes
// them (it is then frozen as it is).
func splitPrev(env []byte) int {
	i := bytes.Index(env[:min(len(env), 32)], prevField)
	if i < 0 || len(env) < i+len(prevField)+65 || env[i+len(prevField)+64] != '"' {
		return -1
	}
	return i + len(prevField)
}

// digestOf is the digest an envelope states, read without decoding it.
func digestOf(env []byte) (string, error) {
	const field = `"digest":"`
	i := bytes.Index(env[:min(len(env), 200)], []byte(field))
	if i < 0 || len(env) < i+len(field)+65 {
		_, digest, err := envelopeLeaf(env)
		return digest, err
	}
	return string(env[i+len(field) : i+len(field)+64]), nil
}

// freezeEnvelopes encodes the envelopes of case id (events 1, 2, ... in
// order) as one frozen value.
func freezeEnvelopes(id string, envs [][]byte) ([]byte, error) {
	return freezeAs(frozenFormat, id, envs)
}

// freezeAs is freezeEnvelopes in format 2, 3 or 4 (the migration's tests
// make files of schema 6 with format 2, compact's of format 3). Format 4
// is the format byte, the length of the random parts (encodeParts), those
// parts as they are, and the rest compressed.
func freezeAs(format byte, id string, envs [][]byte) ([]byte, error) {
	return freezeSealedAs(format, id, envs, nil)
}

// freezeSealed is freezeEnvelopes given the envelopes' parts as
// chainSealed made them, one for each: the same bytes, without reading
// each envelope back from its text and hashing its content, its personal
// values and the chain again (5 of the demo's 40 CPU-seconds at 100,000
// cases).
func freezeSealed(id string, envs [][]byte, sealed []sealedEnvelope) ([]byte, error) {
	if len(sealed) != len(envs) {
		return nil, fmt.Errorf("case %s: %d envelopes, %d in parts", id, len(envs), len(sealed))
	}
	return freezeSealedAs(frozenFormat, id, envs, sealed)
}

// freezeSealedAs is freezeAs, given the envelopes' parts when sealed is
// not nil (freezeSealed).
func freezeSealedAs(format byte, id string, envs [][]byte, sealed []sealedEnvelope) ([]byte, error) {
	bufs := plainBuffers.Get().(*frozenBuffers)
	defer plainBuffers.Put(bufs)
	return freezeIn(bufs, format, id, envs, sealed)
}

// freezeIn is freezeSealedAs built in bufs (frozenBuffers).
func freezeIn(bufs *frozenBuffers, format byte, id string, envs [][]byte, sealed []sealedEnvelope) ([]byte, error) {
	plain, raw, err := frozenPlainIn(bufs, format, id, envs, sealed)
	if err != nil {
		return nil, err
	}
	if format != frozenFormat {
		return deflate(format, plain, envelopeWriters)
	}
	// The head is copied into the compressed value: it too is built in
	// the buffers kept.
	head := binary.AppendUvarint(append(bufs.head[:0], format), uint64(len(raw)))
	bufs.head = append(head, raw...)
	return zstdTimelines.compress(bufs.head, plain)
}

// frozenBuffers are what frozenPlainIn builds a value in, kept for the next
// value (plainBuffers): compression reads them and keeps nothing of them,
// so a case frozen reuses the last one's instead of taking and clearing
// new memory (a kilobyte per event: at 100,000 demo cases, 1.1 GB of the
// run's 14 GB allocated).
type frozenBuffers struct{ plain, parts, raw, head []byte }

var plainBuffers = sync.Pool{New: func() any { return new(frozenBuffers) }}

// frozenPlainIn is what a frozen value of format compresses: each
// envelope of case id as its length, the byte of how it is stored, and its
// body; and, in format 4, the random parts of the bodies apart (raw).
// Given the envelopes' parts (sealed not nil: freezeSealed), each
// envelope's digest and the chain's hash after it (the next one's prev)
// are taken from them. It is built in bufs, which keep the memory it grew
// for the next call: what it returns is valid until then.
func frozenPlainIn(bufs *frozenBuffers, format byte, id string, envs [][]byte, sealed []sealedEnvelope) (plain, raw []byte, err error) {
	hash := chainStart(id)
	size := 0
	for _, env := range envs {
		size += len(env)
	}
	// Room enough that appending never copies: an envelope's parts are
	// shorter than its text.
	plain, parts := slices.Grow(bufs.plain[:0], size+16*len(envs)), slices.Grow(bufs.parts[:0], 4096)
	defer func() { bufs.plain, bufs.parts, bufs.raw = plain, parts, raw }()
	var lastAt int64
	times := &lastAt
	if format == frozenFormat2 {
		times = nil
	}
	noise := &raw
	if format != frozenFormat {
		noise = nil
	} else {
		raw = slices.Grow(bufs.raw[:0], 128*len(envs))
	}
	for i, env := range envs {
		var known *sealedEnvelope
		var digest string
		if sealed != nil {
			known, digest = &sealed[i], sealed[i].digest
		} else if digest, err = digestOf(env); err != nil {
			return nil, nil, err
		}
		body, kind, ok := env, byte(envWhole), false
		if parts, ok = encodeSealedParts(parts[:0], env, known, uint64(i+1), hash, times, noise); ok {
			body, kind = parts, envParts
		} else if at := splitPrev(env); at >= 0 && string(env[at:at+64]) == hash {
			body, kind = append(append([]byte(nil), env[:at]...), env[at+64:]...), envNoPrev
		}
		plain = binary.AppendUvarint(plain, uint64(len(body)))
		plain = append(append(plain, kind), body...)
		prev := hash
		if kind == envWhole {
			if at := splitPrev(env); at >= 0 {
				prev = string(env[at : at+64])
			}
		}
		if sealed != nil && i+1 < len(sealed) {
			hash = sealed[i+1].prev // chainSealed's chainNext(prev, digest)
		} else {
			hash = chainNext(prev, digest)
		}
	}
	return plain, raw, nil
}

// thawEnvelopes calls fn with each envelope of a frozen value of case id,
// numbered from 1, as it was frozen.
func thawEnvelopes(id string, frozen []byte, fn func(seq uint64, env []byte) error) error {
	if len(frozen) == 0 || frozen[0] < frozenFormat1 || frozen[0] > frozenFormat {
		return fmt.Errorf("case %s: a frozen timeline of an unknown format", id)
	}
	damaged := fmt.Errorf("case %s: a damaged frozen timeline", id)
	var plain []byte
	var raw *partReader
	var err error
	if frozen[0] == frozenFormat {
		n, size := binary.Uvarint(frozen[1:])
		if size <= 0 || uint64(len(frozen)-1-size) < n {
			return damaged
		}
		raw = &partReader{b: frozen[1+size : 1+size+int(n)]}
		plain, err = zstdTimelines.decompress(frozen[1+size+int(n):])
	} else {
		plain, err = inflate(frozen[1:], frozenDict)
	}
	if err != nil {
		return fmt.Errorf("case %s: a damaged frozen timeline: %w", id, err)
	}
	hash := chainStart(id)
	var lastAt int64
	for seq := uint64(1); len(plain) > 0; seq++ {
		n, size := binary.Uvarint(plain)
		if size <= 0 || uint64(len(plain)-size) < n+1 {
			return damaged
		}
		kind, body := plain[size], plain[size+1:size+1+int(n)]
		plain = plain[size+1+int(n):]
		env := body
		switch {
		case kind == envParts && frozen[0] != frozenFormat1:
			if env, err = decodeParts(body, seq, hash, &lastAt, raw); err != nil {
				return damaged
			}
		case kind == envNoPrev:
			at := bytes.Index(body[:min(len(body), 32)], prevField)
			if at < 0 {
				return damaged
			}
			at += len(prevField)
			env = make([]byte, 0, len(body)+64)
			env = append(append(append(env, body[:at]...), hash...), body[at:]...)
		case kind != envWhole:
			return damaged
		}
		digest, err := digestOf(env)
		if err != nil {
			return fmt.Errorf("case %s event %d: %w", id, seq, err)
		}
		prev := hash
		if at := splitPrev(env); at >= 0 {
			prev = string(env[at : at+64])
		}
		hash = chainNext(prev, digest)
		if err := fn(seq, env); err != nil {
			return err
		}
	}
	if raw != nil && raw.i != len(raw.b) {
		return damaged
	}
	return nil
}

// freezeClosed freezes the timelines of up to n closed cases after the
// case named after (nil: from the first), and returns the last case it
// looked at, nil when none was left, how many it froze and how many it
// stored again. A timeline frozen in an older format is frozen again (and
// counted as frozen); one frozen in values of another size is stored
// again in this build's (rechunked); an open case is left as it is.
func freezeClosed(tx kv.Tx, after []byte, n int) (last []byte, frozen, rechunked int, err error) {
	ids := casesAfter(tx, after, n)
	if len(ids) == 0 {
		return nil, 0, 0, nil
	}
	rows := tx.Bucket(bucketRows)
	for _, id := range ids {
		sum, _, err := decodeRow(rows.Get(id))
		if err != nil || !sum.Closed() {
			continue
		}
		if v := tx.Bucket(bucketCases).Get(id); len(v) > 0 && (v[0] == caseValueFormat || v[0] == caseValueFrozen3) {
			if v[0] == caseValueFrozen3 {
				if v, err = thawCaseValue(v); err != nil {
					return nil, 0, 0, err
				}
			}
			value, err := freezeCaseValue(v)
			if err != nil {
				return nil, 0, 0, err
			}
			if err := tx.Bucket(bucketCases).Put(id, value); err != nil {
				return nil, 0, 0, err
			}
		}
		tl, ok := timelineOf(tx, string(id))
		if !ok || tl.nested != nil {
			continue
		}
		if tl.frozen != nil {
			if tl.frozen[0] != frozenFormat {
				if err := tl.refreeze(); err != nil {
					return nil, 0, 0, err
				}
				frozen++
			} else if done, err := tl.rechunk(); err != nil {
				return nil, 0, 0, err
			} else if done {
				rechunked++
			}
			continue
		}
		done, err := tl.freeze()
		if err != nil {
			return nil, 0, 0, err
		}
		if done {
			frozen++
		}
	}
	return ids[len(ids)-1], frozen, rechunked, nil
}

// caseValueFrozen is the first byte of a closed case's stored value frozen
// (caseValueFormat's value compressed with Zstandard and a dictionary
// trained on demo records, frozendict.go): a record and its list view of
// 2.4 KB fill a 4 KB page alone, and compressed a few share it. Any change
// to the case writes its value plainly again (encodeCase).
// caseValueFrozen3 is the same compressed with deflate and caseDict, as
// files frozen before format 4 hold it; it stays readable, and compact
// freezes it again as caseValueFrozen.
const (
	caseValueFrozen3 = 3
	caseValueFrozen  = 4
)

// caseDict primes the compressor with what every record and list view
// say. It is part of caseValueFrozen3: changing it makes frozen values
// unreadable.
var caseDict = []byte(`{"revision":1,"updated_at":"","updated_by":"","head":"","events":,"derived_at":"2026-` +
	`"retained":"copies_purged":"record_purged":"last_digest":"","rules_ref":"","events":null}}` +
	`"subject":{"name":"","email":"@example.org","identifiers":{"customer":"C-"}},"requester":{"name":"","relation":"` +
	`"channel":"email","language":"en","regime":"eu-gdpr","tz":"Europe/","received_at":"2026-` +
	`"text":"","calendar":"weekends","receipt_date":"2026-","due":"2026-","due_at":"2026-T22:59:59Z",` +
	`"base_due":"2026-","extended_due":"2026-","extension_notice_by":"2026-","extension_valid":null,` +
	`"refusal_by":"2026-","promise_due":null,"target_due":null,"effective_due":"2026-","effective_due_at":"2026-T22:59:59Z",` +
	`"acknowledge_by":"2026-","act_by":null,"clock":"stopped","clock_since":null,"start_date":"2026-","paused_days":0,` +
	`"due_without_pause":null,"steps":null,"outcome":"fulfilled","grounds":[],"closed_at":"2026-","answered_at":"2026-` +
	`"assignee":"","tags":[],"revision":,"updated_at":"2026-","updated_by":"","work_open":0,"work_total":` +
	`{"id":"DSR-2026-","request_id":"DSR-2026-","controller":"","right":"access","status":"closed",`)

// freezeCaseValue compresses a stored case value of caseValueFormat.
func freezeCaseValue(v []byte) ([]byte, error) {
	if len(v) == 0 || v[0] != caseValueFormat {
		return nil, errBadRow
	}
	return zstdCases.compress([]byte{caseValueFrozen}, v[1:])
}

// freezeCaseValue3 is freezeCaseValue as files before format 4 hold it
// (the tests of compact's freezing again make such files).
func freezeCaseValue3(v []byte) ([]byte, error) {
	if len(v) == 0 || v[0] != caseValueFormat {
		return nil, errBadRow
	}
	return deflate(caseValueFrozen3, v[1:], caseWriters)
}

// thawCaseValue is the caseValueFormat value of a frozen one.
func thawCaseValue(v []byte) ([]byte, error) {
	var plain []byte
	var err error
	switch v[0] {
	case caseValueFrozen:
		plain, err = zstdCases.decompress(v[1:])
	case caseValueFrozen3:
		plain, err = inflate(v[1:], caseDict)
	default:
		return nil, errBadRow
	}
	if err != nil {
		return nil, errBadRow
	}
	return append([]byte{caseValueFormat}, plain...), nil
}

// deflate is plain compressed with the pool's dictionary, after the byte
// format.
func deflate(format byte, plain []byte, pool *writerPool) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(format)
	w, err := pool.get(&buf)
	if err != nil {
		return nil, err
	}
	defer pool.put(w)
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writerPool keeps compressors primed with one dictionary: a new one
// allocates and clears about a megabyte of state, more than compressing
// a case costs.
type writerPool struct {
	dict []byte
	pool sync.Pool
}

var (
	envelopeWriters = &writerPool{dict: frozenDict}
	caseWriters     = &writerPool{dict: caseDict}
	readers         sync.Pool // of flate readers (flate.Resetter)
)

// get is a compressor writing to dst.
func (p *writerPool) get(dst io.Writer) (*flate.Writer, error) {
	if w, ok := p.pool.Get().(*flate.Writer); ok {
		w.Reset(dst)
		return w, nil
	}
	return flate.NewWriterDict(dst, flate.DefaultCompression, p.dict)
}

func (p *writerPool) put(w *flate.Writer) { p.pool.Put(w) }

// inflate decompresses compressed, primed with dict.
func inflate(compressed, dict []byte) ([]byte, error) {
	src := bytes.NewReader(compressed)
	r, ok := readers.Get().(io.ReadCloser)
	if ok {
		if err := r.(flate.Resetter).Reset(src, dict); err != nil {
			return nil, err
		}
	} else {
		r = flate.NewReaderDict(src, dict)
	}
	defer readers.Put(r)
	out := make([]byte, 0, 4*len(compressed))
	buf := bytes.NewBuffer(out)
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
