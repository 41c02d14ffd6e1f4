// Command bareput is bench/bareput as a process that links nothing else:
// the bare bbolt put with fsync that bench/run measures a durable change
// against.
//
//	bareput [-init -size SIZE] FILE
package main

import (
	"fmt"
	"os"

	"rightsdesk/bench/bareput"
)

func main() {
	if err := bareput.Run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bareput:", err)
		os.Exit(1)
	}
}
