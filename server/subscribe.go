package server

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
)

// Subscribe follows the server's change stream from the change counter
// since: the channel receives the counter of each commit that changed a
// case in the caller's scope (then Changes and Rows say which), and
// closes when ctx ends, when the server goes away, or when it drops a
// subscriber that fell behind; the caller then reloads and subscribes
// again from the last counter it saw.
func (c *Client) Subscribe(ctx context.Context, since uint64) (<-chan uint64, error) {
	ctx, cancel := context.WithCancel(ctx)
	header := http.Header{"Accept": {"text/event-stream"}}
	resp, err := c.request(ctx, "GET", "/v1/changes?since="+strconv.FormatUint(since, 10), nil, header)
	if err != nil {
		cancel()
		return nil, err
	}
	out := make(chan uint64, 16)
	go func() {
		defer cancel()
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		var id uint64
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id, _ = strconv.ParseUint(strings.TrimPrefix(line, "id: "), 10, 64)
			case line == "" && id != 0:
				// The end of an event: its id is the counter.
				select {
				case out <- id:
				default:
					// The reader is behind: it needs only the latest
					// counter, which it gets from the next send.
					select {
					case <-out:
					default:
					}
					select {
					case out <- id:
					case <-ctx.Done():
						return
					}
				}
				id = 0
			}
		}
	}()
	return out, nil
}
