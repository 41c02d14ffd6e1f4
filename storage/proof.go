package storage

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"rightsdesk/storage/kv"
)

// CheckpointFile is what `checkpoint --out` exports: the latest signed
// checkpoint of every log and the database's public keys, to keep where
// whoever holds the key cannot reach it (`check --against` compares).
type CheckpointFile struct {
	Database string       `json:"database"`
	Keys     []KeyEvent   `json:"keys"`
	Logs     []LogSummary `json:"logs"`
}

// LogSummary is one log's latest signed checkpoint (note text).
type LogSummary struct {
	Organisation string `json:"organisation"`
	Checkpoint   string `json:"checkpoint"`
}

// Checkpoints returns the latest signed checkpoint of every log and the
// key chain.
func (s *Store) Checkpoints() (*CheckpointFile, error) {
	out := &CheckpointFile{Keys: []KeyEvent{}, Logs: []LogSummary{}}
	err := s.view(func(tx kv.Tx) error {
		out.Database = databaseID(tx)
		var err error
		if out.Keys, err = keyChain(tx); err != nil {
			return fmt.Errorf("the key chain is damaged: %w", err)
		}
		cps := tx.Bucket(bucketCheckpoints)
		if cps == nil {
			return nil
		}
		return cps.ForEach(func(k, v []byte) error {
			if b := cps.Bucket(k); v == nil && b != nil && b.Get(keyLatest) != nil {
				out.Logs = append(out.Logs, LogSummary{Organisation: string(k), Checkpoint: string(b.Get(keyLatest))})
			}
			return nil
		})
	})
	if out.Keys == nil {
		out.Keys = []KeyEvent{}
	}
	return out, err
}

// PublicKeys are the verifier keys of a key chain, in order, once each.
func PublicKeys(events []KeyEvent) []string {
	var out []string
	seen := map[string]bool{}
	for _, ev := range events {
		if !seen[ev.Key] {
			seen[ev.Key] = true
			out = append(out, ev.Key)
		}
	}
	return out
}

// ReadCheckpointFile reads a file `checkpoint --out` wrote.
func ReadCheckpointFile(path string) (*CheckpointFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f CheckpointFile
	if err := json.Unmarshal(data, &f); err != nil || f.Database == "" {
		return nil, fmt.Errorf("%s is not a checkpoint file (rightsdesk checkpoint --out writes one)", path)
	}
	return &f, nil
}

// WriteCheckpointFile writes f to path (0600), replacing it whole.
func WriteCheckpointFile(path string, f *CheckpointFile) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return replaceFile(path, append(data, '\n'), 0o600)
}

// CheckAgainst checks that every log still extends the checkpoints of an
// exported file, verified with the file's own keys: a log that holds fewer
// events was rolled back, one whose events no longer give the exported root
// at its size was rewritten, even by someone holding the key.
func (s *Store) CheckAgainst(f *CheckpointFile) ([]Problem, error) {
	vs, err := verifiers(f.Keys)
	if err != nil {
		return nil, fmt.Errorf("the checkpoint file's keys: %w", err)
	}
	var problems []Problem
	err = s.view(func(tx kv.Tx) error {
		if id := databaseID(tx); id != f.Database {
			return fmt.Errorf("the checkpoint file is of database %s, this one is %s", f.Database, id)
		}
		trees, _ := timelineLogs(tx)
		for _, l := range f.Logs {
			bad := func(format string, args ...any) {
				problems = append(problems, Problem{Detail: fmt.Sprintf("the log of %s, against the exported checkpoint: ", l.Organisation) + fmt.Sprintf(format, args...)})
			}
			cp, err := openCheckpoint([]byte(l.Checkpoint), vs)
			if err != nil {
				bad("%v", err)
				continue
			}
			t := trees[l.Organisation]
			if cp.Origin != logOrigin(tx, l.Organisation) {
				bad("its origin %q is not this log's", cp.Origin)
				continue
			}
			n := int64(0)
			if t != nil {
				n = int64(len(t.leaves))
			}
			if cp.Size > n {
				bad("rolled back: it held %d events, now %d", cp.Size, n)
				continue
			}
			if cp.Size == 0 {
				continue
			}
			root, err := tlog.TreeHash(n, t.hashes)
			if err == nil {
				var proof tlog.TreeProof
				if proof, err = tlog.ProveTree(n, cp.Size, t.hashes); err == nil {
					err = tlog.CheckTree(proof, n, root, cp.Size, cp.Root)
				}
			}
			if err != nil {
				bad("rewritten: the timelines' first %d events no longer give its root hash", cp.Size)
			}
		}
		return nil
	})
	return problems, err
}

