package main

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The command line is one cobra tree, built afresh for each run so that
// every flag starts from its default (the tests run many in one process).
// Cobra prints nothing of its own: every error comes back to execute and
// is printed as one line, and each command prints its own results and
// refusals and leaves its exit status in app.status.

// The groups of commands in help, in the order of a day's work.
const (
	groupCases   = "cases"
	groupActions = "actions"
	groupFiles   = "files"
	groupSetup   = "setup"
)

func init() {
	// Commands are listed in the order they are added (the order of the
	// work), not alphabetically.
	cobra.EnableCommandSorting = false
}

// execute runs the command line and returns the exit status.
func (a *app) execute(args []string) int {
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	args = a.commandFirst(args)
	a.args = args
	defer func() {
		if a.client != nil {
			_ = a.client.Close()
		}
	}()
	root := a.newRootFor(args)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err != nil {
		return a.usageFailure(cmd, err)
	}
	return a.status
}

// usageFailure prints an error of the command line itself (an unknown
// command or flag, a flag without its value, wrong arguments) as one line
// naming the command, and returns the usage status.
func (a *app) usageFailure(cmd *cobra.Command, err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return a.fail(se.status, err)
	}
	if cmd != nil && cmd.HasParent() {
		err = fmt.Errorf("%s: %w", cmd.Name(), err)
	}
	return a.fail(exitUsage, err)
}

// command is one command of the tree, built only when it is needed.
type command struct {
	group, name string
	build       func() *cobra.Command
}

// commands are every command of CLI.md, in the order of help.
func (a *app) commands() []command {
	cmds := []command{{groupCases, "add", a.addCommand}, {groupCases, "list", a.listCommand},
		{groupCases, "show", a.showCommand}, {groupCases, "import", a.importCommand}}
	cmds = append(cmds, a.actionCommands()...)
	cmds = append(cmds, a.approvalCommands()...)
	return append(cmds, []command{{groupFiles, "export", a.exportCommand}, {groupFiles, "report", a.reportCommand},
		{groupFiles, "deadline", a.deadlineCommand}, {groupSetup, "init", a.initCommand}, {groupSetup, "check", a.checkCommand},
		{groupSetup, "backup", a.backupCommand}, {groupSetup, "restore", a.restoreCommand}, {groupSetup, "purge", a.purgeCommand},
		{groupSetup, "compact", a.compactCommand}, {groupSetup, "demo", a.demoCommand}, {groupSetup, "controllers", a.controllersCommand},
		{groupSetup, "man", a.manCommand}, {groupSetup, "checkpoint", a.checkpointCommand}, {groupSetup, "serve", a.serveCommand}, {groupSetup, "migrate", a.migrateCommand},
		{groupSetup, "team", a.teamCommand}}...)
}

// newRoot is the whole command line: the terminal app when no command is
// given, and every command of CLI.md.
func (a *app) newRoot() *cobra.Command {
	root := a.bareRoot()
	a.addCommands(root, a.commands())
	return root
}

// newRootFor is the command line that args need: the root with only the
// command they name, when they name one by its exact name, found as cobra
// finds it (the root's flags skipped); else the whole tree (the terminal
// app, help, man, completion, a mistyped command and its suggestions).
// Building the other thirty commands, with their flags, help and
// completions, cost every command about 2 ms of its start (issue 20).
func (a *app) newRootFor(args []string) *cobra.Command {
	root := a.bareRoot()
	all := a.commands()
	stubs := make([]*cobra.Command, len(all))
	for i, c := range all {
		stubs[i] = &cobra.Command{Use: c.name, Run: func(*cobra.Command, []string) {}}
	}
	root.AddCommand(stubs...)
	found, _, _ := root.Find(args)
	root.RemoveCommand(stubs...)
	if i := slices.Index(stubs, found); i >= 0 && all[i].name != "man" { // man renders every command
		root.CompletionOptions.DisableDefaultCmd = true // completion is a command of the whole tree
		a.addCommands(root, all[i:i+1])
		return root
	}
	a.addCommands(root, all)
	return root
}

