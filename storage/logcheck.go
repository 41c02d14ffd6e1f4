package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"rightsdesk/storage/kv"
)

// logTree is one organisation's log as the timelines say it should be.
type logTree struct {
	org    string
	leaves []tlog.Hash // from the timelines, by leaf index
	have   []bool
	hashes memHashes // the stored hashes computed from leaves
}

// timelineLogs rebuilds every log from the timelines: each event's leaf at
// the index its case's entry gives. It reports the events that are not in
// their log, or not at one place, and the leaves no event accounts for.
func timelineLogs(tx kv.Tx) (map[string]*logTree, []Problem) {
	var problems []Problem
	trees := map[string]*logTree{}
	logs := tx.Bucket(bucketLogs)
	if logs != nil {
		_ = logs.ForEach(func(k, v []byte) error {
			if b := logs.Bucket(k); v == nil && b != nil {
				n := logSize(b)
				trees[string(k)] = &logTree{org: string(k), leaves: make([]tlog.Hash, n), have: make([]bool, n)}
			}
			return nil
		})
	}
	leaves := tx.Bucket(bucketLogLeaves)
	_ = tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
		id := string(k)
		bad := func(format string, args ...any) {
			problems = append(problems, Problem{CaseID: id, Detail: fmt.Sprintf(format, args...)})
		}
		var entry []byte
		if leaves != nil {
			entry = leaves.Get(k)
		}
		org, indexes, err := logLeaves(entry)
		if err != nil {
			bad("its log entry is unreadable")
			return nil
		}
		t := trees[org]
		if org == "" || t == nil {
			bad("its events are in no organisation's log")
			return nil
		}
		tl, ok := timelineOf(tx, string(k))
		if !ok {
			return nil // checkChain says so
		}
		var n int
		_ = tl.forEach(func(_, v []byte) error {
			seq, digest, err := envelopeLeaf(v)
			n++
			switch {
			case err != nil:
				return nil // checkChain says so
			case n > len(indexes):
				bad("event %d is not in the log of %s (added without the key?)", seq, org)
			case indexes[n-1] >= int64(len(t.leaves)):
				bad("event %d is beyond the end of the log of %s", seq, org)
			case t.have[indexes[n-1]]:
				bad("event %d shares its leaf %d of the log of %s with another event", seq, indexes[n-1], org)
			default:
				t.have[indexes[n-1]] = true
				t.leaves[indexes[n-1]] = leafHash(id, seq, digest)
			}
			return nil
		})
		if n < len(indexes) {
			bad("the log of %s holds %d events of it, its timeline %d (an event was removed)", org, len(indexes), n)
		}
		return nil
	})
	// The team table's log holds its own chain's events (team.go).
	if t := trees[teamLog]; t != nil {
		problems = append(problems, teamTree(tx, t)...)
	} else if events, _ := readTeamChain(tx); len(events) > 0 {
		problems = append(problems, Problem{Detail: fmt.Sprintf("the team table's %d events are in no log (removed?)", len(events))})
	}
	for _, t := range trees {
		missing := 0
		for _, ok := range t.have {
			if !ok {
				missing++
			}
		}
		if missing > 0 {
			problems = append(problems, Problem{Detail: fmt.Sprintf("the log of %s holds %d leaves that no event of a timeline accounts for (events removed)", t.org, missing)})
		}
		var err error
		if t.hashes, err = treeOf(t.leaves); err != nil {
			problems = append(problems, Problem{Detail: fmt.Sprintf("the log of %s: %v", t.org, err)})
		}
	}
	return trees, problems
}

// checkLogs verifies the logs against the timelines and their signed
// checkpoints: every event's leaf is in its log at its place, the log
// holds exactly those leaves, its stored hashes are those the leaves give,
// and its latest and daily checkpoints are signed by a key of the key
// chain over the root those leaves give.
func checkLogs(tx kv.Tx) []Problem {
	events, err := keyChain(tx)
	if err != nil {
		return []Problem{{Detail: "the key chain: " + err.Error()}}
	}
	trees, problems := timelineLogs(tx)
	problems = append(problems, checkRotations(tx, events)...)
	if len(trees) == 0 {
		return problems
	}
	vs, err := verifiers(events)
	if err != nil {
		return append(problems, Problem{Detail: "the key chain: " + err.Error()})
	}
	logs, cps := tx.Bucket(bucketLogs), tx.Bucket(bucketCheckpoints)
	for _, t := range sortedTrees(trees) {
		bad := func(format string, args ...any) {
			problems = append(problems, Problem{Detail: fmt.Sprintf("the log of %s: ", t.org) + fmt.Sprintf(format, args...)})
		}
		if t.hashes == nil && len(t.leaves) > 0 {
			continue
		}
		if !storedHashesAgree(tx, logs.Bucket([]byte(t.org)), t) {
			bad("its stored hashes are not those of the timelines' events (rewritten)")
		}
		var c kv.Bucket
		if cps != nil {
			c = cps.Bucket([]byte(t.org))
		}
		if c == nil || c.Get(keyLatest) == nil {
			bad("it has no signed checkpoint")
			continue
		}
		_ = c.ForEach(func(k, v []byte) error {
			name := string(k)
			if name != string(keyLatest) && !strings.HasPrefix(name, dayPrefix) {
				return nil
			}
			if msg := checkCheckpoint(tx, t, v, vs); msg != "" {
				bad("checkpoint %s: %s", name, msg)
			} else if name == string(keyLatest) {
				if cp, _ := openCheckpoint(v, vs); cp.Size != int64(len(t.leaves)) {
					bad("the latest checkpoint is of %d events, the log holds %d", cp.Size, len(t.leaves))
				}
			}
			return nil
		})
	}
	return problems
}

