package ui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"

	"rightsdesk/cases"
)

// KeyMap is every key the app answers to, one set per component; the
// footers and the help screen are built from it with bubbles/help, so that
// a key rebound here is rebound everywhere it is shown.
type KeyMap struct {
	// Interrupt quits from anywhere, also while text is typed (where q is a
	// letter); in a form it first closes the form, keeping what was typed.
	Interrupt key.Binding
	Queue     QueueKeys
	Filter    FilterKeys
	Case      CaseKeys
	Form      FormKeys
	Overview  OverviewKeys
	Register  RegisterKeys
	Approval  ApprovalKeys
	// Text edits every text field and the filter (bubbles/textinput):
	// word moves, ctrl+w, ctrl+u, ctrl+k...
	Text textinput.KeyMap
}

// QueueKeys are the queue's keys.
type QueueKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back, Filter, Reveal, Overview    key.Binding
	New, Actions, BulkAssign, BulkTag       key.Binding
	Help, Quit                              key.Binding
	// Sort cycles the order: urgency, received, organisation, assignee.
	Sort  key.Binding
	Quick QuickKeys
}

// QuickKeys are the queue's quick filters, each a toggle or a cycle.
type QuickKeys struct {
	Overdue, Week, Mine, Status, Org, Right, Clear key.Binding
	// Approval shows the cases with a letter exported that waits for
	// approval (WORK.md, "Approval").
	Approval key.Binding
	// Unsent shows the cases closed with their answer not sent
	// (cases.Summary.AnswerNotSent).
	Unsent key.Binding
}

// ApprovalKeys are the approval screen's keys (approve.go).
type ApprovalKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Approve, Reject, Back, Help, Quit       key.Binding
}

// FilterKeys are the keys of the filter input beside the text it edits.
type FilterKeys struct {
	Accept, Cancel, Up, Down, PageUp, PageDown key.Binding
}

// CaseKeys are the case screen's keys, and of its list of actions.
type CaseKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	NextSection, PrevSection                key.Binding
	Reveal, Actions, Export, Record, Back   key.Binding
	Register, Help, Quit                    key.Binding
	// Approve opens the approval screen on the letter exported.
	Approve key.Binding
	// Forms open the action forms (cases.Actions), in the order of the work.
	Forms []FormKey
}

// FormKey is the key that opens one action's form, named by the action.
type FormKey struct {
	Action  string
	Binding key.Binding
}

// FormKeys are the keys of an open form besides the text it edits.
type FormKeys struct {
	Send, Cancel, Next, Prev, Complete key.Binding
	Left, Right, Tick                  key.Binding // choices and ticks
	Yes, No                            key.Binding // the question before it is sent
}

// OverviewKeys are the overview's keys.
type OverviewKeys struct {
	Back, Org, Report, Register, Help, Quit key.Binding
	// Unsent opens the queue on the cases closed with their answer not
	// sent, the overview's figure.
	Unsent key.Binding
}

// RegisterKeys are the register screen's keys.
type RegisterKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Org, Edit, Back, Help, Quit             key.Binding
}

