// Package etcdstore keeps a team server's case store on an etcd cluster
// (issue 21): the store stays a local bbolt file, which is a replica of the
// cluster, and this package is the cluster's side of it.
//
// A write runs the store's transaction on the replica through kv.Record;
// before that transaction commits, Commit makes the recorded changes on
// the cluster as one etcd transaction that holds only if the cluster's
// latest change is the one the replica applied last (the head key's
// mod_revision), so that every write of every server is serialised by the
// cluster. A refused Commit (kv.ErrConflict) makes the store catch up and
// run its transaction again. Follow brings the changes of the other servers
// to the replica, one revision at a time, and Erase removes what a purge
// deleted from the cluster's history and from every member's database.
//
// The buckets, keys and sequences of the replica are etcd keys under the
// deployment's prefix (keys.go says how). The cluster is reached with
// etcdkv, over etcd's JSON gateway.
package etcdstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"rightsdesk/etcdkv"
	"rightsdesk/storage/kv"
)

// etcd's own limits on one request, as its members' flags set them. A
// member refuses a transaction over either.
//
// What the store's transactions write, measured on a 2,000-case demo file
// (rightsdesk 011a12b, each command's file diffed key by key): an action
// on a case 13-34 etcd operations of 3-9 KB (note 13, add with one right
// 18, with three 34); an attachment is one value of the file's whole size
// (0.9 MB file: 15 operations, 0.9 MB), in chunks of 1 MiB over 1 MiB
// (chunks.go), which go in the transaction when they fit and are uploaded
// before it otherwise; a demo of 400 cases 4,510 operations, 1.4 MB; a
// purge of 1,346 closed cases in its one transaction (purge.go: up to
// 2,000) 27,269 operations, 8.3 MB. Members run with --max-txn-ops 8192
// and --max-request-bytes 10485760 (10 MiB) take every action, demo
// batches and attachments of any size (etcd's defaults take attachments
// of up to 127 MiB: a compare for each chunk uploaded); a purge on etcd
// must cut its transactions to about 300 cases.
const (
	// DefaultMaxTxnOps is etcd's --max-txn-ops default: the operations of
	// one transaction.
	DefaultMaxTxnOps = 128
	// DefaultMaxRequestBytes is etcd's --max-request-bytes default: the
	// size of one request as the member encodes it.
	DefaultMaxRequestBytes = 1536 * 1024
)

// Config says where the deployment's data is and how to reach it.
type Config struct {
	// Endpoints are the members' client URLs or host:port addresses: all
	// of them, for Erase reaches each member through its endpoint.
	Endpoints []string
	// CA is the PEM file of the authority that signed the members'
	// certificates; Cert and Key are this server's client certificate.
	CA, Cert, Key string
	// Prefix is put before every key of this deployment
	// ("rightsdesk/acme/"); it must end with "/" and must not be the start
	// of another deployment's prefix on the same cluster.
	Prefix string
	// Timeout bounds each request to one member (0: etcdkv's default).
	Timeout time.Duration
	// Server names this server in the changes it makes, so that a
	// conflict can say who made the newer change. It is not personal data:
	// a host or site name.
	Server string
	// MaxTxnOps and MaxRequestBytes are the members' --max-txn-ops and
	// --max-request-bytes (0: etcd's defaults). Commit refuses early, with
	// the flag to raise, a transaction the members would refuse.
	MaxTxnOps       int
	MaxRequestBytes int
	// WAL is what the members keep of their write-ahead logs (the zero
	// WAL: DefaultWAL), for the erasure after a purge (walsweep.go).
	WAL WAL
}

// Cluster is one deployment's data on an etcd cluster, as one replica
// sees it: CatchUp waits for what its Follow applied, so a replica has a
// Cluster of its own. It is safe for concurrent use.
type Cluster struct {
	client *etcdkv.Client
	// bulk is a client for the requests that carry a large value's chunks
	// (chunkTimeout each).
	bulk     *etcdkv.Client
	kvConfig etcdkv.Config // for a client of one member (Erase)
	prefix   string
	head     string
	turnKey  string // turn.go
	server   string
	maxOps   int
	maxBytes int
	wal      WAL

	mu      sync.Mutex
	applied int64         // the revision Follow's apply has taken last
	moved   chan struct{} // closed (and replaced) when applied moves or Follow ends
	// followed is why the last Follow ended (nil while one runs or none
	// has): CatchUp then has nothing to wait for.
	followed error
	// turn is the value of the turn key while this server holds the turn;
	// seen the head as the last refused Commit saw it (turn.go).
	turn      string
	seen      etcdkv.KeyValue
	turnMoved chan struct{}
	// ownRev is the revision of the last change Commit made with large
	// values, own those values by etcd key, until Follow takes that
	// revision: it gives them to apply rather than read back the chunks
	// this server has just written.
	ownRev int64
	own    map[string][]byte
	// sent are the compares of chunks sent ahead of their change, by
	// chunk key (Preupload).
	sent map[string]etcdkv.Compare

	// afterUpload, when a test sets it, runs between a commit's chunk
	// uploads and its transaction.
	afterUpload func()
}

