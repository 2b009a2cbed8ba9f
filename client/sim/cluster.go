// Package sim is kafkasim's in-memory client backend: a Cluster (virtual
// clock, broker, group coordinator) and confluent-style consumers and
// producers that run against it.
//
// Everything runs on the cluster's virtual clock. Time moves only when
// the caller lets it: Poll with nothing to return runs the simulation
// forward through due events (every client's heartbeats and timers, the
// coordinator's timeouts) up to its timeout instead of sleeping; Sleep
// advances time to stand for the app's processing. Member ids and
// partitioner choices come from the clock's seeded random source, so a
// test driving several consumers from one goroutine is deterministic.
//
// # Several goroutines
//
// The cluster and its clients may be called from several goroutines, as
// confluent-kafka-go's may: an app that polls on one goroutine and
// commits from workers is race-free. Who moves virtual time then depends
// on how the cluster is driven:
//
//   - By default a call holds the cluster's lock while it runs, and a call
//     that waits (Poll with a timeout, Flush, a synchronous commit while
//     the broker is down) runs the simulation forward itself, as above;
//     other goroutines' calls wait for the lock meanwhile. Virtual time
//     has nothing to do with the goroutines' own time.Sleep, and the Go
//     scheduler decides whose call goes first: such a program is
//     deterministic only if its calls come in a fixed order.
//   - RunUntil, RunFor, Sleep and Step drive the loop from the calling
//     goroutine: the callbacks it runs (a scenario runner's app steps, a
//     test's Clock().After) may call the clients directly. No other
//     goroutine may use the clients meanwhile.
//   - Inside a testing/synctest bubble, DriveInBubble hands the cluster to
//     a Driver: virtual time is the bubble's clock, so the app's
//     time.Sleep, tickers and channels run in virtual time too; a Poll
//     that waits parks its goroutine until the driver finds something for
//     it; calls arriving at the same instant are served in a fixed order.
//     The same app gives the same run, byte for byte, whatever the
//     scheduler does, as long as the app itself does not depend on it
//     (which of two ready channels a select takes, which of several idle
//     workers receives a message when workers differ, map order).
//     DriveInLockstep is the same for goroutines that wait only in the
//     cluster's calls and Driver.Sleep, without a bubble.
//
// Callbacks the clients call (rebalance callbacks, delivery-report
// functions) run without the lock, on the calling goroutine, and may call
// the clients. Hooks (client.Hook) run with it held and must not.
//
// Waiting without a timeout (Poll(-1), ReadMessage(-1), Flush(-1)) cannot
// wait for another process here: it ends at the cluster's horizon
// (Config.Horizon, SetHorizon; a scenario run's is its end), or after
// MaxWait of virtual time without one, and returns as on a timeout.
//
// What is modelled follows librdkafka (docs/kafka-semantics.md §1–3, §7,
// §9): auto-commit of offsets stored at delivery on a background timer, on
// revoke and on close; a Java-client auto-commit mode
// (kafkasim.auto.commit.mode=java); eager and cooperative rebalances served
// inside Poll; max.poll.interval.ms; session expiry after Crash; commit
// errors with librdkafka's reactions; auto.offset.reset; partition EOF;
// broker outages; watermark, timestamp and metadata lookups; the consumer
// group protocol of KIP-848 (group.protocol=consumer) as librdkafka 2.10+
// drives it (group848.go). Not modelled: network latency (requests are
// answered at once, join/sync replies on the next loop turn), fetch
// sessions and prefetch limits, transactions.
package sim

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/clock"
)

// Config configures a Cluster.
type Config struct {
	// Seed seeds the virtual clock's random source (ignored when Clock is
	// set).
	Seed uint64
	// Clock, if set, is the virtual clock to run on, for example one shared
	// with a scenario runner.
	Clock *clock.Sim
	// Broker configures the broker.
	Broker broker.Config
	// Group configures the group coordinator.
	Group group.Config
	// Horizon, if positive, sets the cluster's horizon that long after its
	// creation (see Cluster.SetHorizon).
	Horizon time.Duration
}

