package ui

import (
	"strings"
	"testing"
)

// TestDraftSaysWhenAndNeverMerges: a note cancelled with esc comes back
// only in the note form of the same case, saying from when it was kept
// (in the host's zone, as the header's clock); what is typed into it then
// replaces it and is sent alone (it never merges unseen); a cursor key
// first keeps it to edit.
// Another action's form and the new request form open empty.
func TestDraftSaysWhenAndNeverMerges(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	m = press(t, m, "n", "=half a thought", "esc")
	m = press(t, m, "t")
	if m.form.val("tags") != "" || strings.Contains(frame(m), "draft kept") {
		t.Fatalf("the note's draft came back in the tag form:\n%s", frame(m))
	}
	m = press(t, m, "esc", "esc", "n")
	if m.form.val("text") != "" || strings.Contains(frame(m), "draft kept") {
		t.Fatalf("the note's draft came back in the new request form:\n%s", frame(m))
	}
	m = press(t, m, "esc", "enter", "n")
	if m.kase.detail.loaded.Case.ID != ids[0] {
		t.Fatalf("not back on the case")
	}
	kept := "draft kept from " + clk.t.Local().Format("15:04 MST")
	if m.form.val("text") != "half a thought" || !strings.Contains(frame(m), kept) {
		t.Fatalf("the draft does not come back, saying from when (%q):\n%s", kept, frame(m))
	}
	m = press(t, m, "=called her back", "enter")
	if e := lastEvent(t, s, ids[0]); e.Text != "called her back" {
		t.Fatalf("stored %q: the draft merged with what was typed after it", e.Text)
	}
	m = press(t, m, "n", "=first half", "esc", "n", "right", "= and the rest", "enter")
	if e := lastEvent(t, s, ids[0]); e.Text != "first half and the rest" {
		t.Fatalf("stored %q: a cursor key did not keep the draft to edit", e.Text)
	}
}
