package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage"
)

// step is one message without running the commands it returns, which the
// test runs when it chooses (to hold an answer back, or send it late).
func step(m Model, msg tea.Msg) (Model, tea.Cmd) {
	next, cmd := m.Update(msg)
	return next.(Model), cmd
}

// press is a key by its name, or text typed key by key after "=".
func press(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		if text, ok := strings.CutPrefix(k, "="); ok {
			m = typeText(t, m, text)
			continue
		}
		var msg tea.KeyPressMsg
		switch k {
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "shift+tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "up":
			msg = tea.KeyPressMsg{Code: tea.KeyUp}
		case "left":
			msg = tea.KeyPressMsg{Code: tea.KeyLeft}
		case "right":
			msg = tea.KeyPressMsg{Code: tea.KeyRight}
		case "space":
			msg = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		case "ctrl+u":
			msg = tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
		case "home":
			msg = tea.KeyPressMsg{Code: tea.KeyHome}
		case "end":
			msg = tea.KeyPressMsg{Code: tea.KeyEnd}
		case "delete":
			msg = tea.KeyPressMsg{Code: tea.KeyDelete}
		default:
			msg = keyPress(k)
		}
		m = drive(t, m, msg)
	}
	return m
}

func registers(t testing.TB) *register.Registers {
	t.Helper()
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return regs
}

// formFixture is the three-case fixture with the registers loaded and the
// case due tonight open.
func formFixture(t *testing.T) (Model, *storage.Store, *clock, []string) {
	s, c, ids := fixture(t)
	m := New(Options{Store: s, Clock: c, Actor: "anna", Title: "test", Registers: registers(t), Tick: time.Millisecond, Poll: time.Millisecond})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	m.moveTo(ids[0])
	m = drive(t, m, keyPress("enter"))
	if m.screen != screenCase || m.kase.detail.loaded.Case.ID != ids[0] {
		t.Fatalf("the case did not open:\n%s", frame(m))
	}
	return m, s, c, ids
}

func lastEvent(t *testing.T, s *storage.Store, id string) cases.Event {
	t.Helper()
	l, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return l.Case.Events[len(l.Case.Events)-1]
}

