package storage

import (
	"bytes"
	"fmt"
	"time"

	"rightsdesk/storage/kv"
)

// sourceLogsBatch is step 8 of the migrator: each of up to n cases has its
// log entry's leaf indexes stored as distances (logLeaves), and is added
// to the sources of every tile of its organisation's log that holds
// one of its events' leaves (logtiles.go), and each complete tile of
// leaves whose sources now name all its leaves, and whose events give the
// very hashes it stores, is dropped: a proof recomputes it from them. A
// tile whose events do not give its hashes is kept, for check to say. A
// rerun of a batch adds no case twice and drops nothing twice.
func sourceLogsBatch(tx kv.Tx, after []byte, n int, _ time.Time) ([]byte, error) {
	ids := casesAfter(tx, after, n)
	if len(ids) == 0 {
		return nil, nil
	}
	leaves, logs := tx.Bucket(bucketLogLeaves), tx.Bucket(bucketLogs)
	if leaves == nil || logs == nil {
		return ids[len(ids)-1], nil
	}
	for _, id := range ids {
		entry := leaves.Get(id)
		org, indexes, err := logLeaves(entry)
		if err != nil || org == "" || org == teamLog {
			continue // check says so
		}
		if entry[len(org)] != logLeavesDeltas {
			if err := leaves.Put(id, encodeLogLeaves(org, indexes)); err != nil {
				return nil, err
			}
		}
		b := logs.Bucket([]byte(org))
		if b == nil || !isTiled(b) {
			continue
		}
		size := logSize(b)
		var tiles []int64
		for _, x := range indexes {
			if t := x >> logTileHeight; x < size && (len(tiles) == 0 || tiles[len(tiles)-1] != t) {
				tiles = append(tiles, t)
			}
		}
		for _, t := range tiles {
			if _, err := putSources(b, t, 1, []string{string(id)}); err != nil {
				return nil, fmt.Errorf("case %s: %w", id, err)
			}
			if err := dropSourcedTile(tx, b, org, t, size); err != nil {
				return nil, fmt.Errorf("case %s: %w", id, err)
			}
		}
	}
	return ids[len(ids)-1], nil
}

// dropSourcedTile deletes the leaves' tile t of a log of size leaves if it
// is complete, its sources name all its leaves and their events give the
// hashes it stores.
func dropSourcedTile(tx kv.Tx, b kv.Bucket, org string, t, size int64) error {
	stored := b.Get(tileKey(0, t))
	if (t+1)<<logTileHeight > size || stored == nil {
		return nil
	}
	ids, err := sourceIDs(b.Get(sourceKey(t)))
	if err != nil {
		return err
	}
	if total, ok := tileCases(tx.Bucket(bucketLogLeaves), org, t, ids); !ok || total != 1<<logTileHeight {
		return nil // a case of it is still to come
	}
	data, err := sourcedTile(tx, b, org, t)
	if err != nil || !bytes.Equal(data, stored) {
		return nil // kept as it is, for check to say
	}
	return b.Delete(tileKey(0, t))
}
