package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"rightsdesk/etcdkv"
	"rightsdesk/storage"
)

// memberClient is a client of the one member at endpoint, with c's
// certificates, whose requests may take up to timeout.
func (c *Cluster) memberClient(endpoint string, timeout time.Duration) (*etcdkv.Client, error) {
	cfg := c.kvConfig
	cfg.Endpoints = []string{endpoint}
	cfg.Timeout = timeout
	return etcdkv.New(cfg)
}

// latestPurge is the store's count of purges as the cluster holds it: its
// mod_revision is the revision of the latest purge's last transaction
// (storage's purge puts it in each transaction that erases).
func (c *Cluster) latestPurge(ctx context.Context) (etcdkv.KeyValue, bool, error) {
	path, key := storage.PurgesKey()
	return c.client.Get(ctx, encodeKey(c.prefix, path, key))
}

// ErasureProblems checks, on every member, that the latest purge was
// erased from its history: each member is asked for itself (a serializable
// read, which it answers from its own store) for the store's head as it
// was just before the purge's last transaction, which Erase's compaction
// put out of reach. A member that still answers kept the history that
// holds the purged values; a member that does not answer is not verified.
// Both are problems, each naming the member. No purge yet: no problem.
//
// It verifies the compaction, which every member applies; that the pages
// which held the values were then defragmented out of each member's file
// leaves no trace a member reports (Erase fails when a member's
// defragmentation does). Of the members' logs, it verifies the record of
// the sweep (sweepProblems): that one ran to its end after the purge, for
// members that keep no more of their logs than this server's WAL says.
func (c *Cluster) ErasureProblems(ctx context.Context) ([]storage.Problem, error) {
	purged, ok, err := c.latestPurge(ctx)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: check the latest purge's erasure: %w", err)
	}
	if !ok {
		return nil, nil
	}
	before := purged.ModRevision - 1
	var problems []storage.Problem
	for _, endpoint := range c.client.Endpoints() {
		member, err := c.memberClient(endpoint, 0)
		if err != nil {
			return nil, err
		}
		_, err = member.Range(ctx, etcdkv.RangeRequest{Key: c.head, Revision: before, Serializable: true})
		member.Close()
		switch {
		case errors.Is(err, etcdkv.ErrCompacted):
		case err == nil:
			problems = append(problems, storage.Problem{Detail: fmt.Sprintf(
				"etcd member %s still answers reads of the history before the latest purge (revision %d): the purged values are still there; run purge again to erase them", endpoint, before)})
		default:
			problems = append(problems, storage.Problem{Detail: fmt.Sprintf(
				"etcd member %s did not answer (%v): the latest purge's erasure is not verified there", endpoint, err)})
		}
	}
	swept, err := c.sweepProblems(ctx, purged.ModRevision)
	if err != nil {
		return nil, err
	}
	return append(problems, swept...), nil
}
