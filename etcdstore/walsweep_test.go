//go:build !race

package etcdstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/etcdtest"
	"rightsdesk/storage/kv"
)

// TestEraseSweepsTheWriteAheadLogs: after a purge and Erase, a purged
// address (a key and a value, as the store's index keys hold them) is in
// no file of any member: not the database, not a write-ahead log segment,
// not a snapshot. The members run with 256 KiB segments, --max-wals 2 and
// --snapshot-count 100, and the server is told so (Config.WAL); without
// the sweep, the address stays in every member's log (the test checks it
// is there after the compaction and defragmentation alone). check
// (ErasureProblems) passes on the sweep's record, and reports a sweep
// that did not finish.
func TestEraseSweepsTheWriteAheadLogs(t *testing.T) {
	settings := WAL{SegmentBytes: 256 << 10, MaxWALs: 2, SnapshotCount: 100}
	t.Cleanup(etcdtest.UseSegmentBytes(settings.SegmentBytes))
	cl := etcdtest.StartWith(t, 3, nil, etcdtest.Limits{MaxWALs: uint(settings.MaxWALs), SnapshotCount: uint64(settings.SnapshotCount)})
	ctx := testContext(t, 3*time.Minute)
	const prefix = "sweep/"
	r := newReplica(t, cl, prefix, "site-a")
	r.c.wal = settings
	secret := []byte("sweep-me-4b2d@example.org")
	if _, err := r.write(ctx, func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("people"))
		if err != nil {
			return err
		}
		return b.Put(secret, secret)
	}); err != nil {
		t.Fatal(err)
	}
	r.purge(ctx, []byte("people"))
	// The replica's part is done: a follower is not this test's (members
	// that restore a snapshot, which --snapshot-count 100 makes frequent,
	// may send it back to a reload once the erasure compacts the history).
	r.catchUp(ctx)
	r.close()
	holding := func() (files []string) {
		for i := range cl.Members {
			for _, f := range cl.DataFiles(i) {
				if data, err := os.ReadFile(f); err == nil && bytes.Contains(data, secret) {
					files = append(files, f)
				}
			}
		}
		return files
	}
	// The database's erasure alone leaves it in the logs.
	quick := WAL(etcdtest.QuickWAL)
	r.c.wal = quick
	if err := r.c.Erase(ctx); err != nil {
		t.Fatal(err)
	}
	inLogs := 0
	for _, f := range holding() {
		if strings.Contains(f, "/wal/") {
			inLogs++
		} else {
			t.Errorf("%s holds the address after the compaction and defragmentation", f)
		}
	}
	if inLogs < len(cl.Members) {
		t.Fatalf("%d members' logs hold the address before the sweep: the test would prove nothing", inLogs)
	}
	r.c.wal = settings
	if problems := erasureProblems(t, ctx, r.c); len(problems) != 1 || !strings.Contains(problems[0].Detail, "--max-wals 1 and --snapshot-count 1, less than this server's 2 and 100") {
		t.Fatalf("check after a sweep for other settings: %v", problems)
	}
	start := time.Now()
	if err := r.c.Erase(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("Erase with the sweep: %v", time.Since(start))
	// A member deletes its released segments every 30 s.
	deadline := time.Now().Add(75 * time.Second)
	for files := holding(); len(files) > 0; files = holding() {
		if time.Now().After(deadline) {
			t.Fatalf("75 s after the sweep, these files still hold the address: %v", files)
		}
		time.Sleep(time.Second)
	}
	t.Logf("no member file holds the address %v after the sweep", time.Since(start))
	if problems := erasureProblems(t, ctx, r.c); len(problems) != 0 {
		t.Errorf("check after the sweep: %v, want none", problems)
	}
	item, ok, err := r.c.client.Get(ctx, prefix+sweepSuffix)
	var done Sweep
	if err != nil || !ok || json.Unmarshal(item.Value, &done) != nil || done.WAL != settings ||
		done.Bytes < int64(settings.MaxWALs+1)*settings.SegmentBytes || done.Changes < int64(settings.SnapshotCount)+1 {
		t.Errorf("the sweep's record: %q %v %v", item.Value, ok, err)
	}
	// A sweep cut short leaves its filler, not its record.
	if _, err := r.c.client.Put(ctx, prefix+sweepSuffix, []byte("swept")); err != nil {
		t.Fatal(err)
	}
	if problems := erasureProblems(t, ctx, r.c); len(problems) != 1 || !strings.Contains(problems[0].Detail, "not swept out of the etcd members' write-ahead logs") {
		t.Errorf("check after a sweep cut short: %v", problems)
	}
}

