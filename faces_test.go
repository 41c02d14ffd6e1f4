package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/storage"
	"rightsdesk/ui"
)

// The three faces of one vocabulary: the same values given to the command
// line, to the app's forms and (for new requests) to import must record the
// same events. Each row starts two (or three) databases alike, gives the
// values through each face and compares what was stored.

const facesNow = "2026-03-10T12:00:00Z"

func facesEnv(t *testing.T) map[string]string {
	return map[string]string{"RIGHTSDESK_NOW": facesNow, "RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": t.TempDir(),
		"XDG_DATA_HOME": t.TempDir()}
}

// faceApp is the terminal app on a database, driven message by message.
type faceApp struct {
	t *testing.T
	m tea.Model
}

func newFaceApp(t *testing.T, st *storage.Store) *faceApp {
	t.Helper()
	// The registers of the database, as the command line reads them.
	regs, err := (&app{getenv: func(string) string { return "" }}).loadRegisters(st.Path(), "")
	if err != nil {
		t.Fatal(err)
	}
	now, _ := time.Parse(time.RFC3339, facesNow)
	m := ui.New(ui.Options{Store: st, Clock: cases.FixedClock(now), Actor: "anna", Registers: regs, Title: "faces",
		Poll: time.Nanosecond, Tick: time.Nanosecond})
	app := &faceApp{t: t, m: m}
	app.send(tea.WindowSizeMsg{Width: 160, Height: 60})
	app.run(m.Init())
	return app
}

// send gives the app a message and runs what it asks for until it
// settles; the clocks' ticks and polls are not followed.
func (a *faceApp) send(msg tea.Msg) {
	a.t.Helper()
	next, cmd := a.m.Update(msg)
	a.m = next
	a.run(cmd)
}

func (a *faceApp) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	// A clock's tick waits for its time to come: it is left unanswered.
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(2 * time.Second):
		return
	}
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			a.run(c)
		}
		return
	}
	name := fmt.Sprintf("%T", msg)
	if msg == nil || strings.Contains(name, "tick") || strings.Contains(name, "poll") || strings.Contains(name, "Color") {
		return
	}
	a.send(msg)
}

func (a *faceApp) frame() string { return ansi.Strip(a.m.View().Content) }

func (a *faceApp) press(keys ...string) {
	a.t.Helper()
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "right":
			msg = tea.KeyPressMsg{Code: tea.KeyRight}
		case "space":
			msg = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
		default:
			msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		}
		a.send(msg)
	}
}

// focused is the form's line with the cursor.
func (a *faceApp) focused() string {
	for _, l := range strings.Split(a.frame(), "\n") {
		if strings.HasPrefix(l, "› ") {
			return l
		}
	}
	return ""
}

// fill gives the focused field its values and moves to the next: text is
// pasted, a choice is stepped to, a multi-choice's options are ticked.
func (a *faceApp) fill(f cases.Field, values []string) {
	a.t.Helper()
	switch f.Type {
	case cases.FieldChoice:
		if len(values) > 0 {
			// A ground is shown with its meaning: "‹ art17-3-b (a legal obligation) ›".
			shown := func() bool {
				f := a.focused()
				return strings.Contains(f, "‹ "+values[0]+" ›") || strings.Contains(f, "‹ "+values[0]+" (")
			}
			for i := 0; !shown(); i++ {
				if i > 40 {
					a.t.Fatalf("%s: %q is not offered:\n%s", f.Name, values[0], a.frame())
				}
				a.press("right")
			}
		}
	case cases.FieldMulti:
		var want []string
		for _, v := range values {
			want = append(want, strings.Split(v, ",")...)
		}
		at := 0
		for i, option := range f.Vocabulary {
			if slices.Contains(want, option) {
				for ; at < i; at++ {
					a.press("right")
				}
				a.press("space")
			}
		}
		for _, v := range want {
			if !strings.Contains(a.frame(), "[x] "+v) {
				a.t.Fatalf("%s: %q not ticked:\n%s", f.Name, v, a.frame())
			}
		}
	default:
		if len(values) > 0 {
			text := strings.Join(values, " ")
			if f.Name == "identifier" {
				text = strings.Join(values, ";")
			}
			a.send(tea.PasteMsg{Content: text})
		}
	}
	a.press("tab")
}

