package clock

import (
	"sync"
	"time"
)

// event is one scheduled callback. Events are recycled after they run or
// are stopped; gen changes on every recycling, so an event is pending for
// a Timer exactly while their gens match, and stale Timer handles cannot
// touch the event's next use.
// Its time is its heap slot's key; Wall also keeps the time.Time it was
// given in at (with its monotonic reading, which the key has lost).
type event struct {
	fn    func()
	index int // position in its part of the queue (where); -1 when not scheduled
	gen   uint64
	id    int32     // index in queue.evs
	q     *queue    // the queue that made it, for Timer.Stop
	at    time.Time // Wall only: the time At was given
	// outside: scheduled from outside the simulation (Sim.SetOutside).
	outside bool
	// where: the part of the queue the event is in.
	where part
}

// part is a part of the queue (see queue).
type part uint8

const (
	inHeap part = iota
	inFar
	inLane
)

// slot is a heap entry. The ordering key lives in the slot itself, so
// comparisons never chase the event pointer.
type slot struct {
	key int64  // at as Unix nanoseconds
	seq uint64 // insertion order, breaks ties
	// ev is the event's id (queue.evs), not a pointer: sifting slots then
	// stores no pointers, which would each pay a write barrier while the
	// garbage collector marks.
	ev int32
}

// arity of the heap: a 4-ary heap is shallower and friendlier to caches
// than a binary one. (down's tournament is written for four.)
const arity = 4

// queue holds events ordered by (time, insertion sequence), in three
// parts. heap, a min-heap, holds the events due before farFrom when they
// were scheduled; far, another, those due later. A simulation's many
// timers far in the future (heartbeats, session and max.poll.interval
// timers, auto-commit) then sit in far, which is touched only when they
// are scheduled, stopped or due, and heap, which every message's
// processing timer goes through, stays a level or two deep instead of
// three or four. lane, a FIFO, holds the events scheduled for the
// current instant (After(0): the poll loop's next turn), which need no
// sifting: each is due now and was scheduled after every heap or far
// event due now (those were scheduled before the clock got here, or with
// AtFirst, which goes to the heaps), so the earliest event is a heap
// root due now, else the lane's head, else the lesser root. Which part an
// event is in changes nothing else (order, Pending, When).
type queue struct {
	heap []slot
	far  []slot
	// farFrom: an event due at or after it goes to far. now: an event
	// due then (not AtFirst) goes to lane. Sim keeps now its time and
	// farFrom farSpan after it; Wall uses neither.
	farFrom, now int64
	// lane[laneHead:] are the events scheduled for now, in order; a
	// stopped one's ev is -1. laneLive counts the others.
	lane               []slot
	laneHead, laneLive int
	evs                []*event // every event the queue made, by id (events are recycled, never freed)
	seq                uint64
	free               []*event
	lock               *sync.Mutex // nil for Sim; set for Wall, whose timers may be set from other goroutines
	// hole: heap[0] holds the slot of the event Sim.Step is running,
	// already removed in every other respect (not pending, recycled). Most
	// callbacks schedule something; the first push then takes the root's
	// place and sifts down once, instead of a pop's sift-down and a push's
	// sift-up. The hole's (time, sequence) is below every other slot's, so
	// remove and up never move anything into it. Everything else settles
	// it first (a pop without the event).
	hole bool
}

func less(a, b *slot) bool {
	if a.key == b.key {
		return a.seq < b.seq
	}
	return a.key < b.key
}

// up and down sift slot i of h, which is q.heap or q.far.
func (q *queue) up(h []slot, i int) {
	s := h[i]
	for i > 0 {
		p := (i - 1) / arity
		if !less(&s, &h[p]) {
			break
		}
		h[i] = h[p]
		q.evs[h[i].ev].index = i
		i = p
	}
	h[i] = s
	q.evs[s.ev].index = i
}

func (q *queue) down(h []slot, i int) {
	n := len(h)
	s := h[i]
	for {
		first := arity*i + 1
		var m int
		var ms *slot // &h[m]
		if first+arity <= n {
			// Four children (the usual case): a fixed tournament with
			// no loop and no bounds checks. (time, sequence) is unique,
			// so the minimum is the same whichever way it is found.
			c := (*[arity]slot)(h[first : first+arity])
			a, b := 0, 2
			if less(&c[1], &c[0]) {
				a = 1
			}
			if less(&c[3], &c[2]) {
				b = 3
			}
			if less(&c[b], &c[a]) {
				a = b
			}
			m, ms = first+a, &c[a]
		} else if first < n {
			m = first
			for c := first + 1; c < n; c++ {
				if less(&h[c], &h[m]) {
					m = c
				}
			}
			ms = &h[m]
		} else {
			break
		}
		if !less(ms, &s) {
			break
		}
		h[i] = *ms
		q.evs[ms.ev].index = i
		i = m
	}
	h[i] = s
	q.evs[s.ev].index = i
}

