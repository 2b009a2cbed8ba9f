package clock

import (
	"sync"
	"time"
)

// event is one scheduled callback. Events are recycled after they run; gen
// changes on every reuse so stale Timer handles cannot touch the new event.
type event struct {
	at    time.Time
	key   int64 // at as Unix nanoseconds: cheap to compare
	seq   uint64
	fn    func()
	index int // position in the heap; -1 when not scheduled
	gen   uint64
}

// queue is a binary min-heap of events ordered by (at, seq).
type queue struct {
	heap []*event
	seq  uint64
	free []*event
	lock *sync.Mutex // nil for Sim; set for Wall, whose timers may be set from other goroutines
}

func (q *queue) less(i, j int) bool {
	a, b := q.heap[i], q.heap[j]
	if a.key == b.key {
		return a.seq < b.seq
	}
	return a.key < b.key
}

func (q *queue) swap(i, j int) {
	q.heap[i], q.heap[j] = q.heap[j], q.heap[i]
	q.heap[i].index = i
	q.heap[j].index = j
}

func (q *queue) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.swap(i, p)
		i = p
	}
}

func (q *queue) down(i int) {
	n := len(q.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			return
		}
		q.swap(i, m)
		i = m
	}
}

func (q *queue) push(at time.Time, fn func()) Timer {
	var ev *event
	if n := len(q.free); n > 0 {
		ev = q.free[n-1]
		q.free = q.free[:n-1]
	} else {
		ev = &event{}
	}
	ev.gen++
	q.seq++
	ev.at, ev.key, ev.seq, ev.fn = at, at.UnixNano(), q.seq, fn
	ev.index = len(q.heap)
	q.heap = append(q.heap, ev)
	q.up(ev.index)
	return Timer{ev: ev, gen: ev.gen, q: q}
}

func (q *queue) remove(ev *event) {
	i := ev.index
	last := len(q.heap) - 1
	if i != last {
		q.swap(i, last)
	}
	q.heap[last] = nil
	q.heap = q.heap[:last]
	if i != last {
		q.down(i)
		q.up(i)
	}
	ev.index = -1
	ev.fn = nil
	q.free = append(q.free, ev)
}

// peek returns the earliest event or nil.
func (q *queue) peek() *event {
	if len(q.heap) == 0 {
		return nil
	}
	return q.heap[0]
}

// pop removes the earliest event and returns its time and callback.
func (q *queue) pop() (time.Time, func()) {
	ev := q.heap[0]
	at, fn := ev.at, ev.fn
	q.remove(ev)
	return at, fn
}
