package storage

import (
	"bytes"
	"encoding/binary"
	"time"
)

// An event's content begins {"kind":"…","at":"…","recorded_at":"…", two
// instants of RFC 3339 with nanoseconds and the zone's offset, 70
// characters whose digits compression hardly shrinks. Stored in binary
// (frozen format 3, and events stored alone from schema 7) they are the
// at as a signed count of nanoseconds after the event before in the same
// value, the recorded_at after the at, and the two offsets: about 16
// bytes. The content keeps its place with both strings empty. Only
// instants whose text this gives back byte for byte are stored so
// (encodeParts compares the whole envelope it would rebuild).

// eventTimes are the at and recorded_at of an event's content.
type eventTimes struct {
	at, recorded       int64 // Unix nanoseconds
	atZone, recordZone int   // offsets east of UTC, in seconds
	where              int   // where the at's text begins in the content left
	content            []byte
}

// atField and recordedField are what surrounds the at's text.
var (
	atField       = []byte(`","at":"`)
	recordedField = []byte(`","recorded_at":"`)
)

// splitTimes reads the at and recorded_at at the head of an event's
// content, and the content with both left empty; false when the content
// does not begin so or an instant's text is not as this build writes it.
func splitTimes(content []byte) (eventTimes, bool) {
	var t eventTimes
	const head = `{"kind":"`
	if !bytes.HasPrefix(content, []byte(head)) {
		return t, false
	}
	kindEnd := bytes.IndexByte(content[len(head):], '"')
	if kindEnd < 0 {
		return t, false
	}
	i := len(head) + kindEnd
	if !bytes.HasPrefix(content[i:], atField) {
		return t, false
	}
	t.where = i + len(atField)
	atLen := bytes.IndexByte(content[t.where:], '"')
	if atLen < 0 || !bytes.HasPrefix(content[t.where+atLen:], recordedField) {
		return t, false
	}
	from := t.where + atLen + len(recordedField)
	recLen := bytes.IndexByte(content[from:], '"')
	if recLen < 0 {
		return t, false
	}
	var ok bool
	if t.at, t.atZone, ok = parseInstant(content[t.where : t.where+atLen]); !ok {
		return t, false
	}
	if t.recorded, t.recordZone, ok = parseInstant(content[from : from+recLen]); !ok {
		return t, false
	}
	t.content = make([]byte, 0, len(content)-atLen-recLen)
	t.content = append(append(append(t.content, content[:t.where]...), recordedField...), content[from+recLen:]...)
	return t, true
}

// parseInstant reads an instant as json.Marshal writes a time.Time, false
// when formatting it again does not give the same text.
func parseInstant(text []byte) (int64, int, bool) {
	if nanos, zone, ok := readInstant(text); ok {
		return nanos, zone, true
	}
	return parseInstantSlowly(text)
}

