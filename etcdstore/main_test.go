//go:build !race

package etcdstore_test

import (
	"os"
	"testing"

	"rightsdesk/internal/etcdtest"
)

// TestMain lets the test binary be an etcd member process as well
// (etcdtest.StartProcesses runs it again as one) before it runs the tests.
func TestMain(m *testing.M) {
	etcdtest.RunMemberIfAsked()
	os.Exit(m.Run())
}
