package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
)

// createsDatabase names the commands that may make a database where there
// is none: init, and demo (through init); restore, which puts a backup
// where the database was lost; and serve, which makes the team's. Every other command that takes
// --db refuses a missing one (TRUST.md, files that cannot hurt), so that a
// mistyped path makes neither folders nor a database, and a read on it
// does not look like an empty desk.
var createsDatabase = map[string]bool{"init": true, "demo": true, "restore": true, "serve": true}

// databaseFirst refuses, before a command runs, a --db (or $RIGHTSDESK_DB,
// or the default) that names no file: one line naming the path and how to
// create a database there, exit 2. The terminal app with --demo uses the
// demo database, which it makes itself.
func (a *app) databaseFirst(cmd *cobra.Command, args []string) error {
	flag := cmd.Flags().Lookup("db")
	if flag == nil || createsDatabase[cmd.Name()] || a.team != nil {
		return nil
	}
	if demo := cmd.Flags().Lookup("demo"); demo != nil && demo.Changed {
		return nil
	}
	if store := cmd.Flags().Lookup("store"); store != nil && store.Changed {
		return nil // a server's replica, loaded from its cluster when missing
	}
	if verifiesPacket(cmd, args) {
		return nil // verify PACKET reads the packet alone, offline
	}
	path := a.dbPath(flag.Value.String())
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil // there is something: the store says whether it is a database
	}
	return fmt.Errorf("no database at %s (rightsdesk init --db %s creates one)", path, path)
}
