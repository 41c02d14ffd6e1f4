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

// ranks is the rows (numbered from 1) ix ranks for q, as a string.
func ranks(ix *FilterIndex, q string) string {
	r, _ := ix.Match(q, nil)
	out := ""
	for _, i := range r {
		out += fmt.Sprint(i + 1)
	}
	return out
}

func TestFilterRanking(t *testing.T) {
	ix := NewFilterIndex(filterRows())
	cases := []struct{ query, want string }{
		// The whole word in the name, then a word start, then a tag;
		// Walter Ozniak is not a Woźniak (the W is not his surname's).
		{"wozniak", "132"},
		{"Woźniak", "132"},
		{"lefevre", "5"},
		{"crisp access", "135"},
		{"closeq", "2"},
		{"nothing-like-it", ""},
		{"", "12345"},
		// An assignee's name is a filter term, not a word: a colleague
		// called Marc is not a subject called Marc.
		{"marc", ""},
		{"@marc", "4"},
		{"zoe", "5"},
	}
	for _, c := range cases {
		if got := ranks(ix, c.query); got != c.want {
			t.Errorf("%q: rows %s, want %s", c.query, got, c.want)
		}
	}
	if _, exact := ix.Match("dsr-2026-000004", nil); exact != 3 {
		t.Errorf("an exact ID must jump to its row: %d", exact)
	}
	// A letter left out still finds the name; two letters, or letters
	// scattered over the whole line, do not match loosely.
	if got := ranks(ix, "kowlski"); got != "2" {
		t.Errorf("kowlski: %s, want row 2", got)
	}
	if got := ranks(ix, "zf"); got != "" {
		t.Errorf("zf matches nothing as two letters apart: %s", got)
	}
	if got := ranks(ix, "gnkrg"); got != "" {
		t.Errorf("letters scattered over the line must not match: %s", got)
	}
	r, _ := ix.Match("wozniak", func(i int) bool { return i != 0 })
	if len(r) != 2 || r[0] != 2 {
		t.Errorf("keep: %v", r)
	}
}

// TestFilterQualityThenRowOrder: rows rank by the quality of their match
// in tiers (a word or a word's start, inside a word, a label, loose), and
// within a tier in the rows' own order (urgency): a closed Zofia Wójcik
// does not rank above an overdue Zofia Wójcikowska, nor a closed Petrou
// above an open one whose name is in Greek and whose e-mail has a number
// after it; a look-alike is not a match at all.
func TestFilterQualityThenRowOrder(t *testing.T) {
	rows := []Summary{ // in urgency order: the overdue ones first
		{ID: "DSR-2026-000001", SubjectName: "Zofia Wójcikowska", Email: "zw@example.org"},
		{ID: "DSR-2026-000002", SubjectName: "Παναγιώτης Πέτρου", Email: "panagiotis.petrou236@example.org"},
		{ID: "DSR-2026-000003", SubjectName: "Jan Nowak", Assignee: "zofia"},
		{ID: "DSR-2026-000004", SubjectName: "Zosia Fiałkowska", Email: "zf@example.org"},
		{ID: "DSR-2026-000005", SubjectName: "Zofia Wójcik", Email: "zofia.wojcik83@example.com", Status: StatusClosed},
		{ID: "DSR-2026-000006", SubjectName: "Michális Pétrou", Status: StatusClosed},
		{ID: "DSR-2026-000007", SubjectName: "Mikołaj Szymański", Email: "m.szymanski@example.org", Assignee: "zofia", Status: StatusClosed},
		{ID: "DSR-2026-000008", SubjectName: "Sofia Zofiaki", Status: StatusClosed},
	}
	ix := NewFilterIndex(rows)
	for _, c := range []struct{ query, want string }{
		// Every word's start in row order; the inside of a word after.
		{"zofia", "158"},
		{"wojcik", "15"},
		{"petrou", "26"},
		{"ofia", "158"},
		{"fia", "4158"}, // the start of Fiałkowska, then the inside of Zofia
		{"83", "5"},
		// Every word must match, the weakest deciding the tier.
		{"zof wojcik", "15"},
		{"sofia zofia", "8"},
		{"zofia ofia", "158"},
		{"wojcik 83", "5"},
		{"@zofia", "37"},
		{"@zofia jan", "3"},
		{"@zo mik", "7"},
	} {
		if got := ranks(ix, c.query); got != c.want {
			t.Errorf("%q: rows %s, want %s", c.query, got, c.want)
		}
	}
	// Loose matches rank after every real one, the fewer letters left out
	// first, then in row order.
	ix = NewFilterIndex([]Summary{
		{ID: "A", SubjectName: "Jan Kowaliski"},  // kowlski: two letters left out
		{ID: "B", SubjectName: "Ola Kowalski"},   // one
		{ID: "C", SubjectName: "Kowlski Marta"},  // the word itself
		{ID: "D", SubjectName: "Jan Kowalewski"}, // three: too many for seven letters
		{ID: "E", SubjectName: "Anna Kowalski"},  // one
	})
	if got := ranks(ix, "kowlski"); got != "3251" {
		t.Errorf("kowlski: %s, want 3251", got)
	}
	if got := ranks(ix, "anna kowlski"); got != "5" {
		t.Errorf("anna kowlski: %s, want 5", got)
	}
}