// TestEveryFormApplies fills each form of the case screen from the keyboard
// and checks the event the action service stored, with its fields.
func TestEveryFormApplies(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "orders-export.csv")
	content := []byte("order,total\n1,9.90\n")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	ev := func(kind cases.EventKind, set func(*cases.Event)) cases.Event {
		e := cases.Event{Kind: kind, Actor: "anna"}
		if set != nil {
			set(&e)
		}
		return e
	}
	attach := ev(cases.EventAttached, func(e *cases.Event) {
		e.Attachment = &cases.Attachment{Name: "crm.csv", Kind: cases.AttachmentDataCopy}
	})
	exported := ev(cases.EventExported, func(e *cases.Event) {
		e.Letter, e.Checksum = cases.LetterAcknowledgement, strings.Repeat("ab", 32)
	})
	added := ev(cases.EventWorkAdded, func(e *cases.Event) { e.System = &cases.System{Name: "the old CRM export"} })
	for _, c := range []struct {
		name  string
		agent bool          // the request comes from an agent
		setup []cases.Event // applied before the form opens
		keys  []string
		check func(e cases.Event) bool
	}{
		{"acknowledge", false, nil, []string{"A", "enter"}, func(e cases.Event) bool { return e.Kind == cases.EventAcknowledged }},
		{"request-id", false, nil, []string{"i", "=the e-mail differs", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventIDRequested && e.Reason == "the e-mail differs"
		}},
		{"id-received", false, []cases.Event{ev(cases.EventIDRequested, func(e *cases.Event) { e.Reason = "doubt" })}, []string{"I", "enter"},
			func(e cases.Event) bool { return e.Kind == cases.EventIDReceived }},
		{"verify", false, nil, []string{"v", "=video call", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventIdentityVerified && e.Method == "video call"
		}},
		{"request-info", false, nil, []string{"m", "=which account?", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventClarificationRequested && e.Reason == "which account?"
		}},
		{"info-received", false, []cases.Event{ev(cases.EventClarificationRequested, func(e *cases.Event) { e.Reason = "which?" })},
			[]string{"M", "enter"}, func(e cases.Event) bool { return e.Kind == cases.EventClarificationReceived }},
		{"request-authority", true, nil, []string{"p", "=signed mandate", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventAuthorityRequested && e.Reason == "signed mandate"
		}},
		{"authority-received", true, []cases.Event{ev(cases.EventAuthorityRequested, nil)}, []string{"P", "enter"},
			func(e cases.Event) bool { return e.Kind == cases.EventAuthorityReceived }},
		{"request-fee", false, nil, []string{"f", "=EUR 25", "tab", "=third copy", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventFeeRequested && e.Amount == "EUR 25" && e.Reason == "third copy"
		}},
		{"fee-paid", false, []cases.Event{ev(cases.EventFeeRequested, func(e *cases.Event) { e.Amount = "EUR 10" })}, []string{"F", "enter"},
			func(e cases.Event) bool { return e.Kind == cases.EventFeePaid }},
		{"extend", false, nil, []string{"x", "=twelve systems to search", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventExtensionDecided && e.Reason == "twelve systems to search"
		}},
		// The letter of a new case's step is the acknowledgement, exported;
		// the channel is e-mail; neither sent another way nor a draft.
		{"send", false, []cases.Event{exported}, []string{"s", "tab", "tab", "=zoe@example.org", "enter", "y"}, func(e cases.Event) bool {
			return e.Kind == cases.EventSent && e.Letter == cases.LetterAcknowledgement && e.Channel == cases.ChannelEmail &&
				e.To == "zoe@example.org" && !e.Outside && !e.DraftSent && e.Checksum == exported.Checksum
		}},
		// A letter sent another way, with the file it was and why, nothing exported.
		{"send outside", false, nil, []string{"s", "tab", "tab", "tab", "right", "tab", "=" + file, "tab", "tab", "=typed in the webmail", "enter", "y"},
			func(e cases.Event) bool {
				return e.Kind == cases.EventSent && e.Outside && !e.DraftSent && e.Reason == "typed in the webmail" && e.Checksum == sha(content)
			}},
		// crisp's register names two recipients; the first is offered.
		{"notify", false, nil, []string{"N", "right", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventRecipientNotified && e.Recipient != "" && e.Impossible == ""
		}},
		{"notify, impossible", false, nil, []string{"N", "tab", "=the company was dissolved", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventRecipientNotified && e.Recipient != "" && e.Impossible == "the company was dissolved"
		}},
		// All recipients are ticked; space unticks the first.
		{"recipients", false, nil, []string{"R", "space", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventRecipientsChosen && len(e.Recipients) == 1
		}},
		{"assign", false, nil, []string{"a", "=marc", "enter"}, func(e cases.Event) bool { return e.Kind == cases.EventAssigned && e.Assignee == "marc" }},
		{"tag", false, nil, []string{"t", "=vip  press", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventTagged && slices.Equal(e.Tags, []string{"vip", "press"})
		}},
		{"untag", false, []cases.Event{ev(cases.EventTagged, func(e *cases.Event) { e.Tags = []string{"vip", "press"} })},
			[]string{"u", "right", "space", "enter"}, func(e cases.Event) bool {
				return e.Kind == cases.EventUntagged && slices.Equal(e.Tags, []string{"press"})
			}},
		{"note", false, nil, []string{"n", "=called back", "enter"}, func(e cases.Event) bool { return e.Kind == cases.EventNoted && e.Text == "called back" }},
		// The path is completed with tab from its first letters.
		{"attach", false, nil, []string{"+", "=" + filepath.Join(dir, "ord"), "tab", "tab", "right", "tab", "=orders", "tab", "=shop", "enter"},
			func(e cases.Event) bool {
				a := e.Attachment
				return e.Kind == cases.EventAttached && a != nil && a.Name == "orders-export.csv" && a.Kind == cases.AttachmentInternal &&
					a.Category == "orders" && a.System == "shop" && a.Size == int64(len(content))
			}},
		{"withhold", false, []cases.Event{attach}, []string{"w", "tab", "tab", "=names a colleague", "enter", "y"}, func(e cases.Event) bool {
			return e.Kind == cases.EventWithheld && e.File == "crm.csv" && slices.Equal(e.Grounds, []cases.Ground{cases.GroundRightsOfOthers}) &&
				e.Reason == "names a colleague"
		}},
		{"close", false, nil, []string{"c", "enter", "y"}, func(e cases.Event) bool { return e.Kind == cases.EventClosed && e.Outcome == cases.OutcomeFulfilled }},
		{"reopen", false, []cases.Event{ev(cases.EventClosed, func(e *cases.Event) { e.Outcome = cases.OutcomeNoData })},
			[]string{"o", "right", "enter", "y"}, func(e cases.Event) bool {
				return e.Kind == cases.EventReopened && e.ReopenReason == cases.ReopenComplaint
			}},
		// The item added is the only one; erased needs no detail; when is now.
		{"work", false, []cases.Event{added}, []string{"W", "tab", "right", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventWorked && e.Item == "the-old-crm-export" && e.Result == cases.ResultNone && e.At.Equal(e.RecordedAt)
		}},
		{"add-system", false, nil, []string{"S", "=the old CRM export", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventWorkAdded && e.System != nil && e.System.Name == "the old CRM export" && e.Item == "the-old-crm-export"
		}},
		// Forwarded an hour ago (the clock is 20:00 in Paris).
		{"forward", false, nil, []string{">", "=Acme SAS", "tab", "=2026-04-02 19:00", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventForwarded && e.Customer == "Acme SAS" && e.At.Equal(time.Date(2026, 4, 2, 17, 0, 0, 0, time.UTC)) && e.Late == ""
		}},
		{"rebaseline", false, nil, []string{"B", "=policy of March", "enter"}, func(e cases.Event) bool {
			return e.Kind == cases.EventRebaselined && e.Reason == "policy of March" && e.Rules != nil && e.Rules.Regime == "eu-gdpr"
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, s, clk, ids := formFixture(t)
			if c.agent {
				cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
					Subject:   cases.Subject{Name: "Léo Marchand", Email: "leo@example.org"},
					Requester: &cases.Requester{Name: "Maître Blanc", Relation: cases.RelationAgent}}, paris, clk.t, "anna")
				if err != nil {
					t.Fatal(err)
				}
				ids[0] = cs[0].ID
				m = drive(t, m, run(m.openCase(ids[0], true))[0])
			}
			for _, e := range c.setup {
				if _, err := s.Apply(ids[0], e, storage.NoRevision, clk.t); err != nil {
					t.Fatal(err)
				}
			}
			if len(c.setup) > 0 {
				m = drive(t, m, m.openCase(ids[0], false)())
			}
			m = press(t, m, c.keys...)
			if m.form != nil || m.err != "" {
				t.Fatalf("the form is still open or failed (%q):\n%s", m.err, frame(m))
			}
			e := lastEvent(t, s, ids[0])
			if !c.check(e) || e.Actor != "anna" {
				t.Fatalf("stored %+v %+v", e, e.Attachment)
			}
			if !strings.Contains(frame(m), string(e.Kind)+" recorded") {
				t.Fatalf("the status line does not say what was recorded:\n%s", frame(m))
			}
		})
	}
}

