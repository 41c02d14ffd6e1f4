package main

import (
	"os/exec"
	"slices"
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

// TestClipboardStandIn: go.mod replaces github.com/atotto/clipboard, whose
// init searched $PATH in every process, with third_party/clipboard, which
// searches on the first paste; its own tests (run here, as `go test ./...`
// does not enter a nested module) check that it behaves as the original.
func TestClipboardStandIn(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{with .Replace}}{{.Path}}{{end}}", "github.com/atotto/clipboard").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -m: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "./third_party/clipboard" {
		t.Fatalf("github.com/atotto/clipboard is replaced by %q, want ./third_party/clipboard", got)
	}
	if testing.Short() {
		return
	}
	cmd := exec.Command("go", "test", "-count=1", ".")
	cmd.Dir = "third_party/clipboard"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test in third_party/clipboard: %v\n%s", err, out)
	}
}

// TestNoEtcdServerNorGRPCInTheBinary: the team server's etcd client
// (etcdkv) speaks etcd's JSON gateway over net/http, because linking etcd's
// own client, with gRPC and protobuf, made a hello-world start in 24.2 ms
// instead of 6.0 (15-18 ms of package init, measured for issue 21). The
// etcd server the tests run their clusters on must stay in test files and
// internal/etcdtest, which only tests import.
func TestNoEtcdServerNorGRPCInTheBinary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".", "./etcdkv", "./etcdstore").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	pkgs := strings.Fields(string(out))
	for _, pkg := range pkgs {
		for _, heavy := range []string{"google.golang.org/grpc", "google.golang.org/protobuf", "google.golang.org/genproto",
			"go.etcd.io/etcd", "github.com/grpc-ecosystem", "github.com/golang/protobuf", "github.com/gogo/protobuf"} {
			if pkg == heavy || strings.HasPrefix(pkg, heavy+"/") {
				t.Errorf("the binary, etcdkv or etcdstore links %s: its package init costs every command before main", pkg)
			}
		}
	}
	for _, want := range []string{"rightsdesk/etcdkv", "rightsdesk/etcdstore"} {
		if !slices.Contains(pkgs, want) {
			t.Fatalf("go list did not list %s: the check looked at nothing", want)
		}
	}
}
