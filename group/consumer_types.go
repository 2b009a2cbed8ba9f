package group

// Requests, responses and read-only views of the consumer group protocol
// (KIP-848, group.protocol=consumer). See docs/kip-848.md.

import (
	"time"

	"github.com/kafkasim/kafkasim/broker"
)

// Group protocols, as a consumer's group.protocol names them. A group
// speaks one of them: Describe's GroupProtocol says which.
const (
	// GroupProtocolClassic is JoinGroup/SyncGroup/Heartbeat (Join, Sync,
	// Heartbeat, Leave).
	GroupProtocolClassic = "classic"
	// GroupProtocolConsumer is KIP-848's ConsumerGroupHeartbeat
	// (ConsumerHeartbeat).
	GroupProtocolConsumer = "consumer"
)

// Member epochs with a meaning of their own in a ConsumerHeartbeatRequest.
const (
	// JoinEpoch (0) joins or rejoins the group.
	JoinEpoch int32 = 0
	// LeaveEpoch (-1) leaves the group for good (a dynamic member's
	// close; also a static member that unsubscribes).
	LeaveEpoch int32 = -1
	// LeaveStaticEpoch (-2) is a static member leaving for a while (its
	// close): it keeps its partitions until it comes back with the same
	// group.instance.id or its session times out.
	LeaveStaticEpoch int32 = -2
)

// ConsumerHeartbeatRequest is a ConsumerGroupHeartbeat request (API key
// 68). As on the wire, optional fields are absent when nil or zero, and a
// member sends them only when they changed or on a full request (joining,
// or after an error).
type ConsumerHeartbeatRequest struct {
	// Group is group.id.
	Group string
	// MemberID is the member's id. Clients of Kafka 4 generate it
	// themselves (KIP-1082) and keep it across rejoins; empty on a join
	// asks the coordinator to draw one (the protocol's first version).
	MemberID string
	// MemberEpoch is JoinEpoch, LeaveEpoch, LeaveStaticEpoch, or the
	// epoch of the member's last response.
	MemberEpoch int32
	// InstanceID is group.instance.id; empty for a dynamic member.
	InstanceID string
	// RebalanceTimeout is max.poll.interval.ms: how long the member may
	// take to revoke partitions. Required when joining; zero means
	// unchanged.
	RebalanceTimeout time.Duration
	// SubscribedTopics is the subscription. Required (non-empty) when
	// joining; nil means unchanged.
	SubscribedTopics []string
	// ServerAssignor is group.remote.assignor ("uniform", "range");
	// empty means unchanged, or the broker's default.
	ServerAssignor string
	// Owned is what the member owns now, reported when it changed and on
	// full requests: its acknowledgement of revocations and assignments.
	// nil means not reported; a join must send an empty, non-nil slice.
	Owned []broker.TopicPartition
	// ClientID is client.id (CLIENT-ID in describe output); empty keeps
	// the one the member sent before (on the wire it is in every
	// request's header).
	ClientID string
	// ClientHost is shown by Describe as HOST; empty keeps the previous.
	ClientHost string
}

// ConsumerHeartbeatResponse is the answer to a ConsumerHeartbeatRequest.
// When Err is set the other fields are zero.
type ConsumerHeartbeatResponse struct {
	// Err is nil or wraps a kerr.Code: COORDINATOR_NOT_AVAILABLE,
	// INVALID_REQUEST, UNSUPPORTED_ASSIGNOR, GROUP_ID_NOT_FOUND (no such
	// consumer group, or the id belongs to a classic group),
	// GROUP_MAX_SIZE_REACHED, UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH,
	// UNRELEASED_INSTANCE_ID, FENCED_INSTANCE_ID.
	Err error
	// MemberID is the member's id.
	MemberID string
	// MemberEpoch is the member's epoch: send it in the next heartbeat and
	// in commits. LeaveEpoch or LeaveStaticEpoch after a leave.
	MemberEpoch int32
	// HeartbeatInterval is when to heartbeat next
	// (group.consumer.heartbeat.interval.ms).
	HeartbeatInterval time.Duration
	// HasAssignment says whether Assignment is set. The coordinator sends
	// it on full requests and whenever the member's assignment changed.
	HasAssignment bool
	// Assignment is every partition the member should own now, sorted:
	// it revokes what it owns beyond it and takes the rest.
	Assignment []broker.TopicPartition
}

// memberState is where a member stands in its reconciliation (Kafka's
// MemberState).
type memberState int

const (
	// memberStable: the member owns its part of the target assignment
	// of its epoch, or everything of it that has been released.
	memberStable memberState = iota
	// memberUnrevoked: the member was asked to revoke partitions and
	// has not confirmed it yet; its epoch stays until it does.
	memberUnrevoked
	// memberUnreleased: the member is at the target epoch but waits for
	// partitions that others still own.
	memberUnreleased
)

// String is Kafka's name for the state.
func (s memberState) String() string {
	switch s {
	case memberUnrevoked:
		return "UNREVOKED_PARTITIONS"
	case memberUnreleased:
		return "UNRELEASED_PARTITIONS"
	}
	return "STABLE"
}

// ConsumerGroupInfo is a read-only view of a consumer group, beyond what
// Describe prints (ConsumerGroupDescribe's fields).
type ConsumerGroupInfo struct {
	// Group is the group id.
	Group string
	// State is Empty, Assigning, Reconciling or Stable.
	State State
	// GroupEpoch rises with every change of membership, subscription or
	// subscribed topics' partitions.
	GroupEpoch int32
	// AssignmentEpoch is the epoch of the current target assignment; it
	// lags GroupEpoch until the next heartbeat computes a new one.
	AssignmentEpoch int32
	// Assignor is the server assignor the group uses.
	Assignor string
	// Members in member id order.
	Members []ConsumerMemberInfo
}

// ConsumerMemberInfo is one member of a ConsumerGroupInfo.
type ConsumerMemberInfo struct {
	// MemberID is the member id.
	MemberID string
	// InstanceID is group.instance.id; empty when dynamic.
	InstanceID string
	// ClientID is client.id.
	ClientID string
	// MemberEpoch is the member's epoch; LeaveStaticEpoch while a static
	// member is away.
	MemberEpoch int32
	// PreviousEpoch is the epoch before the last change; a heartbeat
	// with it is still accepted if its owned partitions are a subset of
	// Assigned (a lost response).
	PreviousEpoch int32
	// State is STABLE, UNREVOKED_PARTITIONS or UNRELEASED_PARTITIONS.
	State string
	// Topics is the subscription, sorted.
	Topics []string
	// Assigned is what the member was told to own, sorted.
	Assigned []broker.TopicPartition
	// PendingRevocation is what it was told to give up and has not
	// confirmed yet; still its own until it does.
	PendingRevocation []broker.TopicPartition
	// Target is its part of the group's target assignment.
	Target []broker.TopicPartition
	// RebalanceTimeout is its max.poll.interval.ms.
	RebalanceTimeout time.Duration
}
