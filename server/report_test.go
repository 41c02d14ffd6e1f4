package server_test

import (
	"slices"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/server"
	"rightsdesk/storage"
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

// BenchmarkReportThroughServer is the register of 2,000 cases read by a
// member who sees them all: from the local store (personal mode), through
// the report route, and as a client without it would (the queue, then
// every case through /v1/each, each entry worked out again).
func BenchmarkReportThroughServer(b *testing.B) {
	e := newEnv(b)
	orgs := []string{"crisp", "callrix", "closeq"}
	var reqs [][]*cases.Case
	for i := range 2000 {
		org := orgs[i%len(orgs)]
		in := intake(org, "Subject S")
		in.ReceivedAt = start.Add(-time.Duration(i%60)*24*time.Hour - time.Duration(i)*time.Minute)
		cs, err := cases.NewCases(in, rulesOf(b, org), in.ReceivedAt, "dave")
		if err != nil {
			b.Fatal(err)
		}
		reqs = append(reqs, cs)
	}
	if err := e.st.AddRequests(reqs, start, 0); err != nil {
		b.Fatal(err)
	}
	c := e.dial(carol)
	count := func(n *int) func(*cases.ReportEntry) error {
		return func(*cases.ReportEntry) error { *n++; return nil }
	}
	for _, way := range []struct {
		name string
		read func() (int, error)
	}{
		{"local", func() (n int, err error) { return n, e.st.Report("", cases.Date{}, cases.Date{}, start, count(&n)) }},
		{"route", func() (n int, err error) { return n, c.Report("", cases.Date{}, cases.Date{}, start, count(&n)) }},
		{"each", func() (int, error) {
			all, _, err := c.Queue(start)
			if err != nil {
				return 0, err
			}
			picked := cases.ReportCases(all, "", cases.Date{}, cases.Date{})
			ids := make([]string, len(picked))
			for i := range picked {
				ids[i] = picked[i].ID
			}
			n := 0
			return n, c.Each(ids, func(l *storage.Loaded) error {
				st, err := l.Case.DeriveDates(start)
				if err != nil {
					return err
				}
				_ = cases.NewReportEntry(l.Case, st, &picked[n])
				n++
				return nil
			})
		}},
	} {
		b.Run(way.name, func(b *testing.B) {
			for b.Loop() {
				if n, err := way.read(); err != nil || n != 2000 {
					b.Fatalf("%d entries, %v", n, err)
				}
			}
		})
	}
}
