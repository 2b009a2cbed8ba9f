// Package clock is kafkasim's single source of time: a clock, a timer queue
// ordered by (time, sequence), and the loop that runs due timers.
//
// Two implementations share one interface. Sim is virtual time: running it
// forward jumps straight to the next due event, so simulating 45 s of session
// timeout costs microseconds, and a seeded random source makes every run
// repeatable. Wall is real time for the real-Kafka backend: running it forward
// sleeps until each event is due.
//
// Events scheduled for the same instant run in the order they were scheduled;
// nothing depends on map iteration or goroutine scheduling.
package clock

import (
	"context"
	"sync"
	"time"
)

// Epoch is the instant virtual time starts at. It is fixed so that record
// timestamps and timelines are identical from run to run.
var Epoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Clock tells the time and schedules work. Callbacks run on the goroutine that
// drives the loop (see Loop), never concurrently with each other.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// At schedules fn to run at t (or at once, on the next loop turn, if t
	// is not after Now).
	At(t time.Time, fn func()) Timer
	// After schedules fn to run d from now.
	After(d time.Duration, fn func()) Timer
}

// Loop is a Clock whose due events are run by the caller.
type Loop interface {
	Clock
	// RunUntil runs every event due at or before t in (time, sequence)
	// order, including events those events schedule, and leaves Now at t
	// (or later, for Wall). Sim jumps through time; Wall sleeps. It returns
	// ctx.Err() if the context ends first.
	RunUntil(ctx context.Context, t time.Time) error
	// Next reports when the earliest pending event is due.
	Next() (time.Time, bool)
}

// Timer is a handle on a scheduled event. The zero Timer is valid and stops
// nothing.
type Timer struct {
	ev  *event
	gen uint64
	// lock is the queue's (nil for Sim): kept in the handle so that Sim's
	// Pending and Stop, called on every poll, check without a lock and
	// inline. Both are at the inliner's budget (go build -gcflags=-m
	// shows it): keep their fast paths this small.
	lock *sync.Mutex
}

// Stop cancels the event. It reports whether the event was still pending:
// false if it already ran, was stopped before, or the Timer is zero.
func (t Timer) Stop() bool {
	// Most of Sim's Stops find nothing to stop (the event already ran or
	// was stopped): that check is inlined, the rest is not. Wall's is
	// made under its lock, in stop.
	if t.lock != nil || t.ev != nil && t.ev.gen == t.gen {
		return t.stop()
	}
	return false
}

// stop is Stop but for the inlined check.
func (t Timer) stop() bool {
	if t.lock != nil {
		t.lock.Lock()
		defer t.lock.Unlock()
		if !t.pending() {
			return false
		}
	}
	t.ev.q.remove(t.ev)
	return true
}

// Pending reports whether the event is still scheduled.
func (t Timer) Pending() bool {
	if t.lock == nil {
		return t.ev != nil && t.pending() // Sim: no lock
	}
	return t.pendingLocked()
}

func (t Timer) pendingLocked() bool {
	t.lock.Lock()
	defer t.lock.Unlock()
	return t.pending()
}

// pending is Pending without the lock: t's event has not been recycled
// since t was made for it (see event.gen).
func (t Timer) pending() bool { return t.ev.gen == t.gen }

// When reports when a pending event is due; the zero time if it is not pending.
func (t Timer) When() time.Time {
	if t.ev == nil {
		return time.Time{}
	}
	if t.lock != nil {
		t.lock.Lock()
		defer t.lock.Unlock()
	}
	if !t.pending() {
		return time.Time{}
	}
	if t.lock != nil {
		return t.ev.at // Wall: the time as given, monotonic reading and all
	}
	return fromUnixNano(t.ev.q.key(t.ev))
}

// fromUnixNano is the time.Time of Unix nanoseconds ns, in UTC and without
// a monotonic reading: the same value as Epoch.Add(d) for the d that makes
// ns, so Sim's times are those it made when it kept time.Time.
func fromUnixNano(ns int64) time.Time { return time.Unix(0, ns).UTC() }
