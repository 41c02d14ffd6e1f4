package storage

import (
	"rightsdesk/storage/kv"
)

// A long read of the app (the open cases, the closed ones) visits a few
// thousand leaf pages spread over the whole file. Every page it touches is
// mapped into the process, and the kernel maps the pages around each one
// that are in its cache too (fault-around, 64 KB at a time, which bbolt's
// MADV_RANDOM does not turn off): reading the 12 MB owing bucket of the
// 100,000-case demo left about 100 MB of the file resident in the app, its
// peak memory. pageRelease lets go of the mapped pages every so many rows,
// so that what the read holds of the file at any moment is a few hundred
// KB: the kernel keeps them in its cache and maps them again if they are
// read again.

// releaseEvery is how many rows a read visits between releases of the
// pages it mapped: about 25 leaf pages of rows, and the 64 KB around each.
const releaseEvery = 512

// pageRelease counts the rows a read transaction visits and lets go of
// the file's mapped pages every releaseEvery of them.
type pageRelease struct {
	tx kv.Tx
	n  int
}

// visited counts one row.
func (p *pageRelease) visited() {
	if p.n++; p.n%releaseEvery == 0 {
		p.release()
	}
}

// release lets go of the pages of the file the process has mapped: their
// contents stay valid (a read transaction's pages never change), and are
// read again from the kernel's cache when touched.
func (p *pageRelease) release() {
	info := p.tx.Bolt().DB().Info()
	unmapPages(info.Data, uintptr(p.tx.Bolt().Size()))
}
