package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

func TestVersion(t *testing.T) {
	status, out, errOut := runCLI(t, nil, "--version")
	if status != 0 || errOut != "" || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "rightsdesk ") || !strings.Contains(out, " commit ") {
		t.Fatalf("--version: %d %q %q", status, out, errOut)
	}
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b"}, {Key: "vcs.modified", Value: "true"}}
	for _, tt := range []struct {
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, true, "rightsdesk (devel) commit 1a2b3c4d (modified)"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: rev[:1]}, true, "rightsdesk v1.4.0 commit 1a2b3c4d"},
		{&debug.BuildInfo{}, true, "rightsdesk (version unknown) commit unknown"}, // go test records neither
		{nil, false, "rightsdesk (version unknown) commit unknown"},
	} {
		if got := versionLine(tt.info, tt.ok); got != tt.want {
			t.Errorf("versionLine = %q, want %q", got, tt.want)
		}
	}
}

func TestHelp(t *testing.T) {
	status, viaHelp, errOut := runCLI(t, nil, "help", "list")
	if status != 0 || errOut != "" {
		t.Fatalf("help list: %d %q", status, errOut)
	}
	for _, want := range []string{"rightsdesk list [flags]", "--overdue", "--due-within SPAN", "--status S", "--json", "--db PATH",
		"Examples:", "rightsdesk list --overdue"} {
		if !strings.Contains(viaHelp, want) {
			t.Errorf("help list lacks %q:\n%s", want, viaHelp)
		}
	}
	if _, viaFlag, _ := runCLI(t, nil, "list", "--help"); viaFlag != viaHelp {
		t.Errorf("list --help differs from help list:\n%s", viaFlag)
	}
	status, out, _ := runCLI(t, nil, "--help")
	for _, want := range []string{"Requests:", "Actions on a case", "acknowledge", "rebaseline", "completion", "man", "--demo", "--color MODE"} {
		if status != 0 || !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
	if status, _, errOut := runCLI(t, nil, "help", "frobnicate"); status != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("help on an unknown command: %d %q", status, errOut)
	}
}

func TestUnknownCommandSuggests(t *testing.T) {
	for _, args := range [][]string{{"lst"}, {"lst", "--json"}, {"help", "lst"}} {
		status, out, errOut := runCLI(t, nil, args...)
		if status != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, `"lst"`) || !strings.Contains(errOut, "did you mean list?") {
			t.Errorf("%v: %d %q %q, want exit 2 and one line naming list", args, status, out, errOut)
		}
	}
}

func TestCommandLineErrorsAreOneLine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"list", "--frobnicate"}, "rightsdesk: list: unknown flag --frobnicate\n"},
		{[]string{"list", "-x"}, "rightsdesk: list: unknown flag -x"},
		{[]string{"list", "--status"}, "rightsdesk: list: flag --status needs a value\n"},
		{[]string{"show"}, "rightsdesk: show: which case? (usage: rightsdesk show ID [flags])\n"},
		{[]string{"show", "A", "B"}, `rightsdesk: show: unexpected argument "B"`},
		{[]string{"note", "DSR-2026-000001", "--if-revision", "two"}, `rightsdesk: note: --if-revision "two": want a whole number`},
		{[]string{"add", "--controller", "crisp"}, "rightsdesk: add: --right is required, as are --subject"},
		{[]string{"tag", "DSR-2026-000001"}, "rightsdesk: tag: TAG is required"},
	}
	for _, tt := range tests {
		args := append([]string{tt.args[0], "--db", db}, tt.args[1:]...)
		status, out, errOut := runCLI(t, nil, args...)
		if status != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, tt.want) {
			t.Errorf("%v: %d %q %q, want exit 2 and %q", tt.args, status, out, errOut, tt.want)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a usage error created the database")
	}
}

