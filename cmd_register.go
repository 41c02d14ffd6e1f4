package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage"
)

// The verbs of controllers ID: a register is changed the way Unix people
// change things, in their editor, each save a new version in the database.

// registerVerbs are what may follow controllers ID.
var registerVerbs = []string{"edit", "import", "history", "diff"}

// registerOptions are the flags of controllers.
type registerOptions struct {
	db, dir, reason string
	asJSON, toml    bool
}

// runRegisterVerb runs controllers ID VERB [ARG...].
func (a *app) runRegisterVerb(id, verb string, args []string, o registerOptions) int {
	want := map[string][2]int{"edit": {0, 0}, "import": {1, 1}, "history": {0, 0}, "diff": {0, 2}}[verb]
	if len(args) < want[0] || len(args) > want[1] {
		return a.fail(exitUsage, fmt.Errorf("controllers %s %s: usage: controllers ID edit | import FILE | history | diff [V1] [V2]", id, verb))
	}
	switch verb {
	case "edit":
		return a.runRegisterEdit(id, o)
	case "import":
		return a.runRegisterImport(id, args[0], o)
	case "history":
		return a.runRegisterHistory(id, o)
	}
	return a.runRegisterDiff(id, args, o)
}

// registerHistory reads the versions of register id, failing with an
// exit status when there are none.
func (a *app) registerHistory(id, db string) ([]storage.RegisterVersion, int) {
	path := a.dbPath(db)
	versions, err := a.cases(path).RegisterHistory(id)
	switch {
	case errors.Is(err, storage.ErrNoDatabase):
		return nil, a.fail(exitRefused, fmt.Errorf("no database at %s yet: rightsdesk init makes one, with the built-in registers", path))
	case err != nil:
		return nil, a.storeFailure(err)
	case len(versions) == 0:
		return nil, a.fail(exitUsage, fmt.Errorf("controllers: no register %q in %s (controllers lists them; controllers %s import FILE adds one)", id, path, id))
	}
	return versions, exitOK
}

// runRegisterImport stores a file as the next version of register id.
func (a *app) runRegisterImport(id, file string, o registerOptions) int {
	data, err := os.ReadFile(file)
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("controllers %s import: %w", id, err))
	}
	reason := o.reason
	if strings.TrimSpace(reason) == "" {
		reason = "imported from " + filepath.Base(file)
	}
	return a.storeRegister(id, o.db, data, 0, reason, nil)
}

// storeRegister stores data as the next version of register id and says
// what was stored, and which changed facts could not be marked as the
// DPO's (unmarked). base: see storage.PutRegister.
func (a *app) storeRegister(id, db string, data []byte, base int, reason string, unmarked []string) int {
	a.beginWrite()
	v, stored, err := a.cases(a.dbPath(db)).PutRegister(id, data, base, a.actor(), reason, a.clock.Now())
	return a.reportStored(id, v, stored, err, reason, unmarked)
}

// reportStored says what storing a register version did.
func (a *app) reportStored(id string, v storage.RegisterVersion, stored bool, err error, reason string, unmarked []string) int {
	actor := a.actor()
	var reg *register.RegisterError
	switch {
	case errors.As(err, &reg):
		return a.fail(exitUsage, err)
	case err != nil:
		return a.storeFailure(err)
	case !stored:
		fmt.Fprintf(a.stdout, "%s: nothing changed (the file is version %d)\n", cases.Printable(id), v.Number)
		return exitOK
	}
	fmt.Fprintf(a.stdout, "%s: version %d stored (sha256 %.8s) by %s: %s\n", cases.Printable(id), v.Number, v.SHA256,
		cases.Printable(actor), cases.Printable(reason))
	for _, field := range unmarked {
		fmt.Fprintf(a.stdout, "  %s changed inside a list item: set its item's source = \"dpo\" if the value is yours\n", cases.Printable(field))
	}
	return exitOK
}

// runRegisterHistory lists the versions of register id.
func (a *app) runRegisterHistory(id string, o registerOptions) int {
	versions, status := a.registerHistory(id, o.db)
	if status != exitOK {
		return status
	}
	if o.asJSON {
		return a.printJSON(versions)
	}
	p := cases.Printable
	fmt.Fprintf(a.stdout, "%-7s %-8s %-20s %-16s %s\n", "VERSION", "SHA256", "STORED", "BY", "WHY")
	for _, v := range versions {
		fmt.Fprintf(a.stdout, "%-7d %.8s %-20s %s %s\n", v.Number, v.SHA256, v.At.Format("2006-01-02 15:04 MST"),
			pad(clip(p(v.Actor), 16), 16), p(v.Reason))
	}
	return exitOK
}

