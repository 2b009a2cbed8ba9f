package pages

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/components"
	"github.com/kafkasim/kafkasim/tui/keymap"
)

// Focusable panels of the walkthrough, in tab order.
const (
	FocusPartitions = iota
	FocusLanes
	FocusNarration
	FocusGroup
	FocusOutcome
	FocusEvents
	numFocus
)

// Walk is the walkthrough of one run: every panel shows the state after
// the current step, and nothing of the future.
type Walk struct {
	common.Common
	// Title is the scenario's name as the top bar shows it.
	Title string
	// X is the run.
	X *scenarios.Steps

	step      int
	prev, st  scenarios.StepState
	playing   bool
	byTime    bool          // playback moves virtual time at a steady pace, not a step a tick
	playAt    time.Duration // the virtual time playback by time has reached
	speed     int
	timeSpeed int
	playID    int
	focus     int
	group     int
	zoom      int // swimlane zoom (components.View.Zoom)
	presenter bool
	scroll    int // the focused scrollable panel's first line

	// cached per run and width: the narration's height, the lanes' legend
	cacheX     *scenarios.Steps
	cacheLen   int
	cacheW     int
	narrLines  int
	laneLegend []string
	laneShort  string // the legend's first line with "? more", when it does not all fit

	// Live is set by the sandbox: the outcome is always shown (what is
	// lost is only at risk while the run goes on) and the key bar lists
	// the sandbox keys.
	Live bool
	// Banner is an extra line under the top bar (the sandbox status).
	Banner string
	// Status is a message for the key bar's place (where a frame was
	// written); any key clears it.
	Status string
	// Selected is the consumer the sandbox acts on, marked in the lanes.
	Selected string
	// Help is the key help; the walkthrough's by default.
	Help keymap.Help
	// FrameDir is where w writes frames ("": the current directory).
	FrameDir string
}

// NewWalk opens a walkthrough of r at the step before the first event.
func NewWalk(c common.Common, title string, r *scenarios.Result) *Walk {
	w := &Walk{Common: c, Title: title, speed: defaultSpeed, timeSpeed: defaultTimeSpeed, focus: -1, Help: c.Keys.Walkthrough()}
	w.SetResult(r, -1)
	return w
}

// SetResult replaces the run and moves to step i.
func (w *Walk) SetResult(r *scenarios.Result, i int) {
	w.X = scenarios.NewSteps(r)
	w.step = -2
	w.SetStep(i)
}

// Grow replaces the run with a longer one that begins with the current
// run's events (the sandbox's session went on) and moves to step i. It
// indexes only the new events (scenarios.Steps.Extend).
func (w *Walk) Grow(r *scenarios.Result, i int) {
	if x := w.X.Extend(r); x != w.X {
		w.X = x
	}
	w.step = -2
	w.SetStep(i)
}

// Step is the current step (-1: before the first event).
func (w *Walk) Step() int { return w.step }

// Playing reports whether playback runs.
func (w *Walk) Playing() bool { return w.playing }

// ByTime reports whether playback moves by virtual time.
func (w *Walk) ByTime() bool { return w.byTime }

// Focus is the focused panel (-1: none).
func (w *Walk) Focus() int { return w.focus }

// Group is the group the partitions and the group panel show.
func (w *Walk) Group() int { return w.group }

// Presenter reports whether the presenter view is on.
func (w *Walk) Presenter() bool { return w.presenter }

// State is the state after the current step.
func (w *Walk) State() *scenarios.StepState { return &w.st }

// Time is the virtual time of the current step (0 before the first).
func (w *Walk) Time() time.Duration {
	if w.step < 0 {
		return 0
	}
	return w.X.Event(w.step).At
}

// SetStep moves to step i, clamped to the timeline.
func (w *Walk) SetStep(i int) {
	n := w.X.Len()
	i = max(-1, min(i, n-1))
	switch {
	case i == w.step:
		return
	case i == w.step+1 && i >= 0:
		w.prev = w.st.Clone()
		w.st.Apply(w.X, w.X.Event(i))
	default:
		w.prev = w.X.At(i - 1)
		w.st = w.X.At(i)
	}
	w.step = i
}

