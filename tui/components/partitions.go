package components

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
)

const cellW = 3

// Partition markers, under the cells. None of them is a fate symbol
// (scenarios.Fate.Symbol), so a marker never reads as a cell.
const (
	markEnd       = "E" // the log end: where the next message will go
	markCommitted = "C" // the group's committed offset: where it resumes
	markPos       = "^" // a consumer's position (the header names whose)
	markDiffers   = "≠" // compare mode: the two runs disagree on this message
)

// PartitionLegendLines is how many lines the legend of the partitions
// panel takes at width w (compare adds its own marker).
func PartitionLegendLines(w int, compare bool) int {
	return len(legendLines(w, compare))
}

// PartitionLegend is the legend of the partitions panel at width w, for
// a screen that draws it once for several panels (compare).
func PartitionLegend(c common.Common, w int, compare bool) []string {
	var out []string
	for _, l := range legendLines(w, compare) {
		out = append(out, c.Styles.Dim.Render(common.Pad(l, w)))
	}
	return out
}

// PartitionsFit is how many of h lines Partitions uses for np
// partitions with a legend of leg lines: the most lines a partition (4,
// 3, 2, 1) that fit, a line saying how many do not fit, the legend.
func PartitionsFit(np, h, leg int) int {
	room := h - leg
	if np == 0 || room <= 0 {
		return h
	}
	per := 4
	for per > 1 && per*np > room {
		per--
	}
	shown := min(np, max(1, room/per))
	used := shown * per
	if shown < np && used < room {
		used++
	}
	return min(h, used+leg)
}

// Partitions draws every partition's log as cells by offset, coloured and
// marked by fate in the view's group, with a marker row: E log end, C the
// group's committed offset, ^ the position of each of the group's
// consumers (named in the header). The current step's message is drawn in
// brackets. The legend always takes its last lines, so the panel keeps its
// layout from step to step. It fits in w×h, choosing 4, 3, 2 or 1 lines a
// partition.
func Partitions(c common.Common, v View, w, h int) string {
	if w <= 0 || h <= 0 || v.X == nil {
		return ""
	}
	x := v.X
	np := len(x.Parts)
	leg := legendLines(w, v.Differs != nil)
	if v.NoLegend {
		leg = nil
	}
	if len(leg) >= h {
		leg = leg[:max(0, h-1)]
	}
	room := h - len(leg)
	if np == 0 {
		return common.Fit(c.Styles.Dim.Render("no partitions yet"), w, h)
	}
	per := 4
	for per > 1 && per*np > room {
		per--
	}
	shown := min(np, max(1, room/per))
	// Partitions the current event is about come first if not all fit.
	first := 0
	if shown < np && v.Step >= 0 {
		if p := x.PartIndex(x.Event(v.Step).TP()); p >= shown {
			first = p - shown + 1
		}
	}
	var out []string
	for p := first; p < first+shown; p++ {
		out = append(out, partition(c, v, p, per, w)...)
	}
	if shown < np {
		more := fmt.Sprintf("  … %d more partitions (a taller screen, or the group panel's table)", np-shown)
		if len(out) < room {
			out = append(out, c.Styles.Dim.Render(common.Pad(more, w)))
		}
	}
	for len(out) < room {
		out = append(out, "")
	}
	out = out[:room]
	for _, l := range leg {
		out = append(out, c.Styles.Dim.Render(common.Pad(l, w)))
	}
	return common.Clip(strings.Join(out, "\n"), w, h)
}

// legendLines explains every fate and marker: in full words when one line
// holds them, else in short words, on as many lines as the width needs.
func legendLines(w int, compare bool) []string {
	var items []string
	full := func(name func(scenarios.Fate) string, marks []string) []string {
		items = items[:0]
		for _, f := range scenarios.Fates() {
			items = append(items, f.Symbol()+" "+name(f))
		}
		return append(items, marks...)
	}
	marks := []string{"[ ] this step", markEnd + " log end", markCommitted + " committed", markPos + " position"}
	short := []string{"[ ] step", markEnd + " end", markCommitted + " commit", markPos + " pos"}
	if compare {
		marks = append(marks, markDiffers+" differs")
		short = append(short, markDiffers+" differs")
	}
	if s := strings.Join(full(scenarios.Fate.String, marks), "  "); ansi.StringWidth(s) <= w {
		return []string{s}
	}
	return packLine(full(scenarios.Fate.Short, short), " ", w)
}