// DefaultKeys are arrows and vim keys.
func DefaultKeys() KeyMap {
	b := bind
	helpKey, quit := b("?", "this help", "?"), b("q", "quit", "q", "ctrl+c")
	up, down := b("↑/k", "up", "up", "k"), b("↓/j", "down", "down", "j")
	pageUp, pageDown := b("pgup/^u", "page up", "pgup", "ctrl+u"), b("pgdn/^d", "page down", "pgdown", "ctrl+d")
	reveal := b("r", "reveal or mask e-mail", "r")
	k := KeyMap{
		Interrupt: b("ctrl+c", "quit", "ctrl+c"),
		Queue: QueueKeys{
			Up: up, Down: down, PageUp: pageUp, PageDown: pageDown,
			Top:        b("g/home", "first case", "g", "home"),
			Bottom:     b("G/end", "last case", "G", "end"),
			Open:       b("enter", "open the case", "enter"),
			Back:       b("esc", "back; clear the filter", "esc"),
			Filter:     b("/", "filter as you type", "/"),
			Reveal:     reveal,
			Overview:   b("v", "overview of all cases", "v"),
			New:        b("n", "new request", "n"),
			Actions:    b(".", "actions on the case", "."),
			BulkAssign: b("A", "assign the shown cases", "A"),
			BulkTag:    b("T", "tag the shown cases", "T"),
			Sort:       b("S", "next sort order", "S"),
			Help:       helpKey, Quit: quit,
			Quick: QuickKeys{
				Overdue:  b("o", "only overdue", "o"),
				Week:     b("w", "only due within 7 days", "w"),
				Mine:     b("m", "only mine", "m"),
				Status:   b("s", "cycle status", "s"),
				Org:      b("c", "cycle organisation", "c"),
				Right:    b("t", "cycle right", "t"),
				Clear:    b("x", "clear quick filters", "x"),
				Approval: b("a", "only to approve", "a"),
				Unsent:   b("u", "only answer not sent", "u"),
			},
		},
		Filter: FilterKeys{
			Accept: b("enter", "keep the filter; a case ID opens it", "enter"),
			Cancel: b("esc", "clear the filter", "esc"),
			// Not k, j, space or ctrl+u/d: they are text here.
			Up: b("↑", "up", "up"), Down: b("↓", "down", "down"),
			PageUp: b("pgup", "page up", "pgup"), PageDown: b("pgdn", "page down", "pgdown"),
		},
		Case: CaseKeys{
			Up: up, Down: down, PageUp: pageUp, PageDown: pageDown,
			Top:         b("g/home", "top of the case", "g", "home"),
			Bottom:      b("G/end", "end of the case", "G", "end"),
			NextSection: b("tab/]", "next section", "tab", "]"),
			PrevSection: b("S-tab/[", "previous section", "shift+tab", "["),
			Reveal:      reveal,
			Actions:     b("enter", "list of actions", "enter"),
			Export:      b("e", "export the packet", "e"),
			Record:      b("E", "export the case record", "E"),
			Register:    b("O", "register of the organisation", "O"),
			Back:        b("esc", "back to the queue", "esc"),
			Help:        helpKey, Quit: quit,
			Approve: b("L", "approve the letter", "L"),
		},
		Approval: ApprovalKeys{
			Up: up, Down: down, PageUp: pageUp, PageDown: pageDown,
			Top:     b("g/home", "top", "g", "home"),
			Bottom:  b("G/end", "end", "G", "end"),
			Approve: b("y", "approve", "y"),
			Reject:  b("x", "send back", "x"),
			Back:    b("esc", "back to the case", "esc"),
			Help:    helpKey,
			Quit:    quit,
		},
		Form: formKeys(),
		Overview: OverviewKeys{
			Back:     b("esc/v", "back to the queue", "esc", "v"),
			Org:      b("c", "cycle organisation shown", "c"),
			Report:   b("R", "write the register of requests", "R"),
			Register: b("O", "register of the organisation", "O"),
			Unsent:   b("u", "queue of the answers not sent", "u"),
			Help:     helpKey, Quit: quit,
		},
		Register: RegisterKeys{
			Up: up, Down: down, PageUp: pageUp, PageDown: pageDown,
			Top:    b("g/home", "top of the register", "g", "home"),
			Bottom: b("G/end", "end of the register", "G", "end"),
			Org:    b("c", "next organisation", "c"),
			Edit:   b("E", "edit the register in $EDITOR", "E"),
			Back:   b("esc", "back", "esc"),
			Help:   helpKey, Quit: quit,
		},
		Text: textKeys(),
	}
	for _, a := range cases.Actions {
		if typed, ok := actionKeys[a.Name]; ok {
			k.Case.Forms = append(k.Case.Forms, FormKey{Action: a.Name, Binding: b(typed, a.Name, typed)})
		}
	}
	return k
}

