package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEachServerSignsWithItsOwnKey: two servers of a team on a cluster
// (Options.Signer) writing one after the other each chain a key of their
// own once, in a file named after them (0600), and never replace each
// other's: a key replacement says a key was lost, which none was. Every
// checkpoint verifies, whichever server signed it, and a proof made
// through either is signed by that server's key.
func TestEachServerSignsWithItsOwnKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db", "cases.db")
	created(t, path, Options{LockTimeout: 300 * time.Millisecond})
	a := Open(path, Options{LockTimeout: 300 * time.Millisecond, Signer: "site-a"})
	b := Open(path, Options{LockTimeout: 300 * time.Millisecond, Signer: "site b/2"})
	var ids []string
	for i := range 3 {
		for _, s := range []*Store{a, b} {
			ids = append(ids, addCase(t, s, "Subject Number"+string(rune('A'+i)))[0].ID)
		}
	}
	f, err := a.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	keys := map[string]string{}
	for _, ev := range f.Keys {
		if ev.Kind != KeyCreated {
			t.Errorf("key event %d: %s (%s) by %q, want only each signer's creation", ev.Seq, ev.Kind, ev.Reason, ev.Signer)
		}
		seen[ev.Signer]++
		keys[ev.Signer] = ev.Key
	}
	if seen["site-a"] != 1 || seen["site b/2"] != 1 || keys["site-a"] == keys["site b/2"] {
		t.Errorf("key events by signer %v, keys %v: want one key of each server's own", seen, keys)
	}
	for who, file := range map[string]string{"site-a": "site-a", "site b/2": "site_b_2"} {
		// A verifier key is name+hash+key: the name says whose it is.
		if want := "rightsdesk/" + f.Database + "/" + file + "+"; !strings.HasPrefix(keys[who], want) {
			t.Errorf("%s's key %q, want it named %q", who, keys[who], want)
		}
	}
	dir, err := KeyDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"site-a", "site_b_2"} {
		file := filepath.Join(dir, f.Database+"."+name+".key")
		if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s's key file %s: %v (want it, 0600)", name, file, err)
		}
	}
	for _, s := range []*Store{a, b} {
		if problems, err := s.Check(); err != nil || len(problems) > 0 {
			t.Errorf("check: %v %v", problems, err)
		}
	}
	proof, err := b.Proof(ids[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := VerifyProof(proof, []string{keys["site b/2"]}); err != nil {
		t.Errorf("a proof made through site b, checked with its key alone: %v (%+v)", err, v)
	}
}
