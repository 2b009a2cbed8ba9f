package components

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/replay"
)

// maxScan bounds how many events one swimlane column looks at, so a
// column costs the same however many events fall into it.
const maxScan = 32

type glyph struct {
	ch   string
	prio int
	bad  bool
	good bool
}

// LaneGlyph is the swimlane mark of an event: one character and its
// priority when several events share a column. Exported for the legend.
func LaneGlyph(e *scenarios.Event) (string, int) {
	g := laneGlyph(e)
	return g.ch, g.prio
}

func laneGlyph(e *scenarios.Event) glyph {
	switch e.Kind {
	case scenarios.KindCrash:
		return glyph{"X", 100, true, false}
	case scenarios.KindMemberExpired:
		return glyph{"x", 95, true, false}
	case scenarios.KindClose, scenarios.KindClosed:
		return glyph{"Q", 90, false, false}
	case scenarios.KindStart:
		return glyph{"S", 85, false, true}
	case scenarios.KindRestart:
		return glyph{"R", 85, false, true}
	case scenarios.KindMaxPoll:
		return glyph{"T", 80, true, false}
	case scenarios.KindLost:
		return glyph{"L", 78, true, false}
	case scenarios.KindCommitFailed:
		return glyph{"!", 75, true, false}
	case scenarios.KindBrokerDown:
		return glyph{"D", 75, true, false}
	case scenarios.KindBrokerUp:
		return glyph{"U", 74, false, true}
	case scenarios.KindJoin:
		return glyph{"J", 70, false, false}
	case scenarios.KindGroupState:
		switch e.State {
		case "PreparingRebalance":
			return glyph{"R", 70, false, false}
		case "CompletingRebalance":
			return glyph{"r", 65, false, false}
		case "Stable":
			return glyph{"S", 60, false, true}
		case "Empty":
			return glyph{"E", 60, false, false}
		}
		return glyph{"?", 50, false, false}
	case scenarios.KindOffsetsExpired:
		return glyph{"o", 70, true, false}
	case scenarios.KindRevoke:
		return glyph{"v", 66, false, false}
	case scenarios.KindAssign:
		return glyph{"A", 65, false, false}
	case scenarios.KindStall:
		return glyph{"Z", 64, true, false}
	case scenarios.KindResume:
		return glyph{"W", 63, false, false}
	case scenarios.KindProcessFailed:
		return glyph{"f", 60, true, false}
	case scenarios.KindHeartbeat, scenarios.KindClientErr:
		return glyph{"h", 55, true, false}
	case scenarios.KindCommitOK:
		switch {
		case e.Commit == scenarios.CommitAuto || e.Commit == scenarios.CommitJavaPoll:
			return glyph{"a", 50, false, false}
		case e.Async:
			return glyph{"y", 50, false, false}
		}
		return glyph{"c", 50, false, false}
	case scenarios.KindEffect:
		return glyph{"+", 40, false, true}
	case scenarios.KindEffectSkipped:
		return glyph{"s", 40, false, false}
	case scenarios.KindDeliver:
		return glyph{">", 35, false, false}
	case scenarios.KindEOF:
		return glyph{"e", 30, false, false}
	}
	return glyph{"", 0, false, false}
}

// LaneLegend explains the swimlane marks.
const LaneLegend = "S start  R restart  X crash  Q close  J join  A assign  v revoke  L lost  " +
	"> deliver  = processing  + effect  a/c/y commit auto/sync/async  ! commit rejected  " +
	"T max.poll exceeded  Z stall  W resume  f failed  e EOF  x session expired  D/U broker down/up  " +
	"group lane (group, or g:NAME): R rebalancing r completing S stable E empty  ~ waiting"

