package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage"
)

// controllersCommand shows the registers and changes them (CLI.md:
// rightsdesk controllers [ID]; the verbs are in cmd_register.go).
func (a *app) controllersCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "controllers [ID [edit | import FILE | history | diff [V1] [V2]]]",
		Short: "the organisations' registers: show one, edit it, import, history, diff",
		Long: `Without ID: the organisations' registers, one line each (regime, zone,
promise, authority, number of gaps). With ID: that register in full, every
fact with its provenance (seed: the policy section; assumed: the rule to
confirm; dpo; missing), then its gaps; --toml prints its TOML.

Registers live in the database, shared by everyone who uses it: the
built-in ones are stored as version 1 when it is made, and each change is a
new version, kept forever with who stored it, when and why. Cases keep the
rules of the version they were opened under until rebaseline.

  controllers ID edit          opens the current version in $VISUAL, else
                               $EDITOR, else vi; it is checked when you
                               save, and reopened with the errors at the top
                               until it is valid; an unchanged file stores
                               nothing. A fact whose value you change becomes
                               source = "dpo", with who and when.
  controllers ID import FILE   stores FILE as the next version (checked).
  controllers ID history       lists the versions.
  controllers ID diff [V1] [V2] what changed, fact by fact (default: the
                               version before the current one, and it).

Files in $XDG_CONFIG_HOME/rightsdesk/registers (default
~/.config/rightsdesk/registers) are not applied: controllers says when one
differs from the stored register, and import stores it. --registers DIR lays
the files of DIR over the stored registers for one command (tests, scripts),
each marked as not stored.`,
		Example: "  rightsdesk controllers\n  rightsdesk controllers crisp\n  rightsdesk controllers crisp edit --reason \"legal name from the Kbis\"\n" +
			"  rightsdesk controllers crisp history\n  rightsdesk controllers crisp diff 1 2",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 && !slices.Contains(registerVerbs, args[1]) {
				return fmt.Errorf("one organisation at a time, not %q (or a verb: %s)", strings.Join(args, " "), strings.Join(registerVerbs, ", "))
			}
			return nil
		}}
	var o registerOptions
	jsonFlag(cmd, &o.asJSON, "the registers")
	dbFlag(cmd, &o.db)
	registersFlag(cmd, &o.dir)
	cmd.Flags().BoolVar(&o.toml, "toml", false, "print the register's current version as TOML")
	cmd.Flags().StringVar(&o.reason, "reason", "", "why the register changes (edit, import; default: what was done)")
	cmd.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch len(args) {
		case 0:
			return a.completeController(cmd, args, toComplete)
		case 1:
			return registerVerbs, cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveDefault
	}
	cmd.RunE = a.runs(func(args []string) int {
		if len(args) > 1 {
			return a.runRegisterVerb(args[0], args[1], args[2:], o)
		}
		return a.runControllers(args, o)
	})
	return cmd
}

// runControllers prints the registers, or the one named.
func (a *app) runControllers(positional []string, o registerOptions) int {
	rs, err := a.loadRegisters(o.db, o.dir)
	if err != nil {
		return a.registersFailure("", err)
	}
	if len(positional) == 1 {
		r, err := rs.Get(positional[0])
		if err != nil {
			return a.fail(exitUsage, fmt.Errorf("controllers: %w", err))
		}
		a.noteOverride(r)
		if o.toml {
			if _, err := a.stdout.Write(r.Source()); err != nil {
				return a.fail(exitUsage, fmt.Errorf("controllers: %w", err))
			}
			return exitOK
		}
		if o.asJSON {
			return a.printJSON(registerJSON{Register: r, Regimes: regimesOf(r), Gaps: nonNil(r.Gaps())})
		}
		printRegister(a.stdout, r)
		return exitOK
	}
	all := rs.All()
	for _, r := range all {
		a.noteOverride(r)
	}
	if o.asJSON {
		out := make([]registerSummary, 0, len(all))
		for _, r := range all {
			out = append(out, summarize(r))
		}
		return a.printJSON(out)
	}
	printRegisterList(a.stdout, all)
	return exitOK
}

// configRegisters is the override folder, $XDG_CONFIG_HOME/rightsdesk/registers
// (default ~/.config/rightsdesk/registers): since the registers live in the
// database, a file there is applied by nobody; controllers says when one
// differs from the stored register and how to import it.
func configRegisters(getenv func(string) string) string {
	config := getenv("XDG_CONFIG_HOME")
	if config == "" || !filepath.IsAbs(config) { // the XDG spec ignores relative paths
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		config = filepath.Join(home, ".config")
	}
	return filepath.Join(config, "rightsdesk", "registers")
}

