package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
)

// The consistency walk of the bbolt file, in place of bbolt's tx.Check:
// that one walks the pages in a goroutine of its own, where the process's
// fault guard (debug.SetPanicOnFault) does not reach, so a damaged page
// killed check and backup with a Go fatal trace. This walk reads the file
// with ReadAt, parses each page with bounds checks, and so can neither
// fault nor loop: each page is visited at most once.

// bbolt's page layout (go.etcd.io/bbolt/internal/common).
const (
	pageHeaderSize   = 16 // id uint64, flags uint16, count uint16, overflow uint32
	branchElemSize   = 16 // pos uint32, ksize uint32, pgid uint64
	leafElemSize     = 16 // flags uint32, pos uint32, ksize uint32, vsize uint32
	bucketHeaderSize = 16 // root pgid uint64, sequence uint64

	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	metaPageFlag     = 0x04
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01

	noFreelist = 0xFFFFFFFFFFFFFFFF
)

// walkMeta is what the walk needs of the meta page bbolt uses.
type walkMeta struct {
	pageSize  int64
	root      uint64
	freelist  uint64
	highWater uint64
	txid      uint64
}

// pageWalker reads and checks the pages of one file.
type pageWalker struct {
	file     []byte // the file, mapped
	meta     walkMeta
	pages    uint64   // the pages the file holds (at most the high-water mark)
	seen     []int32  // page id -> 1 + index in names of what reached it, 0 unseen
	names    []string // what reaches pages: "meta", "freelist", buckets
	problems []string
}

// mark records that what reaches page id, returning what reached it before
// ("" if nothing).
func (w *pageWalker) mark(id uint64, what string) string {
	if id >= w.pages {
		return ""
	}
	if w.seen[id] != 0 {
		return w.names[w.seen[id]-1]
	}
	if len(w.names) == 0 || w.names[len(w.names)-1] != what {
		w.names = append(w.names, what)
	}
	w.seen[id] = int32(len(w.names))
	return ""
}

// reachedBy is what reached page id, "" if nothing.
func (w *pageWalker) reachedBy(id uint64) string {
	if id >= w.pages || w.seen[id] == 0 {
		return ""
	}
	return w.names[w.seen[id]-1]
}

// maxWalkProblems bounds what one walk reports: a file damaged all over
// says so in a screenful, not a million lines.
const maxWalkProblems = 50

func (w *pageWalker) problem(format string, args ...any) {
	if len(w.problems) < maxWalkProblems {
		w.problems = append(w.problems, fmt.Sprintf(format, args...))
	}
}

// walkFile checks the structure of the bbolt file at path as of its newest
// valid meta page: every page reachable from the root bucket or the
// freelist is below the high-water mark, of the type its parent expects,
// reached once, with its elements inside the page and its keys in order;
// the freelist names no reachable page and none twice; every page below
// the high-water mark is either reachable or free. It returns what it
// found wrong, nothing for a sound file. The caller holds the file's lock,
// so no writer changes it meanwhile.
//
// The file is mapped read-only and every slice of it is bounds-checked;
// a fault (the file truncated under the mapping) becomes a panic that the
// caller's fault guard turns into ErrDamaged, as for any read.
func walkFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, withPath("open", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, withPath("stat", path, err)
	}
	if info.Size() == 0 {
		return []string{"the file is empty"}, nil
	}
	if info.Size() != int64(int(info.Size())) {
		return nil, fmt.Errorf("%s is too large to check here", path)
	}
	if info.Size() <= walkReadLimit {
		// Read at once: cheaper than faulting the pages of a mapping in.
		b := make([]byte, info.Size())
		n, err := f.ReadAt(b, 0)
		if err != nil && n < len(b) {
			return nil, withPath("read", path, err)
		}
		return walkPages(b), nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(info.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, withPath("map", path, err)
	}
	defer syscall.Munmap(b)
	return walkPages(b), nil
}

