package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	bolt "go.etcd.io/bbolt"

	"rightsdesk/etcdstore"
	"rightsdesk/storage"
	"rightsdesk/storage/kv"
)

// migrateCommand moves a team's database between a file and an etcd
// cluster (issue 21).
func (a *app) migrateCommand() *cobra.Command {
	var from, to string
	var o etcdOptions
	cmd := &cobra.Command{Use: "migrate --from SOURCE --to DEST", Short: "move a team's database between a file and an etcd cluster", Args: noArgs,
		Long: `Copies a team's database from a file into an etcd cluster (--to etcd://...), or
from the cluster into a new file (--from etcd://...), and verifies the copy:
the source is checked first (rightsdesk check), the copy is read back and
compared bucket by bucket, key by key, and checked too. Into a cluster, the
key prefix (--etcd-prefix) must be empty, or hold an import of the same file
that was cut short: migrate then goes on where it stopped. The file is not
changed; stop the team server that holds it first. Out of a cluster, the file
must not exist; it records the cluster's revision, so that it can also start
a server's replica (serve --store) without loading it again.`,
		Example: "  rightsdesk migrate --from /var/lib/rightsdesk/cases.db --to etcd://10.0.0.1:2379,10.0.1.1:2379,10.0.2.1:2379 --etcd-prefix rightsdesk/acme/\n" +
			"  rightsdesk migrate --from etcd://10.0.0.1:2379 --to /var/lib/rightsdesk/back.db --etcd-prefix rightsdesk/acme/"}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "the database to copy: a `FILE` or etcd://HOST:PORT[,...]")
	f.StringVar(&to, "to", "", "where to copy it: etcd://HOST:PORT[,...] or a new `FILE`")
	etcdFlags(cmd, &o)
	cmd.RunE = a.runs(func([]string) int { return a.runMigrate(from, to, o) })
	return cmd
}

func (a *app) runMigrate(from, to string, o etcdOptions) int {
	if a.team != nil {
		return a.fail(exitUsage, errors.New("migrate: moves a database file the team server is not holding; run it as the service account, without --socket"))
	}
	_, fromCluster, err := etcdEndpoints(from)
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("migrate --from: %w", err))
	}
	_, toCluster, err := etcdEndpoints(to)
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("migrate --to: %w", err))
	}
	switch {
	case from == "" || to == "":
		return a.fail(exitUsage, errors.New("migrate: give --from and --to (a file and etcd://HOST:PORT[,...])"))
	case fromCluster == toCluster:
		return a.fail(exitUsage, errors.New("migrate: one side is a file, the other etcd://HOST:PORT[,...]"))
	}
	store := to
	if fromCluster {
		store = from
	}
	cluster, err := o.dial(store)
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("migrate: %w", err))
	}
	defer cluster.Close()
	ctx := context.Background()
	a.beginWrite()
	if toCluster {
		return a.migrateIn(ctx, from, cluster, to+" ("+o.prefix+")")
	}
	return a.migrateOut(ctx, cluster, to, from+" ("+o.prefix+")")
}

// migrateIn copies the file at path into the cluster, then verifies the
// cluster's copy through an export next to the file.
func (a *app) migrateIn(ctx context.Context, path string, cluster *etcdstore.Cluster, where string) int {
	path = a.dbPath(path)
	src := storage.Open(path, storage.Options{Shared: storage.IsShared(path)})
	if !src.Exists() {
		return a.fail(exitUsage, fmt.Errorf("migrate: no database at %s", path))
	}
	if st := a.checkClean(src, path); st != exitOK {
		return st
	}
	err := src.ReadFile(func(db *bolt.DB) error { return cluster.Import(ctx, db) })
	if err != nil {
		return a.storeFailure(fmt.Errorf("migrate: into %s: %w", where, err))
	}
	// Read the cluster's copy back into a private file beside the source,
	// compare it with the source and check it.
	back, err := os.CreateTemp(filepath.Dir(path), ".migrate-check-*.db")
	if err != nil {
		return a.fail(exitStore, fmt.Errorf("migrate: a file to read the copy back into: %w", err))
	}
	back.Close()
	defer os.Remove(back.Name())
	if err := exportTo(ctx, cluster, back.Name()); err != nil {
		return a.storeFailure(fmt.Errorf("migrate: reading the copy back from %s: %w", where, err))
	}
	keys, err := sameData(path, back.Name())
	if err != nil {
		return a.fail(exitStore, fmt.Errorf("migrate: the copy in %s differs from %s: %w", where, path, err))
	}
	if st := a.checkClean(storage.Open(back.Name(), storage.Options{}), "the copy in "+where); st != exitOK {
		return st
	}
	fmt.Fprintf(a.stdout, "copied %s into %s: %d keys, read back equal and checked\n", path, where, keys)
	return exitOK
}

