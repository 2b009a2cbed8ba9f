package clock

import (
	"context"
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
}

// NewWall returns a wall clock.
func NewWall() *Wall {
	w := &Wall{wake: make(chan struct{}, 1), nowFn: time.Now}
	w.q.lock = &w.mu
	return w
}

// Now is the wall-clock time.
func (w *Wall) Now() time.Time { return w.nowFn() }

// At schedules fn at t.
func (w *Wall) At(t time.Time, fn func()) Timer {
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

var _ Loop = (*Wall)(nil)
