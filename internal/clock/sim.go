package clock

import (
	"context"
	"math/rand/v2"
	"runtime"
	"time"
)

// Sim is a virtual clock. Time moves only when the caller runs the loop, and
// then it jumps straight to the next due event. Sim is not safe for use by
// several goroutines at once; a simulation runs on one goroutine.
//
// Inside, time is int64 Unix nanoseconds, so scheduling and running events
// is integer arithmetic (time.Time.Add and After cost tens of instructions
// each); Now's time.Time is made once each time the clock moves. Virtual
// time therefore stays within the years 1678 to 2262.
type Sim struct {
	nowNs int64     // Now as Unix nanoseconds
	now   time.Time // nowNs as a time.Time (see fromUnixNano)
	q     queue
	rand  *rand.Rand
	ran   uint64
	depth int
	// inside counts the simulation's own work in progress (Enter, and
	// every event not scheduled from outside); outside runs the events
	// scheduled while it was zero (SetOutside).
	inside  int
	outside func(fn func())
}

// NewSim returns a virtual clock at Epoch whose random source is seeded with
// seed.
func NewSim(seed uint64) *Sim {
	return NewSimSource(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// NewSimSource returns a virtual clock at Epoch drawing randomness from src.
// Property tests pass a source fed by their generator so failures shrink.
func NewSimSource(src rand.Source) *Sim {
	s := &Sim{rand: rand.New(src)}
	s.setNow(epochNs)
	return s
}

// farSpan: events due farSpan or more after the time they are scheduled
// at go to the queue's far part (see queue). A message's processing and
// the poll loop's turns are nearer; heartbeats, session timeouts and
// auto-commit intervals are seconds away.
const farSpan = int64(time.Second)

// epochNs is Epoch as Unix nanoseconds.
var epochNs = Epoch.UnixNano()

// Now is the current virtual time, always in UTC.
func (s *Sim) Now() time.Time { return s.now }

// UnixNano is Now().UnixNano() without the time.Time: for callers that
// keep times as integers.
func (s *Sim) UnixNano() int64 { return s.nowNs }

// Elapsed is the virtual time since Epoch.
func (s *Sim) Elapsed() time.Duration { return time.Duration(s.nowNs - epochNs) }

// setNow moves the clock to ns.
func (s *Sim) setNow(ns int64) {
	s.nowNs = ns
	s.now = fromUnixNano(ns)
	s.q.now, s.q.farFrom = ns, ns+farSpan
}

// Rand is the simulation's seeded random source. Everything random in a
// simulation must draw from it, in a deterministic order.
func (s *Sim) Rand() *rand.Rand { return s.rand }

// At schedules fn at t; a t in the past runs on the next loop turn at Now.
func (s *Sim) At(t time.Time, fn func()) Timer {
	return s.mark(s.q.push(max(t.UnixNano(), s.nowNs), fn))
}

// mark notes whether the event of tm was scheduled from outside the
// simulation (see SetOutside).
func (s *Sim) mark(tm Timer) Timer {
	tm.ev.outside = s.outside != nil && s.inside == 0
	return tm
}

// SetOutside tells the clock how to run events scheduled from outside the
// simulation: by code that is neither inside Enter and Leave nor running
// an event scheduled from inside. run calls fn as its owner needs (the
// simulated cluster releases its lock around it, so that such a callback,
// a test's say, may call the clients). nil, the default, runs every event
// alike.
func (s *Sim) SetOutside(run func(fn func())) { s.outside = run }

// Enter marks the caller as the simulation's own work until Leave: what
// it schedules is run as the simulation's (see SetOutside). Enter and
// Leave nest.
func (s *Sim) Enter() { s.inside++ }

// Leave ends what Enter began.
func (s *Sim) Leave() { s.inside-- }

// Inside is how deep in Enter (and in events of the simulation's own)
// the clock is; SwapInside sets it, returning the old value, for code that
// lets outside code run from inside (a callback the simulation calls).
func (s *Sim) Inside() int { return s.inside }

// SwapInside sets the depth Inside reports and returns the old one.
func (s *Sim) SwapInside(n int) int {
	old := s.inside
	s.inside = n
	return old
}

// AtFirst schedules fn at t ahead of every event due at t that was
// scheduled with At or After, whenever those were scheduled, and behind
// the events AtFirst scheduled at t before it. A scenario's script steps
// use it: at any instant the script acts first, in script order, so a step
// added while the run is under way lands where it would have in the
// script. A t in the past means Now.
func (s *Sim) AtFirst(t time.Time, fn func()) Timer {
	return s.mark(s.q.pushSeq(max(t.UnixNano(), s.nowNs), fn, true))
}

// After schedules fn d from now.
func (s *Sim) After(d time.Duration, fn func()) Timer {
	return s.mark(s.q.push(s.nowNs+int64(max(d, 0)), fn))
}

// DueNow reports whether an event is due at the current instant (or
// before it), not counting the callback running now.
func (s *Sim) DueNow() bool { return s.q.dueBy(s.nowNs) }

// RunNow runs fn at once as an event of its own at the current instant,
// counted by Ran. A callback whose last act would be After(0, fn) calls
// it instead when DueNow is false: fn would be the next event run
// anyway, and it skips the trip through the queue.
func (s *Sim) RunNow(fn func()) {
	s.ran++
	fn()
}

// Next reports when the earliest pending event is due.
func (s *Sim) Next() (time.Time, bool) {
	at, ok := s.q.next()
	if !ok {
		return time.Time{}, false
	}
	return fromUnixNano(at), true
}

// Pending is the number of scheduled events.
func (s *Sim) Pending() int { return s.q.len() }

// Ran is the number of events run so far.
func (s *Sim) Ran() uint64 { return s.ran }

// Step runs the earliest event, moving Now to its time. It reports false if
// nothing was pending.
func (s *Sim) Step() bool {
	if s.q.settle(); s.q.empty() {
		return false
	}
	s.runFirst(false)
	s.q.settle()
	return true
}

// yieldEvery is how many events one call of the clock's own loops
// (RunBounded, RunUntil, RunUntilIdle) runs between yields of its
// goroutine (runtime.Gosched). Such a call can run for milliseconds on
// a goroutine that never blocks; with one P (GOMAXPROCS=1: a one-CPU
// container, go test -cpu 1) the garbage collector's background mark
// worker gets the P only when that goroutine yields, so without yields
// a collection's mark phase lasts until the allocations' assists have
// done all of its work (3-4 ms, most of a run of the issue-5 scenario),
// and every pointer the run writes meanwhile goes through the write
// barrier. Yielding every 256 events (about 10 us) ends it within a few
// of them: the issue-5 scenario runs 1.3x as fast at -cpu 1, and the
// yields cost 0.4% of its instructions.
//
// The count is per call, and Step does not yield: a caller that runs a
// few events at a time (a TUI sandbox's action) or steps the clock
// itself (a Driver handing the world's goroutines their turns) returns
// to code that blocks soon anyway, and yields there only let the heap's
// scavenger in to return memory the next events fault back in (counted
// across calls, the sandbox's actions and a property check's cases ran
// 1.5x slower). Yielding changes nothing a run computes: the runtime may
// preempt a goroutine at any instruction anyway.
const yieldEvery = 256

// yield yields the goroutine after the nth event of a loop's call, every
// yieldEvery events, when there is one P (see yieldEvery; with more, the
// collector has a dedicated worker, and a yield lets the goroutine move
// to another P).
func yield(n int) {
	if n%yieldEvery == 0 && runtime.GOMAXPROCS(0) == 1 {
		runtime.Gosched()
	}
}

// runFirst runs the earliest event (the queue settled and not empty),
// moving Now to its time. direct runs an event scheduled from outside
// as SetOutside's run would when it would only call it: as it is, not
// counted inside.
func (s *Sim) runFirst(direct bool) {
	at, fn, outside := s.q.take()
	if at != s.nowNs {
		s.setNow(at)
	}
	s.ran++
	s.depth++
	switch {
	case !outside:
		s.inside++
		fn()
		s.inside--
	case direct:
		fn()
	default:
		s.outside(fn)
	}
	s.depth--
}

// RunBounded runs the events due at or before t one at a time, as
// RunUntil does, and leaves Now at t, unless it stops early: after an
// event that set *stop (Now stays at that event's time), or when limit
// events have run in all (Ran) and another is due at or before t, which
// it does not run: it reports false then. direct runs the events
// scheduled from outside as the function given to SetOutside would if
// all it did was call them, without calling it (a caller that knows,
// such as a cluster driven from one goroutine, saves a call per event).
// It is what a runner that holds a run to a budget of events would
// write with Step, NextUnixNano and Ran, in one loop.
func (s *Sim) RunBounded(t time.Time, limit uint64, stop *bool, direct bool) bool {
	tNs := t.UnixNano()
	q := &s.q
	for n := 1; ; n++ {
		q.settle()
		var at int64
		switch {
		case q.laneLive > 0:
			at = s.nowNs // (nothing is due before now)
		case q.farFirst():
			at = q.far[0].key
		case len(q.heap) > 0:
			at = q.heap[0].key
		default:
			at = tNs + 1 // nothing pending
		}
		if at > tNs {
			break
		}
		if s.ran >= limit {
			return false
		}
		s.runFirst(direct)
		yield(n)
		if *stop {
			q.settle()
			return true
		}
	}
	if tNs > s.nowNs {
		s.setNow(tNs)
	}
	return true
}

// InCallback reports whether an event callback is running. Code that would
// run the loop itself (a blocking Poll, say) checks it to avoid running the
// loop re-entrantly from inside an event.
func (s *Sim) InCallback() bool { return s.depth > 0 }

// RunUntil runs every event due at or before t and leaves Now at t. A t
// before Now runs what is due now and leaves the clock where it is: virtual
// time never goes backwards. The context is checked between events.
func (s *Sim) RunUntil(ctx context.Context, t time.Time) error {
	tNs := t.UnixNano()
	// A context whose Done is nil is never cancelled (the Background one
	// the simulation passes): then Err, an interface call, is not asked
	// between events.
	done := ctx.Done()
	for n := 1; ; n++ {
		if at, ok := s.q.next(); !ok || at > tNs {
			break
		}
		if done != nil {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s.Step()
		yield(n)
	}
	if tNs > s.nowNs {
		s.setNow(tNs)
	}
	return nil
}

// RunFor runs the loop for d of virtual time.
func (s *Sim) RunFor(d time.Duration) {
	_ = s.RunUntil(context.Background(), fromUnixNano(s.nowNs+int64(d)))
}

// RunUntilIdle runs events until none are pending or limit events have run
// (limit <= 0 means no limit). It reports whether the queue emptied. Periodic
// timers never let a queue empty, so pass a limit or use RunUntil.
func (s *Sim) RunUntilIdle(limit int) bool {
	for n := 0; limit <= 0 || n < limit; n++ {
		if !s.Step() {
			return true
		}
		yield(n + 1)
	}
	_, ok := s.q.next()
	return !ok
}

var _ Loop = (*Sim)(nil)

// NextUnixNano is Next as Unix nanoseconds, for callers that keep times
// as integers.
func (s *Sim) NextUnixNano() (int64, bool) { return s.q.next() }

// AdvanceTo moves Now forward to ns (Unix nanoseconds) without running
// anything: events due at ns stay pending. Every event due before ns must
// have run; AdvanceTo panics if one has not. A ns that is not after Now
// does nothing. A driver that follows another clock (a testing/synctest
// bubble's) uses it to keep virtual time in step.
func (s *Sim) AdvanceTo(ns int64) {
	if ns <= s.nowNs {
		return
	}
	if at, ok := s.q.next(); ok && at < ns {
		panic("clock: AdvanceTo past a pending event")
	}
	s.setNow(ns)
}
