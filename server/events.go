package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// hub hands the change counter of every commit to the change streams
// (/v1/changes as server-sent events). It never waits for a subscriber:
// one whose queue is full has fallen behind and is dropped; its client
// resyncs from the counter it last saw.
type hub struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
	done   chan struct{}
}

// subscriber is one change stream.
type subscriber struct {
	counters chan uint64
	gone     chan struct{}
	once     sync.Once
}

func (s *subscriber) drop() { s.once.Do(func() { close(s.gone) }) }

// subscriberQueue is how many commits a stream may be behind before it is
// dropped.
const subscriberQueue = 256

func newHub() *hub { return &hub{subs: map[*subscriber]struct{}{}, done: make(chan struct{})} }

// publish is Store.OnCommit's callback: it runs after each commit, so it
// only hands the counter on.
func (h *hub) publish(counter uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.counters <- counter:
		default:
			delete(h.subs, s)
			s.drop()
		}
	}
}

func (h *hub) subscribe() (*subscriber, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	s := &subscriber{counters: make(chan uint64, subscriberQueue), gone: make(chan struct{})}
	h.subs[s] = struct{}{}
	return s, true
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
	s.drop()
}

// dropAll ends every stream, each client then subscribing again: the team
// table changed, and a stream is admitted (member, scope) when it starts.
func (h *hub) dropAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		delete(h.subs, s)
		s.drop()
	}
}

// close ends every stream: the server is shutting down.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	close(h.done)
	for s := range h.subs {
		delete(h.subs, s)
		s.drop()
	}
}

// keepAlive is how often an idle stream sends a comment, so that a client
// that went away is noticed, and one whose server went away notices.
const keepAlive = 15 * time.Second

// writeWithin bounds one write to a stream: a client that does not read
// for this long has fallen behind and is dropped.
const writeWithin = 10 * time.Second

// stream answers GET /v1/changes with Accept: text/event-stream: an event
// for each commit that changed a case in the caller's scope, named by the
// change counter (the resume token: ?since=N or Last-Event-ID), with the
// counter and the IDs as data.
func (s *Server) stream(c *call, since uint64) error {
	sub, ok := s.hub.subscribe()
	if !ok {
		return &remoteError{message: "the server is shutting down"}
	}
	defer s.hub.unsubscribe(sub)
	rc := http.NewResponseController(c.w)
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	c.w.WriteHeader(http.StatusOK)
	write := func(text string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(writeWithin))
		if _, err := fmt.Fprint(c.w, text); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// Send what changed since the token first, then each commit's.
	send := func() bool {
		counter, ids, err := c.svc.Changes(since)
		if err != nil {
			s.logf("change stream of uid %d ended: %v", c.member.UID, err)
			return false
		}
		if counter <= since {
			return true
		}
		since = counter
		if len(ids) == 0 {
			return true // nothing in the caller's scope
		}
		data, err := json.Marshal(changesBody{Counter: counter, IDs: ids})
		if err != nil {
			return false
		}
		return write(fmt.Sprintf("id: %d\nevent: change\ndata: %s\n\n", counter, data))
	}
	if !write(": rightsdesk change stream\n\n") || !send() {
		return nil
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	lost := s.lostCurrency()
	for {
		select {
		case <-lost:
			return nil
		case <-sub.counters:
			// Coalesce what queued meanwhile: one read covers them all.
			for drained := false; !drained; {
				select {
				case <-sub.counters:
				default:
					drained = true
				}
			}
			if !send() {
				return nil
			}
		case <-tick.C:
			if !write(": keep-alive\n\n") {
				return nil
			}
		case <-sub.gone:
			return nil
		case <-c.r.Context().Done():
			return nil
		}
	}
}