// openFace records in db one request, brought to the state the action
// needs by the command line, and returns its case ID.
func openFace(t *testing.T, env map[string]string, db string, setup [][]string) string {
	t.Helper()
	// A first setup step of flags is given to add: a case under another
	// regime.
	var extra []string
	if len(setup) > 0 && strings.HasPrefix(setup[0][0], "--") {
		extra, setup = setup[0], setup[1:]
	}
	status, out, errOut := runCLI(t, env, append([]string{"add", "--db", db, "--controller", "crisp", "--right", "access",
		"--subject", "Zoé Lefèvre", "--email", "zoe@example.org", "--requester", "Maître Vasseur", "--relation", "agent",
		"--received", "2026-03-02"}, extra...)...)
	if status != 0 {
		t.Fatalf("add: %d %s", status, errOut)
	}
	id := strings.TrimSpace(out)
	for _, step := range setup {
		args := append([]string{step[0], id, "--db", db}, step[1:]...)
		if status, _, errOut := runCLI(t, env, args...); status != 0 {
			t.Fatalf("%v: %d %s", step, status, errOut)
		}
	}
	return id
}

func copyFile(t *testing.T, from string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "cases.db")
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return to
}

func lastEventOf(t *testing.T, st *storage.Store, id string) cases.Event {
	t.Helper()
	l, err := st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	ignoreOverrides(l.Case)
	return l.Case.Events[len(l.Case.Events)-1]
}

// ignoreOverrides forgets what each event says the environment overrode:
// the faces are compared on what was recorded, as TRUST.md compares the
// modes (the app here is given its actor, the command line takes it from
// RIGHTSDESK_ACTOR).
func ignoreOverrides(c *cases.Case) {
	for i := range c.Events {
		c.Events[i].Overridden = nil
	}
}

