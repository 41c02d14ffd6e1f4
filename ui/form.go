package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
)

// Forms: one short form per action of the command line, sent through the
// same action service. A form is a list of fields; a refused action keeps
// it filled and says why.

type fieldKind int

const (
	fieldText   fieldKind = iota
	fieldChoice           // one of the options, chosen with ←/→ or its first letter
	fieldMulti            // any of the options: ←/→ move, space ticks
	fieldPath             // a file name, completed with tab
)

// field is one input of a form.
type field struct {
	key        string // what the field fills in the event (see event)
	label      string
	kind       fieldKind
	options    []string
	text       string
	cur        int    // text, path: where typing goes, in characters
	at         int    // the chosen (choice) or highlighted (multi) option
	picked     []bool // multi
	required   bool
	hint       string   // shown after the field while it is empty
	candidates []string // path: the names the last tab could complete to
}

func (f *field) value() string {
	if f.kind == fieldChoice {
		if f.at >= 0 && f.at < len(f.options) {
			return f.options[f.at]
		}
		return ""
	}
	return strings.TrimSpace(f.text)
}

func (f *field) values() []string {
	var out []string
	for i, p := range f.picked {
		if p {
			out = append(out, f.options[i])
		}
	}
	return out
}

func (f *field) empty() bool {
	if f.kind == fieldMulti {
		return !slices.Contains(f.picked, true)
	}
	return f.value() == ""
}

// form is an open form: on the case screen (an action on the open case),
// over the queue (a new case, a bulk action on the shown cases).
type form struct {
	def        *actionDef
	title      string
	fields     []field
	focus      int
	warning    string // shown above the keys: a late notice, what a bulk action touches
	confirming bool   // the confirmation question is asked
	bulk       []string
	bulkRevs   map[string]int
	// rev is the revision of the case when the form opened: what the user
	// saw while filling it in, even if a colleague's change is merged into
	// the screen meanwhile. A conflict rebases it on the reloaded case.
	rev    int
	rebase bool
	// restored: the fields hold what was typed before the form was last cancelled.
	restored bool
	sending  bool // sent, waiting for the answer
}

// clone copies the form so that a model's update never changes another's.
func (f *form) clone() *form {
	c := *f
	c.fields = cloneFields(f.fields)
	return &c
}

// cloneFields copies fields with their ticks, so that filling in the copy
// leaves the original as it was.
func cloneFields(fields []field) []field {
	out := slices.Clone(fields)
	for i := range out {
		out[i].picked = slices.Clone(out[i].picked)
	}
	return out
}

func (f *form) get(key string) *field {
	for i := range f.fields {
		if f.fields[i].key == key {
			return &f.fields[i]
		}
	}
	return nil
}

func (f *form) val(key string) string {
	if x := f.get(key); x != nil {
		return x.value()
	}
	return ""
}

// missing names the first required field left empty.
func (f *form) missing() string {
	for i := range f.fields {
		if f.fields[i].required && f.fields[i].empty() {
			return f.fields[i].label
		}
	}
	return ""
}

func text(key, label, hint string, required bool) field {
	return field{key: key, label: label, hint: hint, required: required}
}

func choice[T ~string](key, label string, options []T, chosen T) field {
	f := field{key: key, label: label, kind: fieldChoice}
	for i, o := range options {
		f.options = append(f.options, string(o))
		if o == chosen {
			f.at = i
		}
	}
	return f
}

func multi[T ~string](key, label string, options []T, picked []T, required bool) field {
	f := field{key: key, label: label, kind: fieldMulti, required: required}
	for _, o := range options {
		f.options = append(f.options, string(o))
		f.picked = append(f.picked, slices.Contains(picked, o))
	}
	return f
}

// typeText handles text typed (or pasted) into the field: added to a text,
// a letter that picks an option, a space that ticks one.
func (f *field) typeText(s string) {
	switch f.kind {
	case fieldText, fieldPath:
		r := []rune(f.text)
		f.cur = min(max(f.cur, 0), len(r))
		f.text = string(r[:f.cur]) + s + string(r[f.cur:])
		f.cur += len([]rune(s))
		f.candidates = nil
	case fieldChoice, fieldMulti:
		// A letter jumps to the next option that begins with it.
		if s == " " && f.kind == fieldMulti {
			if f.at < len(f.picked) {
				f.picked[f.at] = !f.picked[f.at]
			}
			return
		}
		for k := 1; k <= len(f.options); k++ {
			i := (f.at + k) % len(f.options)
			if strings.HasPrefix(f.options[i], strings.ToLower(s)) {
				f.at = i
				return
			}
		}
	}
}