// TestRefusedFormsKeepWhatWasTyped: every form, sent when the case does not
// allow it, is refused with its reason (by the action service, or before
// it for an empty required field or a file that cannot be read), in words
// that name no command-line flag; the form stays filled, the cursor on the
// field the refusal names. Forms with nothing to offer say why instead of
// opening.
func TestRefusedFormsKeepWhatWasTyped(t *testing.T) {
	// The field each refusal names, where it names one.
	focus := map[string]string{"empty method": "method", "extension to a date the rules fix": "until",
		"extension notice without an extension": "letter", "assign to nobody": "to", "a tag with a comma": "tags",
		"empty note": "text", "a file that is not there": "file", "a file attached twice": "file",
		"refusal without grounds":    "ground",
		"a redirect with nowhere to": "redirect-to"}
	ev := func(kind cases.EventKind, set func(*cases.Event)) cases.Event {
		e := cases.Event{Kind: kind, Actor: "anna"}
		if set != nil {
			set(&e)
		}
		return e
	}
	closed := ev(cases.EventClosed, func(e *cases.Event) { e.Outcome = cases.OutcomeNoData })
	attached := ev(cases.EventAttached, func(e *cases.Event) {
		e.Attachment = &cases.Attachment{Name: "crm.csv", Kind: cases.AttachmentDataCopy}
	})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "crm.csv"), []byte("a,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		setup  []cases.Event
		keys   []string
		reason string
		kept   func(f *form) bool // nil: the form does not open
	}{
		{"acknowledge twice", []cases.Event{ev(cases.EventAcknowledged, nil)}, []string{"A"}, "already acknowledged", nil},
		{"identity asked twice", []cases.Event{ev(cases.EventIDRequested, func(e *cases.Event) { e.Reason = "doubt" })},
			[]string{"i"}, "already waiting", nil},
		{"identity received unasked", nil, []string{"I"}, "nothing was asked", nil},
		{"verified twice", []cases.Event{ev(cases.EventIdentityVerified, func(e *cases.Event) { e.Method = "call" })},
			[]string{"v", "=passport seen", "enter"}, "already verified", func(f *form) bool { return f.val("method") == "passport seen" }},
		{"empty method", nil, []string{"v", "enter"}, "method is required", func(f *form) bool { return f.name == "verify" }},
		{"clarification asked twice", []cases.Event{ev(cases.EventClarificationRequested, func(e *cases.Event) { e.Reason = "which?" })},
			[]string{"m"}, "already waiting", nil},
		{"clarification received unasked", nil, []string{"M"}, "nothing was asked", nil},
		{"authority of the subject", nil, []string{"p"}, "agent or parent", nil},
		{"authority received unasked", nil, []string{"P"}, "nothing was asked", nil},
		{"fee asked twice", []cases.Event{ev(cases.EventFeeRequested, func(e *cases.Event) { e.Amount = "EUR 10" })},
			[]string{"f", "=EUR 20", "enter"}, "already waiting", func(f *form) bool { return f.val("amount") == "EUR 20" }},
		{"fee paid unasked", nil, []string{"F"}, "nothing was asked", nil},
		{"extension to a date the rules fix", nil, []string{"x", "=complex", "tab", "=2026-03-01", "enter"}, "fixes the extended deadline",
			func(f *form) bool { return f.val("reason") == "complex" && f.val("until") == "2026-03-01" }},
		{"extension notice without an extension", nil, []string{"s", "e", "enter", "y"}, "no extension was decided",
			func(f *form) bool { return f.val("letter") == "extension-notice" && !f.confirming }},
		{"recipients of a closed case", []cases.Event{closed}, []string{"R"}, "reopen it first", nil},
		{"assign to nobody", nil, []string{"a", "enter"}, "assign to is required", func(f *form) bool { return f.name == "assign" }},
		{"a tag with a comma", nil, []string{"t", "=vip,press", "enter"}, "single words", func(f *form) bool { return f.val("tags") == "vip,press" }},
		{"untag without tags", nil, []string{"u"}, "no tags", nil},
		{"empty note", nil, []string{"n", "enter"}, "note is required", func(f *form) bool { return f.name == "note" }},
		{"a file that is not there", nil, []string{"+", "=/nonexistent/file.pdf", "enter"}, "file.pdf",
			func(f *form) bool { return f.val("file") == "/nonexistent/file.pdf" }},
		{"a file attached twice", []cases.Event{attached}, []string{"+", "=" + filepath.Join(dir, "crm.csv"), "enter"}, "already attached",
			func(f *form) bool { return f.val("file") == filepath.Join(dir, "crm.csv") }},
		{"withhold without a data copy", nil, []string{"w"}, "no data-copy file", nil},
		// The fixture's rules have no data map: nothing to work until S adds a system.
		{"work without a work list", nil, []string{"W"}, "the work list is empty: S adds a system", nil},
		{"forward to nobody", nil, []string{">", "enter"}, "forwarded to is required", func(f *form) bool { return f.name == "forward" }},
		{"refusal without grounds", nil, []string{"c", "right", "right", "down", "down", "=not this time", "enter"}, "grounds is required",
			func(f *form) bool {
				return f.val("outcome") == "refused" && f.val("reason") == "not this time" && !f.confirming
			}},
		{"a redirect with nowhere to", nil, []string{"c", "=rr", "enter"}, "redirect to is required",
			func(f *form) bool { return f.val("outcome") == "redirected" }},
		{"reopen an open case", nil, []string{"o"}, "not closed", nil},
		{"rebaseline a closed case", []cases.Event{closed}, []string{"B"}, "reopen it first", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, s, clk, ids := formFixture(t)
			for _, e := range c.setup {
				if _, err := s.Apply(ids[0], e, storage.NoRevision, clk.t); err != nil {
					t.Fatal(err)
				}
			}
			m = drive(t, m, m.openCase(ids[0], false)())
			before := len(mustGet(t, s, ids[0]).Events)
			m = press(t, m, c.keys...)
			out := frame(m)
			if c.kept == nil && m.form != nil || c.kept != nil && (m.form == nil || !c.kept(m.form)) {
				t.Fatalf("the form was not kept as typed:\n%s", out)
			}
			if !strings.Contains(out, "! ") || !strings.Contains(strings.Join(strings.Fields(out), " "), c.reason) {
				t.Fatalf("the reason (%q) is not shown:\n%s", c.reason, out)
			}
			if strings.Contains(m.err, "--") {
				t.Errorf("a command-line flag in the app's message: %s", m.err)
			}
			if want, ok := focus[c.name]; ok && m.form.focused().key != want {
				t.Errorf("the cursor is on %q, not on %q, the field refused:\n%s", m.form.focused().key, want, out)
			}
			// A poll that finds nothing new leaves the refusal with its form.
			if msg := m.refresh()(); msg != nil && m.form != nil {
				if m = drive(t, m, msg); !strings.Contains(frame(m), c.reason) {
					t.Errorf("a poll took the refusal away:\n%s", frame(m))
				}
			}
			if n := len(mustGet(t, s, ids[0]).Events); n != before {
				t.Fatalf("%d events recorded by a refused form", n-before)
			}
			if m.form != nil {
				m = press(t, m, "esc")
				if m.form != nil || m.err != "" {
					t.Fatal("esc cancels the form and its error")
				}
			}
		})
	}
}

