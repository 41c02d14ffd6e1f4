package storage

import (
	"bytes"
	"encoding/binary"
	"slices"
	"unsafe"

	"rightsdesk/storage/kv"
)

// A register reads every leaf page of the reports bucket in a period once,
// in key order: 33,000 pages of 4 KB for a million cases, spread over the
// file. Each page is mapped into the process at its first touch, by a page
// fault (the kernel maps up to 64 KB of neighbours with it, most of them
// other buckets' pages), and on this kind of virtual machine a fault costs
// more than the page's entries take to decode. populateLeaves asks the
// kernel to map the period's leaf pages before the cursor reaches them,
// pages close together in one call (MADV_POPULATE_READ, Linux 5.14;
// elsewhere, or when the kernel refuses, the pages fault in as before).
//
// The leaf pages are found from the bucket's branch pages, read from the
// map as bbolt lays them out (walk.go's page layout). Only pages inside
// the read transaction's file are read, and the walk goes at most
// maxTreeDepth levels down, so that a damaged branch page at worst maps
// pages the read does not use; the cursor then refuses the damage as
// before.

// populateLeaves maps the leaf pages of bucket b holding the keys from
// start (nil: the first) up to stop (nil: the last).
func populateLeaves(tx kv.Tx, b kv.Bucket, start, stop []byte) {
	if !canPopulate {
		return
	}
	data, pageSize := txMap(tx)
	leaves := leafPages(tx, b, start, stop)
	for i := 0; i < len(leaves); {
		j := i + 1
		for j < len(leaves) && leaves[j] <= leaves[j-1]+populateGap {
			j++
		}
		if !populate(data[leaves[i]*pageSize : (leaves[j-1]+1)*pageSize]) {
			return
		}
		i = j
	}
}

// txMap is the file's map as the read transaction tx sees it, and the
// size of its pages.
func txMap(tx kv.Tx) (data []byte, pageSize uint64) {
	info := tx.Bolt().DB().Info()
	return unsafe.Slice(*(**byte)(unsafe.Pointer(&info.Data)), tx.Bolt().Size()), uint64(info.PageSize)
}

// leafPages are the leaf pages of bucket b (in order of page ID) that
// may hold keys from start (nil: the first) up to stop (nil: the last);
// none for an inline bucket, which has no pages of its own.
func leafPages(tx kv.Tx, b kv.Bucket, start, stop []byte) []uint64 {
	root := uint64(b.Bolt().Root())
	data, pageSize := txMap(tx)
	if root == 0 || pageSize < pageHeaderSize {
		return nil
	}
	page := func(id uint64) []byte {
		if id >= uint64(len(data))/pageSize {
			return nil
		}
		return data[id*pageSize : (id+1)*pageSize]
	}
	// Walk down level by level: every leaf of a bbolt tree is at the same
	// depth, so the pages of a level are all branches or all leaves, as its
	// first one is.
	level := []uint64{root}
	for depth := 0; ; depth++ {
		p := page(level[0])
		if p == nil || depth == maxTreeDepth {
			return nil
		}
		if pageFlags(p)&branchPageFlag == 0 {
			break // level holds the leaves
		}
		var next []uint64
		for _, id := range level {
			if p := page(id); p != nil && pageFlags(p)&branchPageFlag != 0 {
				next = appendChildren(next, p, start, stop)
			}
			if uint64(len(next)) > uint64(len(data))/pageSize {
				return nil // more children than pages: damage
			}
		}
		if len(next) == 0 {
			return nil
		}
		level = next
	}
	slices.Sort(level)
	return level
}

// maxTreeDepth bounds the levels leafPages walks down: a bbolt tree of a
// million entries is four deep.
const maxTreeDepth = 32

// populateGap is how far apart two leaf pages may be and still be mapped
// in one call, the pages between them with them: a call costs more than
// mapping a few pages the read does not use.
const populateGap = 8

func pageFlags(p []byte) uint16 { return binary.LittleEndian.Uint16(p[8:]) }

// appendChildren appends the children of branch page p that may hold keys
// from start (nil: the first) up to stop (nil: the last): child i holds
// the keys from its element's key up to the next element's.
func appendChildren(ids []uint64, p, start, stop []byte) []uint64 {
	count := int(binary.LittleEndian.Uint16(p[10:]))
	key := func(i int) []byte { // nil when it does not lie inside the page
		at := pageHeaderSize + i*branchElemSize
		if at+branchElemSize > len(p) {
			return nil
		}
		k, _ := elemBytes(p, at, binary.LittleEndian.Uint32(p[at:]), binary.LittleEndian.Uint32(p[at+4:]))
		return k
	}
	for i := 0; i < count && pageHeaderSize+(i+1)*branchElemSize <= len(p); i++ {
		if k := key(i); stop != nil && k != nil && bytes.Compare(k, stop) >= 0 {
			break
		}
		if start != nil && i+1 < count {
			if k := key(i + 1); k != nil && bytes.Compare(k, start) <= 0 {
				continue
			}
		}
		ids = append(ids, binary.LittleEndian.Uint64(p[pageHeaderSize+i*branchElemSize+8:]))
	}
	return ids
}
