package clock

import (
	"context"
	"math"
	"sync"
	"time"
)

// Wall is the real clock, for the real-Kafka backend. Its timers are queued
// like Sim's and run by RunUntil on the caller's goroutine, which sleeps
// until each is due; At and After may be called from any goroutine.
type Wall struct {
	mu    sync.Mutex
	q     queue
	wake  chan struct{}
	nowFn func() time.Time
	// late is the most an event ran after its time; lateAt is that
	// event's time.
	late   time.Duration
	lateAt time.Time
}

// NewWall returns a wall clock.
func NewWall() *Wall {
	w := &Wall{wake: make(chan struct{}, 1), nowFn: time.Now}
	w.q.lock = &w.mu
	// One heap: Wall's queue is short (and its time moves on its own).
	w.q.farFrom, w.q.now = math.MaxInt64, math.MinInt64
	return w
}

// Now is the wall-clock time.
func (w *Wall) Now() time.Time { return w.nowFn() }

// At schedules fn at t; a t already past runs at once (on the next loop
// turn), as if scheduled for now.
func (w *Wall) At(t time.Time, fn func()) Timer {
	if now := w.Now(); t.Before(now) {
		t = now
	}
	w.mu.Lock()
	tm := w.q.push(t.UnixNano(), fn)
	tm.ev.at = t
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return tm
}

// After schedules fn d from now.
func (w *Wall) After(d time.Duration, fn func()) Timer { return w.At(w.Now().Add(d), fn) }

// Next reports when the earliest pending event is due.
func (w *Wall) Next() (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ev := w.q.peek()
	if ev == nil {
		return time.Time{}, false
	}
	return ev.at, true
}

// RunUntil sleeps until t, running each event as it falls due.
func (w *Wall) RunUntil(ctx context.Context, t time.Time) error {
	for {
		w.mu.Lock()
		ev := w.q.peek()
		now := w.Now()
		if ev != nil && !ev.at.After(now) && !ev.at.After(t) {
			if late := now.Sub(ev.at); late > w.late {
				w.late, w.lateAt = late, ev.at
			}
			fn := w.q.pop()
			w.mu.Unlock()
			fn()
			continue
		}
		wakeAt := t
		if ev != nil && ev.at.Before(wakeAt) {
			wakeAt = ev.at // read under the lock: events are recycled
		}
		w.mu.Unlock()
		if !now.Before(t) {
			return nil
		}
		timer := time.NewTimer(wakeAt.Sub(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-w.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// Lateness reports the most an event ran after the time it was scheduled
// for, and that time: how far the loop fell behind its schedule (a busy
// machine, a callback that blocked). Real-time runs whose decisive
// moments are a second apart are not to be trusted past a few hundred
// milliseconds.
func (w *Wall) Lateness() (late time.Duration, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.late, w.lateAt
}

var _ Loop = (*Wall)(nil)