// loadRegisters reads the registers every command works with: the current
// version of each in the database db (the --db flag's value); a database not
// made yet gives the built-in registers, which making it seeds as their
// version 1. flagDir (--registers) lays the register files of a folder over
// them for this one command, for tests and scripts: each says it was read
// from its file and not stored, and the rules frozen from it cite that.
func (a *app) loadRegisters(db, flagDir string) (*register.Registers, error) {
	return registersIn(a.cases(a.dbPath(db)), flagDir)
}

// registersIn is loadRegisters from the cases st (nil: no database yet).
func registersIn(st storage.Service, flagDir string) (*register.Registers, error) {
	versions, err := []storage.RegisterVersion(nil), storage.ErrNoDatabase
	if st != nil {
		versions, err = st.CurrentRegisters()
	}
	var all []*register.Register
	switch {
	case errors.Is(err, storage.ErrNoDatabase):
		builtIn, err := register.LoadRegisters(register.Embedded())
		if err != nil {
			return nil, err
		}
		for _, r := range builtIn.All() {
			r.Stored(1, fmt.Sprintf("%x", sha256.Sum256(r.Source())))
			r.File = "built in (version 1 of the database to be made)"
			all = append(all, r)
		}
	case err != nil:
		return nil, err
	}
	// Each register is parsed and checked on its own goroutine: the five
	// of the demo take ~15 ms one after the other, on the app's way to its
	// first frame.
	parsed, errs := make([]*register.Register, len(versions)), make([]error, len(versions))
	var wg sync.WaitGroup
	for i, v := range versions {
		wg.Go(func() { parsed[i], errs[i] = register.ParseRegister("database/"+v.Register+".toml", v.TOML) })
	}
	wg.Wait()
	for i, v := range versions {
		if errs[i] != nil {
			return nil, fmt.Errorf("register %s version %d: %w", v.Register, v.Number, errs[i])
		}
		parsed[i].Stored(v.Number, v.SHA256)
		all = append(all, parsed[i])
	}
	if flagDir != "" {
		info, err := os.Stat(flagDir)
		if err != nil {
			return nil, fmt.Errorf("--registers: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("--registers: %s is not a folder", flagDir)
		}
		over, err := register.LoadRegisters(register.Layer{Name: flagDir, FS: os.DirFS(flagDir)})
		if err != nil {
			return nil, err
		}
		for _, r := range over.All() {
			r.Unstored()
			all = append(all, r)
		}
	}
	return register.FromRegisters(all...), nil
}

// completionRegisters are the registers for a completion: read through
// its store, bounded as every completion, from the command's --db and
// --registers.
func (a *app) completionRegisters(cmd *cobra.Command) (*register.Registers, error) {
	dir, _ := cmd.Flags().GetString("registers")
	if st := a.completionStore(cmd); st != nil {
		return registersIn(st, dir)
	}
	return registersIn(nil, dir)
}

// registersFailure reports a failure to load the registers: the database
// unusable now is exit 3, as for any command that reads it; a register that
// does not load is bad input. prefix names the command ("" for none).
func (a *app) registersFailure(prefix string, err error) int {
	if prefix != "" {
		err = fmt.Errorf("%s: %w", prefix, err)
	}
	for _, e := range []error{storage.ErrBusy, storage.ErrDamaged, storage.ErrForeign, storage.ErrNewer} {
		if errors.Is(err, e) {
			return a.fail(exitStore, err)
		}
	}
	return a.fail(exitUsage, err)
}

// registerSummary is one line of the list, in JSON.
type registerSummary struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	LegalName   *string  `json:"legal_name"`
	Version     string   `json:"version"`
	File        string   `json:"file"`
	Regime      string   `json:"regime"`
	Regimes     []string `json:"regimes"`
	Zone        string   `json:"tz"`
	Calendar    string   `json:"calendar"`
	PromiseDays *int     `json:"promise_days"`
	Authority   *string  `json:"authority"`
	Gaps        int      `json:"gaps"`
}

// registerJSON is one register in full, with what is derived from it.
type registerJSON struct {
	*register.Register
	Regimes []string       `json:"regimes"`
	Gaps    []register.Gap `json:"gaps"`
}

