package main

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// imports are the import paths of the non-test Go files of the package in
// dir.
func imports(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			out[path] = true
		}
	}
	if len(out) == 0 {
		t.Fatalf("no imports read in %s", dir)
	}
	return out
}

// The process bench/run measures beside a note links what rightsdesk
// links: every package rightsdesk's main package imports (and so every
// package those import), or its start would be a lighter one than
// rightsdesk's.
func TestLinksWhatRightsdeskLinks(t *testing.T) {
	ours := imports(t, ".")
	for path := range imports(t, filepath.Join("..", "..", "..")) {
		if !ours[path] {
			t.Errorf("rightsdesk imports %s and bench/cmd/bareputlinked does not: add it to its blank imports", path)
		}
	}
}
