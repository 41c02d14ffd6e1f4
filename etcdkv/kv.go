package etcdkv

import (
	"context"
	"errors"
	"fmt"
)

// Header is what every answer says about the cluster: above all the
// revision of the whole key space when the answer was made.
type Header struct {
	ClusterID uint64 `json:"cluster_id,string,omitempty"`
	MemberID  uint64 `json:"member_id,string,omitempty"`
	Revision  int64  `json:"revision,string,omitempty"`
	RaftTerm  uint64 `json:"raft_term,string,omitempty"`
}

// KeyValue is one key as etcd keeps it. Key is without the deployment's
// prefix.
type KeyValue struct {
	Key   string
	Value []byte
	// CreateRevision is the revision of the key's creation (since its last
	// deletion), ModRevision that of its last change, Version the number of
	// changes since its creation.
	CreateRevision int64
	ModRevision    int64
	Version        int64
}

// wireKV is a key-value in the gateway's JSON: bytes in base64, 64-bit
// numbers as strings, zero fields left out.
type wireKV struct {
	Key            []byte `json:"key,omitempty"`
	CreateRevision int64  `json:"create_revision,string,omitempty"`
	ModRevision    int64  `json:"mod_revision,string,omitempty"`
	Version        int64  `json:"version,string,omitempty"`
	Value          []byte `json:"value,omitempty"`
}

func (c *Client) fromWire(w wireKV) KeyValue {
	return KeyValue{Key: c.unprefixed(w.Key), Value: w.Value, CreateRevision: w.CreateRevision, ModRevision: w.ModRevision, Version: w.Version}
}

// unprefixed takes the deployment's prefix off a key the cluster returned.
// Every key the client asks for is under the prefix, so every key returned
// is too.
func (c *Client) unprefixed(key []byte) string {
	return string(key[min(len(c.prefix), len(key)):])
}

// prefixEnd is the end of the range of keys that start with p: p with its
// last byte below 0xff incremented and what follows dropped; "\x00", which
// etcd reads as "to the end of the key space", when there is no such byte.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return []byte{0}
}

// RangeRequest says which keys to read.
type RangeRequest struct {
	// Key is the key to read, or with Prefix set the start of every key to
	// read; with End set, the first key of the range [Key, End).
	Key    string
	Prefix bool
	End    string
	// Limit caps the number of keys returned (0: no cap); More in the
	// answer says whether there were more.
	Limit int64
	// Revision reads the keys as they were at that revision (0: now).
	Revision int64
	// CountOnly returns the number of keys and no keys.
	CountOnly bool
	// Serializable lets the member asked answer from its own store, without
	// asking the leader: a read of what that member holds, which may be
	// behind the cluster, and the way to ask a member what it still keeps.
	Serializable bool
	// KeysOnly returns the keys without their values: for listing keys
	// whose values are large (etcdstore's chunks).
	KeysOnly bool
}

// RangeResponse holds the keys read, in key order.
type RangeResponse struct {
	Header Header
	KVs    []KeyValue
	// More says that Limit left keys out; Count is the number of keys in
	// the range, whatever the limit.
	More  bool
	Count int64
}

type wireRange struct {
	Key       []byte `json:"key,omitempty"`
	RangeEnd  []byte `json:"range_end,omitempty"`
	Limit     int64  `json:"limit,string,omitempty"`
	Revision  int64  `json:"revision,string,omitempty"`
	CountOnly bool   `json:"count_only,omitempty"`
	// Serializable is the gateway's name of RangeRequest.Serializable.
	Serializable bool `json:"serializable,omitempty"`
	KeysOnly     bool `json:"keys_only,omitempty"`
}

type wireRangeResponse struct {
	Header Header   `json:"header"`
	KVs    []wireKV `json:"kvs"`
	More   bool     `json:"more"`
	Count  int64    `json:"count,string"`
}

func (c *Client) wireRange(r RangeRequest) (wireRange, error) {
	if r.Prefix && r.End != "" {
		return wireRange{}, errors.New("etcd range: Prefix and End are exclusive")
	}
	if r.Limit < 0 || r.Revision < 0 {
		return wireRange{}, errors.New("etcd range: negative limit or revision")
	}
	w := wireRange{Key: []byte(c.prefix + r.Key), Limit: r.Limit, Revision: r.Revision, CountOnly: r.CountOnly, Serializable: r.Serializable, KeysOnly: r.KeysOnly}
	switch {
	case r.Prefix:
		w.Key, w.RangeEnd = prefixRange(w.Key)
	case r.End != "":
		w.RangeEnd = []byte(c.prefix + r.End)
	}
	return w, nil
}