// packLine lays items out on as few lines of width w as they fit,
// separated by sep; an item wider than w is cut.
func packLine(items []string, sep string, w int) []string {
	var out []string
	line := ""
	for _, it := range items {
		switch {
		case line == "":
			line = it
		case ansi.StringWidth(line)+len(sep)+ansi.StringWidth(it) <= w:
			line += sep + it
		default:
			out = append(out, line)
			line = it
		}
	}
	if line != "" {
		out = append(out, line)
	}
	for i := range out {
		if ansi.StringWidth(out[i]) > w {
			out[i] = ansi.Truncate(out[i], w, "")
		}
	}
	return out
}

// groupConsumers lists the consumer indexes of group g.
func groupConsumers(x *scenarios.Steps, g int) []int {
	var out []int
	if g < 0 || g >= len(x.Groups) {
		return out
	}
	for ci := range x.Consumers {
		if x.ConsGroup[ci] == x.Groups[g] {
			out = append(out, ci)
		}
	}
	return out
}

func partition(c common.Common, v View, p, per, w int) []string {
	x, st := v.X, v.St
	tp := x.Parts[p]
	end := st.LogEnd[p]
	committed := int64(-1)
	if v.Group >= 0 && v.Group < len(st.Groups) {
		committed = st.Groups[v.Group].Committed[p]
	}
	cons := groupConsumers(x, v.Group)
	cur := currentOffset(v, p)
	// Header text.
	var hdr strings.Builder
	fmt.Fprintf(&hdr, "%s  end %d  committed %s", tp, end, fmtOff(committed))
	for _, ci := range cons {
		if pos := st.Cons[ci].Pos[p]; pos >= 0 && st.Cons[ci].Assigned[p] {
			fmt.Fprintf(&hdr, "  %s@%d", x.Consumers[ci], pos)
		}
	}
	prefix := 0
	if per == 1 {
		prefix = min(len(tp.String())+1, w/3)
	}
	n := max(1, (w-prefix)/cellW)
	// Window: keep the focus offset in view.
	focus := cur
	if focus < 0 {
		focus = committed
		for _, ci := range cons {
			if pos := st.Cons[ci].Pos[p]; pos >= 0 && (focus < 0 || pos < focus) {
				focus = pos
			}
		}
	}
	if focus < 0 {
		focus = end
	}
	start := max(0, min(focus-int64(n)/3, end+1-int64(n)))
	var ruler, cells, marks, run strings.Builder
	runFate := scenarios.Fate(-1)
	flush := func() {
		if run.Len() > 0 {
			cells.WriteString(c.Styles.Fate[runFate].Render(run.String()))
			run.Reset()
		}
		runFate = -1
	}
	for k := int64(0); k < int64(n); k++ {
		o := start + k
		label := fmt.Sprint(o)
		if len(label) > cellW-1 && o%5 != 0 {
			label = ""
		}
		if len(label) > cellW {
			label = label[len(label)-cellW:]
		}
		ruler.WriteString(fmt.Sprintf("%*s ", cellW-1, label)[:cellW])
		f := x.Fate(v.Group, p, o, v.Step, committed)
		sym := f.Symbol()
		cell := " " + sym + " "
		if o == cur {
			cell = "[" + sym + "]"
		}
		differs := v.Differs != nil && v.Differs(p, o)
		if o == cur || differs {
			stl := c.Styles.Fate[f]
			if o == cur {
				stl = stl.Inherit(c.Styles.CellCurrent)
			}
			if differs {
				stl = stl.Inherit(c.Styles.Diff)
			}
			flush()
			cells.WriteString(stl.Render(cell))
		} else {
			// Runs of one fate are rendered at once.
			if runFate != f {
				flush()
				runFate = f
			}
			run.WriteString(cell)
		}
		m := ""
		if o == committed {
			m += markCommitted
		}
		if o == end {
			m += markEnd
		}
		for _, ci := range cons {
			if st.Cons[ci].Pos[p] == o && st.Cons[ci].Assigned[p] {
				m += markPos
				break
			}
		}
		if differs {
			m += markDiffers
		}
		marks.WriteString(common.Pad(m, cellW))
	}
	flush()
	markRow := c.Styles.Marker.Render(marks.String())
	name := tp.String()
	switch per {
	case 4:
		return []string{common.Pad(c.Styles.Bold.Render(hdr.String()), w), c.Styles.Ruler.Render(ruler.String()), cells.String(), markRow}
	case 3:
		return []string{common.Pad(c.Styles.Bold.Render(hdr.String()), w), cells.String(), markRow}
	case 2:
		return []string{common.Pad(c.Styles.Bold.Render(hdr.String()), w), cells.String()}
	}
	return []string{common.Pad(name, prefix) + cells.String()}
}

