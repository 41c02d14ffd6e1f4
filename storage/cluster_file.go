package storage

import bolt "go.etcd.io/bbolt"

// ReadFile runs fn on the database file opened for reading, with every
// check an operation makes first (the file's meta pages and size, its
// schema, a fault or panic inside as ErrDamaged): for copying a whole file
// into a cluster (migrate), which reads it as bbolt has it. An older file
// is migrated first, as for any read.
func (s *Store) ReadFile(fn func(db *bolt.DB) error) error {
	return s.with(true, fn)
}