// BenchmarkEraseSweepAtEtcdDefaults: the sweep of the members' logs at
// etcd's default settings (64 MB segments, --max-wals 5, --snapshot-count
// 10000) on a three-member loopback cluster, what a purge's erasure adds
// (go test -run '^$' -bench EraseSweep -benchtime 1x ./etcdstore).
func BenchmarkEraseSweepAtEtcdDefaults(b *testing.B) {
	cl := etcdtest.Start(b, 3, nil)
	c, err := Dial(Config{Endpoints: cl.Endpoints(), Prefix: "bench/", Server: "site-a"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := b.Context()
	for b.Loop() {
		if err := c.sweepWAL(ctx); err != nil {
			b.Fatal(err)
		}
	}
	item, _, err := c.client.Get(ctx, c.prefix+sweepSuffix)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("the sweep's record: %s", item.Value)
}

// TestAFollowerResumesPastACompactionThatMissedNothing: a follower that
// resumes (its stream ended, its server restarted) from a revision the
// sweep's compactions have passed goes on following, since no change of
// its store was made meanwhile, instead of ending with ErrReload (its
// server would stop and load the whole store again).
func TestAFollowerResumesPastACompactionThatMissedNothing(t *testing.T) {
	cl := etcdtest.Start(t, 3, nil)
	ctx := testContext(t, 2*time.Minute)
	const prefix = "resume/"
	r := newReplica(t, cl, prefix, "site-b")
	put := func(key string) {
		t.Helper()
		if _, err := r.write(ctx, func(tx kv.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("notes"))
			if err != nil {
				return err
			}
			return b.Put([]byte(key), []byte(key))
		}); err != nil {
			t.Fatal(err)
		}
	}
	put("before")
	r.catchUp(ctx)
	applied := r.revision()
	r.close()
	// The sweep's changes, then its compaction, past the follower's
	// revision.
	var rev int64
	for range 3 {
		var err error
		if rev, err = r.c.client.Put(ctx, prefix+sweepSuffix, []byte("swept")); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.c.client.Compact(ctx, rev, false); err != nil {
		t.Fatal(err)
	}
	followCtx, cancel := context.WithCancel(context.Background())
	r.stop, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.c.Follow(followCtx, applied, r.apply) }()
	put("after")
	r.catchUp(ctx)
	if d := r.dump(); !strings.Contains(d, "after") {
		t.Fatalf("the follower did not take the change made after the compaction:\n%s", d)
	}
	// A change of the store compacted away is still a reload.
	r.close()
	other := newReplica(t, cl, prefix, "site-a")
	if _, err := other.write(ctx, func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("notes"))
		if err != nil {
			return err
		}
		return b.Put([]byte("missed"), []byte("missed"))
	}); err != nil {
		t.Fatal(err)
	}
	other.catchUp(ctx)
	rev, err := r.c.client.Put(ctx, prefix+sweepSuffix, []byte("swept"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.c.client.Compact(ctx, rev, false); err != nil {
		t.Fatal(err)
	}
	if err := r.c.Follow(ctx, r.revision(), r.apply); !errors.Is(err, ErrReload) {
		t.Fatalf("a follower that missed a change: %v, want ErrReload", err)
	}
}
