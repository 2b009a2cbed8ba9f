// Package kerr is kafkasim's table of error codes: Kafka's wire-protocol
// codes (positive, as brokers send them) and librdkafka's local codes
// (negative, raised inside the client), with their real numeric values.
//
// A Code is itself an error, so layers wrap it with %w and callers tell cases
// apart with errors.Is(err, kerr.IllegalGeneration) or with As / CodeOf.
// The client package re-exports this table as client.ErrorCode.
package kerr

import (
	"errors"
	"strconv"
)

// Code is a Kafka or librdkafka error code. The zero Code, NoError, means
// success and is never returned as an error.
type Code int16

// Kafka protocol error codes (positive), as sent by brokers.
const (
	NoError                   Code = 0
	OffsetOutOfRange          Code = 1
	UnknownTopicOrPart        Code = 3
	LeaderNotAvailable        Code = 5
	RequestTimedOut           Code = 7
	CoordinatorLoadInProgress Code = 14
	CoordinatorNotAvailable   Code = 15
	NotCoordinator            Code = 16
	InvalidTopic              Code = 17
	IllegalGeneration         Code = 22
	InconsistentGroupProtocol Code = 23
	InvalidGroupID            Code = 24
	UnknownMemberID           Code = 25
	InvalidSessionTimeout     Code = 26
	RebalanceInProgress       Code = 27
	TopicAlreadyExists        Code = 36
	InvalidPartitions         Code = 37
	InvalidReplicationFactor  Code = 38
	InvalidConfig             Code = 40
	InvalidRequest            Code = 42
	NonEmptyGroup             Code = 68
	GroupIDNotFound           Code = 69
	MemberIDRequired          Code = 79
	GroupMaxSizeReached       Code = 81
	FencedInstanceID          Code = 82
	UnstableOffsetCommit      Code = 88
	FencedMemberEpoch         Code = 110
	UnreleasedInstanceID      Code = 111
	UnsupportedAssignor       Code = 112
	StaleMemberEpoch          Code = 113
)

// librdkafka local error codes (negative), raised by the client itself.
const (
	Destroy          Code = -197 // _DESTROY: the client was closed
	Fail             Code = -196 // _FAIL: generic failure
	Transport        Code = -195 // _TRANSPORT: broker connection failed
	MsgTimedOut      Code = -192 // _MSG_TIMED_OUT: produced message timed out
	PartitionEOF     Code = -191 // _PARTITION_EOF: reached the end of a partition
	UnknownPartition Code = -190 // _UNKNOWN_PARTITION: partition does not exist
	UnknownTopic     Code = -188 // _UNKNOWN_TOPIC: topic does not exist (local)
	AllBrokersDown   Code = -187 // _ALL_BROKERS_DOWN: no broker reachable
	InvalidArg       Code = -186 // _INVALID_ARG: bad argument or configuration
	TimedOut         Code = -185 // _TIMED_OUT: operation timed out
	QueueFull        Code = -184 // _QUEUE_FULL: producer queue is full
	WaitCoord        Code = -180 // _WAIT_COORD: waiting for the group coordinator
	InProgress       Code = -178 // _IN_PROGRESS: operation in progress
	AssignPartitions Code = -175 // _ASSIGN_PARTITIONS: rebalance assigned partitions
	RevokePartitions Code = -174 // _REVOKE_PARTITIONS: rebalance revoked partitions
	State            Code = -172 // _STATE: wrong state for the operation
	NoOffset         Code = -168 // _NO_OFFSET: nothing to commit
	Fatal            Code = -150 // _FATAL: fatal error, the client is unusable
	MaxPollExceeded  Code = -147 // _MAX_POLL_EXCEEDED: max.poll.interval.ms exceeded
	AssignmentLost   Code = -142 // _ASSIGNMENT_LOST: the assignment was lost
	AutoOffsetReset  Code = -140 // _AUTO_OFFSET_RESET: no valid offset and auto.offset.reset=error
)

type info struct {
	name      string
	desc      string
	retriable bool
}