// bigCellW is the width of a presenter cell: a box of three lines.
const bigCellW = 5

// BigPartitions draws the view's group's partitions for a projector: each
// message a box three lines tall with its fate symbol in the middle (the
// current step's box doubled), offsets above, the markers below, and the
// fates' full names. It returns at most h lines.
func BigPartitions(c common.Common, v View, w, h int) []string {
	if w <= 0 || h <= 0 || v.X == nil {
		return nil
	}
	x, st := v.X, v.St
	var out []string
	leg := packLine(func() []string {
		var items []string
		for _, f := range scenarios.Fates() {
			items = append(items, f.Symbol()+" "+f.String())
		}
		return append(items, markCommitted+" committed", markEnd+" log end", markPos+" position")
	}(), "   ", w)
	room := h - len(leg)
	n := max(1, (w-2)/bigCellW)
	for p := range x.Parts {
		if len(out)+6 > room {
			break
		}
		// The same header, window and current cell as the small cells.
		small := partition(c, v, p, 4, w)
		out = append(out, small[0])
		end := st.LogEnd[p]
		committed := int64(-1)
		if v.Group >= 0 && v.Group < len(st.Groups) {
			committed = st.Groups[v.Group].Committed[p]
		}
		cur := currentOffset(v, p)
		focus := cur
		if focus < 0 {
			focus = committed
		}
		if focus < 0 {
			focus = end
		}
		start := max(0, min(focus-int64(n)/3, end+1-int64(n)))
		var ruler, top, mid, bot, marks strings.Builder
		for k := int64(0); k < int64(n); k++ {
			o := start + k
			f := x.Fate(v.Group, p, o, v.Step, committed)
			ruler.WriteString(fmt.Sprintf("%*d ", bigCellW-1, o))
			tl, hz, tr, vt, bl, br := "┌", "─", "┐", "│", "└", "┘"
			if o == cur {
				tl, hz, tr, vt, bl, br = "╔", "═", "╗", "║", "╚", "╝"
			}
			stl := c.Styles.Fate[f]
			if f == scenarios.FateNone {
				top.WriteString(strings.Repeat(" ", bigCellW))
				mid.WriteString(strings.Repeat(" ", bigCellW))
				bot.WriteString(strings.Repeat(" ", bigCellW))
			} else {
				top.WriteString(stl.Render(tl + strings.Repeat(hz, bigCellW-2) + tr))
				mid.WriteString(stl.Render(vt + " " + f.Symbol() + " " + vt))
				bot.WriteString(stl.Render(bl + strings.Repeat(hz, bigCellW-2) + br))
			}
			m := ""
			if o == committed {
				m += markCommitted
			}
			if o == end {
				m += markEnd
			}
			for _, ci := range groupConsumers(x, v.Group) {
				if st.Cons[ci].Pos[p] == o && st.Cons[ci].Assigned[p] {
					m += markPos
					break
				}
			}
			marks.WriteString(c.Styles.Marker.Render(common.Pad("  "+m, bigCellW)))
		}
		out = append(out, c.Styles.Ruler.Render(ruler.String()), top.String(), mid.String(), bot.String(), marks.String())
	}
	for _, l := range leg {
		out = append(out, c.Styles.Dim.Render(l))
	}
	return out
}

// currentOffset is the offset of partition p the current step is about
// in the view's group, or -1.
func currentOffset(v View, p int) int64 {
	x := v.X
	if v.Step < 0 {
		return -1
	}
	e := x.Event(v.Step)
	if e.TP() != x.Parts[p] || e.Offset < 0 || (e.Group != "" && v.Group >= 0 && v.Group < len(x.Groups) && e.Group != x.Groups[v.Group]) {
		return -1
	}
	switch e.Kind {
	case scenarios.KindCommit, scenarios.KindCommitOK, scenarios.KindCommitFailed, scenarios.KindStore, scenarios.KindPosition, scenarios.KindEOF:
		return e.Offset - 1 // next-offset kinds: the message they cover
	}
	return e.Offset
}
