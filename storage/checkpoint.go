package storage

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"rightsdesk/storage/kv"
)

// bucketCheckpoints holds a bucket per organisation: its log's latest
// signed checkpoint ("latest", and its size), and the last one of each day
// ("day/2026-11-30").
var (
	bucketCheckpoints = []byte("checkpoints")
	keyLatest         = []byte("latest")
	keyLatestSize     = []byte("size")
	dayPrefix         = "day/"
)

// testLine ends the checkpoint text of a test or demo database.
const testLine = "test database: signed with a key derived from its seed, not a production key"

func decodeKeyBytes(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func ed25519Public(seed []byte) ed25519.PublicKey {
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
}

// logOrigin is the origin line of an organisation's log: the database and
// the organisation; a test database's says so.
func logOrigin(tx kv.Tx, org string) string {
	prefix := "rightsdesk/"
	if testSeed(tx) != nil {
		prefix = "rightsdesk-test/"
	}
	return prefix + databaseID(tx) + "/" + urlEscape(org)
}

func urlEscape(s string) string { return url.PathEscape(s) }

// formatCheckpoint is the C2SP tlog-checkpoint text of a log of size n
// with root hash root (tlog.FormatTree hard-codes the Go checksum
// database's origin).
func formatCheckpoint(origin string, n int64, root tlog.Hash, test bool) []byte {
	text := origin + "\n" + strconv.FormatInt(n, 10) + "\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n"
	if test {
		text += testLine + "\n"
	}
	return []byte(text)
}

// Checkpoint is a parsed checkpoint text.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Test   bool
}

// ParseCheckpoint reads a C2SP checkpoint text.
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var c Checkpoint
	if len(lines) < 3 || lines[0] == "" {
		return c, errors.New("malformed checkpoint")
	}
	c.Origin = lines[0]
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return c, errors.New("malformed checkpoint size")
	}
	c.Size = n
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return c, errors.New("malformed checkpoint root hash")
	}
	copy(c.Root[:], root)
	for _, l := range lines[3:] {
		if l == testLine {
			c.Test = true
		}
	}
	return c, nil
}

// sealLogs signs the checkpoint of every log that grew since its last one,
// and stores it as the latest and as the day's (in UTC): it ends every
// write transaction, so a checkpoint is committed with its events.
func sealLogs(tx kv.Tx, now time.Time) error {
	return sealLogsWith(tx, now, nil)
}

// sealLogsWith is sealLogs with a Store's parsed signing key (keys).
func sealLogsWith(tx kv.Tx, now time.Time, keys *keyCache) error {
	logs := tx.Bucket(bucketLogs)
	if logs == nil {
		return nil
	}
	var grown []string
	cps := tx.Bucket(bucketCheckpoints)
	err := logs.ForEach(func(k, v []byte) error {
		b := logs.Bucket(k)
		if v != nil || b == nil {
			return nil
		}
		var signed []byte
		if cps != nil {
			if c := cps.Bucket(k); c != nil {
				signed = c.Get(keyLatestSize)
			}
		}
		if !bytes.Equal(signed, b.Get(keyLogSize)) {
			grown = append(grown, string(k))
		}
		return nil
	})
	if err != nil || len(grown) == 0 {
		return err
	}
	s, err := cachedSigner(tx, now, keys)
	if err != nil {
		return err
	}
	if cps, err = tx.CreateBucketIfNotExists(bucketCheckpoints); err != nil {
		return err
	}
	for _, org := range grown {
		b := logs.Bucket([]byte(org))
		n := logSize(b)
		root, err := tlog.TreeHash(n, logHashes(tx, org, b))
		if err != nil {
			return fmt.Errorf("the log of %s: %w", org, err)
		}
		msg, err := note.Sign(&note.Note{Text: string(formatCheckpoint(logOrigin(tx, org), n, root, testSeed(tx) != nil))}, s)
		if err != nil {
			return err
		}
		c, err := cps.CreateBucketIfNotExists([]byte(org))
		if err != nil {
			return err
		}
		for _, kv := range [][2][]byte{{keyLatest, msg}, {keyLatestSize, u64(uint64(n))},
			{[]byte(dayPrefix + now.UTC().Format(time.DateOnly)), msg}} {
			if err := c.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

// sealed wraps a write transaction's function so that the checkpoints of
// the logs it appended to are signed in the same transaction.
func (s *Store) sealed(fn func(tx kv.Tx) error) func(tx kv.Tx) error {
	return func(tx kv.Tx) error {
		packWrites(tx) // fill.go
		if err := fn(tx); err != nil {
			return err
		}
		if err := s.writePendingReads(tx); err != nil { // caller.go
			return err
		}
		if err := sealLogsWith(tx, s.clock.Now(), &s.keys); err != nil {
			return err
		}
		s.notifyOnCommit(tx) // held.go
		return nil
	}
}
