package server_test

import (
	"testing"
	"time"
)

// BenchmarkQueueThroughServer: the queue the app loads at start, 10,000
// cases, through the server (the local store's Queue beside it).
func BenchmarkQueueThroughServer(b *testing.B) {
	e := newEnv(b)
	e.cases(10000)
	c := e.dial(carol)
	b.Run("server", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			q, _, err := c.Queue(time.Time{})
			if err != nil || len(q) != 10000 {
				b.Fatal(len(q), err)
			}
		}
	})
	b.Run("local", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			q, _, err := e.st.Queue(e.clock.Now())
			if err != nil || len(q) != 10000 {
				b.Fatal(len(q), err)
			}
		}
	})
}