// Cluster is a simulated Kafka cluster: one broker with its group
// coordinator, on a virtual clock. Its methods and its clients' may be
// called from several goroutines (see the package doc, "Several
// goroutines"); Clock, Broker and Coordinator hand out the raw parts,
// for code that drives the cluster from one goroutine.
type Cluster struct {
	clk   *clock.Sim
	b     *broker.Broker
	coord *group.Coordinator
	// A client call made from inside a clock callback must not run the
	// loop again; the clock tells (clock.Sim.InCallback), however the loop
	// is driven.
	clients int
	// lookAlways turns off the poll's shortcuts (Consumer.idle and
	// batchReady), so tests can check them against always looking.
	lookAlways bool
	// horizon ends waits without a timeout (SetHorizon); zero: MaxWait.
	horizon time.Time
	// mu is held by a call when nothing else drives the cluster (gate.go);
	// locked says so.
	mu     sync.Mutex
	locked bool
	// ext counts RunUntil / Step calls driving the loop from outside:
	// meanwhile calls go straight in (from the clock's callbacks).
	ext atomic.Int32
	// drv drives the cluster if DriveInBubble or DriveInLockstep made one.
	drv *Driver
	// producers are the producers made on the cluster and not closed
	// (Recycle): a cluster that outlives many producers does not keep
	// them.
	producers []*Producer
}

// forget drops a closed producer from the cluster's list.
func (cl *Cluster) forget(p *Producer) {
	if i := slices.Index(cl.producers, p); i >= 0 {
		cl.producers = slices.Delete(cl.producers, i, i+1)
	}
}

// Recycle ends the cluster and gives its memory to clusters made later in
// this process: its broker's logs (broker.Broker.Recycle) and its
// producers' queues. Call it only when neither the cluster, its clients,
// nor anything read from them (messages delivered, records fetched) will
// be used again: a scenario run does once it is over, when no message it
// delivered went to code that may keep it.
func (cl *Cluster) Recycle() {
	for _, p := range cl.producers {
		p.recycle()
	}
	cl.producers = nil
	cl.b.Recycle()
}

// NewCluster builds a cluster: a virtual clock (cfg.Clock or a new one
// seeded with cfg.Seed), a broker and a coordinator.
func NewCluster(cfg Config) *Cluster {
	clk := cfg.Clock
	if clk == nil {
		clk = clock.NewSim(cfg.Seed)
	}
	b := broker.New(clk, cfg.Broker)
	cl := &Cluster{clk: clk, b: b, coord: group.NewCoordinator(clk, b, cfg.Group, clk.Rand())}
	clk.SetOutside(cl.runOutside)
	if cfg.Horizon > 0 {
		cl.SetHorizon(clk.Now().Add(cfg.Horizon))
	}
	return cl
}

// Clock is the cluster's virtual clock.
func (cl *Cluster) Clock() *clock.Sim { return cl.clk }

// Now is the virtual time.
func (cl *Cluster) Now() time.Time {
	defer cl.exit(cl.enter(0, opQuery, 0, nil))
	return cl.clk.Now()
}

// Broker is the cluster's broker.
func (cl *Cluster) Broker() *broker.Broker { return cl.b }

// Coordinator is the cluster's group coordinator.
func (cl *Cluster) Coordinator() *group.Coordinator { return cl.coord }

// CreateTopic creates a topic with n partitions and default configuration.
func (cl *Cluster) CreateTopic(name string, partitions int) error {
	defer cl.exit(cl.enter(0, opCluster, digestString(name), nil))
	return cl.b.CreateTopic(name, partitions, broker.TopicConfig{})
}

// SetBrokerAvailable takes the broker down (false) or brings it back. While
// it is down clients raise _TRANSPORT and _ALL_BROKERS_DOWN error events,
// fetch nothing, and hold their commits until it is back.
func (cl *Cluster) SetBrokerAvailable(up bool) {
	defer cl.exit(cl.enter(0, opCluster, 0, nil))
	cl.b.SetAvailable(up)
}

// Sleep advances virtual time by d, running every event due meanwhile: the
// app "processing" for d while the clients' background timers
// (heartbeats, auto-commit) keep running. Called from inside a clock
// callback it does nothing: the loop is already running. On a driven
// cluster it is Driver.Sleep: the calling goroutine waits d of virtual
// time while the driver runs the world.
func (cl *Cluster) Sleep(d time.Duration) {
	if dr := cl.drv; dr != nil {
		dr.Sleep(d)
		return
	}
	cl.RunUntil(cl.clk.Now().Add(d))
}

