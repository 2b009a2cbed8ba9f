// Package export takes a run out of the terminal: an SVG image of the
// partitions and swimlanes at one step (for a slide), and one
// self-contained HTML file that steps through the whole timeline with the
// keyboard (for handouts and course platforms). Both are drawn from
// scenarios.Steps, the model the terminal UI shows, with the same fate
// symbols, markers and lane marks; the same run gives the same bytes.
package export

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// Options tune an export.
type Options struct {
	// Title heads it; "" uses the run's scenario name.
	Title string
	// Cells is the most offsets an SVG draws per partition, a window
	// around the committed offset and the consumers (default 32).
	Cells int
	// Columns is the swimlanes' width in columns (default 100).
	Columns int
}

func (o Options) title(x *scenarios.Steps) string {
	if o.Title != "" {
		return o.Title
	}
	return x.R.Scenario
}

// FateColor is the fill of a fate's cell in the exports.
func FateColor(f scenarios.Fate) string {
	return [...]string{"#ffffff", "#e0e0e0", "#9ecbff", "#ffe08a", "#ffa64d", "#a8e6b0", "#ff8a8a", "#dda8ff"}[f]
}

// ToneColor is the colour of a lane cell of tone t.
func ToneColor(t Tone) string {
	return [...]string{"#ffffff", "#9e9e9e", "#a06800", "#000000", "#c62828", "#2e7d32"}[t]
}

// Partition markers under the cells, as in the terminal UI.
const (
	MarkEnd       = "E"
	MarkCommitted = "C"
	MarkPos       = "^"
)

// svg builds an SVG document.
type svg struct {
	b    bytes.Buffer
	w, y int
}

const (
	pad      = 24
	cellPx   = 30
	pitchPx  = 34
	colPx    = 9
	lanePx   = 20
	nameColW = 110
	lineH    = 20
)

