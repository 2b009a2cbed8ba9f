package pages

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/components"
)

// side is one run of compare mode.
type side struct {
	label    string
	x        *scenarios.Steps
	step     int
	prev, st scenarios.StepState
}

func (s *side) seek(t time.Duration, before bool) {
	i := s.x.StepAtTime(t)
	if before {
		i = -1
	}
	if i == s.step {
		return
	}
	s.step = i
	s.prev = s.x.At(i - 1)
	s.st = s.x.At(i)
}

func (s *side) view(group string) components.View {
	g := s.x.GroupIndex(group)
	return components.View{X: s.x, Step: s.step, Prev: &s.prev, St: &s.st, Group: max(g, 0), OnlyGroup: g >= 0}
}

// Compare shows two runs of the same fault schedule side by side, stepping
// both in lock-step by virtual time and marking the cells whose fate
// differs.
type Compare struct {
	common.Common
	Title string
	// Right is the index in CompareVariants of the right-hand run.
	Right int

	a, b    side
	times   []time.Duration // every distinct event time of both runs
	k       int             // index into times; -1 before the start
	playing bool
	speed   int
	playID  int
	zoom    int // swimlane zoom (components.View.Zoom)
	scroll  int // both outcomes' first line
	group   int // the group shown, by index in the left run's Groups
}

// NewCompare opens compare mode on two runs.
func NewCompare(c common.Common, title, labelA string, a *scenarios.Result, labelB string, b *scenarios.Result) *Compare {
	m := &Compare{Common: c, Title: title, speed: defaultSpeed, k: -1}
	m.a = side{label: labelA, x: scenarios.NewSteps(a), step: -2}
	m.b = side{label: labelB, x: scenarios.NewSteps(b), step: -2}
	seen := map[time.Duration]bool{}
	for _, r := range []*scenarios.Result{a, b} {
		for i := range r.Events() {
			if t := r.Events()[i].At; !seen[t] {
				seen[t] = true
				m.times = append(m.times, t)
			}
		}
	}
	sort.Slice(m.times, func(i, j int) bool { return m.times[i] < m.times[j] })
	m.seek(-1)
	return m
}

// SeekTime moves to the last event time at or before t (t < 0: before
// the start).
func (m *Compare) SeekTime(t time.Duration) {
	if t < 0 {
		m.seek(-1)
		return
	}
	m.seek(sort.Search(len(m.times), func(i int) bool { return m.times[i] > t }) - 1)
}

// Time is the current virtual time (-1: before the start).
func (m *Compare) Time() time.Duration {
	if m.k < 0 {
		return -1
	}
	return m.times[m.k]
}

func (m *Compare) seek(k int) {
	k = max(-1, min(k, len(m.times)-1))
	m.k = k
	t := time.Duration(0)
	if k >= 0 {
		t = m.times[k]
	}
	m.a.seek(t, k < 0)
	m.b.seek(t, k < 0)
}

func (m *Compare) indexOf(t time.Duration) int {
	return sort.Search(len(m.times), func(i int) bool { return m.times[i] >= t })
}

func (m *Compare) notable(next bool) {
	best := -1
	for _, s := range []*side{&m.a, &m.b} {
		var j int
		if next {
			j = s.x.NextMoment(s.step)
			for j >= 0 && s.x.Event(j).At <= m.Time() {
				j = s.x.NextMoment(j)
			}
		} else {
			j = s.x.PrevMoment(s.step + 1)
			for j >= 0 && s.x.Event(j).At >= m.Time() {
				j = s.x.PrevMoment(j)
			}
		}
		if j < 0 {
			continue
		}
		k := m.indexOf(s.x.Event(j).At)
		if best < 0 || (next && k < best) || (!next && k > best) {
			best = k
		}
	}
	switch {
	case best >= 0:
		m.seek(best)
	case next:
		m.seek(len(m.times) - 1)
	default:
		m.seek(-1)
	}
}