func TestFlagsAnywhere(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	// Flags before, between and after the positional arguments; -- ends
	// the flags, so a tag may start with dashes.
	status, _, errOut := runCLI(t, d.env, "--db", d.db, "tag", "--json", id, "vip", "--at", "2026-03-03", "press",
		"--late", "tagged on paper", "--", "--draft")
	if status != 0 {
		t.Fatalf("tag: %s", errOut)
	}
	ev := lastEvent(d.show(id))
	if tags := ev["tags"].([]any); len(tags) != 3 || tags[0] != "vip" || tags[1] != "press" || tags[2] != "--draft" || !strings.HasPrefix(ev["at"].(string), "2026-03-03") {
		t.Errorf("tagged %v at %v", ev["tags"], ev["at"])
	}
	// Flags before the command, a switch among them: the same command.
	for _, args := range [][]string{{"--json", "list"}, {"--all", "--json", "list", "--db", d.db}, {"--status", "new", "--json", "list"},
		{"--db", d.db, "--json", "show", id}} {
		if !slices.Contains(args, "--db") {
			args = append(args, "--db", d.db)
		}
		status, out, errOut := runCLI(t, d.env, args...)
		if status != 0 || !strings.Contains(out, `"id":"`+id+`"`) || strings.Count(out, "\n") != 1 {
			t.Errorf("%v: %d %q %q", args, status, out, errOut)
		}
	}
}

func TestNoCommandStartsTheApp(t *testing.T) {
	env := map[string]string{"XDG_DATA_HOME": t.TempDir()}
	if status, _, errOut := runCLI(t, env, "init"); status != exitOK {
		t.Fatal(errOut)
	}
	x, y := initDB(t, filepath.Join(t.TempDir(), "x.db")), initDB(t, filepath.Join(t.TempDir(), "y.db"))
	for _, args := range [][]string{{}, {"--db", x}, {"--demo"}, {"--color", "none"}, {"--color=16", "--db", y}} {
		// Under go test stdout is not a terminal: the app says so.
		status, out, errOut := runCLI(t, env, args...)
		if status != 2 || out != "" || !strings.Contains(errOut, "needs a terminal") {
			t.Errorf("%v: %d %q", args, status, errOut)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_rightsdesk", "zsh": "#compdef rightsdesk", "fish": "complete -c rightsdesk"} {
		status, out, errOut := runCLI(t, nil, "completion", shell)
		if status != 0 || errOut != "" || !strings.Contains(out, want) {
			t.Errorf("completion %s: %d %q, script lacks %q", shell, status, errOut, want)
		}
	}
}

// complete asks for the words that complete args, as the shell's script
// does, and returns them without their descriptions.
func complete(t *testing.T, env map[string]string, args ...string) []string {
	t.Helper()
	status, out, errOut := runCLI(t, env, append([]string{"__complete"}, args...)...)
	if status != 0 {
		t.Fatalf("__complete %v: %d %s", args, status, errOut)
	}
	var words []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, ":") { // the last line is the directive
			word, _, _ := strings.Cut(line, "\t")
			words = append(words, word)
		}
	}
	return words
}

