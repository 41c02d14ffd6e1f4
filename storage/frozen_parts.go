package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// An envelope in its parts (frozen format 2). Of an envelope's text, what
// compression cannot shrink is its hex: the prev, the digest and the salt,
// and in the content one commitment per personal field with its salt
// beside the value (seal.go), 64 and 32 random hex digits each. Most of it
// is given by the rest: the prev by the chain, the digest by the salt and
// the content (eventDigest), each commitment by its field's salt, name and
// value (fieldDigest). So an envelope is stored as its salt and its
// personal fields' salts in binary, its content with the commitments its
// personal values give left empty, and its digest only when the content
// does not give it (a received event's digest is of its rules in full,
// its content refers to them). Rebuilding the envelope's text from its
// parts is tried when it is frozen, and only an envelope rebuilt byte for
// byte is stored so; any other is stored as its text (envNoPrev).

// partsDigest, partsSealed, partsPrev are the flags of an envelope's
// parts: its digest is stored (the content does not give it), its
// content's commitments are left empty, its prev is stored.
const (
	partsDigest = 1 << iota
	partsSealed
	partsPrev  // its prev is stored (an event stored alone, not in a chain)
	partsTimes // its content's at and recorded_at are stored in binary (schema 7)
)

// envelopeParts is an envelope of this build's layout:
// {"seq":N,"prev":"…","digest":"…","salt":"…","content":…,"personal":{…}}.
type envelopeParts struct {
	seq      uint64
	prev     string
	digest   string
	salt     []byte // 16 bytes
	content  []byte
	personal []personalPart // as the envelope lists them (by name)
}

type personalPart struct {
	name  string
	salt  []byte // 16 bytes
	value []byte // JSON
}

// errNotParts is a text that is not an envelope of this build's layout.
var errNotParts = errors.New("not an envelope of parts")

// splitEnvelope reads an envelope's parts, errNotParts when it is not laid
// out as this build writes them.
func splitEnvelope(env []byte) (envelopeParts, error) {
	var p envelopeParts
	r := partReader{b: env}
	if !r.head(&p) || !r.lit(`","salt":"`) {
		return p, errNotParts
	}
	salt, ok := r.hex(2 * saltSize)
	if !ok || !r.lit(`","content":`) {
		return p, errNotParts
	}
	p.salt, _ = hex.DecodeString(salt)
	if p.content, ok = r.value(); !ok {
		return p, errNotParts
	}
	if r.lit(`,"personal":{`) {
		for {
			if !r.lit(`"`) {
				return p, errNotParts
			}
			end := bytes.IndexByte(r.b[r.i:], '"')
			if end < 0 {
				return p, errNotParts
			}
			var f personalPart
			f.name = string(r.b[r.i : r.i+end])
			r.i += end + 1
			if !r.lit(`:{"salt":"`) {
				return p, errNotParts
			}
			fs, ok := r.hex(2 * saltSize)
			if !ok || !r.lit(`","value":`) {
				return p, errNotParts
			}
			f.salt, _ = hex.DecodeString(fs)
			if f.value, ok = r.value(); !ok || !r.lit(`}`) {
				return p, errNotParts
			}
			p.personal = append(p.personal, f)
			if r.lit(`}`) {
				break
			}
			if !r.lit(`,`) {
				return p, errNotParts
			}
		}
	}
	if !r.lit(`}`) || r.i != len(r.b) {
		return p, errNotParts
	}
	return p, nil
}

// joinEnvelope is the text of an envelope from its parts, as json.Marshal
// writes an envelope (chain.go).
func joinEnvelope(p envelopeParts) []byte {
	n := 200 + len(p.content)
	for _, f := range p.personal {
		n += len(f.name) + len(f.value) + 64
	}
	return appendParts(make([]byte, 0, n), p)
}

