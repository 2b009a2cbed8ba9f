package group

import (
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/testhook"
)

// Config holds the broker-side group settings. Zero fields take Kafka's
// defaults.
type Config struct {
	// MinSessionTimeout is group.min.session.timeout.ms (default 6 s).
	MinSessionTimeout time.Duration
	// MaxSessionTimeout is group.max.session.timeout.ms (default 30 min).
	MaxSessionTimeout time.Duration
	// InitialRebalanceDelay is group.initial.rebalance.delay.ms (default
	// 3 s). A negative value means no delay.
	InitialRebalanceDelay time.Duration
	// MaxSize is group.max.size; 0 means unlimited.
	MaxSize int
	// TestingAcceptStaleCommits is a planted bug for testing the test
	// suite (scenarios/check): when true, an OffsetCommit from a fenced
	// member — one no longer in the group, or from an older generation —
	// is accepted and stored instead of failing with UNKNOWN_MEMBER_ID or
	// ILLEGAL_GENERATION (STALE_MEMBER_EPOCH in a consumer group). Never
	// set it outside tests.
	TestingAcceptStaleCommits bool

	// ConsumerSessionTimeout is group.consumer.session.timeout.ms
	// (default 45 s): with the consumer group protocol the broker, not
	// the member, sets the session timeout.
	ConsumerSessionTimeout time.Duration
	// ConsumerHeartbeatInterval is group.consumer.heartbeat.interval.ms
	// (default 5 s), sent to members in every heartbeat response.
	ConsumerHeartbeatInterval time.Duration
	// ConsumerMaxSize is group.consumer.max.size; 0 means unlimited.
	ConsumerMaxSize int

	// Hooks are the property suite's switches (planted bugs, a network
	// delay); nil everywhere else. Only this module can set them.
	Hooks *testhook.Group
}

// DefaultConfig is Kafka's defaults: sessions 6 s..30 min, initial
// rebalance delay 3 s, unlimited group size; for consumer groups a 45 s
// session and a 5 s heartbeat interval.
func DefaultConfig() Config {
	return Config{
		MinSessionTimeout:         6 * time.Second,
		MaxSessionTimeout:         30 * time.Minute,
		InitialRebalanceDelay:     3 * time.Second,
		ConsumerSessionTimeout:    45 * time.Second,
		ConsumerHeartbeatInterval: 5 * time.Second,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.ConsumerSessionTimeout <= 0 {
		c.ConsumerSessionTimeout = d.ConsumerSessionTimeout
	}
	if c.ConsumerHeartbeatInterval <= 0 {
		c.ConsumerHeartbeatInterval = d.ConsumerHeartbeatInterval
	}
	if c.MinSessionTimeout == 0 {
		c.MinSessionTimeout = d.MinSessionTimeout
	}
	if c.MaxSessionTimeout == 0 {
		c.MaxSessionTimeout = d.MaxSessionTimeout
	}
	if c.InitialRebalanceDelay == 0 {
		c.InitialRebalanceDelay = d.InitialRebalanceDelay
	} else if c.InitialRebalanceDelay < 0 {
		c.InitialRebalanceDelay = 0
	}
	return c
}

// ProtocolType is the only group protocol type kafkasim models (the
// classic protocol's "consumer" embedded protocol; not to be confused with
// the consumer group protocol, GroupProtocolConsumer).
const ProtocolType = "consumer"

// Protocol is one assignment strategy a member supports, with the
// subscription it would send under it, in preference order.
type Protocol struct {
	// Name is the assignor name: "range", "roundrobin", "cooperative-sticky".
	Name string
	// Subscription is the member's metadata for this protocol.
	Subscription Subscription
}

// Subscription is a consumer's JoinGroup metadata (ConsumerProtocolSubscription).
type Subscription struct {
	// Topics subscribed to.
	Topics []string
	// OwnedPartitions is what the member owns now (sent by cooperative
	// members so the leader can be sticky).
	OwnedPartitions []broker.TopicPartition
	// UserData is opaque assignor data.
	UserData []byte
	// Generation in which OwnedPartitions were owned; -1 if none.
	Generation int32
}

// JoinRequest is a JoinGroup request.
type JoinRequest struct {
	// Group is group.id.
	Group string
	// MemberID is empty on the first join, then the id the coordinator gave.
	MemberID string
	// InstanceID is group.instance.id; empty for a dynamic member.
	InstanceID string
	// ClientID is client.id (member ids are "<client.id>-<uuid>").
	ClientID string
	// ClientHost is shown by Describe as HOST.
	ClientHost string
	// SessionTimeout is session.timeout.ms.
	SessionTimeout time.Duration
	// RebalanceTimeout is max.poll.interval.ms.
	RebalanceTimeout time.Duration
	// Protocols in preference order.
	Protocols []Protocol
}

// JoinResponse is the JoinGroup answer.
type JoinResponse struct {
	// Err is nil or wraps a kerr.Code: MEMBER_ID_REQUIRED (MemberID holds
	// the id to join with), INVALID_SESSION_TIMEOUT,
	// INCONSISTENT_GROUP_PROTOCOL, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
	// GROUP_MAX_SIZE_REACHED, REBALANCE_IN_PROGRESS,
	// COORDINATOR_NOT_AVAILABLE.
	Err error
	// Generation is the new generation id.
	Generation int32
	// Protocol is the assignor the group chose.
	Protocol string
	// Leader is the leader's member id.
	Leader string
	// MemberID is this member's id.
	MemberID string
	// Members is set for the leader only: every member's subscription
	// under the chosen protocol, sorted by member id.
	Members []MemberMetadata
}

// MemberMetadata is one member's subscription as the leader receives it.
type MemberMetadata struct {
	// MemberID is the member's id.
	MemberID string
	// InstanceID is its group.instance.id, if static.
	InstanceID string
	// Subscription under the chosen protocol.
	Subscription Subscription
}

// SyncRequest is a SyncGroup request.
type SyncRequest struct {
	// Group is group.id.
	Group string
	// MemberID is the member's id.
	MemberID string
	// InstanceID is group.instance.id; empty for a dynamic member.
	InstanceID string
	// Generation from the JoinResponse.
	Generation int32
	// Protocol from the JoinResponse; empty skips the check.
	Protocol string
	// Assignments is the leader's result; empty for followers.
	Assignments []MemberAssignment
}

// MemberAssignment is one member's partitions as the leader assigned them.
type MemberAssignment struct {
	// MemberID is the member's id.
	MemberID string
	// Partitions assigned to it.
	Partitions []broker.TopicPartition
}

// SyncResponse is the SyncGroup answer.
type SyncResponse struct {
	// Err is nil or wraps a kerr.Code: REBALANCE_IN_PROGRESS,
	// ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
	// INCONSISTENT_GROUP_PROTOCOL, COORDINATOR_NOT_AVAILABLE.
	Err error
	// Assignment is this member's partitions, sorted.
	Assignment []broker.TopicPartition
}

// OffsetCommit is one partition's offset in a commit.
type OffsetCommit struct {
	broker.TopicPartition
	// Offset is the next offset to consume.
	Offset int64
	// Metadata is the commit's metadata string.
	Metadata string
}

// CommitRequest is an OffsetCommit request.
type CommitRequest struct {
	// Group is group.id.
	Group string
	// MemberID is the member's id; empty for a standalone (manual assign) commit.
	MemberID string
	// InstanceID is group.instance.id, if static.
	InstanceID string
	// Generation is the member's generation; -1 for a standalone commit.
	Generation int32
	// Offsets to store.
	Offsets []OffsetCommit
}
