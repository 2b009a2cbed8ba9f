package group

import (
	"time"

	"github.com/kafkasim/kafkasim/broker"
)

// State is a classic group's state.
type State int

// The classic group states (Kafka ClassicGroupState).
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
	// Generation is the group's generation after the change.
	Generation int32
	// MemberID is the member concerned, if any.
	MemberID string
	// Cause says why, in plain words.
	Cause string
	// Moved lists partitions that changed owner (AssignmentComputed).
	Moved []PartitionMove
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
