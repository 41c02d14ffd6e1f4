package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"rightsdesk/cases"
	"rightsdesk/etcdstore"
	"rightsdesk/server"
	"rightsdesk/storage"
)

// shutdownGrace bounds the wait for the change in flight when serve is
// told to stop.
const shutdownGrace = 30 * time.Second

// serveOptions are serve's flags.
type serveOptions struct {
	db, group, admin, adopt string
	// store is etcd://HOST:PORT[,...] for a store kept on a cluster, whose
	// replica is --db (cmd_serve_etcd.go); empty for the file alone.
	store string
	etcd  etcdOptions
}

// serveCommand is the team server.
func (a *app) serveCommand() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{Use: "serve", Short: "the team server: holds the database and serves the team over a Unix socket", Args: noArgs,
		Long: `Runs the team server (TRUST.md): it alone holds the database, and every member's
commands and terminal app go through it over a Unix socket. It knows who calls
from the operating system (the socket's peer credentials), records events with
its own clock, and checks every read and write against the team table
(rightsdesk team). Run it as a dedicated system user that owns the database
(folder 0700, file 0600); systemd's socket activation is taken when present.

The socket is --socket PATH, else $RIGHTSDESK_SOCKET, else the configuration's
(/etc/rightsdesk/config.toml). The database is --db PATH, else state_dir/cases.db
of the configuration, else the usual place; one is made when there is none, and
--admin USER names the first admin of a new team table. --group NAME gives the
socket to the team's group. --adopt PATH copies the database of a team that
shared a group-writable file into --db (a new private file; the old file is
left as it was) and then serves it.

SIGTERM or SIGINT stops it after the change in flight. What is done to the
file itself (restore, checkpoint --rotate-key) its service account does with
--db PATH while serve is stopped; init, demo and restore are refused to the
team's clients.`,
		Example: "  rightsdesk serve --socket /run/rightsdesk/rightsdesk.sock --group dpo --admin dave\n" +
			"  rightsdesk serve --adopt /srv/rightsdesk/cases.db --db /var/lib/rightsdesk/cases.db"}
	f := cmd.Flags()
	dbFlag(cmd, &o.db)
	f.StringVar(&o.group, "group", "", "give the socket to the team's group `NAME` (0660)")
	f.StringVar(&o.admin, "admin", "", "the first admin `USER` of a new team table")
	f.StringVar(&o.adopt, "adopt", "", "copy a shared-mode database `PATH` into a new --db and serve it")
	_ = cmd.MarkFlagFilename("adopt", "db")
	f.StringVar(&o.store, "store", "", "keep the cases on an etcd cluster, `etcd://HOST:PORT[,HOST:PORT...]`, with --db as this server's replica")
	etcdFlags(cmd, &o.etcd)
	etcdWALFlags(cmd, &o.etcd)
	cmd.RunE = a.runs(func([]string) int { return a.runServe(o) })
	return cmd
}

func (a *app) runServe(o serveOptions) int {
	for _, v := range []string{"RIGHTSDESK_ACTOR", "RIGHTSDESK_NOW"} {
		if a.getenv(v) != "" {
			return a.fail(exitUsage, fmt.Errorf("serve: %s is not taken by the team server: it records who acts from the OS and when from its own clock; unset it", v))
		}
	}
	cfg, err := loadConfig(a.getenv)
	if err != nil {
		return a.fail(exitUsage, err)
	}
	socket := teamSocket(a.socketFlag, a.getenv, cfg)
	if socket == "" && a.getenv("LISTEN_FDS") == "" {
		return a.fail(exitUsage, fmt.Errorf("serve: which socket? --socket PATH, $RIGHTSDESK_SOCKET or socket in %s", configFile(a.getenv)))
	}
	path := o.db
	if path == "" && cfg.StateDir != "" {
		path = filepath.Join(cfg.StateDir, "cases.db")
	}
	path = a.dbPath(path)
	gid := -1
	if o.group != "" {
		var err error
		if gid, err = storage.GroupID(o.group); err != nil {
			return a.fail(exitUsage, fmt.Errorf("serve: unknown group %q", o.group))
		}
	}
	cluster, err := o.cluster()
	if err != nil {
		return a.fail(exitUsage, err)
	} else if cluster != nil {
		defer cluster.Close()
	}
	a.beginWrite()
	if cluster != nil {
		// The replica is loaded from the cluster: nothing to make here.
	} else if o.adopt != "" {
		if err := adopt(o.adopt, path); err != nil {
			return a.fail(exitUsage, fmt.Errorf("serve --adopt: %w", err))
		}
		fmt.Fprintf(a.stderr, "rightsdesk: adopted %s as %s (the old file is left as it was; retire it)\n", o.adopt, path)
	} else if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		if err := storage.Init(path, false, ""); err != nil {
			return a.storeFailure(err)
		}
	}
	// A fault in the store makes it read-only, said in one line of the
	// server's log (TRUST.md, "Faults"); reads go on.
	fault := func(detail string) {
		fmt.Fprintf(a.stderr, "%s rightsdesk serve: the database went read-only after a fault (%s); restore it and run rightsdesk check\n",
			time.Now().UTC().Format(time.RFC3339), oneLine(detail))
	}
	opts := storage.Options{IDsPerOrganisation: true, Clock: cases.SystemClock{}, Fault: fault}
	st := storage.Open(path, opts)
	var followed <-chan error
	if cluster != nil {
		var stop func()
		var err error
		if st, followed, stop, err = etcdstore.OpenReplica(context.Background(), path, opts, cluster); err != nil {
			return a.storeFailure(fmt.Errorf("serve --store %s: %w", o.store, err))
		}
		defer stop()
	}
	if test, err := st.IsTest(); err != nil {
		return a.storeFailure(err)
	} else if test {
		// Its salts and key derive from a public seed (TRUST.md); the
		// tests' in-process servers (the harness, servertest) are not
		// this command.
		return a.fail(exitUsage, fmt.Errorf("serve: %s is a test or demo database (its salts and key derive from a public seed); a team server serves only a real one", path))
	}
	if cluster == nil {
		if err := st.Hold(); err != nil {
			return a.storeFailure(err)
		}
		defer st.Close()
	}
	srv, err := server.New(clusterConfig(server.Config{Store: st, Clock: cases.SystemClock{}, Admin: o.admin, Shared: cfg.SharedAccounts,
		ServiceUID: os.Getuid(), Log: a.stderr, Digest: serveDigest, Exported: serveExported}, cluster))
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("serve: %w", err))
	}
	l, err := server.Listen(socket)
	if err != nil {
		return a.fail(exitStore, fmt.Errorf("serve: %w", err))
	}
	if gid >= 0 {
		if err := giveSocket(l, gid); err != nil {
			l.Close()
			return a.fail(exitStore, fmt.Errorf("serve: give the socket to group %s: %w", o.group, err))
		}
	}
	what := path
	if cluster != nil {
		what = fmt.Sprintf("%s (replica %s)", o.store, path)
	}
	return a.serveUntilSignalled(srv, l, what, followed)
}