// AtEnd reports whether the current step is the last.
func (w *Walk) AtEnd() bool { return w.step >= w.X.Len()-1 }

// Init implements tea.Model.
func (w *Walk) Init() tea.Cmd { return nil }

// Update handles keys and playback ticks.
func (w *Walk) Update(msg tea.Msg) (*Walk, tea.Cmd) {
	k := w.Keys
	switch msg := msg.(type) {
	case tickMsg:
		if !w.playing || msg.id != w.playID {
			return w, nil
		}
		return w, w.playTick()
	case frameWrittenMsg:
		if msg.err != nil {
			w.Status = "could not write the frame: " + msg.err.Error()
		} else {
			w.Status = "wrote " + msg.path
		}
		return w, nil
	case tea.KeyMsg:
		w.Status = ""
		switch {
		case key.Matches(msg, k.PlayPause):
			return w, w.toggle()
		case key.Matches(msg, k.PlayMode):
			w.byTime = !w.byTime
			w.playAt = w.Time()
		case key.Matches(msg, k.PrevNote):
			w.stop()
			if j := w.X.PrevMoment(w.step); j >= 0 {
				w.SetStep(j)
			} else {
				w.SetStep(-1)
			}
		case key.Matches(msg, k.NextNote):
			w.stop()
			if j := w.X.NextMoment(w.step); j >= 0 {
				w.SetStep(j)
			} else {
				w.SetStep(w.X.Len() - 1)
			}
		case key.Matches(msg, k.Prev):
			w.stop()
			w.SetStep(w.step - 1)
		case key.Matches(msg, k.Next):
			w.stop()
			w.SetStep(w.step + 1)
		case key.Matches(msg, k.Home):
			w.stop()
			w.SetStep(-1)
		case key.Matches(msg, k.End):
			w.stop()
			w.SetStep(w.X.Len() - 1)
		case key.Matches(msg, k.Faster):
			if w.byTime {
				w.timeSpeed = min(w.timeSpeed+1, len(timeSpeeds)-1)
			} else {
				w.speed = min(w.speed+1, len(speeds)-1)
			}
		case key.Matches(msg, k.Slower):
			if w.byTime {
				w.timeSpeed = max(w.timeSpeed-1, 0)
			} else {
				w.speed = max(w.speed-1, 0)
			}
		case key.Matches(msg, k.Focus):
			w.focus = (w.focus + 1) % numFocus
			w.scroll = 0
		case key.Matches(msg, k.ScrollDown):
			w.scroll++
		case key.Matches(msg, k.ScrollUp):
			w.scroll = max(0, w.scroll-1)
		case key.Matches(msg, k.Group):
			if n := len(w.X.Groups); n > 0 {
				w.group = (w.group + 1) % n
			}
		case key.Matches(msg, k.ZoomIn), key.Matches(msg, k.ZoomOut):
			w.zoomKey(msg)
		case key.Matches(msg, k.Presenter):
			w.presenter = !w.presenter
		case key.Matches(msg, k.Frame):
			return w, w.WriteFrame()
		case key.Matches(msg, k.Compare):
			w.stop()
			return w, send(OpenCompareMsg{})
		case key.Matches(msg, k.Sandbox):
			w.stop()
			return w, send(OpenSandboxMsg{})
		case key.Matches(msg, k.Back):
			w.stop()
			if w.presenter {
				w.presenter = false
				return w, nil
			}
			return w, send(BackMsg{})
		}
	}
	return w, nil
}

// playTick advances playback by one tick: one step, or a slice of
// virtual time; it stops at a pause and at the end.
func (w *Walk) playTick() tea.Cmd {
	if w.AtEnd() {
		w.playing = false
		return nil
	}
	from := w.step
	if w.byTime {
		w.playAt += timeSpeeds[w.timeSpeed] / ticksPerSecond
		to := max(from, w.X.StepAtTime(w.playAt))
		if p := w.X.NextPause(from, to); p >= 0 {
			to = p
		}
		w.SetStep(to)
	} else {
		w.SetStep(w.step + 1)
	}
	if w.step > from && w.X.Event(w.step).Kind == scenarios.KindPause || w.AtEnd() {
		w.playing = false
		return nil
	}
	if w.byTime {
		return timeTick(w.playID)
	}
	return tick(w.playID, w.speed)
}

