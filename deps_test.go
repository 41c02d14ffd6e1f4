package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoHeavyInitInTheBinary: Go runs every linked package's init before
// main, whatever the command, so a package linked for one screen is paid by
// every `list`, `note` and start of the app. These were measured (GODEBUG=
// inittrace=1) at ~35 ms before main together: glamour's syntax highlighter
// (chroma: lexers and styles ~25 ms), its HTML sanitiser (bluemonday ~7 ms)
// and Markdown parser (goldmark ~4 ms); cobra/doc's Markdown (blackfriday)
// and YAML made 240 KB of the ~840 KB all inits allocated. The approval
// screen draws the letter with the letter's own parser (export.ParseMarkdown)
// and `man` writes its roff itself (cmd_man.go) instead.
func TestNoHeavyInitInTheBinary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, heavy := range []string{"charm.land/glamour", "github.com/alecthomas/chroma", "github.com/microcosm-cc/bluemonday",
			"github.com/yuin/goldmark", "github.com/spf13/cobra/doc", "github.com/russross/blackfriday"} {
			if pkg == heavy || strings.HasPrefix(pkg, heavy+"/") {
				t.Errorf("the binary links %s: its package init costs every command before main", pkg)
			}
		}
	}
}
