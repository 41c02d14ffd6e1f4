package storage

import "golang.org/x/sys/unix"

// unmapPages drops the process's mapping of the n bytes of a shared file
// mapping at addr (MADV_DONTNEED): the next touch maps the page again from
// the page cache, with the same contents. A failure only leaves the pages
// mapped.
func unmapPages(addr, n uintptr) {
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, addr, n, unix.MADV_DONTNEED)
}
