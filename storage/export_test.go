package storage

import (
	"testing"

	"rightsdesk/storage/kv"
)

// SetReplicaForTests makes every store the tests open a replica of what
// replica returns for its path, as RIGHTSDESK_TEST_REPLICA=1 does with a
// recording cluster (replica_test.go); stop runs once the tests ran
// (TestMain). It is for the external test package, which may import
// etcdstore (replica_etcd_test.go).
func SetReplicaForTests(replica func(path string) kv.Replicator, stop func()) {
	replicaForTests = replica
	afterTests = stop
	suiteOnEtcd = true
}

// suiteOnEtcd is set when the suite runs on replicas on etcd.
var suiteOnEtcd bool

// overClusterLimits skips t on etcd: its setup writes more in one
// transaction (what) than a member takes at the README's limits
// (--max-txn-ops 8192), which Commit refuses before sending, naming the
// flag to raise (etcdstore's TestCluster/MembersLimits).
func overClusterLimits(t *testing.T, what string) {
	t.Helper()
	if suiteOnEtcd {
		t.Skip("over an etcd member's limits in one transaction: " + what)
	}
}

// afterTests runs once the tests ran (TestMain).
var afterTests = func() {}