// bind is a key binding with its help.
func bind(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// formKeys are the keys of a form, the same on every screen.
func formKeys() FormKeys {
	b := bind
	return FormKeys{
		Send: b("enter", "send", "enter"),
		// ctrl+c closes a form as esc does (Model.key): the help says so
		// here, where the form's keys are listed.
		Cancel:   b("esc/^c", "cancel", "esc"),
		Next:     b("tab/↓", "next", "tab", "down"),
		Prev:     b("shift+tab/↑", "back", "shift+tab", "up"),
		Complete: b("tab", "completes", "tab"),
		Left:     b("←", "previous option", "left"),
		Right:    b("→", "next option", "right"),
		Tick:     b("space", "tick", "space"),
		Yes:      b("y", "yes", "y", "Y", "enter"),
		No:       b("n", "no", "n", "N", "esc"),
	}
}

// actionKeys are the keys that open the forms of the domain's actions
// (cases.Actions), by action name: the one thing about an action the app
// decides itself. TestEveryActionHasAForm fails for an action without one.
var actionKeys = map[string]string{
	"acknowledge": "A", "request-id": "i", "id-received": "I", "verify": "v",
	"request-info": "m", "info-received": "M", "request-authority": "p", "authority-received": "P",
	"request-fee": "f", "fee-paid": "F", "extend": "x", "send": "s", "notify": "N", "recipients": "R",
	"assign": "a", "tag": "t", "untag": "u", "note": "n", "attach": "+", "withhold": "w",
	"close": "c", "reopen": "o", "rebaseline": "B",
	"work": "W", "add-system": "S", "forward": ">", "correct": "C", "void": "V",
}

// textKeys are bubbles/textinput's editing keys, less those a form or the
// filter uses itself (tab, ↑ and ↓ move between fields and rows) and the
// clipboard key: over SSH the clipboard read would be the server's, and the
// terminal's own paste arrives as a paste anyway.
func textKeys() textinput.KeyMap {
	t := textinput.DefaultKeyMap()
	for _, off := range []*key.Binding{&t.AcceptSuggestion, &t.NextSuggestion, &t.PrevSuggestion, &t.Paste} {
		off.SetEnabled(false)
	}
	return t
}

// brief is a binding as a footer names it: the same keys, a shorter word.
func brief(b key.Binding, keyHelp, desc string) key.Binding {
	if keyHelp == "" {
		keyHelp = b.Help().Key
	}
	b.SetHelp(keyHelp, desc)
	return b
}

// form is the binding that opens an action's form.
func (k CaseKeys) form(action string) key.Binding {
	for _, f := range k.Forms {
		if f.Action == action {
			return f.Binding
		}
	}
	return key.Binding{}
}

// ShortHelp is the queue's footer.
func (k QueueKeys) ShortHelp() []key.Binding {
	// enter opens, as everywhere; the room goes to the keys a DPO would
	// not guess.
	return []key.Binding{brief(k.Filter, "", "filter"), brief(k.New, "", "new"),
		brief(k.Quick.Overdue, "", "overdue"), brief(k.Quick.Week, "", "week"), brief(k.Quick.Unsent, "", "not sent"),
		brief(k.Sort, "", "sort"), brief(k.Help, "", "help"), k.Quit}
}

// FullHelp is the queue's help: moving, narrowing and sorting, opening
// and acting; three columns that fit 80 columns.
func (k QueueKeys) FullHelp() [][]key.Binding {
	q := k.Quick
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Help, k.Quit},
		{k.Filter, q.Overdue, q.Week, q.Unsent, q.Mine, q.Status, q.Org, q.Right, q.Approval, q.Clear, k.Sort},
		{k.Open, k.Back, k.Actions, k.New, k.BulkAssign, k.BulkTag, k.Reveal, k.Overview},
	}
}

