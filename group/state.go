package group

import (
	"time"

	"github.com/kafkasim/kafkasim/broker"
)

// State is a group's state as kafka-consumer-groups.sh prints it: a
// classic group is Empty, PreparingRebalance, CompletingRebalance, Stable
// or Dead; a consumer group (KIP-848) is Empty, Assigning, Reconciling or
// Stable.
type State int

// The group states (Kafka ClassicGroupState, then the two of
// ConsumerGroupState the classic protocol lacks).
const (
	// Empty: no members; offsets may remain. A join starts a rebalance.
	Empty State = iota
	// PreparingRebalance: waiting for members to (re)join.
	PreparingRebalance
	// CompletingRebalance: joined; waiting for the leader's assignment.
	CompletingRebalance
	// Stable: the assignment is out; members heartbeat.
	Stable
	// Dead: the group has no members and no offsets.
	Dead
	// Assigning (consumer groups): the group epoch moved past the target
	// assignment's; the next heartbeat computes a new target.
	Assigning
	// Reconciling (consumer groups): some member has not reached the
	// target assignment yet (or a static member is away).
	Reconciling
)

// String is the state name as kafka-consumer-groups.sh prints it.
func (s State) String() string {
	switch s {
	case Empty:
		return "Empty"
	case PreparingRebalance:
		return "PreparingRebalance"
	case CompletingRebalance:
		return "CompletingRebalance"
	case Stable:
		return "Stable"
	case Dead:
		return "Dead"
	case Assigning:
		return "Assigning"
	case Reconciling:
		return "Reconciling"
	}
	return "Unknown"
}

// TransitionKind says what a Transition records.
type TransitionKind int

// Transition kinds.
const (
	// StateChanged: the group moved From → To.
	StateChanged TransitionKind = iota
	// MemberJoined: a new member joined (MemberID).
	MemberJoined
	// MemberRejoined: a known member sent JoinGroup again.
	MemberRejoined
	// MemberLeft: a member left with LeaveGroup.
	MemberLeft
	// SessionExpired: a member sent no heartbeat for its session timeout.
	SessionExpired
	// RebalanceTimedOut: a member did not rejoin (or sync) within the
	// rebalance timeout and was removed.
	RebalanceTimedOut
	// MemberFenced: a static member was replaced by a new instance with the
	// same group.instance.id; MemberID is the fenced (old) id.
	MemberFenced
	// StaticRejoined: a static member came back while Stable and got its
	// old assignment with no rebalance.
	StaticRejoined
	// MemberSynced: a member's SyncGroup was answered with its assignment.
	MemberSynced
	// AssignmentComputed: the leader's assignment was installed; Moved
	// lists partitions that changed owner.
	AssignmentComputed
	// OffsetsExpired: every committed offset expired (KIP-211).
	OffsetsExpired
	// EpochBumped (consumer groups): the group epoch rose; Generation is
	// the new epoch and Cause says why.
	EpochBumped
	// MemberReconciled (consumer groups): a member's epoch or assignment
	// changed in a heartbeat; MemberEpoch, Assigned and Revoking say how
	// it stands now.
	MemberReconciled
	// StaticLeft (consumer groups): a static member left for a while
	// (epoch -2) and keeps its partitions until it returns or its
	// session expires.
	StaticLeft
)

// String names the kind.
func (k TransitionKind) String() string {
	switch k {
	case StateChanged:
		return "state"
	case MemberJoined:
		return "join"
	case MemberRejoined:
		return "rejoin"
	case MemberLeft:
		return "leave"
	case SessionExpired:
		return "session-expired"
	case RebalanceTimedOut:
		return "rebalance-timeout"
	case MemberFenced:
		return "fenced"
	case StaticRejoined:
		return "static-rejoin"
	case MemberSynced:
		return "sync"
	case AssignmentComputed:
		return "assignment"
	case OffsetsExpired:
		return "offsets-expired"
	case EpochBumped:
		return "epoch"
	case MemberReconciled:
		return "reconcile"
	case StaticLeft:
		return "static-leave"
	}
	return "unknown"
}

// Transition is one entry in the coordinator's log.
type Transition struct {
	// Time is the virtual time it happened.
	Time time.Time
	// Group is the group id.
	Group string
	// Kind says what happened.
	Kind TransitionKind
	// From and To are the group's state before and after (equal unless
	// Kind is StateChanged).
	From, To State
	// Generation is the group's generation after the change (a consumer
	// group's group epoch).
	Generation int32
	// MemberID is the member concerned, if any.
	MemberID string
	// Cause says why, in plain words.
	Cause string
	// Moved lists partitions that changed owner (AssignmentComputed; in
	// a consumer group, owner in the target assignment).
	Moved []PartitionMove
	// MemberEpoch is the member's epoch after the change (consumer
	// groups, member transitions).
	MemberEpoch int32
	// Assigned is what the member owns after the change
	// (MemberReconciled).
	Assigned []broker.TopicPartition
	// Revoking is what the member was asked to give up and has not
	// confirmed yet (MemberReconciled).
	Revoking []broker.TopicPartition
	// ClientID is the member's client.id (consumer groups, member
	// transitions), so that a timeline can name a member whose id is a
	// bare UUID.
	ClientID string
}

// PartitionMove is a partition changing owner between two generations.
// From or To is empty when the partition was or becomes unowned.
type PartitionMove struct {
	// Partition that moved.
	Partition broker.TopicPartition
	// From is the previous owner's member id.
	From string
	// To is the new owner's member id.
	To string
}
