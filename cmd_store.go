package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/server"
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

// cases is the case service the commands read and change cases through:
// the team server's client in team mode, else the local store of path.
func (a *app) cases(path string) storage.Service {
	if a.team != nil {
		return a.client
	}
	return a.store(path)
}

// store is the process's one owner of the database file, for what is done
// to the file itself (init, check, backup, purge, demo). In team mode no
// local file is ever opened: each of those commands asks the server, and
// reaching this is a fault of the program, reported as one.
func (a *app) store(path string) *storage.Store {
	if a.team != nil {
		panic("a local database was asked for in team mode")
	}
	if a.db == nil || a.db.Path() != path {
		a.db = storage.Open(path, storage.Options{Shared: storage.IsShared(path), Clock: a.clock, Provenance: a.provenance()})
	}
	return a.db
}

// actor is who records events: in team mode the name the server knows
// the caller by; else $RIGHTSDESK_ACTOR (for tests and demos; the events
// then say the actor was overridden), else the OS user.
func (a *app) actor() string {
	if a.team != nil {
		return a.clientActor()
	}
	if v := strings.TrimSpace(a.getenv("RIGHTSDESK_ACTOR")); v != "" {
		return v
	}
	return a.osActor()
}

// actorOverridden reports whether $RIGHTSDESK_ACTOR names someone other
// than the OS user: events so recorded say so, and never count as an
// approval.
func (a *app) actorOverridden() bool {
	v := strings.TrimSpace(a.getenv("RIGHTSDESK_ACTOR"))
	return v != "" && v != a.osActor()
}

// provenance is what the environment overrode ($RIGHTSDESK_ACTOR naming
// someone else, $RIGHTSDESK_NOW) and the SSH origin it reports: the store
// stamps it on every event this process records (TRUST.md, "Two modes").
func (a *app) provenance() cases.Provenance {
	var p cases.Provenance
	if a.actorOverridden() {
		p.Overridden = append(p.Overridden, cases.OverriddenActor)
	}
	if a.clockOverridden {
		p.Overridden = append(p.Overridden, cases.OverriddenClock)
	}
	p.ReportedOrigin = reportedOrigin(a.getenv("SSH_CONNECTION"))
	return p
}

// reportedOrigin is the client address of $SSH_CONNECTION ("CLIENT PORT
// SERVER PORT"), as reported: anyone can set the variable, so it is
// recorded as reported_origin, never as part of who acted.
func reportedOrigin(sshConnection string) string {
	f := strings.Fields(sshConnection)
	if len(f) == 0 || len(f[0]) > 64 {
		return ""
	}
	return cases.Printable(f[0])
}

// osActor is the OS user's name, found once per process.
func (a *app) osActor() string {
	if a.osName == "" {
		a.osName = osUserName(user.Current, user.Lookup, server.NSSName, a.getenv, os.Getuid())
	}
	return a.osName
}

// osUserName is the name of the account uid: the system's answer
// (os/user), else NSS through getent (a directory-service account that a
// build without cgo cannot resolve), else $USER or $LOGNAME when that name
// is the account's, else the uid itself ("uid:1234"). A variable that names
// another account is never taken: the actor is who runs the process.
func osUserName(current func() (*user.User, error), lookup func(string) (*user.User, error),
	getent func(uid int) string, getenv func(string) string, uid int) string {
	if u, err := current(); err == nil && u.Username != "" && u.Uid == strconv.Itoa(uid) {
		return u.Username
	}
	if name := getent(uid); name != "" {
		return name
	}
	for _, k := range []string{"USER", "LOGNAME"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			if u, err := lookup(v); err == nil && u.Uid == strconv.Itoa(uid) {
				return v
			}
		}
	}
	return "uid:" + strconv.Itoa(uid)
}

// storeFailure maps an error from the store or the domain to its exit
// status (CLI.md) and prints one line.
func (a *app) storeFailure(err error) int {
	var refused *cases.Refused
	var conflict *storage.Conflict
	var notFound *storage.NotFound
	var missing *storage.NoDatabaseError
	var bad *server.BadRequest
	switch {
	case a.isForbidden(err):
		return a.fail(exitRefused, err)
	case errors.As(err, &refused), errors.As(err, &conflict):
		return a.fail(exitRefused, refusalWords(err, nil))
	case errors.As(err, &notFound), errors.Is(err, storage.ErrSameFile), errors.Is(err, storage.ErrOtherDatabase), errors.As(err, &missing),
		errors.As(err, &bad):
		return a.fail(exitUsage, err)
	}
	// Busy, damaged, foreign, newer, or the file system failing.
	return a.fail(exitStore, err)
}

