package ui

import (
	"os"
	"testing"
	"time"
)

// TestMain pins the local time zone, in which the header shows the time,
// before any test starts (setting it during a test would race with the
// programs the tests run).
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}
