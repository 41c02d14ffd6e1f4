package cases

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

// FilterIndex is what the queue filter and list --query search: for each
// summary of an immutable snapshot, its name and e-mail, and the rest of its
// searchable text (ID, organisation, right, status, tags, assignee), folded
// (lower case, accents removed) so that "wozniak" finds "Woźniak".
type FilterIndex struct {
	rows []Summary
	// ids is the rows' IDs apart: the exact-ID test reads 16 bytes a row
	// instead of striding through whole summaries.
	ids  []string
	name []string
	rest []string
}

// NewFilterIndex indexes rows (in urgency order); it keeps the slice, which
// must not change afterwards.
func NewFilterIndex(rows []Summary) *FilterIndex {
	ix := &FilterIndex{rows: rows, ids: make([]string, len(rows)), name: make([]string, len(rows)), rest: make([]string, len(rows))}
	for i := range rows {
		s := &rows[i]
		ix.ids[i] = s.ID
		ix.name[i] = Fold(s.SubjectName + " " + s.Email)
		ix.rest[i] = Fold(strings.Join([]string{s.ID, s.Controller, string(s.Right), string(s.Status),
			strings.Join(s.Tags, " "), s.Assignee}, " "))
	}
	return ix
}

// PlainLetter is the unaccented letter of an accented Latin or Greek one
// (é -> e, ά -> α), and whether r has one: the folding Fold does, one
// letter at a time, for callers that keep the case.
func PlainLetter(r rune) (rune, bool) {
	plain, ok := latinFold[r]
	return plain, ok
}

// Len is the number of rows indexed.
func (ix *FilterIndex) Len() int { return len(ix.rows) }

// Fold lowers s and removes the accents of Latin and Greek letters, and
// spells out ß, æ, œ and þ, so that what is typed on any keyboard finds
// the name as written.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if plain, ok := latinFold[r]; ok {
			r = plain
		} else if spelled, ok := spelledFold[r]; ok {
			b.WriteString(spelled)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Match ranks the rows that keep[i] allows (nil: all) against query:
// every word of the query must match. Whole words, then word starts, then
// substrings of the name or e-mail rank first, then substrings elsewhere,
// then looser fuzzy matches of the name and e-mail; urgency order (the
// rows' order) breaks ties. exact is the row whose ID is the query, or -1.
//
// A loose match is a word of three letters or more whose letters appear in
// order within a short stretch of the name or e-mail (a letter or two
// left out, as in "kowlski"); only those few are scored by sahilm/fuzzy.
// Shorter words and letters scattered over the whole line match nearly
// every row and would say nothing.
func (ix *FilterIndex) Match(query string, keep func(i int) bool) (ranked []int, exact int) {
	exact = -1
	words := strings.Fields(Fold(query))
	if len(words) == 0 {
		for i := range ix.rows {
			if keep == nil || keep(i) {
				ranked = append(ranked, i)
			}
		}
		return ranked, exact
	}
	q := strings.ToUpper(strings.TrimSpace(query))
	// Strong hits are bucketed by score, each bucket in row (urgency) order,
	// so that no sort is needed however many rows match.
	var buckets [][]int
	var fuzzyRows []int // rows where some word matched only loosely
	for i := range ix.rows {
		if keep != nil && !keep(i) {
			continue
		}
		if ix.ids[i] == q {
			exact = i
		}
		score, loose := 0, false
		for _, w := range words {
			s := wordScore(ix.name[i], ix.rest[i], w)
			if s == 0 {
				score = -1
				break
			}
			if s == 1 {
				loose = true
			}
			score += s
		}
		switch {
		case score < 0:
		case loose:
			fuzzyRows = append(fuzzyRows, i)
		default:
			for len(buckets) <= score {
				buckets = append(buckets, nil)
			}
			buckets[score] = append(buckets[score], i)
		}
	}
	for k := len(buckets) - 1; k >= 0; k-- {
		ranked = append(ranked, buckets[k]...)
	}
	hits := fuzzyScores(ix.name, fuzzyRows, words)
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return a.i - b.i
	})
	for _, h := range hits {
		ranked = append(ranked, h.i)
	}
	return ranked, exact
}

// hit is a row of the fuzzy tier with its score.
type hit struct{ i, score int }