// walkPages is walkFile on the file's bytes.
func walkPages(file []byte) []string {
	w := &pageWalker{file: file}
	m, valid := w.readMetas()
	switch {
	case !valid[0] && !valid[1]:
		return []string{"both meta pages are invalid"}
	case !valid[0]:
		w.problem("meta page 0 is invalid")
	case !valid[1]:
		w.problem("meta page 1 is invalid")
	}
	w.meta = m
	size := int64(len(file))
	if need := int64(m.highWater) * m.pageSize; size < need {
		w.problem("truncated: %d bytes, the high-water mark needs %d", size, need)
	}
	w.pages = min(m.highWater, uint64(size/m.pageSize))
	w.seen = make([]int32, w.pages)
	w.mark(0, "meta")
	w.mark(1, "meta")
	free := w.readFreelist()
	w.walkBucket(m.root, "the root bucket", 0)
	for id := range free {
		if what := w.reachedBy(id); what != "" && what != "freelist" {
			w.problem("page %d: free, yet in use by %s", id, what)
		}
	}
	for id := uint64(2); id < w.pages; id++ {
		if w.seen[id] == 0 && !free[id] {
			w.problem("page %d: neither in use nor free", id)
		}
	}
	return w.problems
}

// at is n bytes of the file at off, or nil when they lie outside it.
func (w *pageWalker) at(off, n int64) []byte {
	if off < 0 || n < 0 || off > int64(len(w.file)) || n > int64(len(w.file))-off {
		return nil
	}
	return w.file[off : off+n]
}

// readMetas picks the meta page bbolt would: the valid one with the
// highest transaction id; valid says which of the two verify.
func (w *pageWalker) readMetas() (best walkMeta, valid [2]bool) {
	off := int64(0)
	for i := range 2 {
		if i == 1 {
			off = 4096 // page 0 unreadable: bbolt's default page size
			if valid[0] {
				off = best.pageSize
			}
		}
		b := w.at(off, pageHeaderSize+64)
		if b == nil {
			continue
		}
		m, ok := readMeta(b, 0)
		if !ok {
			continue
		}
		le := binary.LittleEndian
		body := b[pageHeaderSize:]
		cand := walkMeta{pageSize: int64(m.pageSize), root: le.Uint64(body[16:24]), freelist: le.Uint64(body[32:40]),
			highWater: m.highWater, txid: m.txid}
		if !valid[0] || cand.txid > best.txid {
			best = cand
		}
		valid[i] = true
	}
	return best, valid
}

// page reads page id with its overflow, checking its header; nil when it
// cannot be used (the problem is recorded).
func (w *pageWalker) page(id uint64, what string) []byte {
	if id < 2 || id >= w.pages {
		w.problem("%s: page %d is outside the file's %d pages", what, id, w.pages)
		return nil
	}
	if other := w.mark(id, what); other != "" {
		w.problem("%s: page %d is already used by %s", what, id, other)
		return nil
	}
	head := w.at(int64(id)*w.meta.pageSize, pageHeaderSize)
	if head == nil {
		w.problem("%s: page %d lies outside the file", what, id)
		return nil
	}
	le := binary.LittleEndian
	if got := le.Uint64(head[0:8]); got != id {
		w.problem("%s: page %d says it is page %d", what, id, got)
		return nil
	}
	overflow := uint64(le.Uint32(head[12:16]))
	if id+overflow >= w.pages {
		w.problem("%s: page %d overflows past the file's %d pages", what, id, w.pages)
		return nil
	}
	for i := uint64(1); i <= overflow; i++ {
		if other := w.mark(id+i, what); other != "" {
			w.problem("%s: page %d's overflow %d is already used by %s", what, id, id+i, other)
			return nil
		}
	}
	return w.at(int64(id)*w.meta.pageSize, int64(overflow+1)*w.meta.pageSize)
}

