package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// TestPastedRequestKeepsItsLines: a request's wording pasted into the new
// request form keeps its line breaks, shown as ⏎ in the one-line field,
// and the stored case's text has them; a name pasted with a line break in
// it stays one line.
func TestPastedRequestKeepsItsLines(t *testing.T) {
	m, s, _, _ := formFixture(t)
	m = press(t, m, "esc", "n", "c", "r", "i", "tab", "space", "tab")
	m = drive(t, m, tea.PasteMsg{Content: "Jan\r\nNowak"})
	m = press(t, m, "tab", "=jan@example.org")
	m.form.focusOn("text")
	wording := "Dear DPO,\r\n\r\nunder Art. 15 GDPR please send me\ta copy of my data.\n\nJan Nowak\n"
	m = drive(t, m, tea.PasteMsg{Content: wording})
	if !strings.Contains(frame(m), "Dear DPO,⏎⏎under Art. 15") ||
		m.form.get("text").text() != "Dear DPO,⏎⏎under Art. 15 GDPR please send me a copy of my data.⏎⏎Jan Nowak⏎" {
		t.Fatalf("the pasted lines are not shown as ⏎:\n%s", frame(m))
	}
	m = press(t, m, "enter")
	if m.form != nil {
		t.Fatalf("not created (%s):\n%s", m.err, frame(m))
	}
	c := mustGet(t, s, m.kase.detail.loaded.Case.ID)
	if want := "Dear DPO,\n\nunder Art. 15 GDPR please send me a copy of my data.\n\nJan Nowak"; c.Text != want {
		t.Errorf("stored text %q, want %q", c.Text, want)
	}
	if c.Subject.Name != "Jan Nowak" {
		t.Errorf("subject %q: a name keeps to one line", c.Subject.Name)
	}
}
