package ui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// TestFormsOfferWhatTheServiceAccepts: the close form of an access case
// offers no Art. 17(3) ground nor not-portable (the domain's
// Ground.AppliesTo), nor lapsed while nothing is awaited, and says so
// beside the outcome; once identity is
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
	// What is not offered is said, with why, beside the focused outcome.
	if out := strings.Join(strings.Fields(frame(m)), " "); !strings.Contains(out, "not offered now:") ||
		!strings.Contains(out, "lapsed is for a request whose requester never answered") {
		t.Errorf("the close form does not say why lapsed is not offered:\n%s", frame(m))
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

// TestCorrectionHintsEachFact: every correctable fact can be chosen in
// the correction form, and the new value's hint says how that fact is
// written; a corrected request text keeps its pasted lines.
func TestCorrectionHintsEachFact(t *testing.T) {
	m, s, _, ids := formFixture(t)
	m = press(t, m, "C")
	hints := map[string]string{}
	for range cases.CorrectableFields {
		hints[m.form.val("field")] = m.form.get("value").hint
		m = press(t, m, "right")
	}
	for fact, want := range map[string]string{
		"relation": "one of: self, ", "channel": "one of: email, ", "identifier": "TYPE=VALUE",
		"received": "read in the case's zone (CEST)", "email": "empty removes it", "subject": "the person the data is about",
	} {
		if !strings.Contains(hints[fact], want) {
			t.Errorf("%s: hint %q, want %q", fact, hints[fact], want)
		}
	}
	if len(hints) != len(cases.CorrectableFields) {
		t.Errorf("facts offered: %d of %d", len(hints), len(cases.CorrectableFields))
	}
	m = press(t, m, "=te", "tab")
	if m.form.val("field") != "text" {
		t.Fatalf("typing te chooses %s", m.form.val("field"))
	}
	m = drive(t, m, tea.PasteMsg{Content: "Please erase\nmy account"})
	m = press(t, m, "tab", "=misread at intake", "enter")
	if c := mustGet(t, s, ids[0]); c.Text != "Please erase\nmy account" {
		t.Fatalf("corrected text %q\n%s", c.Text, frame(m))
	}
}