// appendParts appends the text of an envelope from its parts to out.
func appendParts(out []byte, p envelopeParts) []byte {
	out = append(out, `{"seq":`...)
	out = strconv.AppendUint(out, p.seq, 10)
	out = append(append(append(out, `,"prev":"`...), p.prev...), `","digest":"`...)
	out = append(append(out, p.digest...), `","salt":"`...)
	out = hex.AppendEncode(out, p.salt)
	out = append(append(out, `","content":`...), p.content...)
	if len(p.personal) > 0 {
		out = append(out, `,"personal":{`...)
		for i, f := range p.personal {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(append(append(out, '"'), f.name...), `":{"salt":"`...)
			out = hex.AppendEncode(out, f.salt)
			out = append(append(append(out, `","value":`...), f.value...), '}')
		}
		out = append(out, '}')
	}
	return append(out, '}')
}

// rebuilt keeps the buffers encodeParts rebuilds envelopes in, to compare.
var rebuilt = sync.Pool{New: func() any { return new([]byte) }}

// sealedField is where content's commitment to field name is: the offset
// of its 64 hex digits ("" when left empty, then end == start), -1 when
// the content's "sealed" object does not name it.
func sealedField(content []byte, name string) (start, end int) {
	at := bytes.Index(content, []byte(`"sealed":{`))
	if at < 0 {
		return -1, -1
	}
	obj := content[at:]
	if close := bytes.IndexByte(obj, '}'); close >= 0 {
		obj = obj[:close]
	}
	key := []byte(`"` + name + `":"`)
	i := bytes.Index(obj, key)
	if i < 0 {
		return -1, -1
	}
	start = at + i + len(key)
	end = bytes.IndexByte(content[start:], '"')
	if end < 0 {
		return -1, -1
	}
	return start, start + end
}

// committedTo is the commitment to personal value f (fieldDigest).
func committedTo(f personalPart) string { return fieldDigest(f.salt, f.name, f.value) }

// dropSealedBy is content with the commitments its personal fields give
// (commit: committedTo, or what sealing found) left empty, and whether
// there was any.
func dropSealedBy(content []byte, personal []personalPart, commit func(personalPart) string) ([]byte, bool) {
	out, dropped := content, false
	for _, f := range personal {
		start, end := sealedField(out, f.name)
		if start < 0 || end-start != 64 || string(out[start:end]) != commit(f) {
			continue
		}
		if !dropped { // content is the caller's: the first cut copies it, the others cut the copy
			out = append(make([]byte, 0, len(out)), out...)
		}
		out = append(out[:start], out[end:]...)
		dropped = true
	}
	return out, dropped
}

// fillSealed is content with the commitments left empty by dropSealedBy
// given back.
func fillSealed(content []byte, personal []personalPart) []byte {
	return fillSealedBy(content, personal, committedTo)
}

// fillSealedBy is fillSealed, the commitment each value gives found by
// commit.
func fillSealedBy(content []byte, personal []personalPart, commit func(personalPart) string) []byte {
	out, owned := content, false
	for _, f := range personal {
		if start, end := sealedField(out, f.name); start >= 0 && end == start {
			digest := commit(f)
			if !owned { // content is the caller's: filled in a copy with room for every commitment
				out, owned = append(make([]byte, 0, len(out)+len(personal)*(len(digest)+8)), out...), true
			}
			n := len(out)
			out = append(out, digest...) // the room, then the tail moved into it
			copy(out[start+len(digest):], out[start:n])
			copy(out[start:], digest)
		}
	}
	return out
}

// encodeParts appends the stored parts of envelope env, event seq whose
// prev is prev (the chain's hash before it; "" to store the envelope's
// own), to out; ok is false when env is not an envelope its parts rebuild
// byte for byte. lastAt is the instant of the event before in the same
// value (0 for an event stored alone), which its own at is stored after;
// it is moved on to this event's. A nil lastAt keeps the at and
// recorded_at as text (as schema 6 stored them).
//
// A nil raw stores every part in out, in order. Else the parts that are
// random bytes (the salts, the prev and digest when stored, the instants'
// nanoseconds) are appended to raw instead, in the same order, so that
// out holds what compresses (frozen format 4).
func encodeParts(out, env []byte, seq uint64, prev string, lastAt *int64, raw *[]byte) ([]byte, bool) {
	return encodeSealedParts(out, env, nil, seq, prev, lastAt, raw)
}

