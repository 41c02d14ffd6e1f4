package storage

import (
	"os"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/mod/sumdb/note"
)

// keyCache keeps a Store's signing key parsed between its write
// transactions, so that every write does not read the key file and derive
// the ed25519 key again (three times: the signer, its name check and the
// public key). An entry is keyed by the database's ID and key name and by
// the key file's path and identity (device, inode, size, modification
// time): a key file replaced, rotated or removed is read again, and a
// missing one is made and chained as before (signer). The key chain is
// still read and compared with the key in every transaction.
type keyCache struct {
	// who is the store's Options.Signer: the server whose key it is.
	who    string
	mu     sync.Mutex
	id     string // "" until a key is kept
	skey   string
	vkey   string
	signer note.Signer
}

// fileIdentity names a key file's current version, or "" when it cannot
// be read (then nothing is cached).
func fileIdentity(path string) string {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return ""
	}
	id := path + "\x00" + strconv.FormatInt(info.Size(), 10) + "\x00" + strconv.FormatInt(info.ModTime().UnixNano(), 10)
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		id += "\x00" + strconv.FormatUint(uint64(st.Dev), 10) + "\x00" + strconv.FormatUint(st.Ino, 10)
	}
	return id
}

// get returns the key kept under id.
func (c *keyCache) get(id string) (skey, vkey string, s note.Signer, ok bool) {
	if c == nil || id == "" {
		return "", "", nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.id != id {
		return "", "", nil, false
	}
	return c.skey, c.vkey, c.signer, true
}

// put keeps a key under id.
func (c *keyCache) put(id, skey, vkey string, s note.Signer) {
	if c == nil || id == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.id, c.skey, c.vkey, c.signer = id, skey, vkey, s
}

// reset forgets the key kept (a rotation replaced it).
func (c *keyCache) reset() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.id, c.skey, c.vkey, c.signer = "", "", "", nil
}

// signerName is the server whose key c keeps ("" for a file of its own,
// or no cache).
func (c *keyCache) signerName() string {
	if c == nil {
		return ""
	}
	return c.who
}