// farFirst reports whether far's root comes before heap's (the queue
// settled, far not empty).
func (q *queue) farFirst() bool {
	return len(q.far) > 0 && (len(q.heap) == 0 || less(&q.far[0], &q.heap[0]))
}

// laneFirst reports whether the earliest event is the lane's head (the
// queue settled): no heap root is due now (see queue).
func (q *queue) laneFirst() bool {
	return q.laneLive > 0 && (len(q.heap) == 0 || q.heap[0].key != q.now) && (len(q.far) == 0 || q.far[0].key != q.now)
}

// empty reports whether nothing is pending (the queue settled).
func (q *queue) empty() bool { return len(q.heap) == 0 && len(q.far) == 0 && q.laneLive == 0 }

// take removes the earliest event (the queue settled and not empty) and
// returns its time (Unix nanoseconds) and callback. One from heap is
// left as a hole (see queue.hole), which settle ends; one from far, rare,
// is removed at once.
func (q *queue) take() (int64, func(), bool) {
	if q.laneFirst() {
		return q.takeLane()
	}
	if q.farFirst() {
		return q.takeFar()
	}
	s := &q.heap[0]
	ev := q.evs[s.ev]
	fn, outside := ev.fn, ev.outside
	q.hole = true
	q.recycle(ev)
	return s.key, fn, outside
}

// takeLane is take of the lane's head.
func (q *queue) takeLane() (int64, func(), bool) {
	for q.lane[q.laneHead].ev < 0 {
		q.laneHead++ // stopped
	}
	s := q.lane[q.laneHead]
	q.laneHead++
	ev := q.evs[s.ev]
	fn, outside := ev.fn, ev.outside
	q.laneLive--
	q.recycle(ev)
	if q.laneLive == 0 {
		q.clearLane()
	}
	return s.key, fn, outside
}

// laneCompact: a lane that keeps getting events while it runs (callbacks
// scheduling one another at one instant, without end) is moved to its
// start once laneCompact taken ones are half of it.
const laneCompact = 1024

// compactLane moves the lane's pending events to its start.
func (q *queue) compactLane() {
	n := 0
	for _, s := range q.lane[q.laneHead:] {
		if s.ev >= 0 {
			q.lane[n] = s
			q.evs[s.ev].index = n
			n++
		}
	}
	q.lane, q.laneHead = q.lane[:n], 0
}

// clearLane empties the lane once nothing in it is pending.
func (q *queue) clearLane() {
	q.lane, q.laneHead = q.lane[:0], 0
}

// takeFar is take of far's root.
func (q *queue) takeFar() (int64, func(), bool) {
	at := q.far[0].key
	ev := q.evs[q.far[0].ev]
	fn, outside := ev.fn, ev.outside
	q.remove(ev)
	return at, fn, outside
}

// settle removes the hole left by take if no push has filled it. It is
// called before every look at the heap, and most callbacks fill the hole:
// the check is inlined, the work is not.
func (q *queue) settle() {
	if q.hole {
		q.fillHole()
	}
}

// fillHole removes the hole: a pop without the event.
func (q *queue) fillHole() {
	q.hole = false
	last := len(q.heap) - 1
	if last > 0 {
		q.heap[0] = q.heap[last]
	}
	q.heap[last] = slot{}
	q.heap = q.heap[:last]
	if last > 0 {
		q.down(q.heap, 0)
	}
}

// dueBy reports whether an event is due at or before ns. With the hole
// at the root (a callback running), the earliest event is among the
// root's children; nothing is settled.
func (q *queue) dueBy(ns int64) bool {
	if q.laneLive > 0 && q.now <= ns || len(q.far) > 0 && q.far[0].key <= ns {
		return true
	}
	h := q.heap
	if !q.hole {
		return len(h) > 0 && h[0].key <= ns
	}
	for i := 1; i <= arity && i < len(h); i++ {
		if h[i].key <= ns {
			return true
		}
	}
	return false
}

