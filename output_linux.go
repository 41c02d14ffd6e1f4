package main

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// outputArea is the memory the pieces of a long output are cut from: one
// anonymous mapping, its 2 MiB pages made transparent huge pages where the
// system allows them (transparent_hugepage "madvise" or "always"). Filled
// from the Go heap, the 1.7 MB of `list --overdue --json` at 100,000 cases
// took 420 fresh 4 KiB pages, each a page fault, at tens of microseconds
// each on a virtual machine: a third of the command's page faults. In huge
// pages it takes one. Where huge pages are off, it is ordinary memory.
type outputArea struct{ whole, free []byte }

const hugePage = 2 << 20

// outputAreaSize bounds the area (address space, touched only as filled):
// output past it comes from the heap.
var outputAreaSize = 64 << 20

// piece is the next empty piece of chunkSize bytes.
func (a *outputArea) piece() []byte {
	if a.whole == nil {
		m, err := unix.Mmap(-1, 0, outputAreaSize+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE|unix.MAP_NORESERVE)
		if err != nil {
			a.whole = []byte{} // not again: the heap serves
		} else {
			off := int((hugePage - uintptr(unsafe.Pointer(&m[0]))%hugePage) % hugePage)
			a.whole, a.free = m, m[off:off+outputAreaSize]
			_ = unix.Madvise(a.free, unix.MADV_HUGEPAGE) // a hint: refused, the pages are small
		}
	}
	if len(a.free) < chunkSize {
		return make([]byte, 0, chunkSize)
	}
	p := a.free[:0:chunkSize]
	a.free = a.free[chunkSize:]
	return p
}

// release unmaps the area; no piece of it may be used after.
func (a *outputArea) release() {
	if len(a.whole) > 0 {
		_ = unix.Munmap(a.whole)
	}
	*a = outputArea{}
}