// Dial checks cfg and returns the deployment's Cluster. It does not contact
// the cluster: the first Commit, CatchUp or Follow does.
func Dial(cfg Config) (*Cluster, error) {
	if cfg.Prefix == "" || !strings.HasSuffix(cfg.Prefix, "/") {
		return nil, fmt.Errorf("etcdstore: the key prefix %q must be a deployment's name ending in /, such as rightsdesk/acme/", cfg.Prefix)
	}
	if cfg.Server == "" {
		return nil, errors.New("etcdstore: no server name (it names the writer of each change)")
	}
	if cfg.MaxTxnOps < 0 || cfg.MaxRequestBytes < 0 {
		return nil, errors.New("etcdstore: negative etcd limits")
	}
	if cfg.WAL == (WAL{}) {
		cfg.WAL = DefaultWAL
	}
	if err := cfg.WAL.check(); err != nil {
		return nil, err
	}
	kvConfig := etcdkv.Config{
		Endpoints: cfg.Endpoints, Timeout: cfg.Timeout,
		CAFile: cfg.CA, CertFile: cfg.Cert, KeyFile: cfg.Key,
		// The prefix is this package's: it encodes keys and reads ranges
		// that end where the prefix's keys end.
		Prefix: "",
	}
	client, err := etcdkv.New(kvConfig)
	if err != nil {
		return nil, err
	}
	bulkConfig := kvConfig
	bulkConfig.Timeout = chunkTimeout
	bulk, err := etcdkv.New(bulkConfig)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		client: client, bulk: bulk, kvConfig: kvConfig, prefix: cfg.Prefix, head: headKey(cfg.Prefix), turnKey: cfg.Prefix + turnSuffix, server: cfg.Server,
		maxOps: cmp.Or(cfg.MaxTxnOps, DefaultMaxTxnOps), maxBytes: cmp.Or(cfg.MaxRequestBytes, DefaultMaxRequestBytes),
		wal:   cfg.WAL,
		moved: make(chan struct{}), turnMoved: make(chan struct{}),
	}
	return c, nil
}

// Close releases the cluster's idle connections.
func (c *Cluster) Close() {
	c.client.Close()
	c.bulk.Close()
}

var _ kv.Replicator = (*Cluster)(nil)

// ConflictError is a Commit refused because another change was made after
// the one the replica applied last. It is kv.ErrConflict.
type ConflictError struct {
	// Writer is the server that made the latest change, Revision its
	// revision; At is the revision the replica had applied. With Turn set,
	// the store had not changed: it was Writer's turn, claimed at Revision
	// (turn.go).
	Writer   string
	Revision int64
	At       int64
	Turn     bool
}

func (e *ConflictError) Error() string {
	if e.Turn {
		return fmt.Sprintf("etcdstore: it was %s's turn to write (claimed at revision %d; this server had applied revision %d)", e.Writer, e.Revision, e.At)
	}
	return fmt.Sprintf("etcdstore: %s changed the store at revision %d, after revision %d this server had applied", e.Writer, e.Revision, e.At)
}

// Is makes a ConflictError kv.ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == kv.ErrConflict }

// LimitError is a transaction larger than the members accept: what to raise
// on every member (the flag), and by how much.
type LimitError struct {
	Flag  string // "--max-txn-ops" or "--max-request-bytes"
	Need  int
	Limit int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("etcdstore: the transaction needs %s of at least %d on every etcd member (configured: %d); it is not split, so that it stays one change", e.Flag, e.Need, e.Limit)
}

// Is makes a LimitError etcdkv.ErrTooLarge and kv.ErrRefused (nothing was
// sent).
func (e *LimitError) Is(target error) bool {
	return target == etcdkv.ErrTooLarge || target == kv.ErrRefused
}