// initCommand creates the database with the right modes.
func (a *app) initCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "init", Short: "create the database (and its folder) with the right modes", Args: noArgs,
		Long: `Creates the database with the right modes: private (0600 in a 0700 folder), or
with --shared --group NAME for a team on one host (the folder setgid and
group-owned, 2770; the database 0660). Prints the database's path. Only init
(and demo) create a database: every other command on a path with none says so
(exit 2) and makes nothing. A folder init did not create keeps its mode; one
that others can write in is refused.`,
		Example: "  rightsdesk init\n  rightsdesk init --shared --group dpo --db /srv/rightsdesk/cases.db"}
	var db string
	dbFlag(cmd, &db)
	shared := cmd.Flags().Bool("shared", false, "a team's database: group-readable and writable (needs --group)")
	group := cmd.Flags().String("group", "", "the team's `NAME` (a Unix group)")
	test := cmd.Flags().Bool("test", false, "a test database: its salts and checkpoint key derive from a fixed seed, and its checkpoints say so")
	asJSON := cmd.Flags().Bool("json", false, `print {"path": ...} as one JSON value on one line`)
	cmd.RunE = a.runs(func([]string) int { return a.runInit(db, *shared, *group, *test, *asJSON) })
	return cmd
}

// initTestSeed is the seed of a database made with init --test.
const initTestSeed = "rightsdesk init --test"

func (a *app) runInit(db string, shared bool, group string, test, asJSON bool) int {
	if shared && group == "" {
		return a.fail(exitUsage, fmt.Errorf("init: --shared needs --group NAME"))
	}
	if shared {
		if _, err := storage.GroupID(group); err != nil {
			return a.fail(exitUsage, fmt.Errorf("init: unknown group %q", group))
		}
	}
	path := a.dbPath(db)
	a.beginWrite()
	if err := storage.Init(path, shared, group); err != nil {
		return a.storeFailure(err)
	}
	if test {
		if err := a.store(path).MarkTest([]byte(initTestSeed)); err != nil {
			var refused *storage.TestSeedRefused
			if errors.As(err, &refused) {
				return a.fail(exitRefused, fmt.Errorf("init: %w", err))
			}
			return a.storeFailure(err)
		}
	}
	if asJSON {
		return a.printJSON(map[string]string{"path": path})
	}
	fmt.Fprintln(a.stdout, path)
	return exitOK
}

// listOptions are list's flags.
type listOptions struct {
	db, controller, right, within, query string
	statuses                             []string
	overdue, all, voided, asJSON         bool
	unanswered                           bool
}

