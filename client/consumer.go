package client

import "time"

// RebalanceCb is called inside Poll (or Close, Unsubscribe) with an
// AssignedPartitions or RevokedPartitions event. It may call Assign /
// IncrementalAssign (on assign) or Unassign / IncrementalUnassign (on
// revoke) and commit; if it does not, the client applies the change itself
// after it returns. c.AssignmentLost() tells a lost revoke from a normal one.
type RebalanceCb func(c Consumer, ev Event) error

// Rebalance protocols, as GetRebalanceProtocol reports them.
const (
	RebalanceNone        = "NONE"
	RebalanceEager       = "EAGER"
	RebalanceCooperative = "COOPERATIVE"
)

// Consumer is a Kafka consumer shaped like confluent-kafka-go's
// *kafka.Consumer. Whether it may be called from several goroutines is
// its backend's to say: client/sim's and client/rdkafka's may (their calls
// are served one at a time; see their package docs), client/kafka's is
// used from one goroutine.
//
// Rebalances, auto-commit timers, heartbeats and error events are all
// delivered through Poll: the app must call it more often than
// max.poll.interval.ms, or it is removed from the group.
//
// Every method returns an Error (errors.Is works against ErrorCode values)
// or nil. After a fatal error every call returns it; after Close (or Crash)
// every call returns ClosedError, code ErrState (Close itself returns nil
// again).
type Consumer interface {
	// Subscribe subscribes to one topic; see SubscribeTopics.
	Subscribe(topic string, rebalanceCb RebalanceCb) error
	// SubscribeTopics replaces the subscription and joins the group. With
	// rebalanceCb nil, assignments are applied automatically, or returned
	// from Poll as AssignedPartitions / RevokedPartitions events when
	// go.application.rebalance.enable=true.
	SubscribeTopics(topics []string, rebalanceCb RebalanceCb) error
	// Unsubscribe revokes the assignment (auto-committing it) and leaves the
	// group.
	Unsubscribe() error
	// Subscription is the current subscription.
	Subscription() ([]string, error)

	// Assign replaces the whole assignment (eager). Offset OffsetStored, or
	// OffsetInvalid, starts from the committed offset, else
	// auto.offset.reset; an explicit offset starts there.
	Assign(partitions []TopicPartition) error
	// Unassign removes the whole assignment.
	Unassign() error
	// IncrementalAssign adds partitions to the assignment (cooperative).
	IncrementalAssign(partitions []TopicPartition) error
	// IncrementalUnassign removes partitions from the assignment.
	IncrementalUnassign(partitions []TopicPartition) error
	// Assignment is the current assignment.
	Assignment() ([]TopicPartition, error)
	// AssignmentLost reports whether the current assignment was lost (the
	// member was fenced or timed out); meaningful in a revoke callback.
	AssignmentLost() bool
	// GetRebalanceProtocol is RebalanceEager, RebalanceCooperative, or
	// RebalanceNone before the first rebalance.
	GetRebalanceProtocol() string

	// Poll waits up to timeoutMs for an event and returns it, or nil on
	// timeout. It serves rebalance callbacks, auto-commit results and errors
	// as well as messages, one message per call. A message's offset + 1 is
	// stored as the offset to commit when Poll returns it, if
	// enable.auto.offset.store=true.
	//
	// A negative timeoutMs waits until an event arrives. On real brokers
	// that may be forever; client/sim, where nothing else can produce while
	// the caller waits, ends such a wait at the cluster's horizon (see
	// sim.Cluster.SetHorizon) and then returns nil.
	Poll(timeoutMs int) Event
	// ReadMessage polls until a message arrives or the timeout passes. It
	// returns an Error for error events and an ErrTimedOut Error (IsTimeout
	// reports true) on timeout; other events are handled and dropped. A
	// negative timeout waits until a message or an error arrives, bounded
	// in client/sim as Poll's is: at the horizon it returns the
	// ErrTimedOut Error.
	ReadMessage(timeout time.Duration) (*Message, error)

	// Commit synchronously commits the stored offsets of the assignment.
	// With nothing to commit it returns an ErrNoOffset Error.
	Commit() ([]TopicPartition, error)
	// CommitMessage synchronously commits m's offset + 1.
	CommitMessage(m *Message) ([]TopicPartition, error)
	// CommitOffsets synchronously commits the offsets as given.
	CommitOffsets(offsets []TopicPartition) ([]TopicPartition, error)
	// CommitAsync is Commit without waiting: the result arrives as an
	// OffsetsCommitted event from a later Poll. The error is only for a
	// request that cannot be sent at all (closed, fatal, nothing stored).
	CommitAsync() error
	// CommitMessageAsync is CommitMessage without waiting (see CommitAsync).
	CommitMessageAsync(m *Message) error
	// CommitOffsetsAsync is CommitOffsets without waiting (see CommitAsync).
	CommitOffsetsAsync(offsets []TopicPartition) error

	// StoreOffsets stores offsets as given, to be committed by auto-commit or
	// Commit. It needs enable.auto.offset.store=false. Partitions not
	// assigned get ErrState in their Error.
	StoreOffsets(offsets []TopicPartition) ([]TopicPartition, error)
	// StoreMessage stores m's offset + 1 (see StoreOffsets).
	StoreMessage(m *Message) ([]TopicPartition, error)
	// Committed fetches the group's committed offsets (OffsetInvalid where
	// none), waiting up to timeoutMs.
	Committed(partitions []TopicPartition, timeoutMs int) ([]TopicPartition, error)
	// Position is the offset of the next message Poll would return (last
	// returned + 1), OffsetInvalid when nothing is known yet.
	Position(partitions []TopicPartition) ([]TopicPartition, error)
	// Seek moves an assigned partition's position; the next Poll returns
	// from there. The offset may be absolute or logical (OffsetBeginning,
	// OffsetEnd, OffsetTail(n)). A partition that is not assigned gets
	// ErrState if it is a partition of a topic being consumed (librdkafka
	// knows it but is not fetching it), else ErrUnknownPartition.
	Seek(partition TopicPartition, ignoredTimeoutMs int) error
	// SeekPartitions seeks each partition to its Offset (see Seek) and
	// returns the partitions with each one's result in Error: nil, Seek's
	// error, or ErrInvalidArg for OffsetStored (librdkafka does not seek to
	// it). List each partition once. The call itself fails only with
	// ErrInvalidArg for an empty list, or on a closed or failed consumer.
	SeekPartitions(partitions []TopicPartition) ([]TopicPartition, error)
	// Pause stops fetching the partitions; they stay assigned.
	Pause(partitions []TopicPartition) error
	// Resume restarts fetching paused partitions.
	Resume(partitions []TopicPartition) error
	// GetWatermarkOffsets is the cached log start and end offset of a
	// partition, as last seen by a fetch.
	GetWatermarkOffsets(topic string, partition int32) (low, high int64, err error)
	// QueryWatermarkOffsets asks the broker for a partition's log start
	// (low) and log end, the high watermark (high), waiting up to
	// timeoutMs. A consumer's lag on a partition is high minus its
	// committed offset. An unknown topic or partition is an
	// ErrUnknownPartition Error; a broker that stays unreachable,
	// ErrTimedOut.
	QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (low, high int64, err error)
	// OffsetsForTimes looks up, for each partition, the earliest offset
	// whose message timestamp is at or after the time given in Offset
	// (milliseconds since the Unix epoch; -1 asks for the end, -2 for the
	// start). A partition with no such message gets -1 (OffsetEnd). Each
	// partition's error is in its Error field: ErrUnknownTopicOrPart for
	// an unknown topic, ErrUnknownPartition for an unknown partition. The
	// call fails with ErrInvalidArg for an empty list, ErrUnknownPartition
	// when no partition is known, and ErrTimedOut when the broker stays
	// unreachable for timeoutMs. List each partition once (librdkafka does
	// not support duplicates).
	OffsetsForTimes(times []TopicPartition, timeoutMs int) (offsets []TopicPartition, err error)
	// GetMetadata describes the cluster: the brokers, and the topic named
	// by topic if it is not nil, else every topic if allTopics, else the
	// topics this client uses (its subscription and assignment). A topic
	// that does not exist is listed with ErrUnknownTopicOrPart in its
	// Error. With no broker reachable within timeoutMs it fails with
	// ErrTransport.
	GetMetadata(topic *string, allTopics bool, timeoutMs int) (*Metadata, error)

	// MemberID is the group member id, "" before the first join.
	MemberID() string
	// IsClosed reports whether Close has been called.
	IsClosed() bool
	// Close revokes the assignment (the rebalance callback runs),
	// auto-commits the stored offsets if enable.auto.commit=true, leaves the
	// group (a static member does not, its partitions wait for
	// session.timeout.ms), and releases the consumer.
	Close() error
}