// encodeSealedParts is encodeParts, given when sealed is not nil the
// envelope's parts as chainSealed made env: what they say is then not read
// back from the text and hashed again, and the rebuilt text is still
// compared with env.
func encodeSealedParts(out, env []byte, sealed *sealedEnvelope, seq uint64, prev string, lastAt *int64, raw *[]byte) ([]byte, bool) {
	var p envelopeParts
	var err error
	commit := committedTo
	if sealed == nil {
		p, err = splitEnvelope(env)
	} else {
		var ok bool
		if p, ok = sealed.parts(); !ok {
			return encodeSealedParts(out, env, nil, seq, prev, lastAt, raw)
		}
		commit = sealed.commitment
	}
	if err != nil || p.seq != seq || prev != "" && p.prev != prev {
		return out, false
	}
	flags := byte(0)
	if prev == "" {
		flags |= partsPrev
	}
	if sealed != nil && !sealed.digestGiven || sealed == nil && eventDigest(p.salt, p.content) != p.digest {
		flags |= partsDigest
	}
	content, dropped := dropSealedBy(p.content, p.personal, commit)
	if dropped {
		flags |= partsSealed
	}
	sealedLeft := content
	var times eventTimes
	ok := false
	if lastAt != nil {
		times, ok = splitTimes(content)
	}
	if ok {
		flags |= partsTimes
		content = times.content
	}
	// What decodeParts will rebuild, tried now. The instants' text is
	// what they format back to (parseInstant compared it), so the content
	// with them is the content before splitTimes.
	q := p
	if dropped {
		q.content = fillSealedBy(sealedLeft, p.personal, commit)
	}
	buf := rebuilt.Get().(*[]byte)
	*buf = appendParts((*buf)[:0], q)
	same := bytes.Equal(*buf, env)
	rebuilt.Put(buf)
	if !same {
		return out, false
	}
	text, noise := &out, raw
	if noise == nil {
		noise = text
	}
	*text = append(*text, flags)
	*noise = append(*noise, p.salt...)
	if ok {
		times.append(text, noise, *lastAt)
		*lastAt = times.at
	}
	if flags&partsPrev != 0 {
		*noise, _ = hex.AppendDecode(*noise, []byte(p.prev))
	}
	if flags&partsDigest != 0 {
		*noise, _ = hex.AppendDecode(*noise, []byte(p.digest))
	}
	*text = binary.AppendUvarint(*text, uint64(len(content)))
	*text = append(*text, content...)
	*text = binary.AppendUvarint(*text, uint64(len(p.personal)))
	for _, f := range p.personal {
		*text = binary.AppendUvarint(*text, uint64(len(f.name)))
		*text = append(*text, f.name...)
		*noise = append(*noise, f.salt...)
		*text = binary.AppendUvarint(*text, uint64(len(f.value)))
		*text = append(*text, f.value...)
	}
	return out, true
}

