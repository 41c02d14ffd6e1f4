package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/progress"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"

	"rightsdesk/ui"
)

// progressEvery is the least time between two redraws of a progress line:
// about ten a second, which reads as smooth while a bulk write calling for
// each request costs nothing it could measure.
const progressEvery = 100 * time.Millisecond

// progressLine is how far a long command (demo, import, purge, backup, the
// demo database behind --demo) has got, as one line redrawn in place on
// stderr: "importing  ████░░░░ 50%  1,000 of 2,000 requests".
//
// It is shown only when stderr is a terminal. Piped or redirected, stderr
// carries warnings and the one-line error of a failure (CLI.md), which
// scripts and cron (which mails whatever a job writes there) read: a line
// every few seconds would be noise there. Nothing ever goes to stdout,
// which scripts parse. A nil *progressLine shows nothing, so commands call
// it unconditionally.
type progressLine struct {
	mu           sync.Mutex
	w            io.Writer
	label, unit  string
	bar          progress.Model
	ascii        bool
	colour       bool
	width        int
	now          func() time.Time
	last         time.Time
	done, total  int
	drawn, ended bool
}

// newProgress is the progress line of one operation on a's stderr, or nil
// when stderr is not a terminal. label says what is being done ("making
// the demo database"), unit what is counted ("cases").
func (a *app) newProgress(label, unit string) *progressLine {
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return nil
	}
	width := 80
	if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
		width = w
	}
	w, colour := progressWriter(f, a.getenv)
	return newProgressLine(w, label, unit, width, ui.TerminalOf(a.getenv).ASCII, colour)
}

// progressWriter is w with the colour the terminal takes: none under
// NO_COLOR (any value, as no-color.org has it and --color auto reads it)
// or on a terminal without colour (TERM=vt100, ui.TerminalOf); otherwise
// the profile TERM and COLORTERM give. colour is false when there is none.
func progressWriter(w *os.File, getenv func(string) string) (_ io.Writer, colour bool) {
	var env []string
	for _, k := range []string{"TERM", "COLORTERM", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM_PROGRAM", "TMUX", "WT_SESSION"} {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	p := colorprofile.Detect(w, env)
	if getenv("NO_COLOR") != "" || ui.TerminalOf(getenv).NoColour {
		p = min(p, colorprofile.ASCII)
	}
	if p <= colorprofile.ASCII {
		return w, false
	}
	return &colorprofile.Writer{Forward: w, Profile: p}, true
}

// newProgressLine is a progress line written to w, width cells wide; ascii
// draws it with ASCII characters only ("[#####.....] 50%"), for a terminal
// without UTF-8; colour false draws it without any escape but the redraw's.
func newProgressLine(w io.Writer, label, unit string, width int, ascii, colour bool) *progressLine {
	opts := []progress.Option{progress.WithoutPercentage(), progress.WithDefaultBlend(), progress.WithFillCharacters('█', '░')}
	if ascii {
		opts = append(opts, progress.WithFillCharacters('#', '.'))
	}
	return &progressLine{w: w, label: label, unit: unit, bar: progress.New(opts...), ascii: ascii, colour: colour, width: width, now: time.Now}
}

// set records that done of total units are done, and redraws the line when
// the last redraw is progressEvery old, or on the first call, or when all
// is done. It is safe from any goroutine.
func (p *progressLine) set(done, total int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return
	}
	p.done, p.total = done, total
	now := p.now()
	if p.drawn && done < total && now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	p.draw()
}

// relabel changes what the line says is being done, from the next redraw:
// a command's next step ("verifying the copy").
func (p *progressLine) relabel(label string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.label = label
}

// finish ends the line: with keep it stays on screen as it was last set,
// followed by a newline, so that the command's own output comes below it;
// without, it is erased (the terminal app takes the screen next, or an
// error's one line takes its place).
func (p *progressLine) finish(keep bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return
	}
	p.ended = true
	switch {
	case keep:
		p.draw()
		fmt.Fprint(p.w, "\n")
	case p.drawn:
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// draw writes the line over the one drawn before.
func (p *progressLine) draw() {
	p.drawn = true
	fmt.Fprint(p.w, "\r"+p.line()+"\x1b[K")
}

// line is the text of the line: label, bar, percentage and the counts,
// within the terminal's width (the bar shrinks first, then the label is
// cut).
func (p *progressLine) line() string {
	frac := 0.0
	if p.total > 0 {
		frac = min(1, max(0, float64(p.done)/float64(p.total)))
	}
	room := p.width - 1 // the last column: a terminal may wrap when it is written
	if p.total <= 0 {   // a step whose size is not known
		return ansi.Truncate(p.label+" ...", room, "")
	}
	counts := fmt.Sprintf("%3.0f%%  %s of %s %s", frac*100, thousands(p.done), thousands(p.total), p.unit)
	barWidth := min(40, room-ansi.StringWidth(p.label)-ansi.StringWidth(counts)-4)
	if barWidth < 10 {
		return ansi.Truncate(p.label+"  "+counts, room, "")
	}
	p.bar.SetWidth(barWidth)
	bar := p.bar.ViewAs(frac)
	if p.ascii {
		p.bar.SetWidth(barWidth - 2)
		bar = "[" + p.bar.ViewAs(frac) + "]"
	}
	if !p.colour {
		// The bar's colour is its only styling: without it, a reset
		// around each cell would be all that remained.
		bar = ansi.Strip(bar)
	}
	return p.label + "  " + bar + " " + counts
}

// thousands writes n with a comma between thousands: 100,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
