package client

import (
	"fmt"
	"time"
)

// Hook is a value implementing one or more of the Hook* interfaces below.
// Backends take hooks at construction (for example
// sim.Cluster.NewConsumer(conf, hooks...)) and call every method a hook
// implements, synchronously, on the goroutine driving the client, in the
// order things happen. A hook must not call back into the client.
//
// Together the hooks explain every outcome: which poll handed out which
// message, which commit (and what triggered it) covered which offset, which
// rebalance moved which partition, and why a member left the group.
type Hook any

// Info identifies the client and the moment of an observation.
type Info struct {
	// Time is the client's clock (virtual in client/sim).
	Time time.Time
	// ClientID is client.id; runners give each client a distinct one.
	ClientID string
	// GroupID is group.id ("" for a producer).
	GroupID string
	// MemberID is the member id at the time ("" before the first join).
	MemberID string
	// InstanceID is group.instance.id ("" for a dynamic member).
	InstanceID string
	// Generation is the group generation the client last joined (-1: none).
	Generation int32
}

// HookLifecycle observes a client being created, subscribing, closing,
// closed or crashed.
type HookLifecycle interface {
	OnLifecycle(Lifecycle)
}

// LifecycleKind is what happened to the client.
type LifecycleKind int

// Lifecycle kinds.
const (
	LifecycleCreated LifecycleKind = iota
	LifecycleSubscribed
	LifecycleUnsubscribed
	LifecycleClosing
	LifecycleClosed
	LifecycleCrashed
)

var lifecycleNames = [...]string{"created", "subscribed", "unsubscribed", "closing", "closed", "crashed"}

// String is the kind's name.
func (k LifecycleKind) String() string { return enumName(lifecycleNames[:], int(k)) }

// Lifecycle is a lifecycle observation. Topics is set for
// LifecycleSubscribed.
type Lifecycle struct {
	Info
	Kind   LifecycleKind
	Topics []string
}

// HookMessageDelivered observes Poll handing a message to the app.
type HookMessageDelivered interface {
	OnMessageDelivered(MessageDelivered)
}

// MessageDelivered is a message returned by Poll (or ReadMessage).
// Stored reports whether its offset + 1 was stored at the same moment
// (enable.auto.offset.store=true); a HookOffsetsStored call follows then.
type MessageDelivered struct {
	Info
	Message *Message
	Stored  bool
}

// HookOffsetsStored observes offsets being stored as the next to commit.
type HookOffsetsStored interface {
	OnOffsetsStored(OffsetsStored)
}

// OffsetsStored is a store of offsets to commit later. Auto is true for the
// implicit store done by Poll with enable.auto.offset.store=true, false for
// StoreOffsets / StoreMessage.
type OffsetsStored struct {
	Info
	Offsets []TopicPartition
	Auto    bool
}

// CommitTrigger says why a commit was made.
type CommitTrigger int

// Commit triggers.
const (
	// TriggerManual: the app called Commit, CommitMessage or CommitOffsets
	// (or their Async forms).
	TriggerManual CommitTrigger = iota
	// TriggerAutoTimer: librdkafka's auto-commit timer
	// (auto.commit.interval.ms), which runs whether or not the app polls.
	TriggerAutoTimer
	// TriggerRevoke: auto-commit of partitions being revoked (eager revoke,
	// cooperative unassign, unsubscribe); with the Java model also the
	// commit before a rebalance.
	TriggerRevoke
	// TriggerClose: auto-commit inside Close.
	TriggerClose
	// TriggerJavaPoll: Java-model auto-commit inside Poll, before fetching,
	// once auto.commit.interval.ms has passed.
	TriggerJavaPoll
)

var triggerNames = [...]string{"manual", "auto-timer", "revoke", "close", "java-poll"}

// String is the trigger's name: manual, auto-timer, revoke, close, java-poll.
func (t CommitTrigger) String() string { return enumName(triggerNames[:], int(t)) }

// HookCommit observes commits: OnCommitStarted when the request is made
// (sent, or queued while the coordinator is unreachable), OnCommitFinished
// with its result. Both carry the same ID. An auto-commit with nothing to
// commit is not a commit and is not reported; a manual one is, finishing
// with ErrNoOffset.
type HookCommit interface {
	OnCommitStarted(Commit)
	OnCommitFinished(Commit)
}

// Commit is a commit request and, in OnCommitFinished, its result: Err is
// the request's error, and each offset's Error its own.
type Commit struct {
	Info
	ID      uint64
	Trigger CommitTrigger
	Async   bool
	Offsets []TopicPartition
	Err     error
}

// String describes the commit.
func (c Commit) String() string {
	mode := "sync"
	if c.Async {
		mode = "async"
	}
	return fmt.Sprintf("commit#%d %s %s %s err=%v", c.ID, c.Trigger, mode, TopicPartitions(c.Offsets), c.Err)
}

// HookRebalance observes the assignment changing.
type HookRebalance interface {
	OnRebalance(Rebalance)
}

