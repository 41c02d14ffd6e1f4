package ui

import (
	"testing"

	"rightsdesk/storage"
)

// initialised is a new database at path, made as the product makes one
// (only init creates a database), opened with opts.
func initialised(t testing.TB, path string, opts storage.Options) *storage.Store {
	t.Helper()
	if err := storage.Init(path, false, ""); err != nil {
		t.Fatal(err)
	}
	return storage.Open(path, opts)
}
