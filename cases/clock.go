package cases

import "time"

// Clock tells the time. The program takes it from outside (RIGHTSDESK_NOW
// in the binary) so that tests, golden files and demo data are reproducible.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real time.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always returns the same instant.
type FixedClock time.Time

// Now returns the fixed instant.
func (c FixedClock) Now() time.Time { return time.Time(c) }
