package peers

import (
	"strings"
	"testing"

	"github.com/sahilm/fuzzy"

	"rightsdesk/cases"
)

// searchText is what a developer would hand sahilm/fuzzy for a row: the
// text the app's filter searches (ID, subject, e-mail, organisation,
// right, status, tags, identifiers), as one string.
func searchText(s *cases.Summary) string {
	parts := []string{s.ID, s.SubjectName, s.Email, s.Controller, string(s.Right), string(s.Status)}
	parts = append(parts, s.Tags...)
	parts = append(parts, s.Identifiers...)
	return strings.Join(parts, " ")
}

// BenchmarkFuzzyFind is naive sahilm/fuzzy over every row's text, for each
// of the 13 typical queries (a keystroke's filter, as a developer would
// write it).
func BenchmarkFuzzyFind(b *testing.B) {
	all := rows(b)
	texts := make([]string, len(all))
	for i := range all {
		texts[i] = searchText(&all[i])
	}
	for _, q := range queries {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				fuzzy.Find(q, texts)
			}
		})
	}
}

// BenchmarkOurFilter is the app's filter (cases.FilterIndex, built once as
// the app builds it after the first frame) over the same rows and queries,
// in the same process as BenchmarkFuzzyFind, so that the two stand as a
// ratio.
func BenchmarkOurFilter(b *testing.B) {
	all := rows(b)
	ix := cases.NewFilterIndex(all)
	for _, q := range queries {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				ix.Match(q, nil)
			}
		})
	}
}