// change is the net effect of a transaction's ops on one etcd key, as the
// Op that Follow gives back for it: Put or Delete of a bucket's key,
// CreateBucket or DeleteBucket for its marker, SetSequence for its
// sequence (Seq 0: the key is deleted).
type change struct {
	key string
	op  kv.Op
}

// changes reduces ops to one change per etcd key (the last op on each key
// decides it: etcd refuses a transaction that names a key twice), in the
// order Follow applies them (applyOrder).
func (c *Cluster) changes(ops []kv.Op) ([]change, error) {
	last := make(map[string]int, len(ops))
	var out []change
	set := func(key string, op kv.Op) {
		if i, ok := last[key]; ok {
			// What the cluster holds is what the key held before the
			// transaction's first op on it.
			op.Replaced = out[i].op.Replaced
			out[i].op = op
			return
		}
		last[key] = len(out)
		out = append(out, change{key: key, op: op})
	}
	for _, op := range ops {
		if len(op.Path) == 0 {
			return nil, fmt.Errorf("etcdstore: a %s without a bucket", op)
		}
		switch op.Kind {
		case kv.Put, kv.Delete:
			set(encodeKey(c.prefix, op.Path, op.Key), op)
		case kv.CreateBucket:
			set(encodeMarker(c.prefix, op.Path), op)
		case kv.DeleteBucket:
			// Record has deleted every key and bucket inside first.
			set(encodeMarker(c.prefix, op.Path), op)
			set(encodeSequence(c.prefix, op.Path), kv.Op{Kind: kv.SetSequence, Path: op.Path})
		case kv.SetSequence:
			set(encodeSequence(c.prefix, op.Path), op)
		default:
			return nil, fmt.Errorf("etcdstore: unknown change %d", op.Kind)
		}
	}
	slices.SortStableFunc(out, func(a, b change) int {
		return cmp.Or(applyOrder(a.op, b.op), strings.Compare(a.key, b.key))
	})
	return out, nil
}

// applyOrder orders a revision's changes so that kv.Apply makes them in any
// replica without ever making a bucket it must delete: deleted keys and
// sequences first, then deleted buckets deepest first, created buckets
// shallowest first, then the keys and sequences put.
func applyOrder(a, b kv.Op) int {
	rank := func(o kv.Op) int {
		switch {
		case o.Kind == kv.Delete:
			return 0
		case o.Kind == kv.SetSequence && o.Seq == 0:
			return 1
		case o.Kind == kv.DeleteBucket:
			return 2
		case o.Kind == kv.CreateBucket:
			return 3
		case o.Kind == kv.Put:
			return 4
		}
		return 5
	}
	if r := cmp.Compare(rank(a), rank(b)); r != 0 {
		return r
	}
	switch a.Kind {
	case kv.DeleteBucket:
		return cmp.Compare(len(b.Path), len(a.Path))
	case kv.CreateBucket:
		return cmp.Compare(len(a.Path), len(b.Path))
	}
	return 0
}

// requestOverhead bounds what etcd's encoding of a transaction adds to its
// keys and values: per operation a few tags, lengths and the request's
// wrapper (about 10 bytes measured from the protobuf layout), and once the
// raft request's header and the head's compare; both rounded up.
const (
	opOverhead      = 16
	requestOverhead = 256
)

// commitPlan is a Commit's etcd operations: those of its transaction,
// the head's put last (Follow knows a revision is complete when it sees the
// head), and the chunks of large values that did not fit in it, in
// batches that each fit in a transaction of their own, to upload first.
type commitPlan struct {
	then    []etcdkv.Op
	uploads [][]chunk
	// sent are the compares of chunks sent ahead (Preupload), and
	// sentKeys their keys.
	sent     []etcdkv.Compare
	sentKeys []string
	// large are the values kept in chunks, by etcd key.
	large map[string][]byte
}