// commandFirst moves the command to the front when flags come before it
// ("rightsdesk --json list"): cobra would take a flag it does not know at
// the root for one with a value, and the command for that value. The
// value of a flag the root knows is skipped; a word after a flag it does
// not know is the command when it names one (list --status new: "new"
// names none). -- ends the search.
func (a *app) commandFirst(args []string) []string {
	if len(args) == 0 || !strings.HasPrefix(args[0], "-") {
		return args
	}
	root := a.bareRoot()
	names := []string{"help", "completion"}
	for _, c := range a.commands() {
		names = append(names, c.name)
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			return args
		case strings.HasPrefix(arg, "-"):
			if strings.Contains(arg, "=") {
				continue
			}
			name := strings.TrimLeft(arg, "-")
			f := root.Flags().Lookup(name)
			if f == nil && len(name) == 1 && !strings.HasPrefix(arg, "--") {
				f = root.Flags().ShorthandLookup(name)
			}
			if f != nil && f.Value.Type() != "bool" {
				i++ // its value
			}
		case slices.Contains(names, arg):
			return append(append([]string{arg}, args[:i]...), args[i+1:]...)
		}
	}
	return args
}

// bareRoot is the root command with its flags and groups, and no command.
func (a *app) bareRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "rightsdesk",
		Short: "triage data-subject rights requests against their legal deadlines",
		Long: `rightsdesk is the desk of a Data Protection Officer: the requests of data
subjects (access, erasure, ...), each with its legal deadline, from receipt to
the answer sent. Without a command it starts the terminal app; every action
the app offers is also a command, for scripts, imports and cron.

The database is --db PATH, else $RIGHTSDESK_DB, else
$XDG_DATA_HOME/rightsdesk/cases.db. In team mode (a socket in
/etc/rightsdesk/config.toml, --socket PATH or $RIGHTSDESK_SOCKET) every
command goes through the team server (rightsdesk serve) instead. Flags may
come before or after the arguments; -- ends the flags. Exit status: 0 done, 1 refused, 2 bad input,
3 the database cannot be used now.`,
		Example:       "  rightsdesk --demo\n  rightsdesk list --overdue\n  rightsdesk help close",
		Version:       versionLine(debug.ReadBuildInfo()),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          rootArgs,
		// DisableAutoGenTag keeps the man pages free of the date they were
		// made, so that the same program makes the same pages.
		DisableAutoGenTag: true,
		// The one check of required flags, worded like the rest.
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := missingRequired(cmd); err != nil {
				return err
			}
			if err := a.resolveMode(cmd, args); err != nil {
				return err
			}
			return a.databaseFirst(cmd, args)
		},
	}
	root.SuggestionsMinimumDistance = 2
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		if cmd == root {
			// "rightsdesk lst --json": the word is the mistake, not the flag.
			if word := firstWord(root, a.args); word != "" {
				return unknownCommand(root, word)
			}
		}
		return flagError(err)
	})
	root.PersistentFlags().StringVar(&a.socketFlag, "socket", "", "team mode: the team server's socket `PATH` (default $RIGHTSDESK_SOCKET, else the configuration's)")
	_ = root.MarkPersistentFlagFilename("socket")
	a.tuiFlags(root)
	root.AddGroup(
		&cobra.Group{ID: groupCases, Title: "Requests:"},
		&cobra.Group{ID: groupActions, Title: "Actions on a case (each records one event in its timeline):"},
		&cobra.Group{ID: groupFiles, Title: "Packets, records and reports:"},
		&cobra.Group{ID: groupSetup, Title: "The database, the registers and the shell:"},
	)
	return root
}

// addCommands builds cmds into root, with help and completion when they
// are the whole tree, every flag listed in the order it is declared.
func (a *app) addCommands(root *cobra.Command, cmds []command) {
	for _, c := range cmds {
		cmd := c.build()
		cmd.GroupID = c.group
		root.AddCommand(cmd)
	}
	root.SetHelpCommand(helpCommand(root))
	root.SetHelpCommandGroupID(groupSetup)
	if !root.CompletionOptions.DisableDefaultCmd {
		root.SetCompletionCommandGroupID(groupSetup)
		root.InitDefaultCompletionCmd()
		for _, c := range root.Commands() {
			if c.Name() == "completion" {
				c.Short = "the shell's completion script: bash, zsh, fish or powershell"
			}
		}
	}
	// Flags are listed in the order they are declared, the usual ones first.
	var unsorted func(c *cobra.Command)
	unsorted = func(c *cobra.Command) {
		c.Flags().SortFlags = false
		for _, sub := range c.Commands() {
			unsorted(sub)
		}
	}
	unsorted(root)
}

// runs adapts a command body, which prints its own results and errors and
// returns the exit status, to cobra.
func (a *app) runs(body func(args []string) int) func(*cobra.Command, []string) error {
	return func(_ *cobra.Command, args []string) error {
		a.status = body(args)
		return nil
	}
}

// rootArgs refuses a word that is not a command, naming the commands it
// may have meant: without a command, rightsdesk starts the terminal app.
func rootArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return unknownCommand(cmd, args[0])
}

