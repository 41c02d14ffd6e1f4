package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
)

// The action and intake tables of cases/ describe each value a command
// takes (cases.Field); the flags, their help and their completion are made
// from them here, so that a field added to a table is a flag at once.

// fieldFlags defines a flag for each field that is not positional and
// returns what was given, by field name, once the command line is parsed.
func fieldFlags(cmd *cobra.Command, fields []cases.Field) func() cases.Values {
	given := map[string]*fieldValue{}
	for _, f := range fields {
		if f.Positional {
			continue
		}
		v := &fieldValue{placeholder: f.Placeholder, repeatable: f.Type == cases.FieldMulti || f.Type == cases.FieldNames}
		switch {
		case switchField(f):
			v.yes = f.Vocabulary[0]
		case f.Type == cases.FieldFiles:
			v.optional = true
		}
		cmd.Flags().Var(v, f.Name, fieldUsage(f))
		switch {
		case v.yes != "":
			cmd.Flags().Lookup(f.Name).NoOptDefVal = "true"
		case v.optional:
			cmd.Flags().Lookup(f.Name).NoOptDefVal = "true"
			_ = cmd.MarkFlagFilename(f.Name)
		case len(f.Vocabulary) > 0:
			_ = cmd.RegisterFlagCompletionFunc(f.Name, completeSlugs(f.Vocabulary))
		}
		given[f.Name] = v
	}
	return func() cases.Values {
		values := cases.Values{}
		for name, v := range given {
			if cmd.Flags().Changed(name) && (v.yes == "" || len(v.values) > 0) {
				values[name] = v.values
			}
		}
		return values
	}
}

// switchField reports whether a field is a switch on the command line: a
// choice of one word ("yes"), given as --draft-sent rather than
// --draft-sent yes.
func switchField(f cases.Field) bool {
	return f.Type == cases.FieldChoice && !f.Positional && len(f.Vocabulary) == 1
}

// fieldUsage is a field's line in help: its hint, whether it is required,
// and what it accepts.
func fieldUsage(f cases.Field) string {
	u := f.Hint
	if u == "" {
		u = f.Label
	}
	switch {
	case switchField(f):
		return u
	case f.Type == cases.FieldFiles && !f.Positional:
		// The backquotes name the value in help: --outside [FILE].
		return u + "; the `[" + f.Placeholder + "]` given is recorded by its SHA-256"
	}
	var notes []string
	if f.Required {
		notes = append(notes, "required")
	}
	if f.Type == cases.FieldMulti || f.Type == cases.FieldNames {
		notes = append(notes, "repeatable")
	}
	if len(notes) > 0 {
		u += " (" + strings.Join(notes, ", ") + ")"
	}
	if len(f.Vocabulary) > 0 {
		u += "; one of: " + strings.Join(f.Vocabulary, ", ")
	}
	return u
}

// fieldValue is a flag's value as given: one string, or with repeatable
// every one given. Its type is the field's placeholder, which help shows as
// the value's name (--reason TEXT). A switch (yes: the word it stands for)
// is given alone or as --flag=false; an optional value (--outside [FILE])
// may be left out.
type fieldValue struct {
	placeholder string
	repeatable  bool
	values      []string
	yes         string
	optional    bool
}

func (v *fieldValue) String() string { return strings.Join(v.values, ",") }

func (v *fieldValue) Set(s string) error {
	switch {
	case v.yes != "":
		on, err := strconv.ParseBool(s)
		if err != nil && s != v.yes {
			return errors.New("want true or false")
		}
		v.values = nil
		if on || s == v.yes {
			v.values = []string{v.yes}
		}
		return nil
	case v.optional && s == "true":
		// Given alone: pflag's value for a flag without one.
		v.values = nil
		return nil
	}
	if v.repeatable {
		v.values = append(v.values, s)
	} else {
		v.values = []string{s}
	}
	return nil
}

func (v *fieldValue) Type() string {
	switch {
	case v.yes != "":
		return "bool"
	case v.optional:
		return "boolfunc" // help names the value from the usage's backquotes
	case v.placeholder == "":
		return "TEXT"
	}
	return v.placeholder
}

// refusal prints a refusal about a field as one line naming the command
// and where the field is given (--FIELD, or its placeholder when it is a
// positional argument), and returns status.
func (a *app) refusal(name string, fields []cases.Field, status int, err error) int {
	return a.fail(status, fmt.Errorf("%s: %w", name, refusalWords(err, fields)))
}

// refusalWords is err in the command line's words: a refusal about a field
// says where the field is given (--FIELD, or the placeholder of a
// positional one among fields); any other error is itself.
func refusalWords(err error, fields []cases.Field) error {
	var r *cases.Refused
	if !errors.As(err, &r) || r.Field == "" {
		return err
	}
	where := "--" + r.Field
	for _, f := range fields {
		if f.Name == r.Field && f.Positional {
			where = f.Placeholder
		}
	}
	return fmt.Errorf("%s (%s)", r.Reason, where)
}