// prefixRange is the range [key, end) of every key that starts with p.
// etcd refuses an empty key, so the empty prefix (every key) is the
// range from "\x00" to the end of the key space.
func prefixRange(p []byte) (key, end []byte) {
	if len(p) == 0 {
		return []byte{0}, []byte{0}
	}
	return p, prefixEnd(p)
}

func (c *Client) fromWireRange(w wireRangeResponse) *RangeResponse {
	r := &RangeResponse{Header: w.Header, More: w.More, Count: w.Count}
	for _, kv := range w.KVs {
		r.KVs = append(r.KVs, c.fromWire(kv))
	}
	return r
}

// Range reads keys. It is linearizable: it sees every write acknowledged
// before it began.
func (c *Client) Range(ctx context.Context, r RangeRequest) (*RangeResponse, error) {
	w, err := c.wireRange(r)
	if err != nil {
		return nil, err
	}
	var resp wireRangeResponse
	if err := c.call(ctx, "/v3/kv/range", w, &resp, false); err != nil {
		return nil, err
	}
	return c.fromWireRange(resp), nil
}

// Get reads one key; ok is false when it does not exist.
func (c *Client) Get(ctx context.Context, key string) (kv KeyValue, ok bool, err error) {
	r, err := c.Range(ctx, RangeRequest{Key: key})
	if err != nil {
		return KeyValue{}, false, err
	}
	if len(r.KVs) == 0 {
		return KeyValue{}, false, nil
	}
	return r.KVs[0], true, nil
}

// Target is what a Compare looks at.
type Target int

// The targets etcd compares.
const (
	ModRevision Target = iota
	Version
	CreateRevision
	Value
)

var targetNames = [...]string{ModRevision: "MOD", Version: "VERSION", CreateRevision: "CREATE", Value: "VALUE"}

// Relation is how a Compare relates the target to its operand.
type Relation int

// The relations etcd knows.
const (
	Equal Relation = iota
	NotEqual
	Greater
	Less
)

var relationNames = [...]string{Equal: "EQUAL", NotEqual: "NOT_EQUAL", Greater: "GREATER", Less: "LESS"}

// Compare is one condition of a transaction: Key's Target stands in
// Relation to Number (for the revisions and the version) or to Value. A key
// that does not exist has revisions and version 0 (so ModRevisionIs(k, 0)
// says "k does not exist yet") and no value.
type Compare struct {
	Key      string
	Target   Target
	Relation Relation
	Number   int64
	Value    []byte
}

// ModRevisionIs holds when key was last changed at revision rev (0: the key
// does not exist).
func ModRevisionIs(key string, rev int64) Compare {
	return Compare{Key: key, Target: ModRevision, Relation: Equal, Number: rev}
}

// VersionIs holds when key has been changed version times since its
// creation (0: it does not exist).
func VersionIs(key string, version int64) Compare {
	return Compare{Key: key, Target: Version, Relation: Equal, Number: version}
}

// CreateRevisionIs holds when key was created at revision rev.
func CreateRevisionIs(key string, rev int64) Compare {
	return Compare{Key: key, Target: CreateRevision, Relation: Equal, Number: rev}
}

// ValueIs holds when key exists and holds value.
func ValueIs(key string, value []byte) Compare {
	return Compare{Key: key, Target: Value, Relation: Equal, Value: value}
}

type wireCompare struct {
	Result         string `json:"result"`
	Target         string `json:"target"`
	Key            []byte `json:"key"`
	Version        *int64 `json:"version,string,omitempty"`
	CreateRevision *int64 `json:"create_revision,string,omitempty"`
	ModRevision    *int64 `json:"mod_revision,string,omitempty"`
	// A pointer, so that an empty value is sent as "" and not left out: a
	// VALUE compare without its operand would hold for any value.
	Value *[]byte `json:"value,omitempty"`
}

// Op is one operation of a transaction: made by OpPut, OpDelete,
// OpDeletePrefix, OpDeleteRange or OpRange.
type Op struct {
	kind  opKind
	key   string
	value []byte
	rng   RangeRequest
	// prefix: a delete of every key under key; end: of every key in
	// [key, end).
	prefix bool
	end    string
	// lease: a put's key is deleted when this lease expires (0: never).
	lease int64
}

type opKind int

const (
	opPut opKind = iota + 1
	opDelete
	opRange
)

// OpPut sets key to value.
func OpPut(key string, value []byte) Op { return Op{kind: opPut, key: key, value: value} }

// OpPutLeased sets key to value until lease (LeaseGrant) expires: the
// cluster then deletes key, at a revision of its own.
func OpPutLeased(key string, value []byte, lease int64) Op {
	return Op{kind: opPut, key: key, value: value, lease: lease}
}

// OpDelete deletes key.
func OpDelete(key string) Op { return Op{kind: opDelete, key: key} }

