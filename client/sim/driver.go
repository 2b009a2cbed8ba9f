package sim

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/clock"
)

// A Driver runs a cluster whose clients are used by goroutines that wait
// for each other: an app that polls on one goroutine and commits from
// workers, sleeps, uses tickers and channels. It owns the cluster's event
// loop and decides, deterministically, which goroutine's call goes next;
// a call that waits (Poll with a timeout, Flush, a synchronous commit
// while the broker is down) parks its goroutine until the driver finds
// something for it or its deadline passes, instead of running the loop
// itself.
//
// There are two kinds, told apart by what the goroutines may wait on.
//
// In a testing/synctest bubble (DriveInBubble) the goroutines may wait on
// anything the bubble understands: channels, time.Sleep, tickers,
// sync.WaitGroup. Virtual time is the bubble's clock, offset to the
// cluster's: when every goroutine in the bubble is blocked, the bubble's
// clock jumps to the next timer, and the driver, sleeping until the
// cluster's next due event, runs it. Calls arriving at one instant are
// served in a fixed order (by client, then method, then arguments), not
// in the order the Go scheduler woke their goroutines: a program whose
// own goroutines make the same calls at the same instants gets the same
// run, byte for byte, whatever the scheduling.
//
// In lockstep (DriveInLockstep) the goroutines are started with Go and
// wait only in the cluster's calls and in Sleep: exactly one runs at a
// time, until it waits, and the driver jumps virtual time to the next
// event. This is an event loop whose callbacks are goroutines: a
// goroutine woken by an event runs before the next event, as a callback
// would.
//
// The goroutine that made the driver owns it: it runs the world with
// RunUntil, or hands that to a goroutine of the driver's own with Start,
// and acts on the world with Do while it stands still.
type Driver struct {
	cl  *Cluster
	clk *clock.Sim
	// wait is testing/synctest's Wait (nil in lockstep): it returns once
	// every other goroutine of the bubble is durably blocked.
	wait func()

	// mu guards pending and goLater. (A goroutine blocked on it is not
	// durably blocked in a bubble: it is never held across a wait.)
	mu      sync.Mutex
	pending []*ticket // calls waiting for the turn (bubble)
	kick    chan struct{}
	goLater []func() // goroutines Go started during Do (bubble)

	// yield is how a goroutine that was handed the turn hands it back.
	yield chan struct{}
	// owner: the owner is acting (Do); its calls go straight in.
	owner atomic.Bool

	// What follows is touched only by whoever has the turn.
	waiters []*ticket // parked goroutines, by key
	seq     uint64    // orders parks
	// changes counts what may change what a park waits for: events run,
	// turns handed out. A park's ready is asked again only after one.
	changes uint64
	// watch: RunUntilChange is running, and returns once changes is
	// no longer from.
	watch bool
	from  uint64
	// moved: since the bubble was last waited for, a turn was handed out
	// or time moved (goroutines may be running).
	moved bool
	free  []*ticket
	cur   callState // the call being served
	stack []callState

	// The bubble's clock when the driver was made, and the cluster's.
	b0    time.Time
	s0    int64
	timer *time.Timer

	stopOnce sync.Once
	stop     chan struct{}
	stopped  chan struct{}
}

// callKey orders the calls that arrive at one instant: by client
// (creation order; 0 is the cluster itself), method, then a digest of the
// arguments or, for a park, the order parks were made in.
type callKey struct {
	client uint32
	op     uint16
	arg    uint64
}

func (a callKey) less(b callKey) bool {
	if a.client != b.client {
		return a.client < b.client
	}
	if a.op != b.op {
		return a.op < b.op
	}
	return a.arg < b.arg
}

// callState is the call being served: what a wait or a callback in it
// needs to give the turn back and take it again.
type callState struct {
	tok gateTok
	key callKey
	c   *Consumer // whose call it is (nil: not a consumer's)
}

// ticket is a goroutine waiting for the turn: a call, or a park.
type ticket struct {
	key   callKey
	grant chan struct{}
	c     *Consumer
	// A park: it ends when due (its deadline event ran), when ready
	// reports true, or when its consumer is killed.
	ready func() bool
	since uint64 // changes when it parked
	due   bool
	wake  clock.Timer
	dueFn func()
}

