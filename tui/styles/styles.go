// Package styles is the one style sheet of the kafkasim terminal UI: every
// colour and text attribute a screen uses comes from a Styles value, so a
// theme or NO_COLOR changes everything in one place.
//
// Colours never carry meaning alone: every fate (scenarios.Fate) and lane
// glyph is also a distinct letter or symbol, so the screens read the same with NO_COLOR on a
// projector that washes colours out.
package styles

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/kafkasim/kafkasim/scenarios"
)

// Styles is the style sheet.
type Styles struct {
	// App frame.
	Title     lipgloss.Style // the top bar
	TitleInfo lipgloss.Style // right part of the top bar
	KeyBar    lipgloss.Style
	Error     lipgloss.Style
	Dim       lipgloss.Style
	Bold      lipgloss.Style

	// Panels.
	Panel        lipgloss.Style // a panel's title rule
	PanelFocused lipgloss.Style // the focused panel's title rule
	Current      lipgloss.Style // the current step, wherever it shows

	// Partitions.
	// Fate is the style of each scenarios.Fate, indexed by it.
	Fate        [8]lipgloss.Style
	Ruler       lipgloss.Style
	Marker      lipgloss.Style
	CellCurrent lipgloss.Style // the cell the current event is about
	Diff        lipgloss.Style // a cell whose fate differs in compare mode

	// Swimlanes.
	LaneName  lipgloss.Style
	LaneIdle  lipgloss.Style
	LaneBusy  lipgloss.Style
	LaneEvent lipgloss.Style
	LaneBad   lipgloss.Style
	LaneGood  lipgloss.Style
	Cursor    lipgloss.Style

	// Outcome.
	Lost       lipgloss.Style
	Duplicated lipgloss.Style
	OK         lipgloss.Style

	// Picker.
	Item         lipgloss.Style
	ItemSelected lipgloss.Style
	Summary      lipgloss.Style
	Filter       lipgloss.Style
}

// DefaultStyles is the default theme: readable on dark and light
// backgrounds and on a projector.
func DefaultStyles() *Styles {
	s := &Styles{}
	n := lipgloss.NewStyle
	red := lipgloss.AdaptiveColor{Light: "#B00020", Dark: "#FF5F5F"}
	green := lipgloss.AdaptiveColor{Light: "#1B7F3B", Dark: "#5FD787"}
	yellow := lipgloss.AdaptiveColor{Light: "#8A6D00", Dark: "#FFD75F"}
	blue := lipgloss.AdaptiveColor{Light: "#1F5FBF", Dark: "#5FAFFF"}
	magenta := lipgloss.AdaptiveColor{Light: "#8E24AA", Dark: "#D787FF"}
	grey := lipgloss.AdaptiveColor{Light: "#6C6C6C", Dark: "#8A8A8A"}

	s.Title = n().Bold(true).Reverse(true)
	s.TitleInfo = n().Reverse(true)
	s.KeyBar = n()
	s.Error = n().Foreground(red).Bold(true)
	s.Dim = n().Foreground(grey)
	s.Bold = n().Bold(true)

	s.Panel = n().Foreground(grey)
	s.PanelFocused = n().Bold(true).Underline(true)
	s.Current = n().Reverse(true)

	s.Fate[scenarios.FateNone] = n()
	s.Fate[scenarios.FatePending] = n().Foreground(grey)
	s.Fate[scenarios.FateDelivered] = n().Foreground(blue)
	s.Fate[scenarios.FateProcessing] = n().Foreground(yellow).Bold(true)
	s.Fate[scenarios.FateAtRisk] = n().Foreground(red).Bold(true).Underline(true)
	s.Fate[scenarios.FateProcessed] = n().Foreground(green)
	s.Fate[scenarios.FateLost] = n().Foreground(red).Bold(true)
	s.Fate[scenarios.FateDuplicated] = n().Foreground(magenta).Bold(true)
	s.Ruler = n().Foreground(grey)
	s.Marker = n().Bold(true)
	s.CellCurrent = n().Reverse(true)
	s.Diff = n().Underline(true).Bold(true)

	s.LaneName = n().Bold(true)
	s.LaneIdle = n().Foreground(grey)
	s.LaneBusy = n().Foreground(yellow)
	s.LaneEvent = n().Bold(true)
	s.LaneBad = n().Foreground(red).Bold(true)
	s.LaneGood = n().Foreground(green)
	s.Cursor = n().Reverse(true)

	s.Lost = n().Foreground(red).Bold(true)
	s.Duplicated = n().Foreground(magenta).Bold(true)
	s.OK = n().Foreground(green)

	s.Item = n()
	s.ItemSelected = n().Reverse(true).Bold(true)
	s.Summary = n().Foreground(grey)
	s.Filter = n().Bold(true)
	return s
}
