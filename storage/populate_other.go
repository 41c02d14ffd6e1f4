//go:build !linux

package storage

// canPopulate: elsewhere the pages fault in as they are read.
const canPopulate = false

func populate([]byte) bool { return false }
