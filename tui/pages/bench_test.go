package pages

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/internal/fixture"
)

// BenchmarkWalkView100k draws the walkthrough of a 100,000-event timeline,
// moving one step between frames as playback does. Only the visible window
// is drawn, so the cost does not grow with the timeline.
func BenchmarkWalkView100k(b *testing.B) { benchView(b, 100_000) }

// BenchmarkWalkView1k is the same on a 1,000-event timeline, to show the
// cost does not depend on the length.
func BenchmarkWalkView1k(b *testing.B) { benchView(b, 1_000) }

func benchView(b *testing.B, n int) {
	r := fixture.Big(n)
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x40", 120, 40}, {"160x48", 160, 48}} {
		b.Run(size.name, func(b *testing.B) {
			c := common.New()
			c.Width, c.Height = size.w, size.h
			w := NewWalk(c, "big", r)
			mid := w.X.Len() / 2
			w.SetStep(mid)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				w.SetStep(mid + i%(n/4))
				_ = w.View()
			}
			el := time.Since(start)
			b.ReportMetric(float64(b.N)/el.Seconds(), "frames/s")
		})
	}
}

// BenchmarkWalkEnd100k draws the last step, with the outcome panel.
func BenchmarkWalkEnd100k(b *testing.B) {
	r := fixture.Big(100_000)
	c := common.New()
	c.Width, c.Height = 160, 48
	w := NewWalk(c, "big", r)
	w.SetStep(w.X.Len() - 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = w.View()
	}
}

// BenchmarkWalkJump100k moves to random far steps (home, end, notable
// jumps) and draws: each move replays at most scenarios.StepsCheckpointEvery events.
func BenchmarkWalkJump100k(b *testing.B) {
	r := fixture.Big(100_000)
	c := common.New()
	c.Width, c.Height = 160, 48
	w := NewWalk(c, "big", r)
	n := w.X.Len()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.SetStep((i * 7919) % n)
		_ = w.View()
	}
}

// sandboxKeys are 200 sandbox actions on auto-commit-loss (a produce
// every other key, crashes, restarts, stalls, broker outages, time moving
// on a second with each action).
func sandboxKeys() []tea.KeyMsg {
	cycle := []tea.KeyMsg{runeKey('p'), runeKey('x'), runeKey('p'), runeKey('r'), runeKey('p'), runeKey('z'),
		runeKey('p'), runeKey('z'), runeKey('p'), runeKey('b'), runeKey('p'), runeKey('b')}
	var out []tea.KeyMsg
	for len(out) < 200 {
		out = append(out, cycle...)
	}
	return out[:200]
}

// BenchmarkSandbox200Actions is a 200-action sandbox session on one
// scenarios.Session: each action is Session.Do, RunUntil one second on,
// the outcome classified and the walkthrough's index extended. It reports
// the mean cost of an action and of the last ones (the session at its
// longest).
func BenchmarkSandbox200Actions(b *testing.B) {
	var total, last time.Duration
	var events int
	for i := 0; i < b.N; i++ {
		sb := openSandbox(b, "auto-commit-loss")
		for j, k := range sandboxKeys() {
			start := time.Now()
			sb = press(sb, k)
			el := time.Since(start)
			total += el
			if j >= 190 {
				last += el
			}
		}
		if len(sb.Actions()) != 200 {
			b.Fatalf("%d actions: %s", len(sb.Actions()), sb.err)
		}
		events = sb.Walk.X.Len()
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N*200), "µs/action")
	b.ReportMetric(float64(last.Microseconds())/float64(b.N*10), "µs/last-10")
	b.ReportMetric(float64(events), "events")
}

// BenchmarkSandboxRerun200Actions is the same session done the old way:
// each action re-runs the grown script from the start and indexes the
// whole run again.
func BenchmarkSandboxRerun200Actions(b *testing.B) {
	sb := openSandbox(b, "auto-commit-loss")
	sb = press(sb, sandboxKeys()...)
	full := sb.Script()
	var total, last time.Duration
	for i := 0; i < b.N; i++ {
		for j := range full.Script {
			if full.Script[j].At < SandboxStart {
				continue
			}
			s := *full
			s.Script = full.Script[:j+1]
			s.Duration = full.Script[j].At.Truncate(time.Second) + time.Second
			start := time.Now()
			r, err := scenarios.Run(&s, scenarios.Options{})
			if err != nil {
				b.Fatal(err)
			}
			scenarios.NewSteps(r)
			el := time.Since(start)
			total += el
			if j >= len(full.Script)-10 {
				last += el
			}
		}
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N*200), "µs/action")
	b.ReportMetric(float64(last.Microseconds())/float64(b.N*10), "µs/last-10")
}
