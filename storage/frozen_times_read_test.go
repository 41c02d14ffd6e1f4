package storage

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestReadInstantIsParseInstant: the hand-written reader of an instant
// gives, for every text it takes, what time.Parse and formatting again
// give (parseInstantSlowly): instants from 1678 to 2261 at offsets of
// whole minutes, seconds or none, at every precision, and the texts
// formatInstant never writes, which it leaves to the slow path. It takes
// every text formatInstant writes of the instants a case records.
func TestReadInstantIsParseInstant(t *testing.T) {
	same := func(text string) bool {
		t.Helper()
		n, z, ok := readInstant([]byte(text))
		sn, sz, sok := parseInstantSlowly([]byte(text))
		if ok && (!sok || n != sn || z != sz) {
			t.Fatalf("%s: read %d %d, time.Parse %d %d (%v)", text, n, z, sn, sz, sok)
		}
		return ok
	}
	rng := rand.New(rand.NewPCG(20, 26))
	lo, hi := time.Date(1678, 1, 2, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2261, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	zones := []int{0, 3600, -3600, 7200, 19800, 20700, -12600, 45900, -43200, 50400, -1800, 86340, -86340, 3601, -59}
	var buf [64]byte
	taken := 0
	for i := range 200_000 {
		nanos := (lo+rng.Int64N(hi-lo))*1e9 + rng.Int64N(1e9)
		switch i % 4 { // every precision: whole seconds, milli, micro, nano
		case 0:
			nanos -= nanos % 1e9
		case 1:
			nanos -= nanos % 1e6
		case 2:
			nanos -= nanos % 1e3
		}
		zone := zones[rng.IntN(len(zones))]
		text := string(formatInstant(buf[:0], nanos, zone))
		if same(text) {
			taken++
		} else if zone%60 == 0 && zone > -86400 && zone < 86400 && zone/3600 < 24 && -zone/3600 < 24 {
			t.Fatalf("%s: formatInstant's text of %d at %d was left to the slow path", text, nanos, zone)
		}
	}
	if taken < 150_000 {
		t.Fatalf("only %d of 200,000 texts read by hand", taken)
	}
	// What a case records: now, in the zones of the seeds.
	for _, name := range []string{"UTC", "Europe/Berlin", "Europe/London", "Europe/Zurich", "America/New_York", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 30, 12, 34, 56, 789_000_000, loc)
		_, zone := at.Zone()
		if text := formatInstant(buf[:0], at.UnixNano(), zone); !same(string(text)) {
			t.Errorf("%s (%s) left to the slow path", text, name)
		}
	}
	for _, text := range []string{
		"2026-11-30T12:00:00.500Z", "2026-11-30T12:00:00.Z", "2026-11-30T12:00:00+00:00", "2026-11-30T12:00:00-00:00",
		"2026-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2100-02-29T00:00:00Z", "1900-02-29T12:00:00+01:00", "2026-11-31T00:00:00Z", "2026-11-30t12:00:00Z", "2026-11-30T12:00:00z",
		"2026-11-30T24:00:00Z", "2026-11-30T12:60:00Z", "2026-11-30T12:00:60Z", "1677-12-31T00:00:00Z", "2262-01-01T00:00:00Z",
		"2026-11-30T12:00:00.1234567890Z", "2026-11-30T12:00:00+24:00", "2026-11-30T12:00:00+01:60", "2026-11-30T12:00:00+0100",
		"2026-11-30 12:00:00Z", "2026-1-30T12:00:00Z", "+026-11-30T12:00:00Z", "2026-11-30T12:00:00", "2026-11-30T12:00:00ZZ",
		"2026-11-30T12:00:00.1Z ", "２026-11-30T12:00:00Z", "2026-00-10T12:00:00Z", "2026-11-00T12:00:00Z",
	} {
		if same(text) {
			t.Errorf("%s was read by hand", text)
		}
	}
	for _, text := range []string{"2024-02-29T23:59:59.999999999Z", "2000-02-29T00:00:00Z", "1678-01-01T00:00:00+23:59",
		"2261-12-31T23:59:59.5-23:59", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.000000001Z"} {
		if !same(text) {
			t.Errorf("%s was left to the slow path", text)
		}
	}
}

// BenchmarkParseInstant is an event's instant read by hand (readInstant)
// and by time.Parse and formatting again (parseInstantSlowly).
func BenchmarkParseInstant(b *testing.B) {
	text := []byte("2026-11-30T12:34:56.789+01:00")
	for name, parse := range map[string]func([]byte) (int64, int, bool){"readInstant": readInstant, "time.Parse": parseInstantSlowly} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, _, ok := parse(text); !ok {
					b.Fatal("not read")
				}
			}
		})
	}
}
