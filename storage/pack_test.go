package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// leafUse is the share of the leaf bytes of bucket name in use.
func leafUse(t *testing.T, s *Store, name []byte) float64 {
	t.Helper()
	var use float64
	if err := s.view(func(tx kv.Tx) error {
		st := tx.Bucket(name).Bolt().Stats()
		use = float64(st.LeafInuse) / float64(st.LeafAlloc)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return use
}

// outOfOrder is a store of 3,000 cases written out of their order of
// receipt, a hundred requests to a transaction, its path and the requests.
func outOfOrder(t *testing.T) (*Store, string, [][]*cases.Case) {
	t.Helper()
	reqs, err := scaleRequests(3000, testNow)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pack.db")
	s := created(t, path, Options{})
	if err := s.AddRequests(reqs, testNow, 100); err != nil {
		t.Fatal(err)
	}
	return s, path, reqs
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
	s, _, _ := outOfOrder(t)
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
	if err := s.PackDerived(PackFrom{}); err != nil {
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

// TestPackDerivedHoldsAChunkATime: the pack moves packChunk entries a
// transaction, whatever the bucket's size (one transaction over a million
// cases' entries held 1.98 GB until its commit), packs only from where it
// is told, and a run stopped between two of its transactions (as a kill
// would stop it) leaves a file whose next open rebuilds the index: check
// is clean and the register whole.
func TestPackDerivedHoldsAChunkATime(t *testing.T) {
	if testing.Short() {
		t.Skip("3,000 cases, packed twice")
	}
	s, path, reqs := outOfOrder(t)
	register := func() []string {
		var out []string
		if err := s.Report("", cases.Date{}, cases.Date{}, testNow, func(e *cases.ReportEntry) error {
			out = append(out, e.Summary.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := register()
	defer func(n int) { packChunk, packCommitted = n, nil }(packChunk)
	packChunk = 400

	// Stopped after the first chunk was taken out of the register.
	stop := errors.New("killed")
	packCommitted = func([]byte, int) error { return stop }
	if err := s.PackDerived(PackFrom{}); !errors.Is(err, stop) {
		t.Fatalf("PackDerived stopped: %v", err)
	}
	packCommitted = nil
	if problems, err := Open(path, Options{}).Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after a pack stopped halfway: %v %v", problems, err)
	}
	if after := register(); !slices.Equal(before, after) {
		t.Fatalf("after a pack stopped halfway the register holds %d entries, %d before", len(after), len(before))
	}

	// Packed from the middle of the register: only the entries from
	// there move.
	middle := len(reqs) / 2
	from := PackFrom{Received: reqs[middle][0].ReceivedAt.AddDate(0, 0, 1), ID: reqs[middle][0].ID}
	moved, most := map[string]int{}, 0
	packCommitted = func(name []byte, n int) error {
		moved[string(name)] += n
		most = max(most, n)
		return nil
	}
	if err := s.PackDerived(from); err != nil {
		t.Fatal(err)
	}
	if most > packChunk {
		t.Errorf("a transaction of the pack moved %d entries, more than %d", most, packChunk)
	}
	if n := moved[string(bucketReports)] / 2; n == 0 || n >= len(before) {
		t.Errorf("packing from the middle moved %d of %d report entries", n, len(before))
	}
	if after := register(); !slices.Equal(before, after) {
		t.Error("the register differs after packing")
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check after packing: %v %v", problems, err)
	}
}
