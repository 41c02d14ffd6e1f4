package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestCodeShape holds the rooms to the sizes a reader can take in: no
// function outside tests longer than 100 lines, and no type of the terminal
// app with more than 20 fields (a model that grows past that wants a
// component of its own).
func TestCodeShape(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				if lines := fset.Position(x.End()).Line - fset.Position(x.Pos()).Line + 1; lines > 100 {
					t.Errorf("%s: func %s is %d lines (at most 100)", path, x.Name.Name, lines)
				}
			case *ast.TypeSpec:
				st, ok := x.Type.(*ast.StructType)
				if !ok || !strings.HasPrefix(filepath.ToSlash(path), "ui/") {
					return true
				}
				fields := 0
				for _, fl := range st.Fields.List {
					fields += max(1, len(fl.Names))
				}
				if fields > 20 {
					t.Errorf("%s: type %s has %d fields (at most 20 in ui)", path, x.Name.Name, fields)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
