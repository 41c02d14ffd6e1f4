package ui

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/server"
	"rightsdesk/server/servertest"
	"rightsdesk/storage"
)

// BenchmarkStart100k is start to first frame on a 100,000-case demo
// database: open the file, read the first page of the queue and the
// counts (storage.Store.Start), render (target 200 ms, with the process's
// own start). The open cases are read after the first frame, the closed
// ones when asked for (start.go); building the database is not timed.
func BenchmarkStart100k(b *testing.B) {
	_, s, now := demo100k(b, true)
	c := &clock{t: now}
	for b.Loop() {
		m := New(Options{Store: s, Clock: c, Actor: "anna"})
		next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		next, _ = next.(Model).Update(next.(Model).loadQueue("")())
		if v := next.(Model).View(); !strings.Contains(v.Content, "DSR-") {
			b.Fatal("no frame")
		}
	}
}

// BenchmarkStartOpenCases100k is the start until the queue holds every
// open case: the first frame, then the open cases read (OpenQueue) and
// shown. live-MB is the heap the model holds then (after a collection);
// the file's closed cases are not read.
func BenchmarkStartOpenCases100k(b *testing.B) {
	_, s, now := demo100k(b, true)
	c := &clock{t: now}
	var m Model
	for b.Loop() {
		m = New(Options{Store: s, Clock: c, Actor: "anna"})
		next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		next, cmd := next.(Model).Update(next.(Model).loadQueue("")())
		next, _ = next.(Model).Update(cmd())
		m = next.(Model)
		if v := m.View(); !strings.Contains(v.Content, "DSR-") || m.queue.start.paging || m.queue.snap.len() < 1000 {
			b.Fatalf("no frame of the open cases (%d held)", m.queue.snap.len())
		}
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MB")
	b.ReportMetric(float64(m.queue.snap.len()), "cases-held")
	runtime.KeepAlive(m)
}

// BenchmarkStartThroughServer100k is the same first frame in team mode:
// the app's queue read through the team server's client over its socket
// (dial with its checks, the queue in the server's compact form, scoped to
// a member of every organisation), then counted and rendered (target 300 ms).
func BenchmarkStartThroughServer100k(b *testing.B) {
	_, s, now := demo100k(b, true)
	c := &clock{t: now}
	anna := server.Peer{UID: 51001, Name: "anna"}
	socket := servertest.Start(b, s, c, func() server.Peer { return anna })
	firstFrames(b, socket, c)
}

// firstFrames is b.N first frames of the app through the server at
// socket: dial, the queue's first page and counts, render.
func firstFrames(b *testing.B, socket string, c *clock) {
	dir := b.TempDir()
	for b.Loop() {
		client, err := server.Dial(socket, server.DialOptions{ServiceUID: -1, StateDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		m := New(Options{Store: client, Clock: c, Actor: "anna"})
		next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		next, _ = next.(Model).Update(next.(Model).loadQueue("")())
		if v := next.(Model).View(); !strings.Contains(v.Content, "DSR-") {
			b.Fatal("no frame")
		}
		client.Close()
	}
}

// BenchmarkFilterKeystroke100k is one keystroke's filter over 100,000
// cases, loose (fuzzy) matches included (target 15 ms median).
func BenchmarkFilterKeystroke100k(b *testing.B) {
	reqs, _, now := demo100k(b, false)
	var all []cases.Summary
	for _, r := range reqs {
		for _, c := range r {
			st, _ := c.Derive(now)
			all = append(all, cases.Summarize(c, st, 1))
		}
	}
	cases.SortByUrgency(all)
	ix := cases.NewFilterIndex(all)
	// What a DPO types, keystroke by keystroke: the median of these is the
	// figure against the 15 ms target.
	for _, q := range typicalQueries {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				ix.Match(q, nil)
			}
		})
	}
}

// BenchmarkOverviewFigures100k works out the overview's figures over the
// 100,000-case demo: done when the overview opens or its data changes.
func BenchmarkOverviewFigures100k(b *testing.B) {
	_, s, now := demo100k(b, true)
	all, _, err := s.Queue(now) // every case, closed ones included, as the overview counts them
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ov := overviewFigures(all, nil, "", now); ov.stats.Cases != 100_000 {
			b.Fatalf("%d cases", ov.stats.Cases)
		}
	}
}

// demo100k is the 100,000-case demo (seed 1, as of 22 November 2026) and
// its clock; with a store, the cases are also written to a database.
//
// RIGHTSDESK_BENCH_CACHE names a folder where the built database is kept
// and copied from on the next run, sparing the minute it takes to generate
// and write: the demo is the same for the same seed and date. The copy's
// signing key stays in the test keys' folder, under the database's own ID.
// A store read from the cache comes without the generated cases (nil),
// which the benchmarks that take a store do not use.
func demo100k(b *testing.B, store bool) ([][]*cases.Case, *storage.Store, time.Time) {
	b.Helper()
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	path := filepath.Join(b.TempDir(), "demo.db")
	cache := os.Getenv("RIGHTSDESK_BENCH_CACHE")
	kept := filepath.Join(cache, "demo100k.db")
	if store && cache != "" && copyFile(kept, path) == nil {
		return nil, storage.Open(path, storage.Options{}), now
	}
	reqs, err := demo.Generate(demo.Options{Cases: 100_000, Seed: 1, Now: now, Registers: registers(b).All()})
	if err != nil {
		b.Fatal(err)
	}
	if !store {
		return reqs, nil, now
	}
	s := initialised(b, path, storage.Options{})
	if err := s.AddRequests(reqs, now, 5000); err != nil {
		b.Fatal(err)
	}
	if cache != "" {
		if err := os.MkdirAll(cache, 0o700); err != nil {
			b.Fatal(err)
		}
		if err := copyFile(path, kept); err != nil {
			b.Fatal(err)
		}
	}
	return reqs, s, now
}

// copyFile copies the file at from to a new file at to (0600), through a
// temporary file renamed into place so that a copy cut short is never
// taken for a whole one.
func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := to + ".tmp"
	dst, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, to)
}

// BenchmarkFilterBurst100k is a burst of keystrokes typed into the filter
// over 100,000 cases ("nowakowska", its keys arriving together, as over a
// slow link): ns/op is the whole burst, the metric the time from the last
// keystroke until its result comes. Each keystroke's run starts when it is
// typed, as the app's commands do; "stopping" is the app (a run overtaken
// by a newer keystroke stops), "to-the-end" lets every run finish, as
// before runs could stop.
func BenchmarkFilterBurst100k(b *testing.B) {
	_, s, now := demo100k(b, true)
	m := New(Options{Store: s, Clock: &clock{t: now}, Actor: "anna"})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	next, _ = next.(Model).Update(next.(Model).loadQueue("")())
	m = next.(Model)
	m.queue.snap.index = indexed(nil, m.queue.snap.rows)
	next, _ = m.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	base := next.(Model)
	for _, stopping := range []bool{true, false} {
		name := map[bool]string{true: "stopping", false: "to-the-end"}[stopping]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				m := base
				results := make(chan filterMsg, 16)
				var last time.Time
				for _, r := range "nowakowska" {
					if !stopping {
						m.queue.filter.latest = nil // each run its own: none stops
					}
					next, _ := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
					m = next.(Model)
					run := m.runFilter()
					go func() { results <- run().(filterMsg) }()
					last = time.Now()
				}
				for msg := range results {
					if msg.seq == m.queue.filter.seq && !msg.stopped {
						b.ReportMetric(float64(time.Since(last).Microseconds())/1000, "ms-after-last-key")
						break
					}
				}
			}
		})
	}
}
