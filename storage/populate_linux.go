package storage

import "golang.org/x/sys/unix"

const canPopulate = true

// populate maps the pages of b, part of the file's map, into the process
// from the kernel's cache (reading those not in it), as touching each
// would; false when the kernel refuses (older than 5.14).
func populate(b []byte) bool {
	return unix.Madvise(b, unix.MADV_POPULATE_READ) == nil
}
