package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// The Merkle logs (TRUST.md, "Checkpoints: what they prove"): each
// organisation has an append-only RFC 6962 log with one leaf per event
// (case ID, sequence, digest of the event's envelope).
var (
	// bucketLogs holds a bucket per organisation: its tree's hashes in
	// tiles (logtiles.go; before schema 6 every stored hash under its
	// tlog.StoredHashIndex, 8 bytes -> 32-byte hash) and its size.
	bucketLogs = []byte("logs")
	// bucketLogLeaves maps a case ID to the organisation whose log holds
	// its events and each event's leaf index, in sequence (logLeaves).
	bucketLogLeaves = []byte("log-leaves")
	keyLogSize      = []byte("size")
)

// leafText is what a log's leaf records of one event: its case, its place
// in the case's timeline and the digest its envelope stores.
func leafText(id string, seq uint64, digest string) []byte {
	return []byte("rightsdesk event\n" + id + "\n" + strconv.FormatUint(seq, 10) + "\n" + digest + "\n")
}

// leafHash is the RFC 6962 hash of an event's leaf.
func leafHash(id string, seq uint64, digest string) tlog.Hash {
	return tlog.RecordHash(leafText(id, seq, digest))
}

// envelopeLeaf reads the sequence and digest an encoded envelope stores,
// stopping as soon as it has both (they come before the content).
func envelopeLeaf(env []byte) (uint64, string, error) {
	if seq, digest, ok := envelopeLeafFast(env); ok {
		return seq, digest, nil
	}
	return envelopeLeafSlow(env)
}

// envelopeLeafFast reads the envelope's leading members as long as they
// are plain strings and numbers, as json.Marshal writes them (the bulk
// insert logs hundreds of thousands of events); anything else is left to
// envelopeLeafSlow.
func envelopeLeafFast(env []byte) (uint64, string, bool) {
	var seq uint64
	var digest string
	haveSeq := false
	i := 0
	str := func() (string, bool) {
		if i >= len(env) || env[i] != '"' {
			return "", false
		}
		end := bytes.IndexByte(env[i+1:], '"')
		if end < 0 || bytes.IndexByte(env[i+1:i+1+end], '\\') >= 0 {
			return "", false
		}
		s := string(env[i+1 : i+1+end])
		i += end + 2
		return s, true
	}
	if len(env) == 0 || env[0] != '{' {
		return 0, "", false
	}
	i = 1
	for !(haveSeq && digest != "") {
		key, ok := str()
		if !ok || i >= len(env) || env[i] != ':' {
			return 0, "", false
		}
		i++
		switch {
		case i < len(env) && env[i] == '"':
			v, ok := str()
			if !ok {
				return 0, "", false
			}
			if key == "digest" {
				digest = v
			}
		case i < len(env) && env[i] >= '0' && env[i] <= '9':
			start := i
			for i < len(env) && env[i] >= '0' && env[i] <= '9' {
				i++
			}
			n, err := strconv.ParseUint(string(env[start:i]), 10, 64)
			if err != nil {
				return 0, "", false
			}
			if key == "seq" {
				seq, haveSeq = n, true
			}
		default:
			return 0, "", false
		}
		if i >= len(env) || env[i] != ',' {
			return 0, "", false
		}
		i++
	}
	return seq, digest, true
}

// envelopeLeafSlow is envelopeLeaf for any JSON.
func envelopeLeafSlow(env []byte) (uint64, string, error) {
	dec := json.NewDecoder(bytes.NewReader(env))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, "", errors.New("unreadable envelope")
	}
	var seq uint64
	var digest string
	haveSeq, haveDigest := false, false
	for dec.More() && !(haveSeq && haveDigest) {
		t, err := dec.Token()
		if err != nil {
			return 0, "", fmt.Errorf("unreadable envelope: %w", err)
		}
		switch t {
		case "seq":
			haveSeq = true
			err = dec.Decode(&seq)
		case "digest":
			haveDigest = true
			err = dec.Decode(&digest)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return 0, "", fmt.Errorf("unreadable envelope: %w", err)
		}
	}
	if !haveSeq || !haveDigest || digest == "" {
		return 0, "", errors.New("unreadable envelope: no sequence or digest")
	}
	return seq, digest, nil
}

