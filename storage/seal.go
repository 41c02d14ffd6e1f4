package storage

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"

	"rightsdesk/cases"
)

// Salted envelopes and per-field commitments (TRUST.md, "Every fact in the
// chain").
//
// An event recorded by this version is stored as an envelope with a
// 16-byte random salt; its digest is SHA-256 over eventTag, the salt and
// the content as stored. The personal fields of the event (personalFields)
// are not in the content: each is replaced by its own commitment, listed
// under the content's top-level "sealed" key (field name -> SHA-256 in hex
// over fieldTag, the field's own 16-byte salt, its name, a newline and its
// value's JSON), while its value and salt are kept beside the content in
// the envelope's "personal" map. So a purge removes the personal values and
// their salts and leaves the content, whose digest still verifies, and a
// guessed value (an e-mail address) cannot be confirmed from what remains:
// without the salt there is nothing to hash it with.
//
// An event recorded before the migration to schema 4 keeps its old
// envelope: no salt, digest = SHA-256(content). check accepts one only
// before the case's migrated event (storage/check_chain.go).
const (
	eventTag = "rightsdesk event v2\n"
	fieldTag = "rightsdesk field v2\n"
	saltSize = 16
)

// sealedValue is one personal field's value and salt, kept beside the
// content of its event.
type sealedValue struct {
	Salt  string          `json:"salt"`
	Value json.RawMessage `json:"value"`
}

// personalField is one personal field of an event: its name in the sealed
// map and where its value is (a *string or a *map[string]string), nil when
// the event cannot hold it.
type personalField struct {
	name string
	ref  func(e *cases.Event) any
}

// personalCorrections are the intake facts whose corrected value is
// personal.
var personalCorrections = map[string]bool{"subject": true, "email": true, "phone": true, "postal-address": true,
	"identifier": true, "requester": true, "text": true}

func factsRef(get func(f *cases.Facts) any) func(e *cases.Event) any {
	return func(e *cases.Event) any {
		if e.Facts == nil {
			return nil
		}
		return get(e.Facts)
	}
}

// personalFields are what a purge removes (TRUST.md: the subject, the
// requester, the contact routes, the identifiers, the request text, notes
// and reasons), with the address a letter went to, how identity was
// verified, what a work item changed, why an entry was late or a
// notification impossible, and a correction's value when the fact
// corrected is personal.
var personalFields = []personalField{
	{"facts.subject.name", factsRef(func(f *cases.Facts) any { return &f.Subject.Name })},
	{"facts.subject.email", factsRef(func(f *cases.Facts) any { return &f.Subject.Email })},
	{"facts.subject.phone", factsRef(func(f *cases.Facts) any { return &f.Subject.Phone })},
	{"facts.subject.postal_address", factsRef(func(f *cases.Facts) any { return &f.Subject.PostalAddress })},
	{"facts.subject.identifiers", factsRef(func(f *cases.Facts) any { return &f.Subject.Identifiers })},
	{"facts.requester.name", factsRef(func(f *cases.Facts) any {
		if f.Requester == nil {
			return nil
		}
		return &f.Requester.Name
	})},
	{"facts.text", factsRef(func(f *cases.Facts) any { return &f.Text })},
	{"reason", func(e *cases.Event) any { return &e.Reason }},
	{"text", func(e *cases.Event) any { return &e.Text }},
	{"to", func(e *cases.Event) any { return &e.To }},
	{"method", func(e *cases.Event) any { return &e.Method }},
	{"what", func(e *cases.Event) any { return &e.What }},
	{"late", func(e *cases.Event) any { return &e.Late }},
	{"impossible", func(e *cases.Event) any { return &e.Impossible }},
	{"value", func(e *cases.Event) any {
		if !personalCorrections[e.Field] {
			return nil
		}
		return &e.Value
	}},
}

// personalByName indexes personalFields.
var personalByName = func() map[string]personalField {
	m := map[string]personalField{}
	for _, f := range personalFields {
		m[f.name] = f
	}
	return m
}()

// salter makes the salts of one case's envelopes: random, or for a demo or
// test database derived from its seed (testseed.go), the case ID, the
// event's sequence number and the field's name, so that the same seed gives
// the same file.
type salter struct {
	seed []byte
	id   string
}

