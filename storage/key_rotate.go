package storage

import (
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"time"

	"golang.org/x/mod/sumdb/note"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// KeyRotated is the kind of the key event that retires the current key for
// a new one; its statement is signed by both.
const KeyRotated = "key_rotated"

// rotationText is what both keys of a rotation sign.
func rotationText(db, old, new string) string {
	return "rightsdesk key rotation\n" + db + "\nfrom " + old + "\nto " + new + "\n"
}

// RotateKey retires the signing key of this store's signer (Options.Signer:
// on a cluster, each server's own) for a new one: a key_rotated event, its
// statement signed by both keys and naming the signer, is chained with the
// checkpoints it signs from then on, and the new key then replaces the key
// file. Checkpoints signed before still verify with the old key, which the
// key chain keeps. A test database's key is its seed's: it is not rotated.
//
// The key file is replaced once the change is committed (on a replica, on
// the cluster too, whose refusal runs the transaction again with a key of
// its own): a rotation that failed leaves the key as it was, and a process
// killed between the commit and the file leaves the old key there, which
// the next change records as replaced (since retired).
func (s *Store) RotateKey() (KeyEvent, error) {
	var out KeyEvent
	who := s.keys.signerName()
	var dir, path, skey string
	var mode fs.FileMode
	err := s.update(func(tx kv.Tx) error {
		if testSeed(tx) != nil {
			return &cases.Refused{Reason: "a test database's key derives from its seed and is not rotated"}
		}
		now := s.clock.Now().UTC()
		// The current key, created or replaced first if need be.
		old, err := cachedSigner(tx, now, &keyCache{who: who})
		if err != nil {
			return err
		}
		events, err := keyChain(tx)
		if err != nil {
			return err
		}
		oldKey := lastKey(events, who).Key // cachedSigner made it if there was none
		var vkey string
		if skey, vkey, err = note.GenerateKey(rand.Reader, signerKeyName(tx, who)); err != nil {
			return err
		}
		fresh, err := note.NewSigner(skey)
		if err != nil {
			return err
		}
		msg, err := note.Sign(&note.Note{Text: rotationText(databaseID(tx), oldKey, vkey)}, old, fresh)
		if err != nil {
			return err
		}
		out = KeyEvent{Kind: KeyRotated, Key: vkey, At: now, Reason: "rotated", Statement: string(msg), Signer: who}
		if err := appendKeyEvent(tx, out); err != nil {
			return err
		}
		if dir, path, mode, err = keyFile(tx, who); err != nil {
			return err
		}
		// This transaction's checkpoints, and any signed before the file
		// is replaced, are signed with the new key: the store's cache
		// keeps it under the key file as it is now (key_cache.go).
		fid := fileIdentity(path)
		if fid == "" {
			return fmt.Errorf("the key file %s cannot be read", path)
		}
		signer, err := newSigner(skey)
		if err != nil {
			return err
		}
		s.keys.put(keyFileCacheID(signerKeyName(tx, who), fid), skey, vkey, signer)
		return nil
	})
	if err != nil {
		s.keys.reset() // the new key is not the chain's
		return KeyEvent{}, err
	}
	err = replaceKeyFile(dir, path, skey, mode)
	s.keys.reset() // read again from the file
	if err != nil {
		return KeyEvent{}, fmt.Errorf("the rotation is recorded, but the new key could not be written to %s (the next change records the old key as replaced): %w", path, err)
	}
	events, err := s.KeyEvents()
	if err == nil && len(events) > 0 {
		out = events[len(events)-1]
	}
	return out, err
}

// replaceKeyFile writes a new key file beside the old and renames it over.
func replaceKeyFile(dir, path, skey string, mode fs.FileMode) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return replaceFile(path, []byte(skey+"\n"), mode)
}

// checkRotations verifies that each key_rotated event's statement is
// signed by the key before it and by the new key.
func checkRotations(tx kv.Tx, events []KeyEvent) []Problem {
	var problems []Problem
	for i, ev := range events {
		if ev.Kind != KeyRotated {
			continue
		}
		bad := func(why string) {
			problems = append(problems, Problem{Detail: fmt.Sprintf("key event %d (%s, %s): %s", ev.Seq, ev.Kind, ev.At.Format(time.RFC3339), why)})
		}
		before := lastKey(events[:i], ev.Signer) // the same signer's key before
		if before == nil {
			bad("a rotation with no key before it")
			continue
		}
		prev := before.Key
		vs, err := verifiers([]KeyEvent{*before, ev})
		if err != nil {
			bad(err.Error())
			continue
		}
		n, err := note.Open([]byte(ev.Statement), vs)
		if err != nil || len(n.Sigs) != 2 || n.Text != rotationText(databaseID(tx), prev, ev.Key) {
			bad("its statement is not signed by both the old and the new key")
		}
	}
	return problems
}