// len is the number of pending events.
func (q *queue) len() int {
	if q.hole {
		return len(q.heap) + len(q.far) + q.laneLive - 1
	}
	return len(q.heap) + len(q.far) + q.laneLive
}

// recycle marks ev not scheduled and keeps it for reuse.
func (q *queue) recycle(ev *event) {
	ev.index = -1
	ev.gen++
	ev.fn = nil
	q.free = append(q.free, ev)
}

// later is set in the sequence of events scheduled with At and After, not
// in that of events scheduled with AtFirst: at one instant every AtFirst
// event sorts before every other, and each kind keeps scheduling order.
const later = 1 << 63

func (q *queue) push(at int64, fn func()) Timer { return q.pushSeq(at, fn, false) }

// pushSeq schedules fn at at (Unix nanoseconds); first puts it ahead of
// the instant's events scheduled without it.
func (q *queue) pushSeq(at int64, fn func(), first bool) Timer {
	var ev *event
	if n := len(q.free); n > 0 {
		ev = q.free[n-1]
		q.free = q.free[:n-1]
	} else {
		ev = &event{id: int32(len(q.evs)), q: q}
		q.evs = append(q.evs, ev)
	}
	q.seq++
	seq := q.seq | later
	if first {
		seq = q.seq
	}
	ev.fn = fn
	switch {
	case at == q.now && !first:
		if q.laneHead >= laneCompact && 2*q.laneHead >= len(q.lane) {
			q.compactLane()
		}
		ev.where = inLane
		ev.index = len(q.lane)
		q.lane = append(q.lane, slot{key: at, seq: seq, ev: ev.id})
		q.laneLive++
	case at >= q.farFrom:
		ev.where = inFar
		ev.index = len(q.far)
		q.far = append(q.far, slot{key: at, seq: seq, ev: ev.id})
		q.up(q.far, ev.index)
	case q.hole:
		ev.where = inHeap
		q.hole = false
		q.heap[0] = slot{key: at, seq: seq, ev: ev.id}
		q.down(q.heap, 0)
	default:
		ev.where = inHeap
		ev.index = len(q.heap)
		q.heap = append(q.heap, slot{key: at, seq: seq, ev: ev.id})
		q.up(q.heap, ev.index)
	}
	return Timer{ev: ev, gen: ev.gen, lock: q.lock}
}

// remove takes the pending event ev out of the queue and recycles it.
func (q *queue) remove(ev *event) {
	hp := &q.heap
	switch ev.where {
	case inFar:
		hp = &q.far
	case inLane:
		q.lane[ev.index].ev = -1
		q.laneLive--
		q.recycle(ev)
		if q.laneLive == 0 {
			q.clearLane()
		}
		return
	}
	h := *hp
	i := ev.index
	last := len(h) - 1
	if i != last {
		h[i] = h[last]
		q.evs[h[i].ev].index = i
	}
	h[last] = slot{}
	h = h[:last]
	*hp = h
	if i != last {
		q.down(h, i)
		q.up(h, q.evs[h[i].ev].index)
	}
	q.recycle(ev)
}

// key is when the pending event ev is due.
func (q *queue) key(ev *event) int64 {
	switch ev.where {
	case inFar:
		return q.far[ev.index].key
	case inLane:
		return q.lane[ev.index].key
	}
	return q.heap[ev.index].key
}

// peek returns the earliest event or nil.
func (q *queue) peek() *event {
	q.settle()
	switch {
	case q.laneFirst():
		i := q.laneHead
		for q.lane[i].ev < 0 {
			i++
		}
		return q.evs[q.lane[i].ev]
	case q.farFirst():
		return q.evs[q.far[0].ev]
	case len(q.heap) > 0:
		return q.evs[q.heap[0].ev]
	}
	return nil
}

// next reports when the earliest event is due (Unix nanoseconds).
func (q *queue) next() (int64, bool) {
	q.settle()
	switch {
	case q.laneLive > 0:
		return q.now, true // (nothing is due before now)
	case q.farFirst():
		return q.far[0].key, true
	case len(q.heap) > 0:
		return q.heap[0].key, true
	}
	return 0, false
}

// pop removes the earliest event and returns its callback: take with the
// hole settled at once.
func (q *queue) pop() func() {
	q.settle()
	_, fn, _ := q.take()
	q.settle()
	return fn
}