func (w *Walk) stop() { w.playing = false }

// zoomKey narrows (ZoomIn) or widens (ZoomOut) the swimlanes' window.
func (w *Walk) zoomKey(msg tea.KeyMsg) { w.zoom = zoomed(w.zoom, msg, w.Keys) }

// zoomed is zoom after the key msg: one level in or out, within bounds.
func zoomed(zoom int, msg tea.KeyMsg, k *keymap.KeyMap) int {
	switch {
	case key.Matches(msg, k.ZoomIn):
		return min(zoom+1, components.MaxZoom)
	case key.Matches(msg, k.ZoomOut):
		return max(zoom-1, 0)
	}
	return zoom
}

func (w *Walk) toggle() tea.Cmd {
	if w.playing {
		w.playing = false
		return nil
	}
	if w.AtEnd() {
		w.SetStep(-1)
	}
	w.playing = true
	w.playID++
	w.playAt = w.Time()
	if w.byTime {
		return timeTick(w.playID)
	}
	return tick(w.playID, w.speed)
}

func (w *Walk) view() components.View {
	return components.View{X: w.X, Step: w.step, Prev: &w.prev, St: &w.st, Group: w.group, Selected: w.Selected, Zoom: w.zoom}
}

// playLabel is the play state for the title bar.
func (w *Walk) playLabel() string {
	state := "paused"
	if w.playing {
		state = "playing"
	}
	if w.byTime {
		return state + " " + timeSpeedLabel(w.timeSpeed)
	}
	return state + " " + speedLabel(w.speed)
}

// View draws the walkthrough in w.Width × w.Height.
func (w *Walk) View() string {
	W, H := w.Width, w.Height
	if W <= 0 || H <= 0 {
		return ""
	}
	at := "T=" + scenarios.FormatTime(w.Time())
	right := fmt.Sprintf("%s  step %d/%d  %s ", at, w.step+1, w.X.Len(), w.playLabel())
	if w.Live {
		right = fmt.Sprintf("last event %s  %d events ", at, w.X.Len())
	}
	title := " kafkasim · " + w.Title
	if w.presenter {
		title += " · presenter"
	}
	top := titleBar(w.Common, title, right, W)
	hb := help.New()
	hb.Width = W
	bar := common.Pad(hb.ShortHelpView(w.Help.ShortHelp()), W)
	if w.Status != "" {
		// A status (the full path of a file written) is read whole: it
		// takes a second line when it needs one.
		st := []rune(" " + w.Status)
		if len(st) > W && H >= 8 {
			bar = w.Styles.Bold.Render(common.Pad(string(st[:W]), W)) + "\n" + w.Styles.Bold.Render(common.Pad(string(st[W:]), W))
		} else {
			bar = w.Styles.Bold.Render(common.Pad(string(st), W))
		}
	}
	lines := []string{top}
	if w.Banner != "" && H >= 6 {
		lines = append(lines, w.Styles.Bold.Render(common.Pad(w.Banner, W)))
	}
	body := H - len(lines) - 1 - strings.Count(bar, "\n")
	if body <= 0 {
		return common.Fit(lipgloss.JoinVertical(lipgloss.Left, append(lines, bar)...), W, H)
	}
	if w.presenter {
		lines = append(lines, w.presenterBody(W, body), bar)
	} else {
		lines = append(lines, w.body(W, body), bar)
	}
	return common.Fit(lipgloss.JoinVertical(lipgloss.Left, lines...), W, H)
}

func (w *Walk) showOutcome() bool { return w.Live || (w.AtEnd() && w.X.Len() > 0) }