// listCommand prints the queue.
func (a *app) listCommand() *cobra.Command {
	var o listOptions
	cmd := &cobra.Command{Use: "list", Short: "the queue in urgency order", Args: noArgs,
		Long: `The queue in urgency order (the terminal app's order): open cases with a running
clock by effective due date, overdue first; then those whose clock is paused or
awaiting a restart; then closed cases, newest first. Open cases only unless
--all or --status closed. One line per case, or with --json an array of cases.

A case closed without the answer it owes having been sent (any outcome but
withdrawn and duplicate, and no letter answering it sent) is still urgent:
it sorts with the running cases by its due date, its countdown reads
"answer not sent · 3d 4h", and with --all (or --status closed) --overdue
and --due-within count it. --unanswered lists these cases, and only them.

--query matches as the terminal app's filter does. Its words match the start
of a word of the subject's name or e-mail, the case ID, the organisation or an
identifier's value; words of three letters or more also the inside of a word,
the right, status and tags; of four or more, a name with a letter left out.
Every word must match. @NAME keeps the cases of an assignee, #TAG those with a
tag, id:VALUE those with an identifier (the value or TYPE=VALUE) or case ID
starting with VALUE.

A voided case (recorded by mistake: void) is in no list but --voided, which
lists the voided cases, open or closed, and only them; the other flags narrow
it as they narrow the queue.`,
		Example: "  rightsdesk list --overdue\n  rightsdesk list --controller crisp --due-within 7d --json\n" +
			"  rightsdesk list --query 'kowalska' --all\n  rightsdesk list --query '@anna #urgent'\n  rightsdesk list --query 'id:C-1042' --all\n" +
			"  rightsdesk list --unanswered"}
	f := cmd.Flags()
	dbFlag(cmd, &o.db)
	f.StringArrayVar(&o.statuses, "status", nil, "only cases with this status `S` (repeatable, or S,S)")
	f.StringVar(&o.controller, "controller", "", "only the cases of one organisation `ID`")
	f.StringVar(&o.right, "right", "", "only the cases of one right `R`")
	f.BoolVar(&o.overdue, "overdue", false, "only overdue cases")
	f.StringVar(&o.within, "due-within", "", "only cases due within a `SPAN` (7d, 36h)")
	f.StringVar(&o.query, "query", "", "only cases matching `TEXT` as the terminal app's filter does (words; "+cases.QuerySyntax+", each by its start)")
	f.BoolVar(&o.all, "all", false, "closed cases too")
	f.BoolVar(&o.unanswered, "unanswered", false, "only the cases closed with their answer not sent")
	f.BoolVar(&o.voided, "voided", false, "only the voided cases (recorded by mistake), which no other list shows")
	jsonFlag(cmd, &o.asJSON, "an array of cases")
	_ = cmd.RegisterFlagCompletionFunc("status", completeSlugs(cases.Slugs(cases.Statuses)))
	_ = cmd.RegisterFlagCompletionFunc("right", completeSlugs(cases.Slugs(cases.Rights)))
	_ = cmd.RegisterFlagCompletionFunc("controller", a.completeController)
	cmd.RunE = a.runs(func([]string) int { return a.runList(o) })
	return cmd
}

