package pages

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/components"
	"github.com/kafkasim/kafkasim/tui/keymap"
	"github.com/kafkasim/kafkasim/tui/replay"
)

// Focusable panels of the walkthrough, in tab order.
const (
	FocusPartitions = iota
	FocusLanes
	FocusNarration
	FocusGroup
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
	X *replay.Index

	step     int
	prev, st replay.State
	playing  bool
	speed    int
	playID   int
	focus    int
	group    int
	zoom     int // swimlane zoom (components.View.Zoom)

	// Live is set by the sandbox: the outcome is always shown and the key
	// bar lists the sandbox keys.
	Live bool
	// Banner is an extra line under the top bar (the sandbox status).
	Banner string
	// Selected is the consumer the sandbox acts on, marked in the lanes.
	Selected string
	// Help is the key help; the walkthrough's by default.
	Help keymap.Help
}

// NewWalk opens a walkthrough of r at the step before the first event.
func NewWalk(c common.Common, title string, r *scenarios.Result) *Walk {
	w := &Walk{Common: c, Title: title, speed: defaultSpeed, focus: -1, Help: c.Keys.Walkthrough()}
	w.SetResult(r, -1)
	return w
}

// SetResult replaces the run (the sandbox grows it) and moves to step i.
func (w *Walk) SetResult(r *scenarios.Result, i int) {
	w.X = replay.New(r)
	w.step = -2
	w.SetStep(i)
}

// Grow replaces the run with a longer one that begins with the current
// run's events (the sandbox's session went on) and moves to step i. It
// indexes only the new events (replay.Index.Extend).
func (w *Walk) Grow(r *scenarios.Result, i int) {
	if x := w.X.Extend(r); x != w.X {
		w.X = x
		w.step = -2
	}
	w.SetStep(i)
}

// Step is the current step (-1: before the first event).
func (w *Walk) Step() int { return w.step }

// Playing reports whether playback runs.
func (w *Walk) Playing() bool { return w.playing }

// Focus is the focused panel.
func (w *Walk) Focus() int { return w.focus }

// State is the state after the current step.
func (w *Walk) State() *replay.State { return &w.st }

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
		w.prev = w.X.StateAt(i - 1)
		w.st = w.X.StateAt(i)
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
		if w.AtEnd() {
			w.playing = false
			return w, nil
		}
		w.SetStep(w.step + 1)
		if e := w.X.Event(w.step); e.Kind == scenarios.KindPause || w.AtEnd() {
			w.playing = false
			return w, nil
		}
		return w, tick(w.playID, w.speed)
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.PlayPause):
			return w, w.toggle()
		case key.Matches(msg, k.PrevNote):
			w.stop()
			if j := w.X.PrevNotable(w.step); j >= 0 {
				w.SetStep(j)
			} else {
				w.SetStep(-1)
			}
		case key.Matches(msg, k.NextNote):
			w.stop()
			if j := w.X.NextNotable(w.step); j >= 0 {
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
			w.speed = min(w.speed+1, len(speeds)-1)
		case key.Matches(msg, k.Slower):
			w.speed = max(w.speed-1, 0)
		case key.Matches(msg, k.Focus):
			w.focus = (w.focus + 1) % numFocus
		case key.Matches(msg, k.Group):
			if n := len(w.X.Groups); n > 0 {
				w.group = (w.group + 1) % n
			}
		case key.Matches(msg, k.ZoomIn), key.Matches(msg, k.ZoomOut):
			w.zoomKey(msg)
		case key.Matches(msg, k.Compare):
			w.stop()
			return w, send(OpenCompareMsg{})
		case key.Matches(msg, k.Sandbox):
			w.stop()
			return w, send(OpenSandboxMsg{})
		case key.Matches(msg, k.Back):
			w.stop()
			return w, send(BackMsg{})
		}
	}
	return w, nil
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
	return tick(w.playID, w.speed)
}

func (w *Walk) view() components.View {
	return components.View{X: w.X, Step: w.step, Prev: &w.prev, St: &w.st, Group: w.group, Selected: w.Selected, Zoom: w.zoom}
}

