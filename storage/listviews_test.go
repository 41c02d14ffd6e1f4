package storage

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"rightsdesk/cases"
)

// TestListViewsMatchesList: the JSON listing that skips decoding rows where
// the due-date index decides prints exactly what List prints, in the same
// order, for filters it serves alone and for those it hands to List.
func TestListViewsMatchesList(t *testing.T) {
	overClusterLimits(t, "1,000 requests, 8,225 operations")
	reqs, err := scaleRequests(3000, scaleNow)
	if err != nil {
		t.Fatal(err)
	}
	s := created(t, filepath.Join(t.TempDir(), "cases.db"), Options{})
	if err := s.AddRequests(reqs, scaleNow, 1000); err != nil {
		t.Fatal(err)
	}
	week := 7 * 24 * time.Hour
	for _, f := range []Filter{{Overdue: true}, {DueWithin: week}, {DueWithin: week, Overdue: true},
		{Overdue: true, Controller: "crisp"}, {DueWithin: week, Right: cases.RightErasure}, {Overdue: true, Query: "Łukasz 12"},
		{}, {All: true}} {
		var viaList, viaViews bytes.Buffer
		n := 0
		if err := s.List(f, scaleNow, func(_ *cases.Summary, view func() []byte) error {
			viaList.Write(view())
			viaList.WriteByte('\n')
			n++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.ListViews(f, scaleNow, func(view []byte) error {
			viaViews.Write(view)
			viaViews.WriteByte('\n')
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n == 0 || !bytes.Equal(viaList.Bytes(), viaViews.Bytes()) {
			t.Errorf("%+v: %d cases by List, the views differ: %v", f, n, !bytes.Equal(viaList.Bytes(), viaViews.Bytes()))
		}
	}
}
