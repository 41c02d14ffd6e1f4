package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"rightsdesk/server"
)

// TestPurgeErasesFromTheCluster: on a store kept on a cluster, every real
// purge through the server is followed by the cluster's erasure (Erase,
// issue 21), said in the plan; a dry run erases nothing; an erasure that
// fails makes the purge's answer an error that says the cases were purged
// and that purge must run again to erase.
func TestPurgeErasesFromTheCluster(t *testing.T) {
	calls := 0
	var fail error
	e := newEnvWith(t, server.Config{Erase: func(context.Context) error {
		calls++
		return fail
	}})
	c := e.dial(dave)
	defer c.Close()
	if plan, err := c.Purge(true); err != nil || plan.ClusterErased || calls != 0 {
		t.Fatalf("dry purge: %+v %v, %d erasures", plan, err, calls)
	}
	plan, err := c.Purge(false)
	if err != nil || !plan.ClusterErased || calls != 1 {
		t.Fatalf("purge: %+v %v, %d erasures, want one and cluster_erased", plan, err, calls)
	}
	fail = errors.New("member m1 unreachable")
	_, err = c.Purge(false)
	if err == nil || !strings.Contains(err.Error(), "run purge again") || calls != 2 {
		t.Fatalf("purge with a failing erasure: %v, %d erasures", err, calls)
	}
}
