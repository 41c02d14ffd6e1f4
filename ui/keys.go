package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key the app answers to; help is built from it.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back, Filter, Help, Quit, Reveal  key.Binding
	Overdue, Week, Mine, Status, Org, Right key.Binding
	Clear, Overview                         key.Binding
	NextSection, PrevSection                key.Binding // on the case screen
	Export, Record, Actions                 key.Binding // on the case screen; its forms are caseActions
	New, BulkAssign, BulkTag, QueueActions  key.Binding // on the queue
	Report                                  key.Binding // on the overview
}

// DefaultKeys are arrows and vim keys.
func DefaultKeys() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:           b("↑/k", "up", "up", "k"),
		Down:         b("↓/j", "down", "down", "j"),
		PageUp:       b("pgup/^u", "page up", "pgup", "ctrl+u"),
		PageDown:     b("pgdn/^d", "page down", "pgdown", "ctrl+d", " "),
		Top:          b("g/home", "first case", "g", "home"),
		Bottom:       b("G/end", "last case", "G", "end"),
		Open:         b("enter", "open the case", "enter"),
		Back:         b("esc", "back; clear the filter", "esc"),
		Filter:       b("/", "filter as you type", "/"),
		Help:         b("?", "this help", "?"),
		Quit:         b("q", "quit", "q", "ctrl+c"),
		Reveal:       b("r", "reveal or mask e-mail", "r"),
		Overdue:      b("o", "only overdue", "o"),
		Week:         b("w", "only due within 7 days", "w"),
		Mine:         b("m", "only mine", "m"),
		Status:       b("s", "cycle status", "s"),
		Org:          b("c", "cycle organisation", "c"),
		Right:        b("t", "cycle right", "t"),
		Clear:        b("x", "clear quick filters", "x"),
		Overview:     b("v", "overview of all cases", "v"),
		Export:       b("e", "export the packet", "e"),
		Record:       b("E", "export the case record", "E"),
		Actions:      b("enter", "list of actions", "enter"),
		New:          b("n", "new request", "n"),
		QueueActions: b(".", "actions on the case under the cursor", "."),
		BulkAssign:   b("A", "assign the shown cases", "A"),
		BulkTag:      b("T", "tag the shown cases", "T"),
		Report:       b("R", "write the register of requests", "R"),
		NextSection:  b("tab/]", "next section", "tab", "]"),
		PrevSection:  b("S-tab/[", "previous section", "shift+tab", "["),
	}
}

// screenHelp is what one screen answers to, in two columns, for the help view:
// every screen declares its own keys.
func (k KeyMap) screenHelp(s screen) (left, right []key.Binding) {
	back, help, top, bottom := k.Back, k.Help, k.Top, k.Bottom
	switch s {
	case screenCase:
		back.SetHelp("esc", "back to the queue")
		top.SetHelp("g/home", "top of the case")
		bottom.SetHelp("G/end", "end of the case")
		left = []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, top, bottom, k.NextSection, k.PrevSection,
			k.Reveal, k.Actions, k.Export, k.Record, back, help, k.Quit}
		for _, a := range caseActions {
			right = append(right, key.NewBinding(key.WithKeys(a.key), key.WithHelp(a.key, a.name)))
		}
		return left, right
	case screenOverview:
		back.SetHelp("esc/v", "back to the queue")
		org := k.Org
		org.SetHelp("c", "cycle organisation shown")
		return []key.Binding{org, k.Report, back, help, k.Quit}, nil
	}
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, {},
			k.Open, back, k.Filter, k.Reveal, k.Overview, help, k.Quit},
		[]key.Binding{k.Overdue, k.Week, k.Mine, k.Status, k.Org, k.Right, k.Clear, {}, k.QueueActions, k.New, k.BulkAssign, k.BulkTag}
}