func (s salter) salt(seq uint64, name string) []byte {
	if s.seed == nil {
		b := make([]byte, saltSize)
		if _, err := rand.Read(b); err != nil {
			panic(err) // crypto/rand never fails on the systems this runs on
		}
		return b
	}
	pool, ok := saltMACs.Load(string(s.seed))
	if !ok {
		pool, _ = saltMACs.LoadOrStore(string(s.seed), &sync.Pool{})
	}
	mac, ok := pool.(*sync.Pool).Get().(hash.Hash)
	if ok {
		mac.Reset()
	} else {
		mac = hmac.New(sha256.New, s.seed)
	}
	defer pool.(*sync.Pool).Put(mac)
	var head [9]byte
	mac.Write([]byte(s.id))
	mac.Write(binary.BigEndian.AppendUint64(head[:1], seq))
	mac.Write([]byte(name))
	var sum [sha256.Size]byte
	return mac.Sum(sum[:0])[:saltSize:saltSize]
}

// saltMACs keeps, for each seed, HMACs keyed with it, reset for each salt:
// keying a new one hashes two blocks and allocates, more than a salt
// costs, and a bulk write takes one salt per event and personal field.
// A process meets one seed per demo or test database it writes.
var saltMACs sync.Map // string(seed) -> *sync.Pool of hash.Hash