// never is the readiness of a park that ends only at its deadline.
func never() bool { return false }

// DriveInBubble makes cl driven from inside a testing/synctest bubble:
// wait is synctest.Wait (client/sim does not import package testing).
// Call it from inside the bubble, before the cluster's clients are used
// from several goroutines; virtual time then moves with the bubble's
// clock. The calling goroutine owns the driver (see Driver). It returns
// nil if cl is already driven.
func (cl *Cluster) DriveInBubble(wait func()) *Driver {
	return cl.newDriver(wait)
}

// DriveInLockstep makes cl driven in lockstep (see Driver): its
// goroutines are started with Driver.Go and wait only in the cluster's
// calls and Driver.Sleep. It needs no bubble. It returns nil if cl is
// already driven.
func (cl *Cluster) DriveInLockstep() *Driver {
	return cl.newDriver(nil)
}

func (cl *Cluster) newDriver(wait func()) *Driver {
	if cl.drv != nil {
		return nil
	}
	d := &Driver{cl: cl, clk: cl.clk, wait: wait, kick: make(chan struct{}, 1), yield: make(chan struct{}, 1),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	if wait != nil {
		d.b0, d.s0 = time.Now(), cl.clk.UnixNano()
		d.timer = time.NewTimer(time.Hour)
		d.timer.Stop()
	}
	cl.drv = d
	return d
}

// Cluster is the driven cluster.
func (d *Driver) Cluster() *Cluster { return d.cl }

// InBubble reports whether the driver follows a testing/synctest bubble
// (DriveInBubble), not lockstep.
func (d *Driver) InBubble() bool { return d.wait != nil }

// now is the instant the world has reached: the bubble's clock in the
// cluster's terms, or the virtual clock in lockstep.
func (d *Driver) now() int64 {
	if d.wait == nil {
		return d.clk.UnixNano()
	}
	return d.s0 + int64(time.Since(d.b0))
}

// RunUntil runs the world up to t: every event due before t happens, and
// every call made before t is served; then the world stands at t (what is
// due at t itself happens on the next RunUntil, after what Do does at t).
// In a bubble it sleeps, in bubble time, until then. Only the owner calls
// it, and not while Start's goroutine runs.
func (d *Driver) RunUntil(t time.Time) {
	d.loop(t.UnixNano(), false)
}

// RunUntilChange is RunUntil(t), except that it returns as soon as the
// world may have changed: an event has run or a call has been served
// (every change a client's goroutine makes to the cluster, or sees from
// it, is one). The world then stands at that change's instant, with what
// else is due at it still to come (the next RunUntil runs it). It
// reports whether the world changed; false means it ran to t and nothing
// changed on the way. Between changes nothing that goes through the
// cluster happens, so a caller waiting for the cluster to reach some
// state can look after each change instead of at every instant. Only the
// owner calls it, as RunUntil.
func (d *Driver) RunUntilChange(t time.Time) bool {
	d.watch, d.from = true, d.changes
	defer func() { d.watch = false }()
	d.loop(t.UnixNano(), false)
	return d.changes != d.from
}

// RunFor is RunUntil(Now() + dur).
func (d *Driver) RunFor(dur time.Duration) { d.RunUntil(d.Now().Add(dur)) }

// Now is the virtual time the world stands at, for the owner between
// RunUntil calls (anyone else asks Cluster.Now).
func (d *Driver) Now() time.Time { return d.clk.Now() }

// Start runs the world on a goroutine of its own until Stop: for a test
// whose goroutines are all the app's (the owner only waits for them). In
// a bubble only.
func (d *Driver) Start() {
	go func() {
		defer close(d.stopped)
		d.loop(0, true)
	}()
}

// Stop ends Start's goroutine (when it next looks: at once, unless a
// call is being served) and waits for it. Goroutines still parked in a
// call stay parked: end them first.
func (d *Driver) Stop() {
	d.stopOnce.Do(func() { close(d.stop) })
	<-d.stopped
}

// Do runs fn with the world standing still: nothing else happens while it
// runs, and calls fn makes on the cluster's clients go straight in (none
// of them may wait for virtual time: one that would looks once and
// returns). fn must not wake other goroutines of the world: contexts are
// cancelled after Do, and goroutines Go starts inside fn start when it
// returns (in a bubble; in lockstep Go runs them at once, as it always
// does). Only the owner calls it, between RunUntil calls.
func (d *Driver) Do(fn func()) {
	if d.wait != nil {
		d.wait() // goroutines woken at this instant reach their calls first
	}
	d.owner.Store(true)
	fn()
	d.owner.Store(false)
	d.changes++ // what parks wait for may have changed
	d.mu.Lock()
	later := d.goLater
	d.goLater = nil
	d.mu.Unlock()
	for _, f := range later {
		go f()
	}
}

// Go starts fn on a goroutine of the world. In lockstep it runs at once,
// until it first waits (Go returns then): only the owner calls it, inside
// Do. In a bubble it is a go statement (deferred to the end of Do when
// called inside one).
func (d *Driver) Go(fn func()) {
	if d.wait != nil {
		if d.owner.Load() {
			d.mu.Lock()
			d.goLater = append(d.goLater, fn)
			d.mu.Unlock()
			return
		}
		go fn()
		return
	}
	t := d.get(callKey{}, nil)
	go func() {
		<-t.grant
		defer func() { d.yield <- struct{}{} }()
		fn()
	}()
	owner := d.owner.Swap(false)
	saved := d.cur
	d.handoff(t)
	d.cur = saved
	d.owner.Store(owner)
	d.put(t)
}

// Sleep waits dur of virtual time: the app's processing time. In a bubble
// it is time.Sleep; in lockstep the calling goroutine (one of the world's)
// parks until then, and a goroutine whose consumer was killed meanwhile
// ends there.
func (d *Driver) Sleep(dur time.Duration) {
	if d.wait != nil {
		time.Sleep(dur)
		return
	}
	if d.owner.Load() {
		return
	}
	c := d.cur.c
	d.park(callKey{op: opSleep}, c, d.clk.UnixNano()+int64(max(dur, 0)), never)
	if c != nil && c.killed.Load() {
		d.exit(false) // lockstep: Go's goroutine gives the turn back
	}
}

// Await parks the calling goroutine of the world until cond reports true
// or, with a timeout that is not negative, until that much virtual time
// has passed; it reports whether cond held. The driver asks cond after
// every event and call, with the simulation held: it may read the world's
// state, must be quick and must change nothing. For goroutines that wait
// only on the cluster (lockstep); the owner does not wait (it gets cond's
// answer at once).
func (d *Driver) Await(cond func() bool, timeout time.Duration) bool {
	if cond() {
		return true
	}
	if d.owner.Load() {
		return false
	}
	deadline := int64(0)
	if timeout >= 0 {
		deadline = d.clk.UnixNano() + int64(timeout)
	}
	for {
		d.park(callKey{op: opSleep}, nil, deadline, cond)
		if cond() {
			return true
		}
		if deadline > 0 && d.clk.UnixNano() >= deadline {
			return false
		}
	}
}

// loop is the driver: it runs due events, hands the turn to parked
// goroutines that can go on and to calls, in that order, and moves time
// on when nothing is left at the current instant. It returns at until
// (or, forever, when stopped).
func (d *Driver) loop(until int64, forever bool) {
	d.moved = true
	for {
		if d.wait != nil && d.moved {
			// Goroutines may have run (a turn handed out) or woken (time
			// moved): let them reach their calls, or block, first. An
			// event alone wakes nobody.
			d.wait()
			d.moved = false
		}
		if d.watch && d.changes != d.from {
			return
		}
		if t := d.nextWaiter(); t != nil {
			d.handoff(t)
			continue
		}
		now := d.now()
		if !forever && now > until {
			now = until
		}
		if at, ok := d.clk.NextUnixNano(); ok && at <= now && (forever || at < until) {
			d.changes++
			d.clk.Step()
			continue
		}
		d.clk.AdvanceTo(now)
		if !forever && now >= until {
			return
		}
		if t := d.nextPending(); t != nil {
			d.handoff(t)
			continue
		}
		// Nothing left at this instant: on to the next event, or until.
		next, ok := d.clk.NextUnixNano()
		if !forever && (!ok || next > until) {
			next, ok = until, true
		}
		if d.wait == nil {
			if !ok {
				return // lockstep, forever, nothing scheduled: nothing can happen
			}
			if at, ev := d.clk.NextUnixNano(); ev && at == next {
				d.changes++
				d.clk.Step()
			} else {
				d.clk.AdvanceTo(next)
			}
			continue
		}
		if ok {
			d.timer.Reset(time.Duration(next - now))
		}
		d.moved = true
		select {
		case <-d.timer.C:
		case <-d.kick:
			d.timer.Stop()
		case <-d.stop:
			d.timer.Stop()
			return
		}
	}
}

// handoff gives t's goroutine the turn and waits until it gives it back.
// In a bubble it waits for the bubble to settle instead (the goroutine
// has then given the turn back and gone on until it blocked: nothing that
// holds the turn blocks), which saves the driver a wake-up per turn.
func (d *Driver) handoff(t *ticket) {
	d.changes++
	t.grant <- struct{}{}
	if d.wait != nil {
		d.wait()
		d.moved = false
	}
	<-d.yield
}

// nextWaiter removes and returns the first parked goroutine (by key) that
// can go on.
func (d *Driver) nextWaiter() *ticket {
	for i, t := range d.waiters {
		if t.due || (t.c != nil && t.c.killed.Load()) || (t.since != d.changes && t.ready()) {
			d.waiters = slices.Delete(d.waiters, i, i+1)
			return t
		}
	}
	return nil
}

// nextPending removes and returns the least call waiting for the turn
// whose consumer is not stalled (a stalled consumer's calls wait).
func (d *Driver) nextPending() *ticket {
	d.mu.Lock()
	defer d.mu.Unlock()
	best := -1
	for i, t := range d.pending {
		if t.c != nil && t.c.stalled && !t.c.killed.Load() {
			continue
		}
		if best < 0 || t.key.less(d.pending[best].key) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	t := d.pending[best]
	d.pending = slices.Delete(d.pending, best, best+1)
	return t
}

// get returns a ticket for key k (recycled).
func (d *Driver) get(k callKey, c *Consumer) *ticket {
	var t *ticket
	d.mu.Lock()
	if n := len(d.free); n > 0 {
		t = d.free[n-1]
		d.free = d.free[:n-1]
	}
	d.mu.Unlock()
	if t == nil {
		t = &ticket{grant: make(chan struct{}, 1)}
		t.dueFn = func() { t.due = true }
	}
	t.key, t.c, t.ready, t.due = k, c, nil, false
	return t
}

func (d *Driver) put(t *ticket) {
	t.c, t.ready = nil, nil
	d.mu.Lock()
	d.free = append(d.free, t)
	d.mu.Unlock()
}

// acquire takes the turn for a call with key k of consumer c (nil for
// other calls). In lockstep the calling goroutine has it already, as has
// the owner inside Do; in a bubble the call waits until the driver serves
// it. A call of a stalled consumer then waits until it is unstalled; one
// of a killed consumer ends its goroutine.
func (d *Driver) acquire(k callKey, c *Consumer) gateTok {
	if d.owner.Load() {
		return tokOwner
	}
	if d.wait != nil {
		if c != nil && c.killed.Load() {
			runtime.Goexit() // the process is gone; it holds no turn
		}
		t := d.get(k, c)
		d.mu.Lock()
		d.pending = append(d.pending, t)
		d.mu.Unlock()
		select {
		case d.kick <- struct{}{}:
		default:
		}
		<-t.grant
		d.put(t)
	}
	d.hold(c, k, false)
	return tokDriven
}

// hold makes a call of a stalled consumer wait until it is unstalled, and
// ends the goroutine of a killed consumer's call. With the turn; inCall:
// from inside a call, whose deferred exit gives the turn back as the
// goroutine ends (else hold gives it back itself).
func (d *Driver) hold(c *Consumer, k callKey, inCall bool) {
	if c == nil {
		return
	}
	for {
		if c.killed.Load() {
			d.exit(!inCall)
		}
		if !c.stalled {
			return
		}
		k.op, k.arg = opStalled, d.seq
		d.park(k, c, 0, func() bool { return !c.stalled })
	}
}

// release gives the turn back at the end of a call (in a bubble; in
// lockstep the goroutine keeps it until it waits).
func (d *Driver) release(tok gateTok) {
	if tok == tokDriven && d.wait != nil {
		d.yield <- struct{}{}
	}
}

// exit ends the calling goroutine, which has the turn, because its
// consumer was killed: the process it stands for is gone. yield: give the
// turn back first (not from inside a call, whose deferred exit does). In
// lockstep the goroutine Go started gives the turn back as it ends.
func (d *Driver) exit(yield bool) {
	if yield && d.wait != nil {
		d.yield <- struct{}{}
	}
	runtime.Goexit()
}

// park gives the turn back until the driver hands it back: at deadline
// (Unix nanoseconds; 0: none), when ready reports true (asked after every
// event and call, with the turn: it must be quick and change nothing), or
// when c is killed. The caller has the turn and gets it back.
func (d *Driver) park(k callKey, c *Consumer, deadline int64, ready func() bool) {
	d.seq++
	k.arg = d.seq
	t := d.get(k, c)
	t.ready, t.since = ready, d.changes
	if deadline > 0 {
		t.wake = d.clk.At(time.Unix(0, deadline), t.dueFn)
	}
	i, _ := slices.BinarySearchFunc(d.waiters, t, func(a, b *ticket) int {
		if a.key.less(b.key) {
			return -1
		}
		return 1
	})
	d.waiters = slices.Insert(d.waiters, i, t)
	saved := d.cur
	d.yield <- struct{}{}
	<-t.grant
	d.cur = saved
	t.wake.Stop()
	t.wake = clock.Timer{}
	d.put(t)
}

// waitFor is runLoop for a driven cluster: the calling goroutine parks
// until done reports true or deadline passes. ready says when done is
// worth asking again (nil: after every event). The owner, which must not
// wait, asks done once.
func (d *Driver) waitFor(deadline time.Time, done, ready func() bool) bool {
	cur := d.cur
	if cur.tok != tokDriven {
		return done()
	}
	if ready == nil {
		ready = func() bool { return true }
	}
	dl := deadline.UnixNano()
	for {
		if done() {
			return true
		}
		if d.clk.UnixNano() >= dl {
			return false
		}
		k := cur.key
		k.op = opWait
		d.park(k, cur.c, dl, ready)
		d.hold(cur.c, cur.key, true)
	}
}

// Stall holds the consumer's calls back, as if its app were stuck: from
// now on a call from a goroutine of the world (Exclusive's included) waits
// without returning until Unstall, while the consumer's own timers
// (heartbeats, the max.poll.interval.ms check) go on. For a driver's
// owner, inside Do; on an undriven cluster it does nothing.
func (c *Consumer) Stall() {
	defer c.cl.exit(c.cl.enter(c.id, opCrash, 2, c))
	if c.cl.drv != nil {
		c.stalled = true
	}
}

// Unstall lets the calls Stall held back go on.
func (c *Consumer) Unstall() {
	defer c.cl.exit(c.cl.enter(c.id, opCrash, 3, c))
	c.stalled = false
}

// Stalled reports whether Stall holds the consumer's calls back.
func (c *Consumer) Stalled() bool {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 9, c))
	return c.stalled
}