// cache computes what depends only on the run and the width: the
// narration's height (its longest text) and the lanes' legend.
func (w *Walk) cache(narrW, laneW int) {
	if w.cacheX == w.X && w.cacheLen == w.X.Len() && w.cacheW == narrW<<16|laneW {
		return
	}
	w.cacheX, w.cacheLen, w.cacheW = w.X, w.X.Len(), narrW<<16|laneW
	w.narrLines = components.NarrationLines(w.X, narrW, 0)
	w.laneLegend = components.LaneLegendLines(w.X, laneW, w.Selected != "")
	w.laneShort = ""
	if short := components.LaneLegendLines(w.X, laneW-8, w.Selected != ""); len(short) > 1 {
		w.laneShort = short[0] + "  ? more"
	}
}

// partitionsTitle names the partitions panel and the group it shows.
func (w *Walk) partitionsTitle() string {
	x := w.X
	switch {
	case len(x.Groups) == 0:
		return "Partitions"
	case len(x.Groups) == 1:
		return "Partitions · group " + x.Groups[0]
	}
	return fmt.Sprintf("Partitions · group %s (%d of %d, ctrl+g: next group)", x.Groups[w.group], w.group+1, len(x.Groups))
}

// Wide reports whether a screen of W×H gets the wide layout: the
// partitions and lanes across the whole width, the narration beside the
// group and the outcome below them.
func Wide(W, H int) bool { return W >= 110 && H >= 30 }