// decodeParts is the text of event seq, stored in its parts, whose prev
// is prev unless its parts store it; lastAt and raw are as encodeParts was
// given them (raw reading what it appended there), and moved on alike.
func decodeParts(body []byte, seq uint64, prev string, lastAt *int64, raw *partReader) ([]byte, error) {
	r := partReader{b: body}
	noise := raw
	if noise == nil {
		noise = &r
	}
	p := envelopeParts{seq: seq, prev: prev}
	flags, ok := r.bytes(1)
	if !ok {
		return nil, errNotParts
	}
	if p.salt, ok = noise.bytes(saltSize); !ok {
		return nil, errNotParts
	}
	var times eventTimes
	if flags[0]&partsTimes != 0 {
		if !times.read(&r, noise, *lastAt) {
			return nil, errNotParts
		}
		*lastAt = times.at
	}
	if flags[0]&partsPrev != 0 {
		d, ok := noise.bytes(sha256.Size)
		if !ok {
			return nil, errNotParts
		}
		p.prev = hex.EncodeToString(d)
	}
	if flags[0]&partsDigest != 0 {
		d, ok := noise.bytes(sha256.Size)
		if !ok {
			return nil, errNotParts
		}
		p.digest = hex.EncodeToString(d)
	}
	if p.content, ok = r.sized(); !ok {
		return nil, errNotParts
	}
	n, ok := r.uvarint()
	if !ok || n > uint64(len(body)) {
		return nil, errNotParts
	}
	for range n {
		var f personalPart
		name, ok := r.sized()
		if !ok {
			return nil, errNotParts
		}
		f.name = string(name)
		if f.salt, ok = noise.bytes(saltSize); !ok {
			return nil, errNotParts
		}
		if f.value, ok = r.sized(); !ok {
			return nil, errNotParts
		}
		p.personal = append(p.personal, f)
	}
	if r.i != len(body) {
		return nil, errNotParts
	}
	if flags[0]&partsTimes != 0 {
		if p.content, ok = times.join(p.content); !ok {
			return nil, errNotParts
		}
	}
	if flags[0]&partsSealed != 0 {
		p.content = fillSealed(p.content, p.personal)
	}
	if flags[0]&partsDigest == 0 {
		p.digest = eventDigest(p.salt, p.content)
	}
	return joinEnvelope(p), nil
}

// partReader reads an envelope's text, or its stored parts.
type partReader struct {
	b []byte
	i int
}

// lit reads s if it comes next.
func (r *partReader) lit(s string) bool {
	if !bytes.HasPrefix(r.b[r.i:], []byte(s)) {
		return false
	}
	r.i += len(s)
	return true
}

// hex reads n lower-case hex digits.
func (r *partReader) hex(n int) (string, bool) {
	if len(r.b)-r.i < n {
		return "", false
	}
	s := r.b[r.i : r.i+n]
	for _, c := range s {
		if !lowerHex[c] {
			return "", false
		}
	}
	r.i += n
	return string(s), true
}

// lowerHex says which bytes are lower-case hex digits.
var lowerHex = func() (t [256]bool) {
	for _, c := range "0123456789abcdef" {
		t[c] = true
	}
	return t
}()

// value reads one JSON value (an object, an array, a string or a bare
// word), as far as its brackets and strings say; joinEnvelope's rebuild,
// compared with the text, is what proves it read right.
func (r *partReader) value() ([]byte, bool) {
	start, depth := r.i, 0
	for r.i < len(r.b) {
		switch c := r.b[r.i]; c {
		case '"':
			r.i++
			for r.i < len(r.b) && r.b[r.i] != '"' {
				if r.b[r.i] == '\\' {
					r.i++
				}
				r.i++
			}
			if r.i >= len(r.b) {
				return nil, false
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return r.b[start:r.i], r.i > start
			}
			depth--
		case ',':
			if depth == 0 {
				return r.b[start:r.i], r.i > start
			}
		}
		r.i++
		if depth == 0 && r.i > start && (r.b[r.i-1] == '}' || r.b[r.i-1] == ']' || r.b[r.i-1] == '"') {
			return r.b[start:r.i], true
		}
	}
	return nil, false
}

func (r *partReader) bytes(n int) ([]byte, bool) {
	if len(r.b)-r.i < n {
		return nil, false
	}
	r.i += n
	return r.b[r.i-n : r.i], true
}

func (r *partReader) uvarint() (uint64, bool) {
	x, n := binary.Uvarint(r.b[r.i:])
	if n <= 0 {
		return 0, false
	}
	r.i += n
	return x, true
}

func (r *partReader) sized() ([]byte, bool) {
	n, ok := r.uvarint()
	if !ok || n > uint64(len(r.b)-r.i) {
		return nil, false
	}
	return r.bytes(int(n))
}

