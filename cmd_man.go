package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// manCommand writes the manual pages, made from the same description as
// the help: one page printed, or all of them into a folder for a package
// (rightsdesk.1, rightsdesk-list.1, ...).
func (a *app) manCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{Use: "man [COMMAND]", Short: "the manual pages: print one, or write them all with --dir",
		Long: `Prints the manual page of rightsdesk, or of one command, in roff for man(1);
with --dir writes every page into DIR (rightsdesk.1, rightsdesk-list.1, ...), as a
package installs them. The pages are dated by $SOURCE_DATE_EPOCH when it is set
(reproducible builds), else today.`,
		Example: "  rightsdesk man | man -l -\n  rightsdesk man list | man -l -\n  rightsdesk man --dir /usr/local/share/man/man1",
		Args:    argsBetween(0, 1, "")}
	cmd.Flags().StringVar(&dir, "dir", "", "write every page into `DIR`")
	_ = cmd.MarkFlagDirname("dir")
	cmd.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var names []cobra.Completion
		for _, c := range cmd.Root().Commands() {
			if len(args) == 0 && c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
	cmd.RunE = a.runs(func(args []string) int { return a.runMan(cmd.Root(), args, dir) })
	return cmd
}

func (a *app) runMan(root *cobra.Command, args []string, dir string) int {
	date, err := a.manDate()
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("man: %w", err))
	}
	if dir != "" {
		if len(args) > 0 {
			return a.fail(exitUsage, fmt.Errorf("man: --dir writes every page; name no command"))
		}
		a.beginWrite()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return a.fail(exitUsage, fmt.Errorf("man: %w", err))
		}
		n, err := writeManTree(root, date, dir)
		if err != nil {
			return a.fail(exitUsage, fmt.Errorf("man: %w", err))
		}
		fmt.Fprintf(a.stdout, "%d manual pages written to %s\n", n, dir)
		return exitOK
	}
	target := root
	if len(args) == 1 {
		found, _, err := root.Find(args)
		if err != nil || found == root {
			return a.fail(exitUsage, fmt.Errorf("man: %w", unknownCommand(root, args[0])))
		}
		target = found
	}
	_, _ = io.WriteString(a.stdout, manPage(target, date))
	return exitOK
}

// The pages are written here rather than by cobra/doc: it renders the
// help through a Markdown library (blackfriday) whose package init, with
// cobra/doc's YAML, cost every command of the binary before main (240 KB
// of allocations of the ~840 KB all inits make, measured with GODEBUG=
// inittrace=1) for a command a packager runs once.

// writeManTree writes the page of cmd and of every command under it into
// dir, and says how many.
func writeManTree(cmd *cobra.Command, date time.Time, dir string) (int, error) {
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "-") + ".1"
	// A manual page is for every user of the machine: readable as the
	// umask allows, as a package installs it.
	if err := os.WriteFile(filepath.Join(dir, name), []byte(manPage(cmd, date)), 0o666); err != nil {
		return 0, err
	}
	n := 1
	for _, c := range manChildren(cmd) {
		k, err := writeManTree(c, date, dir)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// manChildren are the commands a page lists and the tree writes: those the
// help lists.
func manChildren(cmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() {
			out = append(out, c)
		}
	}
	return out
}

// manPage is cmd's manual page in roff (man(7)): name, synopsis,
// description, options, examples and the related pages.
func manPage(cmd *cobra.Command, date time.Time) string {
	cmd.InitDefaultHelpFlag() // -h, which cobra adds to a command only as it runs
	var b strings.Builder
	page := func(c *cobra.Command) string { return strings.ReplaceAll(c.CommandPath(), " ", "-") }
	fmt.Fprintf(&b, ".nh\n.TH \"%s\" \"1\" \"%s\" \"rightsdesk\" \"rightsdesk manual\"\n",
		strings.ToUpper(page(cmd)), date.Format("Jan 2006"))
	fmt.Fprintf(&b, ".SH NAME\n%s\n", roffText(page(cmd)+" - "+cmd.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n\\fB%s\\fP\n", roffText(cmd.UseLine()))
	long := cmd.Long
	if long == "" {
		long = cmd.Short
	}
	b.WriteString(".SH DESCRIPTION\n")
	for i, para := range strings.Split(strings.TrimSpace(long), "\n\n") {
		if i > 0 {
			b.WriteString(".PP\n")
		}
		b.WriteString(roffText(para) + "\n")
	}
	manFlags(&b, "OPTIONS", cmd.NonInheritedFlags())
	manFlags(&b, "OPTIONS INHERITED FROM PARENT COMMANDS", cmd.InheritedFlags())
	if cmd.Example != "" {
		fmt.Fprintf(&b, ".SH EXAMPLE\n.EX\n%s\n.EE\n", roffText(cmd.Example))
	}
	var related []string
	if cmd.HasParent() {
		related = append(related, page(cmd.Parent()))
	}
	for _, c := range manChildren(cmd) {
		related = append(related, page(c))
	}
	if len(related) > 0 {
		for i, r := range related {
			related[i] = "\\fB" + roffText(r) + "\\fP(1)"
		}
		fmt.Fprintf(&b, ".SH SEE ALSO\n%s\n", strings.Join(related, ", "))
	}
	return b.String()
}

// manFlags writes a section of options, each with its argument's name
// (the usage's `NAME`), its default when it has one, and its usage.
func manFlags(b *strings.Builder, title string, flags *pflag.FlagSet) {
	first := true
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if first {
			fmt.Fprintf(b, ".SH %s\n", title)
			first = false
		}
		arg, usage := pflag.UnquoteUsage(f)
		names := "\\fB--" + roffText(f.Name) + "\\fP"
		if f.Shorthand != "" {
			names = "\\fB-" + roffText(f.Shorthand) + "\\fP, " + names
		}
		if arg != "" {
			names += " \\fI" + roffText(arg) + "\\fP"
		}
		switch f.DefValue {
		case "", "false", "0", "[]":
		default:
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(b, ".TP\n%s\n%s\n", names, roffText(usage))
	})
}

// roffText escapes text for roff: a backslash is printed as one, and a
// line that begins with a control character (. or ') is not read as a
// request.
func roffText(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\e")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = "\\&" + l
		}
	}
	return strings.Join(lines, "\n")
}

// manDate is the date the pages carry: $SOURCE_DATE_EPOCH
// (reproducible-builds.org) when set, else the clock's day.
func (a *app) manDate() (time.Time, error) {
	epoch := strings.TrimSpace(a.getenv("SOURCE_DATE_EPOCH"))
	if epoch == "" {
		return a.clock.Now().UTC(), nil
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", epoch)
	}
	return time.Unix(secs, 0).UTC(), nil
}