// readFreelist reads the free page ids, checking each is a page of the file
// named once.
func (w *pageWalker) readFreelist() map[uint64]bool {
	free := map[uint64]bool{}
	if w.meta.freelist == noFreelist {
		return free
	}
	p := w.page(w.meta.freelist, "freelist")
	if p == nil {
		return free
	}
	le := binary.LittleEndian
	if flags := le.Uint16(p[8:10]); flags != freelistPageFlag {
		w.problem("freelist: page %d is not a freelist page (flags %#x)", w.meta.freelist, flags)
		return free
	}
	count, start := uint64(le.Uint16(p[10:12])), uint64(pageHeaderSize)
	if count == 0xFFFF {
		count, start = le.Uint64(p[pageHeaderSize:pageHeaderSize+8]), pageHeaderSize+8
	}
	if count > (uint64(len(p))-start)/8 {
		w.problem("freelist: %d ids do not fit in its page", count)
		return free
	}
	for i := uint64(0); i < count; i++ {
		id := le.Uint64(p[start+8*i:])
		switch {
		case id < 2 || id >= w.pages:
			w.problem("freelist: page %d is outside the file's %d pages", id, w.pages)
		case free[id]:
			w.problem("freelist: page %d is free twice", id)
		default:
			free[id] = true
		}
	}
	return free
}

// walkBucket checks the tree of the bucket whose root page is root.
func (w *pageWalker) walkBucket(root uint64, what string, depth int) {
	if depth > 64 {
		w.problem("%s: buckets nested deeper than 64", what)
		return
	}
	w.walkNode(root, what, depth, 0)
}

// walkNode checks one branch or leaf page and what hangs from it.
func (w *pageWalker) walkNode(id uint64, what string, depth, level int) {
	if level > 64 {
		w.problem("%s: a tree deeper than 64 pages", what)
		return
	}
	p := w.page(id, what)
	if p == nil {
		return
	}
	le := binary.LittleEndian
	flags, count := le.Uint16(p[8:10]), int(le.Uint16(p[10:12]))
	switch flags {
	case branchPageFlag:
		if count == 0 {
			w.problem("%s: branch page %d is empty", what, id)
			return
		}
		if pageHeaderSize+count*branchElemSize > len(p) {
			w.problem("%s: branch page %d: %d elements do not fit", what, id, count)
			return
		}
		var prev []byte
		for i := 0; i < count; i++ {
			e := pageHeaderSize + i*branchElemSize
			key, ok := elemBytes(p, e, le.Uint32(p[e:e+4]), le.Uint32(p[e+4:e+8]))
			if !ok {
				w.problem("%s: branch page %d: element %d lies outside the page", what, id, i)
				return
			}
			if i > 0 && bytes.Compare(prev, key) >= 0 {
				w.problem("%s: branch page %d: keys out of order", what, id)
			}
			prev = key
			w.walkNode(le.Uint64(p[e+8:e+16]), what, depth, level+1)
		}
	case leafPageFlag:
		w.walkLeaf(p, id, count, what, depth, false)
	default:
		w.problem("%s: page %d is not a branch or leaf page (flags %#x)", what, id, flags)
	}
}

// walkLeaf checks the elements of a leaf page (p holds the page from its
// header) and the buckets it holds. An inline bucket's page lives inside
// its parent's value and holds no bucket of its own.
func (w *pageWalker) walkLeaf(p []byte, id uint64, count int, what string, depth int, inline bool) {
	le := binary.LittleEndian
	if pageHeaderSize+count*leafElemSize > len(p) {
		w.problem("%s: leaf page %d: %d elements do not fit", what, id, count)
		return
	}
	var prev []byte
	for i := 0; i < count; i++ {
		e := pageHeaderSize + i*leafElemSize
		flags, pos, ksize, vsize := le.Uint32(p[e:e+4]), le.Uint32(p[e+4:e+8]), le.Uint32(p[e+8:e+12]), le.Uint32(p[e+12:e+16])
		kv, ok := elemBytes(p, e, pos, ksize+vsize)
		if !ok || uint64(ksize)+uint64(vsize) > uint64(len(p)) {
			w.problem("%s: leaf page %d: element %d lies outside the page", what, id, i)
			return
		}
		key, value := kv[:ksize], kv[ksize:]
		if i > 0 && bytes.Compare(prev, key) >= 0 {
			w.problem("%s: leaf page %d: keys out of order", what, id)
		}
		prev = key
		if want, known := holdsBuckets(what, depth); known && want != (flags&bucketLeafFlag != 0) {
			kind := map[bool]string{true: "a bucket", false: "a value"}
			w.problem("%s: leaf page %d: %q is %s where the schema has %s", what, id, printableKey(key), kind[!want], kind[want])
			continue
		}
		if flags&bucketLeafFlag == 0 {
			continue
		}
		name := fmt.Sprintf("bucket %q", printableKey(key))
		if inline {
			w.problem("%s: inline page holds %s", what, name)
			continue
		}
		if len(value) < bucketHeaderSize {
			w.problem("%s: %s has a short header", what, name)
			continue
		}
		root := le.Uint64(value[0:8])
		if root != 0 {
			w.walkBucket(root, name, depth+1)
			continue
		}
		in := value[bucketHeaderSize:]
		if len(in) < pageHeaderSize || le.Uint16(in[8:10]) != leafPageFlag {
			w.problem("%s: %s's inline page is not a leaf page", what, name)
			continue
		}
		w.walkLeaf(in, id, int(le.Uint16(in[10:12])), name, depth+1, true)
	}
}