// readInstant reads an instant by hand when its text is exactly what
// formatInstant writes of it: YYYY-MM-DDTHH:MM:SS, a fraction of one to
// nine digits not ending in 0 (none when it is 0), then Z or a nonzero
// offset ±HH:MM; years 1678 to 2261, which Unix nanoseconds hold. Every
// other text is left to parseInstantSlowly (false). Sealing a demo's
// events read two instants an event this way: time.Parse and formatting
// again were 3% of its CPU (TestReadInstantIsParseInstant).
func readInstant(t []byte) (int64, int, bool) {
	if len(t) < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' {
		return 0, 0, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range t[i : i+n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day, hour, minute, second := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if year < 1678 || year > 2261 || month < 1 || month > 12 || day < 1 ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 {
		return 0, 0, false
	}
	i, frac := 19, 0
	if t[i] == '.' {
		j := i + 1
		for j < len(t) && j-i <= 9 && t[j] >= '0' && t[j] <= '9' {
			frac = frac*10 + int(t[j]-'0')
			j++
		}
		digits := j - i - 1
		if digits == 0 || t[j-1] == '0' {
			return 0, 0, false
		}
		for range 9 - digits {
			frac *= 10
		}
		i = j
	}
	zone := 0
	switch {
	case i == len(t)-1 && t[i] == 'Z':
	case i == len(t)-6 && (t[i] == '+' || t[i] == '-') && t[i+3] == ':':
		h, m := num(i+1, 2), num(i+4, 2)
		if h < 0 || h > 23 || m < 0 || m > 59 || h == 0 && m == 0 {
			return 0, 0, false
		}
		zone = h*3600 + m*60
		if t[i] == '-' {
			zone = -zone
		}
	default:
		return 0, 0, false
	}
	// The local time as if in UTC; time.Date moves a day the month does
	// not have (30 February) into the next month, which is not this text.
	local := time.Date(year, time.Month(month), day, hour, minute, second, frac, time.UTC)
	if local.Day() != day {
		return 0, 0, false
	}
	return local.UnixNano() - int64(zone)*1e9, zone, true
}

// parseInstantSlowly is parseInstant by time.Parse, for any text.
func parseInstantSlowly(text []byte) (int64, int, bool) {
	at, err := time.Parse(time.RFC3339Nano, string(text))
	if err != nil {
		return 0, 0, false
	}
	_, zone := at.Zone()
	nanos := at.UnixNano()
	var buf [64]byte
	if !bytes.Equal(formatInstant(buf[:0], nanos, zone), text) {
		return 0, 0, false
	}
	return nanos, zone, true
}

// formatInstant appends the text of an instant at the zone's offset.
func formatInstant(out []byte, nanos int64, zone int) []byte {
	return time.Unix(0, nanos).In(time.FixedZone("", zone)).AppendFormat(out, time.RFC3339Nano)
}

// join gives back the content with its instants' text, false when the
// content left has no empty instants where t says.
func (t eventTimes) join(content []byte) ([]byte, bool) {
	if t.where < 0 || t.where > len(content) || !bytes.HasPrefix(content[t.where:], recordedField) ||
		!bytes.HasSuffix(content[:t.where], atField) {
		return nil, false
	}
	out := make([]byte, 0, len(content)+72)
	out = formatInstant(append(out, content[:t.where]...), t.at, t.atZone)
	out = formatInstant(append(out, recordedField...), t.recorded, t.recordZone)
	return append(out, content[t.where+len(recordedField):]...), true
}

// append appends t in binary: where, the at after lastAt, the recorded_at
// after the at, the at's offset and the recorded_at's after it; the two
// instants (nanoseconds, which do not compress) to raw, the rest to text
// (the same slice when all is stored together).
func (t eventTimes) append(text, raw *[]byte, lastAt int64) {
	*text = binary.AppendUvarint(*text, uint64(t.where))
	*raw = binary.AppendVarint(*raw, t.at-lastAt)
	*raw = binary.AppendVarint(*raw, t.recorded-t.at)
	*text = binary.AppendVarint(*text, int64(t.atZone))
	*text = binary.AppendVarint(*text, int64(t.recordZone-t.atZone))
}

// read reads what append wrote, false when it is cut short or out of
// range.
func (t *eventTimes) read(text, raw *partReader, lastAt int64) bool {
	where, ok := text.uvarint()
	if !ok || where > 1<<30 {
		return false
	}
	var v [4]int64
	for i := range v {
		r := text
		if i < 2 {
			r = raw
		}
		x, n := binary.Varint(r.b[r.i:])
		if n <= 0 {
			return false
		}
		r.i += n
		v[i] = x
	}
	const day = 24 * 60 * 60
	if v[2] <= -day || v[2] >= day || v[3] <= -2*day || v[3] >= 2*day {
		return false
	}
	t.where, t.at, t.recorded = int(where), lastAt+v[0], lastAt+v[0]+v[1]
	t.atZone, t.recordZone = int(v[2]), int(v[2]+v[3])
	return true
}