// eventDigest is the digest of a new-format envelope.
func eventDigest(salt, content []byte) string {
	h := sha256.New()
	h.Write([]byte(eventTag))
	h.Write(salt)
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// fieldDigest is the commitment to one personal value.
func fieldDigest(salt []byte, name string, value []byte) string {
	h := sha256.New()
	h.Write([]byte(fieldTag))
	h.Write(salt)
	h.Write([]byte(name))
	h.Write([]byte{'\n'})
	h.Write(value)
	return hex.EncodeToString(h.Sum(nil))
}

// seal encodes an event as a new-format envelope's content: its personal
// fields taken out and committed to one by one. It returns the content,
// the values with their salts, the envelope's salt and digest, and the
// commitments the content holds to the values, in the order of their
// names (as the envelope lists them): a writer that freezes the timeline
// next stores the envelope without them (encodeParts), and need not hash
// each value again to find them. event is not changed.
func seal(event cases.Event, s salter, seq uint64) (content []byte, personal map[string]sealedValue, salt []byte, digest string, sealed []commitment, err error) {
	// The copy whose personal fields are taken out comes from a pool: its
	// address goes where the compiler cannot follow it, and an event
	// (about 800 bytes) allocated for each one sealed was a twentieth of
	// what a bulk write allocates.
	ev := sealing.Get().(*cases.Event)
	*ev = event
	defer func() { *ev = cases.Event{}; sealing.Put(ev) }()
	ev.Unattested = false // derived when read, never stored
	ev.Facts = ownFacts(ev.Facts)
	for _, pf := range personalFields { // sealed in the order of personalFields, then of names
		raw, err := takePersonal(ev, pf, func(v string) ([]byte, error) { return appendJSONString(nil, v), nil })
		if err != nil {
			return nil, nil, nil, "", nil, err
		}
		if raw == nil {
			continue
		}
		fs := s.salt(seq, pf.name)
		if personal == nil {
			personal = map[string]sealedValue{}
		}
		sealed = append(sealed, commitment{pf.name, fieldDigest(fs, pf.name, raw)})
		personal[pf.name] = sealedValue{Salt: hex.EncodeToString(fs), Value: raw}
	}
	content, err = appendContent(make([]byte, 0, 512+80*len(sealed)), ev)
	if err != nil {
		return nil, nil, nil, "", nil, err
	}
	if sealed != nil {
		// As json.Marshal writes a map[string]string: keys in order. The
		// names and hex digests need no escaping.
		slices.SortFunc(sealed, func(a, b commitment) int { return strings.Compare(a.name, b.name) })
		content = append(content[:len(content)-1], `,"sealed":{`...)
		for i, f := range sealed {
			if i > 0 {
				content = append(content, ',')
			}
			content = append(append(append(append(append(content, '"'), f.name...), `":"`...), f.digest...), '"')
		}
		content = append(content, "}}"...)
	}
	salt = s.salt(seq, "")
	return content, personal, salt, eventDigest(salt, content), sealed, nil
}

// sealing keeps the events seal takes personal fields out of.
var sealing = sync.Pool{New: func() any { return new(cases.Event) }}

// ownFacts is a copy of f whose personal fields may be taken out (its
// requester copied too), nil for none.
func ownFacts(f *cases.Facts) *cases.Facts {
	if f == nil {
		return nil
	}
	own := *f
	if own.Requester != nil {
		r := *own.Requester
		own.Requester = &r
	}
	return &own
}

// takePersonal takes the personal field pf out of ev and returns its
// value's JSON (a string as str writes it, a map as json.Marshal does),
// or nil when the event holds none.
func takePersonal(ev *cases.Event, pf personalField, str func(string) ([]byte, error)) ([]byte, error) {
	switch p := pf.ref(ev).(type) {
	case *string:
		if *p == "" {
			return nil, nil
		}
		raw, err := str(*p)
		*p = ""
		return raw, err
	case *map[string]string:
		if len(*p) == 0 {
			return nil, nil
		}
		raw, err := json.Marshal(*p)
		*p = nil
		return raw, err
	}
	return nil, nil
}

// commitment is one personal field's entry in a content's sealed
// map: its name and digest.
type commitment struct{ name, digest string }

// openPersonal puts an envelope's personal values back into its decoded
// event. Values whose field the event cannot hold are an error.
func openPersonal(ev *cases.Event, personal map[string]sealedValue) error {
	for name, sv := range personal {
		pf, ok := personalByName[name]
		var p any
		if ok {
			p = pf.ref(ev)
		}
		if p == nil {
			return fmt.Errorf("personal field %q does not belong to a %s event", name, ev.Kind)
		}
		if err := json.Unmarshal(sv.Value, p); err != nil {
			return fmt.Errorf("personal field %q: %w", name, err)
		}
	}
	return nil
}

// sealedOf reads the commitments of a new-format content.
func sealedOf(content []byte) (map[string]string, error) {
	if !bytes.Contains(content, []byte(`"sealed":`)) {
		return nil, nil
	}
	var c struct {
		Sealed map[string]string `json:"sealed"`
	}
	if err := json.Unmarshal(content, &c); err != nil {
		return nil, err
	}
	return c.Sealed, nil
}

// verifySealed checks a new-format envelope (content expanded, sealed its
// commitments as decoded from it): its digest over its salt and content,
// and each personal value kept against its commitment. purged says a chained purged event removed this event's
// personal values: their absence is then expected; otherwise every
// commitment must have its value.
func verifySealed(env *envelope, content []byte, sealed map[string]string, purged bool) error {
	salt, err := hex.DecodeString(env.Salt)
	if err != nil || len(salt) != saltSize {
		return errors.New("its salt is unreadable")
	}
	if len(env.Content) == 0 {
		return errors.New("its content was removed (only a purge removes personal values, never the content)")
	}
	if eventDigest(salt, content) != env.Digest {
		return errors.New("its content does not match its digest (altered)")
	}
	for name, sv := range env.Personal {
		want, ok := sealed[name]
		if !ok {
			return fmt.Errorf("personal field %q has no commitment in the content (added)", name)
		}
		fs, err := hex.DecodeString(sv.Salt)
		if err != nil || len(fs) != saltSize || fieldDigest(fs, name, sv.Value) != want {
			return fmt.Errorf("personal field %q does not match its commitment (altered)", name)
		}
	}
	if !purged {
		for name := range sealed {
			if _, ok := env.Personal[name]; !ok {
				return fmt.Errorf("personal field %q was removed, and no purge says so", name)
			}
		}
	}
	return nil
}

// saltedEnvelope reports whether a stored envelope has the new format,
// without decoding it all: encoding/json writes the salt before the
// content, so the key appears in the first bytes.
func saltedEnvelope(v []byte) bool {
	head := v[:min(len(v), 256)]
	i := bytes.Index(head, []byte(`"salt":"`))
	c := bytes.Index(head, []byte(`"content":`))
	return i >= 0 && (c < 0 || i < c)
}
