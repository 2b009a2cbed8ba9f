package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// Scenario is a loaded, validated scenario file. docs/scenarios.md
// documents the format.
type Scenario struct {
	// Name is the scenario's name (the file name without .yaml by default).
	Name string
	// Summary is a one-line description, shown by `kafkasim list`.
	Summary string
	// Description is a longer text for the class.
	Description string
	// Teaches lists the points of the lesson the scenario shows.
	Teaches []string
	// Seed is the default seed (1 when not given).
	Seed uint64
	// Duration is how much virtual time the run covers.
	Duration time.Duration
	// Cluster holds broker-side settings.
	Cluster   Cluster
	Topics    []Topic
	Producers []Producer
	Consumers []Consumer
	// Script is the timed actions, in time order.
	Script []Action
	// Expect is checked after the run; nil when the file has no expect block.
	Expect *Expect
	// File is where the scenario was loaded from.
	File string
}

// Cluster is the broker-side configuration of the simulated cluster.
type Cluster struct {
	// GroupInitialRebalanceDelay is group.initial.rebalance.delay.ms
	// (Kafka's default 3s); nil means the default.
	GroupInitialRebalanceDelay *time.Duration
	// OffsetsRetention is offsets.retention.minutes (default 7d).
	OffsetsRetention time.Duration
	// OffsetsRetentionCheck is offsets.retention.check.interval.ms
	// (default 10m).
	OffsetsRetentionCheck time.Duration
	// AutoCreateTopics is auto.create.topics.enable (default false here).
	AutoCreateTopics bool
	Pos              Pos
}

// Topic is a topic created before the run starts.
type Topic struct {
	Name       string
	Partitions int
	// Retention is retention.ms (0: forever).
	Retention time.Duration
	Pos       Pos
}

// Producer produces Count messages to Topic, one every Interval from At.
type Producer struct {
	ID    string
	Topic string
	// At is when the first message is produced.
	At time.Duration
	// Count is how many messages.
	Count int
	// Interval is the time between messages (0: all at once).
	Interval time.Duration
	// Key and Value are templates: "{i}" becomes the message's index
	// (from 0) within this producer. An empty Key means a null key.
	Key, Value string
	// Keys, when set, are used in turn instead of Key.
	Keys []string
	// Partition is an explicit partition, or client.PartitionAny.
	Partition int32
	// Config is extra producer configuration (librdkafka keys).
	Config client.ConfigMap
	// OnQueueFull is what the producing app does when the producer's
	// queue is full (_QUEUE_FULL, queue.buffering.max.messages):
	// QueueFullWait (the default) or QueueFullError.
	OnQueueFull string
	Pos         Pos
}

// What a producing app does on _QUEUE_FULL (Producer.OnQueueFull).
const (
	// QueueFullWait: poll until a delivery report frees room, then send
	// the message again (librdkafka's examples/producer.c), so that every
	// message of the count is produced; a produce_wait event says how
	// long and how often the producer waited.
	QueueFullWait = "wait"
	// QueueFullError: take the error and move on to the next message; the
	// message is not produced and an error event records it.
	QueueFullError = "error"
)

// Commit strategies (Processing.Commit).
const (
	// StrategyAuto: the app never commits; enable.auto.commit does.
	StrategyAuto = "auto"
	// StrategyAfterEach: commit each message after processing it.
	StrategyAfterEach = "after-each"
	// StrategyEvery: commit after every Processing.Every processed messages.
	StrategyEvery = "every"
	// StrategyBeforeProcess: commit each message as soon as it is
	// delivered, before processing it (at-most-once).
	StrategyBeforeProcess = "before-process"
	// StrategyStoreAfter: store each offset after processing
	// (enable.auto.offset.store=false) and let auto-commit commit it:
	// librdkafka's recommended at-least-once pattern.
	StrategyStoreAfter = "store-after-process"
	// StrategyNone: never commit.
	StrategyNone = "none"
)

// What the app does when processing a message fails (Processing.OnFailure).
const (
	// FailSkip: log and move on to the next message (the lesson's code).
	FailSkip = "skip"
	// FailRetry: process the same message again at once.
	FailRetry = "retry"
	// FailCrash: the consumer process dies.
	FailCrash = "crash"
)

