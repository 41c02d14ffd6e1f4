package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"rightsdesk/server"
	"rightsdesk/storage"
)

// In team mode (TRUST.md) every command that reads or changes the cases
// is a client of the team server: the same commands, the same output and
// exit statuses, through server.Client, which is a storage.Service like
// the local store. No local database file is ever opened then, not even
// when the server does not answer.

// teamMode is what a command in team mode talks to.
type teamMode struct {
	socket string
	cfg    *config
}

// statusError is an error found before a command runs that has its own
// exit status (a usage error is 2 without it).
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// teamOnly reports whether cmd exists only in team mode: team and its
// subcommands (in personal mode they say they need it). serve is the
// server itself, never a client.
func teamOnly(cmd *cobra.Command) bool {
	for c := cmd; c != nil && c.HasParent(); c = c.Parent() {
		if c.Name() == "team" && c.Parent() == cmd.Root() {
			return true
		}
	}
	return false
}

// usesCases reports whether cmd reads or changes the cases: those commands
// take --db in personal mode and are clients in team mode.
func usesCases(cmd *cobra.Command) bool {
	return cmd.Flags().Lookup("db") != nil || teamOnly(cmd)
}

// resolveMode decides, before a command runs, whether it is a client of a
// team server, and if so refuses what team mode does not take and connects.
// The configuration is read only by the commands that use the cases, so
// that help and the calculator work on a host whose configuration is broken.
func (a *app) resolveMode(cmd *cobra.Command, args []string) error {
	if (cmd.Name() == "serve" && cmd.Parent() == cmd.Root()) || !usesCases(cmd) {
		return nil
	}
	if demo := cmd.Flags().Lookup("demo"); demo != nil && demo.Changed {
		return nil // the terminal app on the demo database: the user's own file
	}
	if verifiesPacket(cmd, args) {
		return nil // verify PACKET reads the packet alone, offline
	}
	cfg, err := loadConfig(a.getenv)
	if err != nil {
		return err
	}
	socket := teamSocket(a.socketFlag, a.getenv, cfg)
	if socket == "" {
		if teamOnly(cmd) {
			return fmt.Errorf("%s needs team mode: a team server's socket from %s, --socket or $RIGHTSDESK_SOCKET",
				strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" "), configFile(a.getenv))
		}
		return nil
	}
	if f := cmd.Flags().Lookup("db"); f != nil && f.Changed {
		// The service account works on the server's own file directly
		// (restore, a new key) while serve is stopped: the file is its
		// own, and a running server holds the lock, so the command waits
		// its bound and says the file is busy.
		if uid, err := cfg.ServiceUser.uid(); err == nil && uid == os.Getuid() {
			return nil
		}
		return fmt.Errorf("--db names a local database; in team mode the database is the team server's (%s)", socket)
	}
	for _, v := range []string{"RIGHTSDESK_ACTOR", "RIGHTSDESK_NOW"} {
		if a.getenv(v) != "" {
			return fmt.Errorf("%s is not taken in team mode: the server records who acts (your account) and when (its own clock); unset it", v)
		}
	}
	if createsDatabase[cmd.Name()] {
		return fmt.Errorf("in team mode the team server makes and holds the database (rightsdesk serve); %s is for a personal database, "+
			"or for the service account on the server's file with --db while serve is stopped", cmd.Name())
	}
	a.team = &teamMode{socket: socket, cfg: cfg}
	return a.dial()
}

// dial connects to the team server: a server that does not answer is exit
// 3 with one line, and nothing local is tried instead.
func (a *app) dial() error {
	uid, err := a.team.cfg.ServiceUser.uid()
	if err != nil {
		return err
	}
	c, err := server.Dial(a.team.socket, server.DialOptions{ServiceUID: uid, StateDir: a.clientStateDir(),
		ReportedOrigin: reportedOrigin(a.getenv("SSH_CONNECTION")),
		Notice:         func(s string) { fmt.Fprintf(a.stderr, "rightsdesk: note: %s\n", oneLine(s)) }})
	if err != nil {
		// Not a member is a refusal (exit 1); a server that does not
		// answer, or is not the service's, cannot be used now (exit 3).
		if a.isForbidden(err) {
			return &statusError{exitRefused, err}
		}
		return &statusError{exitStore, err}
	}
	a.client = c
	return nil
}

// clientStateDir is where this user's client keeps the last checkpoint it
// verified: $XDG_STATE_HOME/rightsdesk (default ~/.local/state/rightsdesk).
func (a *app) clientStateDir() string {
	if v := a.getenv("XDG_STATE_HOME"); v != "" && filepath.IsAbs(v) {
		return filepath.Join(v, "rightsdesk")
	}
	home := a.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".local", "state", "rightsdesk")
}

// teamOnlyRefusal is the line for what a team server does not offer a
// client, naming who can.
func teamOnlyRefusal(what string) error {
	return fmt.Errorf("%s is the team server's own in team mode: its service account changes it with --db PATH while serve is stopped", what)
}

// forbidden is a role that may not do what was asked: exit 1.
func (a *app) isForbidden(err error) bool {
	var f *server.Forbidden
	return errors.As(err, &f)
}

// clientActor is who the team server says this user is.
func (a *app) clientActor() string {
	if a.whoami == "" {
		m, err := a.client.Whoami()
		if err != nil || strings.TrimSpace(m.Name) == "" {
			return a.osActor()
		}
		a.whoami = m.Name
	}
	return a.whoami
}

// clientBackup is backup DEST in team mode: the server streams the copy
// and this client writes it with its own credentials, beside DEST under
// an exclusive name never reached through a link (0600), checks it as a
// database, exports its checkpoints beside it as every backup does, and
// only then renames it to DEST. On any failure the partial copy goes.
func (a *app) clientBackup(dest, controller string) error {
	tmp := dest + ".partial"
	f, err := storage.CreatePartial(tmp)
	if err != nil {
		return fmt.Errorf("backup %s: %w", dest, err)
	}
	err = a.client.Backup(f, controller)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var witness *storage.CheckpointFile
	if err == nil {
		witness, err = checkedCopy(tmp)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup %s: %w", dest, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup %s: %w", dest, err)
	}
	if err := storage.WriteCheckpointFile(storage.CheckpointsOf(dest), witness); err != nil {
		return fmt.Errorf("backup %s: its checkpoints: %w", dest, err)
	}
	if d, err := os.Open(filepath.Dir(dest)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// checkedCopy checks a copy the server streamed as the database it must
// be, and returns its checkpoints: a copy that does not verify is no backup.
func checkedCopy(path string) (*storage.CheckpointFile, error) {
	st := storage.Open(path, storage.Options{})
	problems, err := st.Check()
	defer os.Remove(path + ".damaged") // the copy's own note, if any
	if err != nil {
		return nil, fmt.Errorf("the copy: %w", err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the copy does not verify: %s", problems[0])
	}
	return st.Checkpoints()
}