// txnOps turns changes into etcd operations (with the turn's deletion
// when this server holds it) and checks them against the members' limits.
func (c *Cluster) txnOps(changes []change, turn bool) (*commitPlan, error) {
	ops := make([]etcdkv.Op, 0, len(changes)+2)
	var chunks []chunk
	large := map[string][]byte{}
	size := requestOverhead + len(c.head) + len(c.server) + opOverhead
	for _, ch := range changes {
		size += len(ch.key) + opOverhead
		switch ch.op.Kind {
		case kv.Put:
			v, valueChunks, sum := c.stored(ch.key, ch.op.Value)
			ops = append(ops, etcdkv.OpPut(ch.key, v))
			size += len(v)
			chunks = append(chunks, valueChunks...)
			if valueChunks != nil {
				large[ch.key] = ch.op.Value
			}
			old, oldSize := c.oldChunks(ch.key, ch.op.Replaced, sum)
			ops, size = append(ops, old...), size+oldSize
		case kv.Delete:
			ops = append(ops, etcdkv.OpDelete(ch.key))
			old, oldSize := c.oldChunks(ch.key, ch.op.Replaced, nil)
			ops, size = append(ops, old...), size+oldSize
		case kv.CreateBucket:
			ops = append(ops, etcdkv.OpPut(ch.key, nil))
		case kv.SetSequence:
			if ch.op.Seq == 0 {
				ops = append(ops, etcdkv.OpDelete(ch.key))
			} else {
				ops = append(ops, etcdkv.OpPut(ch.key, binary.BigEndian.AppendUint64(nil, ch.op.Seq)))
				size += 8
			}
		default: // DeleteBucket
			ops = append(ops, etcdkv.OpDelete(ch.key))
		}
	}
	if turn {
		// The turn ends with the change it was claimed for (turn.go).
		ops = append(ops, etcdkv.OpDelete(c.turnKey))
		size += len(c.turnKey) + opOverhead
	}
	p, err := c.fit(ops, size, chunks)
	if err != nil {
		return nil, err
	}
	p.large = large
	return p, nil
}

// fit puts the chunks in the transaction (before the rest) when the
// members' limits allow, else in upload batches; the transaction then has
// a compare for each chunk, and etcd counts a transaction's compares
// against --max-txn-ops on their own.
func (c *Cluster) fit(ops []etcdkv.Op, size int, chunks []chunk) (*commitPlan, error) {
	head := etcdkv.OpPut(c.head, []byte(c.server))
	sent, sentKeys, chunks := c.sentAhead(chunks)
	for _, key := range sentKeys {
		size += len(key) + opOverhead // its compare
	}
	chunkBytes := 0
	for _, ch := range chunks {
		chunkBytes += ch.size()
	}
	if len(ops)+len(chunks)+1 <= c.maxOps && 1+len(sent) <= c.maxOps && size+chunkBytes <= c.maxBytes {
		then := make([]etcdkv.Op, 0, len(chunks)+len(ops)+1)
		for _, ch := range chunks {
			then = append(then, etcdkv.OpPut(ch.key, ch.value))
		}
		return &commitPlan{then: append(append(then, ops...), head), sent: sent, sentKeys: sentKeys}, nil
	}
	p := &commitPlan{then: append(ops, head), sent: sent, sentKeys: sentKeys}
	for _, ch := range chunks {
		size += len(ch.key) + opOverhead // its compare
	}
	if compares := 1 + len(sent) + len(chunks); len(p.then) > c.maxOps || compares > c.maxOps {
		return nil, &LimitError{Flag: "--max-txn-ops", Need: max(len(p.then), compares), Limit: c.maxOps}
	}
	if size > c.maxBytes {
		return nil, &LimitError{Flag: "--max-request-bytes", Need: size, Limit: c.maxBytes}
	}
	var err error
	p.uploads, err = c.batches(chunks)
	return p, err
}

// batches groups chunks into upload transactions within the members'
// limits.
func (c *Cluster) batches(chunks []chunk) ([][]chunk, error) {
	var out [][]chunk
	var batch []chunk
	batchSize := requestOverhead
	for _, ch := range chunks {
		if requestOverhead+ch.size() > c.maxBytes {
			return nil, &LimitError{Flag: "--max-request-bytes", Need: requestOverhead + ch.size(), Limit: c.maxBytes}
		}
		if len(batch) > 0 && (len(batch)+1 > c.maxOps || batchSize+ch.size() > c.maxBytes) {
			out, batch, batchSize = append(out, batch), nil, requestOverhead
		}
		batch, batchSize = append(batch, ch), batchSize+ch.size()
	}
	if len(batch) > 0 {
		out = append(out, batch)
	}
	return out, nil
}

