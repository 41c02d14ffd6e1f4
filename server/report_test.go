package server_test

import (
	"slices"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/server"
)

// reportIDs are the IDs of the register's entries a member is given, in
// its order.
func reportIDs(t *testing.T, c interface {
	Report(string, cases.Date, cases.Date, time.Time, func(*cases.ReportEntry) error) error
}, controller string) []string {
	t.Helper()
	var ids []string
	err := c.Report(controller, cases.Date{}, cases.Date{}, start, func(e *cases.ReportEntry) error {
		ids = append(ids, e.Summary.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestReportIsScoped: the register through the server holds the entries of
// the member's organisations only, as the local store's register of those
// organisations does, in its order: alice (callrix and crisp) never sees
// closeq's, even when she names closeq; bob (closeq) sees only closeq's;
// carol (every organisation) sees all, as the store does.
func TestReportIsScoped(t *testing.T) {
	e := newEnv(t)
	crisp := e.add("crisp", "Anna A")
	closeq := e.add("closeq", "Zbigniew Z")
	callrix := e.add("callrix", "Carl C")
	var all []string
	if err := e.st.Report("", cases.Date{}, cases.Date{}, start, func(en *cases.ReportEntry) error {
		all = append(all, en.Summary.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("the store's register holds %v", all)
	}
	for _, c := range []struct {
		who        server.Peer
		controller string
		want       []string
	}{
		{alice, "", []string{crisp, callrix}},
		{alice, "closeq", nil},
		{alice, "crisp", []string{crisp}},
		{bob, "", []string{closeq}},
		{bob, "crisp", nil},
		{carol, "", all},
	} {
		got := reportIDs(t, e.dial(c.who), c.controller)
		want := slices.DeleteFunc(slices.Clone(all), func(id string) bool { return !slices.Contains(c.want, id) })
		if !slices.Equal(got, want) {
			t.Errorf("%s's register of %q: %v, want %v", c.who.Name, c.controller, got, want)
		}
	}
}