// Processing is how a consumer's app handles each message.
type Processing struct {
	// Time is how long processing one message takes; with TimeMax > Time,
	// a seeded-random duration uniform in [Time, TimeMax].
	Time, TimeMax time.Duration
	// FailOffsets are offsets whose processing fails (every partition),
	// the first time they are processed.
	FailOffsets []int64
	// FailProbability is the chance any processing fails.
	FailProbability float64
	// OnFailure is FailSkip, FailRetry or FailCrash.
	OnFailure string
	// Commit is one of the Strategy* constants; Every is N for StrategyEvery.
	Commit string
	Every  int
	// Async makes manual commits asynchronous.
	Async bool
	// CommitDelay is the time between a message's effect and the app's
	// commit or store of it (other work, logging, a slow network): a crash
	// in that window leaves the effect uncommitted.
	CommitDelay time.Duration
	// Idempotent makes the app keep a store of processed messages and skip
	// repeats: a repeat is not an effect.
	Idempotent bool
}

// Consumer is a consumer in a group, running the poll loop.
type Consumer struct {
	ID     string
	Group  string
	Topics []string
	// Config is the consumer configuration in librdkafka spelling;
	// group.id and client.id are set from Group and ID.
	Config client.ConfigMap
	// Start is when the consumer starts; nil means at 0s unless the script
	// starts it.
	Start *time.Duration
	// PollIdle is how long an idle poll waits (the app's poll timeout).
	PollIdle   time.Duration
	Processing Processing
	Pos        Pos
}

// Script actions (Action.Do).
const (
	DoStart      = "start"
	DoCrash      = "crash"
	DoClose      = "close"
	DoRestart    = "restart"
	DoStall      = "stall"
	DoResume     = "resume"
	DoProduce    = "produce"
	DoBrokerDown = "broker-down"
	DoBrokerUp   = "broker-up"
	DoPause      = "pause"
	DoSay        = "say"
)

// Action is one timed step of the script.
type Action struct {
	At time.Duration
	Do string
	// Consumer is the consumer id for start, crash, close, restart, stall
	// and resume.
	Consumer string
	// Say is narration shown when the step runs.
	Say string
	// Note, when set, says who asked for a crash in its event's detail
	// instead of "scripted crash" (the TUI's sandbox: the teacher
	// pressed a key). Scenario files have no field for it.
	Note string
	// After, on a say or pause step, anchors it to an event: the step
	// waits from At for the first event that matches and follows it
	// immediately, so the narration sits next to what it explains. nil:
	// the step runs at At.
	After *Anchor
	// Produce fields.
	Topic      string
	Count      int
	Key, Value string
	Partition  int32
	Interval   time.Duration
	Pos        Pos
	// AtPos and ConsumerPos are where at: and consumer: are written.
	AtPos, ConsumerPos Pos
}

// YAML is the action as one step of a scenario file's script, a flow
// mapping ("{at: 5s, do: crash, consumer: \"c1\"}") with the fields the
// action uses; loading it gives the action back.
func (a Action) YAML() string {
	var b strings.Builder
	fmt.Fprintf(&b, "{at: %s, do: %s", FormatDuration(a.At), a.Do)
	if a.Consumer != "" {
		fmt.Fprintf(&b, ", consumer: %s", strconv.Quote(a.Consumer))
	}
	if a.Do == DoProduce {
		fmt.Fprintf(&b, ", topic: %s, count: %d", strconv.Quote(a.Topic), a.Count)
		if a.Key != "" {
			fmt.Fprintf(&b, ", key: %s", strconv.Quote(a.Key))
		}
		if a.Value != "" {
			fmt.Fprintf(&b, ", value: %s", strconv.Quote(a.Value))
		}
		if a.Partition >= 0 {
			fmt.Fprintf(&b, ", partition: %d", a.Partition)
		}
		if a.Interval > 0 {
			fmt.Fprintf(&b, ", interval: %s", FormatDuration(a.Interval))
		}
	}
	if a.After != nil {
		fmt.Fprintf(&b, ", after: %s", a.After.YAML())
	}
	if a.Say != "" {
		fmt.Fprintf(&b, ", say: %s", strconv.Quote(a.Say))
	}
	b.WriteString("}")
	return b.String()
}

