package etcdkv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// EventType says whether an event put or deleted its key.
type EventType int

// The two kinds of change.
const (
	Put EventType = iota
	Delete
)

// Event is one change seen by a watch. KV.ModRevision is the change's
// revision; a delete's KV has the key and that revision only.
type Event struct {
	Type EventType
	KV   KeyValue
}

// Watcher delivers the changes under a prefix, in revision order, each
// once. Events is closed when the watch ends; Err then says why.
type Watcher struct {
	events chan Event
	done   chan struct{}
	err    error
}

// Events is the channel of changes. It is closed when the watch ends: its
// context was cancelled, or its start revision was compacted.
func (w *Watcher) Events() <-chan Event { return w.events }

// Err says why the watch ended, once Events is closed: the context's error,
// or an error that is ErrCompacted (the events between the start revision
// and the compaction are lost to the watch: read the keys afresh and watch
// from the revision of that read).
func (w *Watcher) Err() error {
	<-w.done
	return w.err
}

// Watch watches every key under prefix from revision fromRevision (0: from
// the next change). It delivers every change in revision order; when the
// connection to a member drops, or the member loses its leader, it goes on
// from the revision after the last one delivered on another member (or the
// same one when it comes back), so that no change is lost nor delivered
// twice. It keeps trying while members are unreachable, until ctx ends.
func (c *Client) Watch(ctx context.Context, prefix string, fromRevision int64) *Watcher {
	key, end := prefixRange([]byte(c.prefix + prefix))
	return c.watchRange(ctx, key, end, fromRevision)
}

// WatchRange is Watch on the keys in [key, end) rather than under a
// prefix: for a part of a prefix (etcdstore leaves its chunks out).
func (c *Client) WatchRange(ctx context.Context, key, end string, fromRevision int64) *Watcher {
	return c.watchRange(ctx, []byte(c.prefix+key), []byte(c.prefix+end), fromRevision)
}

func (c *Client) watchRange(ctx context.Context, key, end []byte, fromRevision int64) *Watcher {
	w := &Watcher{events: make(chan Event), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer close(w.events)
		w.err = c.watch(ctx, key, end, fromRevision, w.events)
	}()
	return w
}

type wireWatchMessage struct {
	Result *struct {
		Header          Header `json:"header"`
		Created         bool   `json:"created"`
		Canceled        bool   `json:"canceled"`
		CompactRevision int64  `json:"compact_revision,string"`
		CancelReason    string `json:"cancel_reason"`
		Events          []struct {
			Type string `json:"type"`
			KV   wireKV `json:"kv"`
		} `json:"events"`
	} `json:"result"`
	Error *gatewayError `json:"error"`
}

// errStreamEnded is a watch stream that ended for a reason worth trying
// another member for.
var errStreamEnded = errors.New("watch stream ended")

func (c *Client) watch(ctx context.Context, key, end []byte, next int64, out chan<- Event) error {
	failures := 0
	for {
		endpoints := c.order()
		endpoint := endpoints[failures%len(endpoints)]
		delivered, err := c.watchStream(ctx, endpoint, key, end, &next, out)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrCompacted) {
			return err
		}
		if tlsRefused(err) {
			// A certificate refused now is refused on the next try too.
			return fmt.Errorf("etcd watch: TLS with %s failed: %w", endpoint, err)
		}
		if delivered {
			failures = 0
			c.prefer(endpoint)
		}
		failures++
		if failures%len(endpoints) == 0 {
			// Every member failed in turn: wait a little before the next
			// round, up to a second.
			wait := min(time.Duration(failures/len(endpoints))*100*time.Millisecond, time.Second)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
	}
}

// watchStream runs one watch stream on one member until it fails. It
// advances *next past every revision it delivered. delivered says whether
// the member answered at all (created the watch).
func (c *Client) watchStream(ctx context.Context, endpoint string, key, end []byte, next *int64, out chan<- Event) (delivered bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	create := map[string]any{"create_request": map[string]any{
		"key": key, "range_end": end, "start_revision": fmt.Sprint(*next),
	}}
	body, err := json.Marshal(create)
	if err != nil {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/v3/watch", strings.NewReader(string(body)))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(requireLeaderHeader, "true")
	// A member that does not create the watch within the timeout is given
	// up for the next.
	created := make(chan struct{})
	go func() {
		select {
		case <-created:
		case <-ctx.Done():
		case <-time.After(c.timeout):
			cancel()
		}
	}()
	resp, err := c.http.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("%s: HTTP %d: %w", endpoint, resp.StatusCode, errStreamEnded)
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var m wireWatchMessage
		if err := dec.Decode(&m); err != nil {
			if err == io.EOF {
				err = errStreamEnded
			}
			return delivered, err
		}
		if m.Error != nil {
			return delivered, fmt.Errorf("%s: %s: %w", endpoint, m.Error.Message, errStreamEnded)
		}
		r := m.Result
		if r == nil {
			continue
		}
		if !delivered {
			delivered = true
			close(created)
		}
		if r.CompactRevision > 0 {
			return delivered, &CompactedError{Op: "watch", Revision: r.CompactRevision}
		}
		if r.Canceled {
			return delivered, fmt.Errorf("%s: watch cancelled (%s): %w", endpoint, r.CancelReason, errStreamEnded)
		}
		if r.Created && *next == 0 {
			// "From the next change": the first resume starts after the
			// revision the watch was created at.
			*next = r.Header.Revision + 1
		}
		last := int64(0)
		for _, e := range r.Events {
			if e.KV.ModRevision < *next {
				continue // delivered before the stream was resumed
			}
			ev := Event{Type: Put, KV: c.fromWire(e.KV)}
			if e.Type == "DELETE" {
				ev.Type = Delete
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return delivered, ctx.Err()
			}
			last = e.KV.ModRevision
		}
		// A response holds whole revisions (etcd batches a watch's events
		// by revision), so the next to ask for is the one after its last.
		if last > 0 {
			*next = last + 1
		}
	}
}