func TestActionsAgreeOnEveryFace(t *testing.T) {
	attachment := filepath.Join(t.TempDir(), "orders.csv")
	if err := os.WriteFile(attachment, []byte("order,total\n1,20\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Where the app offers the case's own options instead of free text, the
	// row says how the app is given the same values.
	// Crisp's register names its recipients by category: the second.
	crispPublic := "public authorities, in criminal investigations or where disclosure is required by law or a public authority decision"
	notifyPublic := func(a *faceApp) {
		a.press("right") // the register's recipients are offered: the second
		a.press("tab")
		a.send(tea.PasteMsg{Content: "no disclosure was made to any of them"})
	}
	untagPress := func(a *faceApp) {
		a.fill(cases.Field{Name: "tags", Type: cases.FieldMulti, Vocabulary: []string{"vip", "press"}}, []string{"press"})
	}
	tests := []struct {
		action string
		setup  [][]string
		values cases.Values
		app    func(*faceApp) // fills the form, when the table's fields are not typed as such
	}{
		{"acknowledge", nil, nil, nil},
		{"request-id", nil, cases.Values{"reason": {"the address differs from the account's"}}, nil},
		{"id-received", [][]string{{"request-id", "--reason", "doubt"}}, nil, nil},
		{"verify", nil, cases.Values{"method": {"security question"}}, nil},
		{"request-info", nil, cases.Values{"reason": {"which account?"}}, nil},
		{"info-received", [][]string{{"request-info", "--reason", "which?"}}, nil, nil},
		{"request-authority", nil, cases.Values{"reason": {"a signed mandate"}}, nil},
		{"authority-received", [][]string{{"request-authority"}}, nil, nil},
		{"request-fee", nil, cases.Values{"amount": {"EUR 25"}, "reason": {"a fourth copy"}}, nil},
		{"fee-paid", [][]string{{"request-fee", "--amount", "EUR 5"}}, nil, nil},
		{"extend", nil, cases.Values{"reason": {"twelve systems"}}, nil},
		{"send", [][]string{{"export", "--letter", "acknowledgement", "--out", t.TempDir()}},
			cases.Values{"letter": {"acknowledgement"}, "channel": {"post"}, "to": {"1 rue de la Paix"}}, nil},
		{"notify", nil, cases.Values{"recipient": {crispPublic}, "impossible": {"no disclosure was made to any of them"}}, notifyPublic},
		{"assign", nil, cases.Values{"to": {"marc"}}, nil},
		{"tag", nil, cases.Values{"tags": {"vip", "press"}}, nil},
		{"untag", [][]string{{"tag", "vip", "press"}}, cases.Values{"tags": {"press"}}, untagPress},
		{"note", nil, cases.Values{"text": {"called back at 17:00"}}, nil},
		{"attach", nil, cases.Values{"file": {attachment}, "kind": {"internal"}, "category": {"orders"}, "system": {"shop"}}, nil},
		{"withhold", [][]string{{"attach", attachment}}, cases.Values{"file": {"orders.csv"}, "ground": {"rights-of-others"},
			"reason": {"names other customers"}}, nil},
		{"close", nil, cases.Values{"outcome": {"refused"}, "ground": {"manifestly-unfounded", "excessive"},
			"reason": {"the fifth identical request"}}, nil},
		// A redirect: Crisp as its customers' processor, the chats its only
		// item, held for the customer.
		{"close", [][]string{{"--regime", "processor-forward"}, {"work", "chats", "for-customer", "--customer", "Acme SA"}},
			cases.Values{"outcome": {"redirected"}, "redirect-to": {"Acme SA"}}, nil},
		{"reopen", [][]string{{"close", "--outcome", "fulfilled"}}, cases.Values{"reason": {"complaint"}}, nil},
		{"rebaseline", nil, cases.Values{"reason": {"the register's zone was corrected"}}, nil},
	}
	keys := ui.DefaultKeys()
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			act, _ := cases.ActionNamed(tt.action)
			env := facesEnv(t)
			cliDB := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
			fillRegister(t, env, cliDB, "crisp") // so that a letter exported is not a draft
			id := openFace(t, env, cliDB, tt.setup)
			appDB := copyFile(t, cliDB)

			// The command line.
			args := []string{tt.action, id, "--db", cliDB}
			for _, f := range act.Fields {
				for _, v := range tt.values[f.Name] {
					if f.Positional {
						args = append(args, v)
					} else {
						args = append(args, "--"+f.Name, v)
					}
				}
			}
			if status, _, errOut := runCLI(t, env, args...); status != 0 {
				t.Fatalf("%v: %d %s", args, status, errOut)
			}

			// The app: the case opened from the queue, the action's key,
			// each field in the table's order, enter and the question.
			releaseDB(appDB)
			st := storage.Open(appDB, storage.Options{LockTimeout: time.Second})
			app := newFaceApp(t, st)
			app.press("enter")
			var formKey string
			for _, fk := range keys.Case.Forms {
				if fk.Action == tt.action {
					formKey = fk.Binding.Keys()[0]
				}
			}
			app.press(formKey)
			if tt.app != nil {
				tt.app(app)
			} else {
				for _, f := range act.Fields {
					app.fill(f, tt.values[f.Name])
				}
			}
			app.press("enter")
			if strings.Contains(app.frame(), "? ") && act.Confirm {
				app.press("y")
			}

			releaseDB(cliDB)
			cliEvent := lastEventOf(t, storage.Open(cliDB, storage.Options{LockTimeout: time.Second}), id)
			appEvent := lastEventOf(t, st, id)
			if cliEvent.Kind != act.Kind {
				t.Fatalf("the command line recorded %s", cliEvent.Kind)
			}
			if !reflect.DeepEqual(cliEvent, appEvent) {
				t.Errorf("the faces disagree:\n cli %+v\n app %+v\n%s", cliEvent, appEvent, app.frame())
			}
		})
	}
}

