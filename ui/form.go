package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// Forms: one short form per action of the command line, sent through the
// same action service. A form is a list of generic fields (a key, a label,
// a kind, whether it is required, its options and hint), made from the
// domain's table of actions (actions.go); a refused action keeps it filled,
// says why and puts the cursor on the field the refusal names.

type fieldKind int

const (
	fieldText   fieldKind = iota
	fieldChoice           // one of the options, chosen with ←/→ or its first letter
	fieldMulti            // any of the options: ←/→ move, space ticks
	fieldPath             // a file name, completed with tab
)

// field is one input of a form.
type field struct {
	key        string // the field's name in the action or intake table (cases.Field.Name)
	label      string
	kind       fieldKind
	options    []string
	input      textinput.Model // text, path: the text and where typing goes
	at         int             // the chosen (choice) or highlighted (multi) option
	picked     []bool          // multi
	required   bool
	hint       string   // shown after the field while it is empty
	candidates []string // path: the names the last tab could complete to
	// shown are a choice's options as the screen names them (an item's
	// name and where it stands), where they differ from the values sent.
	shown []string
	// suffix follows a text as typed: the zone a time is read in.
	suffix string
	// unoffered follows a choice while it has the focus: the options the
	// case cannot take now, and why.
	unoffered string
	// hidden fields are neither shown, nor sent, nor required: the
	// details a result does not take, why late while the time is recent.
	hidden bool
	// typed is what was typed on a list to pick an option by its name,
	// until an arrow or another field.
	typed string
	// kept marks a text brought back from a cancelled form's draft, until
	// its first key: typing replaces it (what is typed next never merges
	// with it unseen), a cursor key or backspace keeps it to edit.
	kept bool
	// lines: the field keeps a pasted text's line breaks (multiline).
	lines bool
}

// newInput is a text input with the app's editing keys. Its own view is
// not used (the form shows the whole text, wrapped, with a cursor mark
// that does not blink, which would redraw the line twice a second over SSH).
func newInput(keys textinput.KeyMap) textinput.Model {
	in := textinput.New()
	in.KeyMap = keys
	in.Prompt = ""
	in.SetVirtualCursor(false)
	in.Focus()
	return in
}

// edit applies a key or a paste to a text input. The text is copied first:
// textinput edits its runes in place, and the model before this message
// still holds them.
func edit(in textinput.Model, msg tea.Msg) textinput.Model {
	pos := in.Position()
	in.SetValue(in.Value())
	in.SetCursor(pos)
	in, _ = in.Update(msg)
	return in
}

// withCursor is an input's text with a mark where typing goes.
func withCursor(in textinput.Model) string {
	r := []rune(in.Value())
	at := min(max(in.Position(), 0), len(r))
	return cases.Printable(string(r[:at])) + "▏" + cases.Printable(string(r[at:]))
}

func (f *field) text() string { return f.input.Value() }

// setText replaces the text, the cursor at its end.
func (f *field) setText(s string) {
	f.input.SetValue(s)
	f.input.CursorEnd()
	f.candidates = nil
}

func (f *field) value() string {
	if f.kind == fieldChoice {
		if f.at >= 0 && f.at < len(f.options) {
			return f.options[f.at]
		}
		return ""
	}
	if f.multiline() {
		return strings.TrimSpace(strings.ReplaceAll(f.text(), lineBreak, "\n"))
	}
	return strings.TrimSpace(f.text())
}

// lineBreak stands for a line break in a one-line field: a text pasted
// into a request's wording, a note or reasons keeps its lines, as
// evidence, and the value sent has them back.
const lineBreak = "⏎"

