package clock

import (
	"context"
	"testing"
	"time"
)

// An event run after its time is reported by Lateness; one scheduled in
// the past counts from when it was scheduled.
func TestWallLateness(t *testing.T) {
	w := NewWall()
	start := w.Now()
	w.At(start.Add(-time.Hour), func() {}) // "at once": not an hour late
	w.At(start.Add(10*time.Millisecond), func() { time.Sleep(60 * time.Millisecond) })
	w.At(start.Add(20*time.Millisecond), func() {})
	if err := w.RunUntil(context.Background(), start.Add(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	late, at := w.Lateness()
	if late < 40*time.Millisecond || late > time.Second {
		t.Errorf("lateness %v, want about 50 ms (the 20 ms event waited for the 10 ms one's 60 ms)", late)
	}
	if !at.Equal(start.Add(20 * time.Millisecond)) {
		t.Errorf("late event at %v, want start+20ms", at.Sub(start))
	}
}
