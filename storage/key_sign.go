package storage

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"filippo.io/edwards25519"
	"golang.org/x/mod/sumdb/note"
)

// Every write signs a checkpoint (checkpoint.go), and a command is a whole
// process: crypto/ed25519 multiplies by the base point with a table of 256
// points that it computes on first use, with an inversion each, 1.7 ms of
// the 50 ms a note takes at 100,000 cases. One signature needs two
// multiplications by the base point (the public key, and the nonce's
// point), which the curve's ordinary constant-time multiplication does in
// about 0.1 ms without a table. The signatures are Ed25519's (RFC 8032,
// deterministic): byte for byte what crypto/ed25519 signs
// (TestSignerSignsAsNote), and verified with it.

// edSigner is the note.Signer note.NewSigner makes of an Ed25519 signing
// key: the same name, key hash and signatures.
type edSigner struct {
	name   string
	hash   uint32
	s      *edwards25519.Scalar // the secret scalar, from the seed's hash
	prefix []byte               // the seed hash's second half, which makes each nonce
	pub    []byte               // the public key, 32 bytes
}

const algEd25519 = 1 // the algorithm byte of note's Ed25519 keys

func (e *edSigner) Name() string    { return e.name }
func (e *edSigner) KeyHash() uint32 { return e.hash }

// Sign is RFC 8032's Ed25519 signature of msg.
func (e *edSigner) Sign(msg []byte) ([]byte, error) {
	h := sha512.New()
	h.Write(e.prefix)
	h.Write(msg)
	r, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	if err != nil {
		return nil, err
	}
	R := baseMult(r)
	h.Reset()
	h.Write(R)
	h.Write(e.pub)
	h.Write(msg)
	k, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	if err != nil {
		return nil, err
	}
	S := edwards25519.NewScalar().MultiplyAdd(k, e.s, r)
	return append(R, S.Bytes()...), nil
}

// baseMult is x times the base point, encoded.
func baseMult(x *edwards25519.Scalar) []byte {
	return new(edwards25519.Point).ScalarMult(x, edwards25519.NewGeneratorPoint()).Bytes()
}

// edKey is the signer of an Ed25519 seed under name.
func edKey(name string, seed []byte) *edSigner {
	h := sha512.Sum512(seed)
	s, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		panic(err) // 32 bytes are always a clamped scalar
	}
	e := &edSigner{name: name, s: s, prefix: h[32:], pub: baseMult(s)}
	e.hash = keyHash(name, append([]byte{algEd25519}, e.pub...))
	return e
}

// keyHash is note's hash of a key: the first four bytes of the SHA-256 of
// the name, a newline and the key with its algorithm byte.
func keyHash(name string, key []byte) uint32 {
	sum := sha256.Sum256(append([]byte(name+"\n"), key...))
	return binary.BigEndian.Uint32(sum[:])
}

// encoded are the signing and verifier keys of e as note.GenerateKey
// writes them.
func (e *edSigner) encoded(seed []byte) (skey, vkey string) {
	b64 := base64.StdEncoding.EncodeToString
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", e.name, e.hash, b64(append([]byte{algEd25519}, seed...)))
	vkey = fmt.Sprintf("%s+%08x+%s", e.name, e.hash, b64(append([]byte{algEd25519}, e.pub...)))
	return skey, vkey
}

// newSigner is note.NewSigner(skey). A key it does not read as a plain
// Ed25519 key (one note may refuse, or read otherwise) goes to
// note.NewSigner, which says what is wrong with it.
func newSigner(skey string) (note.Signer, error) {
	parts := strings.SplitN(skey, "+", 5) // the key's base64 may hold a +
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" || !plainKeyName(parts[2]) || len(parts[3]) != 8 {
		return note.NewSigner(skey)
	}
	hash, err1 := strconv.ParseUint(parts[3], 16, 32)
	key, err2 := base64.StdEncoding.DecodeString(parts[4])
	if err1 != nil || err2 != nil || len(key) != 33 || key[0] != algEd25519 {
		return note.NewSigner(skey)
	}
	e := edKey(parts[2], key[1:])
	if e.hash != uint32(hash) {
		return note.NewSigner(skey) // its error for a hash that is not the key's
	}
	return e, nil
}

// plainKeyName is a name of printable ASCII without '+' or a space: the
// names keyName gives, all of which note takes too.
func plainKeyName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == '+' {
			return false
		}
	}
	return true
}