// body lays the panels out. Their heights depend on the run and the
// screen, not on the step, so nothing jumps while stepping; at the last
// step (and always in the sandbox) the outcome takes the group panel's
// place and, when it needs more, the room of the explanation.
func (w *Walk) body(W, H int) string {
	x := w.X
	wide := Wide(W, H)
	narrW := W
	if wide {
		narrW = W/2 - 1
	}
	w.cache(narrW, W)
	v := w.view()
	c := w.Common
	np, nl := len(x.Parts), len(x.Consumers)+len(x.Groups)
	if x.HasBroker {
		nl++
	}
	legP := components.PartitionLegendLines(W, false)
	// The lanes' legend: all of it when the panel has room after every
	// lane (and the other panels' minimums), else one line ending "? more".
	legL := len(w.laneLegend)
	v.LaneLegend, v.LaneLegendShort = w.laneLegend, w.laneShort
	explain := 2
	if H >= 30 {
		explain = 3
	}
	outcome := w.showOutcome()
	narrMin := w.narrLines + 1
	narrWant := narrMin + explain
	if outcome && !wide && !w.Live {
		narrWant = narrMin // at the end the outcome takes the explanation's room
	}
	partMin, partWant := min(np, 1)*2+legP, np*4+legP
	laneMin, laneWant := min(nl, 2)+1+min(legL, 1), nl+1+legL
	laneAll := nl + 1 + min(legL, 1) // every lane, the axis, a line of legend
	var outLines []string
	outW := W
	if wide {
		outW = W - narrW - 1
	}
	if outcome {
		outLines = components.OutcomeLines(c, x, outW, w.Live, w.step)
	}
	// The group panel lists every consumer of the group (a member or
	// not), a header and a row per partition: counted from the run, not
	// the step, so that the panel keeps its height while stepping.
	members := 0
	if w.group < len(x.Groups) {
		for ci := range x.Consumers {
			if x.ConsGroup[ci] == x.Groups[w.group] {
				members++
			}
		}
	}
	groupWant := 2 + members + np
	if outcome {
		groupWant = min(groupWant, 2)
	}

	partTitle := w.partitionsTitle()
	partP := panel{name: partTitle, min: partMin, want: partWant, focused: w.focus == FocusPartitions,
		render: func(W, H int) string { return components.Partitions(c, v, W, H) }}
	laneP := panel{name: "Consumers along virtual time", min: laneMin, want: laneWant, focused: w.focus == FocusLanes,
		render: func(W, H int) string { return components.Lanes(c, v, W, H) }}
	narrP := panel{name: "Narration", min: narrMin, want: narrWant, focused: w.focus == FocusNarration,
		render: func(W, H int) string { return components.Narration(c, v, W, H) }}
	groupName := "Group"
	if w.group < len(x.Groups) {
		groupName = "Group " + x.Groups[w.group]
	}
	groupP := panel{name: groupName, min: 1, want: groupWant, focused: w.focus == FocusGroup,
		render: func(W, H int) string { return components.GroupPanel(c, v, w.group, W, H) }}
	outP := panel{name: "Outcome", min: min(4, max(2, len(outLines))), want: len(outLines), focused: w.focus == FocusOutcome,
		render: func(W, H int) string {
			s, top := components.Scrolled(c, outLines, W, H, w.scrollFor(FocusOutcome), "tab to focus, j/k to scroll")
			w.clampScroll(FocusOutcome, top)
			return s
		}}
	evP := panel{name: "Timeline", min: 1, want: 1 << 20, focused: w.focus == FocusEvents,
		render: func(W, H int) string { return components.Events(c, v, W, H) }}

	if wide {
		// Top: partitions and lanes across the width; bottom: narration
		// | outcome, group, timeline.
		bottomMin := narrWant + 1
		topH := H - bottomMin
		tops := []panel{partP, laneP}
		th := allot(tops, []int{1, 0}, nil, topH)
		if th[0] > 0 {
			th[0] = components.PartitionsFit(np, th[0], legP)
		}
		used := 0
		for _, h := range th {
			if h > 0 {
				used += h + 1
			}
		}
		top := render(c, tops, th, W)
		bh := H - used
		narrP.flex = true
		left := stack(c, []panel{narrP}, []int{0}, narrW, bh)
		var right string
		rw := W - narrW - 1
		if outcome {
			groupP.flex, groupP.want = true, 1<<20
			rp := []panel{outP, groupP}
			right = render(c, rp, allot(rp, []int{0, 1}, nil, bh), rw)
		} else {
			evP.flex = true
			right = stack(c, []panel{groupP, evP}, []int{0, 1}, rw, bh)
		}
		sep := make([]string, bh)
		for i := range sep {
			sep[i] = "|"
		}
		bottom := lipgloss.JoinHorizontal(lipgloss.Top, left, w.Styles.Dim.Render(strings.Join(sep, "\n")), right)
		if used == 0 {
			return common.Fit(bottom, W, H)
		}
		return common.Fit(top+"\n"+bottom, W, H)
	}
	ps := []panel{partP, laneP, narrP}
	prio := []int{2, 0, 1}
	if outcome {
		outP.flex = true
		ps = append(ps, outP, groupP)
		prio = []int{2, 0, 1, 3, 4}
	} else {
		ps = append(ps, groupP)
		prio = append(prio, 3)
		if H >= 30 || w.focus == FocusEvents {
			evP.flex = true
			ps = append(ps, evP)
			prio = append(prio, 4)
		} else {
			ps[3].flex = true
		}
	}
	// The narration's text, a line of partitions and two lanes first;
	// then every lane, then the group panel (or the outcome), then more
	// partitions, then the narration's explanation (the why of the step
	// before the lanes' full legend, which keeps a line ending "? more"),
	// then the rest.
	seq := []slot{{2, false, 0, false}, {0, false, 0, false}, {1, false, 0, false}}
	if outcome {
		seq = append(seq, slot{3, false, 0, false}) // the outcome comes before more lanes
	}
	if w.focus >= 0 {
		for i := range ps {
			if ps[i].focused {
				seq = append(seq, slot{i, false, 0, false}, slot{i, true, 0, false})
			}
		}
	}
	seq = append(seq, slot{1, true, laneAll, false}, slot{0, true, 0, false})
	if outcome {
		// At the end the outcome takes the group panel's place; the
		// group keeps a line only when there is room.
		seq = append(seq, slot{3, true, 0, false}, slot{4, false, 0, false}, slot{1, true, 0, false})
	} else {
		for _, i := range prio[3:] {
			seq = append(seq, slot{i, false, 0, false})
		}
		seq = append(seq, slot{2, true, 0, false}, slot{1, true, 0, true}, slot{3, true, 0, false}, slot{4, true, 0, false})
	}
	hs := allotSeq(ps, seq, H)
	if hs[0] > 0 {
		// Lines the partitions cannot use go to the flex panel.
		fit := components.PartitionsFit(np, hs[0], legP)
		for i := range ps {
			if ps[i].flex && hs[i] > 0 {
				hs[i] += hs[0] - fit
				hs[0] = fit
			}
		}
	}
	return common.Fit(render(c, ps, hs, W), W, H)
}

