package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"rightsdesk/etcdstore"
	"rightsdesk/storage"
)

// etcdOptions are the flags of a store kept on an etcd cluster (issue 21):
// serve's --store etcd://... and migrate's etcd:// side.
type etcdOptions struct {
	ca, cert, key, prefix, name string
	maxTxnOps, maxRequestBytes  int
}

// etcdFlags adds the --etcd-* flags to cmd.
func etcdFlags(cmd *cobra.Command, o *etcdOptions) {
	f := cmd.Flags()
	f.StringVar(&o.ca, "etcd-ca", "", "the members' certificate authority, a PEM `FILE` (TLS)")
	f.StringVar(&o.cert, "etcd-cert", "", "this server's client certificate, a PEM `FILE` (TLS)")
	f.StringVar(&o.key, "etcd-key", "", "this server's client key, a PEM `FILE` (TLS)")
	f.StringVar(&o.prefix, "etcd-prefix", "rightsdesk/", "the deployment's key `PREFIX` on the cluster, ending in /")
	f.StringVar(&o.name, "etcd-name", "", "this server's `NAME` in the changes it makes (default the host name)")
	f.IntVar(&o.maxTxnOps, "etcd-max-txn-ops", etcdstore.DefaultMaxTxnOps, "the members' --max-txn-ops `N`")
	f.IntVar(&o.maxRequestBytes, "etcd-max-request-bytes", etcdstore.DefaultMaxRequestBytes, "the members' --max-request-bytes `N`")
	_ = cmd.MarkFlagFilename("etcd-ca", "pem", "crt")
	_ = cmd.MarkFlagFilename("etcd-cert", "pem", "crt")
	_ = cmd.MarkFlagFilename("etcd-key", "pem", "key")
}

// etcdEndpoints is the members of an etcd://HOST:PORT[,HOST:PORT...] store,
// and whether it is one.
func etcdEndpoints(store string) ([]string, bool, error) {
	rest, ok := strings.CutPrefix(store, "etcd://")
	if !ok {
		return nil, false, nil
	}
	var out []string
	for _, hp := range strings.Split(rest, ",") {
		host, port, err := net.SplitHostPort(hp)
		if err != nil || host == "" || port == "" {
			return nil, true, fmt.Errorf("%q in %q is not HOST:PORT (etcd://HOST:PORT[,HOST:PORT...])", hp, store)
		}
		out = append(out, hp)
	}
	return out, true, nil
}

// dial is the cluster of store with o's settings.
func (o etcdOptions) dial(store string) (*etcdstore.Cluster, error) {
	endpoints, ok, err := etcdEndpoints(store)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%q is not an etcd store (etcd://HOST:PORT[,HOST:PORT...])", store)
	}
	name := o.name
	if name == "" {
		if name, err = os.Hostname(); err != nil || name == "" {
			return nil, errors.New("no host name to name this server by: give --etcd-name NAME")
		}
	}
	return etcdstore.Dial(etcdstore.Config{Endpoints: endpoints, CA: o.ca, Cert: o.cert, Key: o.key,
		Prefix: o.prefix, Server: name, MaxTxnOps: o.maxTxnOps, MaxRequestBytes: o.maxRequestBytes})
}

// openReplica opens path as the replica of cluster and holds it: an empty
// or missing file is loaded from the cluster, a replica goes on from the
// revision it applied. It returns the store and a channel that gets why
// following the cluster stopped (never, while all is well). A file that
// holds a database of its own, or a load cut short, is refused: the cluster
// is loaded into an empty file only.
func openReplica(ctx context.Context, path string, opts storage.Options, cluster *etcdstore.Cluster) (st *storage.Store, followed <-chan error, stop func(), err error) {
	opts.Replica = cluster
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
	go func() { done <- cluster.Follow(ctx, rev, st.ApplyReplicated) }()
	stop = func() {
		cancel()
		<-done
		st.Close()
	}
	if err := cluster.CatchUp(ctx); err != nil {
		stop()
		return nil, nil, nil, fmt.Errorf("catching up with the cluster: %w", err)
	}
	if err := st.InitReplica(); err != nil {
		stop()
		return nil, nil, nil, err
	}
	return st, done, stop, nil
}