func (f *field) backspace() {
	if r := []rune(f.text); f.cur > 0 && f.cur <= len(r) && (f.kind == fieldText || f.kind == fieldPath) {
		f.text = string(r[:f.cur-1]) + string(r[f.cur:])
		f.cur--
		f.candidates = nil
	}
}

// deleteForward removes the character under the cursor (the delete key).
func (f *field) deleteForward() {
	if r := []rune(f.text); f.cur >= 0 && f.cur < len(r) && (f.kind == fieldText || f.kind == fieldPath) {
		f.text = string(r[:f.cur]) + string(r[f.cur+1:])
		f.candidates = nil
	}
}

// setText replaces the text, the cursor at its end.
func (f *field) setText(s string) {
	f.text, f.cur, f.candidates = s, len([]rune(s)), nil
}

// moveCursor moves the cursor in a text by d characters, kept within it (a
// large d goes to an end).
func (f *field) moveCursor(d int) {
	f.cur = min(max(f.cur+d, 0), len([]rune(f.text)))
}

// editable reports whether the field takes typed text.
func (f *field) editable() bool { return f.kind == fieldText || f.kind == fieldPath }

func (f *field) step(d int) {
	if n := len(f.options); n > 0 && (f.kind == fieldChoice || f.kind == fieldMulti) {
		f.at = (f.at + d + n) % n
	}
}

// expandHome reads a leading ~/ as the home folder, as a shell does.
func expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return path
}

// completionMsg is what a folder holds for the path typed so far.
type completionMsg struct {
	typed string   // the text completed (stale if the field changed since)
	dir   string   // the folder part, as it will be shown
	base  string   // the name part typed
	names []string // the folder's entries that begin with it (folders end in /)
}

// completePath lists, off the update loop, the entries of the folder a
// typed path points into that begin with its last part.
func completePath(typed string) tea.Cmd {
	return func() tea.Msg {
		dir, base := filepath.Split(expandHome(typed))
		look := dir
		if look == "" {
			look = "."
		}
		msg := completionMsg{typed: typed, dir: dir, base: base}
		entries, err := os.ReadDir(look)
		if err != nil {
			return msg
		}
		for _, e := range entries {
			n := e.Name()
			if !strings.HasPrefix(n, base) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".")) {
				continue
			}
			if e.IsDir() {
				n += string(filepath.Separator)
			}
			msg.names = append(msg.names, n)
		}
		return msg
	}
}

// complete extends the path like a shell: to the longest prefix the
// matching names share, listing them when there are several. It reports
// whether it could do anything.
func (f *field) complete(msg completionMsg) bool {
	f.candidates = nil
	if len(msg.names) == 0 {
		return false
	}
	common := []rune(msg.names[0])
	for _, n := range msg.names[1:] {
		for !strings.HasPrefix(n, string(common)) {
			common = common[:len(common)-1]
		}
	}
	grew := len(string(common)) > len(msg.base)
	f.setText(msg.dir + string(common))
	if len(msg.names) > 1 {
		f.candidates = msg.names
	}
	return grew || len(msg.names) > 1
}