// logEvent appends the leaf of one event (env, its stored envelope) to the
// log of the case's organisation. Every event of a case goes to the log its
// first one went to, even if the case's organisation is later corrected.
// The write transaction's checkpoints are signed when it ends (sealLogs).
func logEvent(tx kv.Tx, c *cases.Case, env []byte) error {
	seq, digest, err := envelopeLeaf(env)
	if err != nil {
		return fmt.Errorf("case %s: %w", c.ID, err)
	}
	leaves, err := tx.CreateBucketIfNotExists(bucketLogLeaves)
	if err != nil {
		return err
	}
	org, indexes, err := logLeaves(leaves.Get([]byte(c.ID)))
	if err != nil {
		return fmt.Errorf("case %s: %w", c.ID, err)
	}
	if org == "" {
		org = c.Controller
	}
	if uint64(len(indexes))+1 != seq {
		return fmt.Errorf("case %s: event %d logged after %d others", c.ID, seq, len(indexes))
	}
	index, err := appendCaseLeaf(tx, org, leafHash(c.ID, seq, digest), c.ID)
	if err != nil {
		return err
	}
	return leaves.Put([]byte(c.ID), encodeLogLeaves(org, append(indexes, index)))
}

// appendLeaf adds a leaf hash that is no case's to an organisation's log
// and returns its index.
func appendLeaf(tx kv.Tx, org string, h tlog.Hash) (int64, error) {
	return appendCaseLeaf(tx, org, h, "")
}

// appendCaseLeaf adds the leaf hash of an event of case id to an
// organisation's log and returns its index.
func appendCaseLeaf(tx kv.Tx, org string, h tlog.Hash, id string) (int64, error) {
	b, err := orgLog(tx, org)
	if err != nil {
		return 0, err
	}
	b.SetFillPercent(0.95) // it grows at its end only
	n := logSize(b)
	if err := appendTiled(b, n, h, id); err != nil {
		return 0, fmt.Errorf("the log of %s: %w", org, err)
	}
	return n, b.Put(keyLogSize, u64(uint64(n+1)))
}

// orgLog is the bucket of an organisation's log, made if it is new, and
// tiled if it is not yet (step 6).
func orgLog(tx kv.Tx, org string) (kv.Bucket, error) {
	logs, err := tx.CreateBucketIfNotExists(bucketLogs)
	if err != nil {
		return nil, err
	}
	b, err := logs.CreateBucketIfNotExists([]byte(org))
	if err != nil {
		return nil, err
	}
	if err := tileLog(b); err != nil {
		return nil, fmt.Errorf("the log of %s: %w", org, err)
	}
	return b, nil
}

// logSize is how many leaves an organisation's log holds.
func logSize(b kv.Bucket) int64 {
	if v := b.Get(keyLogSize); len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

// bucketHashes reads a log's stored hashes from its bucket.
type bucketHashes struct{ b kv.Bucket }

func (r bucketHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		v := r.b.Get(u64(uint64(x)))
		if len(v) != tlog.HashSize {
			return nil, fmt.Errorf("the log lacks its stored hash %d", x)
		}
		copy(out[i][:], v)
	}
	return out, nil
}

// memHashes is a log's stored hashes held in memory, in storage order.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

// treeOf computes the stored hashes of a log from its leaf hashes.
func treeOf(leaves []tlog.Hash) (memHashes, error) {
	m := make(memHashes, 0, tlog.StoredHashCount(int64(len(leaves))))
	for i, h := range leaves {
		more, err := tlog.StoredHashesForRecordHash(int64(i), h, m)
		if err != nil {
			return nil, err
		}
		m = append(m, more...)
	}
	return m, nil
}

// logLeaves decodes a case's entry in bucketLogLeaves: the organisation,
// then each event's leaf index in sequence, as varints. From schema 8 a 1
// byte follows the organisation and each index after the first is stored
// as its distance from the one before (a case's events are mostly leaves
// in a row: one byte each); before, a 0 byte and every index whole.
func logLeaves(v []byte) (string, []int64, error) {
	if v == nil {
		return "", nil, nil
	}
	i := bytes.IndexAny(v, "\x00\x01")
	if i <= 0 {
		return "", nil, errors.New("unreadable log entry")
	}
	org, deltas, rest := string(v[:i]), v[i] == logLeavesDeltas, v[i+1:]
	var out []int64
	for len(rest) > 0 {
		x, n := binary.Uvarint(rest)
		if n <= 0 {
			return "", nil, errors.New("unreadable log entry")
		}
		if deltas && len(out) > 0 {
			x += uint64(out[len(out)-1])
		}
		out = append(out, int64(x))
		rest = rest[n:]
	}
	return org, out, nil
}

// logLeavesDeltas is the byte after the organisation in a log entry whose
// indexes are stored as distances (schema 8).
const logLeavesDeltas = 1

func encodeLogLeaves(org string, indexes []int64) []byte {
	out := make([]byte, 0, len(org)+1+3+len(indexes))
	out = append(append(out, org...), logLeavesDeltas)
	prev := int64(0)
	for _, x := range indexes {
		out = binary.AppendUvarint(out, uint64(x-prev))
		prev = x
	}
	return out
}