// Producer is a Kafka producer shaped like confluent-kafka-go's
// *kafka.Producer, with delivery reports served by Poll and Flush (as in
// confluent-kafka-python) instead of a channel, so a single-goroutine
// simulation stays deterministic.
type Producer interface {
	// Produce queues msg for sending to msg.TopicPartition.Topic; a
	// Partition of PartitionAny lets the partitioner choose. onDelivery,
	// if not nil, is called from Poll or Flush with the delivery report (the
	// message with TopicPartition.Offset or TopicPartition.Error set);
	// otherwise the report is returned from Poll as a *Message event (unless
	// go.delivery.reports=false).
	Produce(msg *Message, onDelivery func(*Message)) error
	// Poll serves delivery reports and errors for up to timeoutMs and
	// returns the first event, or nil.
	Poll(timeoutMs int) Event
	// Flush waits up to timeoutMs for queued messages to be delivered,
	// serving their reports, and returns how many are still outstanding.
	Flush(timeoutMs int) int
	// Len is the number of messages and reports not yet served.
	Len() int
	// IsClosed reports whether Close has been called.
	IsClosed() bool
	// Close releases the producer; messages still queued are lost (call
	// Flush first).
	Close()

	// QueryWatermarkOffsets is Consumer.QueryWatermarkOffsets.
	QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (low, high int64, err error)
	// OffsetsForTimes is Consumer.OffsetsForTimes.
	OffsetsForTimes(times []TopicPartition, timeoutMs int) (offsets []TopicPartition, err error)
	// GetMetadata is Consumer.GetMetadata; without a topic and allTopics
	// the topics this client uses are those it has produced to.
	GetMetadata(topic *string, allTopics bool, timeoutMs int) (*Metadata, error)
}

// PartitionAny lets the producer's partitioner choose the partition.
const PartitionAny = int32(-1)

// Crasher is implemented by clients that can be crashed for a fault
// scenario: Crash stops the client at once, as if its process died —
// nothing committed, no LeaveGroup, timers and heartbeats stopped,
// in-flight work lost. The group notices only at session.timeout.ms. After
// Crash every call returns ClosedError.
type Crasher interface {
	Crash()
}
