package storage

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// TestDueViewsGiveBackWhatWasMarshalled: every due entry of a demo file
// gives back, unpacked, exactly the case as json.Marshal writes its list
// view (what list --json prints), while storing at most 60% of it.
func TestDueViewsGiveBackWhatWasMarshalled(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s := demoFile(t, filepath.Join(t.TempDir(), "demo.db"), 600, now)
	var entries, packedBytes, viewBytes int
	err := s.view(func(tx kv.Tx) error {
		return tx.Bucket(bucketDue).ForEach(func(k, v []byte) error {
			id := string(k[bytes.LastIndexByte(k, 0)+1:])
			packed := v
			rec, st, err := loadState(tx, id, now)
			if err != nil {
				return err
			}
			want, err := json.Marshal(cases.NewView(rec.Case, st, rec.Revision, false))
			if err != nil {
				return err
			}
			got, ok := appendUnpackedView(nil, packed)
			if !ok || !bytes.Equal(got, want) {
				t.Errorf("%s: unpacked view differs from the marshalled one:\n%s\n%s", id, got, want)
			}
			entries++
			packedBytes += len(packed)
			viewBytes += len(want)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if entries == 0 {
		t.Fatal("no case in the due index")
	}
	if 10*packedBytes > 6*viewBytes {
		t.Errorf("%d views of %d bytes packed into %d: want at most 60%%", entries, viewBytes, packedBytes)
	}
}

// TestPackedViewsAreExact: packing is a substitution undone exactly,
// whatever a subject typed: text that spells a key, a key's null, an
// escaped quote, a key the table does not know, the escape byte itself as
// JSON writes it.
func TestPackedViewsAreExact(t *testing.T) {
	texts := []string{`"id":null`, `he wrote \"due\": null`, `"`, `":`, "\x01\x02", `{"tz":"x"}`, `null"null":`, ""}
	for _, text := range texts {
		view := cases.View{ID: "DSR-2026-000001", Text: text, Tags: []string{`"tags":`, "null"}, Assignee: `"assignee":`,
			Deadlines: &cases.Deadlines{}}
		b, err := json.Marshal(&view)
		if err != nil {
			t.Fatal(err)
		}
		// A key no table entry has, as a later field of the view would be.
		b = append(b[:len(b)-1], `,"later_field":null}`...)
		packed := appendPackedView(nil, b)
		if bytes.IndexByte(packed, viewEscape) < 0 {
			t.Errorf("%q: no key packed", text)
		}
		got, ok := appendUnpackedView([]byte("kept:"), packed)
		if !ok || string(got) != "kept:"+string(b) {
			t.Errorf("%q: unpacked\n%s\nwant\n%s", text, got, b)
		}
	}
	if _, ok := appendUnpackedView(nil, []byte{'{', viewEscape, byte(len(viewKeys))}); ok {
		t.Error("a code beyond the table unpacked")
	}
	if _, ok := appendUnpackedView(nil, []byte{'{', viewEscape}); ok {
		t.Error("an escape at the end unpacked")
	}
}

// BenchmarkUnpackDueView is the copy list --overdue --json makes of each
// view it prints.
func BenchmarkUnpackDueView(b *testing.B) {
	view, err := json.Marshal(&cases.View{ID: "DSR-2026-045037", RequestID: "DSR-2026-045037", Controller: "callrix",
		Text: "I left your service last year. Erase my data, including backups where possible.", Deadlines: &cases.Deadlines{}})
	if err != nil {
		b.Fatal(err)
	}
	packed := appendPackedView(nil, view)
	var dst []byte
	b.SetBytes(int64(len(view)))
	for b.Loop() {
		dst, _ = appendUnpackedView(dst[:0], packed)
	}
}