// RebalanceKind is how the assignment changed.
type RebalanceKind int

// Rebalance kinds.
const (
	// RebalanceAssigned: partitions added (eager: the whole new assignment).
	RebalanceAssigned RebalanceKind = iota
	// RebalanceRevoked: partitions given up in an orderly way; with
	// auto-commit, their stored offsets are committed right after, as
	// librdkafka's unassign does.
	RebalanceRevoked
	// RebalanceLost: partitions lost — session or poll-interval expiry,
	// fencing — and not committed.
	RebalanceLost
)

var rebalanceNames = [...]string{"assigned", "revoked", "lost"}

// String is the kind's name.
func (k RebalanceKind) String() string { return enumName(rebalanceNames[:], int(k)) }

// Rebalance is an assignment change as applied to the consumer. Protocol is
// RebalanceEager or RebalanceCooperative; Manual is true for Assign /
// Unassign / IncrementalAssign calls outside a group rebalance.
type Rebalance struct {
	Info
	Kind       RebalanceKind
	Partitions []TopicPartition
	Protocol   string
	Manual     bool
}

// HookPosition observes where a consumer starts or restarts reading a
// partition.
type HookPosition interface {
	OnPosition(Position)
}

// PositionReason says where a new position came from.
type PositionReason int

// Position reasons.
const (
	// PositionCommitted: the group's committed offset.
	PositionCommitted PositionReason = iota
	// PositionReset: auto.offset.reset (no committed offset, or out of range).
	PositionReset
	// PositionExplicit: an offset given to Assign / IncrementalAssign.
	PositionExplicit
	// PositionSeek: Seek.
	PositionSeek
)

var positionNames = [...]string{"committed", "reset", "explicit", "seek"}

// String is the reason's name.
func (r PositionReason) String() string { return enumName(positionNames[:], int(r)) }

// Position is a partition's new fetch position. Partition.Offset is the new
// position; Reset is the auto.offset.reset policy used for PositionReset.
type Position struct {
	Info
	Partition TopicPartition
	Reason    PositionReason
	Reset     string
}

// HookGroup observes the group protocol: joins, syncs, rejoins, leaves,
// heartbeat failures.
type HookGroup interface {
	OnGroup(GroupEvent)
}

// GroupEventKind is a step of the group protocol.
type GroupEventKind int

// Group event kinds.
const (
	GroupJoinSent GroupEventKind = iota
	GroupJoined
	GroupSyncSent
	GroupSynced
	// GroupRejoin: the client will rejoin; Reason says why.
	GroupRejoin
	GroupLeft
	GroupHeartbeatFailed
)

var groupNames = [...]string{"join-sent", "joined", "sync-sent", "synced", "rejoin", "left", "heartbeat-failed"}

// String is the kind's name.
func (k GroupEventKind) String() string { return enumName(groupNames[:], int(k)) }

// GroupEvent is a group protocol step. Err is the coordinator's error, if
// any; Leader and Members are set for GroupJoined; Assignment for
// GroupSynced; Reason for GroupRejoin and GroupLeft.
type GroupEvent struct {
	Info
	Kind       GroupEventKind
	Err        error
	Leader     bool
	Members    int
	Protocol   string
	Assignment []TopicPartition
	Reason     string
}

// HookMaxPollExceeded observes max.poll.interval.ms expiring: the member
// leaves the group and loses its partitions.
type HookMaxPollExceeded interface {
	OnMaxPollExceeded(MaxPollExceeded)
}

// MaxPollExceeded is a max.poll.interval.ms expiry. LastPoll is when Poll
// last returned.
type MaxPollExceeded struct {
	Info
	LastPoll time.Time
	Interval time.Duration
}

// HookError observes errors raised to the app: the Error events Poll will
// return, and fatal errors.
type HookError interface {
	OnError(ErrorRaised)
}

// ErrorRaised is an error queued for the app.
type ErrorRaised struct {
	Info
	Err Error
}

// HookProduced observes a producer's message reaching the log (or failing).
type HookProduced interface {
	OnProduced(Produced)
}

// Produced is a delivery: Message.TopicPartition has the offset, or Error.
type Produced struct {
	Info
	Message *Message
}

func enumName(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("unknown(%d)", i)
}

// Hooks is a list of hooks with helpers that call every hook implementing
// an interface. Backends use it; apps do not need it.
type Hooks []Hook

// Of returns the hooks of hs implementing H, in order (nil if none). A
// backend calling one kind of hook on every message picks them out once
// with Of instead of asking every hook with Each on every call.
func Of[H any](hs Hooks) []H {
	var out []H
	for _, h := range hs {
		if x, ok := h.(H); ok {
			out = append(out, x)
		}
	}
	return out
}

// Each calls fn for every hook implementing H.
func Each[H any](hs Hooks, fn func(H)) {
	for _, h := range hs {
		if x, ok := h.(H); ok {
			fn(x)
		}
	}
}