// holdsBuckets says whether the entries of the bucket named what (at depth
// depth, the root being 0) are buckets, by the schema (schema.go), when the
// schema says: the root holds only buckets; timelines, files, ids and
// registers hold a bucket per case, year or register; the other buckets of
// the schema hold values. A bucket the schema does not name is not judged.
func holdsBuckets(what string, depth int) (buckets, known bool) {
	if depth == 0 {
		return true, true
	}
	if depth > 1 {
		return false, false
	}
	for _, b := range [][]byte{bucketTimelines, bucketFiles, bucketIDs, bucketRegisters} {
		if what == fmt.Sprintf("bucket %q", b) {
			return true, true
		}
	}
	for _, b := range [][]byte{bucketMeta, bucketCases, bucketEvents, bucketChanges, bucketDue, bucketWaiting, bucketRows, bucketReports,
		bucketUnsent, bucketCounts, bucketOwing, bucketDueDays, bucketAccess, bucketRules, bucketAttached} {
		if what == fmt.Sprintf("bucket %q", b) {
			return false, true
		}
	}
	return false, false
}

// elemBytes is the n bytes at offset pos from the element header at e, as
// bbolt addresses them, or false when they lie outside p.
func elemBytes(p []byte, e int, pos, n uint32) ([]byte, bool) {
	start := uint64(e) + uint64(pos)
	end := start + uint64(n)
	if end > uint64(len(p)) {
		return nil, false
	}
	return p[start:end], true
}

// printableKey is a bucket name fit for a message: bucket names are the
// program's own words, but a damaged page may hold anything.
func printableKey(k []byte) string {
	if len(k) > 40 {
		k = k[:40]
	}
	out := make([]rune, 0, len(k))
	for _, r := range string(k) {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}

// walkReadLimit is the size up to which the walk reads the file into memory
// rather than mapping it.
const walkReadLimit = 64 << 20

// walkAlwaysLimit is the size up to which every operation walks the whole
// file before bbolt reads it: a desk of a few hundred cases (300 demo cases,
// compacted, are 4 MiB, walked in about 20 ms). bbolt follows a branch page
// that points back at itself until the stack overflows, a fatal error no
// guard recovers from; the walk finds the loop first. A larger file is
// walked by check and backup, and the damage they find is remembered
// (damaged.go).
const walkAlwaysLimit = 8 << 20

// walkBeforeUse walks a file of at most walkAlwaysLimit bytes; damage is
// ErrDamaged. The caller holds the file's lock, so no commit is under way.
func (s *Store) walkBeforeUse() error {
	info, err := os.Stat(s.path)
	if err != nil || info.Size() > walkAlwaysLimit {
		return nil
	}
	problems, err := walkFile(s.path)
	if err != nil || len(problems) == 0 {
		return err
	}
	return &StoreError{Path: s.path, Err: ErrDamaged, Detail: problems[0], Advice: restoreAdvice}
}
