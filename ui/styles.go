package ui

import "charm.land/lipgloss/v2"

// Styles are the app's semantic styles. Colour only reinforces what the
// text already says (NO_COLOR and --color none keep the meaning).
type Styles struct {
	Title, Header, Selected, Dim, Overdue, Soon, Week, Closed, Error, Key, Label lipgloss.Style
}

// DefaultStyles uses the 16 basic colours, which every terminal and the
// colour-profile downsampling handle.
func DefaultStyles() Styles {
	s := lipgloss.NewStyle()
	return Styles{
		Title:    s.Bold(true),
		Header:   s.Bold(true).Underline(true),
		Selected: s.Reverse(true),
		Dim:      s.Foreground(lipgloss.Color("8")),
		Overdue:  s.Foreground(lipgloss.Color("9")).Bold(true),
		Soon:     s.Foreground(lipgloss.Color("11")),
		Week:     s.Foreground(lipgloss.Color("14")),
		Closed:   s.Foreground(lipgloss.Color("8")),
		Error:    s.Foreground(lipgloss.Color("9")).Bold(true),
		Key:      s.Bold(true),
		Label:    s.Foreground(lipgloss.Color("8")),
	}
}
