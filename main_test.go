package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"rightsdesk/cases"
)

// runCLI runs the program in-process with a fixed clock.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIb(t, env, args...)
}

// runCLIb runs the command line in-process, for tests and benchmarks: in
// team mode (RIGHTSDESK_TEST_MODE=team) through a team server on its
// database (teamharness_test.go).
func runCLIb(tb testing.TB, env map[string]string, args ...string) (int, string, string) {
	tb.Helper()
	personal := func() (int, string, string) {
		var out, errOut bytes.Buffer
		status := run(args, &out, &errOut, testEnv(env))
		return status, out.String(), errOut.String()
	}
	if teamTests {
		return runTeam(tb, env, args, personal)
	}
	return personal()
}

// testEnv is a test's environment: env, the fixed clock unless env sets
// one, and never the host's configuration.
func testEnv(env map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		switch k {
		case "RIGHTSDESK_NOW":
			return "2025-03-10T12:00:00Z"
		case "RIGHTSDESK_CONFIG":
			return noConfig
		}
		return ""
	}
}

var berlin = []string{"deadline", "--regime", "eu-gdpr", "--calendar", "DE-BE", "--tz", "Europe/Berlin",
	"--received", "2025-01-31T09:00:00+01:00", "--json"}

func TestDeadlineCommandAcceptance(t *testing.T) {
	status, out, errOut := runCLI(t, nil, berlin...)
	if status != 0 || errOut != "" {
		t.Fatalf("status %d stderr %q", status, errOut)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("--json must print exactly one line: %q", out)
	}
	for _, want := range []string{`"due":"2025-02-28"`, `"due_at":"2025-02-28T22:59:59Z"`, `"extension_valid":null`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s: %s", want, out)
		}
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(out), &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"receipt_date", "due", "due_at", "base_due", "extended_due", "extension_notice_by",
		"extension_valid", "refusal_by", "promise_due", "effective_due", "acknowledge_by", "act_by", "clock", "steps"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("JSON lacks the contract field %q", k)
		}
	}

	// Flags anywhere, the event after --json.
	args := append(append([]string{}, berlin...), "--event", "extension-notified@2025-02-20")
	status, out, _ = runCLI(t, nil, args...)
	if status != 0 || !strings.Contains(out, `"due":"2025-04-30"`) || !strings.Contains(out, `"extension_valid":true`) {
		t.Fatalf("with extension: %d %s", status, out)
	}
}

func TestDeadlineCommandBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown regime", []string{"--regime", "eu-gdpx"}, "unknown regime"},
		{"unknown calendar", []string{"--calendar", "ZZ"}, "unknown holiday calendar"},
		{"unknown zone", []string{"--tz", "Europe/Nowhere"}, "unknown time zone"},
		{"malformed date", []string{"--received", "2025-02-30"}, "malformed time \"2025-02-30\""},
		{"malformed holiday", []string{"--holiday", "2025-13-01"}, "--holiday: malformed date"},
		{"malformed time", []string{"--received", "31/01/2025"}, "malformed time"},
		{"event before receipt", []string{"--event", "id-requested@2025-01-30"}, "before the receipt date"},
		{"unknown event", []string{"--event", "id-lost@2025-02-03"}, "unknown event"},
		{"event without time", []string{"--event", "id-requested"}, "malformed event"},
		{"answer without request", []string{"--event", "id-received@2025-02-03"}, "nothing was asked"},
		{"unknown flag", []string{"--frobnicate"}, "unknown flag"},
		{"flag without value", []string{"--promise-days"}, "needs a value"},
		{"escape sequence", []string{"--regime", "\x1b[2Jevil"}, `unknown regime "\x1b[2Jevil"`},
		{"stray argument", []string{"extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Later flags override the valid ones in berlin.
			args := append(append([]string{}, berlin...), tt.args...)
			status, out, errOut := runCLI(t, nil, args...)
			if status != 2 || out != "" {
				t.Fatalf("status %d stdout %q, want 2 and nothing", status, out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("stderr %q, want one line containing %q", errOut, tt.want)
			}
			if strings.Contains(strings.ToLower(errOut), "panic") || strings.ContainsRune(errOut, 0x1b) {
				t.Fatalf("stderr must be one clean line: %q", errOut)
			}
		})
	}
	// Required flags.
	status, _, errOut := runCLI(t, nil, "deadline", "--regime", "eu-gdpr")
	if status != 2 || !strings.Contains(errOut, "is required") {
		t.Errorf("missing flags: %d %q", status, errOut)
	}
	// A bad clock is bad input too.
	status, _, errOut = runCLI(t, map[string]string{"RIGHTSDESK_NOW": "yesterday"}, berlin...)
	if status != 2 || !strings.Contains(errOut, "RIGHTSDESK_NOW") {
		t.Errorf("bad RIGHTSDESK_NOW: %d %q", status, errOut)
	}
	status, _, errOut = runCLI(t, nil, "frobnicate")
	if status != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %d %q", status, errOut)
	}
}

