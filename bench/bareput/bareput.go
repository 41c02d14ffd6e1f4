// Package bareput is the floor a durable change is measured against: a
// whole process that opens a bbolt file, puts one key, commits with fsync
// (bbolt's default) and closes, as a rightsdesk command that records one
// change does, minus everything rightsdesk adds. With -init it first makes
// the file and grows it to SIZE bytes, so that both open a file of the
// same size. Two commands run it: bench/cmd/bareput, which links nothing
// else, and bench/cmd/bareputlinked, which links every package rightsdesk
// links, so that its process starts as rightsdesk's does.
//
//	bareput [-init -size SIZE] FILE
package bareput

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("bench")

// Run is the command: args are its arguments, without the command's name.
func Run(args []string) error {
	fs := flag.NewFlagSet("bareput", flag.ContinueOnError)
	initialise := fs.Bool("init", false, "make the file, grown to -size bytes")
	size := fs.Int64("size", 0, "the size to grow the file to with -init")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: bareput [-init -size SIZE] FILE")
	}
	path := fs.Arg(0)
	if *initialise {
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%s exists: -init makes a new file", path)
		}
		if err := put(path); err != nil {
			return err
		}
		// Truncate leaves the pages past bbolt's high-water mark as a hole:
		// the same size to map, nothing more to read.
		if fi, err := os.Stat(path); err != nil || fi.Size() >= *size {
			return err
		}
		return os.Truncate(path, *size)
	}
	return put(path)
}

// put adds one 400-byte value (about a case's changed record) under the
// next key, in one transaction committed with fsync.
func put(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return b.Put(binary.BigEndian.AppendUint64(nil, seq), make([]byte, 400))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}