func TestCompletionFromTheDatabase(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	first := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	second := d.add("--controller", "callrix", "--right", "erasure", "--received", "2026-03-03")
	releaseDB(d.db)
	before, err := storage.Open(d.db, storage.Options{}).AccessLog("")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(d.db)
	time.Sleep(10 * time.Millisecond) // a write would move the modification time
	// The word being completed comes last, as the shell's script passes it.
	if got := strings.Join(complete(t, d.env, "show", "--db", d.db, "DSR-"), " "); got != first+" "+second && got != second+" "+first {
		t.Errorf("show DSR-: %v, want %s and %s", got, first, second)
	}
	if got := complete(t, d.env, "close", "--db", d.db, strings.ToLower(second)); len(got) != 1 || got[0] != second {
		t.Errorf("close %s: %v", strings.ToLower(second), got)
	}
	if got := complete(t, d.env, "show", "--db", d.db, first, ""); len(got) != 0 {
		t.Errorf("show takes one case: %v", got)
	}
	releaseDB(d.db)
	after, _ := storage.Open(d.db, storage.Options{}).AccessLog("")
	if again, _ := os.Stat(d.db); len(after) != len(before) || !again.ModTime().Equal(info.ModTime()) {
		t.Errorf("completing wrote to the database: access log %d -> %d entries", len(before), len(after))
	}
	// What the case and its register hold: its attached files, its recipients.
	file := filepath.Join(t.TempDir(), "orders.csv")
	os.WriteFile(file, []byte("order\n1042\n"), 0o600)
	if status, _, errOut := d.run("attach", first, file); status != 0 {
		t.Fatal(errOut)
	}
	if got := complete(t, d.env, "withhold", "--db", d.db, first, ""); len(got) != 1 || got[0] != "orders.csv" {
		t.Errorf("withhold %s: %v", first, got)
	}
	if got := complete(t, d.env, "notify", "--db", d.db, first, "--recipient", ""); len(got) == 0 {
		t.Errorf("notify --recipient: nothing from crisp's register")
	}
	// No database: nothing offered, nothing created.
	missing := filepath.Join(t.TempDir(), "none.db")
	if got := complete(t, d.env, "show", "--db", missing, ""); len(got) != 0 {
		t.Errorf("completion from no database: %v", got)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("completion created the database")
	}
	// Organisations from the registers, vocabulary after a comma.
	if got := complete(t, d.env, "list", "--controller", ""); !strings.Contains(strings.Join(got, " "), "crisp") || len(got) != 5 {
		t.Errorf("--controller: %v", got)
	}
	if got := complete(t, d.env, "list", "--status", "new,"); len(got) != 5 || got[1] != "new,awaiting-id" {
		t.Errorf("--status new,: %v", got)
	}
}

func TestCompletionGivesUpOnABusyDatabase(t *testing.T) {
	personalOnly(t, "another process holding the local file; in team mode only the server opens it")
	d := newDesk(t, "2026-03-10T12:00:00Z")
	d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	holder := exec.Command(os.Args[0])
	holder.Env = append(os.Environ(), "RIGHTSDESK_TEST_HOLD="+d.db)
	stdin, _ := holder.StdinPipe()
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); holder.Wait() }()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "held\n" {
		t.Fatalf("the holder did not take the lock: %q %v", line, err)
	}
	start := time.Now()
	status, out, _ := runCLI(t, d.env, "__complete", "show", "--db", d.db, "DSR-")
	if took := time.Since(start); status != 0 || took > completionLockTimeout+time.Second || strings.Contains(out, "DSR-") {
		t.Errorf("completion on a busy database: %d after %s: %q", status, took, out)
	}
}

func TestManPages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man1")
	env := map[string]string{"SOURCE_DATE_EPOCH": "1767225600"} // 1 January 2026
	status, out, errOut := runCLI(t, env, "man", "--dir", dir)
	if status != 0 || !strings.Contains(out, "manual pages written to "+dir) {
		t.Fatalf("man --dir: %d %q %q", status, out, errOut)
	}
	for _, page := range []string{"rightsdesk.1", "rightsdesk-list.1", "rightsdesk-close.1", "rightsdesk-deadline.1", "rightsdesk-completion-bash.1"} {
		if _, err := os.Stat(filepath.Join(dir, page)); err != nil {
			t.Errorf("no page %s: %v", page, err)
		}
	}
	list, _ := os.ReadFile(filepath.Join(dir, "rightsdesk-list.1"))
	for _, want := range []string{`.TH "RIGHTSDESK-LIST" "1" "Jan 2026"`, "overdue", "the queue in urgency order", "rightsdesk list --overdue"} {
		if !strings.Contains(string(list), want) {
			t.Errorf("rightsdesk-list.1 lacks %q:\n%s", want, list)
		}
	}
	status, out, _ = runCLI(t, env, "man", "list")
	if status != 0 || out != string(list) {
		t.Errorf("man list does not print the page --dir wrote: %d\n%s", status, out)
	}
	if status, _, errOut := runCLI(t, env, "man", "lst"); status != 2 || !strings.Contains(errOut, "did you mean list?") {
		t.Errorf("man lst: %d %q", status, errOut)
	}
}

