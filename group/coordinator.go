package group

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// Coordinator is the group coordinator for every group on one broker. It is
// not safe for concurrent use: the clock's event loop and the caller's
// requests must run on one goroutine (as in the simulator).
type Coordinator struct {
	clk       clock.Clock
	b         *broker.Broker
	cfg       Config
	rnd       *rand.Rand
	groups    map[string]*group  // classic groups
	lastGroup *group             // the group commitGroup found last (reset when groups changes)
	consumer  map[string]*cgroup // consumer groups (KIP-848); ids disjoint from groups
	observers []func(Transition)
	held      int          // HoldTransitions calls not released yet
	heldTs    []Transition // the transitions they hold, in order

	consumerDown bool // an outage was seen; consumer timers restart when it ends
}

// NewCoordinator returns a coordinator using clk for every timer, b for
// committed offsets and topic metadata, and r (seeded by the caller) to draw
// the uuids in member ids. It registers with b.OnOffsetsExpired to move
// Empty groups whose offsets all expired to Dead, and with
// b.OnAvailabilityChanged to restart the consumer groups' timers when the
// broker is back.
func NewCoordinator(clk clock.Clock, b *broker.Broker, cfg Config, r *rand.Rand) *Coordinator {
	c := &Coordinator{clk: clk, b: b, cfg: cfg.withDefaults(), rnd: r, groups: map[string]*group{}, consumer: map[string]*cgroup{}}
	b.OnOffsetsExpired(c.offsetsExpired)
	b.OnAvailabilityChanged(func(bool) { c.consumerUp() })
	return c
}

// OnTransition registers fn to be called, synchronously, for every
// transition of every group, in order. fn must not call back into the
// coordinator.
func (c *Coordinator) OnTransition(fn func(Transition)) {
	c.observers = append(c.observers, fn)
}

// HoldTransitions delays the observers' calls until the matching
// ReleaseTransitions (holds nest). A client holds them around a request
// whose answer it reports (LeaveGroup): the coordinator answers
// synchronously, and without the hold the observers would see its
// reaction (the group starts a rebalance) before the client's report of
// the request that caused it.
func (c *Coordinator) HoldTransitions() { c.held++ }

// ReleaseTransitions ends a HoldTransitions; the last one calls the
// observers with what was held, in order.
func (c *Coordinator) ReleaseTransitions() {
	if c.held == 0 {
		return
	}
	c.held--
	if c.held > 0 {
		return
	}
	ts := c.heldTs
	c.heldTs = nil
	for _, t := range ts {
		c.notify(t)
	}
}

// notify calls the observers with t, or holds it (HoldTransitions).
func (c *Coordinator) notify(t Transition) {
	if c.held > 0 {
		c.heldTs = append(c.heldTs, t)
		return
	}
	for _, fn := range c.observers {
		fn(t)
	}
}

// Groups returns the ids of every known group (Dead classic ones
// included, consumer groups too), sorted.
func (c *Coordinator) Groups() []string {
	out := make([]string, 0, len(c.groups)+len(c.consumer))
	for id := range c.groups {
		out = append(out, id)
	}
	for id := range c.consumer {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// State returns a group's state; Dead for an unknown group.
func (c *Coordinator) State(group string) State {
	if cg := c.consumer[group]; cg != nil {
		return cg.state
	}
	if g := c.groups[group]; g != nil {
		return g.state
	}
	return Dead
}

// Generation returns a group's generation id (a consumer group's group
// epoch); 0 for an unknown group.
func (c *Coordinator) Generation(group string) int32 {
	if cg := c.consumer[group]; cg != nil {
		return cg.epoch
	}
	if g := c.groups[group]; g != nil {
		return g.generation
	}
	return 0
}

// Assignment returns the partitions the coordinator holds for a member in
// the current generation (what its SyncGroup returns; in a consumer group
// the member's current assignment), sorted.
func (c *Coordinator) Assignment(group, memberID string) []broker.TopicPartition {
	if cg := c.consumer[group]; cg != nil {
		if m := cg.members[memberID]; m != nil {
			return slices.Clone(m.assigned)
		}
		return nil
	}
	if g := c.groups[group]; g != nil {
		if m := g.members[memberID]; m != nil {
			return slices.Clone(m.assignment)
		}
	}
	return nil
}

// later delivers fn from the clock's loop at the current instant (a
// JoinGroup or SyncGroup answer; with a test hook's latency, that long
// after).
func (c *Coordinator) later(fn func()) {
	if d := c.latency(); d > 0 {
		c.clk.After(d, fn)
		return
	}
	c.clk.At(c.clk.Now(), fn)
}

// latency is the test hook's JoinGroup/SyncGroup delay (0 without one).
func (c *Coordinator) latency() time.Duration {
	if h := c.cfg.Hooks; h != nil {
		return h.Latency
	}
	return 0
}

// unavailable is the error every request gets while the broker is down.
func unavailable(op, group string) error {
	return fmt.Errorf("group %q: %s: %w: %w", group, op, kerr.CoordinatorNotAvailable, broker.ErrUnavailable)
}

func errf(code kerr.Code, op, group, format string, args ...any) error {
	return fmt.Errorf("group %q: %s: %s: %w", group, op, fmt.Sprintf(format, args...), code)
}

func (c *Coordinator) emit(g *group, kind TransitionKind, memberID, cause string, moved []PartitionMove) {
	if len(c.observers) == 0 {
		return
	}
	t := Transition{Time: c.clk.Now(), Group: g.id, Kind: kind, From: g.state, To: g.state,
		Generation: g.generation, MemberID: memberID, Cause: cause, Moved: moved}
	c.notify(t)
}

// setState moves g to s, reports it, and keeps the broker's KIP-211 expiry
// clock in step (it runs only while a managed group is Empty).
func (c *Coordinator) setState(g *group, s State, cause string) {
	from := g.state
	if from == s {
		return
	}
	g.state = s
	if g.protocolType != "" {
		if s == Empty {
			c.b.MarkGroupEmpty(g.id)
		} else if from == Empty && s != Dead {
			// Empty → Dead happens when the offsets expired: leave the
			// store alone, or later standalone commits would never expire.
			c.b.MarkGroupActive(g.id)
		}
	}
	if len(c.observers) == 0 {
		return
	}
	t := Transition{Time: c.clk.Now(), Group: g.id, Kind: StateChanged, From: from, To: s,
		Generation: g.generation, Cause: cause}
	c.notify(t)
}

// offsetsExpired is the broker's KIP-211 hook.
func (c *Coordinator) offsetsExpired(group string, all bool) {
	if cg := c.consumer[group]; cg != nil {
		if all && cg.state == Empty {
			c.emitConsumer(cg, OffsetsExpired, "", "every committed offset of the group expired (offsets.retention.minutes)", nil)
			c.deleteConsumerGroup(cg, "an Empty consumer group with no offsets left is removed")
		}
		return
	}
	g := c.groups[group]
	if g == nil || !all || g.state != Empty {
		return
	}
	c.emit(g, OffsetsExpired, "", "every committed offset of the group expired (offsets.retention.minutes)", nil)
	c.setState(g, Dead, "an Empty group with no offsets left is removed")
}

// uuid draws a version 4 UUID from the coordinator's seeded source.
func (c *Coordinator) uuid() string {
	a, b := c.rnd.Uint64(), c.rnd.Uint64()
	a = a&^(0xf<<12) | 4<<12
	b = b&^(0x3<<62) | 0x2<<62
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

func dur(d time.Duration) string { return d.String() }
