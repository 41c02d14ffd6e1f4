package cases

import "testing"

// Every ground a screen can show has words: a ground added without them
// would be shown as a bare slug.
func TestGroundWordsCoverEveryGround(t *testing.T) {
	for _, g := range append(Slugs(Grounds), NotPortableGrounds...) {
		if GroundWords(g) == "" {
			t.Errorf("ground %s has no words", g)
		}
	}
	if got := GroundLabel(string(GroundArt17_3b)); got != "art17-3-b (a legal obligation)" {
		t.Errorf("label: %q", got)
	}
	if got := GroundLabel("unknown"); got != "unknown" {
		t.Errorf("unknown label: %q", got)
	}
}
