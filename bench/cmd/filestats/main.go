// Command filestats prints what a rightsdesk database file costs per case:
// its high-water bytes (the pages bbolt has handed out, not the file's
// preallocated size) divided by the number of cases, and the share of leaf
// bytes in use over every bucket (bbolt's Bucket.Stats), the two figures of
// issue 20's file row. It opens the file read-only, so that a benchmark's
// cached database is never changed by being measured.
//
//	filestats -cases N FILE
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "filestats:", err)
		os.Exit(1)
	}
}

// bucketFigures are one top-level bucket's page use, nested buckets
// included.
type bucketFigures struct {
	name                         string
	leafAlloc, leafInuse, branch int
	// depth is the levels of pages from the bucket's root to its leaves
	// (bbolt's Stats.Depth): a put into the bucket copies a page at each
	// level, more when one splits.
	depth int
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("filestats", flag.ContinueOnError)
	n := fs.Int("cases", 0, "the number of cases in the file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *n < 1 {
		return errors.New("usage: filestats -cases N FILE")
	}
	path := fs.Arg(0)
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	var highWater int64
	var buckets []bucketFigures
	err = db.View(func(tx *bolt.Tx) error {
		highWater = tx.Size()
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			st := b.Stats() // nested buckets are counted in their parent's
			buckets = append(buckets, bucketFigures{string(name), st.LeafAlloc, st.LeafInuse, st.BranchAlloc, st.Depth})
			return nil
		})
	})
	if err != nil {
		return err
	}
	var alloc, inuse int
	for _, b := range buckets {
		alloc += b.leafAlloc
		inuse += b.leafInuse
	}
	if alloc == 0 {
		return errors.New("no leaf pages: not a database with buckets")
	}
	// The script reads the first line; the rest says where the bytes are.
	fmt.Fprintf(out, "bytes-per-case %.0f leaf-use %.3f high-water %d file %d cases %d\n",
		float64(highWater)/float64(*n), float64(inuse)/float64(alloc), highWater, fi.Size(), *n)
	sort.Slice(buckets, func(i, j int) bool {
		return buckets[i].leafAlloc+buckets[i].branch > buckets[j].leafAlloc+buckets[j].branch
	})
	for _, b := range buckets {
		use := 0.0
		if b.leafAlloc > 0 {
			use = float64(b.leafInuse) / float64(b.leafAlloc)
		}
		fmt.Fprintf(out, "bucket %s leaf %d in-use %.3f branch %d depth %d\n", b.name, b.leafAlloc, use, b.branch, b.depth)
	}
	return nil
}