func (a *app) runList(o listOptions) int {
	f := storage.Filter{Controller: o.controller, Overdue: o.overdue, Query: o.query, All: o.all, Voided: o.voided,
		AnswerNotSent: o.unanswered}
	var err error
	for _, s := range o.statuses {
		for _, part := range strings.Split(s, ",") {
			st, err := cases.ParseStatus(strings.TrimSpace(part))
			if err != nil {
				return a.fail(exitUsage, fmt.Errorf("list: %w", err))
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if o.right != "" {
		if f.Right, err = cases.ParseRight(o.right); err != nil {
			return a.fail(exitUsage, fmt.Errorf("list: %w", err))
		}
	}
	if o.within != "" {
		if f.DueWithin, err = parseSpan(o.within); err != nil {
			return a.fail(exitUsage, fmt.Errorf("list: --due-within: %w", err))
		}
	}
	now := a.clock.Now()
	// JSON: the stored views are already each case as CLI.md prints it, so
	// they are joined as they come; text: one row per case. All of it is
	// printed once the list has been read: a failure prints no half list.
	var out chunks
	n := 0
	st := a.cases(a.dbPath(o.db))
	if o.asJSON {
		out.WriteByte('[')
		var escaped []byte // one buffer for every view
		err = st.ListViews(f, now, func(view []byte) error {
			if n > 0 {
				out.WriteByte(',')
			}
			escaped = cases.AppendEscapedJSON(escaped[:0], view)
			out.Write(escaped)
			n++
			return nil
		})
	} else {
		err = st.List(f, now, func(s *cases.Summary, _ func() []byte) error {
			fmt.Fprintf(&out, "%-16s %-12s %-18s %-13s %-14s %s\n", s.ID, cases.Printable(s.Controller), s.Right, s.Status,
				cases.Countdown(s, now), cases.Printable(s.SubjectName))
			n++
			return nil
		})
	}
	if err == nil && n == 0 && o.controller != "" {
		// Checked only for an empty list, so that a list pays nothing
		// for it: an organisation with cases is known.
		if uerr := knownOrganisation(st, o.controller); uerr != nil {
			out.release()
			return a.fail(exitUsage, fmt.Errorf("list: --controller: %w", uerr))
		}
	}
	if err != nil {
		out.release()
		return a.storeFailure(err)
	}
	if o.asJSON {
		out.WriteString("]\n")
	}
	out.printTo(a.stdout)
	return exitOK
}

// knownOrganisation refuses an organisation the database has no register
// of (in team mode: none of the caller's).
func knownOrganisation(st storage.Service, id string) error {
	versions, err := st.CurrentRegisters()
	if err != nil {
		return nil // the list itself read fine: nothing to say of the name
	}
	var ids []string
	for _, v := range versions {
		if v.Register == id {
			return nil
		}
		ids = append(ids, v.Register)
	}
	slices.Sort(ids)
	return fmt.Errorf("unknown organisation %q (known: %s)", cases.Printable(id), strings.Join(ids, ", "))
}

// chunks keeps a command's output until it is printed, in pieces of
// 64 KiB: a bytes.Buffer grown to the megabytes of a long list copied and
// zeroed each size it passed through (a quarter of `list --overdue --json`'s
// CPU at 100,000 cases). The pieces are cut from an outputArea
// (output_linux.go), released once printed.
type chunks struct {
	bufs [][]byte
	area outputArea
}

const chunkSize = 64 << 10

func (c *chunks) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(c.bufs) == 0 || len(c.bufs[len(c.bufs)-1]) == chunkSize {
			c.bufs = append(c.bufs, c.area.piece())
		}
		last := &c.bufs[len(c.bufs)-1]
		k := min(len(p), chunkSize-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

func (c *chunks) WriteByte(b byte) error {
	_, err := c.Write([]byte{b})
	return err
}

func (c *chunks) WriteString(s string) (int, error) { return c.Write([]byte(s)) }

// printTo prints the pieces, stopping at the first that fails (a closed
// pipe: the reader has gone), and lets go of them.
func (c *chunks) printTo(w io.Writer) {
	defer c.release()
	for _, b := range c.bufs {
		if _, err := w.Write(b); err != nil {
			return
		}
	}
}

// release gives back the pieces' memory; the output is empty after.
func (c *chunks) release() {
	c.bufs = nil
	c.area.release()
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

// showCommand prints one case with its deadlines, working and timeline.
func (a *app) showCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "show ID", Short: "one case: facts, deadlines with their working, timeline",
		Args: argsBetween(1, 1, "which case?"), Example: "  rightsdesk show DSR-2026-000042\n  rightsdesk show DSR-2026-000042 --json"}
	var db string
	var asJSON bool
	dbFlag(cmd, &db)
	jsonFlag(cmd, &asJSON, "the case with its events and steps")
	cmd.ValidArgsFunction = a.completeCaseID(nil)
	cmd.RunE = a.runs(func(args []string) int { return a.runShow(db, args[0], asJSON) })
	return cmd
}

func (a *app) runShow(db, id string, asJSON bool) int {
	now := a.clock.Now()
	l, err := a.cases(a.dbPath(db)).Get(id)
	if err != nil {
		return a.storeFailure(err)
	}
	st, err := l.Case.Derive(now)
	if err != nil {
		return a.storeFailure(err)
	}
	v := newCaseJSON(cases.NewView(l.Case, st, l.Revision, true), st)
	if asJSON {
		return a.printJSON(v)
	}
	sum := cases.Summarize(l.Case, st, l.Revision)
	printCase(a.stdout, v, cases.Countdown(&sum, now))
	return exitOK
}

// printCase is show's text: every time in the case's legal zone with the
// zone's abbreviation (cases.TimeIn), as the app shows it; --json keeps
// RFC 3339.
func printCase(w io.Writer, v *caseJSON, countdown string) {
	p := cases.Printable
	loc, err := cases.LoadZone(v.Zone)
	if err != nil {
		loc = time.UTC
	}
	if v.Voided != nil {
		// First, before anything the case says: it was recorded by mistake.
		fmt.Fprintf(w, "VOIDED on %s by %s: %s\n(kept with its timeline; out of the queue, lists and statistics)\n\n",
			cases.TimeIn(v.Voided.At, v.Zone), p(v.Voided.By), p(v.Voided.Reason))
	}
	fmt.Fprintf(w, "%s  %s  %s  %s (revision %d)\n", v.ID, p(v.Controller), v.Right, v.Status, v.Revision)
	fmt.Fprintf(w, "subject      %s", p(v.Subject.Name))
	for _, s := range []string{v.Subject.Email, v.Subject.Phone, v.Subject.PostalAddress} {
		if s != "" {
			fmt.Fprintf(w, ", %s", p(s))
		}
	}
	fmt.Fprintln(w)
	if len(v.Subject.Identifiers) > 0 {
		var ids []string
		for _, k := range slices.Sorted(maps.Keys(v.Subject.Identifiers)) {
			ids = append(ids, p(k)+"="+p(v.Subject.Identifiers[k]))
		}
		fmt.Fprintf(w, "identifiers  %s\n", strings.Join(ids, "; "))
	}
	if v.Requester != nil {
		fmt.Fprintf(w, "requester    %s (%s)\n", p(v.Requester.Name), v.Requester.Relation)
	}
	if len(v.Linked) > 0 {
		fmt.Fprintf(w, "same request %s\n", strings.Join(v.Linked, ", "))
	}
	fmt.Fprintf(w, "received     %s via %s\n", cases.TimeIn(v.ReceivedAt, v.Zone), v.Channel)
	fmt.Fprintf(w, "countdown    %s\n", countdown)
	if v.Text != "" {
		fmt.Fprintf(w, "request text:\n  %s\n", strings.ReplaceAll(cases.PrintableLines(v.Text), "\n", "\n  "))
	}
	fmt.Fprintln(w)
	printDeadlines(w, v.Deadlines)
	printWork(w, v, loc)
	fmt.Fprintln(w, "\ntimeline:")
	width := 0
	for _, e := range v.Events {
		width = max(width, len(cases.TimeIn(e.At, v.Zone)))
	}
	for _, e := range v.Events {
		line := fmt.Sprintf("  %-*s  %-24s %s", width, cases.TimeIn(e.At, v.Zone), e.Kind, p(e.Actor))
		if words := cases.OverrideWords(e.Overridden); words != "" {
			line += " (" + words + ")"
		}
		for _, d := range e.Details() {
			if d.Label == "ground" { // never a bare slug: what it stands for too
				d.Value = cases.GroundLabel(d.Value)
			}
			d.Value = cases.LineBreaks(d.Value)
			if d.Label != "late" && d.Label != "overridden" { // said with the actor, or below with how late
				line += " | " + p(d.String())
			}
		}
		if e.Late != "" {
			line += " (" + p(lateWords(e.At, e.RecordedAt, e.Late)) + ")"
		}
		fmt.Fprintln(w, line)
	}
}

// checkCommand verifies the file and every chain.
func (a *app) checkCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "check", Short: "verify the file and every timeline's hash chain", Args: noArgs,
		Long: `Verifies the database file and every case's timeline (its hash chain, its
indexes), and every organisation's log: each event's leaf at its place, no
leaf more, and the signed checkpoints over the root the events give. With
--against FILE (from checkpoint --out, or an earlier packet or record) also
that the logs still extend those checkpoints: a rewrite or rollback since,
even by the key's holder, shows. Says each replaced signing key; prints each
problem found and exits 1 if there is any.`,
		Example: "  rightsdesk check\n  rightsdesk check --json --db backup.db\n  rightsdesk check --against /media/usb/checkpoint.json"}
	var db, against string
	var asJSON bool
	dbFlag(cmd, &db)
	jsonFlag(cmd, &asJSON, "the problems")
	cmd.Flags().StringVar(&against, "against", "", "also check the logs extend the checkpoints of `FILE` (checkpoint --out, or an earlier packet or record)")
	cmd.RunE = a.runs(func([]string) int { return a.runCheck(db, asJSON, against) })
	return cmd
}

func (a *app) runCheck(db string, asJSON bool, against string) int {
	var problems []storage.Problem
	var err error
	if a.team != nil {
		problems, err = a.client.Check()
	} else {
		problems, err = a.store(a.dbPath(db)).Check()
	}
	if err != nil {
		return a.storeFailure(err)
	}
	if against != "" {
		more, status := a.checkAgainst(db, against)
		if status != exitOK {
			return status
		}
		problems = append(problems, more...)
	}
	if !asJSON {
		a.reportKeys(db)
	}
	if asJSON {
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
		found := fmt.Sprintf("%d problems; first", len(problems))
		if len(problems) == 1 {
			found = "1 problem"
		}
		fmt.Fprintf(a.stderr, "rightsdesk: check found %s: %s\n", found, cases.Printable(problems[0].String()))
		return exitRefused
	}
	if !asJSON {
		fmt.Fprintln(a.stdout, "ok: the file and every timeline chain verify")
	}
	return exitOK
}

// backupCommand writes a verified hot copy, of everything or of one
// organisation's cases.
func (a *app) backupCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "backup DEST", Short: "a verified hot copy of the database", Args: argsBetween(1, 1, "where to? (DEST)"),
		Long: `Writes a verified copy of the database to DEST while others keep working (writers
wait while it is made), or with --controller a database of one organisation's
cases only. Prints DEST.`,
		Example: "  rightsdesk backup /backup/cases-$(date +%F).db\n  rightsdesk backup crisp.db --controller crisp"}
	var db string
	dbFlag(cmd, &db)
	controller := cmd.Flags().String("controller", "", "copy only the cases of one organisation `ID`")
	_ = cmd.RegisterFlagCompletionFunc("controller", a.completeController)
	cmd.ValidArgsFunction = completeFiles
	asJSON := cmd.Flags().Bool("json", false, `print {"path": ..., "checkpoints": ...} as one JSON value on one line`)
	cmd.RunE = a.runs(func(args []string) int { return a.runBackup(db, args[0], *controller, *asJSON) })
	return cmd
}

