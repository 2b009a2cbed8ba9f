package broker

import (
	"cmp"

	"fmt"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/internal/kerr"
	"github.com/kafkasim/kafkasim/internal/testhook"
)

// TopicPartition names one partition of one topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// String formats tp as "topic[3]".
func (tp TopicPartition) String() string { return fmt.Sprintf("%s[%d]", tp.Topic, tp.Partition) }

// CompareTopicPartitions orders by topic name, then partition number.
func CompareTopicPartitions(a, b TopicPartition) int {
	if c := cmp.Compare(a.Topic, b.Topic); c != 0 {
		return c
	}
	return cmp.Compare(a.Partition, b.Partition)
}

// SortTopicPartitions sorts tps by topic name, then partition number.
func SortTopicPartitions(tps []TopicPartition) { slices.SortFunc(tps, CompareTopicPartitions) }

// Header is one record header. Keys may repeat.
type Header struct {
	Key   string
	Value []byte
}

// Record is one message in a partition log. A nil Key is a null key; an
// empty non-nil Key is an empty key (partitioners tell them apart).
//
// Records returned by Fetch alias the broker's storage: treat their Key,
// Value and Headers as read-only.
type Record struct {
	// Offset is the record's position in its partition (set by the broker;
	// ignored by Produce).
	Offset int64
	// Key is the record key; nil means null.
	Key []byte
	// Value is the record value; nil means null (a tombstone).
	Value []byte
	// Headers are the record headers, nil if none.
	Headers []Header
	// Timestamp is the create time; Produce fills a zero Timestamp with the
	// clock's now.
	Timestamp time.Time
}

// Config configures a Broker. The zero Config gives Kafka's defaults.
type Config struct {
	// AllowAutoCreateTopics lets Produce create an unknown topic, with
	// AutoCreatePartitions partitions (allow.auto.create.topics, default
	// false as in librdkafka).
	AllowAutoCreateTopics bool
	// AutoCreatePartitions is the partition count of an auto-created topic
	// (num.partitions); 0 means 1.
	AutoCreatePartitions int
	// OffsetsRetention is how long committed offsets are kept
	// (offsets.retention.minutes); 0 means 7 days, negative means forever.
	OffsetsRetention time.Duration
	// OffsetsRetentionCheckInterval is the period of the offsets expiry
	// check (offsets.retention.check.interval.ms); 0 means 10 minutes,
	// negative disables the periodic check (ExpireOffsets still works).
	OffsetsRetentionCheckInterval time.Duration
	// LogRetentionCheckInterval is the period of the log retention check
	// (log.retention.check.interval.ms); 0 means 5 minutes, negative
	// disables the periodic check (EnforceRetention still works).
	LogRetentionCheckInterval time.Duration

	// Hooks are the property suite's planted bugs; nil everywhere else.
	// Only this module can set them.
	Hooks *testhook.Broker
}

// Kafka defaults used when a Config field is zero.
const (
	DefaultOffsetsRetention              = 7 * 24 * time.Hour
	DefaultOffsetsRetentionCheckInterval = 10 * time.Minute
	DefaultLogRetentionCheckInterval     = 5 * time.Minute
)

func (c Config) withDefaults() Config {
	if c.AutoCreatePartitions <= 0 {
		c.AutoCreatePartitions = 1
	}
	if c.OffsetsRetention == 0 {
		c.OffsetsRetention = DefaultOffsetsRetention
	}
	if c.OffsetsRetentionCheckInterval == 0 {
		c.OffsetsRetentionCheckInterval = DefaultOffsetsRetentionCheckInterval
	}
	if c.LogRetentionCheckInterval == 0 {
		c.LogRetentionCheckInterval = DefaultLogRetentionCheckInterval
	}
	return c
}

// TopicConfig is the per-topic configuration.
type TopicConfig struct {
	// RetentionTime is retention.ms: records whose timestamp is older than
	// this are deleted from the head of the log; <= 0 means unlimited.
	RetentionTime time.Duration
	// RetentionBytes is retention.bytes, per partition: the oldest records
	// are deleted while the partition holds more; <= 0 means unlimited.
	RetentionBytes int64
}

// TopicInfo describes a topic.
type TopicInfo struct {
	// Name is the topic name.
	Name string
	// Partitions describes each partition, in partition order.
	Partitions []PartitionInfo
	// Config is the topic configuration.
	Config TopicConfig
}

// PartitionInfo describes one partition's log.
type PartitionInfo struct {
	// Partition is the partition number.
	Partition int32
	// LogStartOffset is the first offset still in the log.
	LogStartOffset int64
	// HighWatermark is the offset the next produced record gets (log end).
	HighWatermark int64
	// Records is the number of records in the log (HighWatermark -
	// LogStartOffset).
	Records int64
	// Bytes is the size of the records in the log: key, value and header
	// bytes (what retention.bytes limits).
	Bytes int64
}

// FetchResult is what Fetch returns.
type FetchResult struct {
	// Records are the fetched records, in offset order. They alias broker
	// memory: read-only.
	Records []Record
	// HighWatermark is the partition's log end at fetch time.
	HighWatermark int64
	// LogStartOffset is the partition's log start at fetch time.
	LogStartOffset int64
}

type specKind uint8

const (
	specEarliest specKind = iota
	specLatest
	specTimestamp
)

// OffsetSpec says which offset ListOffset looks up: Earliest, Latest or
// AtTimestamp.
type OffsetSpec struct {
	kind specKind
	ts   time.Time
}

// Earliest is the log start offset.
func Earliest() OffsetSpec { return OffsetSpec{kind: specEarliest} }

// Latest is the high watermark (log end offset).
func Latest() OffsetSpec { return OffsetSpec{kind: specLatest} }

// AtTimestamp is the first offset whose record timestamp is at or after t,
// or the high watermark if there is none.
func AtTimestamp(t time.Time) OffsetSpec { return OffsetSpec{kind: specTimestamp, ts: t} }

// String names the spec: "earliest", "latest" or "timestamp(RFC3339)".
func (s OffsetSpec) String() string {
	switch s.kind {
	case specEarliest:
		return "earliest"
	case specLatest:
		return "latest"
	default:
		return "timestamp(" + s.ts.UTC().Format(time.RFC3339Nano) + ")"
	}
}

// OffsetAndMetadata is a committed offset.
type OffsetAndMetadata struct {
	// Offset is the next offset to consume.
	Offset int64
	// Metadata is the commit's free-form metadata string.
	Metadata string
	// CommitTime is when the commit was stored.
	CommitTime time.Time
}

// GroupOffset is one committed offset of a group.
type GroupOffset struct {
	TopicPartition
	OffsetAndMetadata
}

// ErrUnavailable is wrapped by every error a data call returns while the
// cluster is down (see SetAvailable). It wraps kerr.Transport, so both
// errors.Is(err, ErrUnavailable) and errors.Is(err, kerr.Transport) hold;
// clients turn it into _TRANSPORT / _ALL_BROKERS_DOWN.
var ErrUnavailable error = fmt.Errorf("broker: cluster unavailable: %w", kerr.Transport)

// errorf wraps a kerr code (or ErrUnavailable) with context.
func errorf(base error, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), base)
}