// storedHashesAgree reports whether a log bucket stores exactly the
// hashes the timelines' events give: its tiles, or before schema 6 every
// stored hash. A complete tile of leaves may be left out when its sources
// name the cases whose events its leaves are (schema 8): the tile above
// holds its root, which must be the one the events give.
func storedHashesAgree(tx kv.Tx, b kv.Bucket, t *logTree) bool {
	if isTiled(b) {
		want := logTiles(t.leaves)
		leaves := tx.Bucket(bucketLogLeaves)
		size := int64(len(t.leaves))
		stored, differ := 0, false
		_ = b.ForEach(func(k, v []byte) error {
			switch {
			case isSourceKey(k):
				n := int64(binary.BigEndian.Uint64(k[1:]))
				ids, err := sourceIDs(v)
				total, ok := tileCases(leaves, t.org, n, ids)
				width := min(int64(1)<<logTileHeight, size-n<<logTileHeight)
				differ = differ || err != nil || !ok || int64(total) != width
				if b.Get(tileKey(0, n)) == nil && width == 1<<logTileHeight {
					stored++ // stands for the tile it names the events of
				}
			case len(k) == 9:
				differ = differ || !bytes.Equal(v, want[string(k)])
				stored++
			}
			return nil
		})
		return !differ && stored == len(want)
	}
	stored, differ := 0, false
	_ = b.ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			return nil
		}
		differ = differ || stored >= len(t.hashes) || !bytes.Equal(v, t.hashes[stored][:])
		stored++
		return nil
	})
	return !differ && stored == len(t.hashes)
}

// openCheckpoint verifies a signed checkpoint with the keys given and
// parses it.
func openCheckpoint(msg []byte, vs note.Verifiers) (Checkpoint, error) {
	n, err := openSigned(msg, vs, "it", "its")
	if err != nil {
		return Checkpoint{}, err
	}
	return ParseCheckpoint(n.Text)
}

// openSigned verifies a signed note (a checkpoint, a file seal) with the
// keys given, saying what failed of what (it / its, the seal / the
// seal's).
func openSigned(msg []byte, vs note.Verifiers, what, whose string) (*note.Note, error) {
	n, err := note.Open(msg, vs)
	if err != nil {
		var unknown *note.UnknownVerifierError
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unknown) || errors.As(err, &unverified) {
			return nil, fmt.Errorf("%s is signed by none of the keys given", what)
		}
		return nil, fmt.Errorf("%s signature does not verify (%v)", whose, err)
	}
	return n, nil
}

// keyVerifiers are the verifiers of public keys as checkpoint prints them.
func keyVerifiers(keys []string) (note.Verifiers, error) {
	var vs []note.Verifier
	for _, k := range keys {
		v, err := note.NewVerifier(strings.TrimSpace(k))
		if err != nil {
			return nil, fmt.Errorf("unreadable public key %q: %v", k, err)
		}
		vs = append(vs, v)
	}
	return note.VerifierList(vs...), nil
}

// checkCheckpoint verifies one stored checkpoint of a log: its signature,
// its origin and that the timelines' events give its root at its size.
func checkCheckpoint(tx kv.Tx, t *logTree, msg []byte, vs note.Verifiers) string {
	cp, err := openCheckpoint(msg, vs)
	if err != nil {
		return err.Error()
	}
	if cp.Origin != logOrigin(tx, t.org) {
		return fmt.Sprintf("its origin %q is not this log's", cp.Origin)
	}
	if cp.Size > int64(len(t.leaves)) {
		return fmt.Sprintf("it is of %d events, more than the log holds (%d): events were removed", cp.Size, len(t.leaves))
	}
	root, err := tlog.TreeHash(cp.Size, t.hashes)
	if err != nil || root != cp.Root {
		return "the timelines' events do not give its root hash (an event was rewritten or removed)"
	}
	return ""
}

func sortedTrees(m map[string]*logTree) []*logTree {
	out := make([]*logTree, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *logTree) int { return strings.Compare(a.org, b.org) })
	return out
}

// KeyEvents returns the database's key chain (check reports every
// replaced key, so that a key nobody expected shows).
func (s *Store) KeyEvents() ([]KeyEvent, error) {
	var out []KeyEvent
	err := s.view(func(tx kv.Tx) error {
		var err error
		out, err = keyChain(tx)
		return err
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, nil
	}
	return out, err
}
