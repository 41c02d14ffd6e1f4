package storage

import (
	"rightsdesk/storage/kv"
)

// fills is how full a write transaction packs the pages of each bucket
// whose keys mostly grow at their end; bbolt's default (half) suits keys
// written in random order, and a bucket's FillPercent lasts only for the
// transaction that sets it, so packWrites sets them in every one.
// Strictly appended buckets are packed almost full; those whose values
// are also rewritten in place, growing (a case's record and row as its
// events accrue, its places in the log), keep a little room so that the
// next change to one of a page's cases does not split the page at once.
var fills = []struct {
	bucket []byte
	fill   float64
}{
	{bucketEvents, eventsFill},
	{bucketChanges, 0.95},
	{bucketAccess, 0.95},
	{bucketCases, 0.9},
	{bucketRows, 0.9},
	{bucketOwing, 0.9}, // by ID: new cases at the end, rows that grow
	{bucketLogLeaves, 0.9},
	{bucketAttached, 0.9}, // by case ID: new cases at the end, file sets that grow
}

// packWrites sets the fill of the buckets of fills for the transaction tx.
// Every write transaction of the store calls it before it writes (sealed,
// the migrator).
func packWrites(tx kv.Tx) {
	for _, f := range fills {
		if b := tx.Bucket(f.bucket); b != nil {
			b.SetFillPercent(f.fill)
		}
	}
}
