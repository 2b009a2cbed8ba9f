// Package components renders the panels of the kafkasim terminal UI:
// partitions as cells, consumer swimlanes, narration, the group panel, the
// outcome and the event list. Each is a pure function of a scenarios.Steps, a
// scenarios.StepState and a size; each draws only what fits, so its cost does not
// depend on the length of the timeline.
package components

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/export"
	"github.com/kafkasim/kafkasim/tui/common"
)

// View is what every panel draws from: a run at one step.
type View struct {
	X *scenarios.Steps
	// Step is the current step (-1: before the first event).
	Step int
	// Prev and St are the states before and after the step.
	Prev, St *scenarios.StepState
	// Group is the group whose committed offsets and fates are shown.
	Group int
	// Differs, when set, reports partition cells to mark as different
	// (compare mode).
	Differs func(p int, off int64) bool
	// Selected is a consumer to mark with * in the swimlanes (the
	// sandbox's chosen consumer).
	Selected string
	// Zoom narrows the swimlanes to a quarter of the run per level,
	// around the current time (0: the whole run; see MaxZoom).
	Zoom int
	// NoLegend leaves the partitions' legend out (the screen draws it
	// once elsewhere).
	NoLegend bool
	// OnlyGroup, when set, draws the swimlanes of Group's consumers and
	// of Group itself only (compare mode, where a column is narrow); a
	// panel too short for every consumer of several groups does so too.
	OnlyGroup bool
	// LaneLegend are the lines drawn under the swimlanes
	// (LaneLegendLines); nil draws none. LaneLegendShort is one line
	// drawn instead when the panel is too short for all of them.
	LaneLegend      []string
	LaneLegendShort string
}

// MaxZoom is the deepest swimlane zoom: 1/64 of the run.
const MaxZoom = export.MaxZoom

// Title draws a panel's title rule: "-- Partitions ------" or, focused,
// "== Partitions ======".
func Title(c common.Common, name string, focused bool, w int) string {
	ch := "-"
	st := c.Styles.Panel
	if focused {
		ch = "="
		st = c.Styles.PanelFocused
	}
	s := ch + ch + " " + name + " "
	if n := w - ansi.StringWidth(s); n > 0 {
		s += strings.Repeat(ch, n)
	}
	return st.Render(common.Pad(s, w))
}

// ShortMember shortens a member id for display: "c1-8707a01d-6329-..."
// becomes "c1-8707a0".
func ShortMember(id string) string { return scenarios.ShortMember(id) }

func fmtOff(o int64) string {
	if o < 0 {
		return "-"
	}
	return fmt.Sprint(o)
}
