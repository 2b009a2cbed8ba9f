package client

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Offset is a position in a partition: the offset of a message, or one of
// the logical offsets below.
type Offset int64

// Logical offsets, with librdkafka's values.
const (
	// OffsetBeginning is the log start (auto.offset.reset=earliest).
	OffsetBeginning = Offset(-2)
	// OffsetEnd is the log end (auto.offset.reset=latest).
	OffsetEnd = Offset(-1)
	// OffsetInvalid means no offset: nothing committed, nothing stored.
	OffsetInvalid = Offset(-1001)
	// OffsetStored means the committed offset (Assign's default start).
	OffsetStored = Offset(-1000)
)

// offsetTailBase is librdkafka's RD_KAFKA_OFFSET_TAIL_BASE: OffsetTail(n)
// is offsetTailBase - n.
const offsetTailBase = -2000

// OffsetTail is the logical offset relativeOffset messages before the end
// of a partition, for Assign and Seek: the consumer looks up the end and
// starts relativeOffset before it (at 0 if the partition holds fewer).
// OffsetTail(0) is the end. As in librdkafka, the value is
// -2000 - relativeOffset.
func OffsetTail(relativeOffset Offset) Offset {
	return Offset(offsetTailBase - int64(relativeOffset))
}

// Tail reports whether o is an OffsetTail value, and how many messages
// before the end it stands.
func (o Offset) Tail() (relativeOffset int64, ok bool) {
	if o > offsetTailBase {
		return 0, false
	}
	return offsetTailBase - int64(o), true
}

// Set sets o from a value NewOffset accepts.
func (o *Offset) Set(offset any) error {
	n, err := NewOffset(offset)
	if err == nil {
		*o = n
	}
	return err
}

// String is the offset as a number or its logical name.
func (o Offset) String() string {
	switch o {
	case OffsetBeginning:
		return "beginning"
	case OffsetEnd:
		return "end"
	case OffsetInvalid:
		return "unset"
	case OffsetStored:
		return "stored"
	}
	return strconv.FormatInt(int64(o), 10)
}

// NewOffset converts an int, int64, Offset or string ("beginning",
// "earliest", "end", "latest", "stored", "unset", "invalid" or a number) to
// an Offset.
func NewOffset(v any) (Offset, error) {
	switch x := v.(type) {
	case Offset:
		return x, nil
	case int:
		return Offset(x), nil
	case int64:
		return Offset(x), nil
	case int32:
		return Offset(x), nil
	case string:
		switch x {
		case "beginning", "earliest", "smallest":
			return OffsetBeginning, nil
		case "end", "latest", "largest":
			return OffsetEnd, nil
		case "stored":
			return OffsetStored, nil
		case "unset", "invalid":
			return OffsetInvalid, nil
		}
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return OffsetInvalid, NewError(ErrInvalidArg, fmt.Sprintf("invalid offset %q", x), false)
		}
		return Offset(n), nil
	}
	return OffsetInvalid, NewError(ErrInvalidArg, fmt.Sprintf("invalid offset type %T", v), false)
}

// TopicPartition names a partition and, depending on the call, an offset
// (next to fetch, committed, to commit) and a per-partition result.
type TopicPartition struct {
	Topic     string
	Partition int32
	// Offset is the next offset to read: a committed offset is the offset
	// of the last processed message + 1.
	Offset Offset
	// Metadata is the commit metadata (nil: none).
	Metadata *string
	// Error is this partition's result in a commit or an offsets query.
	Error error
}

// String is "topic[partition]@offset", plus "(error)" when Error is set.
func (tp TopicPartition) String() string {
	s := fmt.Sprintf("%s[%d]@%s", tp.Topic, tp.Partition, tp.Offset)
	if tp.Error != nil {
		s += "(" + tp.Error.Error() + ")"
	}
	return s
}

// Key is the partition alone, without offset, metadata or error: usable as a
// map key.
func (tp TopicPartition) Key() PartitionKey { return PartitionKey{tp.Topic, tp.Partition} }

// PartitionKey identifies a partition; it is comparable, for maps.
type PartitionKey struct {
	Topic     string
	Partition int32
}

// String is "topic[partition]".
func (k PartitionKey) String() string { return fmt.Sprintf("%s[%d]", k.Topic, k.Partition) }