// sha is the SHA-256 of data in hex, as the app records a file's.
func sha(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func mustGet(t *testing.T, s *storage.Store, id string) *cases.Case {
	t.Helper()
	l, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return l.Case
}

// TestLateExtensionWarnsAndAsks: once the notice window has passed, the
// extend form says the extension will not be in force and asks before it
// is recorded; the case screen then shows it is not in force.
func TestLateExtensionWarnsAndAsks(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	clk.t = time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC) // the notice was due by Thu 2 April
	m = drive(t, m, m.openCase(ids[0], false)())
	m = press(t, m, "x")
	if out := frame(m); !strings.Contains(out, "notice window closed on Thu 2 Apr 2026") || !strings.Contains(out, "not in force") {
		t.Fatalf("no warning:\n%s", out)
	}
	m = press(t, m, "=backlog", "enter")
	if m.form == nil || !m.form.confirming || !strings.Contains(frame(m), "although the notice would be late?") {
		t.Fatalf("no question:\n%s", frame(m))
	}
	m = press(t, m, "y")
	if e := lastEvent(t, s, ids[0]); e.Kind != cases.EventExtensionDecided {
		t.Fatalf("stored %+v", e)
	}
	if out := frame(m); !strings.Contains(out, "extension-decided recorded") || !strings.Contains(strings.Join(m.notice, " "), "not in force") {
		t.Fatalf("the store's warning is not shown:\n%s", out)
	}
	m = press(t, m, "esc") // closes the notice
	notice := cases.Event{Kind: cases.EventExported, Letter: cases.LetterExtensionNotice, Checksum: strings.Repeat("cd", 32), Actor: "anna"}
	if _, err := s.Apply(ids[0], notice, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = drive(t, m, m.openCase(ids[0], false)())
	m = press(t, m, "s", "enter", "y") // the extension notice is the step's letter now
	if e := lastEvent(t, s, ids[0]); e.Kind != cases.EventSent || e.Letter != cases.LetterExtensionNotice {
		t.Fatalf("stored %+v\n%s", e, frame(m))
	}
	if out := caseText(m); !strings.Contains(out, "notice late: not in force") {
		t.Fatalf("the case screen does not show the late notice:\n%s", out)
	}
}

// TestExtensionJudgedAtItsWhen: the extend form judges the notice window
// at the time its "when" gives, as the store will: an extension decided on
// 1 April, within the window (due by Thu 2 April), draws no warning when
// it is recorded a week later; a text that is not a time yet is judged
// as now.
func TestExtensionJudgedAtItsWhen(t *testing.T) {
	m, _, clk, ids := formFixture(t)
	clk.t = time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)
	m = drive(t, m, m.openCase(ids[0], false)())
	m = press(t, m, "x", "=backlog", "tab", "tab", "=2026-04-01 10:00")
	if out := frame(m); strings.Contains(out, "not in force") || !strings.Contains(out, "= Wed 1 Apr 2026") {
		t.Fatalf("an extension decided in the window is warned of, or its time not read:\n%s", out)
	}
	m = press(t, m, "=x")
	if out := frame(m); !strings.Contains(out, "not in force") || !strings.Contains(out, "(not a time yet)") {
		t.Fatalf("a time not read yet is not judged as now:\n%s", out)
	}
}

// TestConflictAfterTheQuestion: a close confirmed after a colleague changed
// the case is not applied; the form goes back to its fields, names the
// colleague, and is sent at the new revision on the next enter.
func TestConflictAfterTheQuestion(t *testing.T) {
	anna, s, clk, ids := formFixture(t)
	marc := New(Options{Store: s, Clock: clk, Actor: "marc", Registers: registers(t), Tick: time.Millisecond, Poll: time.Millisecond})
	marc = drive(t, marc, tea.WindowSizeMsg{Width: 80, Height: 24})
	marc = drive(t, marc, marc.loadQueue("")())
	marc.moveTo(ids[0])
	marc = press(t, marc, "enter", "t", "=escalated", "enter")
	anna = press(t, anna, "c", "right", "down", "down", "=only part of it", "down", "down", "down", "down", "right", "right", "right", "space", "enter")
	if !anna.form.confirming {
		t.Fatalf("no question:\n%s", frame(anna))
	}
	anna = press(t, anna, "y")
	out := frame(anna)
	if anna.form == nil || anna.form.confirming || !strings.Contains(out, "tagged by marc") || anna.form.val("reason") != "only part of it" {
		t.Fatalf("the conflict:\n%s", out)
	}
	if e := lastEvent(t, s, ids[0]); e.Kind != cases.EventTagged {
		t.Fatalf("anna's close must not be applied over marc's change: %+v", e)
	}
	anna = press(t, anna, "enter", "y")
	if e := lastEvent(t, s, ids[0]); e.Kind != cases.EventClosed || e.Actor != "anna" {
		t.Fatalf("sent again at the new revision: %+v (%s)", e, frame(anna))
	}
}

// TestNewRequestForm: n on the queue records a request for two rights, one
// case each, and opens the first; a request refused (no contact route, a
// malformed identifier, a requester other than the subject under the
// relation self) is kept, with the cursor on the field the refusal names.
func TestNewRequestForm(t *testing.T) {
	m, s, _, _ := formFixture(t)
	m = press(t, m, "esc", "n")
	if m.form == nil || m.form.name != "new" {
		t.Fatalf("no form:\n%s", frame(m))
	}
	// organisation: callrix, closeq, crisp...; rights: access and erasure.
	m = press(t, m, "right", "right", "tab", "space", "right", "right", "space", "tab", "=Jan Nowak", "enter")
	if m.form == nil || !strings.Contains(frame(m), "contact") || m.form.focused().key != "email" {
		t.Fatalf("a request without a contact route must be refused, the cursor on the e-mail:\n%s", frame(m))
	}
	m = press(t, m, "=jan@example.org", "tab", "tab", "tab", "=customer=C-1042; order", "enter")
	if m.form == nil || !strings.Contains(frame(m), `identifier "order": want TYPE=VALUE`) || m.form.focused().key != "identifier" {
		t.Fatalf("a malformed identifier must be refused:\n%s", frame(m))
	}
	m = press(t, m, "==77", "tab", "=Jan's lawyer", "enter")
	if m.form == nil || !strings.Contains(frame(m), "is not the subject") || m.form.focused().key != "relation" {
		t.Fatalf("a requester other than the subject under the relation self must be refused at the relation:\n%s", frame(m))
	}
	// relation, regime (the organisation's default), language, received, channel, text.
	m = press(t, m, "shift+tab", "ctrl+u", "tab", "tab", "tab", "=pl", "tab", "=2026-03-31", "tab", "tab", "=all my data, then delete it", "enter")
	if m.form != nil {
		t.Fatalf("not created (%s):\n%s", m.err, frame(m))
	}
	if m.screen != screenCase || m.kase.detail.loaded.Case.Subject.Name != "Jan Nowak" || len(m.kase.detail.loaded.Case.Linked) != 1 {
		t.Fatalf("the first case is not open:\n%s", frame(m))
	}
	c := m.kase.detail.loaded.Case
	if c.Controller != "crisp" || c.Right != cases.RightAccess || c.Text != "all my data, then delete it" || c.Language != "pl" ||
		c.Subject.Identifiers["customer"] != "C-1042" || c.Subject.Identifiers["order"] != "77" || c.Requester != nil ||
		cases.DateOf(c.ReceivedAt, zone("Europe/Paris")).String() != "2026-03-31" {
		t.Fatalf("stored %+v", c)
	}
	other := mustGet(t, s, c.Linked[0])
	if other.Right != cases.RightErasure || other.Subject.Email != "jan@example.org" {
		t.Fatalf("the linked case: %+v", other)
	}
}

