package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// A store kept on a cluster (serve --store) is this server's replica of
// it: without the cluster (no quorum, or the link to it cut), the replica
// would go on answering with what it last received, and a colleague's
// change made through another server since would be missing from what a
// member sees, with nothing to say so. So the server confirms, every
// confirmEvery, that its replica holds every change the cluster has
// acknowledged (Config.Current), and refuses every request, reads too,
// once it has not for currentWithin: one line, the store unavailable
// (exit 3). Change streams end then, so that an app says so at once; its
// next subscription is refused until the cluster answers again.
const (
	confirmEvery  = time.Second
	currentWithin = 3 * time.Second
)

// currency is what the server knows of its replica's currency.
type currency struct {
	mu sync.Mutex
	// confirmed is when Current last said yes (the server's start before
	// the first: the replica was loaded or caught up to open).
	confirmed time.Time
	// why is Current's last failure, nil once it says yes again.
	why error
	// lost is closed when the replica stops being current, and replaced
	// when it is again.
	lost chan struct{}
}

// confirm asks Current once (every confirmEvery while the server serves).
func (s *Server) confirm() {
	ctx, cancel := context.WithTimeout(context.Background(), currentWithin-confirmEvery)
	defer cancel()
	s.confirmed(s.cfg.Current(ctx))
}

// confirmed records Current's answer: a failure that makes the replica
// stale ends the change streams, and both changes are logged.
func (s *Server) confirmed(err error) {
	c := &s.current
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if err == nil {
		if c.why != nil {
			s.logf("the store's cluster answers again: requests are taken")
			c.lost = make(chan struct{})
		}
		c.confirmed, c.why = now, nil
		return
	}
	if c.why == nil {
		s.logf("the store's cluster does not confirm this server's replica: %v", err)
	}
	c.why = err
	if _, stale := c.stale(now); stale {
		select {
		case <-c.lost:
		default:
			close(c.lost)
		}
	}
}

// notCurrent is the error every request gets while the replica is not
// known current (nil otherwise, and always for a file).
func (s *Server) notCurrent() error {
	if s.cfg.Current == nil {
		return nil
	}
	c := &s.current
	c.mu.Lock()
	defer c.mu.Unlock()
	since, stale := c.stale(time.Now())
	if !stale {
		return nil
	}
	why := "no answer"
	if c.why != nil {
		why = cases.Printable(c.why.Error())
	}
	return &storage.StoreError{Path: "the team server", Err: storage.ErrUnavailable,
		Detail: fmt.Sprintf("this server's copy was last confirmed current %s ago; since: %s; changes made through other servers could be missing, so nothing is shown or changed",
			since.Round(time.Second), why),
		Advice: "try again once the cluster has a quorum"}
}

// stale says how long ago at now the replica was last confirmed current,
// and whether that is too long for it to be taken as current
// (currentWithin). c.mu is held.
func (c *currency) stale(now time.Time) (time.Duration, bool) {
	since := now.Sub(c.confirmed)
	return since, since >= currentWithin
}

// lostCurrency is closed once the replica is no longer known current.
func (s *Server) lostCurrency() <-chan struct{} {
	c := &s.current
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lost
}
