package storage

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// Key custody (TRUST.md): the private key that signs checkpoints lives
// beside the database, never inside it, in
// $XDG_STATE_HOME/rightsdesk/<database-id>.key (default ~/.local/state),
// so that backups never carry it. Every public key is an event of the
// database's key chain (bucketKeys), so old checkpoints still verify after
// a lost key is replaced. A demo or test database derives its key from its
// seed (testseed.go) instead, and its checkpoints say so.
var (
	bucketKeys    = []byte("keys") // seq (8 bytes) -> key event envelope; "head" -> chain head
	keyKeysHead   = []byte("head")
	keyDatabaseID = []byte("database-id")
)

// Kinds of key events.
const (
	KeyCreated  = "key_created"
	KeyReplaced = "key_replaced"
)

// KeyEvent is one event of the key chain: a public key (a note verifier
// key, "name+hash+key") taking over the signing of checkpoints.
type KeyEvent struct {
	Seq    uint64    `json:"seq"`
	Kind   string    `json:"kind"`
	Key    string    `json:"key"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
	// Statement is a rotation's "from OLD to NEW", signed by both keys.
	Statement string `json:"statement,omitempty"`
	// Signer is the server whose key it is, on a store kept on a cluster
	// (Options.Signer): each server of a team in several places signs with
	// a key of its own, chained here, and every key verifies. Empty for a
	// file of its own.
	Signer string `json:"signer,omitempty"`
}

// lastKey is the last key event of signer who (nil: none yet).
func lastKey(events []KeyEvent, who string) *KeyEvent {
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Signer == who {
			return &events[i]
		}
	}
	return nil
}

// ensureDatabaseID gives a database its random ID (the name of its key
// file and part of every log's origin) if it has none yet.
func ensureDatabaseID(tx kv.Tx) error {
	m := tx.Bucket(bucketMeta)
	if m.Get(keyDatabaseID) != nil {
		return nil
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	return m.Put(keyDatabaseID, []byte(hex.EncodeToString(b[:])))
}

// databaseID is the database's ID: derived from the seed of a test
// database, so that its checkpoints are the same on every run.
func databaseID(tx kv.Tx) string {
	if seed := testSeed(tx); seed != nil {
		sum := sha256.Sum256(append([]byte("rightsdesk database id\x00"), seed...))
		return "test-" + hex.EncodeToString(sum[:12])
	}
	if m := tx.Bucket(bucketMeta); m != nil {
		return string(m.Get(keyDatabaseID))
	}
	return ""
}

// keyName is the name in the database's verifier keys and signatures.
func keyName(tx kv.Tx) string {
	if testSeed(tx) != nil {
		return "rightsdesk-test-key/" + databaseID(tx)
	}
	return "rightsdesk/" + databaseID(tx)
}

// signerKeyName is the name of server who's key (keyName for a file of
// its own): a server's signatures on checkpoints name their signer (as
// a file name would: a key's name has no spaces nor '+').
func signerKeyName(tx kv.Tx, who string) string {
	if who == "" {
		return keyName(tx)
	}
	return keyName(tx) + "/" + cases.SafeName(who)
}

// KeyDir is where the signing keys of this user's databases are kept.
func KeyDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "rightsdesk"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no folder for the signing key: set XDG_STATE_HOME or HOME: %w", err)
	}
	return filepath.Join(home, ".local", "state", "rightsdesk"), nil
}

// CredentialName is the name of the signing key among a systemd service's
// credentials (LoadCredentialEncrypted=rightsdesk.key:...): the team
// server run by systemd reads its key from $CREDENTIALS_DIRECTORY, which
// only the service sees, decrypted for it alone (TRUST.md, "Key custody").
const CredentialName = "rightsdesk.key"

// credentialKey is the key systemd hands the service, when it hands one.
func credentialKey() (dir, path string, ok bool) {
	dir = os.Getenv("CREDENTIALS_DIRECTORY")
	if !filepath.IsAbs(dir) {
		return "", "", false
	}
	path = filepath.Join(dir, CredentialName)
	info, err := os.Stat(path)
	return dir, path, err == nil && info.Mode().IsRegular()
}

// keyFile is where the database's private key is kept, and its mode: the
// systemd credential of a team server run by systemd (read-only), else in
// the user's state folder (0600), or, for a team's shared database (its
// folder setgid, IsShared), beside the database, readable by the group
// (0640), so that every member signs with the one key. Never inside the
// database: a backup does not carry it. A server of a team on a cluster
// (who, Options.Signer) has a key of its own, named after it too, so that
// two servers run by one account on one host still sign apart.
func keyFile(tx kv.Tx, who string) (dir, path string, mode fs.FileMode, err error) {
	if dir, path, ok := credentialKey(); ok {
		return dir, path, 0o400, nil
	}
	name := databaseID(tx)
	if who != "" {
		name += "." + cases.SafeName(who)
	}
	if db := tx.Bolt().DB().Path(); IsShared(db) {
		dir = filepath.Dir(db)
		return dir, filepath.Join(dir, "."+filepath.Base(db)+"."+name+".key"), 0o640, nil
	}
	if dir, err = KeyDir(); err != nil {
		return "", "", 0, err
	}
	return dir, filepath.Join(dir, name+".key"), 0o600, nil
}

// keyChain reads the key events, in order, checking their chain.
func keyChain(tx kv.Tx) ([]KeyEvent, error) {
	b := tx.Bucket(bucketKeys)
	if b == nil {
		return nil, nil
	}
	var out []KeyEvent
	hash := chainStart("keys")
	err := b.ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			return nil
		}
		var env envelope
		if err := unmarshalEnvelope(v, &env); err != nil {
			return fmt.Errorf("key event unreadable: %v", err)
		}
		sum := sha256.Sum256(env.Content)
		if env.Prev != hash || env.Seq != uint64(len(out)+1) || hex.EncodeToString(sum[:]) != env.Digest {
			return fmt.Errorf("key event %d does not chain (altered)", env.Seq)
		}
		var ev KeyEvent
		if err := json.Unmarshal(env.Content, &ev); err != nil {
			return fmt.Errorf("key event %d unreadable: %v", env.Seq, err)
		}
		ev.Seq = env.Seq
		out = append(out, ev)
		hash = chainNext(hash, env.Digest)
		return nil
	})
	if err == nil && string(b.Get(keyKeysHead)) != hash {
		err = errors.New("the key chain does not end at its recorded head")
	}
	return out, err
}

// appendKeyEvent chains a key event.
func appendKeyEvent(tx kv.Tx, ev KeyEvent) error {
	b, err := tx.CreateBucketIfNotExists(bucketKeys)
	if err != nil {
		return err
	}
	prev := string(b.Get(keyKeysHead))
	if prev == "" {
		prev = chainStart("keys")
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	ev.Seq = 0
	content, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(content)
	digest := hex.EncodeToString(sum[:])
	env, err := json.Marshal(envelope{Seq: seq, Prev: prev, Digest: digest, Content: content})
	if err != nil {
		return err
	}
	if err := b.Put(u64(seq), env); err != nil {
		return err
	}
	return b.Put(keyKeysHead, []byte(chainNext(prev, digest)))
}

// verifiers are every key the key chain ever named.
func verifiers(events []KeyEvent) (note.Verifiers, error) {
	var list []note.Verifier
	seen := map[string]bool{}
	for _, ev := range events {
		if seen[ev.Key] {
			continue
		}
		seen[ev.Key] = true
		v, err := note.NewVerifier(ev.Key)
		if err != nil {
			return nil, fmt.Errorf("key event %d: %v", ev.Seq, err)
		}
		list = append(list, v)
	}
	return note.VerifierList(list...), nil
}

// seededKey derives a test database's signing key from its seed.
func seededKey(name string, seed []byte) (skey, vkey string, err error) {
	skey, vkey, _ = seededSigner(name, seed)
	return skey, vkey, nil
}

// seededSigner is seededKey with the signer of its key, which newSigner
// would make again from skey (a multiplication by the base point, in
// every command that writes to a test database: the demo's).
func seededSigner(name string, seed []byte) (skey, vkey string, s *edSigner) {
	sum := sha256.Sum256(append([]byte("rightsdesk signing key\x00"), seed...))
	// note.GenerateKey(bytes.NewReader(sum[:]), name), without its table
	// (key_sign.go): the sum is the seed.
	s = edKey(name, sum[:])
	skey, vkey = s.encoded(sum[:])
	return skey, vkey, s
}

// cachedSigner returns the signing key of the cache's signer (a Store's
// Options.Signer; "" for a file's own, or a nil cache), creating it on
// first use and chaining its public key, parsed once per cache
// (key_cache.go; nil caches nothing). A key file that is missing while the
// chain names a key was lost: a new key replaces it, recorded as
// key_replaced (check reports it), and checkpoints signed before still
// verify.
func cachedSigner(tx kv.Tx, now time.Time, cache *keyCache) (note.Signer, error) {
	if err := ensureDatabaseID(tx); err != nil {
		return nil, err
	}
	who := cache.signerName()
	name := signerKeyName(tx, who)
	var skey, vkey, reason, id string
	var err error
	var s note.Signer
	seed := testSeed(tx)
	if seed != nil {
		reason = "derived from the test seed: not a production key"
		id = "seed\x00" + name + "\x00" + string(seed)
	} else if _, path, _, kerr := keyFile(tx, who); kerr == nil {
		if fid := fileIdentity(path); fid != "" {
			id = keyFileCacheID(name, fid)
		}
	}
	var cached bool
	var seeded *edSigner
	if skey, vkey, s, cached = cache.get(id); !cached {
		if seed != nil {
			skey, vkey, seeded = seededSigner(name, seed)
		} else {
			skey, vkey, reason, err = loadKey(tx, name, who)
		}
		if err != nil {
			return nil, err
		}
	}
	events, err := keyChain(tx)
	if err != nil {
		return nil, fmt.Errorf("the key chain is damaged: %w", err)
	}
	switch last := lastKey(events, who); {
	case last == nil:
		if who != "" && seed == nil {
			// Not a lost key: the server's first.
			reason = "the first key of server " + who
		}
		err = appendKeyEvent(tx, KeyEvent{Kind: KeyCreated, Key: vkey, At: now.UTC(), Reason: reason, Signer: who})
	case last.Key != vkey:
		if reason == "" {
			reason = "the key file held a key the database had not recorded"
			for _, ev := range events {
				if ev.Key == vkey {
					reason = fmt.Sprintf("the key file held the key of key event %d, since retired", ev.Seq)
				}
			}
		}
		err = appendKeyEvent(tx, KeyEvent{Kind: KeyReplaced, Key: vkey, At: now.UTC(), Reason: reason, Signer: who})
	}
	if err != nil {
		return nil, err
	}
	if cached {
		return s, nil
	}
	if seeded != nil {
		s = seeded
	} else {
		s, err = newSigner(skey)
	}
	if err == nil && (reason == "" || seed != nil) {
		// A key file read as it was (not one made just now, whose
		// identity id does not name) or a test key.
		cache.put(id, skey, vkey, s)
	}
	return s, err
}

// loadKey reads the database's key file, creating it (0600, O_EXCL, in a
// 0700 folder) when it is missing. reason says what happened when a new
// key was made.
func loadKey(tx kv.Tx, name, who string) (skey, vkey, reason string, err error) {
	dir, path, mode, err := keyFile(tx, who)
	if err != nil {
		return "", "", "", err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if tx.Bucket(bucketKeys) != nil {
			reason = "the key file " + path + " was missing"
		}
		data, err = createKey(dir, path, name, mode)
	}
	if err != nil {
		return "", "", "", fmt.Errorf("the signing key: %w", err)
	}
	skey = strings.TrimSpace(string(data))
	s, err := newSigner(skey)
	if err != nil || s.Name() != name {
		return "", "", "", fmt.Errorf("the signing key %s is not this database's key", path)
	}
	vkey, err = publicKey(skey)
	return skey, vkey, reason, err
}

// createKey writes a new key file; if another process made it first, its
// key is the one.
func createKey(dir, path, name string, mode fs.FileMode) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if err = f.Chmod(mode); err == nil { // whatever the umask
		if _, err = io.WriteString(f, skey+"\n"); err == nil {
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, err
	}
	return []byte(skey), nil
}

// publicKey is the verifier key of a private note key
// ("PRIVATE+KEY+name+hash+key").
func publicKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("malformed signing key")
	}
	s, err := newSigner(skey)
	if err != nil {
		return "", err
	}
	if e, ok := s.(*edSigner); ok {
		return note.NewEd25519VerifierKey(s.Name(), e.pub)
	}
	// The key's last part is the algorithm byte and the ed25519 seed.
	raw, err := decodeKeyBytes(parts[4])
	if err != nil || len(raw) != 33 || raw[0] != 1 {
		return "", errors.New("malformed signing key")
	}
	return note.NewEd25519VerifierKey(s.Name(), ed25519Public(raw[1:]))
}

// keyFileCacheID is the key cache's entry for the key named name read from
// a key file whose identity is fid (key_cache.go).
func keyFileCacheID(name, fid string) string { return "file\x00" + name + "\x00" + fid }