// TestBulkAssignOnTheFilteredQueue: A assigns every shown case after saying
// how many; a case changed by someone since it was shown is skipped and named.
func TestBulkAssignOnTheFilteredQueue(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	m = press(t, m, "esc", "/", "=example.org", "enter")
	if m.queue.shown.len() != 2 {
		t.Fatalf("the filter shows %d cases", m.queue.shown.len())
	}
	m = press(t, m, "A", "=marc", "enter")
	if out := frame(m); !strings.Contains(out, "Assign the 2 shown cases to marc?") {
		t.Fatalf("no count in the question:\n%s", out)
	}
	// Meanwhile a colleague tags the case due tonight.
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventTagged, Tags: []string{"x"}, Actor: "eve"}, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = press(t, m, "y")
	out := frame(m)
	if !strings.Contains(out, "assigned to marc: 1 case; 1 skipped: "+ids[0]) || !strings.Contains(out, "eve") {
		t.Fatalf("the summary:\n%s", out)
	}
	if e := lastEvent(t, s, ids[1]); e.Kind != cases.EventAssigned || e.Assignee != "marc" {
		t.Fatalf("the other case shown: %+v", e)
	}
	if e := lastEvent(t, s, ids[0]); e.Kind != cases.EventTagged {
		t.Fatalf("the changed case must be skipped: %+v", e)
	}
	// n at the question leaves everything as it was.
	m = press(t, m, "esc", "T", "=audit", "enter", "n", "esc")
	if e := lastEvent(t, s, ids[1]); e.Kind == cases.EventTagged {
		t.Fatal("a bulk tag answered no was applied")
	}
}

// TestExportKeyShowsGapsFirst: e lists the register's gaps for the letter
// before anything is written, then shows where the packet went and its
// checksum.
func TestExportKeyShowsGapsFirst(t *testing.T) {
	m, _, _, ids := formFixture(t)
	var asked []cases.LetterKind
	m.opt.Export = func(id string, kind cases.LetterKind) (*Exported, error) {
		asked = append(asked, kind)
		return &Exported{Path: "/packets/" + id + "-" + string(kind) + ".zip", SHA256: strings.Repeat("ab", 32), Draft: true,
			Gaps: []string{"legal_name"}, Controller: "crisp"}, nil
	}
	m = press(t, m, "e")
	out := frame(m)
	// crisp's policy names its operator only by a placeholder: the letter is a draft.
	if !strings.Contains(out, "facts this letter lacks") || !strings.Contains(out, "DRAFT") || !strings.Contains(out, "‹ acknowledgement ›") {
		t.Fatalf("the gaps are not shown first:\n%s", out)
	}
	if len(asked) != 0 {
		t.Fatal("written before enter")
	}
	m = press(t, m, "right", "enter")
	out = frame(m)
	if len(asked) != 1 || asked[0] != cases.LetterIdentityRequest {
		t.Fatalf("exported %v", asked)
	}
	for _, want := range []string{"/packets/" + ids[0] + "-identity-request.zip", strings.Repeat("ab", 32), "DRAFT", "legal_name"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the notice lacks %q:\n%s", want, out)
		}
	}
	m = press(t, m, "j")
	if len(m.notice) != 0 || m.screen != screenCase {
		t.Fatal("a key closes the notice")
	}
}

// TestOverviewPerOrganisation: c on the overview narrows its figures to one
// organisation, and R writes that organisation's register.
func TestOverviewPerOrganisation(t *testing.T) {
	m, s, clk, _ := formFixture(t)
	if _, err := s.Add(cases.Intake{Controller: "callrix", Rights: []cases.Right{cases.RightErasure},
		Subject: cases.Subject{Name: "Ola", Email: "ola@example.org"}}, paris, clk.t, "anna"); err != nil {
		t.Fatal(err)
	}
	var wrote []string
	m.opt.Report = func(org string) (string, error) {
		wrote = append(wrote, org)
		return "/reports/register-" + org + ".csv", nil
	}
	m = press(t, m, "esc")
	m = drive(t, m, m.refresh()())
	m = press(t, m, "v")
	if out := frame(m); !strings.Contains(out, "all organisations: 4 cases") {
		t.Fatalf("overview:\n%s", out)
	}
	m = press(t, m, "c")
	if out := frame(m); !strings.Contains(out, "callrix: 1 case") || !strings.Contains(out, "open 1") {
		t.Fatalf("overview of callrix:\n%s", out)
	}
	m = press(t, m, "R")
	if out := frame(m); !slices.Equal(wrote, []string{"callrix"}) || !strings.Contains(out, "/reports/register-callrix.csv") {
		t.Fatalf("the register was not written for callrix (%v):\n%s", wrote, out)
	}
}

// TestKeysDoNotCollide: on each screen, no key means two things.
func TestKeysDoNotCollide(t *testing.T) {
	k := DefaultKeys()
	for name, keys := range map[string]help.KeyMap{"queue": k.Queue, "case": k.Case, "overview": k.Overview} {
		seen := map[string]string{}
		for _, group := range keys.FullHelp() {
			for _, b := range group {
				for _, key := range b.Keys() {
					if other, dup := seen[key]; dup {
						t.Errorf("%s: %q is both %q and %q", name, key, other, b.Help().Desc)
					}
					seen[key] = b.Help().Desc
				}
			}
		}
	}
}

// TestMergedChangeStillConflicts: a colleague's change merged into the open
// case while a form is being filled in still stops the form, which was
// filled against what the screen showed when it opened.
func TestMergedChangeStillConflicts(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	m = press(t, m, "n", "=she agreed to wait")
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventAssigned, Assignee: "marc", Actor: "marc"}, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = drive(t, m, m.refresh()()) // the poll merges marc's change and reloads the case
	if m.kase.detail.loaded.Revision != 2 || m.form == nil || m.form.val("text") != "she agreed to wait" {
		t.Fatalf("the poll must reload the case under the form, keeping it:\n%s", frame(m))
	}
	m = press(t, m, "enter")
	if out := frame(m); m.form == nil || !strings.Contains(out, "assigned by marc") {
		t.Fatalf("no conflict:\n%s", out)
	}
	m = press(t, m, "enter")
	if e := lastEvent(t, s, ids[0]); e.Kind != cases.EventNoted || e.Text != "she agreed to wait" {
		t.Fatalf("sent again: %+v", e)
	}
}

