// Command bareputlinked is the bare put of bench/bareput in a process that
// links every package rightsdesk's main package imports, and with them
// every package rightsdesk links: the same put, from a process that starts
// as rightsdesk's does (its size, its packages' initialisation), and does
// nothing else of rightsdesk's. bench/run times it beside a note and the
// plain bareput, so that the durable change's ratio can also be read
// against a process of rightsdesk's own weight. TestLinksWhatRightsdeskLinks
// fails when rightsdesk's main package imports a package this one does not.
//
//	bareputlinked [-init -size SIZE] FILE
package main

import (
	"fmt"
	"os"

	"rightsdesk/bench/bareput"

	// Every import of rightsdesk's main package (package rightsdesk at the
	// root of the repository), for its initialisation and its weight.
	_ "archive/zip"
	_ "bufio"
	_ "bytes"
	_ "charm.land/bubbles/v2/progress"
	_ "charm.land/bubbletea/v2"
	_ "context"
	_ "crypto/sha256"
	_ "encoding/hex"
	_ "encoding/json"
	_ "errors"
	_ "github.com/BurntSushi/toml"
	_ "github.com/charmbracelet/colorprofile"
	_ "github.com/charmbracelet/x/ansi"
	_ "github.com/charmbracelet/x/term"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/pflag"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/mod/sumdb/note"
	_ "golang.org/x/sys/unix"
	_ "io"
	_ "io/fs"
	_ "maps"
	_ "net"
	_ "os/exec"
	_ "os/signal"
	_ "os/user"
	_ "path/filepath"
	_ "rightsdesk/cases"
	_ "rightsdesk/cases/demo"
	_ "rightsdesk/cases/register"
	_ "rightsdesk/etcdstore"
	_ "rightsdesk/export"
	_ "rightsdesk/server"
	_ "rightsdesk/storage"
	_ "rightsdesk/storage/kv"
	_ "rightsdesk/ui"
	_ "runtime"
	_ "runtime/debug"
	_ "slices"
	_ "strconv"
	_ "strings"
	_ "sync"
	_ "sync/atomic"
	_ "syscall"
	_ "time"
	_ "unsafe"
)

func main() {
	if err := bareput.Run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bareputlinked:", err)
		os.Exit(1)
	}
}
