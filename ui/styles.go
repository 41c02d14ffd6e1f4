package ui

import "charm.land/lipgloss/v2"

// Styles are the app's semantic styles. Colour only reinforces what the
// text already says (NO_COLOR and --color none keep the meaning).
type Styles struct {
	Title, Header, Selected, Dim, Overdue, Soon, Week, Closed, Error, Key, Label lipgloss.Style
}

// DefaultStyles are the styles for a dark background, until the terminal
// says otherwise.
func DefaultStyles() Styles { return NewStyles(true) }

// NewStyles uses the 16 basic colours, which every terminal and the
// colour-profile downsampling handle: the bright ones on a dark background,
// the plain ones on a light background (bright yellow on white cannot be
// read).
func NewStyles(dark bool) Styles {
	s, c := lipgloss.NewStyle(), lipgloss.LightDark(dark)
	return Styles{
		Title:    s.Bold(true),
		Header:   s.Bold(true).Underline(true),
		Selected: s.Reverse(true),
		Dim:      s.Foreground(lipgloss.Color("8")),
		Overdue:  s.Foreground(c(lipgloss.Color("1"), lipgloss.Color("9"))).Bold(true),
		Soon:     s.Foreground(c(lipgloss.Color("3"), lipgloss.Color("11"))),
		Week:     s.Foreground(c(lipgloss.Color("4"), lipgloss.Color("14"))),
		Closed:   s.Foreground(lipgloss.Color("8")),
		Error:    s.Foreground(c(lipgloss.Color("1"), lipgloss.Color("9"))).Bold(true),
		Key:      s.Bold(true),
		Label:    s.Foreground(lipgloss.Color("8")),
	}
}
