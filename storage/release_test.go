package storage

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"rightsdesk/storage/kv"
)

// mappedKB is how much of the file at path the process has mapped in
// memory now (the Rss of its mappings in /proc/self/smaps).
func mappedKB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kb, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			in = fields[len(fields)-1] == path
		case in && fields[0] == "Rss:":
			n, _ := strconv.Atoi(fields[1])
			kb += n
		}
	}
	return kb
}

// TestLongReadsLetGoOfMappedPages: the pages of the file a long read has
// touched (and those the kernel mapped around them) are no longer held by
// the process once the read lets go of them, and the rows still read the
// same afterwards: what keeps the app's peak memory to what it decodes,
// not the file's pages it passed through.
func TestLongReadsLetGoOfMappedPages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("fault-around and MADV_DONTNEED are Linux's")
	}
	s, _ := mixedStore(t, 600, 0, 1)
	err := s.view(func(tx kv.Tx) error {
		rows := tx.Bucket(bucketRows)
		var first []byte
		if err := rows.ForEach(func(k, v []byte) error {
			if first == nil {
				first = v
			}
			return nil
		}); err != nil {
			return err
		}
		touched := mappedKB(t, s.Path())
		want := string(first)
		pages := pageRelease{tx: tx}
		pages.release()
		t.Logf("%d KB mapped", touched)
		if left := mappedKB(t, s.Path()); touched < 64 || left > touched/8 {
			t.Errorf("reading every row mapped %d KB of the file, %d KB still mapped after the release", touched, left)
		}
		if string(first) != want {
			t.Error("a row read before the release reads otherwise after it")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
