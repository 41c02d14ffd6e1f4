package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// dbPath is --db, else $RIGHTSDESK_DB, else $XDG_DATA_HOME/rightsdesk/cases.db.
func (a *app) dbPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := a.getenv("RIGHTSDESK_DB"); v != "" {
		return v
	}
	return filepath.Join(a.dataHome(), "rightsdesk", "cases.db")
}

// dataHome is $XDG_DATA_HOME, else ~/.local/share.
func (a *app) dataHome() string {
	if v := a.getenv("XDG_DATA_HOME"); v != "" {
		return v
	}
	home := a.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".local", "share")
}

// store is the process's one owner of the database file.
func (a *app) store(path string) *storage.Store {
	if a.db == nil || a.db.Path() != path {
		a.db = storage.Open(path, storage.Options{Shared: storage.IsShared(path)})
	}
	return a.db
}

// actor is who records events: $RIGHTSDESK_ACTOR, else the OS user (falling
// back to $USER, then the numeric uid), plus the SSH client address.
func (a *app) actor() string {
	if v := strings.TrimSpace(a.getenv("RIGHTSDESK_ACTOR")); v != "" {
		return v
	}
	name := ""
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	} else if v := a.getenv("USER"); v != "" {
		name = v
	} else {
		name = "uid:" + strconv.Itoa(os.Getuid())
	}
	if ssh := strings.Fields(a.getenv("SSH_CONNECTION")); len(ssh) > 0 {
		name += "@" + ssh[0]
	}
	return name
}

// storeFailure maps an error from the store or the domain to its exit
// status (CLI.md) and prints one line.
func (a *app) storeFailure(err error) int {
	var refused *cases.Refused
	var conflict *storage.Conflict
	var notFound *storage.NotFound
	switch {
	case errors.As(err, &refused) && refused.Field != "":
		return a.fail(exitRefused, fmt.Errorf("%w (--%s)", err, refused.Field))
	case errors.As(err, &refused), errors.As(err, &conflict):
		return a.fail(exitRefused, err)
	case errors.As(err, &notFound):
		return a.fail(exitUsage, err)
	}
	// Busy, damaged, foreign, newer, or the file system failing.
	return a.fail(exitStore, err)
}

// common are the flags every database command takes.
type common struct {
	db     *string
	asJSON *bool
}

// commonFlags is a flag set with --db and --json already defined.
func commonFlags(name string) (*flag.FlagSet, common) {
	fs := newFlags(name)
	return fs, common{db: fs.String("db", "", ""), asJSON: fs.Bool("json", false, "")}
}

// runInit creates the database with the right modes.
func runInit(a *app, args []string) int {
	fs, c := commonFlags("init")
	shared := fs.Bool("shared", false, "")
	group := fs.String("group", "", "")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) > 0 {
		return a.usageError("init", err, pos, "usage: rightsdesk init [--shared --group NAME] [--db PATH]")
	}
	if *shared && *group == "" {
		return a.fail(exitUsage, fmt.Errorf("init: --shared needs --group NAME"))
	}
	if *shared {
		if _, err := user.LookupGroup(*group); err != nil {
			return a.fail(exitUsage, fmt.Errorf("init: unknown group %q", *group))
		}
	}
	path := a.dbPath(*c.db)
	if err := storage.Init(path, *shared, *group); err != nil {
		return a.storeFailure(err)
	}
	fmt.Fprintln(a.stdout, path)
	return exitOK
}

