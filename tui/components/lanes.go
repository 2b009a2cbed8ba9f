package components

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/export"
	"github.com/kafkasim/kafkasim/tui/common"
)

// LaneLegend explains every swimlane mark, for the ? screen.
const LaneLegend = "consumer lanes: S start  R restart  X crash  Q close  J join  A assign  v revoke  L lost  " +
	"> deliver  = processing  + effect  s repeat skipped  a/c/y commit auto/sync/async  ! commit rejected  " +
	"T max.poll exceeded  Z stall  W resume  f failed  e EOF  h heartbeat failed or error  - idle  ~ stalled.  " +
	"group lanes (group, or g:NAME): R rebalance starts  r completing  S stable  E empty  x member expired  o offsets expired  ~ rebalancing  - stable.  " +
	"broker lane: D down  U up  # down  - up.  Lane names: > the actor of this step  * the consumer the sandbox acts on."

// LaneLegendLines explains the marks this run's lanes can show
// (export.LaneLegend) and the marks on lane names, packed on lines of
// width w.
func LaneLegendLines(x *scenarios.Steps, w int, selected bool) []string {
	if x == nil || w <= 0 {
		return nil
	}
	items := export.LaneLegend(x)
	items = append(items, "> this step's actor")
	if selected {
		items = append(items, "* chosen")
	}
	return packLine(items, "  ", w)
}

// Lanes draws one swimlane per consumer (and one per group, and one for the
// broker if it ever went down) along virtual time, up to the current step:
// the future stays blank so the class cannot read ahead. Then the time
// axis with ^ under the current time, then the legend lines of the view.
func Lanes(c common.Common, v View, w, h int) string {
	if w <= 0 || h <= 0 || v.X == nil {
		return ""
	}
	x := v.X
	all := export.Lanes(x)
	if v.Group >= 0 && v.Group < len(x.Groups) && len(x.Groups) > 1 && (v.OnlyGroup || len(x.Consumers)+1 > h) {
		// Several groups and no room for every consumer's lane: the lanes
		// of the group shown (ctrl+g goes through them), rather than
		// some consumers of every group.
		all = groupLanes(x, all, x.Groups[v.Group])
	}
	ls := all
	// The whole legend when every lane fits with it, else its short form.
	leg := v.LaneLegend
	if len(ls)+1+len(leg) > h && v.LaneLegendShort != "" {
		leg = []string{v.LaneLegendShort}
	}
	if len(leg) > h-2 {
		leg = nil
	}
	if len(ls)+1+len(leg) > h {
		ls = ls[:max(0, h-1-len(leg))]
	}
	nameW := 7
	for _, l := range all {
		nameW = max(nameW, len(l.Name)+2)
	}
	nameW = min(nameW, max(7, w/4))
	cols := w - nameW - 1
	if cols < 4 {
		return common.Fit(c.Styles.Dim.Render("(too narrow for lanes)"), w, h)
	}
	dur := x.End()
	now := time.Duration(-1)
	var cur *scenarios.Event
	if v.Step >= 0 {
		cur = x.Event(v.Step)
		now = cur.At
	}
	from, span := export.Window(dur, now, v.Zoom)
	dt := (span + time.Duration(cols) - 1) / time.Duration(cols)
	curCol := -1
	if now >= from {
		curCol = min(cols-1, int((now-from)/dt))
	}
	tones := [...]lipgloss.Style{export.ToneBlank: c.Styles.LaneIdle, export.ToneIdle: c.Styles.LaneIdle, export.ToneBusy: c.Styles.LaneBusy,
		export.ToneEvent: c.Styles.LaneEvent, export.ToneBad: c.Styles.LaneBad, export.ToneGood: c.Styles.LaneGood}
	var out []string
	for _, l := range ls {
		var b strings.Builder
		mark := " "
		if cur != nil && cur.Actor == l.Actor {
			mark = ">"
		}
		if v.Selected != "" && v.Selected == l.Actor {
			mark = "*"
		}
		b.WriteString(c.Styles.LaneName.Render(common.Pad(mark+l.Name, nameW-1)) + " |")
		// Runs of one tone are rendered at once (a style per column costs
		// most of a frame).
		cells := export.LaneCells(x, l, v.Step, from, dt, cols)
		for k := 0; k < len(cells); {
			if k == curCol {
				b.WriteString(tones[cells[k].Tone].Inherit(c.Styles.Cursor).Render(cells[k].Ch))
				k++
				continue
			}
			j := k
			var run strings.Builder
			for j < len(cells) && j != curCol && cells[j].Tone == cells[k].Tone {
				run.WriteString(cells[j].Ch)
				j++
			}
			b.WriteString(tones[cells[k].Tone].Render(run.String()))
			k = j
		}
		out = append(out, b.String())
	}
	if len(out) < h {
		out = append(out, axis(c, nameW, cols, from, dt, curCol, now))
	}
	for len(out) < h-len(leg) {
		out = append(out, "")
	}
	for _, l := range leg {
		out = append(out, c.Styles.Dim.Render(common.Pad(l, w)))
	}
	return common.Clip(strings.Join(out, "\n"), w, h)
}

func axis(c common.Common, nameW, cols int, from, dt time.Duration, curCol int, now time.Duration) string {
	row := []byte(strings.Repeat(" ", cols))
	step := export.AxisStep
	unit := export.AxisUnit(dt)
	for k := 0; k < cols; k += step {
		lbl := scenarios.FormatDuration((from + time.Duration(k)*dt).Round(unit))
		if k+len(lbl) <= cols {
			copy(row[k:], lbl)
		}
	}
	if curCol >= 0 {
		lbl := "^" + scenarios.FormatTime(now)
		at := curCol
		if at+len(lbl) > cols {
			at = max(0, cols-len(lbl))
			lbl = lbl[1:] + "^"
			if at+len(lbl) > cols {
				lbl = lbl[len(lbl)-(cols-at):]
			}
			at = cols - len(lbl)
		}
		// Clear a gap before the label so it reads on its own.
		for k := max(0, at-1); k < min(cols, at+len(lbl)+1); k++ {
			row[k] = ' '
		}
		copy(row[at:], lbl)
		for k := at + len(lbl) + 1; k < cols && row[k] != ' '; k++ {
			row[k] = ' '
		}
		for k := at - 2; k >= 0 && row[k] != ' '; k-- {
			row[k] = ' '
		}
	}
	return c.Styles.Ruler.Render(fmt.Sprintf("%*s", nameW+1, "t ") + string(row))
}

// groupLanes keeps the lanes of group g: its consumers' and its own.
func groupLanes(x *scenarios.Steps, ls []export.Lane, g string) []export.Lane {
	var out []export.Lane
	for _, l := range ls {
		switch l.Kind {
		case export.LaneConsumer:
			if ci := x.ConsumerIndex(l.Actor); ci >= 0 && x.ConsGroup[ci] == g {
				out = append(out, l)
			}
		case export.LaneGroup:
			if l.Actor == "group:"+g {
				out = append(out, l)
			}
		default:
			out = append(out, l)
		}
	}
	return out
}
