package storage

import (
	"testing"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// TestCheckCatchesAnAlteredChange: a change log entry whose case ID was
// altered (a byte of the file changed) names no case; check says so.
func TestCheckCatchesAnAlteredChange(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("a sound file: %v %v", problems, err)
	}
	altered := "DS\x08" + id[3:]
	withBolt(t, s, func(tx kv.Tx) error {
		return tx.Bucket(bucketChanges).Put(u64(1), []byte(altered))
	})
	mustCatch(t, s, cases.Printable(altered), "an altered change")
}
