package sim

import (
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// The gate: every exported method of Cluster, Consumer and Producer that
// reads or changes the simulation passes through it, so that the clients
// can be called from several goroutines (see the package doc, "Several
// goroutines"). Who holds the simulation while a call runs depends on
// how the cluster is driven:
//
//   - Cluster.RunUntil, RunFor, Sleep and Step drive the loop from their
//     caller, whose clock callbacks (a scenario runner's app) call the
//     clients directly: while they run, calls go straight in (tokNone).
//   - With no driver, a call takes the cluster's mutex (tokLocked). It is
//     never held while user code runs: a rebalance callback or a
//     delivery-report function runs with it released (callout).
//   - A Driver serves calls one at a time, in a fixed order (tokDriven);
//     its owner acting inside Driver.Do goes straight in (tokOwner).

// gateTok says how a call got the simulation, so that it gives it back
// the same way.
type gateTok uint8

const (
	tokNone gateTok = iota
	tokLocked
	tokDriven
	tokOwner
)

// Method numbers for callKey.op: the order in which calls of one client
// arriving at one instant are served.
const (
	opCluster uint16 = iota
	opNew
	opSubscribe
	opUnsubscribe
	opAssign
	opSeek
	opPause
	opStore
	opCommit
	opCommitAsync
	opQuery
	opPoll
	opProduce
	opFlush
	opClose
	opCrash
	opExclusive
	opWait    // a park inside a call
	opStalled // a call waiting for its consumer to be unstalled
	opSleep   // Driver.Sleep
)

// enter takes the simulation for a call of client id (op, with arg a
// digest of its arguments; c the consumer, if it is one). Give it back
// with exit: defer cl.exit(cl.enter(...)). The path of a loop driven from
// outside (a scenario runner's) is short enough to be inlined.
func (cl *Cluster) enter(id uint32, op uint16, arg uint64, c *Consumer) gateTok {
	if cl.ext.Load() > 0 { // (never on a driven cluster)
		cl.clk.Enter()
		return tokNone
	}
	return cl.enterSlow(id, op, arg, c)
}

// direct reports whether the loop is driven from outside (RunUntil), so
// that a call, made from the callbacks it runs, goes straight in: the
// accessors called for every event a scenario runner records check it
// before anything else.
func (cl *Cluster) direct() bool { return cl.ext.Load() > 0 }

// enterSlow is enter with a driver or the lock.
func (cl *Cluster) enterSlow(id uint32, op uint16, arg uint64, c *Consumer) gateTok {
	tok := tokNone
	if d := cl.drv; d != nil {
		k := callKey{client: id, op: op, arg: arg}
		tok = d.acquire(k, c)
		// The call interrupted, if this one is made from inside it (a
		// callback's call in lockstep, the owner's): exit restores it.
		d.stack = append(d.stack, d.cur)
		d.cur = callState{tok: tok, key: k, c: c}
	} else {
		cl.lock()
		tok = tokLocked
	}
	cl.clk.Enter()
	return tok
}

// exit gives back what enter took.
func (cl *Cluster) exit(tok gateTok) {
	cl.clk.Leave()
	if tok != tokNone {
		cl.exitSlow(tok)
	}
}

// exitSlow is exit for the lock or a driver.
func (cl *Cluster) exitSlow(tok gateTok) {
	switch tok {
	case tokLocked:
		cl.unlock()
	case tokDriven, tokOwner:
		d := cl.drv
		n := len(d.stack) - 1
		d.cur = d.stack[n]
		d.stack = d.stack[:n]
		d.release(tok)
	}
}

// lock and unlock take and give back the mutex of an undriven cluster;
// locked says it is held (by the goroutine running the simulation, the
// only one that reads it then).
func (cl *Cluster) lock() {
	cl.mu.Lock()
	cl.locked = true
}

func (cl *Cluster) unlock() {
	cl.locked = false
	cl.mu.Unlock()
}

// callout runs user code (a rebalance callback, a delivery-report
// function) from inside a call without holding the simulation, so that it
// may call the clients, as librdkafka's callbacks may, and other
// goroutines' calls are not held up by it. tok is the call's own.
func (cl *Cluster) callout(tok gateTok, fn func()) {
	inside := cl.clk.SwapInside(0)
	defer cl.clk.SwapInside(inside)
	switch tok {
	case tokLocked:
		cl.unlock()
		defer cl.lock()
	case tokDriven:
		d := cl.drv
		if d.wait == nil {
			break // lockstep: the goroutine keeps the turn
		}
		cur := d.cur
		d.release(tok)
		defer func() {
			d.acquire(cur.key, cur.c)
			d.cur = cur
		}()
	}
	fn()
}

// runOutside runs an event scheduled from outside the simulation (a
// test's callback on Clock(), a scenario runner's app step; see
// clock.Sim.SetOutside) so that it may call the clients: an undriven
// cluster's mutex is released around it (another goroutine's call may run
// meanwhile, and one that would wait does not: the loop is busy), and on
// a driven cluster it runs as the owner (no other goroutine of the world
// runs while the driver runs events).
func (cl *Cluster) runOutside(fn func()) {
	switch {
	case cl.drv != nil:
		d := cl.drv
		owner := d.owner.Swap(true)
		defer d.owner.Store(owner)
	case cl.locked:
		cl.unlock()
		defer cl.lock()
	}
	fn()
}

// tok is the token of the call now being served, for callout deep inside
// it: with a driver, the current call's; else locked, unless the loop is
// driven from outside.
func (cl *Cluster) tok() gateTok {
	if d := cl.drv; d != nil {
		return d.cur.tok
	}
	if cl.ext.Load() > 0 {
		return tokNone
	}
	return tokLocked
}

// runLoopReady is runLoop for a call: a driven cluster parks the caller
// instead (ready says when done is worth asking again; nil: after every
// event).
func (cl *Cluster) runLoopReady(deadline time.Time, done, ready func() bool) bool {
	if d := cl.drv; d != nil {
		return d.waitFor(deadline, done, ready)
	}
	return cl.runLoop(deadline, done)
}

// Digests of call arguments (callKey.arg), so that two goroutines'
// different calls of one method at one instant are served in an order
// that does not depend on which goroutine came first. FNV-1a: the same in
// every process.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

func fnvUint(h, v uint64) uint64 {
	for range 8 {
		h = (h ^ (v & 0xff)) * fnvPrime
		v >>= 8
	}
	return h
}

func digestTP(tps []client.TopicPartition) uint64 {
	h := uint64(fnvOffset)
	for _, tp := range tps {
		h = fnvString(h, tp.Topic)
		h = fnvUint(h, uint64(uint32(tp.Partition))<<32)
		h = fnvUint(h, uint64(tp.Offset))
	}
	return h
}

func digestMsg(m *client.Message) uint64 {
	if m == nil {
		return 0
	}
	tp := &m.TopicPartition
	return fnvUint(fnvUint(fnvString(fnvOffset, tp.Topic), uint64(uint32(tp.Partition))), uint64(tp.Offset))
}

func digestString(s string) uint64 { return fnvString(fnvOffset, s) }

// keyTP, keyMsg and keyString are the digests for callKey.arg, computed
// only on a driven cluster (nothing else reads them).
func (cl *Cluster) keyTP(tps []client.TopicPartition) uint64 {
	if cl.drv == nil {
		return 0
	}
	return digestTP(tps)
}

func (cl *Cluster) keyMsg(m *client.Message) uint64 {
	if cl.drv == nil {
		return 0
	}
	return digestMsg(m)
}

func (cl *Cluster) keyString(s string) uint64 {
	if cl.drv == nil {
		return 0
	}
	return digestString(s)
}