// restoreCommand puts a backup back in place of the database, recorded.
func (a *app) restoreCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "restore BACKUP", Short: "put a backup in place of the database, recorded as a restored event",
		Args: argsBetween(1, 1, "which backup? (BACKUP)"),
		Long: `Puts BACKUP (a file rightsdesk backup wrote) in place of the database and records
a restored event in the database's own chain, never silently: check reports it,
and a checkpoint exported after the backup was taken shows the rollback
(check --against). The backup must check clean and be a backup of this
database; a damaged database is not read first (restoring is what it is for),
and a missing one is made from the backup. Writers wait while it is written
in place. What was recorded after the backup was taken is not in it.`,
		Example: "  rightsdesk restore /backup/cases-2026-11-29.db"}
	var db string
	dbFlag(cmd, &db)
	cmd.ValidArgsFunction = completeFiles
	asJSON := cmd.Flags().Bool("json", false, `print {"database": ..., "from": ..., "reason": ...} as one JSON value on one line`)
	cmd.RunE = a.runs(func(args []string) int { return a.runRestore(db, args[0], *asJSON) })
	return cmd
}

func (a *app) runRestore(db, from string, asJSON bool) int {
	if info, err := os.Stat(from); err != nil || !info.Mode().IsRegular() {
		return a.fail(exitUsage, fmt.Errorf("restore: %s is not a backup file", from))
	}
	a.beginWrite()
	ev, err := a.store(a.dbPath(db)).Restore(from, a.clock.Now())
	if err != nil {
		return a.storeFailure(err)
	}
	if asJSON {
		return a.printJSON(map[string]string{"database": a.dbPath(db), "from": from, "reason": ev.Reason})
	}
	fmt.Fprintf(a.stdout, "restored %s from %s: %s\n", a.dbPath(db), from, cases.Printable(ev.Reason))
	return exitOK
}

