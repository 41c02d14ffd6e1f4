package storage

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
)

// leafUse is the share of the leaf bytes of bucket name in use.
func leafUse(t *testing.T, s *Store, name []byte) float64 {
	t.Helper()
	var use float64
	if err := s.view(func(tx *bolt.Tx) error {
		st := tx.Bucket(name).Stats()
		use = float64(st.LeafInuse) / float64(st.LeafAlloc)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return use
}

// TestPackDerived: cases written in bulk out of their order of receipt, a
// hundred to a transaction as the demo writes them, leave the register's
// entries in pages about half full; PackDerived fills them to at least
// 75% (the leaf use), the owing rows too, and the register and
// check read the same as before.
func TestPackDerived(t *testing.T) {
	if testing.Short() {
		t.Skip("3,000 cases")
	}
	reqs, err := scaleRequests(3000, testNow)
	if err != nil {
		t.Fatal(err)
	}
	s := created(t, filepath.Join(t.TempDir(), "pack.db"), Options{})
	if err := s.AddRequests(reqs, testNow, 100); err != nil {
		t.Fatal(err)
	}
	register := func() []string {
		var out []string
		if err := s.Report("", cases.Date{}, cases.Date{}, testNow, func(e *cases.ReportEntry) error {
			out = append(out, fmt.Sprintf("%+v", *e))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := register()
	if len(before) != 3000 {
		t.Fatalf("%d entries", len(before))
	}
	use := leafUse(t, s, bucketReports)
	t.Logf("reports before packing: %.0f%% of the leaf bytes in use", 100*use)
	if use >= 0.75 {
		t.Fatalf("the entries written out of order already fill %.0f%% of their pages: nothing to show", 100*use)
	}
	if err := s.PackDerived(); err != nil {
		t.Fatal(err)
	}
	for _, name := range [][]byte{bucketReports, bucketOwing} {
		use := leafUse(t, s, name)
		t.Logf("%s after packing: %.0f%%", name, 100*use)
		if use < 0.75 {
			t.Errorf("%s after packing: %.0f%% of the leaf bytes in use, want at least 75%%", name, 100*use)
		}
	}
	if after := register(); !slices.Equal(before, after) {
		t.Error("the register differs after packing")
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after packing: %v %v", problems, err)
	}
}
