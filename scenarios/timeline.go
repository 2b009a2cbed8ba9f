package scenarios

import (
	"fmt"
	"strconv"
	"time"
)

// SchemaVersion is the version of the JSON schema of Result (docs/json-schema.md).
// It changes only when a field is removed or its meaning changes; new fields
// may be added without a bump.
const SchemaVersion = 1

// Kind is what an Event records. The values are stable strings: they appear
// in the JSON output and in scenario expectations.
type Kind string

// Event kinds. The actor of consumer kinds is the consumer id from the
// scenario, of producer kinds the producer id, of group kinds "group:<id>",
// of broker kinds "broker" and of script kinds "script".
const (
	// Script and teaching.
	KindNarration Kind = "narration" // Detail is text for the class
	KindPause     Kind = "pause"     // a teaching breakpoint: the TUI stops here

	// Producer.
	KindProduce     Kind = "produce"      // a message reached the log at Topic/Partition/Offset; Key set
	KindProduceWait Kind = "produce_wait" // the producer's queue was full (_QUEUE_FULL): it polled until there was room, then produced on; Detail says how long and how often

	// Consumer lifecycle (scripted or observed).
	KindStart   Kind = "start"   // consumer created and subscribed
	KindCrash   Kind = "crash"   // consumer process died: no commit, no leave
	KindClose   Kind = "close"   // consumer closed gracefully
	KindClosed  Kind = "closed"  // Close returned
	KindStall   Kind = "stall"   // the app stopped polling (e.g. stuck processing)
	KindResume  Kind = "resume"  // the app polls again
	KindRestart Kind = "restart" // a crashed or closed consumer id starts again (a new client)

	// Consumer group protocol as the consumer sees it.
	KindJoin       Kind = "join"     // JoinGroup answered: Member, Generation; Detail says leader/follower
	KindAssign     Kind = "assign"   // partitions added: Partitions
	KindRevoke     Kind = "revoke"   // partitions revoked in an orderly way: Partitions
	KindLost       Kind = "lost"     // partitions lost (session/poll expiry, fencing): Partitions
	KindLeave      Kind = "leave"    // LeaveGroup sent
	KindRejoin     Kind = "rejoin"   // the client will rejoin; Cause says why
	KindPosition   Kind = "position" // fetch position set: Offset; Detail committed|reset|explicit|seek
	KindMaxPoll    Kind = "max_poll" // max.poll.interval.ms exceeded; the member leaves
	KindHeartbeat  Kind = "heartbeat_failed"
	KindClientErr  Kind = "error"         // an error raised to the app: Error is the code name
	KindEOF        Kind = "partition_eof" // _PARTITION_EOF at Offset (the end offset)
	KindSubscribed Kind = "subscribed"

	// Consumer data path.
	KindDeliver       Kind = "deliver"        // poll handed the message at Offset to the app
	KindStore         Kind = "store"          // offset stored for a later commit: Offset is the stored (next) offset
	KindEffect        Kind = "effect"         // processing of Offset completed: its side effect happened
	KindEffectSkipped Kind = "effect_skipped" // processing completed but the idempotent store had seen it
	KindProcessFailed Kind = "process_failed" // processing of Offset failed: no effect
	KindCommit        Kind = "commit"         // commit request for one partition: Offset is the committed (next) offset; Commit is the trigger
	KindCommitOK      Kind = "commit_ok"      // that commit was accepted by the coordinator
	KindCommitFailed  Kind = "commit_failed"  // that commit was rejected or dropped: Error is the code name

	// Group coordinator.
	KindGroupState     Kind = "group_state"     // the group changed state: State, Generation; Cause says why
	KindMemberExpired  Kind = "member_expired"  // the coordinator removed a member after session.timeout.ms
	KindOffsetsExpired Kind = "offsets_expired" // the group's committed offsets expired (offsets.retention.minutes)
	KindGroupEvent     Kind = "group_event"     // another coordinator step: Detail says what (partitions moved, static rejoin)

	// Broker.
	KindBrokerDown Kind = "broker_down"
	KindBrokerUp   Kind = "broker_up"
)

// Commit triggers, as written in Event.Commit. They extend client.CommitTrigger
// with the strategy that made a manual commit, so the classifier can name it.
const (
	CommitAuto          = "auto"           // librdkafka's auto-commit timer
	CommitJavaPoll      = "java-poll"      // Java-model auto-commit inside poll
	CommitRevoke        = "revoke"         // auto-commit of revoked partitions
	CommitClose         = "close"          // auto-commit inside close
	CommitManual        = "manual"         // the app committed after processing
	CommitBeforeProcess = "before-process" // the app committed before processing (at-most-once)
)

// TP names a partition.
type TP struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
}

// String is "topic[partition]".
func (tp TP) String() string { return fmt.Sprintf("%s[%d]", tp.Topic, tp.Partition) }