// fuzzyScores scores the rows of the fuzzy tier with sahilm/fuzzy alone:
// each word of the query is scored against the names of the rows that the
// cheap loose test let through, and a row's score is the sum over the
// words. The loose test only decides which rows are worth scoring: its
// letters-in-order condition is one fuzzy.Find also requires, so every row
// it lets through is scored.
func fuzzyScores(names []string, rows []int, words []string) []hit {
	if len(rows) == 0 {
		return nil
	}
	data := make([]string, len(rows))
	for k, i := range rows {
		data[k] = names[i]
	}
	scores := make([]int, len(rows))
	for _, w := range words {
		for _, m := range fuzzy.Find(w, data) {
			scores[m.Index] += m.Score
		}
	}
	hits := make([]hit, len(rows))
	for k, i := range rows {
		hits[k] = hit{i, scores[k]}
	}
	return hits
}

// wordScore is how well one folded query word matches a row: 0 not at all,
// 1 only loosely (its letters in order in a short stretch of the name or
// e-mail, for words of three letters or more).
func wordScore(name, rest, w string) int {
	if at := strings.Index(name, w); at >= 0 {
		switch {
		case isWord(name, at, len(w)):
			return 5
		case at == 0 || !isLetter(name, at-1):
			return 4
		}
		return 3
	}
	if strings.Contains(rest, w) {
		return 2
	}
	if len(w) >= 3 && looseMatch(name, w) {
		return 1
	}
	return 0
}

func isLetter(s string, i int) bool {
	c := s[i]
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

func isWord(s string, at, n int) bool {
	return (at == 0 || !isLetter(s, at-1)) && (at+n == len(s) || !isLetter(s, at+n))
}

// looseMatch reports whether the runes of w appear in s in order within a
// stretch of at most twice w's length (plus two), starting at some
// occurrence of w's first rune.
func looseMatch(s, w string) bool {
	first, size := utf8.DecodeRuneInString(w)
	rest, limit := w[size:], 2*len(w)+2
	for off := 0; off < len(s); {
		k := strings.IndexRune(s[off:], first)
		if k < 0 {
			return false
		}
		start := off + k
		end, ok := subsequenceEnd(s[start+size:], rest)
		if !ok {
			return false // no later start can match either
		}
		if size+end <= limit {
			return true
		}
		off = start + size
	}
	return false
}

// subsequenceEnd is how many bytes of s it takes to find the runes of w in
// order (greedily), and whether they are all there.
func subsequenceEnd(s, w string) (int, bool) {
	at := 0
	for _, r := range w {
		k := strings.IndexRune(s[at:], r)
		if k < 0 {
			return 0, false
		}
		at += k + utf8.RuneLen(r)
	}
	return at, true
}

// latinFold maps accented Latin letters to ASCII and accented Greek
// letters (and the final sigma) to their plain forms.
var latinFold = func() map[rune]rune {
	m := map[rune]rune{}
	for plain, accented := range map[rune]string{
		'a': "àáâãäåāăąÀÁÂÃÄÅ", 'c': "çćčÇĆČ", 'e': "èéêëēėęěÈÉÊËĘ", 'i': "ìíîïīÌÍÎÏ", 'l': "łŁ", 'n': "ñńňÑŃ",
		'o': "òóôõöøōőÒÓÔÕÖØ", 's': "śšşșŚŠ", 'u': "ùúûüūůűųÙÚÛÜ", 'y': "ýÿÝ", 'z': "źżžŹŻŽ", 'g': "ğģ", 'r': "řŕ",
		'd': "ďđð", 't': "ťţț", 'k': "ķ", 'α': "ά", 'ε': "έ", 'η': "ή", 'ι': "ίϊΐ", 'ο': "ό", 'υ': "ύϋΰ",
		'ω': "ώ", 'σ': "ς",
	} {
		for _, r := range accented {
			m[r] = plain
		}
	}
	m['ễ'], m['ı'], m['ľ'], m['ĺ'], m['ļ'], m['ņ'], m['į'] = 'e', 'i', 'l', 'l', 'l', 'n', 'i'
	return m
}()

// spelledFold maps letters that stand for two to the two.
var spelledFold = map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th"}

// QueryMatches reports whether one summary matches a query as the queue
// filter would let it through (list --query).
func QueryMatches(s *Summary, query string) bool {
	ix := NewFilterIndex([]Summary{*s})
	r, _ := ix.Match(query, nil)
	return len(r) == 1
}