// TopicPartitions is a list of partitions with a readable String.
type TopicPartitions []TopicPartition

// Len is the number of partitions (sort.Interface).
func (tps TopicPartitions) Len() int { return len(tps) }

// Less orders by topic, then partition (sort.Interface).
func (tps TopicPartitions) Less(i, j int) bool {
	if tps[i].Topic != tps[j].Topic {
		return tps[i].Topic < tps[j].Topic
	}
	return tps[i].Partition < tps[j].Partition
}

// Swap swaps two partitions (sort.Interface).
func (tps TopicPartitions) Swap(i, j int) { tps[i], tps[j] = tps[j], tps[i] }

// String is the partitions comma-separated in brackets.
func (tps TopicPartitions) String() string {
	parts := make([]string, len(tps))
	for i, tp := range tps {
		parts[i] = tp.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TimestampType says where a message's timestamp comes from.
type TimestampType int

// Timestamp types, as in confluent-kafka-go.
const (
	TimestampNotAvailable TimestampType = iota
	TimestampCreateTime
	TimestampLogAppendTime
)

// String is the type's name.
func (t TimestampType) String() string {
	switch t {
	case TimestampCreateTime:
		return "CreateTime"
	case TimestampLogAppendTime:
		return "LogAppendTime"
	}
	return "NotAvailable"
}

// Header is a message header.
type Header struct {
	Key   string
	Value []byte
}

// String is "key=value".
func (h Header) String() string { return h.Key + "=" + string(h.Value) }

// Message is a consumed message, a message to produce, or a producer's
// delivery report (TopicPartition.Offset and TopicPartition.Error filled in).
type Message struct {
	TopicPartition TopicPartition
	Value          []byte
	Key            []byte
	Timestamp      time.Time
	TimestampType  TimestampType
	Headers        []Header
	// Opaque is the producer's per-message value, handed back in its
	// delivery report. Not sent to the broker.
	Opaque any
}

// String is "topic[partition]@offset".
func (m *Message) String() string { return m.TopicPartition.String() }

// Event is what Poll returns: *Message, Error, AssignedPartitions,
// RevokedPartitions, PartitionEOF or OffsetsCommitted.
type Event interface {
	// String describes the event.
	String() string
}

// AssignedPartitions is a rebalance handing partitions to this consumer.
// With an eager assignor it is the full new assignment; with a cooperative
// one only the partitions added. The rebalance callback (or the app, with
// go.application.rebalance.enable) answers with Assign or IncrementalAssign;
// if it does not, the client does it itself.
type AssignedPartitions struct {
	Partitions []TopicPartition
}

// String is "AssignedPartitions: [...]".
func (e AssignedPartitions) String() string {
	return "AssignedPartitions: " + TopicPartitions(e.Partitions).String()
}

// RevokedPartitions is a rebalance taking partitions from this consumer:
// all of them with an eager assignor, only those moving with a cooperative
// one. Lost is true when the assignment was lost (session or
// max.poll.interval.ms expiry, fencing): other members may already own the
// partitions, and their offsets are not committed.
type RevokedPartitions struct {
	Partitions []TopicPartition
	Lost       bool
}

// String is "RevokedPartitions: [...]" ("lost" added when Lost).
func (e RevokedPartitions) String() string {
	s := "RevokedPartitions: " + TopicPartitions(e.Partitions).String()
	if e.Lost {
		s += " (lost)"
	}
	return s
}

// PartitionEOF says the consumer reached the end of a partition
// (enable.partition.eof=true). Offset is the end offset. It is raised again
// after new messages are consumed to the end.
type PartitionEOF TopicPartition

// String is "EOF at topic[partition]@offset".
func (p PartitionEOF) String() string { return "EOF at " + TopicPartition(p).String() }

// OffsetsCommitted is the result of an asynchronous commit (CommitAsync and
// friends, and auto-commit): Error is the request's error, and each offset
// carries its own Error.
type OffsetsCommitted struct {
	Error   error
	Offsets []TopicPartition
}

// String is "OffsetsCommitted (error, [...])".
func (o OffsetsCommitted) String() string {
	return fmt.Sprintf("OffsetsCommitted (%v, %s)", o.Error, TopicPartitions(o.Offsets))
}
