package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manCommand writes the manual pages, made from the same description as
// the help (cobra/doc): one page printed, or all of them into a folder for
// a package (rightsdesk.1, rightsdesk-list.1, ...).
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
	header := &doc.GenManHeader{Section: "1", Date: &date, Source: "rightsdesk", Manual: "rightsdesk manual"}
	if dir != "" {
		if len(args) > 0 {
			return a.fail(exitUsage, fmt.Errorf("man: --dir writes every page; name no command"))
		}
		a.beginWrite()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return a.fail(exitUsage, fmt.Errorf("man: %w", err))
		}
		if err := doc.GenManTree(root, header, dir); err != nil {
			return a.fail(exitUsage, fmt.Errorf("man: %w", err))
		}
		pages, _ := filepath.Glob(filepath.Join(dir, "rightsdesk*.1"))
		fmt.Fprintf(a.stdout, "%d manual pages written to %s\n", len(pages), dir)
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
	if err := doc.GenMan(target, header, a.stdout); err != nil {
		return a.fail(exitUsage, fmt.Errorf("man: %w", err))
	}
	return exitOK
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
