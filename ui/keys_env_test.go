package ui

import (
	"os"
	"path/filepath"
	"strconv"
)

// The tests' databases keep their signing keys in a folder of the test
// user's own, never in the real ~/.local/state (key.go).
func init() {
	if os.Getenv("RIGHTSDESK_TEST_KEYS") == "" {
		dir := filepath.Join(os.TempDir(), "rightsdesk-test-keys-"+strconv.Itoa(os.Getuid()))
		_ = os.MkdirAll(dir, 0o700)
		os.Setenv("XDG_STATE_HOME", dir)
		os.Setenv("RIGHTSDESK_TEST_KEYS", dir)
	}
}
