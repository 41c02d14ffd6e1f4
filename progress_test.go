package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/sys/unix"
)

// openPty is a pseudo-terminal: the terminal's side (what a command writes
// its stderr to) and everything written to it, read from the other side
// until the test ends.
func openPty(t *testing.T) (tty *os.File, written func() string) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// No translation of \n into \r\n: the bytes read are those written.
	if tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS); err == nil {
		tio.Oflag &^= unix.OPOST
		_ = unix.IoctlSetTermios(int(tty.Fd()), unix.TCSETS, tio)
	}
	var mu sync.Mutex
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { tty.Close(); ptmx.Close(); <-done })
	return tty, func() string {
		// What was written has reached the other side once the
		// terminal's output queue is empty.
		for i := 0; i < 100; i++ {
			if q, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCOUTQ); err != nil || q == 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		return out.String()
	}
}

// runOn runs the command line with stdout into a buffer and stderr to
// errFile, on the fixed clock of testEnv.
func runOn(env map[string]string, errFile *os.File, args ...string) (int, string) {
	var out bytes.Buffer
	status := run(args, &out, errFile, testEnv(env))
	return status, out.String()
}

// importRequests is a CSV of n requests to crisp.
func importRequests(t *testing.T, n int) string {
	var b strings.Builder
	b.WriteString(importHeader)
	for i := range n {
		fmt.Fprintf(&b, "crisp,access,Person %d,p%d@example.org,2026-11-%02d,email,send me my data\n", i, i, 1+i%20)
	}
	return writeFile(t, "requests.csv", b.String())
}

// TestProgressOnATerminalLeavesStdoutAlone: with stderr a terminal, import
// --json and demo draw their bar there (its final line at 100%), while
// stdout is byte for byte what it is when stderr is not a terminal; with
// stderr a file, nothing is written to it.
func TestProgressOnATerminalLeavesStdoutAlone(t *testing.T) {
	personalOnly(t, "the bar is drawn by the command that writes; in team mode the server writes and no bar is drawn")
	file := importRequests(t, 600)
	env := importEnv(t)
	env["TERM"] = "xterm-256color"
	plainErr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer plainErr.Close()
	plainDB := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	status, plain := runOn(env, plainErr, "import", file, "--json", "--db", plainDB)
	if status != 0 || !strings.HasPrefix(plain, `{"requests":600,`) {
		t.Fatalf("import: %d %q", status, plain)
	}
	tty, written := openPty(t)
	ttyDB := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	status, onTTY := runOn(env, tty, "import", file, "--json", "--db", ttyDB)
	if status != 0 || onTTY != plain {
		t.Fatalf("stdout differs with the bar on stderr (%d):\n%q\n%q", status, onTTY, plain)
	}
	bar := written()
	if !strings.Contains(bar, "import: checking") || !strings.Contains(bar, "100%  600 of 600 cases\x1b[K\n") {
		t.Fatalf("no progress bar on the terminal: %q", bar)
	}
	if strings.Contains(bar, `"requests"`) {
		t.Fatal("the JSON reached the terminal's stderr")
	}
	dir := t.TempDir()
	status, out := runOn(env, plainErr, "demo", "--db", filepath.Join(dir, "a.db"), "--cases", "200")
	if status != 0 || !regexp.MustCompile(`^\d+ demo cases written to \S+ in \S+\n$`).MatchString(out) {
		t.Fatalf("demo: %d %q", status, out)
	}
	if info, _ := plainErr.Stat(); info.Size() != 0 {
		b, _ := os.ReadFile(plainErr.Name())
		t.Fatalf("stderr, a file, got %q", b)
	}
	status, out = runOn(env, tty, "demo", "--db", filepath.Join(dir, "b.db"), "--cases", "200")
	if status != 0 || !regexp.MustCompile(`^\d+ demo cases written to \S+ in \S+\n$`).MatchString(out) {
		t.Fatalf("demo with the bar: %d %q", status, out)
	}
	if bar = written(); !strings.Contains(bar, "demo  ") || !strings.Contains(bar, "0%  0 of 200 cases") {
		t.Fatalf("no demo bar: %q", bar)
	}
}

// TestProgressLook: the bar in colour on a colour terminal; without colour
// under NO_COLOR; ASCII and without colour on TERM=vt100 and ASCII under
// LANG=C; each line within the terminal's width.
func TestProgressLook(t *testing.T) {
	colour := regexp.MustCompile(`\x1b\[[0-9;:]*[34]8[;:]`)
	for _, c := range []struct {
		env           map[string]string
		colour, ascii bool
	}{
		{map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "en_GB.UTF-8"}, true, false},
		{map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "yes"}, false, false},
		{map[string]string{"TERM": "vt100", "LANG": "en_GB.UTF-8"}, false, true},
		{map[string]string{"TERM": "xterm-256color", "LANG": "C"}, true, true},
	} {
		tty, written := openPty(t)
		a := &app{stderr: tty, getenv: func(k string) string { return c.env[k] }}
		p := a.newProgress("making the demo database", "cases")
		if p == nil {
			t.Fatal("no progress line on a terminal")
		}
		p.set(150, 300)
		p.finish(true)
		got := written()
		if colour.MatchString(got) != c.colour {
			t.Errorf("%v: colour %v, want %v: %q", c.env, !c.colour, c.colour, got)
		}
		ascii := true
		for _, r := range got {
			ascii = ascii && r < utf8.RuneSelf
		}
		if ascii != c.ascii {
			t.Errorf("%v: ASCII %v, want %v: %q", c.env, ascii, c.ascii, got)
		}
		if c.ascii && !c.colour && !regexp.MustCompile(`^\rmaking the demo database  \[#{10,}\.{10,}\]  50%  150 of 300 cases\x1b\[K\r`).MatchString(got) {
			t.Errorf("%v: no ASCII bar: %q", c.env, got)
		}
	}
	// Narrow terminals: the bar shrinks, then goes; the line never wraps.
	for _, width := range []int{80, 60, 40, 20} {
		var b bytes.Buffer
		p := newProgressLine(&b, "purge: examining closed cases", "cases", width, true, false)
		p.set(1234, 100000)
		line := strings.TrimSuffix(strings.TrimPrefix(b.String(), "\r"), "\x1b[K")
		if ansi.StringWidth(line) >= width || !strings.Contains(line, "purge") || strings.Contains(line, "\x1b") {
			t.Errorf("width %d: %q", width, line)
		}
	}
}

