package main

import (
	"io"
	"testing"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
)

// TestOneCommandTreeFindsWhatTheWholeTreeFinds holds newRootFor, which
// builds only the command a command line names, to the whole tree: every
// command line finds the command at the same path, with the same flags and
// help, and a command line that names none (help, man, completion, a
// mistyped word, flags only) gets the whole tree.
func TestOneCommandTreeFindsWhatTheWholeTreeFinds(t *testing.T) {
	probe := func() *app {
		return &app{stdout: io.Discard, stderr: io.Discard, getenv: testEnv(nil), clock: cases.SystemClock{}}
	}
	full := probe().newRoot()
	lines := [][]string{{}, {"--version"}, {"help", "note"}, {"man"}, {"completion", "bash"}, {"__complete", "note", ""},
		{"lst"}, {"--bogus", "note"}, {"--socket", "s", "list"}, {"--db", "x.db", "note", "DSR-1"}, {"note", "--", "list"},
		{"team", "set", "anna"}, {"verify", "--help"}}
	for _, c := range full.Commands() {
		lines = append(lines, []string{c.Name(), "DSR-2026-000001", "--json"})
	}
	for _, args := range lines {
		want, _, _ := full.Find(args)
		root := probe().newRootFor(args)
		got, _, _ := root.Find(args)
		if got.CommandPath() != want.CommandPath() {
			t.Errorf("%q: found %q, the whole tree finds %q", args, got.CommandPath(), want.CommandPath())
			continue
		}
		if got.UsageString() != want.UsageString() || got.Long != want.Long {
			t.Errorf("%q: the help of %s differs from the whole tree's:\n%s\nwant\n%s", args, got.CommandPath(), got.UsageString(), want.UsageString())
		}
		top := got
		for top.HasParent() && top.Parent() != root {
			top = top.Parent()
		}
		// man and completion write every command; the others are built alone.
		if alone := got != root && top.Name() != "man" && top.Name() != "completion"; alone && len(root.Commands()) != 1 {
			t.Errorf("%q names %s, yet %d commands were built", args, got.CommandPath(), len(root.Commands()))
		}
	}
	// Each entry of the table builds the command it is named for.
	for _, c := range probe().commands() {
		if got := c.build().Name(); got != c.name {
			t.Errorf("the command listed as %q builds %q", c.name, got)
		}
	}
	if n, built := len(probe().commands()), len(commandsOf(full)); n != built {
		t.Errorf("%d commands listed, the whole tree has %d", n, built)
	}
}

// commandsOf are root's commands but those cobra adds (help, completion).
func commandsOf(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range root.Commands() {
		if c.Name() != "help" && c.Name() != "completion" {
			out = append(out, c)
		}
	}
	return out
}

// BenchmarkCommandLine is the command line's share of a short command's
// start: the whole tree, and the tree built for one command (note).
func BenchmarkCommandLine(b *testing.B) {
	a := &app{stdout: io.Discard, stderr: io.Discard, getenv: testEnv(nil), clock: cases.SystemClock{}}
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.newRoot()
		}
	})
	b.Run("note", func(b *testing.B) {
		b.ReportAllocs()
		args := []string{"note", "DSR-2026-000001", "--text", "called back"}
		for b.Loop() {
			a.newRootFor(args)
		}
	})
}