// scrollFor is the scroll offset of panel f (0 unless it is focused).
func (w *Walk) scrollFor(f int) int {
	if w.focus != f {
		return 0
	}
	return w.scroll
}

func (w *Walk) clampScroll(f, top int) {
	if w.focus == f {
		w.scroll = top
	}
}

// allot gives each panel of ps its height in h lines (each panel also
// takes a title line): the minimums in prio order while they fit, then
// the focused panel grows, then the others in grow order (prio when
// nil), to what they want; a flex panel takes what is left. 0: the panel
// is not shown.
func allot(ps []panel, prio, growOrder []int, h int) []int {
	if growOrder == nil {
		growOrder = prio
	}
	var seq []slot
	for _, i := range prio {
		seq = append(seq, slot{i, false, 0, false})
	}
	for _, i := range prio {
		if ps[i].focused {
			seq = append(seq, slot{i, true, 0, false})
		}
	}
	for _, i := range growOrder {
		seq = append(seq, slot{i, true, 0, false})
	}
	return allotSeq(ps, seq, h)
}

// slot is one move of allotSeq: give panel i its minimum, or grow it to
// what it wants (to upTo, when not 0; only if all of it fits, when whole).
type slot struct {
	i     int
	grow  bool
	upTo  int
	whole bool
}

// allotSeq gives panels their heights in the order of seq, then the flex
// panel what is left.
func allotSeq(ps []panel, seq []slot, h int) []int {
	hs := make([]int, len(ps))
	budget := h
	for _, sl := range seq {
		i := sl.i
		if i < 0 || i >= len(ps) {
			continue
		}
		switch {
		case !sl.grow && hs[i] == 0 && ps[i].min > 0 && ps[i].min+1 <= budget:
			hs[i] = ps[i].min
			budget -= ps[i].min + 1
		case !sl.grow && hs[i] == 0 && ps[i].min > 0 && ps[i].flex && budget >= 2:
			hs[i] = budget - 1
			budget = 0
		case sl.grow && hs[i] > 0 && !ps[i].flex:
			want := ps[i].want
			if sl.upTo > 0 {
				want = min(want, sl.upTo)
			}
			extra := min(max(0, want-hs[i]), budget)
			if sl.whole && extra < want-hs[i] {
				break // (a lanes' legend is whole or one line: part of it is blank)
			}
			hs[i] += extra
			budget -= extra
		}
	}
	for i := range ps {
		if ps[i].flex && hs[i] > 0 {
			hs[i] += budget
			budget = 0
		}
	}
	return hs
}

// render draws panels with the heights allot gave them.
func render(c common.Common, ps []panel, hs []int, w int) string {
	var out []string
	for i, p := range ps {
		if hs[i] == 0 {
			continue
		}
		out = append(out, components.Title(c, p.name, p.focused, w))
		out = append(out, common.Fit(p.render(w, hs[i]), w, hs[i]))
	}
	return strings.Join(out, "\n")
}

// presenterBody is the projector view: big partition cells of the chosen
// group, the teacher's narration and the current event, nothing else.
func (w *Walk) presenterBody(W, H int) string {
	v := w.view()
	c := w.Common
	var out []string
	out = append(out, components.Title(c, w.partitionsTitle(), false, W))
	narr := components.Narration(c, v, W-4, H)
	narrLines := strings.Split(narr, "\n")
	for len(narrLines) > 0 && strings.TrimSpace(narrLines[len(narrLines)-1]) == "" {
		narrLines = narrLines[:len(narrLines)-1]
	}
	room := H - 2 - len(narrLines)
	out = append(out, components.BigPartitions(c, v, W, max(room, 0))...)
	out = append(out, components.Title(c, "Narration", false, W))
	for _, l := range narrLines {
		out = append(out, "  "+l)
	}
	return common.Fit(strings.Join(out, "\n"), W, H)
}