func TestDeadlineCommandText(t *testing.T) {
	args := []string{"deadline", "--regime", "uk-gdpr", "--calendar", "GB-EAW", "--tz", "Europe/London",
		"--received", "2026-03-02", "--event", "id-requested@2026-03-03"}
	status, out, _ := runCLI(t, map[string]string{"RIGHTSDESK_NOW": "2026-03-20T09:00:00Z"}, args...)
	if status != 0 {
		t.Fatal(status)
	}
	for _, want := range []string{"awaiting-restart since 2026-03-03", "working:", "waited 17 days"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "legal due") {
		t.Errorf("awaiting restart shows no due date:\n%s", out)
	}
}

func TestTerminalAppNeedsATerminal(t *testing.T) {
	// Under go test stdout is not a terminal: a clear line, never a hang.
	status, _, errOut := runCLI(t, map[string]string{"XDG_DATA_HOME": t.TempDir()}, "--db", initDB(t, filepath.Join(t.TempDir(), "x.db")))
	if status != 2 || !strings.Contains(errOut, "needs a terminal") {
		t.Errorf("no terminal: %d %q", status, errOut)
	}
	if status, _, errOut := runCLI(t, nil, "--color", "purple", "--db", initDB(t, filepath.Join(t.TempDir(), "y.db"))); status != 2 || !strings.Contains(errOut, "--color") {
		t.Errorf("bad --color: %d %q", status, errOut)
	}
}

// TestJSONCarriesNoC1Controls: U+009B (CSI on some terminals) typed in a
// subject's name leaves show --json and list --json escaped, as ESC does,
// and reads back as the same name.
func TestJSONCarriesNoC1Controls(t *testing.T) {
	if got := string(cases.EscapeJSON([]byte("{\"n\":\"a\u009b2Jb£\u0085\x7f\u202e\"}"))); got != `{"n":"a\u009b2Jb£\u0085\u007f\u202e"}` {
		t.Errorf("EscapeJSON: %q", got)
	}
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	env := map[string]string{"RIGHTSDESK_ACTOR": "anna", "XDG_CONFIG_HOME": t.TempDir()}
	name := "Zoé\u009b2J\x1b[31m Lefèvre"
	status, out, errOut := runCLI(t, env, "add", "--db", db, "--controller", "crisp", "--right", "access", "--subject", name,
		"--email", "zoe@example.org")
	if status != 0 {
		t.Fatal(errOut)
	}
	id := strings.TrimSpace(out)
	for _, args := range [][]string{{"show", id, "--json"}, {"list", "--json"}} {
		_, out, _ := runCLI(t, env, append(args, "--db", db)...)
		if strings.ContainsAny(out, "\u009b\x1b") {
			t.Errorf("%v carries a raw control character: %q", args, out)
		}
		if !strings.Contains(out, `\u009b`) || !strings.Contains(out, `\u001b`) {
			t.Errorf("%v: the controls should be escaped: %q", args, out)
		}
	}
	_, out, _ = runCLI(t, env, "show", id, "--json", "--db", db)
	var v struct{ Subject struct{ Name string } }
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Subject.Name != name {
		t.Errorf("the name reads back as %q (%v), want it verbatim", v.Subject.Name, err)
	}
}