// Commit makes ops on the cluster as one transaction if the latest change
// under the prefix is the one at revision at (0: no change yet), and
// returns the revision of this change. A newer change makes it fail with a
// *ConflictError (kv.ErrConflict); an answer that did not come (no quorum,
// timeout) with an error that is etcdkv.ErrUnavailable: the change may or
// may not have been made, which only catching up tells. A transaction
// over the members' limits fails with a *LimitError before it is sent.
// No ops, no transaction: Commit returns at.
func (c *Cluster) Commit(ctx context.Context, at int64, ops []kv.Op) (int64, error) {
	if len(ops) == 0 {
		return at, nil
	}
	changes, err := c.changes(ops)
	if err != nil {
		return 0, err
	}
	if stale := c.behind(at); stale != nil {
		return 0, stale
	}
	turn, held := c.turnCompare()
	p, err := c.txnOps(changes, held)
	if err != nil {
		return 0, err
	}
	// The store has not changed since the revision the replica applied:
	// the head, put by every change, is no newer than at. A replica loaded
	// at a revision of the cluster's is at that revision, which may be
	// past the head's (another deployment's writes, or none yet: a missing
	// head's mod_revision is 0). And it is this server's turn, or no one's
	// (turn.go).
	compares := append([]etcdkv.Compare{{Key: c.head, Target: etcdkv.ModRevision, Relation: etcdkv.Less, Number: at + 1}, turn}, p.sent...)
	// Chunks sent ahead serve this Commit, or the next try after a
	// conflict that a newer change explains; after any other outcome they
	// are taken, or sent again inside the next try as any other chunks (a
	// compare of theirs may have failed: an Erase sweeps chunks no
	// manifest refers to yet).
	keepSent := false
	defer func() {
		if !keepSent {
			c.forgetSent(p.sentKeys)
		}
	}()
	if len(p.uploads) > 0 {
		deadline, bounded := ctx.Deadline()
		budget := time.Until(deadline)
		uploaded, err := c.upload(ctx, p.uploads)
		if err != nil {
			return 0, err
		}
		compares = append(compares, uploaded...)
		if bounded {
			// The transaction gets the time ctx had when the uploads
			// began: its deadline is one request's, not theirs.
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), budget)
			defer cancel()
		}
	}
	resp, err := c.client.Txn(ctx, etcdkv.Txn{
		If:   compares,
		Then: p.then,
		Else: []etcdkv.Op{etcdkv.OpRange(etcdkv.RangeRequest{Key: c.head}), etcdkv.OpRange(etcdkv.RangeRequest{Key: c.turnKey})},
	})
	if err == nil || errors.Is(err, etcdkv.ErrConflict) {
		c.settle(err == nil, rangeOne(resp, 1))
	}
	switch {
	case errors.Is(err, etcdkv.ErrConflict):
		conflict := conflictOf(resp, at)
		if head := rangeOne(resp, 0); head != nil {
			c.sawHead(head)
			keepSent = head.ModRevision > at
		}
		c.takeTurn(ctx)
		return 0, conflict
	case errors.Is(err, etcdkv.ErrTooLarge):
		return 0, fmt.Errorf("etcdstore: %w (raise --max-request-bytes on every member): %w", err, kv.ErrRefused)
	case err != nil && strings.Contains(err.Error(), "too many operations in txn request"):
		// The members run with a lower --max-txn-ops than Config says.
		return 0, fmt.Errorf("etcdstore: %w (raise --max-txn-ops on every member to %d, or set the store's limit to the members'): %w", err, len(p.then), kv.ErrRefused)
	case err != nil:
		return 0, uncertain("commit", err)
	}
	if len(p.large) > 0 {
		c.mu.Lock()
		c.ownRev, c.own = resp.Header.Revision, p.large
		c.mu.Unlock()
	}
	return resp.Header.Revision, nil
}

// rangeOne is the key read by the i-th operation of a refused
// transaction's Else, nil when there is none.
func rangeOne(resp *etcdkv.TxnResponse, i int) *etcdkv.KeyValue {
	if resp == nil || len(resp.Responses) <= i || resp.Responses[i].Range == nil || len(resp.Responses[i].Range.KVs) != 1 {
		return nil
	}
	return &resp.Responses[i].Range.KVs[0]
}

// conflictOf is the ConflictError of a Commit at at whose compares failed:
// the head's, when it is newer than at, else the turn's, when another
// server holds it, else one of its uploaded chunks' (swept by an Erase, or
// changed by hand, before the commit came). A missing head is older than
// any at.
func conflictOf(resp *etcdkv.TxnResponse, at int64) *ConflictError {
	conflict := &ConflictError{Writer: "an erase (or a hand) that changed the chunks this change uploaded", Revision: resp.Header.Revision, At: at}
	if head := rangeOne(resp, 0); head != nil && head.ModRevision > at {
		conflict.Writer, conflict.Revision = string(head.Value), head.ModRevision
	} else if turn := rangeOne(resp, 1); turn != nil {
		// Another server's turn (turn.go): its value is its name and a
		// token.
		name, _, _ := strings.Cut(string(turn.Value), " ")
		conflict.Writer, conflict.Revision, conflict.Turn = name, turn.ModRevision, true
	}
	return conflict
}

