package server_test

import (
	"bytes"
	"reflect"
	"testing"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// TestAnswersRoundtripExactly: what the client returns is what the local
// store returns, value for value (reflect.DeepEqual), for every query of
// storage.Service, on cases with attachments, notes and a closed one.
func TestAnswersRoundtripExactly(t *testing.T) {
	e := newEnv(t)
	local := e.st.As(storage.Caller{Actor: "dave"})
	var ids []string
	for i, org := range []string{"crisp", "callrix", "closeq", "crisp"} {
		id := e.add(org, "Subject "+string(rune('A'+i)))
		ids = append(ids, id)
	}
	acts := []storage.Action{
		{Event: cases.Event{Kind: cases.EventNoted, Actor: "dave", Text: "called back\nwith a line break"}, IfRevision: storage.NoRevision},
		{Event: cases.Event{Kind: cases.EventAttached, Actor: "dave", Attachment: &cases.Attachment{Name: "orders.csv", Kind: cases.AttachmentDataCopy, Category: "orders"}},
			IfRevision: storage.NoRevision, Content: []byte("order,total\n1,2\n")},
		{Event: cases.Event{Kind: cases.EventTagged, Actor: "dave", Tags: []string{"vip"}}, IfRevision: storage.NoRevision},
	}
	if _, err := local.Do(ids[0], acts, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	c := e.dial(dave)
	now := e.clock.Now()

	for _, id := range ids {
		want, err := e.st.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Get(%s) through the server differs:\n got %+v\nwant %+v", id, got.Case, want.Case)
		}
		wantChain, _ := e.st.Chain(id)
		gotChain, err := c.Chain(id)
		if err != nil || !reflect.DeepEqual(gotChain, wantChain) {
			t.Errorf("Chain(%s): %v\n got %+v\nwant %+v", id, err, gotChain, wantChain)
		}
		wantProof, _ := e.st.Proof(id, 0)
		gotProof, err := c.Proof(id, 0)
		if err != nil || !reflect.DeepEqual(gotProof, wantProof) {
			t.Errorf("Proof(%s): %v\n got %+v\nwant %+v", id, err, gotProof, wantProof)
		}
	}
	var wantEach, gotEach []*storage.Loaded
	_ = e.st.Each(ids, func(l *storage.Loaded) error { wantEach = append(wantEach, l); return nil })
	if err := c.Each(ids, func(l *storage.Loaded) error { gotEach = append(gotEach, l); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotEach, wantEach) {
		t.Errorf("Each differs")
	}

	wantQ, wantN, _ := e.st.Queue(now)
	gotQ, gotN, err := c.Queue(now)
	if err != nil || gotN != wantN || !reflect.DeepEqual(gotQ, wantQ) {
		t.Errorf("Queue: %v, counter %d want %d\n got %+v\nwant %+v", err, gotN, wantN, gotQ, wantQ)
	}
	wantR, _, _ := e.st.Rows(ids[1:3])
	gotR, _, err := c.Rows(ids[1:3])
	if err != nil || !reflect.DeepEqual(gotR, wantR) {
		t.Errorf("Rows: %v\n got %+v\nwant %+v", err, gotR, wantR)
	}
	wantC, wantIDs, _ := e.st.Changes(2)
	gotC, gotIDs, err := c.Changes(2)
	if err != nil || gotC != wantC || !reflect.DeepEqual(gotIDs, wantIDs) {
		t.Errorf("Changes: %v: %d %v, want %d %v", err, gotC, gotIDs, wantC, wantIDs)
	}
	for _, f := range []storage.Filter{{}, {All: true}, {Controller: "crisp"}, {Query: "Subject B"}, {Overdue: true}} {
		var want, got []cases.Summary
		_ = e.st.List(f, now, func(s *cases.Summary, _ func() []byte) error { want = append(want, *s); return nil })
		if err := c.List(f, now, func(s *cases.Summary, _ func() []byte) error { got = append(got, *s); return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("List(%+v) differs:\n got %+v\nwant %+v", f, got, want)
		}
		var wantV, gotV [][]byte
		_ = e.st.ListViews(f, now, func(v []byte) error { wantV = append(wantV, bytes.Clone(v)); return nil })
		if err := c.ListViews(f, now, func(v []byte) error { gotV = append(gotV, bytes.Clone(v)); return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotV, wantV) {
			t.Errorf("ListViews(%+v) differs", f)
		}
	}
	// A view asked for in List is the case as list --json prints it.
	var views [][]byte
	_ = e.st.ListViews(storage.Filter{Controller: "callrix"}, now, func(v []byte) error { views = append(views, bytes.Clone(v)); return nil })
	_ = c.List(storage.Filter{Controller: "callrix"}, now, func(_ *cases.Summary, view func() []byte) error {
		if v := view(); !bytes.Equal(v, views[0]) {
			t.Errorf("List's view:\n got %s\nwant %s", v, views[0])
		}
		return nil
	})
	wantF, _ := e.st.File(ids[0], "orders.csv")
	gotF, err := c.File(ids[0], "orders.csv")
	if err != nil || !bytes.Equal(gotF, wantF) {
		t.Errorf("File: %v %q want %q", err, gotF, wantF)
	}
	wantRegs, _ := e.st.CurrentRegisters()
	gotRegs, err := c.CurrentRegisters()
	if err != nil || !reflect.DeepEqual(gotRegs, wantRegs) {
		t.Errorf("CurrentRegisters: %v", err)
	}
	wantH, _ := e.st.RegisterHistory("crisp")
	gotH, err := c.RegisterHistory("crisp")
	if err != nil || !reflect.DeepEqual(gotH, wantH) {
		t.Errorf("RegisterHistory: %v", err)
	}
	if c.MaxFileSize() != e.st.MaxFileSize() {
		t.Errorf("MaxFileSize %d, want %d", c.MaxFileSize(), e.st.MaxFileSize())
	}

	// What a write returns: the Result of Do, and the cases of Add, are
	// the store's, as it would return them locally.
	res, err := c.Do(ids[1], []storage.Action{{Event: cases.Event{Kind: cases.EventNoted, Actor: "dave", Text: "n"}, IfRevision: storage.NoRevision}}, now)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := e.st.Get(ids[1])
	last := l.Case.Events[len(l.Case.Events)-1]
	if !reflect.DeepEqual(res[0].Event, last) || res[0].Revision != l.Revision {
		t.Errorf("Do's result:\n got %+v\nwant %+v", res[0].Event, last)
	}
	created, err := c.Add(intake("crisp", "Zoé Z"), rulesOf(t, "crisp"), now, "dave")
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := e.st.Get(created[0].ID)
	if !reflect.DeepEqual(created[0], stored.Case) {
		t.Errorf("Add's case:\n got %+v\nwant %+v", created[0], stored.Case)
	}
}