// storedEvent is how the events bucket stores an event of a timeline that
// is not frozen: in its parts, its prev with them, after the byte
// envParts, when they rebuild it byte for byte; else its text (which
// begins with '{', as every event stored before schema 6 does).
func storedEvent(seq uint64, env []byte) []byte {
	var lastAt int64
	if v, ok := encodeParts([]byte{envParts}, env, seq, "", &lastAt, nil); ok {
		return v
	}
	return env
}

// eventText is the envelope of event seq as the events bucket stores it
// (storedEvent).
func eventText(seq uint64, v []byte) ([]byte, error) {
	if len(v) == 0 || v[0] != envParts {
		return v, nil
	}
	var lastAt int64
	return decodeParts(v[1:], seq, "", &lastAt, nil)
}

// unmarshalEnvelope is json.Unmarshal(v, env) for a zero env: the same
// envelope, or the same error. A command that records one change reads
// the case's whole timeline first, and encoding/json spent most of each
// envelope on reflection, analysing the envelope type in each process; an
// envelope laid out as this build writes it (splitEnvelope) is read from
// its parts instead, its content and values copied out of v (which may be
// the database's memory), as is one with no salt (splitUnsalted: the key
// chain's). Anything else goes to encoding/json whole: not JSON, an older
// layout, a null, a name with an escape or not UTF-8
// (TestUnmarshalEnvelopeIsUnmarshal).
func unmarshalEnvelope(v []byte, env *envelope) error {
	p, err := splitEnvelope(v)
	if err != nil {
		p, err = splitUnsalted(v)
	}
	if err != nil || !plainParts(&p) || !json.Valid(v) {
		return json.Unmarshal(v, env)
	}
	env.Seq, env.Prev, env.Digest = p.seq, p.prev, p.digest
	if p.salt != nil {
		env.Salt = hex.EncodeToString(p.salt)
	}
	env.Content = append(json.RawMessage(nil), p.content...)
	if len(p.personal) > 0 {
		env.Personal = make(map[string]sealedValue, len(p.personal))
		for _, f := range p.personal {
			env.Personal[f.name] = sealedValue{Salt: hex.EncodeToString(f.salt), Value: append(json.RawMessage(nil), f.value...)}
		}
	}
	return nil
}

// splitUnsalted reads the parts of an envelope with no salt and no
// personal values, as the key chain's are (and a timeline's before schema
// 4): {"seq":N,"prev":"…","digest":"…","content":…}.
func splitUnsalted(env []byte) (envelopeParts, error) {
	var p envelopeParts
	r := partReader{b: env}
	if !r.head(&p) || !r.lit(`","content":`) {
		return p, errNotParts
	}
	var ok bool
	if p.content, ok = r.value(); !ok || !r.lit(`}`) || r.i != len(r.b) {
		return p, errNotParts
	}
	return p, nil
}

// head reads what every envelope starts with into p, up to the end of its
// digest: {"seq":N,"prev":"…","digest":"…
func (r *partReader) head(p *envelopeParts) bool {
	if !r.lit(`{"seq":`) {
		return false
	}
	start := r.i
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		r.i++
	}
	seq, err := strconv.ParseUint(string(r.b[start:r.i]), 10, 64)
	if err != nil || !r.lit(`,"prev":"`) {
		return false
	}
	p.seq = seq
	var ok bool
	if p.prev, ok = r.hex(64); !ok || !r.lit(`","digest":"`) {
		return false
	}
	p.digest, ok = r.hex(64)
	return ok
}

// plainParts says whether p's names are what encoding/json would decode
// them to (no escape, valid UTF-8) and its values what it would keep of
// them (no space around them, which it leaves out) and no null, which it
// treats apart.
func plainParts(p *envelopeParts) bool {
	if !plainValue(p.content) {
		return false
	}
	for _, f := range p.personal {
		if strings.IndexByte(f.name, '\\') >= 0 || !utf8.ValidString(f.name) || !plainValue(f.value) {
			return false
		}
	}
	return true
}

// plainValue is a JSON value with no space before or after it, not null.
func plainValue(v []byte) bool {
	space := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	return len(v) > 0 && !space(v[0]) && !space(v[len(v)-1]) && !bytes.Equal(v, []byte("null"))
}