// uncertain is an error whose outcome is unknown as etcdkv.ErrUnavailable:
// a request that ran out of time (its context's deadline) is as unknown as
// one a member did not answer in time.
func uncertain(what string, err error) error {
	if errors.Is(err, etcdkv.ErrUnavailable) || (!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)) {
		return fmt.Errorf("etcdstore: %s: %w", what, err)
	}
	return fmt.Errorf("etcdstore: %s: %w: %w", what, etcdkv.ErrUnavailable, err)
}

// CatchUp reads the revision of the latest change under the prefix (a
// linearizable read: every change acknowledged before it is seen) and waits
// until Follow's apply has taken that revision. It needs Follow running,
// and fails when Follow has ended.
func (c *Cluster) CatchUp(ctx context.Context) error {
	head, ok, err := c.client.Get(ctx, c.head)
	if err != nil {
		return uncertain("catch up", err)
	}
	if !ok {
		return nil
	}
	return c.waitApplied(ctx, head.ModRevision)
}

func (c *Cluster) waitApplied(ctx context.Context, rev int64) error {
	for {
		c.mu.Lock()
		applied, moved, followed := c.applied, c.moved, c.followed
		c.mu.Unlock()
		if applied >= rev {
			return nil
		}
		if followed != nil {
			return fmt.Errorf("etcdstore: catch up with revision %d (applied %d): the follower ended: %w", rev, applied, followed)
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return fmt.Errorf("etcdstore: catch up with revision %d (applied %d): %w", rev, applied, ctx.Err())
		}
	}
}

// setFollowing records that a Follow started (err nil) or ended.
func (c *Cluster) setFollowing(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.followed = err
	close(c.moved)
	c.moved = make(chan struct{})
}

// setApplied records that apply has taken rev.
func (c *Cluster) setApplied(rev int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rev > c.applied {
		c.applied = rev
		close(c.moved)
		c.moved = make(chan struct{})
	}
}

// Erase removes from the cluster every value no longer current: it
// compacts the history, so that no read or watch can reach an older value,
// and defragments every member, so that the pages that held them leave the
// members' database files. Before that, it sweeps the requests that wrote
// and deleted them out of the members' write-ahead logs (sweepWAL). It is
// for after a purge, and needs every member up (the error names those that
// failed).
//
// Compaction is the cluster's, not the prefix's: another deployment's
// follower that is behind the current revision must reload.
func (c *Cluster) Erase(ctx context.Context) error {
	if err := c.sweepChunks(ctx); err != nil {
		return err
	}
	if err := c.sweepWAL(ctx); err != nil {
		return err
	}
	// Each member removes a compaction's old revisions from its database
	// on its own time, after the cluster agreed on it; a member
	// defragmented before that keeps them (seen in
	// TestCluster/EraseAfterPurge, 1 run in 4). A physical compaction
	// waits only for the member it is sent to, so each member is sent
	// one, each at a new revision (a compaction at a revision already
	// compacted does not wait), and a member runs its compactions in
	// order: once its own is done, so are the earlier ones.
	//
	// The new revisions are changes of the head alone: etcd 3.7 keeps a
	// deletion's tombstone (the deleted key's name, which may be personal
	// data: index keys) when it is the compaction's own revision. Followers
	// take them as changes without data.
	for _, endpoint := range c.client.Endpoints() {
		rev, err := c.client.Put(ctx, c.head, []byte(c.server))
		if err != nil {
			return uncertain("erase: mark a revision", err)
		}
		// A physical compaction of a large database takes longer than a
		// request is given: ctx bounds it.
		member, err := c.memberClient(endpoint, time.Hour)
		if err != nil {
			return err
		}
		err = member.Compact(ctx, rev, true)
		member.Close()
		if err != nil {
			return fmt.Errorf("etcdstore: erase: compact at revision %d on %s: %w", rev, endpoint, err)
		}
	}
	if err := c.client.Defragment(ctx); err != nil {
		return fmt.Errorf("etcdstore: erase: %w", err)
	}
	return nil
}