// TestProgressThrottle: a bulk write reporting every case redraws the line
// about ten times a second, always at the start and at the end; a line
// never set and erased writes nothing.
func TestProgressThrottle(t *testing.T) {
	var b bytes.Buffer
	p := newProgressLine(&b, "import", "cases", 80, false, true)
	clock := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	const total = 3000 // one a millisecond: 3 seconds
	for i := 0; i <= total; i++ {
		p.set(i, total)
		clock = clock.Add(time.Millisecond)
	}
	draws := strings.Count(b.String(), "\r")
	if draws < 29 || draws > 32 {
		t.Errorf("%d redraws in 3 seconds, want about 30", draws)
	}
	if !strings.HasPrefix(b.String(), "\rimport  ") || !strings.HasSuffix(b.String(), "100%  3,000 of 3,000 cases\x1b[K") {
		t.Errorf("first or last state not drawn: %q ... %q", b.String()[:40], b.String()[b.Len()-40:])
	}
	b.Reset()
	p.finish(true)
	if b.String() != "\r"+p.line()+"\x1b[K\n" {
		t.Errorf("finish: %q", b.String())
	}
	p.set(1, 2)
	if b.String() != "\r"+p.line()+"\x1b[K\n" {
		t.Error("a finished line was drawn again")
	}
	var quiet bytes.Buffer
	newProgressLine(&quiet, "x", "y", 80, false, true).finish(false)
	if quiet.Len() != 0 {
		t.Errorf("an unused line wrote %q", quiet.String())
	}
	var none *progressLine // stderr not a terminal
	none.set(1, 2)
	none.relabel("x")
	none.finish(true)
	if got := (&app{stderr: io.Discard}).newProgress("x", "y"); got != nil {
		t.Error("a progress line on a stderr that is not a terminal")
	}
}

// TestThousands: counts are grouped by thousands.
func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -5: "-5"} {
		if got := thousands(n); got != want {
			t.Errorf("%d: %q", n, got)
		}
	}
}

// TestDemoDatabaseSaysWhatItMakes: the demo database behind --demo is made
// under a line on the terminal saying so, from its first moment, erased
// before the terminal app takes the screen; made already, nothing is shown.
func TestDemoDatabaseSaysWhatItMakes(t *testing.T) {
	tty, written := openPty(t)
	data := t.TempDir()
	env := map[string]string{"RIGHTSDESK_NOW": "2026-11-22T15:00:00Z", "XDG_DATA_HOME": data, "XDG_CONFIG_HOME": t.TempDir(), "TERM": "xterm-256color"}
	a := &app{stdout: new(bytes.Buffer), stderr: tty, getenv: func(k string) string { return env[k] }}
	a.clock, _ = clockFrom(a.getenv)
	if _, err := a.demoDatabase(); err != nil {
		t.Fatal(err)
	}
	got := written()
	if !strings.HasPrefix(got, "\rmaking the demo database  ") || !strings.Contains(got, "  0%  0 of 300 cases") ||
		!regexp.MustCompile(`100%  3\d\d of 3\d\d cases\x1b\[K\r\x1b\[K$`).MatchString(got) {
		t.Fatalf("no progress line, or not erased at the end: %q", got)
	}
	if _, err := a.demoDatabase(); err != nil {
		t.Fatal(err)
	}
	if again := written(); again != got {
		t.Fatalf("a line for a demo database already made: %q", strings.TrimPrefix(again, got))
	}
}

// BenchmarkProgressSet is the cost of one report to a progress line that
// the throttle does not redraw: what a bulk write pays per report.
func BenchmarkProgressSet(b *testing.B) {
	p := newProgressLine(io.Discard, "import", "cases", 80, false, true)
	p.set(0, 1<<40)
	for i := 0; b.Loop(); i++ {
		p.set(i, 1<<40)
	}
}

// BenchmarkProgressDraw is the cost of one redraw, at most ten a second.
func BenchmarkProgressDraw(b *testing.B) {
	p := newProgressLine(io.Discard, "import", "cases", 80, false, true)
	for i := 0; b.Loop(); i++ {
		p.done, p.total = i%1000, 1000
		p.draw()
	}
}
