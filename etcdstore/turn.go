package etcdstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"rightsdesk/etcdkv"
)

// Turns: fairness between servers that write at once.
//
// Every Commit holds only if the store is unchanged since the revision its
// replica applied. A server whose writes queue up commits each as soon as
// the last is acknowledged, while another server, refused, must first
// receive that change through its watch and run its write again: it comes
// second every time, and its write fails after its tries (seen with 8
// clients over 2 servers, BenchmarkEightClientsTwoServers). So a server
// refused once claims the turn: a key put, only if no one holds it, under
// a short lease. While it is held, every other server's Commit is refused
// and waits for it to go; the holder's next Commit deletes it with its
// changes, and one that has not used it within turnUnused gives it back.
// A holder that dies holds it until the lease expires.

// turnSuffix follows the prefix in the turn key (keys.go).
const turnSuffix = "\x00\x00turn"

// turnTTL is the lease of a turn, in seconds: how long a holder that died
// keeps the others waiting, at most (a member grants no less than one and
// a half election timeouts).
const turnTTL = 3

// turnUnused is how long a server keeps a turn its write has not used: a
// write run again may end without a Commit (refused by a case's own
// revision check once caught up), and the others would wait for the
// lease to expire.
const turnUnused = time.Second

// turnWait is how often a server waiting for another's turn looks again
// when Follow has not said that the turn moved.
const turnWait = 100 * time.Millisecond

// turnCompare is the compare that lets a Commit through: that this server
// holds the turn, or that no one does; held says which.
func (c *Cluster) turnCompare() (cmp etcdkv.Compare, held bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.turn != "" {
		return etcdkv.ValueIs(c.turnKey, []byte(c.turn)), true
	}
	return etcdkv.VersionIs(c.turnKey, 0), false
}

// settle records a Commit's outcome for the turns: a success gave the
// turn back (its transaction deleted the key); after a refusal this server
// holds the turn only if the key, as the refused transaction saw it
// (turn, nil when absent), is still its own.
func (c *Cluster) settle(ok bool, turn *etcdkv.KeyValue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok || turn == nil || string(turn.Value) != c.turn {
		c.turn = "" // given back, expired, or never ours
	}
}

// takeTurn claims the turn after a refused Commit, before the replica
// catches up, so that no other server's change lands between the catch-up
// and the write run again. When another server holds it, it waits until
// that one has given it back (or its lease has expired) and claims it
// then. It gives up when ctx ends or the cluster does not answer: the
// next Commit says so.
func (c *Cluster) takeTurn(ctx context.Context) {
	for ctx.Err() == nil {
		c.mu.Lock()
		held := c.turn != ""
		c.mu.Unlock()
		if held {
			return
		}
		lease, _, err := c.client.LeaseGrant(ctx, turnTTL)
		if err != nil {
			return
		}
		token := make([]byte, 8)
		rand.Read(token)
		value := c.server + " " + hex.EncodeToString(token)
		_, err = c.client.Txn(ctx, etcdkv.Txn{
			If:   []etcdkv.Compare{etcdkv.VersionIs(c.turnKey, 0)},
			Then: []etcdkv.Op{etcdkv.OpPutLeased(c.turnKey, []byte(value), lease)},
		})
		switch {
		case err == nil:
			c.mu.Lock()
			c.turn = value
			c.mu.Unlock()
			time.AfterFunc(turnUnused, func() { c.giveBack(value) })
			return
		case !errors.Is(err, etcdkv.ErrConflict):
			return
		}
		c.awaitTurn(ctx) // another server's turn
	}
}

// giveBack ends the turn claimed as value if this server still holds it
// unused: a Commit that used it deleted it already. Only that claim's key
// is deleted, never a later one's.
func (c *Cluster) giveBack(value string) {
	c.mu.Lock()
	unused := c.turn == value
	if unused {
		c.turn = ""
	}
	c.mu.Unlock()
	if !unused {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Not given back (no answer): the lease ends it.
	_, _ = c.client.Txn(ctx, etcdkv.Txn{
		If:   []etcdkv.Compare{etcdkv.ValueIs(c.turnKey, []byte(value))},
		Then: []etcdkv.Op{etcdkv.OpDelete(c.turnKey)},
	})
}

// awaitTurn waits until no server holds the turn, or the cluster does not
// answer, or ctx ends: the Commit that follows tells which. Follow says
// when the turn key changes (turnMoved); turnWait bounds each wait, should
// Follow not run.
func (c *Cluster) awaitTurn(ctx context.Context) {
	for {
		c.mu.Lock()
		moved := c.turnMoved
		c.mu.Unlock()
		_, held, err := c.client.Get(ctx, c.turnKey)
		if err != nil || !held {
			return
		}
		select {
		case <-moved:
		case <-time.After(turnWait):
		case <-ctx.Done():
			return
		}
	}
}

// turnChanged is Follow's word that the turn key changed.
func (c *Cluster) turnChanged() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.turnMoved)
	c.turnMoved = make(chan struct{})
}

// sawHead records the head as a refused Commit saw it.
func (c *Cluster) sawHead(head *etcdkv.KeyValue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if head.ModRevision > c.seen.ModRevision {
		c.seen = *head
	}
}

// behind is the refusal of a Commit at revision at that the cluster would
// refuse anyway: a refused Commit saw a newer head, which the replica has
// not applied yet. A server's writes queue behind the one refused, each
// with the replica as it was: they are refused here, at no cost to the
// cluster, and run again once the replica has caught up.
func (c *Cluster) behind(at int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if at >= c.seen.ModRevision {
		return nil
	}
	return &ConflictError{Writer: string(c.seen.Value), Revision: c.seen.ModRevision, At: at}
}
