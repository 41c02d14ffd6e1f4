//go:build !race

package etcdstore

import (
	"testing"

	"rightsdesk/internal/etcdtest"
)

// TestQuorumLostProcesses is TestCluster/QuorumLost on members that are
// processes: two of the three are killed by SIGKILL, so that their
// connections drop at once, as on a machine that fails; a commit fails
// within 5 s as ErrUnavailable and succeeds once one is back.
func TestQuorumLostProcesses(t *testing.T) {
	testQuorumLost(t, etcdtest.StartProcesses(t, 3, nil))
}