// Anchor names the event a say or pause step follows (Action.After):
// the first event at or after the step's time whose kind is Kind and whose
// other fields, where given, are equal. Empty strings and -1 match
// anything.
type Anchor struct {
	Kind Kind
	// Actor is a consumer or producer id, "group:<id>" or "broker".
	Actor string
	Group string
	Topic string
	// Partition and Offset are -1 when not given. Offset is the event's
	// own offset: the message's for deliver and effect, the next offset
	// for commit, commit_ok and store.
	Partition int32
	Offset    int64
	// State is a group state, for group_state.
	State string
	Pos   Pos
}

// Matches reports whether e is an event the anchor names.
func (an *Anchor) Matches(e *Event) bool {
	return e.Kind == an.Kind &&
		(an.Actor == "" || e.Actor == an.Actor) &&
		(an.Group == "" || e.Group == an.Group) &&
		(an.Topic == "" || e.Topic == an.Topic) &&
		(an.Partition < 0 || e.Partition == an.Partition) &&
		(an.Offset < 0 || e.Offset == an.Offset) &&
		(an.State == "" || e.State == an.State)
}

// String describes the anchor in words, for messages: "deliver by c1 of
// orders[0]@0".
func (an *Anchor) String() string {
	s := string(an.Kind)
	if an.State != "" {
		s += " " + an.State
	}
	if an.Actor != "" {
		s += " by " + an.Actor
	}
	if an.Group != "" {
		s += " in group " + an.Group
	}
	if an.Topic != "" || an.Partition >= 0 || an.Offset >= 0 {
		s += " of "
		if an.Topic != "" {
			s += an.Topic
		} else {
			s += "any topic"
		}
		if an.Partition >= 0 {
			s += fmt.Sprintf("[%d]", an.Partition)
		}
		if an.Offset >= 0 {
			s += fmt.Sprintf("@%d", an.Offset)
		}
	}
	return s
}

// YAML is the anchor as a flow mapping ("{kind: deliver, actor: \"c1\",
// offset: 0}"); loading it gives the anchor back.
func (an *Anchor) YAML() string {
	var b strings.Builder
	fmt.Fprintf(&b, "{kind: %s", an.Kind)
	for _, f := range [][2]string{{"actor", an.Actor}, {"group", an.Group}, {"topic", an.Topic}, {"state", an.State}} {
		if f[1] != "" {
			fmt.Fprintf(&b, ", %s: %s", f[0], strconv.Quote(f[1]))
		}
	}
	if an.Partition >= 0 {
		fmt.Fprintf(&b, ", partition: %d", an.Partition)
	}
	if an.Offset >= 0 {
		fmt.Fprintf(&b, ", offset: %d", an.Offset)
	}
	b.WriteString("}")
	return b.String()
}

// Count is an expected number: exact, or a range.
type Count struct {
	Min, Max int // Max < 0: no upper bound
	Text     string
	Pos      Pos
}

// Holds reports whether n is within the count.
func (c Count) Holds(n int) bool { return n >= c.Min && (c.Max < 0 || n <= c.Max) }

// Expect is the expected outcome of a run.
type Expect struct {
	Lost, Duplicated, Redelivered, OK, Pending *Count
	Messages                                   []ExpectMessage
	Committed                                  []ExpectOffset
	Lag                                        []ExpectOffset
	Flags                                      []ExpectFlag
	Events                                     []ExpectEvent
	Groups                                     []ExpectGroup
	Pos                                        Pos
}

// ExpectMessage expects one message's outcome.
type ExpectMessage struct {
	Group     string
	Topic     string
	Partition int32
	Offset    int64
	Outcome   Verdict
	CauseKind CauseKind
	// CauseContains must appear in the cause text.
	CauseContains string
	Pos           Pos
}

// ExpectOffset expects a group's final committed offset (Committed) or
// lag (Lag) on a partition; -1 means nothing committed.
type ExpectOffset struct {
	Group     string
	Topic     string
	Partition int32
	Value     Count
	Pos       Pos
}

// ExpectFlag expects how many messages carry a flag.
type ExpectFlag struct {
	Flag  Flag
	Count Count
	Pos   Pos
}

// ExpectEvent expects how many timeline events match.
type ExpectEvent struct {
	Kind  Kind
	Actor string
	Error string
	State string
	// Contains must appear in the detail or cause.
	Contains string
	Count    Count
	Pos      Pos
}

// ExpectGroup expects a group's final state and its own message counts.
type ExpectGroup struct {
	Group string
	State string
	// Lost and Duplicated count this group's messages only.
	Lost, Duplicated *Count
	Pos              Pos
}
