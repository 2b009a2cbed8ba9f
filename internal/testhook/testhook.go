// Package testhook holds the switches the property suite
// (scenarios/check) turns on inside the simulator's core: bugs planted on
// purpose, to prove that the suite catches them, and a network delay the
// suite needs to reach the generation fence. Nothing outside this module
// can build one (the package is internal), and a nil *Group or *Broker —
// every use but the suite's — leaves the simulator exactly as it is.
package testhook

import "time"

// Group configures the group coordinator (group.Config.Hooks).
type Group struct {
	// Latency delays JoinGroup and SyncGroup: each request reaches the
	// coordinator Latency after it was sent, and each answer reaches the
	// member Latency after it was given, so that the group can move to a
	// new generation while a member still commits with the old one
	// (ILLEGAL_GENERATION), or commits with the new one before the
	// leader's assignment is in (REBALANCE_IN_PROGRESS). Heartbeats,
	// commits and leaves are still answered at once. Not a bug: real
	// requests take time.
	Latency time.Duration

	// AcceptPreviousGeneration is a planted bug: an OffsetCommit from a
	// member of the group carrying the generation before the current one
	// is stored instead of failing with ILLEGAL_GENERATION.
	AcceptPreviousGeneration bool
	// DuplicateOwner is a planted bug: when the leader's assignment is
	// installed, the first partition of the first member that has one is
	// also given to the next member: two owners in one generation.
	DuplicateOwner bool
	// DropPartition is a planted bug: when the leader's assignment is
	// installed, the last partition of the last member that has one is
	// left out: a partition nobody owns while the group is Stable.
	DropPartition bool
	// LateSession is a planted bug: a member's session expires this long
	// after its deadline (no heartbeat for session.timeout.ms, or for
	// group.consumer.session.timeout.ms in a consumer group).
	LateSession time.Duration
}

// Broker configures the broker (broker.Config.Hooks).
type Broker struct {
	// RewriteOnRecovery is a planted bug: when the broker comes back
	// after an outage, the last record of every partition gets another
	// value, as an unclean leader election can give an offset a second
	// message.
	RewriteOnRecovery bool
}
