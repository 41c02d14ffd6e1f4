package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// TestMessageStaysUntilAKey: a message shown without a form (an action
// the case does not take) stays through a poll that merges a colleague's
// change and the re-read of the case it brings; the next key clears it.
func TestMessageStaysUntilAKey(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	m = press(t, m, "u") // untag: the case has no tags
	if !strings.Contains(frame(m), "the case has no tags") {
		t.Fatalf("no message:\n%s", frame(m))
	}
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventAssigned, Assignee: "marc", Actor: "marc"}, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = drive(t, m, m.refresh()()) // the poll merges marc's change and re-reads the open case
	if m.kase.detail.loaded.Revision != 2 || !strings.Contains(frame(m), "the case has no tags") {
		t.Fatalf("the message went with the poll:\n%s", frame(m))
	}
	m = drive(t, m, watchLostMsg{})
	if !strings.Contains(frame(m), "the case has no tags") {
		t.Fatalf("a lost stream replaced the message:\n%s", frame(m))
	}
	m = press(t, m, "j")
	if strings.Contains(frame(m), "the case has no tags") {
		t.Fatalf("the next key must clear the message:\n%s", frame(m))
	}
}

// TestRefusalMarksItsField: a required field left empty, then a time the
// form cannot read, each mark their field (in words: "!›") and move the
// focus to it; the next key takes the mark away.
func TestRefusalMarksItsField(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = press(t, m, "n", "tab", "enter")
	out := frame(m)
	if m.form.focused().key != "text" || !strings.Contains(out, "!› note ") || !strings.Contains(out, "! note is required") {
		t.Fatalf("the missing note is not marked:\n%s", out)
	}
	m = press(t, m, "=called her", "tab", "=25:00", "enter")
	out = frame(m)
	if m.form.focused().key != "when" || !strings.Contains(out, "!› when ") || strings.Contains(out, "!› note") {
		t.Fatalf("the unreadable time is not marked:\n%s", out)
	}
	m = press(t, m, "backspace")
	if out = frame(m); strings.Contains(out, "!›") || strings.Contains(out, "! when") {
		t.Fatalf("the mark must go with the next key:\n%s", out)
	}
}

// TestConflictShowsBothValues: an assignment sent after a colleague
// assigned the case otherwise says who did what when, in the case's zone,
// and sets the form's value beside the case's: "yours: bob · now: carol".
func TestConflictShowsBothValues(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	m = press(t, m, "a", "=bob")
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventAssigned, Assignee: "carol", Actor: "marc"}, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = press(t, m, "enter")
	out := strings.Join(strings.Fields(frame(m)), " ")
	for _, want := range []string{
		"changed meanwhile: assigned by marc at Thu 2 Apr 20:00 CEST", // 18:00 UTC in Paris
		"assignee — yours: bob · now: carol",
		"enter sends this form again",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the conflict does not say %q:\n%s", want, frame(m))
		}
	}
	if strings.Contains(out, "reload it") {
		t.Errorf("the conflict asks to reload what is reloaded:\n%s", frame(m))
	}
}

// TestFormScrollWording: the lines out of sight above and below a form's
// window are counted in words, one line in the singular.
func TestFormScrollWording(t *testing.T) {
	body := []string{"a", "b1", "b2", "c"}
	got := scrolled(body, 1, 3, 3, 40, DefaultStyles())
	if len(got) != 3 || !strings.Contains(got[0], "↑ 1 more line ") || got[1] != "b1" || !strings.Contains(got[2], "↓ 2 more lines") {
		t.Errorf("window %q", got)
	}
	if got := scrolled(body, 3, 4, 10, 40, DefaultStyles()); len(got) != 4 {
		t.Errorf("a form that fits must not scroll: %q", got)
	}
}

// TestQuestionKeysStayWhole: whatever the question's length at 80 and 40
// columns, its keys ("y yes · n no") are on one line, never broken between
// a key and its word, and the question breaks only at spaces and hyphens.
func TestQuestionKeysStayWhole(t *testing.T) {
	m, _, _, _ := formFixture(t)
	f := &form{title: "Close", confirming: true, keys: m.keys.Form}
	keys := ansi.Strip(m.help.ShortHelpView(f.keys.questionHelp()))
	for _, width := range []int{80, 40} {
		for n := 1; n < 30; n++ {
			question := "Close DSR-2026-000001 as refused (" + strings.Repeat("manifestly-unfounded ", n%6) + strings.Repeat("x", n) + ")?"
			lines := f.tail(width, *m.styles, *m.help, "", question)
			joined := ""
			whole := false
			for _, l := range lines {
				l = ansi.Strip(l)
				if ansi.StringWidth(l) > width {
					t.Errorf("%d columns: a line of %d: %q", width, ansi.StringWidth(l), l)
				}
				whole = whole || strings.Contains(l, keys)
				if joined += strings.TrimSpace(l); !strings.HasSuffix(joined, "-") {
					joined += " " // a line broken at a hyphen joins without a space
				}
			}
			if !whole {
				t.Errorf("%d columns: the keys %q broken:\n%s", width, keys, strings.Join(lines, "\n"))
			}
			if !strings.Contains(joined, question) {
				t.Errorf("%d columns: the question cut:\n%s", width, strings.Join(lines, "\n"))
			}
		}
	}
}

// TestNotCurrentIsSaidUntilItEnds: a team server that refuses its change
// stream because its cluster does not answer (the store unavailable) is
// said in the footer, not as a lost server, and stays through keys until
// a subscription is taken again; a poll refused as unavailable says it
// too.
func TestNotCurrentIsSaidUntilItEnds(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = drive(t, m, watchLostMsg{})
	if !strings.Contains(frame(m), "the server does not answer") {
		t.Fatalf("a lost stream is not said:\n%s", frame(m))
	}
	m = drive(t, m, watchingMsg{err: &storage.StoreError{Path: "the team server", Err: storage.ErrUnavailable}})
	if out := frame(m); !strings.Contains(out, "team cluster not answering") || strings.Contains(out, "the server does not answer") {
		t.Fatalf("a server not current is not said as such:\n%s", out)
	}
	m = press(t, m, "j")
	if !strings.Contains(frame(m), "team cluster not answering") {
		t.Fatalf("a key cleared a condition that has not ended:\n%s", frame(m))
	}
	// Taken again: the stream's first wait and the re-read are not followed.
	next, _ := m.Update(watchingMsg{changes: make(chan uint64)})
	m = next.(Model)
	if strings.Contains(frame(m), "team cluster not answering") {
		t.Fatalf("the condition is still said once the stream is taken again:\n%s", frame(m))
	}
	// A poll refused the same way says it too, not the server's long line.
	m = drive(t, m, queueMsg{err: &storage.StoreError{Path: "the team server", Err: storage.ErrUnavailable, Detail: "this server's copy was last confirmed current 4s ago"}})
	if out := frame(m); !strings.Contains(out, "team cluster not answering") || strings.Contains(out, "last confirmed") {
		t.Fatalf("a poll refused as unavailable:\n%s", out)
	}
}
