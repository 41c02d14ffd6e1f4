//go:build !race

package storage_test

import (
	"fmt"
	"os"
	"sync"

	"rightsdesk/etcdstore"
	"rightsdesk/internal/etcdtest"
	"rightsdesk/storage"
	"rightsdesk/storage/kv"
)

// RIGHTSDESK_TEST_REPLICA=etcd runs the store's whole suite with every
// store a test opens (but Init's) a replica on a real three-member etcd
// cluster whose members run with the README's limits (--max-txn-ops 8192,
// --max-request-bytes 10485760), started on loopback at the first store and stopped once the
// tests ran: each write is recorded, committed on the cluster as one etcd
// transaction at the revision the file applied (its size and operations
// within the members' limits, large values in chunks), and committed in
// the file at the cluster's revision, as on a team server on etcd. Each
// database file has a prefix of its own and is its only replica, so it is
// always caught up. Tests that run the package's binary again as a child
// process (process_test.go) leave the child's stores files of their own.
//
//	RIGHTSDESK_TEST_REPLICA=etcd go test ./storage/
func init() {
	if os.Getenv("RIGHTSDESK_TEST_REPLICA") != "etcd" || os.Getenv("RIGHTSDESK_TEST_CHILD") != "" {
		return
	}
	storage.SetReplicaForTests(suiteReplica, stopSuiteCluster)
}

// suiteCluster is the test process's cluster and each database's
// deployment on it.
var suiteCluster struct {
	sync.Mutex
	cluster *etcdtest.Cluster
	stop    func()
	dialled map[string]*etcdstore.Cluster // database path -> its deployment
}

// suiteReplica is the replica of the database at path: its deployment on
// the test process's cluster, under a prefix of its own. A cluster that
// cannot be started or dialled ends the run: the suite cannot say anything
// about etcd without it.
func suiteReplica(path string) kv.Replicator {
	suiteCluster.Lock()
	defer suiteCluster.Unlock()
	if suiteCluster.cluster == nil {
		var err error
		if suiteCluster.cluster, suiteCluster.stop, err = etcdtest.StartShared(3, etcdtest.Recommended); err != nil {
			fmt.Fprintf(os.Stderr, "RIGHTSDESK_TEST_REPLICA=etcd: starting the cluster: %v\n", err)
			os.Exit(2)
		}
		suiteCluster.dialled = map[string]*etcdstore.Cluster{}
	}
	if c, ok := suiteCluster.dialled[path]; ok {
		return c
	}
	c, err := etcdstore.Dial(etcdstore.Config{Endpoints: suiteCluster.cluster.Endpoints(),
		Prefix: fmt.Sprintf("storage-suite/%d/", len(suiteCluster.dialled)+1), Server: "suite",
		MaxTxnOps: int(etcdtest.Recommended.MaxTxnOps), MaxRequestBytes: int(etcdtest.Recommended.MaxRequestBytes)})
	if err != nil {
		fmt.Fprintf(os.Stderr, "RIGHTSDESK_TEST_REPLICA=etcd: %v\n", err)
		os.Exit(2)
	}
	suiteCluster.dialled[path] = c
	return c
}

// stopSuiteCluster stops the cluster, if one was started.
func stopSuiteCluster() {
	suiteCluster.Lock()
	defer suiteCluster.Unlock()
	for _, c := range suiteCluster.dialled {
		c.Close()
	}
	if suiteCluster.stop != nil {
		suiteCluster.stop()
	}
}