// runRegisterDiff shows what changed between two versions, fact by fact:
// by default the one before the current and the current; one number
// compares that version with the current.
func (a *app) runRegisterDiff(id string, args []string, o registerOptions) int {
	versions, status := a.registerHistory(id, o.db)
	if status != exitOK {
		return status
	}
	cur := len(versions)
	from, to := max(cur-1, 1), cur
	for i, arg := range args {
		n, err := strconv.Atoi(strings.TrimPrefix(arg, "v"))
		if err != nil || n < 1 || n > cur {
			return a.fail(exitUsage, fmt.Errorf("controllers %s diff: %q is not a version (1 to %d)", id, arg, cur))
		}
		if i == 0 {
			from = n
		} else {
			to = n
		}
	}
	parse := func(v storage.RegisterVersion) (*register.Register, error) {
		return register.ParseRegister(fmt.Sprintf("database/version-%d/%s.toml", v.Number, id), v.TOML)
	}
	old, err := parse(versions[from-1])
	if err != nil {
		return a.fail(exitUsage, err)
	}
	new, err := parse(versions[to-1])
	if err != nil {
		return a.fail(exitUsage, err)
	}
	changes := register.Diff(old, new)
	if o.asJSON {
		return a.printJSON(struct {
			From    int               `json:"from"`
			To      int               `json:"to"`
			Changes []register.Change `json:"changes"`
		}{from, to, append([]register.Change{}, changes...)})
	}
	p := cases.Printable
	fmt.Fprintf(a.stdout, "%s: version %d -> version %d, %d fact(s) changed\n", p(id), from, to, len(changes))
	for _, c := range changes {
		switch {
		case c.OldSource == "":
			fmt.Fprintf(a.stdout, "  + %s = %s [%s]\n", p(c.Field), p(c.New), c.NewSource)
		case c.NewSource == "":
			fmt.Fprintf(a.stdout, "  - %s = %s [%s]\n", p(c.Field), p(c.Old), c.OldSource)
		default:
			fmt.Fprintf(a.stdout, "  ~ %s: %s [%s] -> %s [%s]\n", p(c.Field), p(c.Old), c.OldSource, p(c.New), c.NewSource)
		}
	}
	return exitOK
}

// noteOverride says, on stderr, when the override folder holds a file for
// register id that differs from the register in use: it is not applied,
// and import stores it.
func (a *app) noteOverride(r *register.Register) {
	dir := configRegisters(a.getenv)
	if dir == "" {
		return
	}
	file := filepath.Join(dir, r.ID+".toml")
	data, err := os.ReadFile(file)
	// The stored TOML's version line is the stored number, whatever the
	// file said: the rest tells whether the file was imported.
	if err != nil || bytes.Equal(storage.WithVersionLine(data, 1), storage.WithVersionLine(r.Source(), 1)) {
		return
	}
	fmt.Fprintf(a.stderr, "rightsdesk: %s is not applied (registers live in the database); to store it as %s's next version: rightsdesk controllers %s import %s\n",
		cases.Printable(file), cases.Printable(r.ID), cases.Printable(r.ID), cases.Printable(file))
}

// editorCommand runs the user's editor on file: $VISUAL, else $EDITOR,
// else vi, through sh so that the variable may carry arguments.
func (a *app) editorCommand(file string) *exec.Cmd {
	editor := strings.TrimSpace(a.getenv("VISUAL"))
	if editor == "" {
		editor = strings.TrimSpace(a.getenv("EDITOR"))
	}
	if editor == "" {
		editor = "vi"
	}
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "sh", file)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	return cmd
}

// editMarker starts the lines rightsdesk adds to the file it opens in the
// editor (instructions, errors, a colleague's newer version): they are
// removed when the file is read back, wherever they are. A register's own
// comments start with "#" alone and are kept.
const editMarker = "#| "

// editState is one round of controllers ID edit: the text shown, the
// version it was made from, and what to say above it.
type editState struct {
	text   []byte
	base   storage.RegisterVersion
	shown  *register.Register // base, parsed: changed facts are compared with it
	errors []string
}