// RunFor is Sleep.
func (cl *Cluster) RunFor(d time.Duration) { cl.Sleep(d) }

// RunUntil runs every event due at or before t and leaves the clock at t
// (see Sleep). Called from inside a clock callback it does nothing. The
// caller drives the loop: until it returns the clock's callbacks may call
// the clients directly, and no other goroutine may use them. On a driven
// cluster it sleeps until t (see Sleep).
func (cl *Cluster) RunUntil(t time.Time) {
	if dr := cl.drv; dr != nil {
		dr.Sleep(t.Sub(cl.Now()))
		return
	}
	if cl.InLoop() {
		return
	}
	cl.ext.Add(1)
	defer cl.ext.Add(-1)
	_ = cl.clk.RunUntil(context.Background(), t)
}

// Step runs the earliest pending event; it reports false if there was none
// or if called from inside the loop, or on a driven cluster. The caller
// drives the loop, as RunUntil's does.
func (cl *Cluster) Step() bool {
	if cl.drv != nil || cl.InLoop() {
		return false
	}
	cl.ext.Add(1)
	defer cl.ext.Add(-1)
	return cl.clk.Step()
}

// RunBounded runs the events due at or before t one at a time and leaves
// the clock at t, as RunUntil does, unless it stops early: after an event
// that set *stop, or when the clock has run limit events in all
// (Clock().Ran()) and another is due by t, which it does not run: it
// reports false then. It is Step in a loop, for a caller that holds a
// run to a budget of events: the caller drives the loop as Step's does.
// Called from inside a clock callback, or on a driven cluster, it runs
// nothing but what RunUntil would.
func (cl *Cluster) RunBounded(t time.Time, limit uint64, stop *bool) bool {
	if cl.drv != nil || cl.InLoop() {
		if next, ok := cl.clk.NextUnixNano(); ok && next <= t.UnixNano() && cl.clk.Ran() >= limit {
			return false
		}
		cl.RunUntil(t)
		return true
	}
	cl.ext.Add(1)
	defer cl.ext.Add(-1)
	// Events scheduled from outside (a scenario runner's app steps) run
	// directly: runOutside, undriven and with the cluster's mutex not
	// held (no call holds it while the loop is driven from here), would
	// only call them.
	return cl.clk.RunBounded(t, limit, stop, !cl.locked)
}

// InLoop reports whether the clock loop is running a callback, i.e. the
// caller is inside one and must not run the loop itself.
func (cl *Cluster) InLoop() bool { return cl.clk.InCallback() }

// runLoop advances the clock towards deadline, event by event, until done
// reports true. It returns done's final answer. Inside the loop (a
// re-entrant call) it does not run anything. On a driven cluster the
// caller parks instead while the driver runs the world (see
// runLoopReady).
func (cl *Cluster) runLoop(deadline time.Time, done func() bool) bool {
	if d := cl.drv; d != nil {
		return d.waitFor(deadline, done, nil)
	}
	if done() {
		return true
	}
	return cl.runLoopLooked(deadline, done)
}

// runLoopLooked is runLoop on an undriven cluster once a first look
// (done) has found nothing.
func (cl *Cluster) runLoopLooked(deadline time.Time, done func() bool) bool {
	for {
		if cl.InLoop() || !cl.clk.Now().Before(deadline) {
			return false
		}
		next, ok := cl.clk.Next()
		if !ok || next.After(deadline) {
			_ = cl.clk.RunUntil(context.Background(), deadline)
			return done()
		}
		cl.clk.Step()
		if done() {
			return true
		}
	}
}

// deadline converts a confluent-style timeout in milliseconds (negative:
// forever) into a virtual deadline. "Forever" ends at the horizon (see
// SetHorizon), so a client waiting on nothing still returns.
func (cl *Cluster) deadline(timeoutMs int) time.Time {
	if timeoutMs < 0 {
		return cl.forever()
	}
	return cl.clk.Now().Add(time.Duration(timeoutMs) * time.Millisecond)
}

var (
	_ client.Consumer = (*Consumer)(nil)
	_ client.Crasher  = (*Consumer)(nil)
	_ client.Producer = (*Producer)(nil)
	_ client.Crasher  = (*Producer)(nil)
)
