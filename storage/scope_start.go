package storage

import (
	"time"

	"rightsdesk/cases"
)

// The start's reads (start.go) of a caller's organisations.

// Start is the store's Start, of the caller's organisations: the first
// rows of theirs, and their counts.
func (v *callerView) Start(now time.Time, n int) (*Start, error) {
	if !v.scoped() {
		return v.s.Start(now, n)
	}
	return v.s.start(now, n, v.covers)
}

// OpenQueue is the store's OpenQueue, of the caller's organisations.
func (v *callerView) OpenQueue(now time.Time) ([]cases.Summary, uint64, error) {
	sums, n, err := v.s.OpenQueue(now)
	return v.scopeSummaries(sums), n, err
}

// ClosedQueue is the store's ClosedQueue, of the caller's organisations.
func (v *callerView) ClosedQueue(now time.Time) ([]cases.Summary, uint64, error) {
	sums, n, err := v.s.ClosedQueue(now)
	return v.scopeSummaries(sums), n, err
}

var (
	_ Paged = (*Store)(nil)
	_ Paged = (*callerView)(nil)
)
