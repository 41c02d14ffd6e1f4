package cases

import (
	"fmt"
	"testing"
	"time"
)

func filterRows() []Summary {
	return []Summary{
		{ID: "DSR-2026-000001", Controller: "crisp", Right: RightAccess, Status: StatusNew, SubjectName: "Grażyna Woźniak", Email: "grazyna@example.org"},
		{ID: "DSR-2026-000002", Controller: "closeq", Right: RightErasure, Status: StatusInProgress, SubjectName: "Jan Kowalski", Email: "jan@example.org", Tags: []string{"wozniak-family"}},
		{ID: "DSR-2026-000003", Controller: "crisp", Right: RightAccess, Status: StatusNew, SubjectName: "Anna Wozniakowska", Email: "anna@example.org"},
		{ID: "DSR-2026-000004", Controller: "callrix", Right: RightObjection, Status: StatusClosed, SubjectName: "Walter Ozniak", Email: "w.o@example.net", Assignee: "marc"},
		{ID: "DSR-2026-000005", Controller: "crisp", Right: RightAccess, Status: StatusNew, SubjectName: "Zoé Lefèvre", Email: "zoe@example.org"},
	}
}

func TestFilterRanking(t *testing.T) {
	ix := NewFilterIndex(filterRows())
	ids := func(q string) string {
		r, _ := ix.Match(q, nil)
		out := ""
		for _, i := range r {
			out += fmt.Sprint(i + 1)
		}
		return out
	}
	cases := []struct{ query, want string }{
		// The whole word in the name, then a word start, then a tag, then a loose match.
		{"wozniak", "1324"},
		{"Woźniak", "1324"},
		{"lefevre", "5"},
		{"crisp access", "135"},
		{"marc", "4"},
		{"nothing-like-it", ""},
		{"", "12345"},
	}
	for _, c := range cases {
		if got := ids(c.query); got != c.want {
			t.Errorf("%q: rows %s, want %s", c.query, got, c.want)
		}
	}
	// Loose (fuzzy) matches come after the real ones.
	if got := ids("zoe"); len(got) < 1 || got[0] != '5' {
		t.Errorf("zoe: %s, want row 5 first", got)
	}
	if _, exact := ix.Match("dsr-2026-000004", nil); exact != 3 {
		t.Errorf("an exact ID must jump to its row: %d", exact)
	}
	// A letter left out still finds the name, after the real matches; two
	// letters, or letters scattered over the whole line, do not match loosely.
	if got := ids("kowlski"); got != "2" {
		t.Errorf("kowlski: %s, want row 2", got)
	}
	if got := ids("zf"); got != "" {
		t.Errorf("zf matches nothing as two letters apart: %s", got)
	}
	if got := ids("gnkrg"); got != "" {
		t.Errorf("letters scattered over the line must not match: %s", got)
	}
	r, _ := ix.Match("wozniak", func(i int) bool { return i != 0 })
	if len(r) != 3 || r[0] != 2 {
		t.Errorf("keep: %v", r)
	}
}

func TestFoldAsTyped(t *testing.T) {
	for in, want := range map[string]string{
		"Grażyna Woźniak":        "grazyna wozniak",
		"Σταυρούλα Χριστοδούλου": "σταυρουλα χριστοδουλου",
		"Νικόλαος Παπαδάκης":     "νικολαοσ παπαδακησ", // the final sigma as any other,
		"Jörg Weiß":              "jorg weiss",
		"Ægir Þórsson":           "aegir thorsson",
		"Ștefan Țăranu":          "stefan taranu",
		"Bős Ű":                  "bos u",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLooseMatch(t *testing.T) {
	for _, c := range []struct {
		s, w string
		want bool
	}{
		{"jan kowalski jan@example.org", "kowlski", true},
		{"jan kowalski jan@example.org", "kwski", true},
		{"grazyna wozniak grazyna@example.org", "wzniak", true},
		{"grazyna wozniak grazyna@example.org", "gznkrg", false}, // in order, but over the whole line
		{"grazyna wozniak grazyna@example.org", "zxy", false},
		{"σταυρουλα χριστοδουλου", "χρστ", true},
		{"ab", "abc", false},
	} {
		if got := looseMatch(c.s, c.w); got != c.want {
			t.Errorf("looseMatch(%q, %q) = %v", c.s, c.w, got)
		}
	}
}

func BenchmarkFilter100k(b *testing.B) {
	rows := make([]Summary, 100_000)
	names := []string{"Grażyna Woźniak", "Jan Kowalski", "Zoé Lefèvre", "Eléni Ioánnou", "Sofie Peeters"}
	for i := range rows {
		rows[i] = Summary{ID: fmt.Sprintf("DSR-2026-%06d", i+1), Controller: "crisp", Right: RightAccess, Status: StatusNew,
			SubjectName: fmt.Sprintf("%s %d", names[i%5], i), Email: fmt.Sprintf("s%d@example.org", i), ReceivedAt: time.Unix(int64(i), 0)}
	}
	ix := NewFilterIndex(rows)
	for b.Loop() {
		ix.Match("kowal", nil)
	}
}

// TestFuzzyTierScoredByFuzzyAlone holds the loose tier to sahilm/fuzzy's
// scores, word by word: the tighter spelling ranks first whatever the
// urgency order, and a row whose words match apart and out of order (which
// a single fuzzy pattern over the joined words cannot match) still ranks,
// by its words' scores, instead of falling to the bottom unscored.
func TestFuzzyTierScoredByFuzzyAlone(t *testing.T) {
	rows := []Summary{
		{ID: "A", SubjectName: "Jan Kowalewski"},
		{ID: "B", SubjectName: "Jan Kowalski"},
		{ID: "C", SubjectName: "Kowalski Anna"},
	}
	ix := NewFilterIndex(rows)
	ranked, _ := ix.Match("kowlski", nil)
	if len(ranked) != 3 || ranked[0] == 0 {
		t.Errorf("kowlski: %v, want the closer Kowalski spellings before Kowalewski", ranked)
	}
	ranked, _ = ix.Match("anna kowlski", nil)
	if len(ranked) != 1 || ranked[0] != 2 {
		t.Errorf("anna kowlski: %v, want row C, its words matched apart", ranked)
	}
	// Two rows alike but for the order of their words: each is scored, so
	// the tie goes to urgency (row order), not to the one whose words
	// happen to follow the query's order.
	ix = NewFilterIndex([]Summary{{ID: "X", SubjectName: "Kowalski Anna"}, {ID: "Y", SubjectName: "Anna Kowalski"}})
	ranked, _ = ix.Match("anna kowlski", nil)
	if len(ranked) != 2 || ranked[0] != 0 {
		t.Errorf("anna kowlski: %v, want the more urgent row X first", ranked)
	}
}
