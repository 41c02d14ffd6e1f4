package ui

import (
	"errors"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

// registerStart is the app on the fixture's cases with the built-in
// registers, at w x h, on the overview.
func registerStart(t *testing.T, w, h int, opt func(*Options)) Model {
	t.Helper()
	s, c, _ := fixture(t)
	o := Options{Store: s, Clock: c, Actor: "anna", Title: "test", Registers: registers(t)}
	if opt != nil {
		opt(&o)
	}
	m := New(o)
	m = drive(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	m = drive(t, m, m.loadQueue("")())
	return drive(t, m, keyPress("v"))
}

// TestRegisterScreen: O on the overview opens the register of the
// organisation shown (the first when all are), gaps first, each with its
// field and example, then the facts with where they come from.
func TestRegisterScreen(t *testing.T) {
	m := drive(t, registerStart(t, 80, 24, nil), keyPress("O"))
	if m.screen != screenRegister || m.overview.reg.id != "callrix" {
		t.Fatalf("O on the overview of all organisations shows %v %q, want the first register", m.screen, m.overview.reg.id)
	}
	m = drive(t, m, keyPress("c")) // the next organisation
	m = drive(t, m, keyPress("c"))
	if m.overview.reg.id != "crisp" {
		t.Fatalf("c twice from callrix shows %q", m.overview.reg.id)
	}
	out := frame(m)
	golden.RequireEqual(t, out)
	lines := strings.Split(out, "\n")
	if len(lines) != 24 {
		t.Fatalf("%d lines, want 24", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("line %d is %d cells wide", i, w)
		}
	}
	reg, _ := m.opt.Registers.Get("crisp")
	all := ansi.Strip(m.overview.reg.view.GetContent())
	gaps, identity := strings.Index(all, "Gaps ("), strings.Index(all, "\nIdentity")
	if gaps < 0 || identity < gaps {
		t.Fatalf("the gaps do not come first:\n%s", all)
	}
	first := reg.Gaps()[0]
	if !strings.Contains(all[gaps:identity], "fill "+first.TOML+", e.g. ") || !strings.Contains(all[:identity], reg.EditCommand()) {
		t.Errorf("the first gap without its field and example, or no edit command:\n%s", all[:identity])
	}
	for _, want := range []string{"[seed: ", "[assumed: ", "[missing", "Authority", "Clock", "Systems", "Purposes", "Recipients", "Retention"} {
		if !strings.Contains(all[identity:], want) {
			t.Errorf("the facts lack %q", want)
		}
	}
	// An assumed fact shows its rule in words, without the rule's number.
	if strings.Contains(all, "[assumed: R1") {
		t.Errorf("an assumption shows its number, not its words")
	}
	m = drive(t, m, keyPress("G"))
	if m.overview.reg.view.YOffset() == 0 {
		t.Errorf("G does not scroll to the end")
	}
	if m = drive(t, m, keyPress("esc")); m.screen != screenOverview {
		t.Errorf("esc goes to %v, want the overview", m.screen)
	}
}

// TestRegisterFromTheCase: O on a case opens its organisation's register,
// and esc goes back to the case.
func TestRegisterFromTheCase(t *testing.T) {
	m := drive(t, registerStart(t, 80, 24, nil), keyPress("esc"))
	m = drive(t, m, keyPress("enter"))
	if m.screen != screenCase {
		t.Fatalf("no case open: %v", m.screen)
	}
	m = drive(t, m, keyPress("O"))
	if m.screen != screenRegister || m.overview.reg.id != "crisp" {
		t.Fatalf("O on a crisp case shows %v %q", m.screen, m.overview.reg.id)
	}
	if m = drive(t, m, keyPress("esc")); m.screen != screenCase {
		t.Errorf("esc goes to %v, want the case", m.screen)
	}
}

// TestRegisterEditWithoutEditor: E with no editor command says the command
// to run.
func TestRegisterEditWithoutEditor(t *testing.T) {
	m := drive(t, registerStart(t, 80, 24, nil), keyPress("O"))
	m = drive(t, m, keyPress("E"))
	if out := frame(m); !strings.Contains(out, "edit it with: rightsdesk controllers callrix edit") {
		t.Fatalf("no hint:\n%s", out)
	}
	m = drive(t, registerStart(t, 80, 24, func(o *Options) {
		o.EditRegister = func(string) *exec.Cmd { return nil }
	}), keyPress("O"))
	if out := frame(drive(t, m, keyPress("E"))); !strings.Contains(out, "edit it with: rightsdesk controllers callrix edit") {
		t.Fatalf("no hint when the command is nil:\n%s", out)
	}
}

// TestProgramRegisterEdit runs the real program: E hands the terminal to
// the editor command (true, here), and the app resumes on the register,
// read again.
func TestProgramRegisterEdit(t *testing.T) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true command on this system")
	}
	s, c, ids := fixture(t)
	var mu sync.Mutex
	var edited []string
	reloads := 0
	regs := registers(t)
	m := New(Options{Store: s, Clock: c, Actor: "anna", Title: "flow", Registers: regs,
		EditRegister: func(id string) *exec.Cmd {
			mu.Lock()
			defer mu.Unlock()
			edited = append(edited, id)
			return exec.Command(truePath)
		},
		ReloadRegisters: func() (*register.Registers, error) {
			mu.Lock()
			defer mu.Unlock()
			reloads++
			return register.LoadRegisters(register.Embedded())
		}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(ansi.Strip(string(b)), what) },
			teatest.WithDuration(5*time.Second))
	}
	wait(ids[0])
	tm.Send(keyPress("v"))
	wait("Overview")
	tm.Send(keyPress("O"))
	wait("Register · callrix")
	tm.Send(keyPress("E"))
	wait("back from the editor on the register of callrix")
	tm.Send(keyPress("c"))
	wait("CloseQ, version")
	tm.Send(keyPress("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	mu.Lock()
	defer mu.Unlock()
	if len(edited) != 1 || edited[0] != "callrix" || reloads != 1 {
		t.Fatalf("editor run for %v, registers read again %d times", edited, reloads)
	}
	if final.screen != screenRegister || final.opt.Registers == regs {
		t.Fatalf("after the editor: screen %v, registers read again: %v", final.screen, final.opt.Registers != regs)
	}
}

// TestDraftSaysHowToFill: a case whose letter would be a DRAFT lists what
// it lacks with the key and command that fill each, and so does the export
// form before anything is written.
func TestDraftSaysHowToFill(t *testing.T) {
	m := drive(t, registerStart(t, 80, 24, func(o *Options) {
		// The form opens where export is available; nothing is exported here.
		o.Export = func(string, cases.LetterKind) (*Exported, error) { return nil, errors.New("not in this test") }
	}), keyPress("esc"))
	m = drive(t, m, keyPress("enter"))
	all := ansi.Strip(caseText(m))
	reg, _ := m.opt.Registers.Get("crisp")
	if !strings.Contains(all, "Draft: the acknowledgement letter lacks 2") ||
		!strings.Contains(all, "fill legal_name: O, then E ("+reg.EditCommand()+")") {
		t.Fatalf("the case screen does not say what the draft lacks and how to fill it:\n%s", all)
	}
	m = drive(t, m, keyPress("e"))
	if m.form == nil || !strings.Contains(m.form.warning, "in the register: legal_name, privacy_contact (esc, O, then E edits it; or "+reg.EditCommand()+")") {
		t.Fatalf("the export form's warning: %+v", m.form)
	}
}