// runRegisterEdit opens the current version of register id in the editor
// and stores what is saved, once it is valid (see controllersCommand).
func (a *app) runRegisterEdit(id string, o registerOptions) int {
	versions, status := a.registerHistory(id, o.db)
	if status != exitOK {
		return status
	}
	st := editState{}
	if err := st.rebase(id, versions[len(versions)-1], nil); err != nil {
		return a.fail(exitUsage, err)
	}
	reason := o.reason
	if strings.TrimSpace(reason) == "" {
		reason = "edited with rightsdesk controllers " + id + " edit"
	}
	dir, err := os.MkdirTemp("", "rightsdesk-edit-")
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("controllers %s edit: %w", id, err))
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, id+".toml") // MkdirTemp makes the folder 0700; the file is 0600
	for {
		edited, err := a.editOnce(file, st)
		if err != nil {
			return a.fail(exitUsage, fmt.Errorf("controllers %s edit: %w", id, err))
		}
		switch {
		case len(bytes.TrimSpace(edited)) == 0:
			return a.fail(exitRefused, fmt.Errorf("controllers %s edit: edit abandoned: the file was saved empty; nothing stored", id))
		case bytes.Equal(edited, st.base.TOML):
			fmt.Fprintf(a.stdout, "%s: nothing changed (version %d)\n", cases.Printable(id), st.base.Number)
			return exitOK
		case bytes.Equal(edited, st.text) && len(st.errors) > 0:
			return a.fail(exitRefused, fmt.Errorf("controllers %s edit: edit abandoned: saved unchanged with errors; nothing stored", id))
		}
		st.text = edited
		if _, err := register.ParseRegister(id+".toml", edited); err != nil {
			st.errors = []string{err.Error()}
			continue
		}
		marked, unmarked, err := register.MarkDPO(st.shown, edited, a.actor(), a.clock.Now())
		if err != nil {
			st.errors = []string{err.Error()}
			continue
		}
		status, retry := a.storeEdited(id, o.db, marked, &st, reason, unmarked)
		if !retry {
			return status
		}
	}
}

// storeEdited stores an edited register; when a colleague stored a version
// meanwhile, it moves st onto theirs, the user's text below it as comments,
// and asks for another round (retry).
func (a *app) storeEdited(id, db string, data []byte, st *editState, reason string, unmarked []string) (status int, retry bool) {
	a.beginWrite()
	v, stored, err := a.cases(a.dbPath(db)).PutRegister(id, data, st.base.Number, a.actor(), reason, a.clock.Now())
	var changed *storage.RegisterChanged
	if !errors.As(err, &changed) {
		return a.reportStored(id, v, stored, err, reason, unmarked), false
	}
	mine := st.text
	if err := st.rebase(id, changed.Current, mine); err != nil {
		return a.fail(exitUsage, err), false
	}
	st.errors = []string{fmt.Sprintf("not stored: %s stored version %d at %s (%s) while you edited version %d.",
		changed.Current.Actor, changed.Current.Number, changed.Current.At.Format("2006-01-02 15:04 MST"),
		changed.Current.Reason, changed.Base),
		"This is their version; your text is below it, as comments: make your changes again here and save."}
	return exitOK, true
}

// rebase makes version v the one being edited; mine, when given, is the
// user's text, kept below it as comments.
func (st *editState) rebase(id string, v storage.RegisterVersion, mine []byte) error {
	r, err := register.ParseRegister(fmt.Sprintf("database/version-%d/%s.toml", v.Number, id), v.TOML)
	if err != nil {
		return err
	}
	st.base, st.shown, st.text = v, r, v.TOML
	if mine != nil {
		var b bytes.Buffer
		b.Write(v.TOML)
		if !bytes.HasSuffix(v.TOML, []byte("\n")) {
			b.WriteByte('\n')
		}
		b.WriteString(editMarker + "---- your edited text, not stored (comments; removed when you save) ----\n")
		for _, line := range strings.SplitAfter(string(mine), "\n") {
			if line != "" {
				b.WriteString(editMarker + strings.TrimRight(line, "\n") + "\n")
			}
		}
		st.text = b.Bytes()
	}
	return nil
}

// editOnce writes st to file with the instructions and errors on top, runs
// the editor and reads back what was saved, without the lines rightsdesk
// added.
func (a *app) editOnce(file string, st editState) ([]byte, error) {
	var b bytes.Buffer
	for _, e := range st.errors {
		for _, line := range strings.Split(cases.Printable(e), "\n") {
			b.WriteString(editMarker + "ERROR: " + line + "\n")
		}
	}
	fmt.Fprintf(&b, "%sregister %s, version %d (sha256 %.8s), stored by %s at %s.\n", editMarker, st.base.Register,
		st.base.Number, st.base.SHA256, cases.Printable(st.base.Actor), st.base.At.Format("2006-01-02 15:04 MST"))
	b.WriteString(editMarker + "Save to store it as the next version (checked first); leave it unchanged to store nothing,\n")
	b.WriteString(editMarker + "or empty it to abandon. Lines starting with \"" + strings.TrimSpace(editMarker) + "\" are removed. A value you change\n")
	b.WriteString(editMarker + "becomes source = \"dpo\", with who and when.\n")
	b.Write(st.text)
	if err := os.WriteFile(file, b.Bytes(), 0o600); err != nil {
		return nil, err
	}
	if err := a.editorCommand(file).Run(); err != nil {
		return nil, fmt.Errorf("the editor failed (%w); nothing stored", err)
	}
	saved, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(saved, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte(strings.TrimSpace(editMarker))) {
			out.Write(line)
		}
	}
	return out.Bytes(), nil
}
