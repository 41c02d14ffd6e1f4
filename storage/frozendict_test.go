package storage

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/klauspost/compress/dict"
	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"rightsdesk/storage/kv"
)

// frozenSample reads every nth closed case of the demo file at path from
// the first after skip (its frozen timeline and value thawed), for
// training and measuring.
func frozenSample(t *testing.T, path string, nth, skip int) []closedCase {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var closed []closedCase
	n := 0
	err = kv.View(db, func(tx kv.Tx) error {
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			if v[0] != caseValueFrozen && v[0] != caseValueFrozen3 {
				return nil
			}
			if n++; n%nth != skip%nth {
				return nil
			}
			tl, _ := timelineOf(tx, string(k))
			c := closedCase{id: string(k)}
			if c.value, err = thawCaseValue(v); err != nil {
				return err
			}
			err := tl.forEach(func(_, env []byte) error { c.envs = append(c.envs, append([]byte(nil), env...)); return nil })
			closed = append(closed, c)
			return err
		})
	})
	if err != nil || len(closed) == 0 {
		t.Fatalf("%d closed cases read: %v", len(closed), err)
	}
	return closed
}

// TestTrainFrozenDicts makes the dictionaries of frozen format 4 and
// caseValueFrozen (frozendict.go) from every 4th closed case of the demo
// file named by RD_TRAIN_FROZEN, into RD_TRAIN_OUT (a directory). It is
// how the shipped ones were made; they are never replaced.
func TestTrainFrozenDicts(t *testing.T) {
	path, out := os.Getenv("RD_TRAIN_FROZEN"), os.Getenv("RD_TRAIN_OUT")
	if path == "" || out == "" {
		t.Skip("RD_TRAIN_FROZEN (a demo file) and RD_TRAIN_OUT (a directory) not set")
	}
	var timelines, values [][]byte
	for _, c := range frozenSample(t, path, 4, 0) {
		plain, _, err := frozenPlainIn(new(frozenBuffers), frozenFormat, c.id, c.envs, nil)
		if err != nil {
			t.Fatal(err)
		}
		timelines, values = append(timelines, plain), append(values, c.value[1:])
	}
	for _, d := range []struct {
		file    string
		id      uint32
		size    int
		samples [][]byte
	}{{"frozen_timeline.dict", timelineDictID, 64 << 10, timelines}, {"frozen_case.dict", caseDictID, 32 << 10, values}} {
		made, err := dict.BuildZstdDict(d.samples, dict.Options{MaxDictSize: d.size, HashBytes: 6, ZstdDictID: d.id,
			ZstdDictCompat: true, ZstdLevel: zstd.SpeedDefault})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, d.file), made, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d B from %d samples", d.file, len(made), len(d.samples))
	}
}

// TestMeasureFrozen compares, on every 8th closed case of the demo file
// named by RD_FROZEN_DB (none of those TestTrainFrozenDicts trains on), the bytes and CPU time of freezing (and thawing)
// timelines and case values in frozen format 3 (deflate) and 4.
func TestMeasureFrozen(t *testing.T) {
	path := os.Getenv("RD_FROZEN_DB")
	if path == "" {
		t.Skip("RD_FROZEN_DB (a demo file) not set")
	}
	closed := frozenSample(t, path, 8, 1)
	per := func(ns int64) float64 { return float64(ns) / 1e3 / float64(len(closed)) }
	start := cpuNow()
	for _, c := range closed {
		if _, _, err := frozenPlainIn(new(frozenBuffers), frozenFormat, c.id, c.envs, nil); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("the envelopes in their parts (frozenPlainIn): %.1f us", per(cpuNow()-start))
	for _, f := range []struct {
		name     string
		timeline byte
		value    func([]byte) ([]byte, error)
	}{{"format 3", frozenFormat3, freezeCaseValue3}, {"format 4", frozenFormat, freezeCaseValue}} {
		var timelineB, valueB int
		frozen := make([][2][]byte, len(closed))
		start := cpuNow()
		for i, c := range closed {
			var err error
			if frozen[i][0], err = freezeAs(f.timeline, c.id, c.envs); err != nil {
				t.Fatal(err)
			}
			timelineB += len(frozen[i][0])
		}
		mid := cpuNow()
		for i, c := range closed {
			var err error
			if frozen[i][1], err = f.value(c.value); err != nil {
				t.Fatal(err)
			}
			valueB += len(frozen[i][1])
		}
		end := cpuNow()
		for i, c := range closed {
			if err := thawEnvelopes(c.id, frozen[i][0], func(uint64, []byte) error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
		thawT := cpuNow()
		for i := range closed {
			if _, err := thawCaseValue(frozen[i][1]); err != nil {
				t.Fatal(err)
			}
		}
		thawV := cpuNow()
		t.Logf("%s, %d cases: timeline %.0f B, freeze %.1f us, thaw %.1f us; value %.0f B, freeze %.1f us, thaw %.1f us",
			f.name, len(closed), float64(timelineB)/float64(len(closed)), per(mid-start), per(thawT-end),
			float64(valueB)/float64(len(closed)), per(end-mid), per(thawV-thawT))
	}
}

// cpuNow is the process's CPU time so far, in nanoseconds.
func cpuNow() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