// formLines renders the form as lines of the given width: its title, each
// field, the error or warning, and its keys.
func (m Model) formLines(f *form, width int) []string {
	st, p := m.styles, cases.Printable
	out := []string{st.Header.Render(fit("── "+f.title+" ", width))}
	for i := range f.fields {
		x := &f.fields[i]
		focused := i == f.focus && !f.confirming && !f.sending
		mark := "  "
		label := fit(x.label, 14)
		if focused {
			mark = st.Key.Render("› ")
			label = st.Key.Render(label)
		} else {
			label = st.Label.Render(label)
		}
		var value string
		switch x.kind {
		case fieldText, fieldPath:
			value = p(x.text)
			if focused {
				r := []rune(x.text)
				at := min(max(x.cur, 0), len(r))
				value = p(string(r[:at])) + "▏" + p(string(r[at:]))
			}
			if x.text == "" && x.hint != "" {
				value += st.Dim.Render(x.hint)
			}
		case fieldChoice:
			value = "‹ " + p(x.value()) + " ›"
			if focused {
				value = st.Selected.Render(value)
			}
		case fieldMulti:
			var items []string
			for k, o := range x.options {
				box := "[ ] "
				if x.picked[k] {
					box = "[x] "
				}
				item := box + p(o)
				if focused && k == x.at {
					item = st.Selected.Render(item)
				}
				items = append(items, item)
			}
			// Whole options to a line, never one cut in two.
			line, room := mark+label+" ", width-17
			used := 0
			for _, item := range items {
				w := ansi.StringWidth(item) + 2
				if used > 0 && used+w > room {
					out = append(out, line)
					line, used = strings.Repeat(" ", 17), 0
				}
				line += item + "  "
				used += w
			}
			if x.required && x.empty() && !focused {
				line += st.Dim.Render("(required)")
			}
			out = append(out, line)
			continue
		}
		if x.required && x.empty() && !focused {
			value += st.Dim.Render(" (required)")
		}
		out = append(out, wrapHang(mark+label+" "+value, width, 17)...)
		if x.kind == fieldPath && focused && len(x.candidates) > 0 {
			out = append(out, wrapHang(strings.Repeat(" ", 17)+st.Dim.Render(p(strings.Join(x.candidates, "  "))), width, 17)...)
		}
	}
	if f.restored {
		out = append(out, st.Dim.Render(fit("  what you typed before is back; ctrl+u clears a field", width)))
	}
	if f.warning != "" {
		out = append(out, wrapHang(st.Soon.Render("⚠ "+f.warning), width, 2)...)
	}
	if m.err != "" {
		out = append(out, wrapHang(st.Error.Render("! "+m.err), width, 2)...)
	}
	if f.sending {
		what := "sending…"
		if len(f.bulk) > 0 {
			what = fmt.Sprintf("applying to %d cases…", len(f.bulk))
		}
		return append(out, st.Dim.Render(what))
	}
	if f.confirming {
		out = append(out, wrapHang(st.Key.Render(m.confirmQuestion(f))+"  "+st.Dim.Render("y yes · n no"), width, 2)...)
		return out
	}
	verb := "send"
	if f.def.name == "export" {
		verb = "export"
	}
	keys := "enter " + verb + " · tab/↓ next · shift+tab/↑ back · esc cancel"
	if x := f.focused(); x != nil {
		switch x.kind {
		case fieldChoice:
			keys = "←/→ choose · " + keys
		case fieldMulti:
			keys = "←/→ move · space tick · " + keys
		case fieldPath:
			keys = "tab completes · " + keys
		}
	}
	out = append(out, st.Dim.Render(fit(keys, width)))
	return out
}

func (f *form) focused() *field {
	if f.focus >= 0 && f.focus < len(f.fields) {
		return &f.fields[f.focus]
	}
	return nil
}

// confirmQuestion is what is asked before a form that matters is sent.
func (m Model) confirmQuestion(f *form) string {
	id := ""
	if m.detail != nil {
		id = m.detail.loaded.Case.ID
	}
	switch f.def.name {
	case "close":
		q := fmt.Sprintf("Close %s as %s", id, f.val("outcome"))
		if g := f.get("ground"); g != nil && len(g.values()) > 0 {
			q += " (" + strings.Join(g.values(), ", ") + ")"
		}
		return q + "?"
	case "reopen":
		return fmt.Sprintf("Reopen %s (%s)?", id, f.val("reason"))
	case "withhold":
		return fmt.Sprintf("Withhold %s from the subject?", cases.Printable(f.val("file")))
	case "send":
		return fmt.Sprintf("Record that the %s letter of %s was sent?", f.val("letter"), id)
	case "extend":
		return fmt.Sprintf("Extend %s although the notice would be late?", id)
	case "bulk-assign":
		return fmt.Sprintf("Assign the %d shown cases to %s?", len(f.bulk), cases.Printable(f.val("to")))
	case "bulk-tag":
		return fmt.Sprintf("Tag the %d shown cases %s?", len(f.bulk), cases.Printable(f.val("tags")))
	}
	return "Send?"
}