// Update handles keys and playback.
func (m *Compare) Update(msg tea.Msg) (*Compare, tea.Cmd) {
	k := m.Keys
	switch msg := msg.(type) {
	case tickMsg:
		if !m.playing || msg.id != m.playID {
			return m, nil
		}
		m.seek(m.k + 1)
		if m.k >= len(m.times)-1 {
			m.playing = false
			return m, nil
		}
		return m, tick(m.playID, m.speed)
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.PlayPause):
			if m.playing {
				m.playing = false
				return m, nil
			}
			if m.k >= len(m.times)-1 {
				m.seek(-1)
			}
			m.playing = true
			m.playID++
			return m, tick(m.playID, m.speed)
		case key.Matches(msg, k.PrevNote):
			m.playing = false
			m.notable(false)
		case key.Matches(msg, k.NextNote):
			m.playing = false
			m.notable(true)
		case key.Matches(msg, k.Prev):
			m.playing = false
			m.seek(m.k - 1)
		case key.Matches(msg, k.Next):
			m.playing = false
			m.seek(m.k + 1)
		case key.Matches(msg, k.Home):
			m.playing = false
			m.seek(-1)
		case key.Matches(msg, k.End):
			m.playing = false
			m.seek(len(m.times) - 1)
		case key.Matches(msg, k.ZoomIn), key.Matches(msg, k.ZoomOut):
			m.zoom = zoomed(m.zoom, msg, k)
		case key.Matches(msg, k.ScrollDown):
			m.scroll++
		case key.Matches(msg, k.ScrollUp):
			m.scroll = max(0, m.scroll-1)
		case key.Matches(msg, k.Faster):
			m.speed = min(m.speed+1, len(speeds)-1)
		case key.Matches(msg, k.Slower):
			m.speed = max(m.speed-1, 0)
		case key.Matches(msg, k.Group):
			if n := len(m.a.x.Groups); n > 0 {
				m.group = (m.group + 1) % n
			}
		case key.Matches(msg, k.Variant):
			m.playing = false
			return m, send(OpenCompareMsg{Right: (m.Right + 1) % len(CompareVariants), Switch: true, At: m.Time(), Left: m.Left()})
		case key.Matches(msg, k.Back), key.Matches(msg, k.Compare):
			m.playing = false
			return m, send(BackMsg{})
		}
	}
	return m, nil
}

// Left is the left-hand run.
func (m *Compare) Left() *scenarios.Result { return m.a.x.R }

// RightResult is the right-hand run.
func (m *Compare) RightResult() *scenarios.Result { return m.b.x.R }

// AtEnd reports whether both runs are at their last time.
func (m *Compare) AtEnd() bool { return m.k >= len(m.times)-1 }

// Group is the name of the group shown ("" when the runs have none).
func (m *Compare) Group() string {
	if m.group < len(m.a.x.Groups) {
		return m.a.x.Groups[m.group]
	}
	return ""
}

// groups is the shown group's index in each run (0 when a run lacks it).
func (m *Compare) groups() (ga, gb int) {
	g := m.Group()
	return max(m.a.x.GroupIndex(g), 0), max(m.b.x.GroupIndex(g), 0)
}

// differs reports whether message (p of side a, off) of the shown group
// has a different fate in the two runs at the current time.
func (m *Compare) differs(p int, off int64) bool {
	tp := m.a.x.Parts[p]
	q := m.b.x.PartIndex(tp)
	ga, gb := m.groups()
	fa := m.a.x.Fate(ga, p, off, m.a.step, committed(&m.a.st, ga, p))
	fb := m.b.x.Fate(gb, q, off, m.b.step, committed(&m.b.st, gb, q))
	return fa != fb
}

func committed(st *scenarios.StepState, g, p int) int64 {
	if p < 0 || g >= len(st.Groups) {
		return -1
	}
	return st.Groups[g].Committed[p]
}

// View draws both runs side by side, the narration and the difference.
func (m *Compare) View() string {
	W, H := m.Width, m.Height
	if W <= 0 || H <= 0 {
		return ""
	}
	at := "T=0s"
	if m.k >= 0 {
		at = "T=" + scenarios.FormatTime(m.times[m.k])
	}
	state := "paused"
	if m.playing {
		state = "playing"
	}
	top := titleBar(m.Common, " kafkasim · compare · "+m.Title, fmt.Sprintf("%s  %d/%d  %s %s ", at, m.k+1, len(m.times), state, speedLabel(m.speed)), W)
	hb := help.New()
	hb.Width = W
	bar := common.Pad(hb.ShortHelpView(m.Keys.CompareHelp().ShortHelp()), W)
	body := H - 2
	if body <= 0 {
		return common.Fit(top+"\n"+bar, W, H)
	}
	legend := components.PartitionLegend(m.Common, W, true)
	bottomH := min(5, max(0, body/3))
	if body >= 40 {
		bottomH = 8
	}
	colH := body - bottomH - len(legend)
	if colH < 4 {
		legend = nil
		colH = body - bottomH
	}
	cw := (W - 1) / 2
	left := m.column(&m.a, &m.b, cw, colH, true)
	right := m.column(&m.b, &m.a, W-cw-1, colH, false)
	sep := make([]string, max(colH, 0))
	for i := range sep {
		sep[i] = "|"
	}
	cols := lipgloss.JoinHorizontal(lipgloss.Top, left, m.Styles.Dim.Render(strings.Join(sep, "\n")), right)
	parts := []string{top}
	if colH > 0 {
		parts = append(parts, cols)
	}
	parts = append(parts, legend...)
	if bottomH > 0 {
		parts = append(parts, m.bottom(W, bottomH))
	}
	parts = append(parts, bar)
	return common.Fit(strings.Join(parts, "\n"), W, H)
}

