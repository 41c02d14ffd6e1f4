//go:build !race

package ui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/etcdstore"
	"rightsdesk/internal/etcdtest"
	"rightsdesk/server"
	"rightsdesk/server/servertest"
	"rightsdesk/storage"
)

// BenchmarkStartThroughServerOnEtcd100k is issue 21's third benchmark: the
// app's first frame at 100,000 cases through a team server whose store is
// a replica of a three-member loopback cluster (members run with the
// README's flags), as BenchmarkStartThroughServer100k measures it on a
// file (target 300 ms). The demo is moved into the cluster as `migrate`
// does (Import) and the server's replica loaded from it; neither is timed.
func BenchmarkStartThroughServerOnEtcd100k(b *testing.B) {
	_, s, now := demo100k(b, true)
	path := s.Path()
	cl := etcdtest.StartWith(b, 3, nil, etcdtest.Recommended)
	cfg := etcdstore.Config{Endpoints: cl.Endpoints(), Prefix: "rightsdesk/bench/", Server: "site-a",
		MaxTxnOps: int(etcdtest.Recommended.MaxTxnOps), MaxRequestBytes: int(etcdtest.Recommended.MaxRequestBytes)}
	ctx := context.Background()
	imported := time.Now()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	mover, err := etcdstore.Dial(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := mover.Import(ctx, db); err != nil {
		b.Fatal(err)
	}
	db.Close()
	mover.Close()
	b.Logf("100,000 cases imported into the cluster in %v", time.Since(imported).Round(time.Second))
	for i := range cl.Members {
		if info, err := os.Stat(cl.DBFile(i)); err == nil {
			b.Logf("member %d's database: %d bytes (the file: %d)", i, info.Size(), fileSize(path))
		}
	}
	loaded := time.Now()
	c, err := etcdstore.Dial(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	st, _, stop, err := etcdstore.OpenReplica(ctx, filepath.Join(b.TempDir(), "replica.db"), storage.Options{}, c)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	b.Logf("the server's replica loaded from the cluster in %v", time.Since(loaded).Round(time.Second))
	clk := &clock{t: now}
	anna := server.Peer{UID: 51001, Name: "anna"}
	socket := servertest.Start(b, st, clk, func() server.Peer { return anna })
	firstFrames(b, socket, clk)
}

func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}
