package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"rightsdesk/storage"
)

// WitnessError is a server whose logs contradict the checkpoints this
// client verified before: rolled back, rewritten, another database, a key
// dropped from the chain. Nothing is read or written through it; the
// command line exits 3.
type WitnessError struct {
	Socket string
	File   string // the client's witness
	Reason string
}

func (e *WitnessError) Error() string {
	return fmt.Sprintf("the server at %s contradicts the checkpoints this client verified before (%s): %s", e.Socket, e.File, e.Reason)
}

// witnessPath is the file the client keeps its witness of the server at
// its socket in: one per socket.
func (c *Client) witnessPath() string {
	sum := sha256.Sum256([]byte(c.socket))
	return filepath.Join(c.opts.StateDir, "witness-"+hex.EncodeToString(sum[:8])+".json")
}

// witness checks the server's current checkpoints against the ones this
// client verified last (TRUST.md: every client keeps the last checkpoint
// it verified and asks for a consistency proof on each connection), then
// keeps the current ones. The checks made here need nothing from the
// server but its signed notes: the key chain only grows, each log's
// checkpoint is signed by a key of the chain, and no log is smaller than
// it was or of the same size with another root. That each grown log
// extends the old one is the server's consistency check (POST
// /v1/consistency, tlog.CheckTree against the witness).
func (c *Client) witness() error {
	now, err := c.Checkpoints()
	if err != nil {
		return err
	}
	path := c.witnessPath()
	fail := func(format string, args ...any) error {
		return &WitnessError{Socket: c.socket, File: path, Reason: fmt.Sprintf(format, args...)}
	}
	current, err := openLogs(now)
	if err != nil {
		return fail("%v", err)
	}
	before, err := storage.ReadCheckpointFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return keepWitness(path, now)
	case err != nil:
		return fail("%v", err)
	}
	if before.Database != now.Database {
		return fail("it now serves database %s, not %s; if the database was replaced on purpose, remove the file", now.Database, before.Database)
	}
	if restore, ok := restoredSince(before, now); ok {
		// A restore from a backup takes the logs back, and says so in the
		// key chain (TRUST.md: "a chained restored event, never silent"):
		// the client takes the new state and says what happened, rather
		// than refusing the team's server for ever.
		if c.opts.Notice != nil {
			c.opts.Notice(fmt.Sprintf("the server's database was restored from a backup at %s (key event %d): what was recorded after that backup was made is not in it",
				restore.At.UTC().Format(time.RFC3339), restore.Seq))
		}
		return keepWitness(path, now)
	}
	for i, k := range before.Keys {
		if i >= len(now.Keys) || now.Keys[i].Key != k.Key || now.Keys[i].Seq != k.Seq {
			return fail("its key chain no longer holds key event %d", k.Seq)
		}
	}
	old, err := openLogs(before)
	if err != nil {
		return fail("%v", err)
	}
	grew := false
	for org, o := range old {
		n, ok := current[org]
		if !ok {
			continue // no longer in the caller's scope
		}
		switch {
		case n.Size < o.Size:
			return fail("the log of %s was rolled back: it held %d events, now %d (if an admin restored a backup on purpose, ask them, then remove the file)", org, o.Size, n.Size)
		case n.Size == o.Size && n.Root != o.Root:
			return fail("the log of %s was rewritten: %d events with another root hash", org, n.Size)
		case n.Size > o.Size:
			grew = true
		}
	}
	if grew {
		var problems []storage.Problem
		if err := c.call("POST", "/v1/consistency", before, &problems); err != nil {
			return err
		}
		if len(problems) > 0 {
			words := make([]string, len(problems))
			for i, p := range problems {
				words[i] = p.String()
			}
			return fail("%s", strings.Join(words, "; "))
		}
	}
	return keepWitness(path, now)
}

// restoredSince finds a restore the witness has not seen: a restored event
// in the server's key chain after the part of it the witness shares (the
// backup's chain, and the witness's own beyond it, may differ after that
// point).
func restoredSince(before, now *storage.CheckpointFile) (storage.KeyEvent, bool) {
	shared := 0
	for shared < len(before.Keys) && shared < len(now.Keys) &&
		before.Keys[shared].Seq == now.Keys[shared].Seq && before.Keys[shared].Key == now.Keys[shared].Key &&
		before.Keys[shared].Kind == now.Keys[shared].Kind {
		shared++
	}
	for _, k := range now.Keys[shared:] {
		if k.Kind == storage.Restored {
			return k, true
		}
	}
	return storage.KeyEvent{}, false
}

// openLogs verifies each log's checkpoint against the file's key chain
// and returns them by organisation.
func openLogs(f *storage.CheckpointFile) (map[string]storage.Checkpoint, error) {
	var vs []note.Verifier
	for _, k := range storage.PublicKeys(f.Keys) {
		v, err := note.NewVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("a key of its chain does not read: %v", err)
		}
		vs = append(vs, v)
	}
	verifiers := note.VerifierList(vs...)
	out := map[string]storage.Checkpoint{}
	for _, l := range f.Logs {
		n, err := note.Open([]byte(l.Checkpoint), verifiers)
		if err != nil {
			return nil, fmt.Errorf("the checkpoint of %s is not signed by a key of its chain (%v)", l.Organisation, err)
		}
		cp, err := storage.ParseCheckpoint(n.Text)
		if err != nil {
			return nil, fmt.Errorf("the checkpoint of %s: %v", l.Organisation, err)
		}
		out[l.Organisation] = cp
	}
	return out, nil
}

// keepWitness replaces the witness file (0600, in a 0700 folder).
func keepWitness(path string, f *storage.CheckpointFile) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("the client's witness: %w", err)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".witness-")
	if err != nil {
		return fmt.Errorf("the client's witness: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("the client's witness: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("the client's witness: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("the client's witness: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("the client's witness: %w", err)
	}
	return nil
}