func unknownCommand(root *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q", name)
	if s := root.SuggestionsFor(name); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return errors.New(msg + " (rightsdesk help lists the commands)")
}

// helpCommand is help [COMMAND]: the command's description, flags and
// example; an unknown command is an error like any other.
func helpCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "what a command does, its flags and an example",
		Args:  cobra.ArbitraryArgs,
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, c := range root.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, cobra.CompletionWithDesc(c.Name(), c.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target, _, err := root.Find(args)
			if err != nil {
				return err
			}
			if target == root && len(args) > 0 {
				return unknownCommand(root, args[0])
			}
			target.InitDefaultHelpFlag() // as when the command runs with --help
			return target.Help()
		},
	}
}

// firstWord is the first argument that is neither a flag of cmd nor a
// flag's value, "" when there is none.
func firstWord(cmd *cobra.Command, args []string) string {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			return ""
		case strings.HasPrefix(arg, "-") && len(arg) > 1:
			name := strings.TrimLeft(arg, "-")
			if f := cmd.Flags().Lookup(name); f != nil && f.NoOptDefVal == "" && !strings.Contains(name, "=") {
				i++ // its value
			}
		default:
			return arg
		}
	}
	return ""
}

// flagError rewords pflag's errors as one plain line; they are usage
// errors (exit 2).
func flagError(err error) error {
	var notExist *pflag.NotExistError
	var noValue *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	switch {
	case errors.As(err, &notExist):
		if s := notExist.GetSpecifiedShortnames(); s != "" {
			return fmt.Errorf("unknown flag -%s in -%s", notExist.GetSpecifiedName(), s)
		}
		return fmt.Errorf("unknown flag --%s", notExist.GetSpecifiedName())
	case errors.As(err, &noValue):
		return fmt.Errorf("flag --%s needs a value", noValue.GetFlag().Name)
	case errors.As(err, &invalid):
		problem := invalid.Unwrap().Error()
		var num *strconv.NumError
		if errors.As(err, &num) {
			problem = "want a whole number"
		}
		return fmt.Errorf("--%s %q: %s", invalid.GetFlag().Name, invalid.GetValue(), problem)
	}
	return err
}

// missingRequired names the required flags not given, as one usage error.
func missingRequired(cmd *cobra.Command) error {
	var missing []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if req := f.Annotations[cobra.BashCompOneRequiredFlag]; len(req) > 0 && req[0] == "true" && !f.Changed {
			missing = append(missing, "--"+f.Name)
		}
	})
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s is required (see 'rightsdesk help %s')", missing[0], cmd.Name())
	}
	return fmt.Errorf("%s is required, as are %s (see 'rightsdesk help %s')", missing[0], strings.Join(missing[1:], ", "), cmd.Name())
}

// versionLine is what --version prints: the module's version and the
// commit it was built from, as the Go toolchain recorded them; a part the
// build did not record (go test, go run) is said to be unknown.
func versionLine(info *debug.BuildInfo, ok bool) string {
	version, commit, modified := "(version unknown)", "unknown", ""
	if ok && info != nil {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && s.Value != "":
				commit = s.Value[:min(8, len(s.Value))]
			case s.Key == "vcs.modified" && s.Value == "true":
				modified = " (modified)"
			}
		}
	}
	return "rightsdesk " + version + " commit " + commit + modified
}

// Arguments. Each validator words its refusal with the command's usage.

// noArgs refuses positional arguments.
var noArgs = argsBetween(0, 0, "")

// argsBetween wants at least lo and at most hi (-1: any number) arguments;
// missing names what is missing.
func argsBetween(lo, hi int, missing string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo {
			return fmt.Errorf("%s (usage: %s)", missing, cmd.UseLine())
		}
		if hi >= 0 && len(args) > hi {
			return fmt.Errorf("unexpected argument %q (usage: %s)", args[hi], cmd.UseLine())
		}
		return nil
	}
}

// Flags most commands share.

// dbFlag is --db, into p.
func dbFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "db", "", "the database `PATH` (default $RIGHTSDESK_DB, else $XDG_DATA_HOME/rightsdesk/cases.db)")
	_ = cmd.MarkFlagFilename("db", "db")
}

// jsonFlag is --json, into p; what is what it prints.
func jsonFlag(cmd *cobra.Command, p *bool, what string) {
	cmd.Flags().BoolVar(p, "json", false, "print "+what+" as one JSON value on one line")
}

// registersFlag is --registers, into p.
func registersFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "registers", "", "a folder `DIR` of register files (ID.toml) laid over the database's registers for this command only, not stored (tests, scripts; controllers ID import stores one)")
	_ = cmd.MarkFlagDirname("registers")
}
