// Package sim is kafkasim's in-memory client backend: a Cluster (virtual
// clock, broker, group coordinator) and confluent-style consumers and
// producers that run against it.
//
// Everything runs on one goroutine on the cluster's virtual clock. Time
// moves only when the caller lets it: Poll with nothing to return runs the
// simulation forward through due events (every client's heartbeats and
// timers, the coordinator's timeouts) up to its timeout instead of
// sleeping; Sleep advances time to stand for the app's processing. Member
// ids and partitioner choices come from the clock's seeded random source,
// so a test driving several consumers from one goroutine is deterministic.
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
// broker outages; watermark, timestamp and metadata lookups. Not modelled:
// network latency (requests are answered at once, join/sync replies on the
// next loop turn), fetch sessions and prefetch limits, transactions,
// KIP-848.
package sim

import (
	"context"
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
// coordinator, on a virtual clock. It is not safe for concurrent use.
type Cluster struct {
	clk   *clock.Sim
	b     *broker.Broker
	coord *group.Coordinator
	// A client call made from inside a clock callback must not run the
	// loop again; the clock tells (clock.Sim.InCallback), however the loop
	// is driven.
	clients int
	// lookAlways turns off the idle poll's shortcut (Consumer.idle), so
	// tests can check it against always looking.
	lookAlways bool
	// horizon ends waits without a timeout (SetHorizon); zero: MaxWait.
	horizon time.Time
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
	if cfg.Horizon > 0 {
		cl.SetHorizon(clk.Now().Add(cfg.Horizon))
	}
	return cl
}

// Clock is the cluster's virtual clock.
func (cl *Cluster) Clock() *clock.Sim { return cl.clk }

// Now is the virtual time.
func (cl *Cluster) Now() time.Time { return cl.clk.Now() }

// Broker is the cluster's broker.
func (cl *Cluster) Broker() *broker.Broker { return cl.b }

// Coordinator is the cluster's group coordinator.
func (cl *Cluster) Coordinator() *group.Coordinator { return cl.coord }

// CreateTopic creates a topic with n partitions and default configuration.
func (cl *Cluster) CreateTopic(name string, partitions int) error {
	return cl.b.CreateTopic(name, partitions, broker.TopicConfig{})
}

// SetBrokerAvailable takes the broker down (false) or brings it back. While
// it is down clients raise _TRANSPORT and _ALL_BROKERS_DOWN error events,
// fetch nothing, and hold their commits until it is back.
func (cl *Cluster) SetBrokerAvailable(up bool) { cl.b.SetAvailable(up) }

// Sleep advances virtual time by d, running every event due meanwhile: the
// app "processing" for d while the clients' background timers
// (heartbeats, auto-commit) keep running. Called from inside a clock
// callback it does nothing: the loop is already running.
func (cl *Cluster) Sleep(d time.Duration) { cl.RunUntil(cl.clk.Now().Add(d)) }

// RunFor is Sleep.
func (cl *Cluster) RunFor(d time.Duration) { cl.Sleep(d) }

// RunUntil runs every event due at or before t and leaves the clock at t
// (see Sleep). Called from inside a clock callback it does nothing.
func (cl *Cluster) RunUntil(t time.Time) {
	if cl.InLoop() {
		return
	}
	_ = cl.clk.RunUntil(context.Background(), t)
}

// Step runs the earliest pending event; it reports false if there was none
// or if called from inside the loop.
func (cl *Cluster) Step() bool {
	if cl.InLoop() {
		return false
	}
	return cl.clk.Step()
}

// InLoop reports whether the clock loop is running a callback, i.e. the
// caller is inside one and must not run the loop itself.
func (cl *Cluster) InLoop() bool { return cl.clk.InCallback() }

// runLoop advances the clock towards deadline, event by event, until done
// reports true. It returns done's final answer. Inside the loop (a
// re-entrant call) it does not run anything.
func (cl *Cluster) runLoop(deadline time.Time, done func() bool) bool {
	for {
		if done() {
			return true
		}
		if cl.InLoop() || !cl.clk.Now().Before(deadline) {
			return false
		}
		next, ok := cl.clk.Next()
		if !ok || next.After(deadline) {
			_ = cl.clk.RunUntil(context.Background(), deadline)
			return done()
		}
		cl.clk.Step()
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
