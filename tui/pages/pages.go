// Package pages holds the screens of the kafkasim terminal UI: the scenario
// picker, the walkthrough, compare mode and the sandbox. A page asks the
// root model for navigation by returning one of the messages below from a
// command; it never performs I/O itself.
package pages

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/components"
)

// OpenCompareMsg asks the root to open compare mode for the current
// scenario: auto-commit on the left, CompareVariants[Right] on the right.
// Compare mode sends it with Switch set to change its right-hand run: the
// root then replaces the screen, keeps the left-hand run (Left) and moves
// the new one to the same time (At).
type OpenCompareMsg struct {
	Right  int
	Switch bool
	At     time.Duration
	Left   *scenarios.Result
}

// OpenSandboxMsg asks the root to open the sandbox for the current scenario.
type OpenSandboxMsg struct{}

// BackMsg asks the root to go back one screen.
type BackMsg struct{}

// OpenMsg asks the root to open a scenario by built-in name or file path.
type OpenMsg struct{ NameOrFile string }

// tickMsg advances playback; id ties it to the play session that asked.
type tickMsg struct{ id int }

func send(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

// speeds are the playback intervals, slowest first.
var speeds = []time.Duration{2 * time.Second, time.Second, 500 * time.Millisecond, 250 * time.Millisecond, 100 * time.Millisecond, 50 * time.Millisecond, 20 * time.Millisecond}

const defaultSpeed = 2

func speedLabel(i int) string {
	r := float64(time.Second) / float64(speeds[i])
	if r < 1 {
		return fmt.Sprintf("%.1f steps/s", r)
	}
	return fmt.Sprintf("%.0f steps/s", r)
}

func tick(id, speed int) tea.Cmd {
	return tea.Tick(speeds[speed], func(time.Time) tea.Msg { return tickMsg{id} })
}

// timeSpeeds are the paces of playback by virtual time: virtual time per
// second of wall time, slowest first.
var timeSpeeds = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second}

const defaultTimeSpeed = 2

// ticksPerSecond is how often playback by time moves.
const ticksPerSecond = 10

func timeSpeedLabel(i int) string {
	return "×" + strings.TrimSuffix(fmt.Sprintf("%g", timeSpeeds[i].Seconds()), ".0") + " time"
}

func timeTick(id int) tea.Cmd {
	return tea.Tick(time.Second/ticksPerSecond, func(time.Time) tea.Msg { return tickMsg{id} })
}

// titleBar draws the top line: left text, right text, reversed.
func titleBar(c common.Common, left, right string, w int) string {
	if w <= 0 {
		return ""
	}
	gap := w - len([]rune(left)) - len([]rune(right))
	if gap < 1 {
		// The right part (time, step, play state) is what a class
		// watches: cut the title instead, while enough of it is left.
		room := w - len([]rune(right)) - 1
		if room < 12 {
			return c.Styles.Title.Render(common.Pad(left, w))
		}
		left = ansi.Truncate(left, room, "…")
		gap = w - ansi.StringWidth(left) - len([]rune(right))
	}
	return c.Styles.Title.Render(left + strings.Repeat(" ", gap) + right)
}

// panel is one section of a stacked layout.
type panel struct {
	name      string
	min, want int // content lines, without the title rule
	focused   bool
	flex      bool // takes what is left
	render    func(w, h int) string
}

// stack lays panels out top to bottom in w×h. prio lists panel indexes,
// most important first: each gets its minimum if it fits, then the
// focused panel, then the others in priority order grow to what they want;
// the flex panel takes what is left. Panels that do not fit are dropped.
func stack(c common.Common, ps []panel, prio []int, w, h int, growOrder ...int) string {
	if growOrder == nil {
		growOrder = prio
	}
	hs := make([]int, len(ps))
	budget := h
	for _, i := range prio {
		if need := ps[i].min + 1; need <= budget && ps[i].min > 0 {
			hs[i] = ps[i].min
			budget -= need
		}
	}
	grow := func(i int) {
		if hs[i] == 0 {
			return
		}
		extra := min(max(0, ps[i].want-hs[i]), budget)
		hs[i] += extra
		budget -= extra
	}
	for _, i := range prio {
		if ps[i].focused {
			grow(i)
		}
	}
	for _, i := range growOrder {
		grow(i)
	}
	for i := range ps {
		if ps[i].flex && hs[i] > 0 {
			hs[i] += budget
			budget = 0
		}
	}
	var out []string
	for i, p := range ps {
		if hs[i] == 0 {
			continue
		}
		out = append(out, components.Title(c, p.name, p.focused, w))
		out = append(out, common.Fit(p.render(w, hs[i]), w, hs[i]))
	}
	return common.Fit(strings.Join(out, "\n"), w, h)
}
