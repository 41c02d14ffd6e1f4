//go:build !linux

package storage

// unmapPages leaves the pages mapped where the kernel's fault-around is not
// known to map a long read's neighbouring pages.
func unmapPages(addr, n uintptr) {}
