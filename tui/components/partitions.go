package components

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/styles"
)

const cellW = 3

// Partitions draws every partition's log as cells by offset, coloured and
// marked by fate, with a marker row: E log end, C the group's committed
// offset, 1..9 each consumer's position. The current step's message is
// drawn in brackets. It fits in w×h, choosing 4, 2 or 1 lines a partition.
func Partitions(c common.Common, v View, w, h int) string {
	if w <= 0 || h <= 0 || v.X == nil {
		return ""
	}
	x := v.X
	np := len(x.Parts)
	if np == 0 {
		return common.Fit(c.Styles.Dim.Render("no partitions yet"), w, h)
	}
	per := 4
	for per > 1 && per*np > h {
		per /= 2
	}
	shown := min(np, max(1, h/per))
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
	if len(out) < h {
		out = append(out, legend(c, w))
	}
	return common.Clip(strings.Join(out, "\n"), w, h)
}

// legend explains the cells and markers in one line: in full when it fits
// the width, else in short words (an 80-column screen), else cut (`?`
// has the whole of it).
func legend(c common.Common, w int) string {
	line := func(fates []styles.Fate, name func(styles.Fate) string, sep, markers string) string {
		var b strings.Builder
		for _, f := range fates {
			b.WriteString(c.Styles.Fate[f].Render(f.Symbol()) + " " + name(f) + sep)
		}
		b.WriteString(markers)
		return b.String()
	}
	all := styles.Fates()
	s := line(all, styles.Fate.String, "  ", "[ ] step  E end  C commit  1.. consumer")
	if ansi.StringWidth(s) > w {
		s = line(all, styles.Fate.Short, " ", " [ ] step E end C commit 1.. pos")
	}
	if ansi.StringWidth(s) > w {
		// Half an 80-column screen (compare): the fates but "pending",
		// whose dot speaks for itself.
		s = line(all[1:], styles.Fate.Short, " ", "")
	}
	return c.Styles.Dim.Render(common.Pad(s, w))
}

func partition(c common.Common, v View, p, per, w int) []string {
	x, st := v.X, v.St
	tp := x.Parts[p]
	end := st.LogEnd[p]
	committed := int64(-1)
	if v.Group >= 0 && v.Group < len(st.Groups) {
		committed = st.Groups[v.Group].Committed[p]
	}
	cur := int64(-1)
	if v.Step >= 0 {
		e := x.Event(v.Step)
		if e.TP() == tp && e.Offset >= 0 {
			cur = e.Offset
			switch e.Kind {
			case scenarios.KindCommit, scenarios.KindCommitOK, scenarios.KindCommitFailed, scenarios.KindStore, scenarios.KindPosition, scenarios.KindEOF:
				cur = e.Offset - 1 // next-offset kinds: the message they cover
			}
		}
	}
	// Header text.
	var hdr strings.Builder
	fmt.Fprintf(&hdr, "%s  end %d  committed %s", tp, end, fmtOff(committed))
	for ci, id := range x.Consumers {
		if pos := st.Cons[ci].Pos[p]; pos >= 0 && st.Cons[ci].Assigned[p] {
			fmt.Fprintf(&hdr, "  %s@%d", id, pos)
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
		for ci := range st.Cons {
			if pos := st.Cons[ci].Pos[p]; pos >= 0 && (focus < 0 || pos < focus) {
				focus = pos
			}
		}
	}
	if focus < 0 {
		focus = end
	}
	start := max(0, min(focus-int64(n)/3, end+1-int64(n)))
	var ruler, cells, marks strings.Builder
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
		stl := c.Styles.Fate[f]
		if o == cur {
			stl = stl.Inherit(c.Styles.CellCurrent)
		}
		cells.WriteString(stl.Render(cell))
		m := ""
		if o == end {
			m += "E"
		}
		if o == committed {
			m += "C"
		}
		for ci := range st.Cons {
			if st.Cons[ci].Pos[p] == o && st.Cons[ci].Assigned[p] && len(m) < cellW {
				m += fmt.Sprint((ci + 1) % 10)
			}
		}
		if v.Differs != nil && v.Differs(p, o) && len(m) < cellW {
			m += "^"
		}
		marks.WriteString(c.Styles.Marker.Render(fmt.Sprintf("%-*s", cellW, m)))
	}
	name := tp.String()
	switch per {
	case 4:
		return []string{common.Pad(c.Styles.Bold.Render(hdr.String()), w), c.Styles.Ruler.Render(ruler.String()), cells.String(), marks.String()}
	case 2:
		return []string{common.Pad(c.Styles.Bold.Render(hdr.String()), w), cells.String()}
	}
	return []string{common.Pad(name, prefix) + cells.String()}
}