var table = map[Code]info{
	NoError:                   {"NO_ERROR", "Success", false},
	OffsetOutOfRange:          {"OFFSET_OUT_OF_RANGE", "Broker: Offset out of range", false},
	UnknownTopicOrPart:        {"UNKNOWN_TOPIC_OR_PART", "Broker: Unknown topic or partition", true},
	LeaderNotAvailable:        {"LEADER_NOT_AVAILABLE", "Broker: Leader not available", true},
	RequestTimedOut:           {"REQUEST_TIMED_OUT", "Broker: Request timed out", true},
	CoordinatorLoadInProgress: {"COORDINATOR_LOAD_IN_PROGRESS", "Broker: Coordinator load in progress", true},
	CoordinatorNotAvailable:   {"COORDINATOR_NOT_AVAILABLE", "Broker: Coordinator not available", true},
	NotCoordinator:            {"NOT_COORDINATOR", "Broker: Not coordinator", true},
	InvalidTopic:              {"TOPIC_EXCEPTION", "Broker: Invalid topic", false},
	IllegalGeneration:         {"ILLEGAL_GENERATION", "Broker: Specified group generation id is not valid", false},
	InconsistentGroupProtocol: {"INCONSISTENT_GROUP_PROTOCOL", "Broker: Inconsistent group protocol", false},
	InvalidGroupID:            {"INVALID_GROUP_ID", "Broker: Invalid group.id", false},
	UnknownMemberID:           {"UNKNOWN_MEMBER_ID", "Broker: Unknown member", false},
	InvalidSessionTimeout:     {"INVALID_SESSION_TIMEOUT", "Broker: Invalid session timeout", false},
	RebalanceInProgress:       {"REBALANCE_IN_PROGRESS", "Broker: Group rebalance in progress", false},
	TopicAlreadyExists:        {"TOPIC_ALREADY_EXISTS", "Broker: Topic already exists", false},
	InvalidPartitions:         {"INVALID_PARTITIONS", "Broker: Invalid number of partitions", false},
	InvalidReplicationFactor:  {"INVALID_REPLICATION_FACTOR", "Broker: Invalid replication factor", false},
	InvalidConfig:             {"INVALID_CONFIG", "Broker: Configuration is invalid", false},
	InvalidRequest:            {"INVALID_REQUEST", "Broker: Invalid request", false},
	NonEmptyGroup:             {"NON_EMPTY_GROUP", "Broker: The group is not empty", false},
	GroupIDNotFound:           {"GROUP_ID_NOT_FOUND", "Broker: The group id does not exist", false},
	MemberIDRequired:          {"MEMBER_ID_REQUIRED", "Broker: The member id is required", false},
	GroupMaxSizeReached:       {"GROUP_MAX_SIZE_REACHED", "Broker: The consumer group has reached its max size", false},
	FencedInstanceID:          {"FENCED_INSTANCE_ID", "Broker: A static member with this instance id was fenced", false},
	UnstableOffsetCommit:      {"UNSTABLE_OFFSET_COMMIT", "Broker: There are unstable offsets awaiting transaction resolution", true},
	FencedMemberEpoch:         {"FENCED_MEMBER_EPOCH", "Broker: The member epoch is fenced by the group coordinator", false},
	UnreleasedInstanceID:      {"UNRELEASED_INSTANCE_ID", "Broker: The instance ID is still used by another member in the consumer group", false},
	UnsupportedAssignor:       {"UNSUPPORTED_ASSIGNOR", "Broker: The assignor or its version range is not supported by the consumer group", false},
	StaleMemberEpoch:          {"STALE_MEMBER_EPOCH", "Broker: The member epoch is stale", false},

	Destroy:          {"_DESTROY", "Local: Broker handle destroyed", false},
	Fail:             {"_FAIL", "Local: Communication failure with broker", false},
	Transport:        {"_TRANSPORT", "Local: Broker transport failure", true},
	MsgTimedOut:      {"_MSG_TIMED_OUT", "Local: Message timed out", true},
	PartitionEOF:     {"_PARTITION_EOF", "Broker: No more messages", false},
	UnknownPartition: {"_UNKNOWN_PARTITION", "Local: Unknown partition", false},
	UnknownTopic:     {"_UNKNOWN_TOPIC", "Local: Unknown topic", false},
	AllBrokersDown:   {"_ALL_BROKERS_DOWN", "Local: All broker connections are down", true},
	InvalidArg:       {"_INVALID_ARG", "Local: Invalid argument or configuration", false},
	TimedOut:         {"_TIMED_OUT", "Local: Timed out", true},
	QueueFull:        {"_QUEUE_FULL", "Local: Queue full", true},
	WaitCoord:        {"_WAIT_COORD", "Local: Waiting for coordinator", true},
	InProgress:       {"_IN_PROGRESS", "Local: Operation in progress", true},
	AssignPartitions: {"_ASSIGN_PARTITIONS", "Local: Assign partitions", false},
	RevokePartitions: {"_REVOKE_PARTITIONS", "Local: Revoke partitions", false},
	State:            {"_STATE", "Local: Erroneous state", false},
	NoOffset:         {"_NO_OFFSET", "Local: No offset stored", false},
	Fatal:            {"_FATAL", "Local: Fatal error", false},
	MaxPollExceeded:  {"_MAX_POLL_EXCEEDED", "Local: Maximum application poll interval (max.poll.interval.ms) exceeded", false},
	AssignmentLost:   {"_ASSIGNMENT_LOST", "Local: Group partition assignment lost", false},
	AutoOffsetReset:  {"_AUTO_OFFSET_RESET", "Local: No offset to automatically reset to", false},
}

// String is the code's name as librdkafka spells it, e.g.
// "ILLEGAL_GENERATION" or "_PARTITION_EOF".
func (c Code) String() string {
	if i, ok := table[c]; ok {
		return i.name
	}
	return "ERR_" + strconv.Itoa(int(c))
}

// Error is the code's name and description, e.g.
// "ILLEGAL_GENERATION: Broker: Specified group generation id is not valid".
func (c Code) Error() string {
	if i, ok := table[c]; ok {
		return i.name + ": " + i.desc
	}
	return "ERR_" + strconv.Itoa(int(c)) + ": unknown error code"
}

// Description is the human-readable text for the code.
func (c Code) Description() string {
	if i, ok := table[c]; ok {
		return i.desc
	}
	return "unknown error code"
}

// Retriable reports whether retrying the same request may succeed.
func (c Code) Retriable() bool { return table[c].retriable }

// Local reports whether the code is a librdkafka local code (negative).
func (c Code) Local() bool { return c < 0 }

// Known reports whether the code is in the table.
func (c Code) Known() bool { _, ok := table[c]; return ok }

// CodeOf returns the Code wrapped in err: NoError for nil, Fail for an error
// that wraps no Code.
func CodeOf(err error) Code {
	if err == nil {
		return NoError
	}
	var c Code
	if errors.As(err, &c) {
		return c
	}
	return Fail
}

// Err returns c as an error, or nil for NoError.
func (c Code) Err() error {
	if c == NoError {
		return nil
	}
	return c
}

// Codes returns every known code in ascending numeric order.
func Codes() []Code {
	out := make([]Code, 0, len(table))
	for c := range table {
		out = append(out, c)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