// multiline reports whether the field keeps the line breaks of a text
// pasted into it: a request's own words, a note, reasons.
func (f *field) multiline() bool {
	return f.kind == fieldText && (f.key == "text" || f.key == "reason" || f.lines)
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

// editable reports whether the field takes typed text.
func (f *field) editable() bool { return f.kind == fieldText || f.kind == fieldPath }

func (f *field) step(d int) {
	f.typed = ""
	if n := len(f.options); n > 0 && (f.kind == fieldChoice || f.kind == fieldMulti) {
		f.at = (f.at + d + n) % n
	}
}

// pick handles a letter typed on a list: it goes to the first option,
// from the one chosen on, whose name begins with all that was typed ("cr"
// then "i": crisp, where every organisation begins with c), else one whose
// name holds it ("legal" finds "art17-3-b (a legal obligation)"). A letter
// that no name continues starts again from that letter alone, on the
// option after the chosen one, so that typing one letter again steps
// through the options that begin with it; a letter no name holds is
// ignored.
func (f *field) pick(s string) {
	if f.find(f.typed+s, 0) {
		f.typed += s
		return
	}
	if f.find(s, 1) {
		f.typed = s
	}
}

// find chooses the first option from the chosen one plus skip, round the
// list, whose name begins with typed, else holds it; it reports whether
// one does.
func (f *field) find(typed string, skip int) bool {
	typed = strings.ToLower(typed)
	for _, match := range []func(string, string) bool{strings.HasPrefix, strings.Contains} {
		for k := range len(f.options) {
			i := (f.at + skip + k) % len(f.options)
			if match(strings.ToLower(f.optionName(i)), typed) {
				f.at = i
				return true
			}
		}
	}
	return false
}

// optionName is option i as the screen names it: its shown name where it
// has one, a ground with its meaning (a slug alone says little to whoever
// does not know the article by heart), else the value sent.
func (f *field) optionName(i int) string {
	switch {
	case i < 0 || i >= len(f.options):
		return ""
	case i < len(f.shown):
		return f.shown[i]
	case f.key == "ground":
		return cases.GroundLabel(f.options[i])
	}
	return f.options[i]
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

// form is an open form: on the case screen (an action on the open case),
// over the queue (a new case, a bulk action on the shown cases). A model
// shares it with the model before; it is cloned before any change.
type form struct {
	// name is the action's ("close"), or "new", "bulk-assign",
	// "bulk-tag", "export": what the form does and its draft's name.
	name       string
	action     *cases.Action // the action on a case or cases, if it is one
	keys       FormKeys
	title      string
	fields     []field
	focus      int
	warning    string // shown above the keys: a late notice, what a bulk action touches
	confirming bool   // the confirmation question is asked
	bulk       []string
	bulkRevs   map[string]int
	bulkOpen   bool // the unfiltered queue's open cases, not the shown ones
	// rev is the revision of the case when the form opened: what the user
	// saw while filling it in, even if a colleague's change is merged into
	// the screen meanwhile. A conflict rebases it on the reloaded case.
	rev    int
	rebase bool
	// draftAt is when the form was cancelled with text typed: on a draft
	// kept, and on the form that draft fills when it opens again (zero on
	// a form that opened empty).
	draftAt time.Time
	sending bool // sent, waiting for the answer
	// refused is the field a refusal or a missing value names, marked
	// until the next key; conflict is what a colleague's change met, and
	// compare its facts as the form has them and as the case has them now.
	refused  string
	conflict *storage.Conflict
	compare  []string
}

// ready gives a form just made its keys and its text fields their inputs.
func (f *form) ready(k KeyMap) *form {
	f.keys = k.Form
	for i := range f.fields {
		if x := &f.fields[i]; x.editable() {
			typed := x.text()
			x.input = newInput(k.Text)
			x.input.SetValue(typed)
		}
	}
	return f
}

// clone copies the form so that a model's update never changes another's.
func (f *form) clone() *form {
	c := *f
	c.fields = cloneFields(f.fields)
	return &c
}

// cloneFields copies fields with their ticks, so that filling in the copy
// leaves the original as it was (texts are copied as they are edited).
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

func (f *form) focused() *field {
	if f.focus >= 0 && f.focus < len(f.fields) {
		return &f.fields[f.focus]
	}
	return nil
}

// missing is the first required field left empty, or -1.
func (f *form) missing() int {
	return slices.IndexFunc(f.fields, func(x field) bool { return x.required && !x.hidden && x.empty() })
}

// focusOn moves the focus to the field of that name, if the form has it,
// showing it if it was hidden: a refusal names what must be filled.
func (f *form) focusOn(name string) {
	if i := slices.IndexFunc(f.fields, func(x field) bool { return x.key == name }); i >= 0 {
		f.focus = i
		f.fields[i].hidden = false
	}
}

// asks reports whether the form asks before it is sent: a bulk action, an
// action the domain marks (a closing, a letter, a file withheld), and an
// extension whose notice would be late.
func (f *form) asks() bool {
	switch {
	case strings.HasPrefix(f.name, "bulk-"):
		return true
	case f.action == nil:
		return false
	}
	return f.action.Confirm || f.action.Kind == cases.EventExtensionDecided && f.warning != ""
}

// move puts the focus d fields on, round the form, over hidden fields.
func (f *form) move(d int) {
	if x := f.focused(); x != nil {
		x.typed = ""
	}
	n := max(1, len(f.fields))
	for range n {
		f.focus = (f.focus + d + n) % n
		if x := f.focused(); x == nil || !x.hidden {
			return
		}
	}
}

// paste puts pasted text into the text in focus: one clean line, its
// line breaks kept as ⏎ where the field keeps them.
func (f *form) paste(msg tea.PasteMsg) *form {
	if f.confirming || f.sending {
		return f
	}
	f = f.clone()
	if x := f.focused(); x != nil && x.editable() {
		if x.multiline() {
			msg.Content = strings.ReplaceAll(sanitizeLines(msg.Content), "\n", lineBreak)
		} else {
			msg.Content = sanitizeInput(msg.Content)
		}
		if x.kept {
			x.setText("")
		}
		x.kept = false
		x.input = edit(x.input, msg)
		x.candidates = nil
	}
	return f
}

// printable reports whether a key types text (a letter, a digit, a
// space), as opposed to moving, deleting or a control key.
func printable(msg tea.KeyPressMsg) bool {
	return msg.Key().Text != "" && msg.Key().Mod&^tea.ModShift == 0
}

// completed extends the path in focus with what its folder holds, if it is
// still the text the completion was asked for; nothing to complete moves on.
func (f *form) completed(msg completionMsg) *form {
	x := f.focused()
	if x == nil || x.kind != fieldPath || x.text() != msg.typed {
		return f
	}
	f = f.clone()
	x = f.focused()
	if !x.complete(msg) {
		f.move(1)
	}
	return f
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

// key handles a key in a form that is neither sending nor asking: moving
// between fields, choosing, ticking and typing. It returns the form as the
// key leaves it and a command (a path completion) if any.
func (f *form) key(msg tea.KeyPressMsg) (*form, tea.Cmd) {
	f = f.clone()
	k, x := f.keys, f.focused()
	switch {
	case key.Matches(msg, k.Complete) && x != nil && x.kind == fieldPath && x.text() != "":
		return f, completePath(x.text()) // the next field if nothing completes
	case key.Matches(msg, k.Next):
		f.move(1)
	case key.Matches(msg, k.Prev):
		f.move(-1)
	case x == nil:
	case x.editable() && x.multiline() && (msg.String() == "ctrl+j" || msg.String() == "alt+enter"):
		// A line break typed into a text that keeps them: shown as ⏎,
		// sent as a line break (enter sends the form).
		x.kept = false
		x.input = edit(x.input, tea.PasteMsg{Content: lineBreak})
		x.candidates = nil
	case x.editable():
		before := x.text()
		if x.kept && printable(msg) {
			x.setText("")
		}
		x.kept = false
		x.input = edit(x.input, msg)
		if x.text() != before {
			x.candidates = nil
		}
	case key.Matches(msg, k.Left):
		x.step(-1)
	case key.Matches(msg, k.Right):
		x.step(1)
	case key.Matches(msg, k.Tick) && x.kind == fieldMulti:
		if x.at < len(x.picked) {
			x.picked[x.at] = !x.picked[x.at]
		}
	default:
		if t := sanitizeInput(msg.Key().Text); t != "" && t != " " {
			x.pick(t)
		}
	}
	refusalNeeds(f)
	return f, nil
}

// lines renders the form as lines of the given width, at most height of
// them: its title, each field, the error or warning, and its keys or its
// question. Where the fields do not fit they scroll, the focused field
// always on screen with the error and the keys below it.
func (f *form) lines(width, height int, st Styles, h help.Model, errLine, question string) []string {
	head := []string{st.Header.Render(fit("── "+f.title+" ", width))}
	var body []string
	from, to := 0, 0 // the focused field's lines in body
	for i := range f.fields {
		if f.fields[i].hidden {
			continue
		}
		if i == f.focus {
			from = len(body)
		}
		body = append(body, f.fieldLines(i, width, st)...)
		if i == f.focus {
			to = len(body)
		}
	}
	tail := f.tail(width, st, h, errLine, question)
	return append(append(head, scrolled(body, from, to, height-len(head)-len(tail), width, st)...), tail...)
}

// tail is what follows a form's fields: a restored draft's note, the
// warning, the error and what a conflict met, then the keys or the
// question.
func (f *form) tail(width int, st Styles, h help.Model, errLine, question string) []string {
	var out []string
	if !f.draftAt.IsZero() {
		out = append(out, wrapHang(st.Dim.Render("draft kept from "+f.draftAt.Local().Format("15:04 MST")+
			": what you typed before is back; typing replaces a field's kept text, → or backspace edits it"), width, 2)...)
	}
	if f.warning != "" {
		out = append(out, wrapHang(st.Soon.Render("⚠ "+f.warning), width, 2)...)
	}
	if errLine != "" {
		out = append(out, wrapHang(st.Error.Render("! "+errLine), width, 2)...)
		for _, c := range f.compare {
			out = append(out, wrapHang("  "+c, width, 4)...)
		}
	}
	switch {
	case f.sending:
		what := "sending…"
		if len(f.bulk) > 0 {
			what = fmt.Sprintf("applying to %s…", cases.Plural(len(f.bulk), "case"))
		}
		return append(out, st.Dim.Render(what))
	case f.confirming:
		// The question wraps at words; its keys stay whole, after it on
		// its last line where they fit, else on a line of their own.
		q, keys := wrapHang(st.Key.Render(question), width, 2), h.ShortHelpView(f.keys.questionHelp())
		if last := q[len(q)-1]; ansi.StringWidth(last)+2+ansi.StringWidth(keys) <= width {
			q[len(q)-1] = last + "  " + keys
		} else {
			q = append(q, "  "+keys)
		}
		return append(out, q...)
	}
	verb, kind := "send", fieldText
	if f.name == "export" {
		verb = "export"
	}
	if x := f.focused(); x != nil {
		kind = x.kind
	}
	return append(out, fit(h.ShortHelpView(f.keys.fieldHelp(kind, verb)), width))
}

// scrolled is the window of a form's field lines that fits in room lines,
// with the focused field's lines (from, to) in it and a line above and
// below saying how many are out of sight.
func scrolled(body []string, from, to, room, width int, st Styles) []string {
	if len(body) <= room {
		return body
	}
	more := func(arrow string, n int) string {
		return st.Dim.Render(fit("  "+arrow+" "+strings.Replace(cases.Plural(n, "line"), " ", " more ", 1), width))
	}
	if room < 3 { // only the focused field, from its first line
		return body[from:min(len(body), from+max(1, room))]
	}
	var start, end int
	switch {
	case to <= room-1: // from the top, a line saying what is below
		start, end = 0, room-1
	case from >= len(body)-(room-1): // to the end, a line saying what is above
		start, end = len(body)-(room-1), len(body)
	default:
		start = max(0, to-(room-2))
		start = min(start, from) // a field taller than the window shows its top
		end = start + room - 2
	}
	out := make([]string, 0, room)
	if start > 0 {
		out = append(out, more("↑", start))
	}
	out = append(out, body[start:end]...)
	if end < len(body) {
		out = append(out, more("↓", len(body)-end))
	}
	return out
}

// fieldLines renders one field: its label and its text, choice or ticks.
func (f *form) fieldLines(i, width int, st Styles) []string {
	x, p := &f.fields[i], cases.Printable
	focused := i == f.focus && !f.confirming && !f.sending
	mark, label := "  ", st.Label.Render(fit(x.label, 14))
	if focused {
		mark, label = st.Key.Render("› "), st.Key.Render(fit(x.label, 14))
	}
	if x.key == f.refused && f.refused != "" {
		// The field a refusal names, marked in words as well as colour.
		mark, label = st.Error.Render(refusedMark(focused)), st.Error.Render(fit(x.label, 13))
	}
	required, note := "", ""
	if x.required && x.empty() && !focused {
		required, note = st.Dim.Render(" (required)"), st.Dim.Render("(required)")
	}
	var value string
	switch x.kind {
	case fieldText, fieldPath:
		value = p(x.text())
		if focused {
			value = withCursor(x.input)
		}
		if x.text() == "" && x.hint != "" {
			value += st.Dim.Render(x.hint)
		} else if x.suffix != "" {
			value += " " + st.Dim.Render(x.suffix)
		}
	case fieldChoice:
		value = "‹ " + p(x.optionName(x.at)) + " ›"
		if focused {
			value = st.Selected.Render(value)
			if x.typed != "" {
				value += st.Dim.Render(" typed: " + p(x.typed))
			}
			if x.unoffered != "" {
				value += " " + st.Dim.Render(p(x.unoffered))
			}
		}
	case fieldMulti:
		if focused && x.typed != "" {
			note += st.Dim.Render(" typed: " + p(x.typed))
		}
		return x.ticks(mark+label+" ", width, focused, note, st)
	}
	out := wrapHang(mark+label+" "+value+required, width, 17)
	if x.kind == fieldPath && focused && len(x.candidates) > 0 {
		out = append(out, wrapHang(strings.Repeat(" ", 17)+st.Dim.Render(p(strings.Join(x.candidates, "  "))), width, 17)...)
	}
	return out
}

// refusedMark is the mark before a refused field (its label then cut a
// cell shorter): "!› " while it has the focus, "!  " once it has moved on.
func refusedMark(focused bool) string {
	if focused {
		return "!› "
	}
	return "!  "
}

// ticks renders a multiple choice: whole options to a line, never one cut in two.
func (x *field) ticks(line string, width int, focused bool, required string, st Styles) []string {
	var out []string
	room, used := width-17, 0
	for k := range x.options {
		box := "[ ] "
		if x.picked[k] {
			box = "[x] "
		}
		item := box + cases.Printable(x.optionName(k))
		if focused && k == x.at {
			item = st.Selected.Render(item)
		}
		w := ansi.StringWidth(item) + 2
		if used > 0 && used+w > room {
			out = append(out, line)
			line, used = strings.Repeat(" ", 17), 0
		}
		line += item + "  "
		used += w
	}
	return append(out, line+required)
}