func (a *app) runBackup(db, dest, controller string, asJSON bool) int {
	printed := func() int {
		if asJSON {
			return a.printJSON(map[string]string{"path": dest, "checkpoints": storage.CheckpointsOf(dest)})
		}
		fmt.Fprintln(a.stdout, dest)
		return exitOK
	}
	if controller != "" {
		regs, err := a.loadRegisters(db, "")
		if err == nil {
			_, err = regs.Get(controller)
		}
		if err != nil {
			return a.fail(exitUsage, fmt.Errorf("backup: %w", err))
		}
	}
	a.beginWrite() // the copy is a file written
	if a.team != nil {
		if err := a.clientBackup(dest, controller); err != nil {
			return a.storeFailure(err)
		}
		return printed()
	}
	st := a.store(a.dbPath(db))
	bar := a.newProgress("backup: copying", "MiB")
	if bar != nil {
		st.SetProgress(func(done, total int) {
			if done == total {
				bar.relabel("backup: verifying the copy") // what takes the time next
			}
			bar.set(done>>20, total>>20)
		})
		defer st.SetProgress(nil)
	}
	bar.set(0, 0)
	held, err := st.Backup(dest, controller)
	bar.relabel("backup: copied and verified")
	bar.finish(err == nil)
	if err != nil {
		return a.storeFailure(err)
	}
	if held > time.Second {
		fmt.Fprintf(a.stderr, "rightsdesk: the copy held the database for %s; writers waited meanwhile\n", held.Round(time.Millisecond))
	}
	return printed()
}