// migrateOut copies the cluster's store into a new file at path and
// verifies it.
func (a *app) migrateOut(ctx context.Context, cluster *etcdstore.Cluster, path, where string) int {
	if _, err := os.Lstat(path); err == nil {
		return a.fail(exitUsage, fmt.Errorf("migrate: %s exists: the copy goes into a new file only", path))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return a.fail(exitStore, fmt.Errorf("migrate: %w", err))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return a.fail(exitStore, fmt.Errorf("migrate: %w", err))
	}
	if err := exportTo(ctx, cluster, path); err != nil {
		os.Remove(path)
		return a.storeFailure(fmt.Errorf("migrate: from %s: %w", where, err))
	}
	if st := a.checkClean(storage.Open(path, storage.Options{}), path); st != exitOK {
		return st
	}
	fmt.Fprintf(a.stdout, "copied %s into %s, checked\n", where, path)
	return exitOK
}

// exportTo writes the cluster's store into the new or empty file at path
// (0600).
func exportTo(ctx context.Context, cluster *etcdstore.Cluster, path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: storage.DefaultLockTimeout})
	if err != nil {
		return err
	}
	if err := cluster.Export(ctx, db); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

// checkClean runs check on st and fails with its first problem if any.
func (a *app) checkClean(st *storage.Store, what string) int {
	problems, err := st.Check()
	if err != nil {
		return a.storeFailure(fmt.Errorf("migrate: checking %s: %w", what, err))
	}
	if len(problems) > 0 {
		return a.fail(exitRefused, fmt.Errorf("migrate: check of %s found %d problems; first: %s (nothing is copied from or left as a checked copy)", what, len(problems), problems[0].String()))
	}
	return exitOK
}

// sameData compares the buckets, keys, values and sequences of two files,
// but each one's replica bucket, and returns how many keys they hold.
func sameData(a, b string) (int, error) {
	opts := &bolt.Options{ReadOnly: true, Timeout: storage.DefaultLockTimeout}
	da, err := bolt.Open(a, 0, opts)
	if err != nil {
		return 0, err
	}
	defer da.Close()
	db, err := bolt.Open(b, 0, opts)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n := 0
	err = da.View(func(ta *bolt.Tx) error {
		return db.View(func(tb *bolt.Tx) error {
			return sameBuckets(ta.Cursor(), tb.Cursor(), nil, true, &n)
		})
	})
	return n, err
}

// sameBuckets walks two cursors in step; at the top level (top) every key
// is a bucket and the replica bucket is left out.
func sameBuckets(ca, cb *bolt.Cursor, path []string, top bool, n *int) error {
	skip := func(c *bolt.Cursor, k, v []byte) ([]byte, []byte) {
		for top && k != nil && bytes.Equal(k, kv.ReplicaBucket) {
			k, v = c.Next()
		}
		return k, v
	}
	ka, va := ca.First()
	ka, va = skip(ca, ka, va)
	kb, vb := cb.First()
	kb, vb = skip(cb, kb, vb)
	for ka != nil || kb != nil {
		switch {
		case !bytes.Equal(ka, kb):
			return fmt.Errorf("in %q: key %q against %q", path, ka, kb)
		case va == nil || vb == nil:
			// A key whose value is nil is a bucket (at the top, all are).
			ba, bb := ca.Bucket().Bucket(ka), cb.Bucket().Bucket(kb)
			if ba == nil || bb == nil {
				return fmt.Errorf("in %q: %q is a bucket on one side only", path, ka)
			}
			if ba.Sequence() != bb.Sequence() {
				return fmt.Errorf("in %q: bucket %q's sequence %d against %d", path, ka, ba.Sequence(), bb.Sequence())
			}
			if err := sameBuckets(ba.Cursor(), bb.Cursor(), append(path, string(ka)), false, n); err != nil {
				return err
			}
		case !bytes.Equal(va, vb):
			return fmt.Errorf("in %q: key %q's value differs", path, ka)
		default:
			*n++
		}
		ka, va = ca.Next()
		ka, va = skip(ca, ka, va)
		kb, vb = cb.Next()
		kb, vb = skip(cb, kb, vb)
	}
	return nil
}