// TestFilterShortQueries: one or two letters match only the start of a
// word of the name, e-mail, ID, organisation or an identifier; not the
// inside of words, nor rights, statuses and tags, nor loosely.
func TestFilterShortQueries(t *testing.T) {
	ix := NewFilterIndex([]Summary{
		{ID: "DSR-2026-000001", SubjectName: "Anna Nowak", Controller: "crisp"},
		{ID: "DSR-2026-000002", SubjectName: "Jan Thomas", Email: "jt@example.org", Right: RightAccess, Tags: []string{"manual"}},
		{ID: "DSR-2026-000003", SubjectName: "Marta Lis", Status: StatusAwaitingID},
		{ID: "DSR-2026-000004", SubjectName: "Łukasz Ma", Controller: "callrix"},
		{ID: "DSR-2026-000005", SubjectName: "Eléni Ioánnou", Email: "eleni@example.net"},
	})
	for _, c := range []struct{ query, want string }{
		{"an", "1"},  // Anna, not jAN, thomAs, mANual or ioANnou
		{"ma", "34"}, // Marta, the word Ma; not thoMAs
		{"m", "34"},
		{"ł", "34"}, // folded: Lis, Łukasz
		{"ca", "4"}, // callrix, not the status's "awaiting"
		{"cr", "1"},
		{"01", ""}, // inside the IDs' number, which starts 00
		{"io", "5"},
		{"nn", ""},
		{"acc", "2"}, // three letters: the right's label
		{"nna", "1"}, // three letters: inside a word
	} {
		if got := ranks(ix, c.query); got != c.want {
			t.Errorf("%q: rows %s, want %s", c.query, got, c.want)
		}
	}
}

// TestFilterTerms: @NAME, #TAG and id:VALUE filter by a prefix of the
// assignee, a tag, an identifier (its value or TYPE=VALUE) or the case
// ID, case and accents aside; each must hold, words rank what is left.
func TestFilterTerms(t *testing.T) {
	ix := NewFilterIndex([]Summary{
		{ID: "DSR-2026-000001", SubjectName: "Zofia Nowak", Assignee: "anna", Tags: []string{"urgent", "vip"},
			Identifiers: []string{"customer=C-1042"}},
		{ID: "DSR-2026-000002", SubjectName: "Zofia Wójcik", Assignee: "andrzej", Tags: []string{"legal-hold"},
			Identifiers: []string{"account=A-77", "customer=C-1043"}},
		{ID: "DSR-2026-000003", SubjectName: "Jan Kowalski", Assignee: "Anna", Tags: []string{"urgent"}},
		{ID: "DSR-2026-000004", SubjectName: "Anna Ćwik", Tags: []string{"Éligible"}},
	})
	for _, c := range []struct{ query, want string }{
		{"@anna", "13"},
		{"@ANNA", "13"},
		{"@an", "123"},
		{"@anna zofia", "1"},
		{"zofia @anna", "1"},
		{"anna", "4"}, // a word: the subject, not the assignee
		{"#urgent", "13"},
		{"#urg @anna kowalski", "3"},
		{"#hold", ""}, // a tag's start, not its inside
		{"#legal", "2"},
		{"#eligible", "4"},
		{"id:C-1042", "1"},
		{"id:c-104", "12"},
		{"id:customer=c-1043", "2"},
		{"id:a-7", "2"},
		{"id:DSR-2026-000003", "3"},
		{"id:1042", ""}, // a prefix of the value, not its inside
		{"id:C-1042 wojcik", ""},
		// Typed so far: the prefix alone filters nothing yet.
		{"@", "1234"},
		{"id:", "1234"},
		{"# zofia", "12"},
	} {
		if got := ranks(ix, c.query); got != c.want {
			t.Errorf("%q: rows %s, want %s", c.query, got, c.want)
		}
	}
}

