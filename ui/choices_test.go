package ui

import (
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
)

// TestChoicesPickedByTypingTheirName: on a list, letters typed go to the
// option whose name begins with all of them (every organisation begins
// with c), the screen says what was typed, an arrow starts again; a letter
// that no name continues starts from that letter.
func TestChoicesPickedByTypingTheirName(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = press(t, m, "esc", "n") // organisations: callrix, closeq, crisp, crmsoftware, crystalqore
	org := func() string { return m.form.val("controller") }
	for _, step := range []struct{ keys, want, typed string }{
		{"c", "callrix", "c"}, // the organisation the form opened on begins with c: it stays
		{"r", "crisp", "cr"},
		{"m", "crmsoftware", "crm"},
		{"z", "crmsoftware", "crm"}, // no name holds crmz nor z: nothing moves
		{"y", "crystalqore", "y"},   // no crmy: y alone, a name that holds it
	} {
		m = press(t, m, step.keys)
		if org() != step.want || m.form.get("controller").typed != step.typed {
			t.Fatalf("after %q: %s (typed %q), want %s (typed %q)", step.keys, org(), m.form.get("controller").typed, step.want, step.typed)
		}
	}
	if !strings.Contains(frame(m), "typed: y") {
		t.Errorf("what was typed is not shown:\n%s", frame(m))
	}
	m = press(t, m, "left", "c", "l", "o")
	if org() != "closeq" {
		t.Errorf("left then clo: %s", org())
	}
	m = press(t, m, "c") // no name begins with cloc: c alone, from the next option
	if org() != "crisp" {
		t.Errorf("c typed again steps on: %s", org())
	}
	m = press(t, m, "c")
	if org() != "crmsoftware" {
		t.Errorf("c typed again steps on: %s", org())
	}
}

// TestNewRequestChoosesTheRegime: the new request form offers the regimes
// the chosen organisation's register names, its default first; a
// Californian request to crmsoftware is recorded under us-ca.
func TestNewRequestChoosesTheRegime(t *testing.T) {
	m, s, _, _ := formFixture(t)
	m = press(t, m, "esc", "n", "c", "r", "m")
	regime := m.form.get("regime")
	if m.form.val("controller") != "crmsoftware" || strings.Join(regime.options, ",") != "eu-gdpr,us-ca" || regime.value() != "eu-gdpr" {
		t.Fatalf("crmsoftware's regimes %q, chosen %q", regime.options, regime.value())
	}
	m.form.focusOn("regime")
	m = press(t, m, "u")
	if !strings.Contains(frame(m), "‹ us-ca (CCPA/CPRA") {
		t.Fatalf("us-ca is not chosen by typing u:\n%s", frame(m))
	}
	m.form.focusOn("right")
	m = press(t, m, "space", "tab", "=Maria Lopez", "tab", "=maria@example.com", "enter")
	if m.form != nil {
		t.Fatalf("not created (%s):\n%s", m.err, frame(m))
	}
	c := mustGet(t, s, m.kase.detail.loaded.Case.ID)
	if c.Controller != "crmsoftware" || c.Rules.Regime != "us-ca" || c.Right != cases.RightAccess {
		t.Fatalf("stored %s under %s for %s", c.Right, c.Rules.Regime, c.Controller)
	}
	// Another organisation has only its default.
	m = press(t, m, "esc", "n")
	if r := m.form.get("regime"); m.form.val("controller") != "callrix" || len(r.options) != 1 {
		t.Fatalf("%s's regimes %q", m.form.val("controller"), r.options)
	}
}

// TestNewRequestReceivedAsWhenIsRead: the new request's receipt time is
// read as an action's "when" (yesterday 17:00) in the zone of the
// organisation's rules (crisp: Europe/Paris, R1 of its register), shown
// back with the zone's abbreviation, and stored as that instant; a time
// that cannot be read is refused on the field, once, before anything is
// stored.
func TestNewRequestReceivedAsWhenIsRead(t *testing.T) {
	m, s, clk, _ := formFixture(t)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	y, mo, d := clk.t.In(paris).Date()
	want := time.Date(y, mo, d-1, 17, 0, 0, 0, paris)
	m = press(t, m, "esc", "n", "c", "r", "i", "s")
	if m.form.val("controller") != "crisp" {
		t.Fatalf("crisp not chosen: %q", m.form.val("controller"))
	}
	m.form.focusOn("received")
	m = press(t, m, "=yesterday 17:00")
	shown := "= " + want.Format("Mon 2 Jan 2006 15:04 MST")
	if !strings.Contains(frame(m), shown) {
		t.Fatalf("the receipt is not shown back as %q:\n%s", shown, frame(m))
	}
	m.form.focusOn("received")
	m = press(t, m, "ctrl+u", "=yesterday at five", "tab")
	m.form.focusOn("right")
	m = press(t, m, "space", "tab", "=Maria Lopez", "tab", "=maria@example.com", "enter")
	if m.form == nil || m.form.refused != "received" || strings.Count(m.err, "received") != 1 {
		t.Fatalf("an unreadable receipt time was not refused on its field once (%q)", m.err)
	}
	m.form.focusOn("received")
	m = press(t, m, "ctrl+u", "=yesterday 17:00", "enter")
	if m.form != nil {
		t.Fatalf("not created (%s):\n%s", m.err, frame(m))
	}
	c := mustGet(t, s, m.kase.detail.loaded.Case.ID)
	if !c.ReceivedAt.Equal(want) {
		t.Fatalf("stored received %s, want %s", c.ReceivedAt, want)
	}
}
