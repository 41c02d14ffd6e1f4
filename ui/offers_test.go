package ui

import (
	"slices"
	"strings"
	"testing"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// TestFormsOfferWhatTheServiceAccepts: the close form of an access case
// offers no Art. 17(3) ground nor not-portable (the domain's
// Ground.AppliesTo), nor lapsed while nothing is awaited; once identity is
// asked, lapsed is offered. Reopen is not offered on an open case: the
// list of actions shows it in brackets, its key says why, no form opens.
func TestFormsOfferWhatTheServiceAccepts(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	m = press(t, m, "c")
	grounds, outcomes := m.form.get("ground").options, m.form.get("outcome").options
	for _, g := range grounds {
		if !cases.Ground(g).AppliesTo(cases.RightAccess) {
			t.Errorf("%s offered on an access case", g)
		}
	}
	if !slices.Contains(grounds, string(cases.GroundManifestlyUnfounded)) || slices.Contains(grounds, string(cases.GroundArt17_3b)) ||
		slices.Contains(grounds, string(cases.GroundNotPortable)) {
		t.Errorf("grounds offered on an access case: %q", grounds)
	}
	if slices.Contains(outcomes, string(cases.OutcomeLapsed)) || !slices.Contains(outcomes, string(cases.OutcomeFulfilled)) {
		t.Errorf("outcomes offered with nothing awaited: %q", outcomes)
	}
	m = press(t, m, "esc", "o")
	out := strings.Join(strings.Fields(frame(m)), " ")
	if m.form != nil || !strings.Contains(out, "o (reopen)") || !strings.Contains(out, "! reopen: the case is not closed") {
		t.Fatalf("reopen on an open case:\n%s", frame(m))
	}
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventIDRequested, Reason: "two people of that name", Actor: "anna"},
		storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = drive(t, m, m.openCase(ids[0], false)())
	m = press(t, m, "esc", "c")
	if o := m.form.get("outcome").options; !slices.Contains(o, string(cases.OutcomeLapsed)) {
		t.Errorf("lapsed is not offered while identity is awaited: %q", o)
	}
}

// TestErasureGroundsOffered: an erasure case's close form offers the Art.
// 17(3) grounds its access case does not.
func TestErasureGroundsOffered(t *testing.T) {
	d := &caseDetail{loaded: &storage.Loaded{Case: &cases.Case{Right: cases.RightErasure}}}
	all := cases.Slugs(cases.Grounds)
	got := groundsFor(d.loaded.Case.Right, all)
	if !slices.Contains(got, string(cases.GroundArt17_3b)) || slices.Contains(got, string(cases.GroundNotPortable)) {
		t.Errorf("erasure grounds %q", got)
	}
	if got := groundsFor(cases.RightPortability, all); !slices.Contains(got, string(cases.GroundNotPortable)) || slices.Contains(got, string(cases.GroundArt17_3a)) {
		t.Errorf("portability grounds %q", got)
	}
}
