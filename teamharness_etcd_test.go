//go:build !race

package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/etcdstore"
	"rightsdesk/internal/etcdtest"
	"rightsdesk/storage"
)

// The command tests in team mode with the server's store on an etcd
// cluster (issue 21: "the team-server tests pass on etcd as on a local
// file"): RIGHTSDESK_TEST_MODE=team-etcd go test . runs them as
// RIGHTSDESK_TEST_MODE=team does, but each server is the one
// `rightsdesk serve --store etcd://...` runs: its store a replica of the
// cluster's, every write a transaction on the cluster before the replica
// commits it, the purge's erasure and check's verification on the
// cluster's members. One three-member cluster, started at the first server,
// serves the whole test process, each database under a prefix of its own;
// its members, and the servers, run with the README's limits.
//
// A test's database file is where the test looks and what its local
// commands use, so it stays the store's file: a database the cluster has
// not seen (made by init, demo or restore, or changed by the test itself
// since its server stopped) is copied into the cluster under a new prefix
// and the file is then loaded back from the cluster as the server's
// replica; a server started again on a file its last server left as it was
// goes on from the revision the replica applied, as a restarted server
// does.

// onCluster is the test process's cluster and what it holds.
var onCluster = struct {
	sync.Mutex
	cluster *etcdtest.Cluster
	stop    func()
	err     error
	copies  map[string]clusterCopy // database path -> its copy in the cluster
	n       int                    // prefixes given so far
}{copies: map[string]clusterCopy{}}

// clusterCopy is a database's copy in the cluster: its prefix, and the
// digest of its file when its last server released it.
type clusterCopy struct {
	prefix string
	sum    [sha256.Size]byte
}

func init() {
	servedOnCluster = serveOnCluster
	stopHarnessCluster = func() {
		onCluster.Lock()
		defer onCluster.Unlock()
		if onCluster.stop != nil {
			onCluster.stop()
		}
	}
}

// sharedCluster is the test process's cluster, started at the first call.
func sharedCluster() (*etcdtest.Cluster, error) {
	onCluster.Lock()
	defer onCluster.Unlock()
	if onCluster.cluster == nil && onCluster.err == nil {
		onCluster.cluster, onCluster.stop, onCluster.err = etcdtest.StartShared(3, etcdtest.Recommended)
	}
	return onCluster.cluster, onCluster.err
}

// serveOnCluster is servedOnCluster: the store of the server for the
// database at path, a replica of its copy in the cluster.
func serveOnCluster(tb testing.TB, path string, opts storage.Options) (*storage.Store, *etcdstore.Cluster, func(), error) {
	cl, err := sharedCluster()
	if err != nil {
		tb.Fatalf("team-etcd harness: %v", err)
	}
	// A file a server on a local file could not hold (damaged, not a
	// database, busy) is refused the same way.
	probe := storage.Open(path, opts)
	if err := probe.Hold(); err != nil {
		return nil, nil, nil, err
	}
	probe.Close()
	sum, err := fileDigest(path)
	if err != nil {
		return nil, nil, nil, err
	}
	onCluster.Lock()
	cp, known := onCluster.copies[path]
	onCluster.Unlock()
	var c *etcdstore.Cluster
	var st *storage.Store
	var stop func()
	if known && cp.sum == sum {
		// Another test's purge may have compacted the cluster's history
		// past this replica's revision: OpenReplica then loads it again.
		c, st, stop, err = replicaOf(cl, cp.prefix, path, opts)
	} else {
		onCluster.Lock()
		onCluster.n++
		cp.prefix = fmt.Sprintf("rightsdesk-test/%d/", onCluster.n)
		onCluster.Unlock()
		// The file, now the cluster's, is loaded back from it as the
		// server's replica (a failure ends the test).
		if err = copyIntoCluster(cl, cp.prefix, path); err == nil {
			if err = os.Remove(path); err == nil {
				c, st, stop, err = replicaOf(cl, cp.prefix, path, opts)
			}
		}
	}
	if err != nil {
		// The file could be held: what fails is the cluster's side.
		tb.Fatalf("team-etcd harness: serving %s on the cluster: %v", path, err)
	}
	release := func() {
		stop()
		c.Close()
		cp.sum, _ = fileDigest(path)
		onCluster.Lock()
		onCluster.copies[path] = cp
		onCluster.Unlock()
	}
	return st, c, release, nil
}

// harnessDial is the harness's server's view of the database at prefix on
// cl, at the README's member limits.
func harnessDial(cl *etcdtest.Cluster, prefix string) (*etcdstore.Cluster, error) {
	return etcdstore.Dial(etcdstore.Config{Endpoints: cl.Endpoints(), Prefix: prefix, Server: harnessServerName,
		MaxTxnOps: int(etcdtest.Recommended.MaxTxnOps), MaxRequestBytes: int(etcdtest.Recommended.MaxRequestBytes),
		WAL: etcdstore.WAL(etcdtest.QuickWAL)})
}

// replicaOf opens the file at path as a replica of the database at prefix
// on cl, following it (loading it when there is no file).
func replicaOf(cl *etcdtest.Cluster, prefix, path string, opts storage.Options) (*etcdstore.Cluster, *storage.Store, func(), error) {
	c, err := harnessDial(cl, prefix)
	if err != nil {
		return nil, nil, nil, err
	}
	st, _, stop, err := etcdstore.OpenReplica(context.Background(), path, opts, c)
	if err != nil {
		c.Close()
		return nil, nil, nil, err
	}
	return c, st, stop, nil
}

// copyIntoCluster copies the database at path into cl under prefix, as
// rightsdesk migrate --to etcd://... does.
func copyIntoCluster(cl *etcdtest.Cluster, prefix, path string) error {
	c, err := harnessDial(cl, prefix)
	if err != nil {
		return err
	}
	defer c.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return c.Import(ctx, db)
}

// fileDigest is the SHA-256 of the file at path.
func fileDigest(path string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