// serveUntilSignalled serves until SIGTERM or SIGINT, then stops after the
// change in flight; a listener that fails is exit 3.
// followed gets why following the cluster stopped (nil for a file alone):
// the replica would go stale, so the server stops too, exit 3.
func (a *app) serveUntilSignalled(srv *server.Server, l net.Listener, path string, followed <-chan error) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	fmt.Fprintf(a.stderr, "rightsdesk: serving %s on %s\n", path, l.Addr())
	select {
	case err := <-served:
		if err != nil {
			return a.fail(exitStore, fmt.Errorf("serve: %w", err))
		}
		return exitOK
	case err := <-followed:
		grace, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = srv.Shutdown(grace)
		<-served
		return a.fail(exitStore, fmt.Errorf("serve: stopped following the cluster: %w", err))
	case <-ctx.Done():
	}
	grace, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(grace); err != nil {
		return a.fail(exitStore, fmt.Errorf("serve: stopping: %w", err))
	}
	<-served
	fmt.Fprintln(a.stderr, "rightsdesk: stopped")
	return exitOK
}

// giveSocket gives the socket file of l to the group gid: the team's
// members reach it through the group (mode 0660), nobody else at all.
func giveSocket(l net.Listener, gid int) error {
	addr, ok := l.Addr().(*net.UnixAddr)
	if !ok || addr.Name == "" || addr.Name[0] == '@' {
		return fmt.Errorf("not a socket file (%v)", l.Addr())
	}
	if err := os.Chown(addr.Name, -1, gid); err != nil {
		return err
	}
	return os.Chmod(addr.Name, 0o660)
}

// adopt copies a shared-mode database (a team's group-writable file) to
// path, a new private file in a private folder, through a checked hot copy
// under the old file's lock (members still writing wait, none is lost).
// The old file's mode is never changed: a chmod would not revoke the write
// handles already open, so the team moves to the new file instead.
func adopt(from, path string) error {
	info, err := os.Stat(from)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a database file", from)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s exists: adopt copies into a new file only (give another --db)", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if di, err := os.Stat(dir); err != nil {
		return err
	} else if di.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s can be reached by others (mode %v): the team's database needs a folder of its own (0700)", dir, di.Mode().Perm())
	}
	old := storage.Open(from, storage.Options{Shared: storage.IsShared(from)})
	if !old.Exists() {
		return fmt.Errorf("no database at %s", from)
	}
	if _, err := old.Backup(path, ""); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

// cluster is the etcd cluster of --store (nil for a file alone).
func (o serveOptions) cluster() (*etcdstore.Cluster, error) {
	if o.store == "" {
		return nil, nil
	}
	if o.adopt != "" {
		return nil, errors.New("serve: --adopt copies into a file of its own; to move a database into a cluster, rightsdesk migrate --from FILE --to etcd://HOST:PORT")
	}
	c, err := o.etcd.dial(o.store)
	if err != nil {
		return nil, fmt.Errorf("serve --store: %w", err)
	}
	return c, nil
}

// clusterConfig is cfg for a store kept on cluster c (nil for a file alone,
// cfg as it is): a purge is erased from the cluster, check verifies that
// erasure on every member, and the server refuses requests while it cannot
// confirm that its replica is current.
func clusterConfig(cfg server.Config, c *etcdstore.Cluster) server.Config {
	if c != nil {
		cfg.Erase, cfg.ErasureProblems, cfg.Current = c.Erase, c.ErasureProblems, c.CatchUp
	}
	return cfg
}
