package main

import (
	"errors"
	"flag"
	"io"
	"strings"
)

// stringList is a repeatable flag (--event A --event B).
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// newFlags returns a flag set that reports errors to the caller instead of
// printing usage and exiting.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// errHelp is returned when --help was asked for.
var errHelp = flag.ErrHelp

// parseAnywhere parses flags that may come before or after positional
// arguments, as CLI.md requires (Go's flag stops at the first positional
// argument). Everything after "--" is positional.
func parseAnywhere(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, flagError(err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// flag.Parse consumed "--" if it stopped there.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagError rewords the flag package's errors as one plain line.
func flagError(err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return errors.New("unknown flag " + rest)
	}
	if rest, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return errors.New("flag " + rest + " needs a value")
	}
	return errors.New(msg)
}
