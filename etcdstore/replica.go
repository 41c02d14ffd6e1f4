package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"rightsdesk/storage"
)

// OpenReplica opens path as the replica of cluster and holds it: an empty
// or missing file is loaded from the cluster, a replica goes on from the
// revision it applied. It returns the store and a channel that gets why
// following the cluster stopped (never, while all is well), and stop,
// which stops following and releases the file (it may be called once the
// channel has given its error, and more than once). A file that holds a
// database of its own, or a load cut short, is refused: the cluster is
// loaded into an empty file only.
//
// A replica whose revision the cluster's history no longer reaches (an
// erasure after a purge compacted it: ErrReload) is loaded again: the file
// is moved aside, the cluster loaded into a new one, and the old removed
// once the load is done (put back if it fails; a process killed meanwhile
// leaves it beside the file, and the next OpenReplica puts it back and
// loads again). A replica holds nothing the cluster does not: every change
// it made was the cluster's first.
func OpenReplica(ctx context.Context, path string, opts storage.Options, c *Cluster) (st *storage.Store, followed <-chan error, stop func(), err error) {
	aside := path + ".reload"
	if _, err := os.Lstat(aside); err == nil {
		// A reload the process did not live to finish: the file at path
		// may be a load cut short. The old replica is put back and the
		// reload made again; neither holds anything the cluster does not.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil, fmt.Errorf("finishing the reload of the replica %s: %w", path, err)
		}
		if err := os.Rename(aside, path); err != nil {
			return nil, nil, nil, fmt.Errorf("finishing the reload of the replica %s: %w", path, err)
		}
	}
	st, followed, stop, err = openReplica(ctx, path, opts, c)
	if !errors.Is(err, ErrReload) {
		return st, followed, stop, err
	}
	if err := os.Rename(path, aside); err != nil {
		return nil, nil, nil, fmt.Errorf("the replica %s is behind the cluster's history and must be loaded again, but it cannot be moved aside: %w", path, err)
	}
	st, followed, stop, err = openReplica(ctx, path, opts, c)
	if err != nil {
		os.Remove(path)
		os.Rename(aside, path)
		return nil, nil, nil, fmt.Errorf("loading the replica again (the cluster's history no longer reaches it): %w", err)
	}
	os.Remove(aside)
	return st, followed, stop, nil
}

// openReplica is OpenReplica without the reload.
func openReplica(ctx context.Context, path string, opts storage.Options, c *Cluster) (st *storage.Store, followed <-chan error, stop func(), err error) {
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
	// Why following ended goes to the caller's channel; stop waits on
	// ended, which the caller cannot empty.
	done, ended := make(chan error, 1), make(chan struct{})
	go func() {
		done <- c.Follow(ctx, rev, st.ApplyReplicated)
		close(ended)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-ended
			st.Close()
		})
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
