package server

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"time"

	"rightsdesk/cases"
)

// The queue the app loads at start holds every case's summary: 100,000
// of them as JSON take seconds to encode and decode, against tens of
// milliseconds for the store's own compact rows. So Queue and Rows answer
// a client that asks for it (Accept: summariesType) in a compact binary
// form: each field of cases.Summary in order, strings length-prefixed (so
// that nothing typed can break the framing), integers as varints, times as
// Unix nanoseconds. The order of the fields is read from the type itself,
// and the answer starts with a fingerprint of that type, so that a client
// built from another version of cases.Summary refuses the answer instead
// of misreading it. curl and other clients get JSON.

// summariesType is the media type of the compact form.
const summariesType = "application/vnd.rightsdesk.summaries"

// summaryCodec is how each field of a struct is written and read.
type fieldCodec struct {
	index []int
	enc   func(b []byte, v reflect.Value) []byte
	dec   func(r *byteReader, v reflect.Value)
}

var (
	timeType = reflect.TypeFor[time.Time]()
	// summaryFields is the plan for cases.Summary; summaryPrint its
	// fingerprint.
	summaryFields, summaryPrint = planStruct(reflect.TypeFor[cases.Summary]())
)

// planStruct plans the fields of struct type t: every exported field, of a
// kind this codec knows (a new field of another kind fails the tests, not
// a client).
func planStruct(t reflect.Type) ([]fieldCodec, uint64) {
	h := fnv.New64a()
	var plan []fieldCodec
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			idx := append(append([]int(nil), index...), i)
			fmt.Fprintf(h, "%s %s;", f.Name, f.Type)
			if f.Type.Kind() == reflect.Struct && f.Type != timeType {
				walk(f.Type, idx)
				continue
			}
			enc, dec := codecOf(f.Type)
			plan = append(plan, fieldCodec{index: idx, enc: enc, dec: dec})
		}
	}
	walk(t, nil)
	return plan, h.Sum64()
}

// codecOf writes and reads one value of type t.
func codecOf(t reflect.Type) (func([]byte, reflect.Value) []byte, func(*byteReader, reflect.Value)) {
	switch {
	case t == timeType:
		return func(b []byte, v reflect.Value) []byte {
				tm := v.Interface().(time.Time)
				if tm.IsZero() {
					return binary.AppendVarint(b, 0)
				}
				return binary.AppendVarint(b, tm.UnixNano()+1)
			}, func(r *byteReader, v reflect.Value) {
				if n := r.varint(); n != 0 {
					v.Set(reflect.ValueOf(time.Unix(0, n-1).UTC()))
				}
			}
	}
	switch t.Kind() {
	case reflect.String:
		return func(b []byte, v reflect.Value) []byte {
				s := v.String()
				return append(binary.AppendUvarint(b, uint64(len(s))), s...)
			}, func(r *byteReader, v reflect.Value) {
				v.SetString(r.string())
			}
	case reflect.Bool:
		return func(b []byte, v reflect.Value) []byte {
				if v.Bool() {
					return append(b, 1)
				}
				return append(b, 0)
			}, func(r *byteReader, v reflect.Value) {
				v.SetBool(r.uvarint() != 0)
			}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(b []byte, v reflect.Value) []byte { return binary.AppendVarint(b, v.Int()) },
			func(r *byteReader, v reflect.Value) { v.SetInt(r.varint()) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return func(b []byte, v reflect.Value) []byte { return binary.AppendUvarint(b, v.Uint()) },
			func(r *byteReader, v reflect.Value) { v.SetUint(r.uvarint()) }
	case reflect.Slice:
		enc, dec := codecOf(t.Elem())
		return func(b []byte, v reflect.Value) []byte {
				if v.IsNil() {
					return binary.AppendUvarint(b, 0)
				}
				b = binary.AppendUvarint(b, uint64(v.Len())+1)
				for i := range v.Len() {
					b = enc(b, v.Index(i))
				}
				return b
			}, func(r *byteReader, v reflect.Value) {
				n := r.uvarint()
				if n == 0 || r.err != nil {
					return
				}
				if n-1 > uint64(len(r.b)) {
					r.err = errShortSummaries
					return
				}
				s := reflect.MakeSlice(v.Type(), int(n-1), int(n-1))
				for i := range int(n - 1) {
					dec(r, s.Index(i))
				}
				v.Set(s)
			}
	}
	panic(fmt.Sprintf("server: cases.Summary has a field of type %s, which the compact queue form does not know", t))
}

var errShortSummaries = errors.New("the queue's answer is cut or malformed")

// encodeSummaries writes the compact form of sums with the counter.
func encodeSummaries(sums []cases.Summary, counter uint64) []byte {
	b := make([]byte, 0, 16+len(sums)*160)
	b = binary.BigEndian.AppendUint64(b, summaryPrint)
	b = binary.AppendUvarint(b, counter)
	if sums == nil {
		b = binary.AppendUvarint(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(sums))+1)
	}
	for i := range sums {
		v := reflect.ValueOf(&sums[i]).Elem()
		for _, f := range summaryFields {
			b = f.enc(b, v.FieldByIndex(f.index))
		}
	}
	return b
}

// decodeSummaries reads what encodeSummaries wrote.
func decodeSummaries(b []byte) ([]cases.Summary, uint64, error) {
	if len(b) < 8 {
		return nil, 0, errShortSummaries
	}
	if binary.BigEndian.Uint64(b) != summaryPrint {
		return nil, 0, errors.New("the server's queue rows are of another version of rightsdesk: run the same version on both sides")
	}
	r := &byteReader{b: b[8:]}
	counter := r.uvarint()
	n := r.uvarint()
	if r.err != nil {
		return nil, 0, r.err
	}
	if n == 0 {
		return nil, counter, nil
	}
	if n-1 > uint64(len(r.b)) {
		return nil, 0, errShortSummaries
	}
	out := make([]cases.Summary, n-1)
	for i := range out {
		v := reflect.ValueOf(&out[i]).Elem()
		for _, f := range summaryFields {
			f.dec(r, v.FieldByIndex(f.index))
		}
		if r.err != nil {
			return nil, 0, r.err
		}
	}
	if len(r.b) != 0 {
		return nil, 0, errShortSummaries
	}
	return out, counter, nil
}

// byteReader reads varints and strings, keeping the first error.
type byteReader struct {
	b   []byte
	err error
}

func (r *byteReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = errShortSummaries, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *byteReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = errShortSummaries, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *byteReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errShortSummaries, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