// View draws the walkthrough in w.Width × w.Height.
func (w *Walk) View() string {
	W, H := w.Width, w.Height
	if W <= 0 || H <= 0 {
		return ""
	}
	state := "paused"
	if w.playing {
		state = "playing"
	}
	at := "T=0s"
	if w.step >= 0 {
		at = "T=" + replay.FormatTime(w.X.Event(w.step).At)
	}
	right := fmt.Sprintf("%s  step %d/%d  %s %s ", at, w.step+1, w.X.Len(), state, speedLabel(w.speed))
	if w.Live {
		right = fmt.Sprintf("last event %s  %d events ", at, w.X.Len())
	}
	top := titleBar(w.Common, " kafkasim · "+w.Title, right, W)
	hb := help.New()
	hb.Width = W
	bar := common.Pad(hb.ShortHelpView(w.Help.ShortHelp()), W)
	lines := []string{top}
	if w.Banner != "" && H >= 6 {
		lines = append(lines, w.Styles.Bold.Render(common.Pad(w.Banner, W)))
	}
	body := H - len(lines) - 1
	if body <= 0 {
		return common.Fit(lipgloss.JoinVertical(lipgloss.Left, append(lines, bar)...), W, H)
	}
	lines = append(lines, w.body(W, body), bar)
	return common.Fit(lipgloss.JoinVertical(lipgloss.Left, lines...), W, H)
}

func (w *Walk) showOutcome() bool { return w.Live || (w.AtEnd() && w.X.Len() > 0) }

func (w *Walk) panels() []panel {
	v := w.view()
	c := w.Common
	x := w.X
	np, nl := len(x.Parts), len(x.Consumers)+len(x.Groups)
	if x.HasBroker {
		nl++
	}
	members := 0
	if w.group < len(w.st.Groups) {
		members = len(w.st.Groups[w.group].Members)
	}
	groupWant := 2 + members + nl + np
	groupName := "Group"
	if w.group < len(x.Groups) {
		groupName = "Group " + x.Groups[w.group]
	}
	return []panel{
		{name: "Partitions", min: min(np, 2), want: np*4 + 1, focused: w.focus == FocusPartitions,
			render: func(W, H int) string { return components.Partitions(c, v, W, H) }},
		{name: "Consumers along virtual time", min: min(nl+1, 2), want: nl + 1, focused: w.focus == FocusLanes,
			render: func(W, H int) string { return components.Lanes(c, v, W, H) }},
		{name: "Narration", min: 2, want: w.narrationWant(), focused: w.focus == FocusNarration,
			render: func(W, H int) string { return components.Narration(c, v, W, H) }},
		{name: "Outcome", min: 2, want: w.outcomeWant(), flex: false,
			render: func(W, H int) string { return components.Outcome(c, x, W, H) }},
		{name: groupName, min: 2, want: groupWant, focused: w.focus == FocusGroup,
			render: func(W, H int) string { return components.GroupPanel(c, v, w.group, W, H) }},
		{name: "Timeline", min: w.eventsMin(), want: 1 << 20, focused: w.focus == FocusEvents, flex: true,
			render: func(W, H int) string { return components.Events(c, v, W, H) }},
	}
}

const (
	pPart = iota
	pLanes
	pNarr
	pOut
	pGroup
	pEvents
)

func (w *Walk) body(W, H int) string {
	ps := w.panels()
	if !w.showOutcome() {
		ps[pOut].min, ps[pOut].want = 0, 0
	}
	if W >= 120 && H >= 24 {
		lw := W*3/5 - 1
		rw := W - lw - 1
		left := []panel{ps[pPart], ps[pLanes], ps[pNarr]}
		left[2].flex = true
		right := []panel{ps[pOut], ps[pGroup], ps[pEvents]}
		lv := stack(w.Common, left, []int{2, 0, 1}, lw, H)
		rv := stack(w.Common, right, []int{0, 1, 2}, rw, H)
		sep := make([]string, H)
		for i := range sep {
			sep[i] = "|"
		}
		return lipgloss.JoinHorizontal(lipgloss.Top, lv, w.Styles.Dim.Render(lipgloss.JoinVertical(lipgloss.Left, sep...)), rv)
	}
	return stack(w.Common, ps, []int{pNarr, pPart, pLanes, pOut, pGroup, pEvents}, W, H, pLanes, pPart, pOut, pNarr, pGroup, pEvents)
}

// narrationWant is how many lines the narration needs at this width.
func (w *Walk) narrationWant() int {
	W := w.Width
	if W >= 120 && w.Height >= 24 {
		W = W*3/5 - 1
	}
	lines := components.Narration(w.Common, w.view(), W, 12)
	n := strings.Count(strings.TrimRight(lines, "\n "), "\n") + 1
	if w.showOutcome() && w.Height < 30 {
		n = min(n, 4)
	}
	return n
}

func (w *Walk) outcomeWant() int {
	W := w.Width
	if W >= 120 && w.Height >= 24 {
		W = W - (W*3/5 - 1) - 1
	}
	s := components.Outcome(w.Common, w.X, W, 20)
	return strings.Count(s, "\n") + 1
}

func (w *Walk) eventsMin() int {
	if w.Height >= 30 || (w.Width >= 120 && w.Height >= 24) || w.focus == FocusEvents {
		return 1
	}
	return 0
}