func (m *Compare) column(s, other *side, w, h int, isA bool) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	v := s.view(m.Group())
	v.Zoom = m.zoom
	if isA {
		v.Differs = m.differs
	} else {
		v.Differs = func(p int, off int64) bool {
			q := m.a.x.PartIndex(s.x.Parts[p])
			return q >= 0 && m.differs(q, off)
		}
	}
	c := m.Common
	x := s.x
	np, nl := len(x.Parts), len(x.Consumers)+len(x.Groups)
	if v.OnlyGroup {
		nl = 1
		for ci := range x.Consumers {
			if x.ConsGroup[ci] == m.Group() {
				nl++
			}
		}
	}
	v.NoLegend = true // compare draws it once, across the screen
	partsMin := min(np, 1) * 2
	if v.OnlyGroup {
		// One group of several: a line per partition first, then its
		// consumers' lanes, before the partitions grow.
		partsMin = max(partsMin, min(np, h-8))
	}
	ps := []panel{
		{name: s.label, min: partsMin, want: np * 4,
			render: func(W, H int) string { return components.Partitions(c, v, W, H) }},
		{name: "Consumers", min: min(nl+1, 2), want: nl + 1,
			render: func(W, H int) string { return components.Lanes(c, v, W, H) }},
	}
	prio := []int{0, 1}
	grow := []int{0, 1}
	if v.OnlyGroup {
		grow = []int{1, 0}
	}
	if !m.AtEnd() {
		ps = append(ps, panel{name: "Group", min: 2, want: 2, flex: true,
			render: func(W, H int) string { return components.GroupPanel(c, v, v.Group, W, H) }})
		prio = append(prio, 2)
	} else {
		// At the end the outcome takes the group panel's place.
		ps = append(ps, panel{name: "Outcome", min: 2, want: 10, flex: true,
			render: func(W, H int) string {
				out, top := components.Scrolled(c, components.OutcomeLines(c, x, W, false, s.step), W, H, m.scroll, "j/k to scroll")
				if isA {
					m.scroll = top // the left column clamps it
				}
				return out
			}})
		prio = []int{0, 1, 2}
	}
	return stack(c, ps, prio, w, h, append(grow, 2)...)
}

func verdicts(x *scenarios.Steps, v scenarios.Verdict) []string {
	var out []string
	for _, mo := range x.Bad() {
		if mo.Outcome == v && len(out) < 6 {
			out = append(out, fmt.Sprintf("%s[%d]@%d", mo.Topic, mo.Partition, mo.Offset))
		}
	}
	return out
}

func (m *Compare) summary(s *side) string {
	r := s.x.R
	out := fmt.Sprintf("LOST %d", r.Outcome.Counts.Lost)
	if l := verdicts(s.x, scenarios.Lost); len(l) > 0 {
		out += " (" + strings.Join(l, " ") + ")"
	}
	out += fmt.Sprintf(", DUPLICATED %d", r.Outcome.Counts.Duplicated)
	if d := verdicts(s.x, scenarios.Duplicated); len(d) > 0 {
		out += " (" + strings.Join(d, " ") + ")"
	}
	return out
}

func (m *Compare) bottom(w, h int) string {
	var out []string
	title := "Difference"
	if n := len(m.a.x.Groups); n > 1 {
		title = fmt.Sprintf("Difference · group %s (%d of %d, ctrl+g: next group)", m.Group(), m.group+1, n)
	}
	out = append(out, components.Title(m.Common, title, true, w))
	// Cells that differ now.
	var diffs []string
	for p := range m.a.x.Parts {
		end := max(m.a.st.LogEnd[p], 0)
		for o := max(0, end-4096); o < end && len(diffs) < 8; o++ {
			if m.differs(p, o) {
				diffs = append(diffs, fmt.Sprintf("%s@%d", m.a.x.Parts[p], o))
			}
		}
	}
	if m.AtEnd() {
		out = append(out, m.Styles.Bold.Render(m.a.label+": ")+m.summary(&m.a))
		out = append(out, m.Styles.Bold.Render(m.b.label+": ")+m.summary(&m.b))
	} else if len(diffs) > 0 {
		out = append(out, m.Styles.Bold.Render("Fates differ now at "+strings.Join(diffs, ", ")+" (marked ≠)."))
	} else {
		out = append(out, m.Styles.Dim.Render("So far both runs agree on every message."))
	}
	if text, _ := m.a.x.Narration(m.a.step); text != "" {
		out = append(out, common.Wrap("» "+text, w)...)
	}
	return common.Fit(strings.Join(out, "\n"), w, h)
}