// Event is one step of a run: something a producer, consumer, the group
// coordinator, the broker or the script did, at a virtual time.
//
// Fields that do not apply are empty: Partition, Offset and Generation are
// -1 when they do not apply, strings are "" and omitted from JSON.
type Event struct {
	// Seq is the event's index in Result.Events().
	Seq int `json:"seq"`
	// At is the virtual time since the start of the run.
	At time.Duration `json:"at_ns"`
	// Actor is who acted: a consumer or producer id from the scenario,
	// "group:<id>", "broker" or "script".
	Actor string `json:"actor"`
	// Kind is what happened.
	Kind Kind `json:"kind"`
	// Group is the consumer group, for consumer and group events.
	Group string `json:"group,omitempty"`
	// Member is the group member id, once the consumer has one.
	Member string `json:"member,omitempty"`
	// Generation is the group generation the actor was in (-1: none).
	Generation int32 `json:"generation"`
	// Topic and Partition name the partition the event is about.
	Topic     string `json:"topic,omitempty"`
	Partition int32  `json:"partition"`
	// Offset is a message offset (deliver, effect, produce) or a next-offset
	// (commit, store, position, partition_eof); -1 when none.
	Offset int64 `json:"offset"`
	// Key is the message key, for produce and deliver.
	Key string `json:"key,omitempty"`
	// Topics lists the topics of a subscription, for subscribed.
	Topics []string `json:"topics,omitempty"`
	// Partitions lists partitions for assign, revoke and lost.
	Partitions []TP `json:"partitions,omitempty"`
	// State is the group's new state, for group_state.
	State string `json:"state,omitempty"`
	// Commit is the commit trigger (see the Commit* constants) for commit
	// events; CommitID ties a request to its result.
	Commit   string `json:"commit,omitempty"`
	CommitID uint64 `json:"commit_id,omitempty"`
	// Async is true for an asynchronous commit.
	Async bool `json:"async,omitempty"`
	// Error is the Kafka / librdkafka error name, e.g. "ILLEGAL_GENERATION".
	Error string `json:"error,omitempty"`
	// Detail is a short human-readable description.
	Detail string `json:"detail,omitempty"`
	// Cause says why it happened, when something else caused it.
	Cause string `json:"cause,omitempty"`
}

// TP is the event's partition.
func (e *Event) TP() TP { return TP{e.Topic, e.Partition} }

// String is the event as one timeline line: "T=5s c1 commit t[0]@101 (auto)".
func (e *Event) String() string { return string(e.appendText(nil, FormatDuration(e.At))) }

// appendText appends the event's timeline line (String) to b, its time
// already formatted as at.
func (e *Event) appendText(b []byte, at string) []byte {
	b = append(b, "T="...)
	b = append(b, at...)
	b = append(b, ' ')
	b = append(b, e.Actor...)
	b = append(b, ' ')
	b = append(b, e.Kind...)
	if e.Topic != "" {
		b = append(b, ' ')
		b = appendTP(b, e.Topic, e.Partition)
		if e.Offset >= 0 {
			b = append(b, '@')
			b = strconv.AppendInt(b, e.Offset, 10)
		}
	} else if e.Offset >= 0 {
		b = append(b, " @"...)
		b = strconv.AppendInt(b, e.Offset, 10)
	}
	if len(e.Partitions) > 0 {
		b = append(b, " ["...)
		for i, tp := range e.Partitions {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendTP(b, tp.Topic, tp.Partition)
		}
		b = append(b, ']')
	}
	if e.State != "" {
		b = append(b, ' ')
		b = append(b, e.State...)
	}
	if e.Generation >= 0 && (e.Kind == KindJoin || e.Kind == KindGroupState) {
		b = append(b, " gen="...)
		b = strconv.AppendInt(b, int64(e.Generation), 10)
	}
	if e.Commit != "" {
		b = append(b, " ("...)
		b = append(b, e.Commit...)
		if e.Async {
			b = append(b, " async"...)
		}
		b = append(b, ')')
	}
	if e.Error != "" {
		b = append(b, ' ')
		b = append(b, e.Error...)
	}
	if e.Detail != "" {
		b = append(b, ": "...)
		b = append(b, e.Detail...)
	}
	if e.Cause != "" {
		b = append(b, " — "...)
		b = append(b, e.Cause...)
	}
	return b
}

// appendTP appends "topic[partition]" (TP.String).
func appendTP(b []byte, topic string, partition int32) []byte {
	b = append(b, topic...)
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(partition), 10)
	return append(b, ']')
}

// FormatDuration prints a virtual time compactly: "0s", "300ms", "5s",
// "1m30s", "7.25s".
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return d.String()
}

// appendDuration appends FormatDuration(d) to b without allocating, for
// the cause sentences written per message. A duration of a second or
// more is written as time.Duration.String writes it (hours and minutes
// when there are any, then seconds and their fraction without trailing
// zeros: "1h0m5.25s"); shorter and negative ones through String.
func appendDuration(b []byte, d time.Duration) []byte {
	if d < time.Second {
		return append(b, FormatDuration(d)...)
	}
	u := uint64(d)
	frac, sec := u%1e9, u/1e9
	if h := sec / 3600; h > 0 {
		b = strconv.AppendUint(b, h, 10)
		b = append(b, 'h')
	}
	if sec >= 60 {
		b = strconv.AppendUint(b, sec/60%60, 10)
		b = append(b, 'm')
	}
	b = strconv.AppendUint(b, sec%60, 10)
	if frac != 0 {
		var digits [9]byte
		for i := 8; i >= 0; i-- {
			digits[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := 9
		for digits[n-1] == '0' {
			n--
		}
		b = append(b, '.')
		b = append(b, digits[:n]...)
	}
	return append(b, 's')
}