// ShortHelp is the case screen's footer.
func (k CaseKeys) ShortHelp() []key.Binding {
	return []key.Binding{brief(k.Back, "", "back"), brief(k.Actions, "", "actions"), brief(k.Export, "", "export"),
		brief(k.form("note"), "", "note"), brief(k.form("close"), "", "close"), brief(k.Help, "", "help")}
}

// closedHelp is the footer of a closed case: no close, no work (refused
// until it is reopened), reopen instead.
func (k CaseKeys) closedHelp() []key.Binding {
	return []key.Binding{brief(k.Back, "", "back"), brief(k.Actions, "", "actions"), brief(k.Export, "", "export"),
		brief(k.form("note"), "", "note"), brief(k.form("reopen"), "", "reopen"), brief(k.Help, "", "help")}
}

// workHelp is the footer of a case with a work list: its work first.
func (k CaseKeys) workHelp() []key.Binding {
	return []key.Binding{brief(k.Back, "", "back"), brief(k.Actions, "", "actions"), brief(k.form("work"), "", "work"),
		brief(k.form("add-system"), "", "system"), brief(k.form("forward"), "", "forward"), brief(k.Help, "", "help")}
}

// FullHelp is the case screen's help: reading the case, then its forms.
func (k CaseKeys) FullHelp() [][]key.Binding {
	forms := make([]key.Binding, 0, len(k.Forms))
	for _, f := range k.Forms {
		forms = append(forms, f.Binding)
	}
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.NextSection, k.PrevSection,
		k.Reveal, k.Actions, k.Export, k.Record, k.Register, k.Approve, k.Back, k.Help, k.Quit}, forms}
}

// menuHelp is the footer of the list of actions.
func (k CaseKeys) menuHelp() []key.Binding {
	return []key.Binding{brief(k.Back, "", "closes"), brief(k.Help, "", "help")}
}

// ShortHelp is the overview's footer.
func (k OverviewKeys) ShortHelp() []key.Binding {
	return []key.Binding{brief(k.Back, "esc", "back"), brief(k.Org, "", "organisation"), brief(k.Unsent, "", "not sent"),
		brief(k.Report, "", "report"), brief(k.Register, "", "register"), brief(k.Help, "", "help")}
}

// FullHelp is the overview's help.
func (k OverviewKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Org, k.Unsent, k.Report, k.Register, k.Back, k.Help, k.Quit}}
}

// fieldHelp is a form's footer for the field in focus: how to choose or
// complete it, then how to send, move and cancel.
func (k FormKeys) fieldHelp(kind fieldKind, verb string) []key.Binding {
	var out []key.Binding
	switch kind {
	case fieldChoice:
		out = append(out, brief(k.Right, "←/→", "choose"))
	case fieldMulti:
		out = append(out, brief(k.Right, "←/→", "move"), k.Tick)
	case fieldPath:
		out = append(out, k.Complete)
	}
	return append(out, brief(k.Send, "", verb), k.Next, k.Prev, k.Cancel)
}

// questionHelp is the footer of the question before a form is sent.
func (k FormKeys) questionHelp() []key.Binding { return []key.Binding{k.Yes, k.No} }

// ShortHelp is the register screen's footer.
func (k RegisterKeys) ShortHelp() []key.Binding {
	return []key.Binding{brief(k.Back, "", "back"), brief(k.Edit, "", "edit"), brief(k.Org, "", "organisation"),
		brief(k.Down, "↓", "scroll"), brief(k.Help, "", "help")}
}

// FullHelp is the register screen's help.
func (k RegisterKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Org, k.Edit, k.Back, k.Help, k.Quit}}
}

// ShortHelp is the approval screen's footer.
func (k ApprovalKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Approve, k.Reject, brief(k.Down, "↑/↓", "scroll"), brief(k.Back, "", "back"), k.Help}
}

// FullHelp is the approval screen's help.
func (k ApprovalKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Approve, k.Reject, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Back, k.Help, k.Quit}}
}