// Kill crashes the consumer (see Crash) and ends every goroutine of the
// world that calls it from now on, or waits in one of its calls, with
// runtime.Goexit (deferred calls run): the process it stands for is gone,
// and nothing it does afterwards reaches the cluster. For a driver's
// owner, inside Do; on an undriven cluster it is Crash.
func (c *Consumer) Kill() {
	defer c.cl.exit(c.cl.enter(c.id, opCrash, 1, c))
	if c.cl.drv != nil {
		c.killed.Store(true)
	}
	c.crash()
}

// Killed reports whether Kill was called.
func (c *Consumer) Killed() bool { return c.killed.Load() }

// Exclusive runs fn as one of the consumer's calls: on a driven cluster it
// is served in its turn (key orders it among calls made at the same
// instant: give a digest of what fn does), held back while the consumer is
// stalled, and ends the calling goroutine if the consumer was killed. fn
// gets the consumer's identity at that moment (member id, generation). It
// runs with the simulation held and must not call the cluster's clients;
// once the consumer has crashed it does not run at all (the process is
// gone). It reports whether fn ran. A property test records the app's
// side effects through it.
func (c *Consumer) Exclusive(key uint64, fn func(client.Info)) bool {
	defer c.cl.exit(c.cl.enter(c.id, opExclusive, key, c))
	if c.crashed {
		return false
	}
	fn(c.info())
	return true
}
