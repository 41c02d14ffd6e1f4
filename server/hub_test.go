package server

import (
	"testing"
	"time"
)

// TestAStreamBehindIsDropped: publishing never waits for a subscriber;
// one whose queue is full is dropped (its stream ends, and its client
// resyncs), the others go on.
func TestAStreamBehindIsDropped(t *testing.T) {
	h := newHub()
	slow, _ := h.subscribe()
	quick, _ := h.subscribe()
	began := time.Now()
	for n := range uint64(subscriberQueue + 10) {
		h.publish(n + 1)
		select {
		case <-quick.counters:
		default:
			t.Fatalf("the quick subscriber missed %d", n+1)
		}
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("publishing took %v", d)
	}
	select {
	case <-slow.gone:
	default:
		t.Fatal("the slow subscriber was not dropped")
	}
	select {
	case <-quick.gone:
		t.Fatal("the quick subscriber was dropped")
	default:
	}
	h.close()
	select {
	case <-quick.gone:
	default:
		t.Fatal("closing the hub leaves a stream open")
	}
	if _, ok := h.subscribe(); ok {
		t.Error("a closed hub takes a subscriber")
	}
}
