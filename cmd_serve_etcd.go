package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"rightsdesk/etcdstore"
)

// etcdOptions are the flags of a store kept on an etcd cluster (issue 21):
// serve's --store etcd://... and migrate's etcd:// side.
type etcdOptions struct {
	ca, cert, key, prefix, name string
	maxTxnOps, maxRequestBytes  int
	// maxWALs and snapshotCount are the members' logs (serve's flags
	// alone: a purge's erasure sweeps the logs); wal says they were given.
	maxWALs, snapshotCount int
	wal                    bool
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

// etcdWALFlags adds the flags of the members' write-ahead logs to cmd
// (serve: the erasure after a purge sweeps them).
func etcdWALFlags(cmd *cobra.Command, o *etcdOptions) {
	f := cmd.Flags()
	f.IntVar(&o.maxWALs, "etcd-max-wals", etcdstore.DefaultWAL.MaxWALs, "the members' --max-wals `N` (the largest), at least 1: a purge pushes the purged values out of their write-ahead logs")
	f.IntVar(&o.snapshotCount, "etcd-snapshot-count", etcdstore.DefaultWAL.SnapshotCount, "the members' --snapshot-count `N` (the largest; etcd 3.4's default is 100000)")
	o.wal = true
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
	var wal etcdstore.WAL // etcd's defaults
	if o.wal {
		wal = etcdstore.WAL{SegmentBytes: etcdstore.DefaultWAL.SegmentBytes, MaxWALs: o.maxWALs, SnapshotCount: o.snapshotCount}
	}
	return etcdstore.Dial(etcdstore.Config{Endpoints: endpoints, CA: o.ca, Cert: o.cert, Key: o.key,
		Prefix: o.prefix, Server: name, MaxTxnOps: o.maxTxnOps, MaxRequestBytes: o.maxRequestBytes, WAL: wal})
}