// OpDeletePrefix deletes every key that starts with prefix.
func OpDeletePrefix(prefix string) Op { return Op{kind: opDelete, key: prefix, prefix: true} }

// OpDeleteRange deletes every key in [key, end); end must sort after key.
func OpDeleteRange(key, end string) Op { return Op{kind: opDelete, key: key, end: end} }

// OpRange reads keys inside the transaction, at its revision (r.Revision
// must be 0).
func OpRange(r RangeRequest) Op { return Op{kind: opRange, rng: r} }

type wireOp struct {
	Put         *wirePut    `json:"request_put,omitempty"`
	DeleteRange *wireDelete `json:"request_delete_range,omitempty"`
	Range       *wireRange  `json:"request_range,omitempty"`
}

type wirePut struct {
	Key   []byte `json:"key"`
	Value []byte `json:"value,omitempty"`
	Lease int64  `json:"lease,string,omitempty"`
}

type wireDelete struct {
	Key      []byte `json:"key"`
	RangeEnd []byte `json:"range_end,omitempty"`
}

type wireOpResponse struct {
	Put         *struct{}          `json:"response_put"`
	DeleteRange *wireDeleteResult  `json:"response_delete_range"`
	Range       *wireRangeResponse `json:"response_range"`
}

type wireDeleteResult struct {
	Deleted int64 `json:"deleted,string"`
}

// Txn is a transaction: if every compare of If holds, the Then operations
// are applied, otherwise the Else ones, all at one new revision (or none,
// when the operations change nothing).
type Txn struct {
	If   []Compare
	Then []Op
	Else []Op
}

// TxnResponse is a transaction's outcome.
type TxnResponse struct {
	// Succeeded says that the compares held and Then was applied.
	Succeeded bool
	// Header.Revision is the cluster's revision after the transaction: the
	// revision of its changes, when it made any.
	Header Header
	// Responses answer the applied operations (Then or Else), in order.
	Responses []OpResponse
}

// OpResponse answers one operation: Range for a range, Deleted (the number
// of keys deleted) for a delete; a put answers nothing.
type OpResponse struct {
	Range   *RangeResponse
	Deleted int64
}

type wireTxn struct {
	Compare []wireCompare `json:"compare,omitempty"`
	Success []wireOp      `json:"success,omitempty"`
	Failure []wireOp      `json:"failure,omitempty"`
}

type wireTxnResponse struct {
	Header    Header           `json:"header"`
	Succeeded bool             `json:"succeeded"`
	Responses []wireOpResponse `json:"responses"`
}

func (c *Client) wireCompare(cmp Compare) (wireCompare, error) {
	if int(cmp.Target) < 0 || int(cmp.Target) >= len(targetNames) || int(cmp.Relation) < 0 || int(cmp.Relation) >= len(relationNames) {
		return wireCompare{}, fmt.Errorf("etcd txn: compare on %q: unknown target or relation", cmp.Key)
	}
	w := wireCompare{Result: relationNames[cmp.Relation], Target: targetNames[cmp.Target], Key: []byte(c.prefix + cmp.Key)}
	n := cmp.Number
	switch cmp.Target {
	case ModRevision:
		w.ModRevision = &n
	case Version:
		w.Version = &n
	case CreateRevision:
		w.CreateRevision = &n
	case Value:
		v := cmp.Value
		if v == nil {
			v = []byte{}
		}
		w.Value = &v
	}
	return w, nil
}

func (c *Client) wireOps(ops []Op) ([]wireOp, error) {
	var out []wireOp
	for _, op := range ops {
		switch op.kind {
		case opPut:
			out = append(out, wireOp{Put: &wirePut{Key: []byte(c.prefix + op.key), Value: op.value, Lease: op.lease}})
		case opDelete:
			d := &wireDelete{Key: []byte(c.prefix + op.key)}
			switch {
			case op.prefix:
				d.Key, d.RangeEnd = prefixRange(d.Key)
			case op.end != "":
				if op.end <= op.key {
					return nil, fmt.Errorf("etcd txn: a delete range that ends (%d bytes) before it starts (%d bytes)", len(op.end), len(op.key))
				}
				d.RangeEnd = []byte(c.prefix + op.end)
			}
			out = append(out, wireOp{DeleteRange: d})
		case opRange:
			if op.rng.Revision != 0 {
				return nil, fmt.Errorf("etcd txn: a range on %q inside a transaction reads at the transaction's revision", op.rng.Key)
			}
			r, err := c.wireRange(op.rng)
			if err != nil {
				return nil, err
			}
			out = append(out, wireOp{Range: &r})
		default:
			return nil, errors.New("etcd txn: an operation not made by OpPut, OpDelete, OpDeletePrefix, OpDeleteRange or OpRange")
		}
	}
	return out, nil
}