func TestIntakeAgreesOnEveryFace(t *testing.T) {
	env := facesEnv(t)
	values := cases.Values{"controller": {"crisp"}, "right": {"access,erasure"}, "subject": {"Zoé Lefèvre"},
		"email": {"zoe@example.org"}, "phone": {"+33 1 23 45 67 89"}, "postal-address": {"1 rue de la Paix, Paris"},
		"identifier": {"customer=C-1042", "order=77"}, "requester": {"Maître Vasseur"}, "relation": {"agent"},
		"language": {"fr"}, "received": {"2026-03-02"}, "channel": {"post"}, "text": {"all my data, then delete it"}}

	// add.
	addDB := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	args := []string{"add", "--db", addDB}
	for _, f := range cases.IntakeFields {
		for _, v := range values[f.Name] {
			args = append(args, "--"+f.Name, v)
		}
	}
	if status, _, errOut := runCLI(t, env, args...); status != 0 {
		t.Fatalf("add: %d %s", status, errOut)
	}

	// import, the same values as columns.
	var header, row []string
	for _, f := range cases.IntakeFields {
		if vs := values[f.Name]; len(vs) > 0 {
			header = append(header, f.Name)
			row = append(row, `"`+strings.Join(vs, ";")+`"`)
		}
	}
	csv := writeFile(t, "requests.csv", strings.Join(header, ",")+"\n"+strings.Join(row, ",")+"\n")
	importDB := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	if status, _, errOut := runCLI(t, env, "import", csv, "--db", importDB); status != 0 {
		t.Fatalf("import: %d %s", status, errOut)
	}

	// The app's new request form, field by field in the table's order.
	appDB := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	if status, _, errOut := runCLI(t, env, "init", "--db", appDB); status != 0 {
		t.Fatalf("init: %d %s", status, errOut)
	}
	releaseDB(appDB)
	// The app numbers cases as the commands' store does: per organisation
	// in team mode, where the server's store does.
	st := storage.Open(appDB, storage.Options{LockTimeout: time.Second, IDsPerOrganisation: teamTests})
	app := newFaceApp(t, st)
	app.press("n")
	for _, f := range cases.IntakeFields {
		if f.Name == "controller" {
			f.Vocabulary = []string{"callrix", "closeq", "crisp", "crmsoftware", "crystalqore"}
		}
		app.fill(f, values[f.Name])
	}
	app.press("enter")

	get := func(path string) []*cases.Case {
		t.Helper()
		releaseDB(path)
		s := storage.Open(path, storage.Options{LockTimeout: time.Second})
		var out []*cases.Case
		for _, id := range []string{caseID("crisp", 2026, 1, 1), caseID("crisp", 2026, 2, 2)} {
			l, err := s.Get(id)
			if err != nil {
				t.Fatalf("%s: %v\n%s", path, err, app.frame())
			}
			ignoreOverrides(l.Case)
			out = append(out, l.Case)
		}
		return out
	}
	added, imported, typed := get(addDB), get(importDB), get(appDB)
	if added[0].Requester == nil || added[0].Subject.Identifiers["order"] != "77" || added[1].Right != cases.RightErasure {
		t.Fatalf("add recorded %+v", added[0])
	}
	for i := range added {
		if !reflect.DeepEqual(added[i], imported[i]) {
			t.Errorf("add and import disagree:\n add    %+v\n import %+v", added[i], imported[i])
		}
		if !reflect.DeepEqual(added[i], typed[i]) {
			t.Errorf("add and the app disagree:\n add %+v\n app %+v", added[i], typed[i])
		}
	}
}
