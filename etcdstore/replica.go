package etcdstore

import (
	"context"
	"errors"
	"fmt"

	"rightsdesk/storage"
)

// OpenReplica opens path as the replica of cluster and holds it: an empty
// or missing file is loaded from the cluster, a replica goes on from the
// revision it applied. It returns the store and a channel that gets why
// following the cluster stopped (never, while all is well), and stop,
// which stops following and releases the file. A file that
// holds a database of its own, or a load cut short, is refused: the cluster
// is loaded into an empty file only.
func OpenReplica(ctx context.Context, path string, opts storage.Options, c *Cluster) (st *storage.Store, followed <-chan error, stop func(), err error) {
	opts.Replica = c
	if opts.Signer == "" {
		opts.Signer = c.server // each server signs with a key of its own
	}
	st = storage.Open(path, opts)
	rev, err := st.ReplicaRevision()
	if err != nil {
		return nil, nil, nil, err
	}
	if rev == 0 && st.Exists() {
		if _, err := st.IsTest(); !errors.Is(err, storage.ErrNoDatabase) {
			return nil, nil, nil, fmt.Errorf("%s is not a replica the cluster can be followed into (a database of its own, or a load cut short): move it away and start again with no file there; rightsdesk migrate --from FILE --to etcd://... copies a database into the cluster", path)
		}
	}
	if err := st.Hold(); err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Follow(ctx, rev, st.ApplyReplicated) }()
	stop = func() {
		cancel()
		<-done
		st.Close()
	}
	if err := c.CatchUp(ctx); err != nil {
		stop()
		return nil, nil, nil, fmt.Errorf("catching up with the cluster: %w", err)
	}
	if err := st.InitReplica(); err != nil {
		stop()
		return nil, nil, nil, err
	}
	return st, done, stop, nil
}