// Txn applies a transaction. When its compares fail it returns the
// response (with the Else operations' answers) and an error that is
// ErrConflict; a caller with an Else branch reads there who changed what.
//
// A transaction that failed with ErrUnavailable may or may not have been
// applied: the client never sends a write to a second member unless the
// first certainly did not take it.
func (c *Client) Txn(ctx context.Context, t Txn) (*TxnResponse, error) {
	var w wireTxn
	for _, cmp := range t.If {
		wc, err := c.wireCompare(cmp)
		if err != nil {
			return nil, err
		}
		w.Compare = append(w.Compare, wc)
	}
	var err error
	if w.Success, err = c.wireOps(t.Then); err != nil {
		return nil, err
	}
	if w.Failure, err = c.wireOps(t.Else); err != nil {
		return nil, err
	}
	var resp wireTxnResponse
	if err := c.call(ctx, "/v3/kv/txn", w, &resp, true); err != nil {
		return nil, err
	}
	out := &TxnResponse{Succeeded: resp.Succeeded, Header: resp.Header}
	for _, r := range resp.Responses {
		var o OpResponse
		if r.Range != nil {
			o.Range = c.fromWireRange(*r.Range)
		}
		if r.DeleteRange != nil {
			o.Deleted = r.DeleteRange.Deleted
		}
		out.Responses = append(out.Responses, o)
	}
	if !resp.Succeeded && len(t.If) > 0 {
		return out, &ConflictError{Keys: compareKeys(t.If), Revision: resp.Header.Revision}
	}
	return out, nil
}

func compareKeys(cmps []Compare) []string {
	var keys []string
	for _, c := range cmps {
		keys = append(keys, c.Key)
	}
	return keys
}

// ConflictError is ErrConflict: the keys the transaction compared and the
// cluster's revision when the compares failed.
type ConflictError struct {
	Keys     []string
	Revision int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("etcd txn: conflict: %q changed (cluster at revision %d)", e.Keys, e.Revision)
}

func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Put sets key to value, as a transaction of one operation, and returns
// the revision of the change.
func (c *Client) Put(ctx context.Context, key string, value []byte) (int64, error) {
	r, err := c.Txn(ctx, Txn{Then: []Op{OpPut(key, value)}})
	if err != nil {
		return 0, err
	}
	return r.Header.Revision, nil
}

// Delete deletes key, as a transaction of one operation, and returns the
// number of keys deleted (0 or 1) and the cluster's revision after it.
func (c *Client) Delete(ctx context.Context, key string) (deleted, revision int64, err error) {
	r, err := c.Txn(ctx, Txn{Then: []Op{OpDelete(key)}})
	if err != nil {
		return 0, 0, err
	}
	return r.Responses[0].Deleted, r.Header.Revision, nil
}

// Compact discards the history of every key before revision rev: reads
// and watches at older revisions fail with ErrCompacted from then on.
// With physical set it returns only once the members' databases have
// dropped the old revisions (their pages are free, but still hold the
// bytes until Defragment).
//
// Neither reaches a member's write-ahead log, which keeps the request that
// wrote a value (seen in TestCluster/EraseCompactDefragment): etcd drops a
// 64 MB log segment only when it precedes the last snapshot (every 10,000
// changes by default) and more than --max-wals (5) segments exist, so a
// value stays there until some 320 MB of later writes (etcdstore's
// erasure makes them: walsweep.go).
func (c *Client) Compact(ctx context.Context, rev int64, physical bool) error {
	req := struct {
		Revision int64 `json:"revision,string"`
		Physical bool  `json:"physical,omitempty"`
	}{rev, physical}
	var resp struct {
		Header Header `json:"header"`
	}
	return c.call(ctx, "/v3/kv/compaction", req, &resp, true)
}

// LeaseGrant asks the cluster for a lease of ttl seconds and returns its ID
// and the TTL granted (a member may grant more than asked: never less than
// one and a half election timeouts). Keys put under it (OpPutLeased) are
// deleted once it expires; it is never kept alive here.
func (c *Client) LeaseGrant(ctx context.Context, ttl int64) (id, granted int64, err error) {
	req := struct {
		TTL int64 `json:"TTL,string"`
	}{ttl}
	var resp struct {
		ID    int64  `json:"ID,string"`
		TTL   int64  `json:"TTL,string"`
		Error string `json:"error"`
	}
	if err := c.call(ctx, "/v3/lease/grant", req, &resp, true); err != nil {
		return 0, 0, err
	}
	if resp.Error != "" || resp.ID == 0 {
		return 0, 0, fmt.Errorf("etcd lease grant: refused: %q", resp.Error)
	}
	return resp.ID, resp.TTL, nil
}