func summarize(r *register.Register) registerSummary {
	s := registerSummary{ID: r.ID, Name: r.DisplayName(), Version: r.Version.String(), File: r.File,
		Regime: r.Clock.Regime.Value, Regimes: regimesOf(r), Zone: r.Clock.Zone.Value,
		Calendar: r.Clock.Calendar.Value, Gaps: len(r.Gaps())}
	if r.LegalName.Known() {
		s.LegalName = &r.LegalName.Value
	}
	if r.Clock.PromiseDays.Value > 0 {
		s.PromiseDays = &r.Clock.PromiseDays.Value
	}
	if r.Authority.Name.Known() {
		s.Authority = &r.Authority.Name.Value
	}
	return s
}

// regimesOf lists every regime a case of the organisation may be judged
// by, processor-forward included when it is a processor of some data.
func regimesOf(r *register.Register) []string {
	out := r.Regimes()
	if _, err := r.Rules("processor-forward"); err == nil {
		out = append(out, "processor-forward")
	}
	return out
}

func nonNil(g []register.Gap) []register.Gap {
	if g == nil {
		return []register.Gap{}
	}
	return g
}

func printRegisterList(w io.Writer, all []*register.Register) {
	p := cases.Printable
	fmt.Fprintf(w, "%-12s %-28s %-8s %-20s %-7s %-30s %s\n", "ID", "NAME", "REGIME", "ZONE", "PROMISE", "AUTHORITY", "GAPS")
	for _, r := range all {
		promise := "-"
		if d := r.Clock.PromiseDays.Value; d > 0 {
			promise = strconv.Itoa(d) + "d"
		}
		authority := "(missing)"
		if r.Authority.Name.Known() {
			authority = r.Authority.Name.Value
		}
		zone := r.Clock.Zone.Value
		if r.Clock.Zone.Source == register.SourceAssumed {
			zone += "*"
		}
		fmt.Fprintf(w, "%s %s %s %s %s %s %d\n", pad(p(r.ID), 12), pad(clip(p(r.DisplayName()), 28), 28),
			pad(p(r.Clock.Regime.Value), 8), pad(p(zone), 20), pad(promise, 7), pad(clip(p(authority), 30), 30), len(r.Gaps()))
	}
	fmt.Fprintln(w, "\n* assumed, not stated in the policy (confirm). 'rightsdesk controllers ID' shows one register with its gaps.")
}

// pad fills s with spaces to n terminal cells (fmt pads to n bytes, which
// breaks the columns of names such as "Urzędu"; counting runes breaks them
// for wide characters such as 東 and for combining accents).
func pad(s string, n int) string {
	if k := ansi.StringWidth(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// clip shortens s to at most n terminal cells for a column, ending in "…"
// when it was cut.
func clip(s string, n int) string {
	return ansi.Truncate(s, n, "…")
}

func printRegister(w io.Writer, r *register.Register) {
	p := cases.Printable
	fmt.Fprintf(w, "%s: %s\n", p(r.ID), p(r.DisplayName()))
	fmt.Fprintf(w, "version %s, read from %s\n", p(r.Version.String()), p(r.File))
	if r.Policy.File != "" || r.Policy.Title != "" {
		fmt.Fprintf(w, "derived from the policy %q (%s)\n", p(r.Policy.Title), p(r.Policy.File))
	}
	fmt.Fprintf(w, "regimes: %s\n", p(strings.Join(regimesOf(r), ", ")))
	group := ""
	for _, f := range r.Facts() {
		top, _, _ := strings.Cut(f.Field, ".")
		top, _, _ = strings.Cut(top, "[")
		if top != group {
			group = top
			fmt.Fprintln(w)
			if f.Field != top { // a table or a list: name it
				fmt.Fprintln(w, strings.ReplaceAll(top, "_", " "))
			}
		}
		value := f.Fact.Text()
		if !f.Fact.Known() {
			value = "(missing)"
		}
		fmt.Fprintf(w, "  %-34s %s\n", p(f.Field), p(value))
		prov := f.Provenance.Describe()
		if f.Provenance.Note != "" {
			prov += " (" + f.Provenance.Note + ")"
		}
		fmt.Fprintf(w, "  %-34s   [%s]\n", "", p(prov))
	}
	gaps := r.Gaps()
	fmt.Fprintf(w, "\ngaps (%d)", len(gaps))
	if len(gaps) > 0 {
		fmt.Fprintf(w, ": fill them with %s", p(r.EditCommand()))
	}
	fmt.Fprintln(w)
	for _, g := range gaps {
		fmt.Fprintf(w, "  - %s %s: %s\n", p(g.Kind), p(g.Field), p(g.Text))
		if g.TOML != "" {
			fmt.Fprintf(w, "      fill %s, e.g. %s\n", p(g.TOML), p(register.OneLine(g.Example)))
		}
	}
}
