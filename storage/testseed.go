package storage

import (
	"rightsdesk/storage/kv"
)

// keyTestSeed, in the meta bucket, marks a demo or test database (demo,
// init --test) and holds the seed its salts and signing key are derived
// from, so that demos and golden files stay deterministic (TRUST.md); every
// checkpoint of such a database says so. Absent in a real database.
var keyTestSeed = []byte("test-seed")

// testSeed returns the seed of a demo or test database, nil for a real one.
func testSeed(tx kv.Tx) []byte {
	m := tx.Bucket(bucketMeta)
	if m == nil {
		return nil
	}
	if v := m.Get(keyTestSeed); v != nil {
		return append([]byte(nil), v...)
	}
	return nil
}
