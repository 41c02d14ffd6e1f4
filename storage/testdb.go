package storage

import (
	"bytes"
	"fmt"

	"rightsdesk/storage/kv"
)

// TestSeedRefused is a database that cannot become a demo or test one: it
// holds cases recorded with random salts, or another seed.
type TestSeedRefused struct{ Path, Why string }

func (e *TestSeedRefused) Error() string {
	return fmt.Sprintf("%s cannot be a demo or test database: %s", e.Path, e.Why)
}

// MarkTest makes the database a demo or test database (the demo command,
// init --test): its salts, and the key of its checkpoints, derive from
// seed, kept in meta (testseed.go), so that the same seed gives the same
// file and every checkpoint says so. The file is created if missing. Marking
// again with the same seed changes nothing; a database that holds cases and
// is not marked, or is marked with another seed, is refused
// (*TestSeedRefused).
func (s *Store) MarkTest(seed []byte) error {
	if len(seed) == 0 {
		return &TestSeedRefused{Path: s.path, Why: "an empty seed"}
	}
	return s.update(func(tx kv.Tx) error {
		if old := testSeed(tx); old != nil {
			if bytes.Equal(old, seed) {
				return nil
			}
			return &TestSeedRefused{Path: s.path, Why: "it is already one, made with another seed"}
		}
		if k, _ := tx.Bucket(bucketCases).Cursor().First(); k != nil {
			return &TestSeedRefused{Path: s.path, Why: "it holds real cases"}
		}
		return tx.Bucket(bucketMeta).Put(keyTestSeed, seed)
	})
}

// IsTest reports whether the database is a demo or test one (MarkTest).
func (s *Store) IsTest() (bool, error) {
	var test bool
	err := s.view(func(tx kv.Tx) error {
		test = testSeed(tx) != nil
		return nil
	})
	return test, err
}
