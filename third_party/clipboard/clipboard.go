// Package clipboard stands in for github.com/atotto/clipboard (go.mod
// replaces that module with this folder): the same API, read and write the
// system clipboard through a helper program, but the helper is looked up
// on the first read or write, not in an init function.
//
// bubbles' text fields link the original for paste, so its init ran in
// every rightsdesk process: four or more searches of $PATH (xclip, xsel,
// termux, clip.exe), about 0.5 ms and 216 allocations before main, for a
// `note` or a `list` that never pastes (issue 20).
package clipboard

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Primary, when set before the first read or write, uses the helper with
// no arguments (on X11 with xclip or xsel: the primary selection).
var Primary bool

// Unsupported is set once the first read or write has found no helper
// program; it is false before that.
var Unsupported bool

// ReadAll returns the clipboard's text.
func ReadAll() (string, error) {
	h, err := found()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(h.paste[0], h.paste[1:]...).Output()
	if err != nil {
		return "", err
	}
	s := string(out)
	if h.crlf {
		s = strings.TrimSuffix(s, "\r\n")
	}
	return s, nil
}

// WriteAll puts text on the clipboard.
func WriteAll(text string) error {
	h, err := found()
	if err != nil {
		return err
	}
	cmd := exec.Command(h.copy[0], h.copy[1:]...)
	cmd.Stdin = strings.NewReader(text)
	return cmd.Run()
}

var errNoHelper = errors.New("no clipboard program found: install xclip, xsel, wl-clipboard or Termux:API")

// helper is the pair of commands that read and write the clipboard; crlf
// when what is read ends with a Windows line end to drop.
type helper struct {
	paste, copy []string
	crlf        bool
}

var (
	once   sync.Once
	chosen *helper
)

// found is the helper of this system, looked up once.
func found() (*helper, error) {
	once.Do(func() {
		chosen = choose(os.Getenv("WAYLAND_DISPLAY") != "", func(name string) bool {
			_, err := exec.LookPath(name)
			return err == nil
		})
		if chosen == nil {
			Unsupported = true
			return
		}
		if Primary {
			chosen.paste, chosen.copy = chosen.paste[:1], chosen.copy[:1]
		}
	})
	if chosen == nil {
		return nil, errNoHelper
	}
	return chosen, nil
}

// choose picks the first helper whose programs are all installed, in the
// order the original package tries them: Wayland's (when a Wayland display
// is set), xclip, xsel, Termux's, then Windows' from WSL; nil when none is.
func choose(wayland bool, installed func(name string) bool) *helper {
	candidates := []helper{
		{paste: []string{"xclip", "-out", "-selection", "clipboard"}, copy: []string{"xclip", "-in", "-selection", "clipboard"}},
		{paste: []string{"xsel", "--output", "--clipboard"}, copy: []string{"xsel", "--input", "--clipboard"}},
		{paste: []string{"termux-clipboard-get"}, copy: []string{"termux-clipboard-set"}},
		{paste: []string{"powershell.exe", "Get-Clipboard"}, copy: []string{"clip.exe"}, crlf: true},
	}
	if wayland {
		candidates = append([]helper{{paste: []string{"wl-paste", "--no-newline"}, copy: []string{"wl-copy"}}}, candidates...)
	}
	for _, c := range candidates {
		if installed(c.paste[0]) && installed(c.copy[0]) {
			return &c
		}
	}
	return nil
}
