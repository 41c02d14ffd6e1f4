package storage

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// TestSignerSignsAsNote: a checkpoint signed by the key of a database (a
// key file's, or a test database's seeded one) is the one note's own
// signer makes, byte for byte, and verifies with the key the chain holds;
// a key note refuses is refused with note's words.
func TestSignerSignsAsNote(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		var seed [32]byte
		for j := range seed {
			seed[j] = byte(rng.Uint32())
		}
		name := fmt.Sprintf("rightsdesk/%032x", rng.Uint64())
		wantS, wantV, err := note.GenerateKey(bytes.NewReader(seed[:]), name)
		if err != nil {
			t.Fatal(err)
		}
		gotS, gotV := edKey(name, seed[:]).encoded(seed[:])
		if gotS != wantS || gotV != wantV {
			t.Fatalf("key %d: encoded as %q, %q; note.GenerateKey: %q, %q", i, gotS, gotV, wantS, wantV)
		}
		ours, err := newSigner(wantS)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ours.(*edSigner); !ok {
			t.Fatalf("key %d (%s): read by note.NewSigner, which builds crypto/ed25519's table", i, wantS)
		}
		theirs, err := note.NewSigner(wantS)
		if err != nil {
			t.Fatal(err)
		}
		if ours.Name() != theirs.Name() || ours.KeyHash() != theirs.KeyHash() {
			t.Fatalf("key %d: %s %08x, note: %s %08x", i, ours.Name(), ours.KeyHash(), theirs.Name(), theirs.KeyHash())
		}
		msg := make([]byte, rng.IntN(300))
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		got, _ := ours.Sign(msg)
		want, _ := theirs.Sign(msg)
		if !bytes.Equal(got, want) {
			t.Fatalf("key %d: signed %x, note %x", i, got, want)
		}
		text := fmt.Sprintf("checkpoint %d\n", i)
		signed, err := note.Sign(&note.Note{Text: text}, ours)
		if err != nil {
			t.Fatal(err)
		}
		v, err := note.NewVerifier(wantV)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := note.Open(signed, note.VerifierList(v)); err != nil {
			t.Fatalf("key %d: a checkpoint it signed does not verify: %v", i, err)
		}
		if pub, err := publicKey(wantS); err != nil || pub != wantV {
			t.Fatalf("key %d: publicKey %q, %v; want %q", i, pub, err, wantV)
		}
	}
	// The test key a seeded database derives.
	sum := sha256.Sum256(append([]byte("rightsdesk signing key\x00"), "seed"...))
	wantS, wantV, _ := note.GenerateKey(bytes.NewReader(sum[:]), "rightsdesk-test-key/x")
	if s, v, err := seededKey("rightsdesk-test-key/x", []byte("seed")); err != nil || s != wantS || v != wantV {
		t.Errorf("seededKey: %q, %q, %v; want %q, %q", s, v, err, wantS, wantV)
	}
	// The signer seededSigner hands over is the one newSigner makes of its key.
	skey, _, seeded := seededSigner("rightsdesk-test-key/x", []byte("seed"))
	parsed, err := newSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"", "rightsdesk checkpoint\n42\n"} {
		a, err1 := seeded.Sign([]byte(msg))
		b, err2 := parsed.Sign([]byte(msg))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) || seeded.Name() != parsed.Name() || seeded.KeyHash() != parsed.KeyHash() {
			t.Errorf("seededSigner's signer signs %x (%v), newSigner's %x (%v)", a, err1, b, err2)
		}
	}
	good, _, _ := note.GenerateKey(bytes.NewReader(sum[:]), "rightsdesk/x")
	for _, bad := range []string{"", "PRIVATE+KEY", good[:len(good)-4], "PRIVATE+KEY+rightsdesk/x+00000000+" + good[len(good)-44:],
		"PUBLIC+KEY" + good[len("PRIVATE+KEY"):], "PRIVATE+KEY+a b+" + good[len("PRIVATE+KEY+rightsdesk/x+"):]} {
		_, err := newSigner(bad)
		_, want := note.NewSigner(bad)
		if err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("newSigner(%q): %v; note.NewSigner: %v", bad, err, want)
		}
	}
}

// BenchmarkFirstSignature is what signing a checkpoint costs a process
// that has not signed before: the key read from its seed and one
// signature (crypto/ed25519 built its base-point table here, 1.7 ms).
func BenchmarkFirstSignature(b *testing.B) {
	sum := sha256.Sum256([]byte("seed"))
	skey, _ := edKey("rightsdesk/x", sum[:]).encoded(sum[:])
	for b.Loop() {
		s, err := newSigner(skey)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Sign([]byte("checkpoint\n")); err != nil {
			b.Fatal(err)
		}
	}
}