// Lanes draws one swimlane per consumer (and one per group, and one for the
// broker if it ever went down) along virtual time, up to the current step:
// the future stays blank so the class cannot read ahead. The last row is
// the time axis with ^ under the current time.
func Lanes(c common.Common, v View, w, h int) string {
	if w <= 0 || h <= 0 || v.X == nil {
		return ""
	}
	x := v.X
	type lane struct {
		name, actor string
		kind        int // 0 consumer, 1 group, 2 broker
	}
	var ls []lane
	for _, id := range x.Consumers {
		ls = append(ls, lane{id, id, 0})
	}
	for _, g := range x.Groups {
		name := "group"
		if len(x.Groups) > 1 {
			// "g:" tells a group's lane from a consumer's of the same
			// name (the lesson's consumers are named after their groups).
			name = "g:" + g
		}
		ls = append(ls, lane{name, "group:" + g, 1})
	}
	if x.HasBroker {
		ls = append(ls, lane{"broker", "broker", 2})
	}
	if len(ls)+1 > h {
		ls = ls[:max(0, h-1)]
	}
	nameW := 7
	cols := w - nameW - 1
	if cols < 4 {
		return common.Fit(c.Styles.Dim.Render("(too narrow for lanes)"), w, h)
	}
	dur := x.R.Duration
	if n := x.Len(); n > 0 && x.Event(n-1).At > dur {
		dur = x.Event(n - 1).At
	}
	dur = max(dur, time.Second)
	now := time.Duration(-1)
	cur := (*scenarios.Event)(nil)
	if v.Step >= 0 {
		cur = x.Event(v.Step)
		now = cur.At
	}
	from, span := window(dur, now, v.Zoom)
	dt := (span + time.Duration(cols) - 1) / time.Duration(cols)
	curCol := -1
	if now >= from {
		curCol = min(cols-1, int((now-from)/dt))
	}
	var out []string
	for _, l := range ls {
		var b strings.Builder
		name := l.name
		mark := " "
		if cur != nil && cur.Actor == l.actor {
			mark = ">"
		}
		if v.Selected != "" && v.Selected == l.actor {
			mark = "*"
		}
		b.WriteString(c.Styles.LaneName.Render(common.Pad(mark+name, nameW)) + "|")
		for k := 0; k < cols; k++ {
			t0 := from + time.Duration(k)*dt
			if now < 0 || t0 > now {
				b.WriteString(" ")
				continue
			}
			t1 := t0 + dt
			best := glyph{}
			for n, s := range x.ActorEvents(l.actor, t0, t1) {
				if int(s) > v.Step || n >= maxScan {
					break
				}
				if g := laneGlyph(x.Event(int(s))); g.prio > best.prio {
					best = g
				}
			}
			var st lipgloss.Style
			ch := best.ch
			at := min(v.Step, x.StepAtTime(t1-1))
			if ch == "" {
				ch, st = background(c, x, l.actor, l.kind, at)
			} else {
				switch {
				case best.bad:
					st = c.Styles.LaneBad
				case best.good:
					st = c.Styles.LaneGood
				default:
					st = c.Styles.LaneEvent
				}
			}
			if k == curCol {
				st = st.Inherit(c.Styles.Cursor)
			}
			b.WriteString(st.Render(ch))
		}
		out = append(out, b.String())
	}
	if len(out) < h {
		out = append(out, axis(c, nameW, cols, from, dt, curCol, now))
	}
	return common.Clip(strings.Join(out, "\n"), w, h)
}

// window is the stretch of virtual time the lanes show: the whole run
// (dur) at zoom 0, a quarter of it per zoom level around now (three
// quarters of it before now: what is after now is blank anyway), kept
// within the run.
func window(dur, now time.Duration, zoom int) (from, span time.Duration) {
	zoom = min(max(zoom, 0), MaxZoom)
	span = max(dur>>(2*zoom), time.Millisecond)
	if zoom == 0 || span >= dur {
		return 0, dur
	}
	from = max(now, 0) - span*3/4
	from = min(max(from, 0), dur-span)
	return from, span
}

func background(c common.Common, x *replay.Index, actor string, kind, at int) (string, lipgloss.Style) {
	switch kind {
	case 1:
		g := strings.TrimPrefix(actor, "group:")
		switch x.GroupStateAt(g, at) {
		case "Stable":
			return "-", c.Styles.LaneIdle
		case "Empty", "Dead":
			return " ", c.Styles.LaneIdle
		}
		return "~", c.Styles.LaneBusy
	case 2:
		if x.BrokerUpAt(at) {
			return "-", c.Styles.LaneIdle
		}
		return "#", c.Styles.LaneBad
	}
	switch x.StatusAt(actor, at) {
	case replay.StatusNew, replay.StatusCrashed, replay.StatusClosed:
		return " ", c.Styles.LaneIdle
	case replay.StatusStalled:
		return "~", c.Styles.LaneBad
	}
	if x.BusyAt(actor, at) {
		return "=", c.Styles.LaneBusy
	}
	return "-", c.Styles.LaneIdle
}

func axis(c common.Common, nameW, cols int, from, dt time.Duration, curCol int, now time.Duration) string {
	row := []byte(strings.Repeat(" ", cols))
	step := 10
	unit := time.Second
	switch {
	case dt*time.Duration(step) < 20*time.Millisecond:
		unit = time.Millisecond
	case dt*time.Duration(step) < 2*time.Second:
		unit = 100 * time.Millisecond
	}
	for k := 0; k < cols; k += step {
		lbl := scenarios.FormatDuration((from + time.Duration(k)*dt).Round(unit))
		if k+len(lbl) <= cols {
			copy(row[k:], lbl)
		}
	}
	if curCol >= 0 {
		lbl := "^" + replay.FormatTime(now)
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
