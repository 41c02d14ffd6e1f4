//go:build ignore

// make.go builds the damaged-file corpus in this folder: a small real
// database (base.db, sound) and variants of it, each damaged in one way a
// disk, a crash or a hand can damage a bbolt file. TestDamagedCorpus (in
// the rightsdesk package) runs every command on each and asserts that none
// crashes, hangs or writes. Run from the module's root:
//
//	go run ./storage/testdata/damaged/make.go
//
// The variants are derived from base.db by fixed rules (offsets, page
// kinds, a seeded generator), so the same base gives the same corpus.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

const dir = "storage/testdata/damaged"

func main() {
	old, _ := filepath.Glob(filepath.Join(dir, "*.db.gz"))
	for _, f := range old {
		os.Remove(f)
	}
	tmp, err := os.MkdirTemp("", "damaged")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	b := buildBase(filepath.Join(tmp, "grown.db"), filepath.Join(tmp, "base.db"))
	m := parseMeta(b)
	b = b[:m.highWater*m.pageSize] // bbolt grows files ahead of use: the rest is zeros
	pages := kinds(b, m)
	n := 0
	// Each variant is kept gzipped: they differ from base.db in a few
	// bytes, and the test unpacks them into a temporary folder.
	write := func(name string, v []byte) {
		n++
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(v)
		w.Close()
		if err := os.WriteFile(filepath.Join(dir, name+".db.gz"), z.Bytes(), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	write("base", b)
	ps := m.pageSize
	// Truncations: inside the first meta page, between the metas, inside
	// every kind of page, one byte short.
	for _, off := range []int{1, 15, 100, 4095, 4096, 4200, 8191, 8192, 8193, 3 * ps, 3*ps + 17, len(b) / 2, len(b) - ps, len(b) - ps + 1, len(b) - 1} {
		write(fmt.Sprintf("trunc-%06d", off), append([]byte(nil), b[:off]...))
	}
	// The meta pages.
	write("meta0-zeroed", zero(b, 0, ps))
	write("meta1-zeroed", zero(b, ps, ps))
	write("metas-zeroed", zero(zero(b, 0, ps), ps, ps))
	write("meta0-flip-magic", flip(b, 16, 0xff))
	write("meta0-flip-checksum", flip(b, 16+56, 0x01))
	write("metas-flip-checksum", flip(flip(b, 16+56, 0x01), ps+16+56, 0x01))
	for i, set := range []struct {
		name  string
		field int
		value uint64
	}{
		{"meta-highwater-bigger", 40, uint64(m.highWater + 50)},
		{"meta-highwater-huge", 40, 1 << 40},
		{"meta-highwater-small", 40, 3},
		{"meta-root-beyond", 16, uint64(m.highWater + 5)},
		{"meta-root-is-meta", 16, 1},
		{"meta-root-is-freelist", 16, m.freelist},
		{"meta-freelist-beyond", 32, uint64(m.highWater + 5)},
		{"meta-freelist-is-root", 32, m.root},
		{"meta-pagesize-odd", 8, 1000},
	} {
		_ = i
		write(set.name, setMeta(b, m, set.field, set.value))
	}
	// The freelist page.
	fl := int(m.freelist) * ps
	write("freelist-flags", setU16(b, fl+8, leafFlag))
	write("freelist-count-huge", setU16(b, fl+10, 0xfffe))
	write("freelist-count-extended", setU64(setU16(b, fl+10, 0xffff), fl+16, 1<<40))
	if live := pages.first(leafFlag); live > 0 {
		write("freelist-frees-a-live-page", setU64(setU16(b, fl+10, 1), fl+16, uint64(live)))
	}
	write("freelist-id-beyond", setU64(setU16(b, fl+10, 1), fl+16, uint64(m.highWater+7)))
	// Branch pages.
	if br := pages.first(branchFlag); br > 0 {
		o := br * ps
		write("branch-zeroed", zero(b, o, ps))
		write("branch-flags", setU16(b, o+8, 0x08))
		write("branch-count-zero", setU16(b, o+10, 0))
		write("branch-count-huge", setU16(b, o+10, 0xffff))
		write("branch-child-beyond", setU64(b, o+16+8, uint64(m.highWater+3)))
		write("branch-child-itself", setU64(b, o+16+8, uint64(br)))
		write("branch-child-is-meta", setU64(b, o+16+8, 0))
		write("branch-key-outside", setU32(b, o+16, 0x7fffffff))
		write("branch-page-id", setU64(b, o, uint64(br+1)))
	}
	// Leaf pages: the first (a bucket's) and the last (a case's content).
	leaves := pages.all(leafFlag)
	for i, lf := range []int{leaves[0], leaves[len(leaves)/2], leaves[len(leaves)-1]} {
		o := lf * ps
		write(fmt.Sprintf("leaf%d-zeroed", i), zero(b, o, ps))
		write(fmt.Sprintf("leaf%d-flags", i), setU16(b, o+8, 0x20))
		write(fmt.Sprintf("leaf%d-count-huge", i), setU16(b, o+10, 0xffff))
		write(fmt.Sprintf("leaf%d-ksize-huge", i), setU32(b, o+16+8, 0x7fffffff))
		write(fmt.Sprintf("leaf%d-vsize-huge", i), setU32(b, o+16+12, 0x7fffffff))
		write(fmt.Sprintf("leaf%d-pos-outside", i), setU32(b, o+16+4, 0x7ffffff0))
		// A value taken for a bucket, or a bucket for a value.
		write(fmt.Sprintf("leaf%d-bucket-flag", i), setU32(b, o+16, binary.LittleEndian.Uint32(b[o+16:])^1))
		// A byte of the first value, past its key: a record's content.
		e0 := o + 16
		pos := int(binary.LittleEndian.Uint32(b[e0+4:])) + int(binary.LittleEndian.Uint32(b[e0+8:]))
		write(fmt.Sprintf("leaf%d-value-byte", i), flip(b, e0+pos+2, 0x5a))
	}
	// Bytes flipped at random in pages of every kind, from a fixed seed.
	rng := rand.New(rand.NewPCG(17, 2026))
	for i := 0; i < 12; i++ {
		v := append([]byte(nil), b...)
		id := 2 + rng.IntN(int(m.highWater)-2)
		for j := 0; j < 8; j++ {
			v[id*ps+rng.IntN(64)] ^= byte(1 + rng.IntN(255))
		}
		write(fmt.Sprintf("flip-page%03d-%s", id, pages[id]), v)
	}
	log.Printf("%d variants of a %d-byte database (%d pages: %v)", n, len(b), m.highWater, pages)
}

// buildBase makes a small real database: 24 requests of two organisations,
// each with a note, enough that a bucket needs branch pages; compacted into
// base, so that it holds no free page but its freelist's own.
func buildBase(path, base string) []byte {
	if err := storage.Init(path, false, ""); err != nil {
		log.Fatal(err)
	}
	// A test database (its salts and key from a seed: the same corpus each
	// time, no key in anyone's state folder), its history at given times.
	s := storage.Open(path, storage.Options{GivenTimes: true})
	if err := s.MarkTest([]byte("rightsdesk damaged corpus")); err != nil {
		log.Fatal(err)
	}
	rules := cases.Rules{Regime: "eu-gdpr", Zone: "Europe/Paris", Calendar: "FR"}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 24; i++ {
		controller := []string{"crisp", "callrix"}[i%2]
		cs, err := s.Add(cases.Intake{Controller: controller, Rights: []cases.Right{cases.RightAccess},
			Subject:    cases.Subject{Name: fmt.Sprintf("Subject %02d", i), Email: fmt.Sprintf("s%02d@example.org", i)},
			Text:       "please send me my data",
			ReceivedAt: at}, rules, at, "dpo")
		if err != nil {
			log.Fatal(err)
		}
		note := storage.Action{Event: cases.Event{Kind: cases.EventNoted, Text: fmt.Sprintf("called subject %02d", i), Actor: "dpo", At: at.Add(time.Hour)},
			IfRevision: storage.NoRevision}
		if _, err := s.Do(cs[0].ID, []storage.Action{note}, at.Add(time.Hour)); err != nil {
			log.Fatal(err)
		}
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	dst, err := bolt.Open(base, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	if err := bolt.Compact(dst, src, 1<<20); err != nil {
		log.Fatal(err)
	}
	dst.Close()
	b, err := os.ReadFile(base)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

const (
	branchFlag   = 0x01
	leafFlag     = 0x02
	metaFlag     = 0x04
	freelistFlag = 0x10
)

type meta struct {
	pageSize             int
	highWater            int
	root, freelist, txid uint64
	off                  int // of the meta page bbolt uses
}

// parseMeta reads the newer of the two meta pages.
func parseMeta(b []byte) meta {
	le := binary.LittleEndian
	read := func(off int) meta {
		m := b[off+16:]
		return meta{pageSize: int(le.Uint32(m[8:])), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
			highWater: int(le.Uint64(m[40:])), txid: le.Uint64(m[48:]), off: off}
	}
	m0 := read(0)
	m1 := read(m0.pageSize)
	if m1.txid > m0.txid {
		return m1
	}
	return m0
}

// pageKinds names the kind of each page below the high-water mark, by its
// header (a free page keeps the header it had).
type pageKinds map[int]string

func kinds(b []byte, m meta) pageKinds {
	out := pageKinds{}
	// Pages in the freelist hold what they held when freed: damage there
	// harms nothing, so they are not picked as leaves or branches.
	le := binary.LittleEndian
	fl := b[int(m.freelist)*m.pageSize:]
	count, start := int(le.Uint16(fl[10:])), 16
	if count == 0xFFFF {
		count, start = int(le.Uint64(fl[16:])), 24
	}
	for i := 0; i < count; i++ {
		out[int(le.Uint64(fl[start+8*i:]))] = "free"
	}
	for id := 0; id < m.highWater; id++ {
		if out[id] == "free" {
			continue
		}
		switch binary.LittleEndian.Uint16(b[id*m.pageSize+8:]) {
		case branchFlag:
			out[id] = "branch"
		case leafFlag:
			out[id] = "leaf"
		case metaFlag:
			out[id] = "meta"
		case freelistFlag:
			out[id] = "freelist"
		default:
			out[id] = "data"
		}
	}
	return out
}

func (p pageKinds) all(flag int) []int {
	want := map[int]string{branchFlag: "branch", leafFlag: "leaf"}[flag]
	var ids []int
	for id := 2; id < len(p)+2; id++ {
		if p[id] == want {
			ids = append(ids, id)
		}
	}
	return ids
}

func (p pageKinds) first(flag int) int {
	if ids := p.all(flag); len(ids) > 0 {
		return ids[0]
	}
	return 0
}

func zero(b []byte, off, n int) []byte {
	v := append([]byte(nil), b...)
	clear(v[off : off+n])
	return v
}

func flip(b []byte, off int, mask byte) []byte {
	v := append([]byte(nil), b...)
	v[off] ^= mask
	return v
}

func setU16(b []byte, off int, x uint16) []byte {
	v := append([]byte(nil), b...)
	binary.LittleEndian.PutUint16(v[off:], x)
	return v
}

func setU32(b []byte, off int, x uint32) []byte {
	v := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(v[off:], x)
	return v
}

func setU64(b []byte, off int, x uint64) []byte {
	v := append([]byte(nil), b...)
	binary.LittleEndian.PutUint64(v[off:], x)
	return v
}

// setMeta sets a field of both meta pages and recomputes their checksums:
// a meta page that verifies yet says something wrong.
func setMeta(b []byte, m meta, field int, x uint64) []byte {
	v := append([]byte(nil), b...)
	for _, off := range []int{0, m.pageSize} {
		body := v[off+16 : off+16+64]
		if field == 8 {
			binary.LittleEndian.PutUint32(body[8:], uint32(x))
		} else {
			binary.LittleEndian.PutUint64(body[field:], x)
		}
		h := fnv.New64a()
		h.Write(body[:56])
		binary.LittleEndian.PutUint64(body[56:], h.Sum64())
	}
	return v
}