// TestInternalErrorSaysWhetherAnythingWasWritten: a fault after the commit
// (here: printing to a missing stdout) must not claim that nothing was
// written, and is not a usage error.
func TestInternalErrorSaysWhetherAnythingWasWritten(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	var errOut strings.Builder
	getenv := func(k string) string { return d.env[k] }
	releaseDB(d.db) // run directly, on the local file
	status := run([]string{"note", id, "--text", "written before the fault", "--db", d.db}, nil, &errOut, getenv)
	if status != exitInternal || status == exitUsage || strings.Count(errOut.String(), "\n") != 1 ||
		!strings.Contains(errOut.String(), "internal error") || !strings.Contains(errOut.String(), "may have been recorded") ||
		strings.Contains(errOut.String(), "nothing was written") || strings.Contains(strings.ToLower(errOut.String()), "panic") {
		t.Fatalf("a fault after the commit: %d %q", status, errOut.String())
	}
	if ev := lastEvent(d.show(id)); ev["text"] != "written before the fault" {
		t.Fatalf("the note was committed before the fault: %v", ev)
	}
	errOut.Reset()
	releaseDB(d.db)
	status = run([]string{"list", "--db", d.db}, nil, &errOut, getenv)
	if status != exitInternal || !strings.Contains(errOut.String(), "nothing was written") {
		t.Fatalf("a fault while reading: %d %q", status, errOut.String())
	}
}

// TestActionCommandsFollowTheTable: each action of cases.Actions is a
// command with the table's summary, example, arguments and flags.
func TestActionCommandsFollowTheTable(t *testing.T) {
	for _, act := range cases.Actions {
		status, out, errOut := runCLI(t, nil, "help", act.CommandName())
		if status != 0 || errOut != "" {
			t.Fatalf("help %s: %d %q", act.CommandName(), status, errOut)
		}
		want := []string{act.Summary[1:], act.Example, "rightsdesk " + act.CommandName() + " ID", "--at TIME", "--late TEXT",
			"--if-revision N", "--json", "--db PATH"}
		for _, f := range act.Fields {
			switch {
			case f.Positional:
				want = append(want, " "+f.Placeholder)
			case switchField(f): // a choice of one word is a switch: --draft-sent
				want = append(want, "--"+f.Name+" ")
				continue
			case f.Type == cases.FieldFiles: // an optional file: --outside [FILE]
				want = append(want, "--"+f.Name+" ["+f.Placeholder+"]")
			default:
				want = append(want, "--"+f.Name+" "+f.Placeholder)
			}
			if len(f.Vocabulary) > 0 {
				want = append(want, strings.Join(f.Vocabulary, ", "))
			}
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("help %s lacks %q:\n%s", act.Name, w, out)
			}
		}
	}
}

// TestRefusalsNameTheField: a refusal says the command and where the
// field is given; a required value missing is refused (1), a value that
// cannot be read is bad input (2).
func TestRefusalsNameTheField(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	tests := []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"close", id}, 1, "rightsdesk: close: outcome is required: fulfilled, "},
		{[]string{"assign", id}, 1, "(--to)\n"},
		{[]string{"close", id, "--outcome", "won"}, 2, `rightsdesk: close: unknown outcome "won"`},
		{[]string{"extend", id, "--reason", "r", "--until", "2026-02-30"}, 2, "(--until)\n"},
		{[]string{"withhold", id, "nothing.csv", "--ground", "rights-of-others", "--reason", "r"}, 1, `rightsdesk: withhold: no attached file named "nothing.csv" (FILE)`},
		{[]string{"add", "--controller", "crisp", "--right", "access", "--subject", "X", "--email", "x@example.org", "--channel", "fax"}, 2, "rightsdesk: add: unknown channel \"fax\""},
	}
	for _, tt := range tests {
		status, out, errOut := d.run(tt.args...)
		if status != tt.status || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: %d %q %q, want %d and %q", tt.args, status, out, errOut, tt.status, tt.want)
		}
	}
	if got := complete(t, d.env, "close", "--db", d.db, id, "--outcome", "re"); !slices.Contains(got, "refused") || !slices.Contains(got, "redirected") {
		t.Errorf("close --outcome: %v", got)
	}
	if got := complete(t, d.env, "add", "--controller", "closeq", "--regime", ""); !slices.Contains(got, "eu-gdpr") {
		t.Errorf("add --regime for closeq: %v", got)
	}
}