// TestFilterFindsIdentifiers: an identifier's value is a word of the case
// as its name is: exact or by its start, case aside; the identifier's type
// is not (every case with a customer number would match "customer").
func TestFilterFindsIdentifiers(t *testing.T) {
	rows := []Summary{
		{ID: "DSR-2026-000001", SubjectName: "Zofia Nowak", Identifiers: []string{"customer=C-1042"}},
		{ID: "DSR-2026-000002", SubjectName: "Jan Kowalski", Identifiers: []string{"account=AB-9931", "customer=C-2001"}},
		{ID: "DSR-2026-000003", SubjectName: "Anna Ćwik"},
	}
	ix := NewFilterIndex(rows)
	for _, c := range []struct{ query, want string }{
		{"C-1042", "1"},
		{"c-1042", "1"},
		{"c-10", "1"},
		{"c-", "12"},
		{"1042", "1"},
		{"ab-99", "2"},
		{"customer", ""},
		{"account", ""},
	} {
		if got := ranks(ix, c.query); got != c.want {
			t.Errorf("%q: rows %s, want %s", c.query, got, c.want)
		}
	}
	if !QueryMatches(&rows[1], "ab-9931") || QueryMatches(&rows[2], "ab-9931") {
		t.Error("list --query finds a case by an identifier's value, and only that case")
	}

	// Summarize carries the identifiers as TYPE=VALUE, in the order of
	// their types, corrections applied.
	c := newCase(t, RightAccess, nil)
	c.Subject.Identifiers = map[string]string{"customer": "C-1", "account": "A-7"}
	sum := Summarize(c, state(t, c, 1), 1)
	if fmt.Sprint(sum.Identifiers) != "[account=A-7 customer=C-1]" {
		t.Errorf("identifiers %q", sum.Identifiers)
	}
	record(t, c, 1, Event{Kind: EventCorrected, Field: "identifier", Value: "customer=C-2", Reason: "mistyped"})
	sum = Summarize(c, state(t, c, 1), 2)
	if fmt.Sprint(sum.Identifiers) != "[account=A-7 customer=C-2]" {
		t.Errorf("identifiers after the correction %q", sum.Identifiers)
	}
	if bare := newCase(t, RightAccess, nil); Summarize(bare, state(t, bare, 1), 1).Identifiers != nil {
		t.Error("a case without identifiers has none in its summary")
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
		{"jan kowalski jan@example.org", "kwski", false},    // three left out of five
		{"jan kowalski jan@example.org", "owlski", false},   // not from the word's start
		{"zosia fialkowska zf@example.org", "zofia", false}, // across two words
		{"c-10432", "c-1042", false},                        // a number mistyped is another number
		{"grazyna wozniak grazyna@example.org", "wzniak", true},
		{"grazyna wozniak grazyna@example.org", "gznkrg", false}, // in order, but over the whole line
		{"grazyna wozniak grazyna@example.org", "wozk", false},   // four letters: one left out at most
		{"grazyna wozniak grazyna@example.org", "woznak", true},
		{"σταυρουλα χριστοδουλου", "χρστ", true},
		{"ab", "abc", false},
	} {
		w := newWord(c.w)
		if _, got := looseMatch(c.s, w.text, w.loose); (w.loose > 0 && got) != c.want {
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

// TestFilterFindsTheShortForms: the words the queue's narrow columns show
// (erase, working, not sent) find their cases as the full words do.
func TestFilterFindsTheShortForms(t *testing.T) {
	ix := NewFilterIndex([]Summary{
		{ID: "DSR-2026-000001", SubjectName: "Zofia Nowak", Right: RightErasure, Status: StatusInProgress},
		{ID: "DSR-2026-000002", SubjectName: "Jan Kowalski", Right: RightRectification, Status: StatusNew},
		{ID: "DSR-2026-000003", SubjectName: "Anna Ćwik", Right: RightAutomatedDecision, Status: StatusAwaitingID},
	})
	for _, c := range []struct{ query, want string }{
		{"erasure", "1"}, {"erase", "1"}, {"working", "1"}, {"rectify", "2"}, {"auto-dec", "3"}, {"wait", "3"},
		{"erase working", "1"}, {"erase new", ""},
	} {
		if got := ranks(ix, c.query); got != c.want {
			t.Errorf("%q: rows %s, want %s", c.query, got, c.want)
		}
	}
}
