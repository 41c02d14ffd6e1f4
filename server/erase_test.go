package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"rightsdesk/server"
	"rightsdesk/storage"
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

// TestCheckVerifiesTheClusterErasure: on a store kept on a cluster, check
// adds what the cluster says of the latest purge's erasure on each member
// to the store's own problems; a cluster that cannot be asked is a problem
// too, never a pass.
func TestCheckVerifiesTheClusterErasure(t *testing.T) {
	var found []storage.Problem
	var fail error
	e := newEnvWith(t, server.Config{ErasureProblems: func(context.Context) ([]storage.Problem, error) {
		return found, fail
	}})
	c := e.dial(dave)
	defer c.Close()
	if problems, err := c.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("check with every member erased: %v %v, want no problem", problems, err)
	}
	found = []storage.Problem{{Detail: "etcd member 10.0.0.2:2379 still answers reads of the history before the latest purge"}}
	if problems, err := c.Check(); err != nil || len(problems) != 1 || problems[0] != found[0] {
		t.Fatalf("check with a member not erased: %v %v, want its problem", problems, err)
	}
	found, fail = nil, errors.New("etcd: no leader")
	problems, err := c.Check()
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0].Detail, "not verified: etcd: no leader") {
		t.Fatalf("check with the cluster unreachable: %v %v, want one problem saying the erasure is not verified", problems, err)
	}
}
