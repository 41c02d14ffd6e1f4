package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// The register of requests (report) through the team server: the stored
// report entries of the caller's organisations, read from the store as
// the local report reads them (storage.Store.Report), not every case's
// timeline sent across and worked out again. The answer is a stream of
// frames: reportFrameEntry then the entry as storage.ReadReportWire reads
// it, and at the end reportFrameEnd, or reportFrameError then the length
// and JSON of the error (wireError) that stopped it.

// reportType is the media type of the answer.
const reportType = "application/vnd.rightsdesk.report"

const (
	reportFrameEntry = 'e'
	reportFrameEnd   = '.'
	reportFrameError = 'x'
)

// reportWire is what answers the report route: the caller's view of the
// store (storage.Store.As).
type reportWire interface {
	ReportWire(controller string, from, to cases.Date, now time.Time, emit func(framed []byte) error) error
}

// reportRoute registers GET /v1/report?controller=&from=&to= (viewer):
// the entries of the register of the caller's organisations.
func (s *Server) reportRoute() {
	s.handle("GET /v1/report", storage.RoleViewer, func(c *call) error {
		q := c.r.URL.Query()
		var from, to cases.Date
		for _, p := range []struct {
			name string
			d    *cases.Date
		}{{"from", &from}, {"to", &to}} {
			if v := q.Get(p.name); v != "" {
				d, err := cases.ParseDate(v)
				if err != nil {
					return &BadRequest{Reason: fmt.Sprintf("%s=%s: %v", p.name, cases.Printable(v), err)}
				}
				*p.d = d
			}
		}
		rw, ok := c.svc.(reportWire)
		if !ok {
			return fmt.Errorf("the store's view cannot read report entries")
		}
		w := bufio.NewWriterSize(c.w, 64<<10)
		started := false
		err := rw.ReportWire(q.Get("controller"), from, to, c.now, func(framed []byte) error {
			if !started {
				started = true
				c.w.Header().Set("Content-Type", reportType)
			}
			if err := w.WriteByte(reportFrameEntry); err != nil {
				return err
			}
			_, err := w.Write(framed)
			return err
		})
		if err != nil && !started {
			return err
		}
		c.w.Header().Set("Content-Type", reportType)
		if err != nil {
			we, _ := encodeError(err)
			b, _ := json.Marshal(we)
			_ = w.WriteByte(reportFrameError)
			_, _ = w.Write(append(binary.AppendUvarint(nil, uint64(len(b))), b...))
		} else {
			_ = w.WriteByte(reportFrameEnd)
		}
		return ignoreWritten(w.Flush())
	})
}

// Report calls emit with each entry of the register of requests of the
// caller's organisations (one of them when controller is not empty)
// received in the period from-to, in the register's order, as of the
// server's clock (now is the client's, and not used). The entry is valid
// during the call only.
func (c *Client) Report(controller string, from, to cases.Date, _ time.Time, emit func(*cases.ReportEntry) error) error {
	q := url.Values{}
	if controller != "" {
		q.Set("controller", controller)
	}
	if !from.IsZero() {
		q.Set("from", from.String())
	}
	if !to.IsZero() {
		q.Set("to", to.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := c.request(ctx, "GET", "/v1/report?"+q.Encode(), nil, http.Header{"Accept": {reportType}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	cut := func(err error) error {
		return &Unreachable{Socket: c.socket, Err: fmt.Errorf("the answer was cut: %w", err)}
	}
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	e, scratch := &cases.ReportEntry{}, make([]byte, 0, 256)
	for {
		kind, err := r.ReadByte()
		if err != nil {
			return cut(err)
		}
		switch kind {
		case reportFrameEnd:
			return nil
		case reportFrameError:
			n, err := binary.ReadUvarint(r)
			if err != nil || n > 1<<20 {
				return cut(fmt.Errorf("an unreadable error"))
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil {
				return cut(err)
			}
			var we wireError
			if err := json.Unmarshal(b, &we); err != nil {
				return fmt.Errorf("the server's answer to report does not read: %w", err)
			}
			return decodeError(we)
		case reportFrameEntry:
			*e = cases.ReportEntry{}
			if scratch, err = storage.ReadReportWire(r, e, scratch); err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					return cut(err)
				}
				return fmt.Errorf("the server's answer to report does not read: %w", err)
			}
			if err := emit(e); err != nil {
				return err
			}
		default:
			return fmt.Errorf("the server's answer to report does not read: frame %q", kind)
		}
	}
}
