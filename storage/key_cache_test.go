package storage

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rightsdesk/storage/kv"

	"golang.org/x/mod/sumdb/note"
)

// TestAStoreNoticesItsKeyFileReplacedBetweenWrites: a Store keeps its
// signing key parsed between writes (key_cache.go), but a key file written
// over in place by another key of the same name and length (same inode,
// same size) between two of its writes is read again: the next write
// chains the new key as a replacement, and check passes.
func TestAStoreNoticesItsKeyFileReplacedBetweenWrites(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s := newStore(t)
	id := addCase(t, s, "Anna Berg")[0].ID
	noteCase(t, s, id, "called") // a second write, with the key kept
	dir, _ := KeyDir()
	keys, _ := filepath.Glob(filepath.Join(dir, "*.key"))
	if len(keys) != 1 {
		t.Fatalf("key files: %v", keys)
	}
	old, err := os.ReadFile(keys[0])
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Split(string(old), "+")[2]
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil || len(skey)+1 != len(old) {
		t.Fatalf("another key of the same length: %d %d %v", len(skey)+1, len(old), err)
	}
	if err := os.WriteFile(keys[0], []byte(skey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noteCase(t, s, id, "identity verified")
	evs, err := s.KeyEvents()
	if err != nil || len(evs) != 2 || evs[1].Kind != KeyReplaced || evs[1].Key != vkey ||
		!strings.Contains(evs[1].Reason, "had not recorded") {
		t.Fatalf("key events %+v %v", evs, err)
	}
	mustCheck(t, s)
}

// BenchmarkSigner is what a write transaction spends on its signing key
// before it signs: read and parsed each time (as before key_cache.go), or
// kept by the Store and its key file only looked at.
func BenchmarkSigner(b *testing.B) {
	b.Setenv("XDG_STATE_HOME", b.TempDir())
	s := created(b, filepath.Join(b.TempDir(), "db", "cases.db"), Options{})
	for _, bc := range []struct {
		name  string
		cache *keyCache
	}{{"read-each-time", nil}, {"kept", &keyCache{}}} {
		b.Run(bc.name, func(b *testing.B) {
			err := s.update(func(tx kv.Tx) error {
				for b.Loop() {
					if _, err := cachedSigner(tx, testNow, bc.cache); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
