package export

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
)

// Letter is what an approver reads of a packet before it leaves (WORK.md,
// "Approval"): the letter's Markdown and the data copy's files, as the
// packet holds them.
type Letter struct {
	Markdown []byte
	// DataFiles are the paths under data/ in the packet's folder
	// ("orders/orders.csv").
	DataFiles []string
}

// Contents reads the letter and the data copy's index out of the packet's
// zip.
func (pk *Packet) Contents() (*Letter, error) {
	z, err := zip.NewReader(bytes.NewReader(pk.Zip), int64(len(pk.Zip)))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", pk.Name, err)
	}
	out := &Letter{}
	for _, f := range z.File {
		_, inFolder, _ := strings.Cut(f.Name, "/")
		switch {
		case inFolder == "letter.md":
			r, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("read %s in %s: %w", f.Name, pk.Name, err)
			}
			out.Markdown, err = io.ReadAll(r)
			r.Close()
			if err != nil {
				return nil, fmt.Errorf("read %s in %s: %w", f.Name, pk.Name, err)
			}
		case strings.HasPrefix(inFolder, "data/") && !strings.HasSuffix(inFolder, "/"):
			out.DataFiles = append(out.DataFiles, path.Clean(strings.TrimPrefix(inFolder, "data/")))
		}
	}
	if out.Markdown == nil {
		return nil, fmt.Errorf("%s holds no letter.md", pk.Name)
	}
	return out, nil
}
