package group

import "github.com/kafkasim/kafkasim/broker"

// Description is what kafka-consumer-groups.sh --describe shows about a
// group (KAFKA.md §8).
type Description struct {
	// Group is the group id.
	Group string
	// State is the group's state; Dead for a group that does not exist.
	State State
	// ProtocolType is "consumer" for a group that used group management,
	// empty for a standalone (manual assign) group.
	ProtocolType string
	// Protocol is the chosen assignor (ASSIGNMENT-STRATEGY), if any.
	Protocol string
	// Generation is the current generation id.
	Generation int32
	// Leader is the leader's member id, if any.
	Leader string
	// Members in member-id order.
	Members []MemberDescription
	// Offsets has one row per partition that has a committed offset or an
	// owner, in the order kafka-consumer-groups.sh prints them.
	Offsets []PartitionOffset
}

// MemberDescription is one member in a Description.
type MemberDescription struct {
	// MemberID is CONSUMER-ID.
	MemberID string
	// InstanceID is GROUP-INSTANCE-ID; empty when dynamic.
	InstanceID string
	// ClientID is CLIENT-ID.
	ClientID string
	// ClientHost is HOST.
	ClientHost string
	// Assignment is the member's partitions; empty unless the group is
	// Stable (as the real DescribeGroups).
	Assignment []broker.TopicPartition
}

// PartitionOffset is one row of --describe. Missing numbers are -1 and
// missing strings empty; Table prints both as "-".
type PartitionOffset struct {
	broker.TopicPartition
	// CurrentOffset is the committed offset (CURRENT-OFFSET).
	CurrentOffset int64
	// LogEndOffset is the high watermark (LOG-END-OFFSET).
	LogEndOffset int64
	// Lag is LogEndOffset − CurrentOffset (LAG).
	Lag int64
	// ConsumerID is the owner's member id (CONSUMER-ID).
	ConsumerID string
	// Host is the owner's host (HOST).
	Host string
	// ClientID is the owner's client.id (CLIENT-ID).
	ClientID string
}

// Table formats d like kafka-consumer-groups.sh --describe.
func (d Description) Table() string { return "" }

// MembersTable formats d like kafka-consumer-groups.sh --describe --members.
func (d Description) MembersTable() string { return "" }

// StateTable formats d like kafka-consumer-groups.sh --describe --state.
func (d Description) StateTable() string { return "" }