// TestLeavingBeforeTheReload: esc pressed after an action is recorded but
// before the case is re-read stays on the queue; the late re-read does not
// pull the user back into the case.
func TestLeavingBeforeTheReload(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = press(t, m, "n", "=called back")
	m, send := step(m, keyPress("enter"))
	m, reload := step(m, send()) // recorded; the re-read is on its way
	m = press(t, m, "esc")
	if m.screen != screenQueue {
		t.Fatalf("esc did not go back to the queue:\n%s", frame(m))
	}
	for _, msg := range run(reload) {
		m = drive(t, m, msg)
	}
	if m.screen != screenQueue {
		t.Fatalf("the late re-read pulled the user back into the case:\n%s", frame(m))
	}
}

// TestPathCompletion: tab extends the path to what the matching names
// share and lists them; names that share only part of a character are not
// cut in two; a folder ends in a slash; ~/ is the home folder.
func TestPathCompletion(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"report-2025.csv", "report-2026.csv", "éa.txt", "èb.txt", ".hidden"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "scans"), 0o700); err != nil {
		t.Fatal(err)
	}
	m, _, _, _ := formFixture(t)
	m = press(t, m, "+", "="+dir+"/rep", "tab")
	x := m.form.focused()
	if x.text() != dir+"/report-202" || !slices.Equal(x.candidates, []string{"report-2025.csv", "report-2026.csv"}) {
		t.Fatalf("completed to %q, listing %q", x.text(), x.candidates)
	}
	if out := frame(m); !strings.Contains(out, "report-2025.csv  report-2026.csv") {
		t.Fatalf("the names are not listed:\n%s", out)
	}
	m = press(t, m, "ctrl+u", "="+dir+"/", "tab")
	x = m.form.focused()
	if x.text() != dir+"/" || len(x.candidates) != 5 || slices.Contains(x.candidates, ".hidden") || !slices.Contains(x.candidates, "scans/") {
		t.Fatalf("completed to %q, listing %q", x.text(), x.candidates)
	}
	m = press(t, m, "ctrl+u", "="+dir+"/sc", "tab")
	if x = m.form.focused(); x.text() != dir+"/scans/" {
		t.Fatalf("a folder completes with its slash: %q", x.text())
	}
	// é and è share their first byte in UTF-8, not a character.
	accents := filepath.Join(dir, "accents")
	for _, name := range []string{"éa.txt", "èb.txt"} {
		if err := os.MkdirAll(accents, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(accents, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m = press(t, m, "ctrl+u", "="+accents+"/", "tab")
	if x = m.form.focused(); x.text() != accents+"/" || len(x.candidates) != 2 {
		t.Fatalf("completed to %q, listing %q", x.text(), x.candidates)
	}
	t.Setenv("HOME", dir)
	m = press(t, m, "ctrl+u", "=~/report-2026", "tab")
	if x = m.form.focused(); x.text() != filepath.Join(dir, "report-2026.csv") {
		t.Fatalf("~/ completes in the home folder: %q", x.text())
	}
	// Nothing to complete: tab goes to the next field.
	m = press(t, m, "tab")
	if m.form.focused().key != "kind" {
		t.Fatalf("tab on a complete path moves on, to %q", m.form.focused().key)
	}
}

// TestPasteIntoAForm: pasted text goes into the focused field, a note's
// line breaks kept (shown ⏎) and its control sequences dropped; what is
// stored is what was shown.
func TestPasteIntoAForm(t *testing.T) {
	m, s, _, ids := formFixture(t)
	m = press(t, m, "n")
	m = drive(t, m, tea.PasteMsg{Content: "called her\r\nback \x1b[31mtoday\x1b[0m\x07"})
	if got := m.form.val("text"); got != "called her\nback today" { // a note keeps its lines
		t.Fatalf("pasted as %q", got)
	}
	m = press(t, m, "enter")
	if e := lastEvent(t, s, ids[0]); e.Text != "called her\nback today" {
		t.Fatalf("stored %q", e.Text)
	}
}

// TestCancelledFormKeepsItsDraft: esc on a form with text typed keeps it as
// a draft of that case and action; opening the form again brings it back,
// and sending it forgets it.
func TestCancelledFormKeepsItsDraft(t *testing.T) {
	m, s, _, ids := formFixture(t)
	m = press(t, m, "c", "right", "right", "down", "down", "=not this time", "esc")
	if m.form != nil {
		t.Fatal("esc closes the form")
	}
	m = press(t, m, "n", "=half a thought", "esc", "c")
	if m.form.val("outcome") != "refused" || m.form.val("reason") != "not this time" || !strings.Contains(frame(m), "what you typed before is back") {
		t.Fatalf("the close form's draft:\n%s", frame(m))
	}
	m = press(t, m, "esc", "n")
	if m.form.val("text") != "half a thought" {
		t.Fatalf("the note's draft: %q", m.form.val("text"))
	}
	m = press(t, m, "enter")
	if e := lastEvent(t, s, ids[0]); e.Text != "half a thought" {
		t.Fatalf("stored %+v", e)
	}
	m = press(t, m, "n")
	if m.form.val("text") != "" || strings.Contains(frame(m), "what you typed before") {
		t.Fatalf("a sent draft comes back:\n%s", frame(m))
	}
	// Another case has drafts of its own.
	m = press(t, m, "esc", "esc", "j", "enter", "c")
	if m.kase.detail.loaded.Case.ID == ids[0] || m.form.val("reason") != "" {
		t.Fatalf("a draft crossed to another case:\n%s", frame(m))
	}
}

// TestActionsFromTheQueue: . on the queue lists the actions on the case
// under the cursor; a form sent from there leaves the user on the queue,
// and a conflict there reloads the case under the form.
func TestActionsFromTheQueue(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	m = press(t, m, "esc")
	m.moveTo(ids[1])
	m = press(t, m, ".")
	if out := frame(m); !strings.Contains(out, "Actions on "+ids[1]) || m.screen != screenQueue {
		t.Fatalf("no action list over the queue:\n%s", out)
	}
	if log, _ := s.AccessLog(ids[1]); len(log) == 0 {
		t.Fatal("reading the case for its actions is not logged")
	}
	m = press(t, m, "a", "=marc")
	if _, err := s.Apply(ids[1], cases.Event{Kind: cases.EventTagged, Tags: []string{"vip"}, Actor: "eve"}, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = press(t, m, "enter")
	if out := frame(m); m.form == nil || !strings.Contains(out, "tagged by eve") || m.screen != screenQueue {
		t.Fatalf("the conflict over the queue:\n%s", out)
	}
	m = press(t, m, "enter")
	if e := lastEvent(t, s, ids[1]); e.Kind != cases.EventAssigned || e.Assignee != "marc" {
		t.Fatalf("stored %+v\n%s", e, frame(m))
	}
	if out := frame(m); m.screen != screenQueue || m.form != nil || !strings.Contains(out, "assigned recorded") {
		t.Fatalf("after the form:\n%s", out)
	}
	// esc closes the list; the cursor keys are not taken while it is open.
	m = press(t, m, ".", "j", "esc")
	if m.kase.menu || m.currentID() != ids[1] {
		t.Fatalf("menu %v, cursor on %s", m.kase.menu, m.currentID())
	}
}

// TestReloadKeepsTheScroll: a colleague's change re-read into the open case
// keeps the place the user had scrolled to.
func TestReloadKeepsTheScroll(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	m = press(t, m, "j", "j", "j", "j", "j")
	if m.kase.view.YOffset() != 5 {
		t.Fatalf("scrolled to %d", m.kase.view.YOffset())
	}
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventNoted, Text: "x", Actor: "eve"}, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = drive(t, m, m.refresh()())
	if m.kase.detail.loaded.Revision != 2 || m.kase.view.YOffset() != 5 {
		t.Fatalf("revision %d, scroll %d", m.kase.detail.loaded.Revision, m.kase.view.YOffset())
	}
}

// TestOverviewFiguresOffTheLoop: v shows the overview at once and its
// figures when they are worked out; an answer overtaken by a newer request
// (another organisation chosen meanwhile) is dropped.
func TestOverviewFiguresOffTheLoop(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = press(t, m, "esc")
	m, first := step(m, keyPress("v"))
	if out := frame(m); !strings.Contains(out, "Working out the figures") {
		t.Fatalf("before the figures:\n%s", out)
	}
	m, second := step(m, keyPress("c"))                      // the first organisation's, callrix
	for _, msg := range append(run(second), run(first)...) { // the older answer comes last
		m = drive(t, m, msg)
	}
	if out := frame(m); !strings.Contains(out, "callrix: 0 cases") {
		t.Fatalf("the older answer replaced the newer:\n%s", out)
	}
}

// TestSentOnce: a form waits for the store's answer; an impatient second
// enter sends nothing.
func TestSentOnce(t *testing.T) {
	m, s, _, ids := formFixture(t)
	m = press(t, m, "n", "=called back")
	m, send := step(m, keyPress("enter"))
	if out := frame(m); !strings.Contains(out, "sending…") {
		t.Fatalf("no sign of sending:\n%s", out)
	}
	m, again := step(m, keyPress("enter"))
	if again != nil {
		t.Fatal("a second enter sent the form again")
	}
	for _, msg := range run(send) {
		m = drive(t, m, msg)
	}
	if l := mustGet(t, s, ids[0]); len(l.Events) != 2 || m.form != nil {
		t.Fatalf("%d events, form %v", len(l.Events), m.form != nil)
	}
}

// TestEditingInsideAText: the cursor moves in a text field, typing goes
// where it is, backspace and delete work on either side of it.
func TestEditingInsideAText(t *testing.T) {
	m, s, _, ids := formFixture(t)
	m = press(t, m, "n", "=calld bak", "home", "right", "right", "right", "right", "=e", "end", "backspace", "=ck!")
	if got := m.form.val("text"); got != "called back!" {
		t.Fatalf("edited to %q", got)
	}
	if out := frame(m); !strings.Contains(out, "called back!▏") {
		t.Fatalf("the cursor is not at the end:\n%s", out)
	}
	m = press(t, m, "left", "left", "delete", "home", "delete")
	if got := m.form.val("text"); got != "alled bac!" {
		t.Fatalf("deleted to %q", got)
	}
	if out := frame(m); !strings.Contains(out, "▏alled bac!") {
		t.Fatalf("the cursor is not at the start:\n%s", out)
	}
	m = press(t, m, "enter")
	if e := lastEvent(t, s, ids[0]); e.Text != "alled bac!" {
		t.Fatalf("stored %q", e.Text)
	}
}

// TestFormsStartClean: what is chosen in a form is its own; cancelled
// without text typed, the next opening starts from the defaults.
func TestFormsStartClean(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = press(t, m, "c", "right", "down", "space", "esc", "c")
	if g := m.form.get("ground"); m.form.val("outcome") != "fulfilled" || len(g.values()) != 0 {
		t.Fatalf("the close form kept %q and %v", m.form.val("outcome"), g.values())
	}
}

// TestTypingLeavesEarlierModels: text inputs edit their text in place;
// typing into a later model leaves the earlier model's form and filter as
// they were.
func TestTypingLeavesEarlierModels(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = press(t, m, "n", "=called back", "home")
	before := m
	m = press(t, m, "=x", "delete")
	if got := before.form.val("text"); got != "called back" {
		t.Fatalf("the earlier form holds %q", got)
	}
	if got := m.form.val("text"); got != "xalled back" {
		t.Fatalf("the later form holds %q", got)
	}
	m = press(t, m, "esc", "esc", "/", "=holm", "left", "left")
	before = m
	m = press(t, m, "=x")
	if before.queue.query() != "holm" || m.queue.query() != "hoxlm" {
		t.Fatalf("queries %q and %q", before.queue.query(), m.queue.query())
	}
}

// TestTextEditingKeys: the fields edit as readline does (bubbles/textinput):
// alt+← and alt+→ move by words, ctrl+w deletes the word before the cursor.
func TestTextEditingKeys(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = press(t, m, "n", "=called her back")
	m = drive(t, m, tea.KeyPressMsg{Code: tea.KeyLeft, Mod: tea.ModAlt})
	m = drive(t, m, tea.KeyPressMsg{Code: tea.KeyLeft, Mod: tea.ModAlt})
	m = drive(t, m, tea.KeyPressMsg{Code: 'w', Mod: tea.ModCtrl})
	if got := m.form.val("text"); got != "her back" {
		t.Fatalf("ctrl+w after two words back: %q", got)
	}
	m = drive(t, m, tea.KeyPressMsg{Code: tea.KeyRight, Mod: tea.ModAlt})
	m = press(t, m, "=self")
	if out := frame(m); !strings.Contains(out, "herself▏ back") {
		t.Fatalf("alt+→ moves to the end of the word:\n%s", out)
	}
}

// TestInterruptClosesAForm: ctrl+c in a form closes it as esc does, keeping
// what was typed and saying that a second ctrl+c quits; the second quits.
func TestInterruptClosesAForm(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = press(t, m, "n", "=half a thought")
	ctrlC := tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	if !strings.Contains(frame(m), "esc/^c") {
		t.Fatalf("the form's footer does not say ctrl+c closes it:\n%s", frame(m))
	}
	m, cmd := step(m, ctrlC)
	if m.form != nil || cmd != nil {
		t.Fatalf("ctrl+c in a form: form %v, command %v", m.form != nil, cmd)
	}
	if !strings.Contains(frame(m), "ctrl+c again quits") {
		t.Fatalf("closing with ctrl+c does not say how to quit:\n%s", frame(m))
	}
	m = press(t, m, "n")
	if m.form.val("text") != "half a thought" {
		t.Fatalf("the text typed before ctrl+c: %q", m.form.val("text"))
	}
	m = press(t, m, "esc")
	if _, cmd = step(m, ctrlC); cmd == nil {
		t.Fatal("ctrl+c outside a form does not quit")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("ctrl+c outside a form does not quit")
	}
}

// TestBulkOnTheUnfilteredQueueIsForTheOpenCases: unfiltered, A is for the
// open cases, the same before and after the closed cases were read into
// the queue (by scrolling to its end), and says so.
func TestBulkOnTheUnfilteredQueueIsForTheOpenCases(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	if _, err := s.Apply(ids[1], cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeWithdrawn, Actor: "eve"}, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = press(t, m, "esc")
	m = drive(t, m, m.loadQueue("")())
	count := func(m Model) int {
		t.Helper()
		m = press(t, m, "A")
		if m.form == nil || !strings.Contains(m.form.title, "(all open cases)") || slices.Contains(m.form.bulk, ids[1]) {
			t.Fatalf("A on the unfiltered queue:\n%s", frame(m))
		}
		return len(m.form.bulk)
	}
	before := count(m)
	after := count(press(t, m, "G", "g"))
	if before == 0 || after != before {
		t.Errorf("A covers %d cases, then %d after G g; want the same open ones", before, after)
	}
}

// TestExportNoticeSaysWhoseFactsAreMissing: after an export, the facts the
// case lacks are named with their command, apart from the register's (O
// and E there), never sent to the register.
func TestExportNoticeSaysWhoseFactsAreMissing(t *testing.T) {
	m, _, _, ids := formFixture(t)
	m.opt.Export = func(id string, kind cases.LetterKind) (*Exported, error) {
		return &Exported{Path: "/packets/" + id + ".zip", SHA256: strings.Repeat("ab", 32), Draft: true,
			CaseGaps: []string{"work (rightsdesk reopen " + id + ", then rightsdesk work " + id + " ITEM RESULT)"}, Controller: "crisp"}, nil
	}
	out := frame(press(t, m, "e", "enter"))
	if !strings.Contains(out, "facts the case lacks (1): work (rightsdesk reopen "+ids[0]) || strings.Contains(out, "O shows the register") {
		t.Fatalf("the notice:\n%s", out)
	}
}

// TestClosingWithOpenItemsSaysWhatFollows: closing as fulfilled while
// work items are open asks with how many, that the letter stays a DRAFT
// and that recording them means reopening.
func TestClosingWithOpenItemsSaysWhatFollows(t *testing.T) {
	m, _, _, _ := formFixture(t)
	st := *m.kase.detail.state
	st.Work = []cases.WorkItem{{ID: "crm"}, {ID: "backups"}} // no result: open
	m.kase.detail.state = &st
	n := openItems(m.kase.detail)
	out := frame(press(t, m, "c", "enter"))
	if !strings.Contains(out, cases.Plural(n, "work item")+" still open") || !strings.Contains(out, "DRAFT") {
		t.Fatalf("the close question:\n%s", out)
	}
}

// TestADateBeforeTheReceiptIsRefusedOnItsField: a time before the
// receipt is refused on "when", before the form asks why it is late
// (such a time is never recorded, late or not).
func TestADateBeforeTheReceiptIsRefusedOnItsField(t *testing.T) {
	m, _, _, _ := formFixture(t)
	m = press(t, m, "v", "=e-mail")
	for i := 0; i < 5 && m.form.fields[m.form.focus].key != "when"; i++ {
		m = press(t, m, "tab")
	}
	m = press(t, m, "=2026-02-01", "enter")
	if m.form == nil || !strings.Contains(m.err, "before the receipt date") || m.form.refused != "when" || m.form.fields[m.form.focus].key != "when" {
		t.Fatalf("a date before the receipt: %q\n%s", m.err, frame(m))
	}
}

// TestAClosedCaseOffersReopenNotClose: the footer of a closed case offers
// reopen, not close or work, which it refuses until reopened.
func TestAClosedCaseOffersReopenNotClose(t *testing.T) {
	m, s, clk, ids := formFixture(t)
	if _, err := s.Apply(ids[0], cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeWithdrawn, Actor: "eve"}, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m = press(t, m, "esc")
	m = drive(t, m, m.loadQueue("")())
	m.moveTo(ids[0])
	lines := strings.Split(frame(press(t, m, "enter")), "\n")
	footer := lines[len(lines)-1]
	if !strings.Contains(footer, "reopen") || strings.Contains(footer, "close") || strings.Contains(footer, "work") {
		t.Fatalf("the footer of a closed case: %q", footer)
	}
}

// TestALineBreakTypedIntoANote: ctrl+j (or alt+enter) types a line break
// into a text that keeps them, shown as ⏎ and recorded as a line break;
// enter still sends the form.
func TestALineBreakTypedIntoANote(t *testing.T) {
	m, s, _, ids := formFixture(t)
	m = press(t, m, "n")
	m = typeText(t, m, "line one")
	m = drive(t, m, tea.KeyPressMsg{Code: 'j', Mod: tea.ModCtrl})
	m = typeText(t, m, "line two")
	if !strings.Contains(frame(m), "line one⏎line two") {
		t.Fatalf("the note being typed:\n%s", frame(m))
	}
	m = press(t, m, "enter")
	if e := lastEvent(t, s, ids[0]); e.Kind != cases.EventNoted || e.Text != "line one\nline two" || m.form != nil {
		t.Fatalf("recorded %q (the form still open: %v)", e.Text, m.form != nil)
	}
}
