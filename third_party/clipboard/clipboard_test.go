package clipboard

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestChooseTakesTheFirstInstalledHelper(t *testing.T) {
	for _, tc := range []struct {
		wayland   bool
		installed []string
		paste     string // the program that reads; "" for none
		crlf      bool
	}{
		{false, []string{"xclip", "xsel"}, "xclip", false},
		{false, []string{"xsel"}, "xsel", false},
		{true, []string{"wl-copy", "wl-paste", "xclip"}, "wl-paste", false},
		{true, []string{"wl-copy", "xclip"}, "xclip", false}, // Wayland's needs both programs
		{false, []string{"wl-copy", "wl-paste"}, "", false},  // no Wayland display
		{false, []string{"termux-clipboard-get"}, "", false},
		{false, []string{"termux-clipboard-get", "termux-clipboard-set"}, "termux-clipboard-get", false},
		{false, []string{"clip.exe", "powershell.exe"}, "powershell.exe", true},
		{false, nil, "", false},
	} {
		h := choose(tc.wayland, func(name string) bool { return slices.Contains(tc.installed, name) })
		switch {
		case tc.paste == "" && h != nil:
			t.Errorf("wayland %v, installed %v: chose %v, want none", tc.wayland, tc.installed, h.paste)
		case tc.paste != "" && (h == nil || h.paste[0] != tc.paste || h.crlf != tc.crlf):
			t.Errorf("wayland %v, installed %v: chose %+v, want %s (crlf %v)", tc.wayland, tc.installed, h, tc.paste, tc.crlf)
		}
	}
}

// TestReadAndWriteThroughTheHelperFoundOnFirstUse installs a fake xclip
// after the package's init has run: the original package looked it up in
// init and would say Unsupported.
func TestReadAndWriteThroughTheHelperFoundOnFirstUse(t *testing.T) {
	dir := t.TempDir()
	written := filepath.Join(dir, "written")
	script := "#!/bin/sh\ncase \"$1\" in -out) printf 'from the clipboard' ;; -in) exec /bin/cat >" + written + " ;; *) exit 9 ;; esac\n"
	if err := os.WriteFile(filepath.Join(dir, "xclip"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	t.Setenv("WAYLAND_DISPLAY", "")
	got, err := ReadAll()
	if err != nil || got != "from the clipboard" {
		t.Fatalf("ReadAll = %q, %v; want the fake xclip's text", got, err)
	}
	if err := WriteAll("to the clipboard"); err != nil {
		t.Fatalf("WriteAll: %v", err)
	}
	if b, err := os.ReadFile(written); err != nil || string(b) != "to the clipboard" {
		t.Fatalf("the fake xclip was given %q, %v", b, err)
	}
	if Unsupported {
		t.Error("Unsupported is set with xclip installed")
	}
}
