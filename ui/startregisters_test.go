package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases/register"
)

// startedWithoutRegisters is the fixture's app with its first page shown
// and the registers still on their way (Options.AwaitRegisters), and the
// command that waits for them.
func startedWithoutRegisters(t *testing.T, await func() (*register.Registers, error)) (Model, []string, tea.Cmd) {
	t.Helper()
	s, c, ids := fixture(t)
	m := New(Options{Store: s, Clock: c, Actor: "anna", Title: "test", AwaitRegisters: await})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	next, _ := m.Update(m.loadQueue("")()) // the first page; its commands (the open cases, the registers) are not run
	m = next.(Model)
	if !strings.Contains(frame(m), ids[0]) {
		t.Fatalf("the first page waits for the registers:\n%s", frame(m))
	}
	return m, ids, m.awaitRegisters()
}

// TestKeysWaitForRegisters: the queue shows and moves before the
// registers come; a key that needs them (opening a case shows its
// register, a new request its organisation's rules) is held with
// "loading registers…" said, and so are the keys after it, and all are
// served, in order, once the registers come.
func TestKeysWaitForRegisters(t *testing.T) {
	regs := registers(t)
	m, _, await := startedWithoutRegisters(t, func() (*register.Registers, error) { return regs, nil })
	top := m.queue.currentID()
	m = drive(t, m, keyPress("j")) // a move needs no register
	moved := m.queue.currentID()
	if moved == top || m.status != "" {
		t.Fatalf("j before the registers: cursor on %s (was %s), status %q", moved, top, m.status)
	}
	m = drive(t, m, keyPress("enter"))
	m = drive(t, m, keyPress("k")) // after a held key: held too, or it would move the queue under the case
	if m.screen != screenQueue || m.status != loadingRegisters || m.queue.currentID() != moved || len(m.held) != 2 {
		t.Fatalf("enter before the registers: screen %d, status %q, cursor %s, %d held:\n%s", m.screen, m.status, m.queue.currentID(), len(m.held), frame(m))
	}
	if !strings.Contains(frame(m), loadingRegisters) {
		t.Fatalf("the status line does not say the registers are loading:\n%s", frame(m))
	}
	m = drive(t, m, await())
	if m.opt.Registers != regs || len(m.held) != 0 || m.status == loadingRegisters {
		t.Fatalf("registers not taken: %v, %d held, status %q", m.opt.Registers == regs, len(m.held), m.status)
	}
	if m.screen != screenCase || m.kase.detail == nil || m.kase.detail.loaded.Case.ID != moved || m.kase.detail.register == nil {
		t.Fatalf("the held enter did not open %s with its register:\n%s", moved, frame(m))
	}
}

// TestNewRequestWaitsForRegisters: n pressed before the registers come
// opens the new request form once they do, with the organisations of the
// registers, never an empty list.
func TestNewRequestWaitsForRegisters(t *testing.T) {
	regs := registers(t)
	m, _, await := startedWithoutRegisters(t, func() (*register.Registers, error) { return regs, nil })
	m = drive(t, m, keyPress("n"))
	if m.form != nil || m.err != "" || m.status != loadingRegisters {
		t.Fatalf("n before the registers: form %v, err %q, status %q", m.form != nil, m.err, m.status)
	}
	m = drive(t, m, await())
	if m.form == nil || !strings.Contains(frame(m), "crisp") {
		t.Fatalf("the held n did not open the new request form on the registers:\n%s", frame(m))
	}
}

// TestRegistersUnreadableEndTheApp: registers that cannot be read end the
// app, their error said, and no held key is served without them.
func TestRegistersUnreadableEndTheApp(t *testing.T) {
	m, _, await := startedWithoutRegisters(t, func() (*register.Registers, error) {
		return nil, errors.New("register crisp version 2: bad toml")
	})
	m = drive(t, m, keyPress("n"))
	next, cmd := m.Update(await())
	m = next.(Model)
	if m.form != nil || m.opt.Registers != nil || !strings.Contains(m.err, "bad toml") {
		t.Fatalf("after the registers failed: form %v, registers %v, err %q", m.form != nil, m.opt.Registers != nil, m.err)
	}
	if cmd == nil {
		t.Fatal("the app goes on without its registers")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("the app goes on without its registers")
	}
}

// TestRegistersAskedOnceFirstFrameDrawn: the first page's commands ask for
// the registers, a frame after it is shown.
func TestRegistersAskedOnceFirstFrameDrawn(t *testing.T) {
	s, c, _ := fixture(t)
	asked := make(chan time.Time, 1)
	regs := registers(t)
	m := New(Options{Store: s, Clock: c, Actor: "anna", AwaitRegisters: func() (*register.Registers, error) {
		asked <- time.Now()
		return regs, nil
	}})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	shown := time.Now()
	m = drive(t, m, m.loadQueue("")())
	select {
	case at := <-asked:
		if at.Sub(shown) < firstFrame {
			t.Fatalf("registers asked %v after the first page, before its frame (%v)", at.Sub(shown), firstFrame)
		}
	default:
		t.Fatal("the registers were never asked for")
	}
	if m.opt.Registers != regs {
		t.Fatal("the registers asked for were not taken")
	}
}
