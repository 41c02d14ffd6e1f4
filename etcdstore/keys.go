package etcdstore

import (
	"bytes"
	"errors"
	"fmt"
)

// The key encoding: how a replica's buckets, keys and sequences become
// etcd keys under the deployment's prefix, and back.
//
// A bucket's path (its names from the top) is written name by name, each
// name with its 0x00 bytes escaped as 0x00 0xFF and ended by 0x00 0x01.
// What follows the path says what the etcd key holds:
//
//	path 0x00 0x02 key   a key of that bucket; its value is the key's value
//	path 0x00 0x03       the bucket itself (its marker; the value is empty),
//	                     so that an empty bucket exists on the cluster too
//	path 0x00 0x04       the bucket's sequence, 8 bytes big-endian; absent
//	                     when the sequence is 0
//
// The key itself is the last part and needs no escape. So the keys of one
// bucket sort in etcd as bbolt sorts them (bytewise), a bucket's whole
// content is one range of etcd keys (its path), and any bytes may appear in
// names and keys. A 0x00 in a name is followed by 0xFF, never by 0x01..0x04,
// so a decoder always knows where a name ends. bbolt refuses empty names
// and keys; the encoding does not depend on that.
//
// The head key, prefix 0x00 0x00 "head", is a key that no encoded path can
// start with (a name's first 0x00 is followed by 0x01 or 0xFF): it is put by
// every transaction and its mod_revision is the revision of the latest
// change under the prefix. prefix 0x00 0x00 "import" is another: an
// import's place while it runs; prefix 0x00 0x00 "turn" the server whose
// write goes next, while one waits (turn.go); prefix 0x00 0x00 "chunk/"
// starts the chunks of large values (chunks.go), which sort before the
// others; and prefix 0x00 0x00 "-wal-sweep", before the chunks, is what
// the erasure writes to sweep the members' logs (walsweep.go).
const (
	escape      = 0x00
	escapedZero = 0xFF
	endOfName   = 0x01
	tagKey      = 0x02
	tagMarker   = 0x03
	tagSequence = 0x04
)

// headSuffix follows the prefix in the head key.
const headSuffix = "\x00\x00head"

// entryKind says what an etcd key under the prefix holds.
type entryKind uint8

const (
	entryKey entryKind = iota + 1
	entryMarker
	entrySequence
	entryHead
	entryProgress // an import's place (migrate.go)
	entryTurn     // the server whose write goes next (turn.go)
	entrySweep    // the erasure's sweep of the members' logs (walsweep.go)
)

// appendPath appends the encoding of a bucket's path to dst.
func appendPath(dst []byte, path [][]byte) []byte {
	for _, name := range path {
		for _, c := range name {
			if c == escape {
				dst = append(dst, escape, escapedZero)
			} else {
				dst = append(dst, c)
			}
		}
		dst = append(dst, escape, endOfName)
	}
	return dst
}

// encodeKey is the etcd key of key in the bucket at path, under prefix.
func encodeKey(prefix string, path [][]byte, key []byte) string {
	b := append(appendPath([]byte(prefix), path), escape, tagKey)
	return string(append(b, key...))
}

// encodeMarker is the etcd key of the bucket at path itself, under prefix.
func encodeMarker(prefix string, path [][]byte) string {
	return string(append(appendPath([]byte(prefix), path), escape, tagMarker))
}

// encodeSequence is the etcd key of the sequence of the bucket at path,
// under prefix.
func encodeSequence(prefix string, path [][]byte) string {
	return string(append(appendPath([]byte(prefix), path), escape, tagSequence))
}

// headKey is the head key of the deployment at prefix.
func headKey(prefix string) string { return prefix + headSuffix }

// errNotOurs is an etcd key under the prefix that this encoding did not
// make.
var errNotOurs = errors.New("not a key of the replica's encoding")

// decodeKey reads an etcd key (with the prefix already taken off) back into
// what it holds: the bucket's path and, for a bucket's key, the key. The
// slices are fresh copies. Errors never quote the key: keys hold index
// entries, which may be personal data.
func decodeKey(k []byte) (kind entryKind, path [][]byte, key []byte, err error) {
	switch string(k) {
	case headSuffix:
		return entryHead, nil, nil, nil
	case progressSuffix:
		return entryProgress, nil, nil, nil
	case turnSuffix:
		return entryTurn, nil, nil, nil
	case sweepSuffix:
		return entrySweep, nil, nil, nil
	}
	var name []byte
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c != escape {
			name = append(name, c)
			continue
		}
		if i+1 >= len(k) {
			return 0, nil, nil, fmt.Errorf("ends inside an escape: %w", errNotOurs)
		}
		i++
		switch k[i] {
		case escapedZero:
			name = append(name, escape)
		case endOfName:
			path = append(path, nonNil(name))
			name = nil
		case tagKey, tagMarker, tagSequence:
			if len(name) > 0 || len(path) == 0 {
				return 0, nil, nil, fmt.Errorf("a tag without a bucket before it: %w", errNotOurs)
			}
			switch k[i] {
			case tagKey:
				return entryKey, path, bytes.Clone(nonNil(k[i+1:])), nil
			case tagMarker:
				kind = entryMarker
			default:
				kind = entrySequence
			}
			if i+1 != len(k) {
				return 0, nil, nil, fmt.Errorf("bytes after a bucket's marker or sequence tag: %w", errNotOurs)
			}
			return kind, path, nil, nil
		default:
			return 0, nil, nil, fmt.Errorf("unknown escape 0x%02x: %w", k[i], errNotOurs)
		}
	}
	return 0, nil, nil, fmt.Errorf("no tag: %w", errNotOurs)
}

// nonNil is b, or an empty slice for nil: an empty name or key is still a
// name or key.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
