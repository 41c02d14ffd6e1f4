package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

// controllersCommand shows the registers (CLI.md: rightsdesk controllers [ID]).
func (a *app) controllersCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "controllers [ID]", Short: "the organisations' registers, or one in full with provenance and gaps",
		Long: `Without ID: the organisations' registers, one line each (regime, zone,
promise, authority, number of gaps). With ID: that register in full, every
fact with its provenance (seed: the policy section; assumed: the rule to
confirm; dpo; missing), then its gaps.

Registers are built in; files DIR/ID.toml in $XDG_CONFIG_HOME/rightsdesk/registers
(default ~/.config/rightsdesk/registers), then in --registers DIR, replace
the register with the same id.`,
		Example: "  rightsdesk controllers\n  rightsdesk controllers crisp --json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return fmt.Errorf("one organisation at a time, not %q", strings.Join(args, " "))
			}
			return nil
		}}
	var asJSON bool
	var dir string
	jsonFlag(cmd, &asJSON, "the registers")
	registersFlag(cmd, &dir)
	cmd.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return a.completeController(cmd, args, toComplete)
	}
	cmd.RunE = a.runs(func(args []string) int { return a.runControllers(args, dir, asJSON) })
	return cmd
}

// runControllers prints the registers, or the one named.
func (a *app) runControllers(positional []string, dir string, asJSON bool) int {
	rs, err := loadRegisters(a.getenv, dir)
	if err != nil {
		return a.fail(exitUsage, err)
	}
	if len(positional) == 1 {
		r, err := rs.Get(positional[0])
		if err != nil {
			return a.fail(exitUsage, fmt.Errorf("controllers: %w", err))
		}
		if asJSON {
			return a.printJSON(registerJSON{Register: r, Regimes: regimesOf(r), Gaps: nonNil(r.Gaps())})
		}
		printRegister(a.stdout, r)
		return exitOK
	}
	all := rs.All()
	if asJSON {
		out := make([]registerSummary, 0, len(all))
		for _, r := range all {
			out = append(out, summarize(r))
		}
		return a.printJSON(out)
	}
	printRegisterList(a.stdout, all)
	return exitOK
}

// registerFolders are the folders whose register files override the
// built-in ones, in order: the user's configuration, then --registers.
func registerFolders(getenv func(string) string, flagDir string) ([]string, error) {
	var dirs []string
	config := getenv("XDG_CONFIG_HOME")
	if config == "" || !filepath.IsAbs(config) { // the XDG spec ignores relative paths
		if home := getenv("HOME"); home != "" {
			config = filepath.Join(home, ".config")
		} else {
			config = ""
		}
	}
	if config != "" {
		dirs = append(dirs, filepath.Join(config, "rightsdesk", "registers"))
	}
	if flagDir != "" {
		info, err := os.Stat(flagDir)
		if err != nil {
			return nil, fmt.Errorf("--registers: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("--registers: %s is not a folder", flagDir)
		}
		dirs = append(dirs, flagDir)
	}
	return dirs, nil
}

// loadRegisters loads the built-in registers and the overrides.
func loadRegisters(getenv func(string) string, flagDir string) (*register.Registers, error) {
	dirs, err := registerFolders(getenv, flagDir)
	if err != nil {
		return nil, err
	}
	layers := []register.Layer{register.Embedded()}
	for _, d := range dirs {
		layers = append(layers, register.Layer{Name: d, FS: os.DirFS(d)})
	}
	return register.LoadRegisters(layers...)
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