// CaseProof is what a case record or packet carries to be checked offline
// (`verify`): the checkpoint of its organisation's log at the size just
// after the case's last event it reflects, the keys that may have signed
// it, and the inclusion proof of each of those events.
type CaseProof struct {
	Case         string       `json:"case"`
	Organisation string       `json:"organisation"`
	Checkpoint   string       `json:"checkpoint"`
	Keys         []string     `json:"keys"`
	Events       []EventProof `json:"events"`
}

// EventProof is one event's leaf and its inclusion proof (RFC 6962 hashes,
// base64).
type EventProof struct {
	Seq    uint64   `json:"seq"`
	Digest string   `json:"digest"`
	Leaf   int64    `json:"leaf"`
	Proof  []string `json:"proof"`
}

// Proof returns the proof of case id's first upTo events (0: all): the
// checkpoint is signed anew at the size just after the last of them, so
// that the same case state always gives the same bytes (ed25519 is
// deterministic).
func (s *Store) Proof(id string, upTo uint64) (*CaseProof, error) {
	var out *CaseProof
	err := s.view(func(tx kv.Tx) error {
		var err error
		out, err = caseProof(tx, id, upTo, s.keys.signerName())
		return err
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, &NotFound{ID: id}
	}
	return out, err
}

// caseLog is the organisation whose log holds case id's events, and the
// events' leaves in it.
func caseLog(tx kv.Tx, id string) (string, []int64, error) {
	if tx.Bucket(bucketCases).Get([]byte(id)) == nil {
		return "", nil, &NotFound{ID: id}
	}
	var entry []byte
	if b := tx.Bucket(bucketLogLeaves); b != nil {
		entry = b.Get([]byte(id))
	}
	org, indexes, err := logLeaves(entry)
	if err != nil || org == "" {
		return "", nil, fmt.Errorf("case %s is in no log (run rightsdesk check)", id)
	}
	return org, indexes, nil
}

// signerNow is the database's current signer (for who) and its key chain.
func signerNow(tx kv.Tx, who string) (note.Signer, []KeyEvent, error) {
	events, err := keyChain(tx)
	if err != nil {
		return nil, nil, fmt.Errorf("the key chain is damaged: %w", err)
	}
	sgn, err := currentSigner(tx, events, who)
	return sgn, events, err
}

func caseProof(tx kv.Tx, id string, upTo uint64, who string) (*CaseProof, error) {
	org, indexes, err := caseLog(tx, id)
	if err != nil {
		return nil, err
	}
	if upTo == 0 || upTo > uint64(len(indexes)) {
		upTo = uint64(len(indexes))
	}
	b := tx.Bucket(bucketLogs).Bucket([]byte(org))
	if b == nil {
		return nil, fmt.Errorf("the log of %s is missing (run rightsdesk check)", org)
	}
	sgn, events, err := signerNow(tx, who)
	if err != nil {
		return nil, err
	}
	size := indexes[upTo-1] + 1
	hr := logHashes(tx, org, b)
	root, err := tlog.TreeHash(size, hr)
	if err != nil {
		return nil, err
	}
	msg, err := note.Sign(&note.Note{Text: string(formatCheckpoint(logOrigin(tx, org), size, root, testSeed(tx) != nil))}, sgn)
	if err != nil {
		return nil, err
	}
	out := &CaseProof{Case: id, Organisation: org, Checkpoint: string(msg), Keys: PublicKeys(events)}
	tl, _ := timelineOf(tx, id)
	for i := uint64(0); i < upTo; i++ {
		seq, digest, err := envelopeLeaf(tl.get(i + 1))
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
		p, err := tlog.ProveRecord(size, indexes[i], hr)
		if err != nil {
			return nil, err
		}
		ep := EventProof{Seq: seq, Digest: digest, Leaf: indexes[i], Proof: make([]string, len(p))}
		for j, h := range p {
			ep.Proof[j] = base64.StdEncoding.EncodeToString(h[:])
		}
		out.Events = append(out.Events, ep)
	}
	return out, nil
}

// currentSigner is the database's current key, for signing without
// writing: it must be the last key of the key chain.
func currentSigner(tx kv.Tx, events []KeyEvent, who string) (note.Signer, error) {
	last := lastKey(events, who)
	if last == nil {
		return nil, errors.New("the database has no signing key yet")
	}
	var skey, vkey string
	var err error
	if seed := testSeed(tx); seed != nil {
		skey, vkey, err = seededKey(signerKeyName(tx, who), seed)
	} else {
		var path string
		if _, path, _, err = keyFile(tx, who); err == nil {
			var data []byte
			if data, err = os.ReadFile(path); err != nil {
				return nil, fmt.Errorf("the signing key %s cannot be read (the next change replaces a lost key): %w", path, err)
			}
			skey = strings.TrimSpace(string(data))
			vkey, err = publicKey(skey)
		}
	}
	if err != nil {
		return nil, err
	}
	if last.Key != vkey {
		return nil, errors.New("the signing key is not the database's current key (the next change records it)")
	}
	return note.NewSigner(skey)
}

// Verified is what VerifyProof found.
type Verified struct {
	Checkpoint Checkpoint
	// KeySource says which keys the signature was checked with.
	KeySource string
	Events    int
}

// VerifyProof checks a case's proof offline: the checkpoint's signature
// with keys (or, if none are given, the keys the proof carries, which
// proves only that it is self-consistent), and each event's inclusion in
// the log at the checkpoint.
func VerifyProof(p *CaseProof, keys []string) (*Verified, error) {
	out := &Verified{KeySource: "the key given"}
	if len(keys) == 0 {
		keys, out.KeySource = p.Keys, "the keys the file carries (give --key to check against a key you trust)"
	}
	vs, err := keyVerifiers(keys)
	if err != nil {
		return nil, err
	}
	cp, err := openCheckpoint([]byte(p.Checkpoint), vs)
	if err != nil {
		return nil, fmt.Errorf("the checkpoint: %w", err)
	}
	out.Checkpoint = cp
	if !strings.HasSuffix(cp.Origin, "/"+urlEscape(p.Organisation)) {
		return nil, fmt.Errorf("the checkpoint is of log %q, not of %s", cp.Origin, p.Organisation)
	}
	for i, e := range p.Events {
		if e.Seq != uint64(i+1) {
			return nil, fmt.Errorf("event %d of %s is missing from the proof", i+1, p.Case)
		}
		proof := make(tlog.RecordProof, len(e.Proof))
		for j, s := range e.Proof {
			h, err := base64.StdEncoding.DecodeString(s)
			if err != nil || len(h) != tlog.HashSize {
				return nil, fmt.Errorf("event %d: unreadable proof", e.Seq)
			}
			copy(proof[j][:], h)
		}
		if err := tlog.CheckRecord(proof, cp.Size, cp.Root, e.Leaf, leafHash(p.Case, e.Seq, e.Digest)); err != nil {
			return nil, fmt.Errorf("event %d of %s is not in the signed log at leaf %d (altered)", e.Seq, p.Case, e.Leaf)
		}
	}
	out.Events = len(p.Events)
	return out, nil
}

// Checkpoints is the checkpoint a case's proof carries (from an earlier
// packet or case record), as a checkpoint file with the keys the proof
// carries, so that CheckAgainst checks the database's log now against it:
// the log must extend it, so that a rewrite or rollback since shows. The
// database is the one named in the checkpoint's origin
// (…/DATABASE/ORGANISATION).
func (p *CaseProof) Checkpoints() *CheckpointFile {
	var db string
	if cp, err := ParseCheckpoint(p.Checkpoint); err == nil {
		if parts := strings.Split(cp.Origin, "/"); len(parts) >= 3 {
			db = parts[len(parts)-2]
		}
	}
	keys := make([]KeyEvent, len(p.Keys))
	for i, k := range p.Keys {
		keys[i] = KeyEvent{Seq: uint64(i + 1), Key: k}
	}
	return &CheckpointFile{Database: db, Keys: keys,
		Logs: []LogSummary{{Organisation: p.Organisation, Checkpoint: p.Checkpoint}}}
}
