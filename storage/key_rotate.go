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

// RotateKey retires the database's signing key for a new one: the new key
// replaces the key file and a key_rotated event, its statement signed by
// both keys, is chained with the checkpoints it signs from then on.
// Checkpoints signed before still verify with the old key, which the key
// chain keeps. A test database's key is its seed's: it is not rotated.
func (s *Store) RotateKey() (KeyEvent, error) {
	var out KeyEvent
	// The key file is replaced before the commit, which a replica's write
	// may have to run again; and each server's own key is issue 21's next
	// step.
	if err := s.refuseOnReplica("a key rotation"); err != nil { // replica.go
		return out, err
	}
	s.keys.reset() // the key file is about to be replaced
	err := s.update(func(tx kv.Tx) error {
		if testSeed(tx) != nil {
			return &cases.Refused{Reason: "a test database's key derives from its seed and is not rotated"}
		}
		now := s.clock.Now().UTC()
		old, err := signer(tx, now) // the current key, created or replaced first if need be
		if err != nil {
			return err
		}
		events, err := keyChain(tx)
		if err != nil {
			return err
		}
		oldKey := lastKey(events, "").Key // signer made it if there was none
		skey, vkey, err := note.GenerateKey(rand.Reader, keyName(tx))
		if err != nil {
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
		out = KeyEvent{Kind: KeyRotated, Key: vkey, At: now, Reason: "rotated", Statement: string(msg)}
		if err := appendKeyEvent(tx, out); err != nil {
			return err
		}
		// The file last: if the commit then failed, the next change would
		// find a key the chain does not name and record it as replaced.
		dir, path, mode, err := keyFile(tx, "")
		if err != nil {
			return err
		}
		return replaceKeyFile(dir, path, skey, mode)
	})
	if err != nil {
		return KeyEvent{}, err
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
