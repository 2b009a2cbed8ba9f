package pages

import (
	"testing"
	"time"

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
	}{{"80x24", 80, 24}, {"160x48", 160, 48}} {
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
// jumps) and draws: each move replays at most replay.CheckpointEvery events.
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
