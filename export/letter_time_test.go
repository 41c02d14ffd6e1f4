package export

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLettersGiveNoTimeWithoutItsZone: the letters (the golden ones, one
// per kind and outcome for each organisation) give dates as civil dates;
// any time of day they give carries its zone, as the app and show do.
func TestLettersGiveNoTimeWithoutItsZone(t *testing.T) {
	clock := regexp.MustCompile(`\b\d{1,2}:\d{2}(?::\d{2})?\b( [A-Z]{2,5}\b| [+-]\d{2,4}\b)?`)
	letters := 0
	err := filepath.WalkDir(filepath.Join("testdata", "golden"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		letters++
		for _, m := range clock.FindAllStringSubmatch(string(b), -1) {
			if m[1] == "" {
				t.Errorf("%s: the time %q without its zone", path, m[0])
			}
		}
		return nil
	})
	if err != nil || letters == 0 {
		t.Fatalf("%d letters read: %v", letters, err)
	}
}
