package storage

import "io"

// SetProgress has fn told how far the long operations of this store have
// got, for a command line's progress bar: Import and AddRequests count
// the cases written of those given, Purge the closed cases examined of those to examine, and
// Backup the bytes copied of the file's size (a copy of one organisation
// the cases copied). fn is called on the goroutine doing the work, often
// (once a block of cases or bytes), so it must be cheap; nil turns it off.
// The process that runs the operations sets it before them: the team
// server's store never has one.
func (s *Store) SetProgress(fn func(done, total int)) { s.progress = fn }

// report tells the progress function, if any, that done of total are done.
func (s *Store) report(done, total int) {
	if s.progress != nil {
		s.progress(done, total)
	}
}

// progressWriter reports the bytes written through it of total, at most
// once a mebibyte: a backup's copy goes through it.
type progressWriter struct {
	w            io.Writer
	done, total  int64
	lastReported int64
	report       func(done, total int)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.done-p.lastReported >= 1<<20 || p.done >= p.total {
		p.lastReported = p.done
		p.report(int(p.done), int(p.total))
	}
	return n, err
}
