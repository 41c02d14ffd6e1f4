package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// A seal names the SHA-256 of its listing file exactly as it was written:
// 64 lower-case hex digits, nothing more or less.
func TestSealDigestIsLowerHex(t *testing.T) {
	sum := sha256.Sum256([]byte("manifest.json"))
	good := hex.EncodeToString(sum[:])
	for _, d := range []string{good, strings.Repeat("0", 64), strings.Repeat("f", 64)} {
		if !isSealDigest(d) {
			t.Errorf("%q refused", d)
		}
	}
	for _, d := range []string{"", good[:63], good + "0", strings.ToUpper(good), good[:63] + "g", " " + good[1:], good[:63] + "\n"} {
		if isSealDigest(d) {
			t.Errorf("%q accepted", d)
		}
	}
	text := sealHeader + "\norigin\nDSR-1\nrecord\nsha256 "
	if f, err := parseSealText(text + good + "\n"); err != nil || f.SHA256 != good || f.Subject != "record" {
		t.Errorf("parseSealText of a good seal: %+v, %v", f, err)
	}
	if _, err := parseSealText(text + strings.ToUpper(good) + "\n"); err == nil {
		t.Error("parseSealText took an upper-case digest")
	}
}
