package group

import (
	"math/rand/v2"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/clock"
)

// Coordinator is the group coordinator for every group on one broker. It is
// not safe for concurrent use: the clock's event loop and the caller's
// requests must run on one goroutine (as in the simulator).
type Coordinator struct {
	clk       clock.Clock
	b         *broker.Broker
	cfg       Config
	rnd       *rand.Rand
	groups    map[string]*group
	observers []func(Transition)
}

// NewCoordinator returns a coordinator using clk for every timer, b for
// committed offsets and topic metadata, and r (seeded by the caller) to draw
// the uuids in member ids.
func NewCoordinator(clk clock.Clock, b *broker.Broker, cfg Config, r *rand.Rand) *Coordinator {
	c := &Coordinator{clk: clk, b: b, cfg: cfg.withDefaults(), rnd: r, groups: map[string]*group{}}
	return c
}

// OnTransition registers fn to be called, synchronously, for every
// transition of every group, in order.
func (c *Coordinator) OnTransition(fn func(Transition)) {
	c.observers = append(c.observers, fn)
}

// Join handles a JoinGroup request. reply is always called later from the
// clock's loop — at the current instant for an immediate answer, or when
// the rebalance completes — never inside Join.
func (c *Coordinator) Join(req JoinRequest, reply func(JoinResponse)) {}

// Sync handles a SyncGroup request; reply is delivered as for Join. A
// follower's Sync in CompletingRebalance waits for the leader's.
func (c *Coordinator) Sync(req SyncRequest, reply func(SyncResponse)) {}

// Heartbeat handles a Heartbeat request and answers at once: nil, or an
// error wrapping kerr.RebalanceInProgress, IllegalGeneration,
// UnknownMemberID, FencedInstanceID or CoordinatorNotAvailable.
func (c *Coordinator) Heartbeat(group, memberID, instanceID string, generation int32) error {
	return nil
}

// Leave handles a LeaveGroup request: the member is removed and, if others
// remain, a rebalance starts at once. With an instance id the static
// member is removed (memberID may then be empty, as an admin removal).
func (c *Coordinator) Leave(group, memberID, instanceID string) error { return nil }

// CommitOffsets handles an OffsetCommit request and answers at once. It
// validates in the order of KAFKA.md §4; a rejected commit stores nothing.
func (c *Coordinator) CommitOffsets(req CommitRequest) error { return nil }

// FetchOffsets returns the group's committed offsets for tps (every
// committed partition when tps is nil). A partition with no committed
// offset maps to Offset -1.
func (c *Coordinator) FetchOffsets(group string, tps []broker.TopicPartition) map[broker.TopicPartition]broker.OffsetAndMetadata {
	return nil
}

// Describe reports a group as kafka-consumer-groups.sh --describe does.
func (c *Coordinator) Describe(group string) Description { return Description{Group: group, State: Dead} }

// Groups returns the ids of every known group, sorted.
func (c *Coordinator) Groups() []string { return nil }

type group struct{}