func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			if r < 0x20 && r != '\t' && r != '\n' {
				continue // not allowed in XML 1.0
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// text writes a text element; attrs are extra attributes.
func (s *svg) text(x, y int, attrs, body string) {
	fmt.Fprintf(&s.b, "<text x=\"%d\" y=\"%d\"%s>%s</text>\n", x, y, attrs, esc(body))
}

// wrap cuts text into lines of at most n characters, at spaces.
func wrap(text string, n int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= n:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

// SVG writes the state of x's run after step (-1: before the first
// event) as an SVG image: the narration in effect and the step's event,
// every group's partitions as cells by fate with their markers, the
// swimlanes up to that time, and a legend. It is valid XML with no
// script and no external reference.
func SVG(w io.Writer, x *scenarios.Steps, step int, opts Options) error {
	step = max(-1, min(step, x.Len()-1))
	if opts.Cells <= 0 {
		opts.Cells = 32
	}
	if opts.Columns <= 0 {
		opts.Columns = 100
	}
	s := &svg{w: max(pad*2+nameColW+opts.Columns*colPx, pad*2+opts.Cells*pitchPx)}
	body := &svg{w: s.w}
	body.frame(x, step, opts)
	height := body.y + pad
	fmt.Fprintf(&s.b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"14\">\n", s.w, height, s.w, height)
	fmt.Fprintf(&s.b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", s.w, height)
	s.b.Write(body.b.Bytes())
	s.b.WriteString("</svg>\n")
	_, err := w.Write(s.b.Bytes())
	return err
}

// frame draws everything but the svg element itself.
func (s *svg) frame(x *scenarios.Steps, step int, opts Options) {
	st := x.At(step)
	at := time.Duration(0)
	if step >= 0 {
		at = x.Event(step).At
	}
	s.y = pad + 8
	s.text(pad, s.y, ` font-size="20" font-weight="bold"`, fmt.Sprintf("%s · T=%s · step %d of %d", opts.title(x), scenarios.FormatTime(at), step+1, x.Len()))
	s.y += 10
	if text, _ := x.Narration(step); text != "" {
		for _, l := range wrap("» "+text, s.w/9) {
			s.y += lineH
			s.text(pad, s.y, ` font-style="italic" font-family="DejaVu Sans, Helvetica, Arial, sans-serif"`, l)
		}
	}
	// The event the frame is about: an attached narration's is the event
	// it follows.
	ev := step
	if ev >= 0 {
		ev = x.Subject(ev)
	}
	if ev >= 0 {
		s.y += lineH
		s.text(pad, s.y, ` font-weight="bold"`, "> "+scenarios.EventString(x.Event(ev)))
	}
	s.y += 12
	for g := range x.Groups {
		s.group(x, &st, step, g, opts)
	}
	if len(x.Groups) == 0 {
		s.group(x, &st, step, -1, opts)
	}
	s.lanes(x, step, opts)
	s.legend(x)
}

// group draws one group's partitions.
func (s *svg) group(x *scenarios.Steps, st *scenarios.StepState, step, g int, opts Options) {
	s.y += lineH + 6
	if g >= 0 {
		gs := st.Groups[g]
		s.text(pad, s.y, ` font-size="16" font-weight="bold"`, fmt.Sprintf("group %s: %s, generation %d, %d members", x.Groups[g], gs.State, gs.Generation, len(gs.Members)))
	} else {
		s.text(pad, s.y, ` font-size="16" font-weight="bold"`, "partitions")
	}
	for p := range x.Parts {
		s.partition(x, st, step, g, p, opts.Cells)
	}
}

// Window is the first offset of a window of n cells of a partition
// ending at end: around the current message, else the committed offset,
// else the lowest consumer position, else the end.
func cellWindow(cur, committed, lowPos, end int64, n int) int64 {
	focus := cur
	if focus < 0 {
		focus = committed
	}
	if focus < 0 {
		focus = lowPos
	}
	if focus < 0 {
		focus = end
	}
	return max(0, min(focus-int64(n)/3, end+1-int64(n)))
}

// current is the offset of partition p step is about in group g, or -1.
func current(x *scenarios.Steps, step, g, p int) int64 {
	if step < 0 {
		return -1
	}
	e := x.Event(step)
	if e.TP() != x.Parts[p] || e.Offset < 0 || (e.Group != "" && g >= 0 && e.Group != x.Groups[g]) {
		return -1
	}
	switch e.Kind {
	case scenarios.KindCommit, scenarios.KindCommitOK, scenarios.KindCommitFailed, scenarios.KindStore, scenarios.KindPosition, scenarios.KindEOF:
		return e.Offset - 1
	}
	return e.Offset
}

// positions lists the group's consumers that own p, with their positions.
func positions(x *scenarios.Steps, st *scenarios.StepState, g, p int) (names []string, offs []int64) {
	for ci := range x.Consumers {
		if g >= 0 && x.ConsGroup[ci] != x.Groups[g] {
			continue
		}
		if c := &st.Cons[ci]; c.Assigned[p] && c.Pos[p] >= 0 {
			names = append(names, x.Consumers[ci])
			offs = append(offs, c.Pos[p])
		}
	}
	return names, offs
}

func (s *svg) partition(x *scenarios.Steps, st *scenarios.StepState, step, g, p, cells int) {
	tp := x.Parts[p]
	end := st.LogEnd[p]
	committed := int64(-1)
	if g >= 0 {
		committed = st.Groups[g].Committed[p]
	}
	names, offs := positions(x, st, g, p)
	hdr := fmt.Sprintf("%s  end %d  committed %s", tp, end, off(committed))
	low := int64(-1)
	for i, n := range names {
		hdr += fmt.Sprintf("  %s@%d", n, offs[i])
		if low < 0 || offs[i] < low {
			low = offs[i]
		}
	}
	s.y += lineH + 4
	s.text(pad, s.y, ` font-weight="bold"`, hdr)
	cur := current(x, step, g, p)
	start := cellWindow(cur, committed, low, end, cells)
	s.y += 16
	ruleY, cellY := s.y, s.y+4
	for k := 0; k < cells; k++ {
		o := start + int64(k)
		cx := pad + k*pitchPx
		s.text(cx+cellPx/2, ruleY, ` font-size="11" fill="#777777" text-anchor="middle"`, fmt.Sprint(o))
		f := x.Fate(max(g, 0), p, o, step, committed)
		if f != scenarios.FateNone {
			stroke, width := "#555555", 1
			if o == cur {
				stroke, width = "#000000", 3
			}
			fmt.Fprintf(&s.b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%d\"/>\n", cx, cellY, cellPx, cellPx, FateColor(f), stroke, width)
			s.text(cx+cellPx/2, cellY+cellPx/2+6, ` font-size="17" font-weight="bold" text-anchor="middle"`, f.Symbol())
		} else if o == end {
			fmt.Fprintf(&s.b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" fill=\"none\" stroke=\"#bbbbbb\" stroke-dasharray=\"4 3\"/>\n", cx, cellY, cellPx, cellPx)
		}
		m := ""
		if o == committed {
			m += MarkCommitted
		}
		if o == end {
			m += MarkEnd
		}
		for _, po := range offs {
			if po == o {
				m += MarkPos
				break
			}
		}
		if m != "" {
			s.text(cx+cellPx/2, cellY+cellPx+16, ` font-weight="bold" text-anchor="middle"`, m)
		}
	}
	s.y = cellY + cellPx + 18
}

func off(o int64) string {
	if o < 0 {
		return "-"
	}
	return fmt.Sprint(o)
}

// lanes draws the swimlanes up to step over the whole run, and the axis.
func (s *svg) lanes(x *scenarios.Steps, step int, opts Options) {
	s.y += lineH + 14
	s.text(pad, s.y, ` font-size="16" font-weight="bold"`, "Consumers along virtual time")
	cols := opts.Columns
	dur := x.End()
	from := time.Duration(0)
	dt := (dur + time.Duration(cols) - 1) / time.Duration(cols)
	x0 := pad + nameColW
	for _, l := range Lanes(x) {
		s.y += lanePx
		s.text(pad, s.y, ` font-weight="bold"`, l.Name)
		fmt.Fprintf(&s.b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eeeeee\"/>\n", x0, s.y+4, x0+cols*colPx, s.y+4)
		for k, c := range LaneCells(x, l, step, from, dt, cols) {
			if c.Ch == " " || c.Tone == ToneBlank {
				continue
			}
			weight := ""
			if c.Tone == ToneBad || c.Tone == ToneEvent || c.Tone == ToneGood {
				weight = ` font-weight="bold"`
			}
			s.text(x0+k*colPx+colPx/2, s.y, fmt.Sprintf(` text-anchor="middle" fill="%s"%s`, ToneColor(c.Tone), weight), c.Ch)
		}
	}
	// Axis and the current time.
	s.y += lanePx
	unit := AxisUnit(dt)
	for k := 0; k < cols; k += AxisStep {
		s.text(x0+k*colPx, s.y, ` font-size="11" fill="#777777"`, scenarios.FormatDuration((from + time.Duration(k)*dt).Round(unit)))
	}
	if step >= 0 {
		now := x.Event(step).At
		cx := x0 + int(int64(now-from)*int64(cols*colPx)/int64(max(dur, 1)))
		fmt.Fprintf(&s.b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f5fbf\" stroke-width=\"2\"/>\n", cx, s.y-lanePx*(len(Lanes(x))+1), cx, s.y+4)
		s.text(cx+4, s.y+16, ` font-size="12" fill="#1f5fbf"`, "T="+scenarios.FormatTime(now))
		s.y += 16
	}
}

// legend explains the fates, the markers and the lane marks.
func (s *svg) legend(x *scenarios.Steps) {
	s.y += lineH + 10
	s.text(pad, s.y, ` font-size="16" font-weight="bold"`, "Legend")
	for _, f := range scenarios.Fates() {
		s.y += lineH + 2
		fmt.Fprintf(&s.b, "<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"18\" rx=\"2\" fill=\"%s\" stroke=\"#555555\"/>\n", pad, s.y-14, FateColor(f))
		s.text(pad+9, s.y, ` font-weight="bold" text-anchor="middle"`, f.Symbol())
		s.text(pad+28, s.y, "", f.String()+": "+f.Meaning())
	}
	s.y += lineH + 2
	s.text(pad, s.y, "", "Under the cells: "+MarkCommitted+" the group's committed offset, "+MarkEnd+" the log end, "+MarkPos+" a consumer's position (the line above names whose).")
	for _, l := range wrap("Lanes: "+strings.Join(LaneLegend(x), ", ")+".", s.w/9) {
		s.y += lineH
		s.text(pad, s.y, "", l)
	}
}