// runList prints the queue.
func runList(a *app, args []string) int {
	fs, c := commonFlags("list")
	var statuses stringList
	fs.Var(&statuses, "status", "")
	controller := fs.String("controller", "", "")
	right := fs.String("right", "", "")
	overdue := fs.Bool("overdue", false, "")
	within := fs.String("due-within", "", "")
	query := fs.String("query", "", "")
	all := fs.Bool("all", false, "")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) > 0 {
		return a.usageError("list", err, pos, "usage: rightsdesk list [--status S ...] [--controller ID] [--right R] [--overdue] [--due-within 7d] [--query TEXT] [--all] [--json]")
	}
	f := storage.Filter{Controller: *controller, Overdue: *overdue, Query: *query, All: *all}
	for _, s := range statuses {
		for _, part := range strings.Split(s, ",") {
			st, err := cases.ParseStatus(strings.TrimSpace(part))
			if err != nil {
				return a.fail(exitUsage, fmt.Errorf("list: %w", err))
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if *right != "" {
		if f.Right, err = cases.ParseRight(*right); err != nil {
			return a.fail(exitUsage, fmt.Errorf("list: %w", err))
		}
	}
	if *within != "" {
		if f.DueWithin, err = parseSpan(*within); err != nil {
			return a.fail(exitUsage, fmt.Errorf("list: --due-within: %w", err))
		}
	}
	now := a.clock.Now()
	// JSON: the stored views are already each case as CLI.md prints it, so
	// they are joined as they come; text: one row per case.
	var out bytes.Buffer
	n := 0
	st := a.store(a.dbPath(*c.db))
	if *c.asJSON {
		err = st.ListViews(f, now, func(view []byte) error {
			if n > 0 {
				out.WriteByte(',')
			}
			out.Write(view)
			n++
			return nil
		})
	} else {
		err = st.List(f, now, func(s *cases.Summary, _ func() []byte) error {
			fmt.Fprintf(&out, "%-16s %-12s %-18s %-13s %-14s %s\n", s.ID, cases.Printable(s.Controller), s.Right, s.Status,
				cases.Countdown(s, now), cases.Printable(s.SubjectName))
			return nil
		})
	}
	if err != nil {
		return a.storeFailure(err)
	}
	if *c.asJSON {
		fmt.Fprintf(a.stdout, "[%s]\n", out.Bytes())
	} else {
		_, _ = a.stdout.Write(out.Bytes())
	}
	return exitOK
}

// parseSpan reads "7d" (days) or a Go duration ("36h").
func parseSpan(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 3660 {
			return 0, fmt.Errorf("want a number of days such as 7d, not %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want a span such as 7d or 36h, not %q", s)
	}
	return d, nil
}

// runShow prints one case with its deadlines, working and timeline.
func runShow(a *app, args []string) int {
	fs, c := commonFlags("show")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) != 1 {
		return a.usageError("show", err, pos, "usage: rightsdesk show ID [--json]")
	}
	now := a.clock.Now()
	l, err := a.store(a.dbPath(*c.db)).Get(pos[0])
	if err != nil {
		return a.storeFailure(err)
	}
	st, err := l.Case.Derive(now)
	if err != nil {
		return a.storeFailure(err)
	}
	v := cases.NewView(l.Case, st, l.Revision, true)
	if *c.asJSON {
		return a.printJSON(v)
	}
	sum := cases.Summarize(l.Case, st, l.Revision)
	printCase(a.stdout, v, cases.Countdown(&sum, now))
	return exitOK
}

func printCase(w io.Writer, v *cases.View, countdown string) {
	p := cases.Printable
	fmt.Fprintf(w, "%s  %s  %s  %s (revision %d)\n", v.ID, p(v.Controller), v.Right, v.Status, v.Revision)
	fmt.Fprintf(w, "subject      %s", p(v.Subject.Name))
	for _, s := range []string{v.Subject.Email, v.Subject.Phone, v.Subject.PostalAddress} {
		if s != "" {
			fmt.Fprintf(w, ", %s", p(s))
		}
	}
	fmt.Fprintln(w)
	if v.Requester != nil {
		fmt.Fprintf(w, "requester    %s (%s)\n", p(v.Requester.Name), v.Requester.Relation)
	}
	if len(v.Linked) > 0 {
		fmt.Fprintf(w, "same request %s\n", strings.Join(v.Linked, ", "))
	}
	fmt.Fprintf(w, "received     %s via %s\n", v.ReceivedAt.Format(time.RFC3339), v.Channel)
	fmt.Fprintf(w, "countdown    %s\n", countdown)
	if v.Text != "" {
		fmt.Fprintf(w, "request text:\n  %s\n", strings.ReplaceAll(cases.PrintableLines(v.Text), "\n", "\n  "))
	}
	fmt.Fprintln(w)
	printDeadlines(w, v.Deadlines)
	fmt.Fprintln(w, "\ntimeline:")
	for _, e := range v.Events {
		line := fmt.Sprintf("  %s  %-24s %s", e.At.UTC().Format("2006-01-02 15:04Z"), e.Kind, p(e.Actor))
		for _, d := range e.Details() {
			line += " | " + p(d.String())
		}
		fmt.Fprintln(w, line)
	}
}

// runCheck verifies the file and every chain.
func runCheck(a *app, args []string) int {
	fs, c := commonFlags("check")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) > 0 {
		return a.usageError("check", err, pos, "usage: rightsdesk check [--db PATH] [--json]")
	}
	problems, err := a.store(a.dbPath(*c.db)).Check()
	if err != nil {
		return a.storeFailure(err)
	}
	if *c.asJSON {
		if problems == nil {
			problems = []storage.Problem{}
		}
		a.printJSON(problems)
	} else {
		for _, p := range problems {
			fmt.Fprintln(a.stdout, cases.Printable(p.String()))
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(a.stderr, "rightsdesk: check found %d problems; first: %s\n", len(problems), cases.Printable(problems[0].String()))
		return exitRefused
	}
	if !*c.asJSON {
		fmt.Fprintln(a.stdout, "ok: the file and every timeline chain verify")
	}
	return exitOK
}

// runBackup writes a verified hot copy, of everything or of one
// organisation's cases.
func runBackup(a *app, args []string) int {
	fs, c := commonFlags("backup")
	controller := fs.String("controller", "", "")
	pos, err := parseAnywhere(fs, args)
	if err != nil || len(pos) != 1 {
		return a.usageError("backup", err, pos, "usage: rightsdesk backup DEST [--controller ID] [--db PATH]")
	}
	if *controller != "" {
		regs, err := loadRegisters(a.getenv, "")
		if err == nil {
			_, err = regs.Get(*controller)
		}
		if err != nil {
			return a.fail(exitUsage, fmt.Errorf("backup: %w", err))
		}
	}
	held, err := a.store(a.dbPath(*c.db)).Backup(pos[0], *controller)
	if err != nil {
		return a.storeFailure(err)
	}
	if held > time.Second {
		fmt.Fprintf(a.stderr, "rightsdesk: the copy held the database for %s; writers waited meanwhile\n", held.Round(time.Millisecond))
	}
	fmt.Fprintln(a.stdout, pos[0])
	return exitOK
}

// usageError reports a flag error or wrong arguments; --help prints usage.
func (a *app) usageError(name string, err error, pos []string, usage string) int {
	if errors.Is(err, errHelp) {
		fmt.Fprintln(a.stdout, usage)
		return exitOK
	}
	if err == nil {
		err = fmt.Errorf("unexpected arguments %q (%s)", pos, usage)
	}
	return a.fail(exitUsage, fmt.Errorf("%s: %w", name, err))
}
